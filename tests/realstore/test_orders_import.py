"""The order history import on real WooCommerce (11.0.1 and 7.9.0), case by case, with the
shipped ``shopify-orders`` mapping on a small file of this test's own products, customer and
order numbers (the store is shared and never reset):

* a run killed after creating one order (before its second write) converges: the order is
  found by its number, completed by the second write, never created twice;
* line items by SKU — a product and a variation — with stock and ``total_sales`` unchanged;
* the customer found by e-mail in another case; a guest order; nobody mailed;
* a discount code the store does not know is kept in meta, never sent as a coupon line (which
  would leave a draft order behind);
* tax added on top of the prices becomes a fee line; VAT included stays in meta; every total
  is the file's; a SKU the store lacks and a line without SKU are named lines without product;
* a second run writes nothing;
* ``bulkio export orders`` finds each imported order once, with the file's number, total,
  status, customer e-mail and line SKUs (import, re-run, export and compare).
"""

from __future__ import annotations

import csv
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from bulkio.config import ConnectionSettings
from bulkio.engine.run import ImportResult, run_import
from bulkio.migrate.orders_build import NUMBER_META, meta_value
from bulkio.store import StoreClient
from tests.realstore.helpers import bulkio
from tests.realstore.mailtrap import mail_trap
from tests.realstore.refstore import RealStore

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "mappings" / "shopify-orders.toml"
HEADER = (ROOT / "samples" / "shopify-orders.csv").read_text(encoding="utf-8").split("\n")[0]


def run(store: RealStore, feed: Path, **options: Any) -> ImportResult:
    env = store.bulkio_env()
    settings = ConnectionSettings(
        url=env["BULKIO_URL"],
        key=env["BULKIO_KEY"],
        secret=env["BULKIO_SECRET"],
        verify=env["BULKIO_CA_BUNDLE"],
    )
    with StoreClient(settings) as client:
        return run_import(client, MAPPING, feed, **options)


def order_rows(tag: str, email: str) -> list[dict[str, str]]:
    def order(number: int, **values: str) -> dict[str, str]:
        return {
            "Name": f"#{tag}-{number}",
            "Currency": "EUR",
            "Created at": "2022-11-05 10:00:00 +0100",
            "Lineitem quantity": "1",
            "Shipping": "0.00",
            "Discount Amount": "0.00",
            **values,
        }

    def line(number: int, **values: str) -> dict[str, str]:
        return {"Name": f"#{tag}-{number}", "Lineitem quantity": "1", **values}

    return [
        order(
            1,
            Email=email.upper(),
            **{
                "Financial Status": "paid",
                "Fulfillment Status": "fulfilled",
                "Lineitem quantity": "2",
                "Lineitem name": "Mug",
                "Lineitem price": "20.00",
                "Lineitem sku": f"{tag}-MUG",
                "Discount Code": f"{tag}-NOPE",
                "Discount Amount": "5.50",
                "Shipping": "4.90",
                "Shipping Method": "DHL Paket",
                "Taxes": "8.69",
                "Tax 1 Name": "DE MwSt 19%",
                "Total": "54.40",
                "Billing Name": "Test Kunde",
                "Billing Country": "DE",
            },
        ),
        line(
            1,
            **{
                "Lineitem name": "Tee - M",
                "Lineitem price": "15.00",
                "Lineitem sku": f"{tag}-TEE-M",
            },
        ),
        order(
            2,
            Email=f"guest-{tag.lower()}@example.net",
            **{
                "Financial Status": "paid",
                "Fulfillment Status": "unfulfilled",
                "Lineitem name": "Mug",
                "Lineitem price": "100.00",
                "Lineitem sku": f"{tag}-MUG",
                "Taxes": "19.00",
                "Tax 1 Name": "US Sales Tax",
                "Total": "119.00",
            },
        ),
        order(
            3,
            Email=email,
            **{
                "Financial Status": "voided",
                "Fulfillment Status": "unfulfilled",
                "Cancelled at": "2022-11-05 12:00:00 +0100",
                "Lineitem name": "Mug",
                "Lineitem price": "20.00",
                "Lineitem sku": f"{tag}-MUG",
                "Total": "20.00",
            },
        ),
        order(
            4,
            Email=email,
            **{
                "Financial Status": "refunded",
                "Fulfillment Status": "fulfilled",
                "Refunded Amount": "23.50",
                "Lineitem name": "Old hook",
                "Lineitem price": "20.00",
                "Lineitem sku": f"{tag}-RETIRED",
                "Total": "23.50",
            },
        ),
        line(4, **{"Lineitem name": "Gift wrapping", "Lineitem price": "3.50"}),
    ]


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    header = HEADER.split(",")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in header})
    return path


def ours(store: RealStore, tag: str) -> list[dict[str, Any]]:
    return [
        order
        for order in store.iter_all("orders", status="any", search="")
        if (meta_value(order, NUMBER_META) or "").startswith(f"#{tag}-")
    ]


EXPORT_MAPPING = f"""
[output]
layout = "order"
delimiter = ","
decimals = 2
join_separator = "|"

[[columns]]
header = "Number"
field = "meta:{NUMBER_META}"

[[columns]]
header = "Total"
field = "total"

[[columns]]
header = "Status"
field = "status"

[[columns]]
header = "Email"
field = "billing.email"

[[columns]]
header = "SKUs"
field = "line_items.sku"
"""


def exported_orders(tmp_path: Path, tag: str, since: str) -> list[dict[str, str]]:
    """``bulkio export orders`` of the orders created since ``since``: this test's rows."""
    mapping = tmp_path / "export-imported.toml"
    mapping.write_text(EXPORT_MAPPING, encoding="utf-8")
    out = tmp_path / "exported.csv"
    code, _, err = bulkio(
        "export", "orders", "-m", str(mapping), "-o", str(out), "--after", since, "-q"
    )
    assert code == 0, err
    with out.open(encoding="utf-8-sig", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["Number"].startswith(f"#{tag}-")]


def test_orders_import_converges_keeps_totals_stock_and_mails_nobody(
    store_env: RealStore, tmp_path: Path
) -> None:
    store = store_env
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 120))
    tag = f"O{uuid.uuid4().hex[:6].upper()}"
    email = f"kunde-{tag.lower()}@example.com"
    mug = store.post(
        "products",
        {
            "name": f"{tag} Mug",
            "sku": f"{tag}-MUG",
            "regular_price": "20",
            "manage_stock": True,
            "stock_quantity": 10,
        },
    )
    tee = store.post(
        "products",
        {
            "name": f"{tag} Tee",
            "type": "variable",
            "sku": f"{tag}-TEE",
            "attributes": [{"name": "Size", "options": ["M", "L"], "variation": True}],
        },
    )
    tee_m = store.post(
        f"products/{tee['id']}/variations",
        {
            "sku": f"{tag}-TEE-M",
            "regular_price": "15",
            "manage_stock": True,
            "stock_quantity": 5,
            "attributes": [{"name": "Size", "option": "M"}],
        },
    )
    customer = store.post("customers", {"email": email, "first_name": "Test"})
    feed = write(tmp_path / "orders.csv", order_rows(tag, email))

    def stock() -> list[Any]:
        return [
            (p["stock_quantity"], p.get("total_sales"))
            for p in (
                store.get(f"products/{mug['id']}"),
                store.get(f"products/{tee['id']}/variations/{tee_m['id']}"),
            )
        ]

    before = stock()
    with mail_trap(store) as trap:
        # A run killed after its first create: #<tag>-2 exists without its second write.
        plan = run(store, feed, dry_run=True).plan
        assert [item.sku for item in plan.creates] == [f"#{tag}-{n}" for n in (1, 2, 3, 4)]
        store.post("orders", next(i for i in plan.creates if i.sku == f"#{tag}-2").payload)
        result = run(store, feed)
        again = run(store, feed)
        trap.wait_quiet()
        mailed = trap.to(tag.lower())

    counts = result.counts()
    assert (counts["created"], counts["updated"], counts["failed"]) == (3, 1, 0), result.outcomes
    assert again.counts()["created"] == again.counts()["updated"] == 0
    assert again.stats["writes"] == 0
    assert mailed == []
    assert stock() == before
    orders = {meta_value(o, NUMBER_META): o for o in ours(store, tag)}
    assert len(orders) == 4 == len(ours(store, tag))  # nothing twice, no draft left behind
    first, on_top, voided, refunded = (orders[f"#{tag}-{n}"] for n in (1, 2, 3, 4))
    assert {n: Decimal(o["total"]) for n, o in orders.items()} == {
        f"#{tag}-1": Decimal("54.40"),
        f"#{tag}-2": Decimal("119.00"),
        f"#{tag}-3": Decimal("20.00"),
        f"#{tag}-4": Decimal("23.50"),
    }
    # the customer by e-mail (written in capitals in the file), lines by SKU, the discount
    assert first["customer_id"] == customer["id"] and first["status"] == "completed"
    assert first["billing"]["email"].lower() == email
    assert [(i["product_id"], i["variation_id"]) for i in first["line_items"]] == [
        (mug["id"], 0),
        (tee["id"], tee_m["id"]),
    ]
    assert first["discount_total"] == "5.50" and first["coupon_lines"] == []
    assert meta_value(first, "_bulkio_discount_codes") == f"{tag}-NOPE"
    assert meta_value(first, "_bulkio_tax_total") == "8.69"
    assert first["shipping_lines"][0]["method_title"] == "DHL Paket"
    # tax on top: a fee line; the killed run's order got its second write (guest)
    assert [(f["name"], f["total"]) for f in on_top["fee_lines"]] == [("US Sales Tax", "19.00")]
    assert on_top["customer_id"] == 0
    assert on_top["billing"]["email"] == f"guest-{tag.lower()}@example.net"
    assert on_top["status"] == "processing"
    assert voided["status"] == "cancelled"
    assert refunded["status"] == "refunded"
    assert [(i["name"], i["product_id"]) for i in refunded["line_items"]] == [
        ("Old hook", 0),
        ("Gift wrapping", 0),
    ]
    assert meta_value(refunded, "_bulkio_date_created") == "2022-11-05T10:00:00+01:00"
    # export and compare: each order once, as the file has it
    exported = exported_orders(tmp_path, tag, since)
    assert sorted(row["Number"] for row in exported) == [f"#{tag}-{n}" for n in (1, 2, 3, 4)]
    by_number = {row["Number"]: row for row in exported}
    assert {n: Decimal(row["Total"]) for n, row in by_number.items()} == {
        n: Decimal(o["total"]) for n, o in orders.items()
    }
    assert by_number[f"#{tag}-1"]["SKUs"] == f"{tag}-MUG|{tag}-TEE-M"
    assert by_number[f"#{tag}-1"]["Email"].lower() == email
    assert by_number[f"#{tag}-2"]["Status"] == "processing"
    assert by_number[f"#{tag}-3"]["Status"] == "cancelled"
