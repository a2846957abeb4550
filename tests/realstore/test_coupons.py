"""Coupons into real WooCommerce (11.0.1 and 7.9.0) with the shipped ``coupons-csv`` mapping:
the sample imported, a second run writing nothing, the export reading back what was meant,
restrictions resolved to the right ids (a variation included), the expiry in the store's
timezone (Europe/Berlin for a moment, summer and winter time), updates and the trash.

Isolation: the sample's codes, SKUs and top-level category names get a prefix of this run
(``RealStore.prefix``), products and categories are made by the test; what it made is deleted
at the end (coupons for good).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bulkio.config import ConnectionSettings
from bulkio.engine.run import ImportResult, run_import
from bulkio.export import load_export_mapping
from bulkio.export.record_rows import CouponQuery, export_records
from bulkio.store import StoreClient
from tests.realstore.refstore import RealStore
from tests.realstore.test_export_orders import settings_lock, store_timezone

REPO = Path(__file__).resolve().parents[2]
MAPPING = REPO / "mappings" / "coupons-csv.toml"
SAMPLE = REPO / "samples" / "coupons.csv"
EXPORT = REPO / "mappings" / "export-coupons.toml"
TOPS = ("Apparel & Accessories", "Food, Beverages & Tobacco", "Home & Garden")
SIMPLE_SKUS = ("HL-038", "HL-006", "HL-040-BLACK")


@dataclass
class Shop:
    """What one test made in one store (deleted afterwards)."""

    store: RealStore
    prefix: str
    products: list[int] = field(default_factory=list)
    categories: dict[str, int] = field(default_factory=dict)
    """category path as the prefixed sample writes it → id."""
    skus: dict[str, int] = field(default_factory=dict)
    """prefixed SKU → product or variation id."""

    @property
    def settings(self) -> ConnectionSettings:
        return ConnectionSettings(
            url=self.store.https_url,
            key=self.store.env["RW_KEY"],
            secret=self.store.env["RW_SECRET"],
            verify=self.store.ca_bundle,
        )

    def run(self, source: Path, **kw: Any) -> ImportResult:
        """One import with a client of its own (so its request counts are this run's)."""
        return run_import(self.settings, MAPPING, source, **kw)

    def code(self, code: str) -> str:
        return f"{self.prefix}{code}".lower()

    def coupon(self, code: str) -> dict[str, Any]:
        found = self.store.get("coupons", code=self.code(code), context="edit")
        assert len(found) == 1, (code, found)
        return dict(found[0])

    def coupons(self) -> dict[str, dict[str, Any]]:
        """Every live coupon of this test, by code."""
        return {
            c["code"]: c
            for c in self.store.iter_all("coupons", search=self.prefix.lower())
            if c["code"].startswith(self.prefix.lower())
        }


def _category(store: RealStore, name: str, parent: int) -> int:
    return int(store.post("products/categories", {"name": name, "parent": parent})["id"])


@pytest.fixture
def shop(store: RealStore) -> Iterator[Shop]:
    made = Shop(store, store.prefix("CP"))
    p = made.prefix
    # A variable product whose two variations the sample names (HL-009-WHITE / -BLUE): a
    # coupon may be restricted to single variations.
    parent = store.post(
        "products",
        {
            "name": f"{p}Enamel mug",
            "type": "variable",
            "sku": f"{p}HL-009",
            "attributes": [{"name": "Colour", "options": ["White", "Blue"], "variation": True}],
        },
    )
    made.products.append(int(parent["id"]))
    variations = store.post(
        f"products/{parent['id']}/variations/batch",
        {
            "create": [
                {
                    "sku": f"{p}HL-009-{colour.upper()}",
                    "regular_price": "12",
                    "attributes": [{"name": "Colour", "option": colour}],
                }
                for colour in ("White", "Blue")
            ]
        },
    )
    for variation in variations["create"]:
        made.skus[variation["sku"]] = int(variation["id"])
    for sku in SIMPLE_SKUS:
        product = store.post(
            "products",
            {
                "name": f"{p}{sku}",
                "sku": f"{p}{sku}",
                "regular_price": "9",
                "status": "draft" if sku == "HL-040-BLACK" else "publish",
            },
        )
        made.products.append(int(product["id"]))
        made.skus[product["sku"]] = int(product["id"])
    paths = [
        "Apparel & Accessories > Clothing > Shirts & Tops",
        "Apparel & Accessories > Clothing > Pants",
        "Food, Beverages & Tobacco > Beverages > Tea & Infusions",
        "Home & Garden > Lighting > Lamps",
    ]
    for path in paths:
        parent_id = 0
        names = path.split(" > ")
        for depth, name in enumerate(names):
            shown = f"{p}{name}" if depth == 0 else name
            key = " > ".join([f"{p}{names[0]}", *names[1 : depth + 1]])
            if key not in made.categories:
                made.categories[key] = _category(store, shown, parent_id)
            parent_id = made.categories[key]
    try:
        yield made
    finally:
        ids = [c["id"] for c in made.coupons().values()]
        ids += [
            c["id"]
            for c in store.iter_all("coupons", status="trash", search=p.lower())
            if c["code"].startswith(p.lower())
        ]
        for start in range(0, len(ids), 100):
            store.http.post("coupons/batch", json={"delete": ids[start : start + 100]})
        store.http.post("products/batch", json={"delete": made.products}, params={"force": "true"})
        for term_id in sorted(made.categories.values(), reverse=True):
            store.http.delete(f"products/categories/{term_id}", params={"force": "true"})


def prefixed_sample(shop: Shop, out: Path) -> Path:
    """samples/coupons.csv with this run's prefix on codes, SKUs and top categories."""
    p = shop.prefix
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    for row in rows:
        code = row["Code"]
        row["Code"] = code.replace(code.strip(), p + code.strip())  # outer spaces kept
        for column in ("Products", "Exclude products"):
            row[column] = "|".join(p + sku for sku in row[column].split("|") if sku)
        for column in ("Categories", "Exclude categories"):
            row[column] = "|".join(p + path for path in row[column].split("|") if path)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out


def test_the_sample_imports_reruns_without_writes_and_exports(shop: Shop, tmp_path: Path) -> None:
    source = prefixed_sample(shop, tmp_path / "coupons.csv")
    p = shop.prefix
    done = shop.run(source)
    assert done.counts()["created"] == 133, [o for o in done.outcomes if o.outcome != "created"]
    assert done.counts()["failed"] == 0
    assert {r.line: r.code for r in done.plan.rejected} == {
        14: "duplicate-key",
        15: "invalid-number",
        16: "unknown-sku",
    }
    stored = shop.coupons()
    assert len(stored) == 133
    modified = {code: c["date_modified_gmt"] for code, c in stored.items()}

    again = shop.run(source)
    assert again.counts()["unchanged"] == 133
    assert again.applied is not None and again.applied.writes == 0
    assert {code: c["date_modified_gmt"] for code, c in shop.coupons().items()} == modified

    # restrictions resolved to the ids the store has (a variation, a draft product, paths)
    mugs = shop.coupon("MUGS-3")
    assert sorted(mugs["product_ids"]) == sorted(
        [shop.skus[f"{p}HL-009-WHITE"], shop.skus[f"{p}HL-009-BLUE"], shop.skus[f"{p}HL-038"]]
    )
    assert shop.store.get("coupons", code=shop.code("LAMP-10")) == []  # rejected: HL-999
    summer = shop.coupon("SOMMER15")
    assert sorted(summer["product_categories"]) == sorted(
        [
            shop.categories[f"{p}Apparel & Accessories > Clothing > Shirts & Tops"],
            shop.categories[f"{p}Apparel & Accessories > Clothing > Pants"],
        ]
    )
    home = shop.coupon("HOME-NO-SALE")
    assert home["product_categories"] == [shop.categories[f"{p}Home & Garden"]]
    assert home["excluded_product_categories"] == [
        shop.categories[f"{p}Home & Garden > Lighting > Lamps"]
    ]
    assert shop.coupon("BIG-BASKET")["excluded_product_ids"] == [shop.skus[f"{p}HL-006"]]
    # values as the flyer means them (the stores are UTC: site time = GMT)
    assert summer["date_expires"] == "2027-08-31T23:59:59"
    assert summer["amount"] == "15.00" and summer["minimum_amount"] == "50.00"
    assert shop.coupon("News5")["usage_limit_per_user"] == 1
    assert shop.coupon("PARTNER-CAFE")["date_expires"] == "2027-12-31T18:00:00"
    assert shop.coupon("TEA-LOVERS")["amount"] == "12.50"
    assert shop.coupon("STAFF30")["email_restrictions"] == ["*@hafenladen.example"]

    # export and compare with what was imported
    out = tmp_path / "coupons-export.csv"
    with StoreClient(shop.settings) as client:
        export_records(client, load_export_mapping(EXPORT), out, query=CouponQuery())
    with out.open(encoding="utf-8-sig", newline="") as handle:
        exported = {r["Code"]: r for r in csv.DictReader(handle) if r["Code"].startswith(p.lower())}
    assert len(exported) == 133
    with source.open(encoding="utf-8", newline="") as handle:
        imported = [
            r for n, r in enumerate(csv.DictReader(handle), start=2) if n not in (14, 15, 16)
        ]
    for row in imported:
        line = exported[row["Code"].strip().lower()]
        assert line["Amount"] == f"{float(row['Amount']):.2f}", row["Code"]
        expected = row["Valid until"]
        if "." in expected:
            day, month, year = expected.split(".")
            expected = f"{year}-{month}-{day}"
        assert line["Expires"] == expected[:10], row["Code"]
        assert line["Usage limit"] == row["Usage limit"], row["Code"]
        assert line["Limit per customer"] == row["Per customer"], row["Code"]
        wanted_emails = sorted(row["Allowed emails"].split("|")) if row["Allowed emails"] else []
        assert sorted(filter(None, line["Allowed emails"].split(" | "))) == wanted_emails
        wanted_products = sorted(shop.skus[s] for s in row["Products"].split("|") if s)
        assert sorted(int(i) for i in line["Product ids"].split(" | ") if i) == wanted_products


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    header = SAMPLE.read_text(encoding="utf-8").splitlines()[0].split(",")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in header})
    return path


def test_updates_clear_values_and_a_case_only_change_writes_nothing(
    shop: Shop, tmp_path: Path
) -> None:
    p = shop.prefix
    first = write_rows(
        tmp_path / "a.csv",
        [
            {
                "Code": f"{p}Update-1",
                "Type": "Fixed cart",
                "Amount": "5",
                "Valid until": "30.06.2027",
                "Usage limit": "10",
                "Allowed emails": "a@example.com|B@Example.com",
                "Description": "Spring <b>2027</b> & more",
            }
        ],
    )
    assert shop.run(first).counts()["created"] == 1
    before = shop.coupon("Update-1")
    assert before["email_restrictions"] == ["a@example.com", "b@example.com"]
    same_but_case = write_rows(
        tmp_path / "b.csv",
        [
            {
                "Code": f"{p}UPDATE-1".lower(),
                "Type": "Fixed cart",
                "Amount": "5.00",
                "Valid until": "2027-06-30",
                "Usage limit": "10",
                "Allowed emails": "b@example.com|A@EXAMPLE.COM",
                "Description": "Spring <b>2027</b> & more",
            }
        ],
    )
    unchanged = shop.run(same_but_case)
    assert unchanged.counts()["unchanged"] == 1
    assert unchanged.applied is not None and unchanged.applied.writes == 0
    changed = write_rows(
        tmp_path / "c.csv",
        [{"Code": f"{p}Update-1", "Type": "Percent", "Amount": "7.5"}],
    )
    dry = shop.run(changed, dry_run=True)
    (item,) = dry.plan.updates
    assert {c.field: (c.old, c.new) for c in item.changes} == {
        "discount_type": ("fixed_cart", "percent"),
        "amount": ("5.00", "7.50"),
        "date_expires": ("2027-06-30T23:59:59", ""),
        "usage_limit": (10, None),
        "email_restrictions": ("a@example.com, b@example.com", ""),
        "description": ("Spring <b>2027</b> &amp; more", ""),
    }
    assert shop.run(changed).counts()["updated"] == 1
    after = shop.coupon("Update-1")
    assert after["id"] == before["id"] and after["amount"] == "7.50"
    assert after["date_expires"] is None and after["usage_limit"] is None
    assert after["email_restrictions"] == [] and after["description"] == ""
    rerun = shop.run(changed)
    assert rerun.counts()["unchanged"] == 1
    assert rerun.applied is not None and rerun.applied.writes == 0


def test_the_expiry_is_the_end_of_the_day_in_the_stores_timezone(
    shop: Shop, tmp_path: Path
) -> None:
    """Europe/Berlin for a moment (summer and winter time): "valid until 30.06.2027" is
    30.06.2027 23:59:59 in Berlin, i.e. 21:59:59 UTC; 31.12. 23:59:59 is 22:59:59 UTC."""
    p = shop.prefix
    source = write_rows(
        tmp_path / "tz.csv",
        [
            {"Code": f"{p}TZ-SUMMER", "Amount": "1", "Valid until": "30.06.2027"},
            {"Code": f"{p}TZ-WINTER", "Amount": "1", "Valid until": "31.12.2027"},
            {"Code": f"{p}TZ-TIME", "Amount": "1", "Valid until": "2027-06-30 18:00"},
        ],
    )
    with settings_lock(shop.store), store_timezone(shop.store, "Europe/Berlin"):
        done = shop.run(source)
        assert done.counts()["created"] == 3
        rerun = shop.run(source)
        assert rerun.counts()["unchanged"] == 3
        summer, winter, timed = (shop.coupon(c) for c in ("TZ-SUMMER", "TZ-WINTER", "TZ-TIME"))
    # read inside the window: date_expires is answered in the site's time of the moment
    assert (summer["date_expires"], summer["date_expires_gmt"]) == (
        "2027-06-30T23:59:59",
        "2027-06-30T21:59:59",
    )
    assert winter["date_expires_gmt"] == "2027-12-31T22:59:59"
    assert timed["date_expires_gmt"] == "2027-06-30T16:00:00"


def test_a_code_held_by_a_trashed_coupon(shop: Shop, tmp_path: Path) -> None:
    """11.0.1 restores the trashed coupon (its usage history stays); 7.9 cannot restore one
    through the API: the row fails and says what to do."""
    p = shop.prefix
    made = shop.store.post("coupons", {"code": f"{p}Old-Flyer", "amount": "2"})
    shop.store.http.delete(f"coupons/{made['id']}")  # 7.9 answers 500, yet trashes it
    source = write_rows(
        tmp_path / "t.csv", [{"Code": f"{p}OLD-FLYER", "Type": "Fixed cart", "Amount": "4"}]
    )
    result = shop.run(source)
    (item,) = result.plan.updates
    assert item.id == made["id"] and item.base_status == "trash"
    if shop.store.major >= 11:
        assert result.counts()["updated"] == 1 and not result.problems
        restored = shop.coupon("OLD-FLYER")
        assert restored["id"] == made["id"] and restored["amount"] == "4.00"
        assert shop.run(source).counts()["unchanged"] == 1
    else:
        (failed,) = result.problems
        assert failed.code == "restore_refused" and "wp-admin" in (failed.message or "")
        assert shop.store.get("coupons", code=f"{p}old-flyer") == []
