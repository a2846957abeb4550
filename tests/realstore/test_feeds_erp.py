"""The shipped German ERP mapping (erp-de) on real WooCommerce: the article export (cp1252,
semicolons, decimal commas) becomes variable products with the global attributes Größe and
Farbe, a category tree with umlauts, EANs, weights converted from grams to the store's unit and
the stock each article was created with; the next export, with other quantities everywhere,
writes nothing (the stock is owned only on create).

The sample (samples/erp-de.csv) is made this test's own: article numbers and Vaterartikel get a
fresh prefix, EANs numbers no other product holds (a leading zero kept where the sample has
one). Categories and the global attributes are shared with earlier runs: matched, not created
again. On WooCommerce 7.9 (no brands, no global_unique_id) the mapping is used as its header
says: without the brands line and with the EAN in a meta field.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.realstore.helpers import bulkio_json, meta, modified, write
from tests.realstore.refstore import RealStore

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "erp-de.csv"
SHIPPED = ROOT / "mappings" / "erp-de.toml"
GROUPS = {"H-1001": 6, "H-1002": 2, "HO-2001": 4, "D-3001": 3}
SIMPLE = ["A-4001", "A-4002", "M-5001", "P-6001"]
GRAMS_PER = {"kg": 1000.0, "g": 1.0, "lbs": 453.59237, "oz": 28.349523125}

pytestmark = pytest.mark.usefixtures("normal_face")


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="bulkio-erp-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def own_export(path: Path, prefix: str, stock_added: int = 0) -> list[dict[str, str]]:
    """Write the sample with this test's article numbers and EANs (stock raised by
    ``stock_added``) in cp1252, as the ERP does; return its rows."""
    seed = int(prefix.rstrip("-")[-8:], 16) % 10**9
    lines = SAMPLE.read_bytes().decode("cp1252").splitlines()
    header = lines[0].split(";")
    rows = [dict(zip(header, line.split(";"), strict=True)) for line in lines[1:]]
    for number, row in enumerate(rows):
        row["Artikelnummer"] = prefix + row["Artikelnummer"]
        if row["Vaterartikel"]:
            row["Vaterartikel"] = prefix + row["Vaterartikel"]
        row["EAN"] = row["EAN"][0] + f"{seed:09d}{number:03d}"
        row["Bestand"] = str(int(row["Bestand"]) + stock_added)
    text = "\r\n".join(";".join(cells) for cells in [header, *(r.values() for r in rows)])
    path.write_bytes((text + "\r\n").encode("cp1252"))
    return rows


def category_paths(store: RealStore, item: dict[str, Any]) -> set[str]:
    terms = {t["id"]: t for t in store.iter_all("products/categories")}

    def path(term_id: int) -> str:
        term, names = terms[term_id], []
        while True:
            names.append(html.unescape(term["name"]))
            if not term["parent"]:
                return " > ".join(reversed(names))
            term = terms[term["parent"]]

    return {path(int(entry["id"])) for entry in item["categories"]}


def everything(store: RealStore, prefix: str) -> dict[str, dict[str, Any]]:
    products = store.by_skus([prefix + sku for sku in [*GROUPS, *SIMPLE]])
    found = dict(products)
    for group in GROUPS:
        for variation in store.variations(int(products[prefix + group]["id"])):
            found[variation["sku"]] = {**variation, "_group": prefix + group}
    return found


def mapping_for(store: RealStore, folder: Path) -> str:
    """The shipped mapping by name; on a store before 9.6 the edit its header describes."""
    if store.major >= 10 or store.wc_version >= "9.6":
        return "erp-de"
    text = SHIPPED.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^brands = .*\n", "", text)
    text = re.sub(r"(?m)^global_unique_id = .*$", '"meta:ean" = "EAN"', text)
    return str(write(folder / "erp-de-79.toml", text))


def test_erp_export_on_a_real_store_and_the_next_export_writes_nothing(
    store_env: RealStore, folder: Path
) -> None:
    store = store_env
    prefix = store.prefix("ERP")
    mapping = mapping_for(store, folder)
    rows = own_export(folder / "artikel.csv", prefix)
    report = folder / "report.csv"
    code, first = bulkio_json(
        "import", str(folder / "artikel.csv"), "-m", mapping, "--report", str(report)
    )
    assert code == 1, first
    with open(report, encoding="utf-8-sig", newline="") as handle:
        problems = list(csv.DictReader(handle))
    assert [(r["kind"], r["sku"], r["code"]) for r in problems] == [
        ("rejected", prefix + "A-4003", "invalid-number")
    ]

    held = everything(store, prefix)
    assert len(held) == len(GROUPS) + len(SIMPLE) + sum(GROUPS.values())
    unit = store.get("settings/products/woocommerce_weight_unit")["value"]
    for group in GROUPS:
        parent = held[prefix + group]
        assert parent["type"] == "variable"
        attributes = {a["name"]: a for a in parent["attributes"]}
        assert set(attributes) == {"Größe", "Farbe"}
        assert all(a["id"] and a["variation"] for a in attributes.values())  # global: pa_…
    assert category_paths(store, held[prefix + "H-1002"]) == {
        "Bekleidung > Herren > Hemden",
        "Sommerkollektion",
    }
    assert category_paths(store, held[prefix + "M-5001"]) == {"Bekleidung > Herren > Mäntel"}
    for row in rows:
        sku = row["Artikelnummer"]
        if sku.removeprefix(prefix) in ("P-6002", "A-4003"):  # Webshop N / bad price
            assert sku not in held
            continue
        item = held[sku]
        price = float(row["VK brutto"].replace(".", "").replace(",", "."))
        assert float(item["regular_price"]) == price, sku
        ean = item["global_unique_id"] if mapping == "erp-de" else meta(item, "ean")
        assert ean == row["EAN"], sku
        grams = int(row["Gewicht"])
        assert float(item["weight"]) == pytest.approx(grams / GRAMS_PER[unit], abs=1e-4), sku
        assert item["stock_quantity"] == int(row["Bestand"]), sku
        if "_group" in item:
            picked = {a["name"]: a["option"] for a in item["attributes"]}
            assert picked == {"Größe": row["Größe"], "Farbe": row["Farbe"]}, sku
        if mapping == "erp-de" and not item.get("_group"):
            brands = [html.unescape(b["name"]) for b in item["brands"]]
            assert brands == ([row["Marke"]] if row["Marke"] else []), sku
    belt = next(row for row in rows if row["Artikelnummer"] == prefix + "A-4001")
    assert belt["EAN"].startswith("0")  # the loop above saw a leading zero kept

    # The next export: every quantity changed (the warehouse feed owns stock now).
    own_export(folder / "artikel.csv", prefix, stock_added=100)
    code, again = bulkio_json("import", str(folder / "artikel.csv"), "-m", mapping)
    assert code == 1 and again["result"]["writes"] == 0, again
    after = everything(store, prefix)
    assert modified(after) == modified(held)
    assert {s: i["stock_quantity"] for s, i in after.items()} == {
        s: i["stock_quantity"] for s, i in held.items()
    }
