"""Issue 17's "Done when": a Shopify shop's exports migrate into real WooCommerce with the
shipped mappings — products (mappings/shopify-products.toml), customers
(shopify-customers.toml), orders (shopify-orders.toml) — through ``bulkio.run_import``:

* every order's total in the store equals the file's Total;
* no stock moved (the products' and variations' stock before and after the orders);
* no e-mail was queued (a mail trap records everything the store tries to send);
* a second run of each file writes nothing.

On both reference stores (WooCommerce 11.0.1 and 7.9.0). The store is shared and not reset, so
the orders' numbers get a per-run prefix (``#<run>-1001``: a new history each time); products
and customers keep the sample's SKUs and e-mails (an earlier run's are found and left as they
are). The sample's images point at Shopify's CDN, which the stores cannot reach: they are
served by the loopback image server instead. On 7.9 the products mapping is run with the edit
its header describes (no ``brands``, no ``global_unique_id``: both arrived later).

Runtime: the orders are a slice — the first ``BULKIO_SHOPIFY_ORDERS`` orders of the sample
(default 40, which holds a refund, a voided order, a retired SKU, a line without SKU, discount
codes, shipping and VAT; ``all`` for the 250 orders, about 2 minutes more per store).
"""

from __future__ import annotations

import csv
import os
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from bulkio.config import ConnectionSettings
from bulkio.engine.run import ImportResult, run_import
from bulkio.migrate.orders_build import NUMBER_META, meta_value
from bulkio.store import StoreClient
from tests.realstore.imageserver import ImageServer
from tests.realstore.mailtrap import mail_trap
from tests.realstore.refstore import RealStore

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MAPPINGS = ROOT / "mappings"


def order_slice() -> int | None:
    wanted = os.environ.get("BULKIO_SHOPIFY_ORDERS", "40")
    return None if wanted == "all" else int(wanted)


def client_of(store: RealStore) -> StoreClient:
    env = store.bulkio_env()
    return StoreClient(
        ConnectionSettings(
            url=env["BULKIO_URL"],
            key=env["BULKIO_KEY"],
            secret=env["BULKIO_SECRET"],
            verify=env["BULKIO_CA_BUNDLE"],
        )
    )


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def products_file(tmp: Path, images: ImageServer) -> Path:
    """The products sample with its image URLs on the loopback server (same file names)."""
    header, rows = read_csv(SAMPLES / "shopify-products.csv")
    for row in rows:
        for column in ("Image Src", "Variant Image"):
            if row.get(column):
                name = row[column].split("?")[0].rsplit("/", 1)[-1]
                row[column] = images.url(f"shopify/{name}")
    return write_csv(tmp / "products_export.csv", header, rows)


def orders_file(tmp: Path, run: str) -> tuple[Path, list[dict[str, str]]]:
    header, rows = read_csv(SAMPLES / "shopify-orders.csv")
    limit = order_slice()
    numbers: list[str] = []
    kept: list[dict[str, str]] = []
    for row in rows:
        if row["Name"] not in numbers:
            numbers.append(row["Name"])
        if limit is not None and len(numbers) > limit:
            break
        kept.append({**row, "Name": f"#{run}-{row['Name'].lstrip('#')}"})
    return write_csv(tmp / "orders_export.csv", header, kept), kept


def stock_of(store: RealStore, skus: list[str]) -> dict[str, Any]:
    found = store.by_skus(sorted(set(skus)))
    return {
        sku: (item.get("stock_quantity"), item.get("total_sales")) for sku, item in found.items()
    }


def products_mapping(store: RealStore, tmp: Path) -> Path:
    """The shipped products mapping; on 7.9 with the edit its header describes (no brands,
    which arrived in 9.6, no GTIN, 9.2): the loader refuses those fields on an older store."""
    shipped = MAPPINGS / "shopify-products.toml"
    if store.has_gtin and store.major >= 10:
        return shipped
    lines = shipped.read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if not ln.startswith(("brands ", "global_unique_id "))]
    edited = tmp / "shopify-products.toml"
    edited.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return edited


def run_file(store: RealStore, mapping: str | Path, feed: Path) -> ImportResult:
    """One ``bulkio.run_import`` with its own client: its stats are this run's alone."""
    with client_of(store) as client:
        return run_import(client, MAPPINGS / mapping, feed)


def writes(result: ImportResult) -> int:
    return int(result.stats.get("writes", 0))


def imported_orders(store: RealStore, run: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for order in store.iter_all("orders", created_via="bulkio-import"):
        number = meta_value(order, NUMBER_META) or ""
        if number.startswith(f"#{run}-"):
            assert number not in out, f"order {number} imported twice"
            out[number] = order
    return out


def test_shopify_exports_migrate_with_the_files_totals_no_stock_no_mail_and_rerun_nothing(
    store: RealStore, images: ImageServer, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:6].upper()
    products = products_file(tmp_path, images)
    product_mapping = products_mapping(store, tmp_path)
    customers = SAMPLES / "shopify-customers.csv"
    orders, order_rows = orders_file(tmp_path, run)
    _header, customer_rows = read_csv(customers)
    addresses = {r["Email"].lower() for r in [*customer_rows, *order_rows] if r.get("Email")}
    skus = [r["Lineitem sku"] for r in order_rows if r["Lineitem sku"]]

    with mail_trap(store) as trap:
        first = {
            "products": run_file(store, product_mapping, products),
            "customers": run_file(store, "shopify-customers.toml", customers),
        }
        for name, result in first.items():
            failed = [o for o in result.outcomes if o.outcome in ("failed", "refused")]
            assert not failed, f"{name}: {failed[:3]}"
        stock_before = stock_of(store, skus)
        first["orders"] = run_file(store, "shopify-orders.toml", orders)
        stock_after = stock_of(store, skus)
        second = {
            "products": run_file(store, product_mapping, products),
            "customers": run_file(store, "shopify-customers.toml", customers),
            "orders": run_file(store, "shopify-orders.toml", orders),
        }
        trap.wait_quiet()
        mailed = [
            mail
            for mail in trap.mails()
            if any(str(to).lower() in addresses for to in mail.get("to") or [])
        ]

    result = first["orders"]
    expected = {r["Name"]: Decimal(r["Total"]) for r in order_rows if r["Total"]}
    assert result.counts()["created"] == len(expected), result.problems[:3]
    assert not result.problems
    stored = imported_orders(store, run)
    assert {n: Decimal(o["total"]) for n, o in stored.items()} == expected
    assert stock_after == stock_before
    assert mailed == []
    for name, again in second.items():
        assert writes(again) == 0, f"{name}: the second run wrote {again.stats.get('by_route')}"
        assert again.counts()["created"] == 0 and again.counts()["updated"] == 0, name
    # what the orders kept: statuses, the retired SKU as a named line, the customer by e-mail
    assert stored[f"#{run}-1001"]["status"] == "completed"
    assert stored[f"#{run}-1006"]["status"] == "refunded"
    assert stored[f"#{run}-1010"]["status"] == "cancelled"
    retired = [
        line
        for line in stored[f"#{run}-1013"]["line_items"]
        if line["name"] == "Driftwood Coat Hook"
    ]
    assert retired and retired[0]["product_id"] == 0
    assert meta_value(stored[f"#{run}-1001"], "_bulkio_date_created") == (
        "2023-02-03T18:13:00+01:00"
    )
    anna = stored[f"#{run}-1001"]
    assert anna["billing"]["email"] == "anna.mueller0@example.com" and anna["customer_id"] > 0
