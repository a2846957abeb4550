"""Coupon import through the engine, on the sandbox over HTTP (``bulkio.run_import`` with the
shipped ``coupons-csv`` mapping and ``samples/coupons.csv``), the way a shop runs it.

The sandbox answers the coupon routes as the real stores do (bulkio/sandbox/coupons.py, held
to the recordings of tests/conformance: codes lower-cased, amounts rounded, 7.9 not restoring
trashed coupons); tests/realstore/test_coupons.py does the same on WooCommerce 11.0.1 and 7.9.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.config import ConnectionSettings
from bulkio.engine.run import ImportResult, run_import
from bulkio.engine.saved import apply_plan as apply_saved
from bulkio.sandbox import FaultPlan, FaultRule, Sandbox
from bulkio.store import StoreClient, WooError

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "mappings" / "coupons-csv.toml"
SAMPLE = ROOT / "samples" / "coupons.csv"
HEADER = SAMPLE.read_text(encoding="utf-8").splitlines()[0].split(",")
SAMPLE_SKUS = ("HL-009-WHITE", "HL-009-BLUE", "HL-038", "HL-006", "HL-040-BLACK")
SAMPLE_PATHS = (
    "Apparel & Accessories > Clothing > Shirts & Tops",
    "Apparel & Accessories > Clothing > Pants",
    "Food, Beverages & Tobacco > Beverages > Tea & Infusions",
    "Home & Garden > Lighting > Lamps",
)


def open_client(sandbox: Sandbox) -> StoreClient:
    key, secret = sandbox.keys["read_write"]
    settings = ConnectionSettings(
        url=sandbox.url, key=key, secret=secret, backoff_base=0.01, backoff_max=0.05, timeout=5
    )
    return StoreClient(settings)


@pytest.fixture
def berlin(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A store two hours east of UTC (summer time in Berlin), with the sample's products and
    categories."""
    store = sandbox_factory(gmt_offset=2)
    seed_catalog(store)
    return store


@pytest.fixture
def client(berlin: Sandbox) -> Iterator[StoreClient]:
    with open_client(berlin) as opened:
        yield opened


def seed_catalog(store: Sandbox) -> dict[str, int]:
    """The SKUs and category paths the sample names; returns SKU/path → id."""
    ids: dict[str, int] = {}
    for sku in SAMPLE_SKUS:
        ids[sku] = int(store.create_product({"sku": sku, "name": sku, "regular_price": "9"})["id"])
    with open_client(store) as api:
        for path in SAMPLE_PATHS:
            parent = 0
            for depth, name in enumerate(path.split(" > ")):
                key = " > ".join(path.split(" > ")[: depth + 1])
                if key not in ids:
                    ids[key] = int(
                        api.post("products/categories", {"name": name, "parent": parent})["id"]
                    )
                parent = ids[key]
    return ids


def coupon(client: StoreClient, code: str, **params: Any) -> dict[str, Any]:
    found = client.get("coupons", params={"code": code, "context": "edit", **params})
    assert len(found) == 1, (code, found)
    return dict(found[0])


def rows_of(path: Path = SAMPLE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        for record in rows:
            writer.writerow({name: record.get(name, "") for name in HEADER})
    return path


def row(code: str, **cells: str) -> dict[str, str]:
    return {"Code": code, "Type": "Fixed cart", "Amount": "5", **cells}


def run(client: StoreClient, source: Path, mapping: Path = MAPPING, **kw: Any) -> ImportResult:
    return run_import(client, mapping, source, **kw)


def test_the_sample_imports_and_a_second_run_writes_nothing(
    berlin: Sandbox, client: StoreClient
) -> None:
    dry = run(client, SAMPLE, dry_run=True)
    assert dry.plan.counts()["create"] == 133
    rejected = {r.line: r for r in dry.plan.rejected}
    assert sorted(rejected) == [14, 15, 16]
    assert rejected[14].code == "duplicate-key"
    assert "already on line 3" in rejected[14].message  # Sommer15 after SOMMER15
    assert rejected[15].code == "invalid-number" and rejected[15].value == "5,50"
    assert rejected[16].code == "unknown-sku" and "'HL-999'" in rejected[16].message
    assert rejected[16].column == "Products"
    (expired,) = [note for note in dry.notes if "expired" in note]
    assert "1 coupon(s)" in expired and "xmas2025 (line 11)" in expired

    done = run(client, SAMPLE)
    assert done.counts()["created"] == 133 and done.counts()["failed"] == 0
    assert done.exit_code == 1  # the three rejected rows

    writes = berlin.writes()
    again = run(client, SAMPLE)
    assert berlin.writes() == writes
    assert again.counts() == {
        "created": 0,
        "updated": 0,
        "unchanged": 133,
        "rejected": 3,
        "failed": 0,
        "refused": 0,
    }


def test_values_are_stored_as_the_flyer_means_them(berlin: Sandbox, client: StoreClient) -> None:
    ids = seed_ids(client)
    run(client, SAMPLE)
    summer = coupon(client, "SOMMER15")
    assert summer["code"] == "sommer15" and summer["discount_type"] == "percent"
    assert summer["amount"] == "15.00" and summer["minimum_amount"] == "50.00"
    # "31.08.2027": valid all of that day in the store's time (UTC+2 here)
    assert summer["date_expires"] == "2027-08-31T23:59:59"
    assert summer["date_expires_gmt"] == "2027-08-31T21:59:59"
    assert sorted(summer["product_categories"]) == sorted(
        [ids[SAMPLE_PATHS[0]], ids[SAMPLE_PATHS[1]]]
    )
    assert {"key": "campaign", "value": "summer-2027"} in [
        {"key": m["key"], "value": m["value"]} for m in summer["meta_data"]
    ]
    mugs = coupon(client, "mugs-3")
    assert mugs["discount_type"] == "fixed_product" and mugs["limit_usage_to_x_items"] == 4
    assert sorted(mugs["product_ids"]) == sorted(
        ids[s] for s in ("HL-009-WHITE", "HL-009-BLUE", "HL-038")
    )
    home = coupon(client, "home-no-sale")
    assert home["excluded_product_categories"] == [ids["Home & Garden > Lighting > Lamps"]]
    assert home["product_categories"] == [ids["Home & Garden"]] and home["exclude_sale_items"]
    assert coupon(client, "big-basket")["excluded_product_ids"] == [ids["HL-006"]]
    news = coupon(client, "news5")  # "  News5  " in the file
    assert news["code"] == "news5" and news["usage_limit_per_user"] == 1
    cafe = coupon(client, "partner-cafe")
    assert cafe["date_expires"] == "2027-12-31T18:00:00"  # a time in the cell is kept
    assert cafe["email_restrictions"] == [
        "orders@cafe-hafen.example",
        "einkauf@cafe-hafen.example",
    ]
    assert coupon(client, "staff30")["email_restrictions"] == ["*@hafenladen.example"]
    flyer = coupon(client, "fly27-0001-s63")
    assert flyer["usage_limit"] == 1 and flyer["date_expires"] == "2027-06-30T23:59:59"
    assert coupon(client, "welcome10")["date_expires"] is None


def seed_ids(client: StoreClient) -> dict[str, int]:
    ids: dict[str, int] = {}
    for sku in SAMPLE_SKUS:
        ids[sku] = int(client.get("products", params={"sku": sku})[0]["id"])
    for term in client.get("products/categories", params={"per_page": 100}):
        ids[str(term["id"])] = int(term["id"])
    by_id = {int(t["id"]): t for t in client.get("products/categories", params={"per_page": 100})}

    def path(term_id: int) -> str:
        term = by_id[term_id]
        name = str(term["name"]).replace("&amp;", "&")
        return name if not term["parent"] else f"{path(int(term['parent']))} > {name}"

    for term_id in by_id:
        ids[path(term_id)] = term_id
    return ids


def test_changed_rows_are_updated_field_by_field(
    berlin: Sandbox, client: StoreClient, tmp_path: Path
) -> None:
    first = write(
        tmp_path / "a.csv",
        [
            row("SPRING-1", **{"Valid until": "30.06.2027", "Usage limit": "10"}),
            row("SPRING-2", **{"Allowed emails": "a@example.com|b@example.com"}),
            row("SPRING-3", Description="Spring <b>2027</b>"),
        ],
    )
    run(client, first)
    changed = write(
        tmp_path / "b.csv",
        [
            row("spring-1", Amount="7.5"),  # case only in the code: the same coupon
            row("SPRING-2", **{"Allowed emails": "B@Example.com|c@example.com"}),
            row("SPRING-3", Description="Spring <b>2027</b>"),
        ],
    )
    dry = run(client, changed, dry_run=True)
    assert [i.sku for i in dry.plan.updates] == ["spring-1", "spring-2"]
    one = {c.field: (c.old, c.new) for c in dry.plan.updates[0].changes}
    assert one == {
        "amount": ("5.00", "7.50"),
        "date_expires": ("2027-06-30T23:59:59", ""),
        "usage_limit": (10, None),
    }
    assert "code" not in dry.plan.updates[0].payload  # a case-only difference is never sent
    assert dry.plan.updates[0].payload["date_expires"] == ""  # "" clears, null would not
    assert dry.plan.updates[0].payload["usage_limit"] == 0
    two = {c.field: (c.old, c.new) for c in dry.plan.updates[1].changes}
    assert two == {
        "email_restrictions": (
            "a@example.com, b@example.com",
            "b@example.com, c@example.com",
        )
    }
    done = run(client, changed)
    assert done.counts()["updated"] == 2 and done.counts()["unchanged"] == 1
    spring = coupon(client, "spring-1")
    assert spring["amount"] == "7.50" and spring["date_expires"] is None
    assert spring["usage_limit"] is None
    assert coupon(client, "spring-2")["email_restrictions"] == ["b@example.com", "c@example.com"]
    writes = berlin.writes()
    assert run(client, changed).counts()["unchanged"] == 3
    assert berlin.writes() == writes


def test_rows_the_store_would_change_silently_are_rejected(
    client: StoreClient, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "bad.csv",
        [
            row("OK-1"),
            row("<b>BOLD</b>"),
            row("PCT", Type="Percent", Amount="150"),
            row("TYPE", Type="Voucher"),
            row("MAIL", **{"Allowed emails": "anna(at)example.com"}),
            row("CAT", Categories="Garden > Tools"),
            row("NEG", Amount="-5"),
            row("DATE", **{"Valid until": "31/06/2027"}),
        ],
    )
    result = run(client, source, dry_run=True)
    assert [i.sku for i in result.plan.creates] == ["ok-1"]
    found = {r.line: (r.code, r.column) for r in result.plan.rejected}
    assert found == {
        3: ("code-changed-by-store", "Code"),
        4: ("percent-over-100", "Amount"),
        5: ("invalid-discount-type", "Type"),
        6: ("invalid-email", "Allowed emails"),
        7: ("unknown-category", "Categories"),
        8: ("negative-number", "Amount"),
        9: ("invalid-date", "Valid until"),
    }
    messages = {r.line: r.message for r in result.plan.rejected}
    assert "'Garden > Tools'" in messages[7] and "'anna(at)example.com'" in messages[6]
    assert "'Voucher'" in messages[5] and "map" in messages[5]


def trash(client: StoreClient, code: str) -> int:
    made = client.post("coupons", {"code": code, "amount": "2"})
    try:
        client.delete(f"coupons/{made['id']}")
    except WooError as answer:  # 7.9 answers 500 although it trashed it (then 410 on retry)
        assert answer.status in (410, 500), answer
    return int(made["id"])


def test_a_code_held_by_a_trashed_coupon_restores_it(client: StoreClient, tmp_path: Path) -> None:
    trashed = trash(client, "back-again")
    source = write(tmp_path / "t.csv", [row("BACK-AGAIN", Amount="4")])
    dry = run(client, source, dry_run=True)
    (item,) = dry.plan.updates
    assert item.id == trashed and item.base_status == "trash"
    assert item.changes[0].field == "status" and item.payload["status"] == "publish"
    assert any("trash" in note for note in dry.notes)
    done = run(client, source)
    assert done.counts()["updated"] == 1 and not done.problems
    restored = coupon(client, "back-again")
    assert restored["id"] == trashed and restored["amount"] == "4.00"
    assert run(client, source).counts()["unchanged"] == 1


def test_woocommerce_79_keeps_it_in_the_trash_and_the_row_says_what_to_do(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    store = sandbox_factory(wc_version="7.9.0")
    with open_client(store) as client:
        trashed = trash(client, "old-flyer")
        source = write(tmp_path / "t.csv", [row("OLD-FLYER", Amount="4")])
        done = run(client, source)
        (failed,) = done.problems
        assert failed.code == "restore_refused" and failed.id == trashed
        assert "wp-admin" in (failed.message or "") and 'on_trashed = "create"' in (
            failed.message or ""
        )
        assert done.exit_code == 1


def test_a_saved_plan_restoring_on_79_fails_the_same_way(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    store = sandbox_factory(wc_version="7.9.0")
    with open_client(store) as client:
        trashed = trash(client, "saved-flyer")
        source = write(tmp_path / "t.csv", [row("SAVED-FLYER", Amount="4")])
        plan_file = tmp_path / "plan.json"
        run(client, source, dry_run=True, plan_out=plan_file)
        done = apply_saved(client, plan_file)
        (failed,) = done.problems
        assert failed.code == "restore_refused" and failed.id == trashed


@pytest.mark.parametrize("policy", ["create", "reject"])
def test_on_trashed_create_or_reject(client: StoreClient, tmp_path: Path, policy: str) -> None:
    trashed = trash(client, f"trashed-{policy}")
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8").replace(
            'on_trashed = "restore"', f'on_trashed = "{policy}"'
        ),
        encoding="utf-8",
    )
    source = write(tmp_path / "t.csv", [row(f"TRASHED-{policy.upper()}")])
    result = run(client, source, mapping)
    if policy == "create":
        (item,) = result.plan.creates
        assert f"#{trashed}" in (item.note or "")
        assert coupon(client, f"trashed-{policy}")["id"] != trashed
    else:
        (rejected,) = result.plan.rejected
        assert rejected.code == "code-in-trash" and f"#{trashed}" in rejected.message
        assert not result.plan.creates


def test_a_create_whose_code_appeared_meanwhile_is_reconciled(
    client: StoreClient, tmp_path: Path
) -> None:
    """A killed run may have created some coupons: a saved plan applied later, or a plan raced
    by another writer, converges instead of failing or duplicating."""
    emails = {"Allowed emails": "x@example.com|Y@example.com"}
    source = write(
        tmp_path / "r.csv", [row("RACE-1", Amount="5"), row("RACE-2", Amount="6", **emails)]
    )
    planned = run(client, source, dry_run=True)
    client.post("coupons", {"code": "race-1", "amount": "5", "discount_type": "fixed_cart"})
    client.post("coupons", {"code": "RACE-2", "amount": "1"})
    from bulkio.migrate.coupons import KIND

    result = KIND.apply(
        client,
        _planned(planned),
        concurrency=2,
        batch_size=100,
        progress=None,
        on_outcome=None,
    )
    by_sku = {o.sku: o for o in result.outcomes}
    assert by_sku["race-1"].outcome == "created" and by_sku["race-1"].code == "reconciled"
    assert by_sku["race-2"].outcome == "updated"
    race = coupon(client, "race-2")
    assert race["amount"] == "6.00"
    assert race["email_restrictions"] == ["x@example.com", "y@example.com"]
    assert len(client.get("coupons", params={"search": "race-"})) == 2


def test_a_batch_whose_answer_was_lost_converges(berlin: Sandbox, client: StoreClient) -> None:
    """The store saved the coupons but the answer never came (a proxy timeout, a killed run):
    whatever the client does next, the run ends with every coupon created once, and the next
    run writes nothing."""
    berlin.faults = FaultPlan(
        rules=[FaultRule.drop_after_commit(route="coupons/batch", method="POST", times=1)]
    )
    result = run(client, SAMPLE)
    berlin.faults = FaultPlan(rules=[])
    done = {o.sku: o for o in result.outcomes}
    assert len(done) == 133 and {o.outcome for o in done.values()} == {"created"}
    # the client sent the lost batch again: its coupons existed, each was compared and counted
    reconciled = [o for o in done.values() if o.code == "reconciled"]
    assert reconciled and all("already in the store" in (o.message or "") for o in reconciled)
    listed = client.get_page("coupons", {"per_page": 100}, page=1, per_page=100)
    assert listed.total == 133  # each code once
    again = run(client, SAMPLE)
    assert again.counts()["unchanged"] == 133 and again.counts()["created"] == 0


def _planned(result: ImportResult) -> Any:
    from bulkio.engine.kinds import Feed, Planned

    return Planned(result.plan, Feed("x", 0))


def test_a_saved_plan_applied_twice_writes_once(client: StoreClient, tmp_path: Path) -> None:
    source = write(tmp_path / "s.csv", [row("SAVED-1"), row("SAVED-2", Amount="3")])
    plan_file = tmp_path / "plan.json"
    run(client, source, dry_run=True, plan_out=plan_file)
    first = apply_saved(client, plan_file)
    assert first.counts()["created"] == 2
    second = apply_saved(client, plan_file)
    assert second.counts()["created"] == 0 and second.counts()["unchanged"] == 2


def test_few_codes_in_a_big_store_are_looked_up_one_by_one(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Nine pages of coupons, three codes: a look-up each instead of paging — and a draft
    holding a code (``?code=`` finds only published coupons) is still the coupon the row means,
    updated and left a draft, not duplicated by a published one."""
    store = sandbox_factory()
    with open_client(store) as client:
        for start in range(0, 800, 100):
            client.batch(
                "coupons",
                create=[{"code": f"bulk-{n}", "amount": "1"} for n in range(start, start + 100)],
            )
        draft = client.post("coupons", {"code": "paused-1", "amount": "2", "status": "draft"})
        source = write(
            tmp_path / "few.csv",
            [row("BULK-799", Amount="1"), row("NEW-ONE"), row("PAUSED-1", Amount="3")],
        )
        store.clear_log()
        result = run(client, source, dry_run=True)
        assert [i.sku for i in result.plan.unchanged] == ["bulk-799"]
        assert [i.sku for i in result.plan.creates] == ["new-one"]
        (update,) = result.plan.updates
        assert update.id == draft["id"] and "status" not in update.payload
        coupon_reads = [e for e in store.request_log if "coupons" in e.path]
        # page 1 of 9; ?code= for each; a text search for the two it misses; the trash
        shown = [
            {k: v for k, v in e.query.items() if not k.startswith("oauth")} for e in coupon_reads
        ]
        assert len(coupon_reads) <= 7, shown
        run(client, source)
        paused = client.get(f"coupons/{draft['id']}")
        assert paused["amount"] == "3.00" and paused["status"] == "draft"


def test_the_dry_run_shows_the_changes(berlin: Sandbox, tmp_path: Path) -> None:
    key, secret = berlin.keys["read_write"]
    with open_client(berlin) as client:
        run(client, write(tmp_path / "a.csv", [row("SHOW-1", Amount="5")]))
    source = write(tmp_path / "b.csv", [row("show-1", Amount="6")])
    env = {"BULKIO_URL": berlin.url, "BULKIO_KEY": key, "BULKIO_SECRET": secret}
    result = CliRunner().invoke(
        main, ["import", str(source), "-m", str(MAPPING), "--dry-run"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "show-1" in result.output and "amount" in result.output
    assert "5.00" in result.output and "6.00" in result.output
