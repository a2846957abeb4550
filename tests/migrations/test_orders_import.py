"""Order history import through the engine, on the sandbox over HTTP (``bulkio.run_import`` with
the shipped ``shopify-orders`` mapping), the way a migration runs it.

The sandbox models order creation per version (bulkio/sandbox/orders.py, order_stock.py; held
to the recorded real answers in tests/conformance): the guards keep stock where it is, a line
whose SKU no store product holds keeps its name and totals with product 0.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bulkio.config import ConnectionSettings
from bulkio.engine.run import ImportResult, run_import
from bulkio.migrate.orders_build import NUMBER_META, meta_value
from bulkio.sandbox import FaultPlan, FaultRule, Sandbox
from bulkio.store import StoreClient

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "mappings" / "shopify-orders.toml"
SAMPLE = ROOT / "samples" / "shopify-orders.csv"
HEADER = SAMPLE.read_text(encoding="utf-8").splitlines()[0].split(",")


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[StoreClient]:
    key, secret = sandbox.keys["read_write"]
    settings = ConnectionSettings(
        url=sandbox.url, key=key, secret=secret, backoff_base=0.01, backoff_max=0.05, timeout=5
    )
    with StoreClient(settings) as opened:
        yield opened


def sample_orders(count: int) -> list[dict[str, str]]:
    """The sample's rows of its first ``count`` orders."""
    rows: list[dict[str, str]] = []
    seen: list[str] = []
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            if record["Name"] not in seen:
                seen.append(record["Name"])
            if len(seen) > count:
                break
            rows.append(record)
    return rows


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        for record in rows:
            writer.writerow({name: record.get(name, "") for name in HEADER})
    return path


def seed_products(sandbox: Sandbox, rows: list[dict[str, str]], stock: int = 50) -> None:
    """The sample's SKUs as simple products managing stock (HL-099-RETIRED left out: a SKU the
    shop no longer sells)."""
    for sku in sorted({r["Lineitem sku"] for r in rows if r["Lineitem sku"]}):
        if sku == "HL-099-RETIRED":
            continue
        sandbox.create_product(
            {
                "sku": sku,
                "name": sku,
                "regular_price": "10",
                "manage_stock": True,
                "stock_quantity": stock,
            }
        )


def by_number(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for order in sandbox.orders():
        number = meta_value(order, NUMBER_META)
        assert number is not None and number not in out, "an order imported twice"
        out[number] = order
    return out


def totals(rows: list[dict[str, str]]) -> dict[str, Decimal]:
    return {r["Name"]: Decimal(r["Total"]) for r in rows if r["Total"]}


def run(client: StoreClient, feed: Path, **options: Any) -> ImportResult:
    return run_import(client, MAPPING, feed, **options)


def test_sample_orders_import_with_the_files_totals_and_no_stock_moved(
    sandbox: Sandbox, client: StoreClient, tmp_path: Path
) -> None:
    rows = sample_orders(40)
    seed_products(sandbox, rows)
    stock_before = {p["sku"]: p["stock_quantity"] for p in sandbox.products()}
    result = run(client, write(tmp_path / "orders.csv", rows))
    assert result.counts()["created"] == 40 and not result.problems
    stored = by_number(sandbox)
    assert {n: Decimal(o["total"]) for n, o in stored.items()} == totals(rows)
    assert {p["sku"]: p["stock_quantity"] for p in sandbox.products()} == stock_before
    # statuses from Financial/Fulfillment Status and Cancelled at
    assert stored["#1001"]["status"] == "completed"
    assert stored["#1006"]["status"] == "refunded"
    assert stored["#1010"]["status"] == "cancelled"
    # the retired SKU is a named line without product, flagged in the plan
    retired = [i for i in stored["#1013"]["line_items"] if i["name"] == "Driftwood Coat Hook"]
    assert retired and retired[0]["product_id"] == 0 and retired[0]["total"] == "32.00"
    item = next(i for i in result.plan.creates if i.sku == "#1013")
    assert "HL-099-RETIRED" in (item.note or "")
    assert any("HL-099-RETIRED" in note for note in result.notes)
    # the hand-added line without SKU keeps its name and price
    wrapping = [i for i in stored["#1031"]["line_items"] if i["name"] == "Gift wrapping"]
    assert wrapping and wrapping[0]["product_id"] == 0 and wrapping[0]["total"] == "3.50"
    # a discount code: line totals below subtotals, the code in meta, no coupon line
    discounted = stored["#1003"]
    assert discounted["discount_total"] == "2.90" and discounted["coupon_lines"] == []
    assert meta_value(discounted, "_bulkio_discount_codes") == "WELCOME10"
    assert meta_value(discounted, "_bulkio_date_created") == "2023-02-15T15:03:00+01:00"
    assert meta_value(discounted, "_bulkio_tax_total") == "4.95"


def test_a_second_run_writes_nothing(sandbox: Sandbox, client: StoreClient, tmp_path: Path) -> None:
    rows = sample_orders(12)
    seed_products(sandbox, rows)
    feed = write(tmp_path / "orders.csv", rows)
    run(client, feed)
    writes = sandbox.writes()
    again = run(client, feed)
    assert sandbox.writes() == writes
    assert again.counts()["created"] == 0 and again.counts()["unchanged"] == 12
    assert len(sandbox.orders()) == 12


def test_the_create_has_guards_and_no_recipient_the_second_write_sets_the_customer(
    sandbox: Sandbox, client: StoreClient, tmp_path: Path
) -> None:
    rows = sample_orders(3)
    seed_products(sandbox, rows)
    customer = client.post("customers", {"email": "Paul.Meyer5@example.com", "first_name": "Paul"})
    result = run(client, write(tmp_path / "orders.csv", rows))
    creates = {item.sku: item for item in result.plan.creates}
    for item in creates.values():
        keys = {m["key"]: m["value"] for m in item.payload["meta_data"]}
        assert keys["_order_stock_reduced"] == "yes"
        assert keys["_new_order_email_sent"] == "true"
        assert keys["_recorded_sales"] == "yes"
        assert "customer_id" not in item.payload
        assert "email" not in item.payload.get("billing", {})
    # the plan shows the customer found by e-mail (case aside) and the guest orders
    assert {c.field: c.new for c in creates["#1002"].changes}["customer_id"] == customer["id"]
    assert "guest order" in (creates["#1001"].note or "")
    stored = by_number(sandbox)
    assert stored["#1002"]["customer_id"] == customer["id"]
    assert stored["#1002"]["billing"]["email"] == "paul.meyer5@example.com"
    assert stored["#1001"]["customer_id"] == 0
    assert stored["#1001"]["billing"]["email"] == "anna.mueller0@example.com"


def test_a_customer_imported_later_is_linked_by_the_next_run(
    sandbox: Sandbox, client: StoreClient, tmp_path: Path
) -> None:
    rows = sample_orders(1)
    seed_products(sandbox, rows)
    feed = write(tmp_path / "orders.csv", rows)
    run(client, feed)
    customer = client.post("customers", {"email": "anna.mueller0@example.com"})
    again = run(client, feed)
    assert again.counts()["updated"] == 1 and again.counts()["created"] == 0
    (update,) = again.plan.updates
    assert [(c.field, c.new) for c in update.changes] == [("customer_id", customer["id"])]
    assert by_number(sandbox)["#1001"]["customer_id"] == customer["id"]


def test_an_order_created_by_a_killed_run_is_found_again_not_duplicated(
    sandbox: Sandbox, client: StoreClient, tmp_path: Path
) -> None:
    rows = sample_orders(6)
    seed_products(sandbox, rows)
    feed = write(tmp_path / "orders.csv", rows)
    # A run killed after creating #1002 but before its second write and before the rest.
    plan = run(client, feed, dry_run=True).plan
    first_create = next(item for item in plan.creates if item.sku == "#1002")
    sandbox.create_order(first_create.payload)
    result = run(client, feed)
    counts = result.counts()
    assert (counts["created"], counts["updated"]) == (5, 1)
    stored = by_number(sandbox)
    assert len(stored) == 6 == len(sandbox.orders())
    assert stored["#1002"]["billing"]["email"] == "paul.meyer5@example.com"


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """No pause before the look-up that follows a create without answer."""
    monkeypatch.setattr("bulkio.migrate.orders.RECONCILE_WAIT", 0.0)


@pytest.mark.usefixtures("no_wait")
def test_a_create_answer_lost_after_commit_is_not_sent_twice(
    sandbox: Sandbox, client: StoreClient, tmp_path: Path
) -> None:
    rows = sample_orders(8)
    seed_products(sandbox, rows)
    sandbox.faults = FaultPlan(
        rules=[FaultRule.drop_after_commit(route="orders/batch", method="POST", times=1)]
    )
    result = run(client, write(tmp_path / "orders.csv", rows))
    assert [r.fault for r in sandbox.request_log if r.fault] == ["drop_after_commit"]
    assert result.counts()["created"] == 8 and not result.problems
    stored = by_number(sandbox)  # asserts no number twice
    assert len(stored) == 8 == len(sandbox.orders())
    assert all(o["billing"]["email"] for o in stored.values())


@pytest.mark.usefixtures("no_wait")
def test_a_create_refused_before_saving_is_sent_once_more_then_reported(
    sandbox: Sandbox, client: StoreClient, tmp_path: Path
) -> None:
    rows = sample_orders(3)
    seed_products(sandbox, rows)
    feed = write(tmp_path / "orders.csv", rows)
    sandbox.faults = FaultPlan(rules=[FaultRule.error(503, route="orders/batch", times=1)])
    result = run(client, feed)
    assert result.counts()["created"] == 3 and not result.problems
    assert len(by_number(sandbox)) == 3
    # a store that keeps refusing: each order tried twice, then reported, nothing created
    sandbox.faults = FaultPlan(rules=[FaultRule.error(503, route="orders/batch")])
    more = sample_orders(5)[len(rows) :]
    failed = run(client, write(tmp_path / "more.csv", more)).outcomes
    assert [o.outcome for o in failed] == ["failed", "failed"]
    assert all("second attempt" in (o.message or "") for o in failed)
    assert len(sandbox.orders()) == 3


def test_row_errors_name_file_line_and_column(
    sandbox: Sandbox, client: StoreClient, tmp_path: Path
) -> None:
    rows = sample_orders(3)
    seed_products(sandbox, rows)
    rows[0]["Lineitem quantity"] = "zwei"  # #1001's first line (file line 2)
    rows.insert(3, {**rows[3], "Name": ""})  # a row without its order number (file line 5)
    feed = write(tmp_path / "orders.csv", rows)
    result = run(client, feed)
    rejected = {(r.line, r.column, r.code) for r in result.plan.rejected}
    assert (2, "Lineitem quantity", "bad_quantity") in rejected
    assert any(line == 5 and code == "missing-key" for line, _c, code in rejected)
    assert all(r.file == str(feed) for r in result.plan.rejected)
    assert "#1001" not in by_number(sandbox)  # the whole order is left out
    assert result.exit_code == 1


def test_a_saved_plan_is_applied_like_an_import_and_a_second_apply_writes_nothing(
    sandbox: Sandbox, client: StoreClient, tmp_path: Path
) -> None:
    from bulkio.engine.saved import apply_plan

    rows = sample_orders(5)
    seed_products(sandbox, rows)
    saved = tmp_path / "plan.json"
    run(client, write(tmp_path / "orders.csv", rows), dry_run=True, plan_out=saved)
    assert sandbox.orders() == []
    first = apply_plan(client, saved)
    assert first.counts()["created"] == 5 and not first.problems
    stored = by_number(sandbox)
    assert all(o["billing"]["email"] for o in stored.values())  # the second writes were sent
    writes = sandbox.writes()
    second = apply_plan(client, saved)
    assert second.counts()["unchanged"] == 5 and sandbox.writes() == writes
    assert len(sandbox.orders()) == 5


def test_line_skus_resolve_to_products_and_variations(
    sandbox: Sandbox, client: StoreClient, tmp_path: Path
) -> None:
    rows = sample_orders(1)  # #1001: HL-029, HL-039, HL-001-M-OAT
    knife = client.post("products", {"sku": "HL-029", "name": "Knife", "regular_price": "44"})
    sweater = client.post(
        "products",
        {
            "sku": "HL-001",
            "name": "Sweater",
            "type": "variable",
            "attributes": [{"name": "Size", "options": ["M"], "variation": True}],
        },
    )
    oat = client.post(
        f"products/{sweater['id']}/variations",
        {
            "sku": "HL-001-M-OAT",
            "regular_price": "89",
            "attributes": [{"name": "Size", "option": "M"}],
        },
    )
    result = run(client, write(tmp_path / "orders.csv", rows))
    (item,) = result.plan.creates
    lines = {line["name"]: line for line in item.payload["line_items"]}
    assert lines["Bread Knife"]["product_id"] == knife["id"]
    merino = lines["Merino Crew Sweater - M / Oat"]
    assert (merino["product_id"], merino["variation_id"]) == (sweater["id"], oat["id"])
    assert lines["Poster Harbour at Dusk (old edition)"]["sku"] == "HL-039"  # not in the store
    stored = by_number(sandbox)["#1001"]["line_items"]
    assert [(i["product_id"], i["variation_id"]) for i in stored] == [
        (knife["id"], 0),
        (0, 0),
        (sweater["id"], oat["id"]),
    ]
