"""Read current stock for a feed's SKUs across simple products *and* variations, cheaply.

WooCommerce facts this relies on (``WC_REST_Products_Controller::prepare_objects_query``,
wc/v2 and wc/v3): ``GET products?sku=a,b,…`` queries post types ``product`` and
``product_variation`` — a SKU lookup finds variations too, answered with ``type = "variation"``
and their ``parent_id`` — while a plain ``GET products`` lists products only; a variation is
then only reachable under ``products/<parent>/variations``.

Two ways to read N distinct feed SKUs from a catalog of P products (Pv of them variable) that
hold V variations, 100 items a page:

* **sku**: ``products?sku=…`` in chunks of at most 100 SKUs (and 4,000 URL-encoded
  characters; a SKU holding a comma gets a request of its own): ``ceil(N / 100)`` requests for
  short SKUs. Products and variations come back together.
* **catalog**: page through the products (``ceil(P / 100)``), then find the feed SKUs that are
  not products among the variations, the cheaper of: each variable parent's
  ``products/<id>/variations`` (about ``Pv`` requests), or SKU chunks of just those SKUs.

The rule: one chunk of SKUs is read directly (nothing beats one request). Otherwise a one-item
probe reads ``X-WP-Total`` (P); SKU chunks win when ``chunks <= ceil(P / 100)``. Only when they
do not, a second probe counts variable products and the catalog is chosen when
``ceil(P / 100) + min(Pv, chunks) < chunks`` — i.e. when the feed is much larger than the
catalog (a warehouse file listing an assortment the shop only partly sells).

Every request asks only for :data:`STOCK_READ_FIELDS` (``_fields``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from bulkio.plan.state import (
    PER_PAGE,
    ReadClient,
    chunk_skus,
    read_sku_chunks,
    sku_key,
    unique_skus,
)

MAX_SKU_PARAM_CHARS = 4000
"""URL-encoded length of one ``sku=`` list: 100 SKUs of up to ~37 characters, well inside the
8 KB request line Apache and nginx accept by default (OAuth parameters add ~300 bytes)."""

STOCK_READ_FIELDS = (
    "id,sku,type,parent_id,manage_stock,stock_quantity,stock_status,backorders,date_modified_gmt"
)
"""Everything a stock plan needs to know about an item, and nothing more."""

StockStrategy = Literal["none", "sku", "catalog"]
ProgressCallback = Callable[[int], None]


@dataclass
class StockReadReport:
    """How the stock was read and what it cost (for logs, docs, tests and the benchmark)."""

    strategy: StockStrategy = "none"
    probes: int = 0
    sku_requests: int = 0
    product_pages: int = 0
    variation_requests: int = 0
    variations_via: Literal["", "parents", "sku"] = ""
    estimate: dict[str, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return self.probes + self.sku_requests + self.product_pages + self.variation_requests


def stock_chunks(skus: Sequence[str]) -> list[list[str]]:
    """SKU lists for ``?sku=``; a SKU holding a comma is looked up alone.

    WooCommerce splits the parameter on commas but, for a multi-part value, also matches the
    whole string as one SKU: ``sku=a,b`` finds a SKU literally named "a,b" (plus any "a", "b",
    which are filtered out afterwards).
    """
    plain = [sku for sku in skus if "," not in sku]
    chunks = chunk_skus(plain, max_chars=MAX_SKU_PARAM_CHARS)
    return [*chunks, *([sku] for sku in skus if "," in sku)]


def _total(client: ReadClient, params: dict[str, Any]) -> int | None:
    page = client.get_page("products", params={"_fields": "id", **params}, page=1, per_page=1)
    return None if page.total is None else int(page.total)


def choose_strategy(
    client: ReadClient, skus: Sequence[str], report: StockReadReport
) -> tuple[StockStrategy, list[list[str]]]:
    """Apply the module's rule; probes are counted in ``report``."""
    if not skus:
        report.strategy = "none"
        return "none", []
    chunks = stock_chunks(skus)
    report.estimate = {"sku": len(chunks)}
    if len(chunks) == 1:
        report.strategy = "sku"
        return "sku", chunks
    products = _total(client, {})
    report.probes += 1
    if products is None:  # no X-WP-Total: SKU chunks are the safe choice
        report.strategy = "sku"
        return "sku", chunks
    product_pages = math.ceil(products / PER_PAGE)
    if len(chunks) <= product_pages:
        report.estimate["catalog_at_least"] = product_pages
        report.strategy = "sku"
        return "sku", chunks
    variable = _total(client, {"type": "variable"}) or 0
    report.probes += 1
    catalog = product_pages + min(variable, len(chunks))
    report.estimate["catalog"] = catalog
    report.strategy = "catalog" if catalog < len(chunks) else "sku"
    return report.strategy, chunks


def _lookup(
    client: ReadClient,
    chunks: list[list[str]],
    wanted: set[str],
    concurrency: int,
    progress: ProgressCallback | None,
) -> list[dict[str, Any]]:
    params = {"_fields": STOCK_READ_FIELDS}
    return read_sku_chunks(
        client, chunks, wanted, params, concurrency=concurrency, progress=progress
    )


def read_stock_items(
    client: ReadClient,
    skus: Sequence[str],
    *,
    concurrency: int = 4,
    progress: ProgressCallback | None = None,
) -> tuple[list[dict[str, Any]], StockReadReport]:
    """The products and variations holding any of ``skus`` (raw JSON), read the cheaper way.

    Every returned item has ``parent_id`` set: 0 for products, the parent's id for variations.
    """
    unique = unique_skus(skus)
    wanted = {sku.lower() for sku in unique}
    report = StockReadReport()
    strategy, chunks = choose_strategy(client, unique, report)
    if strategy == "none":
        return [], report
    if strategy == "sku":
        items = _lookup(client, chunks, wanted, concurrency, progress)
        report.sku_requests = len(chunks)  # pages beyond the first are rare (duplicates)
        return [_normalised(item) for item in items], report

    found: list[dict[str, Any]] = []
    parents: list[int] = []
    params = {"_fields": STOCK_READ_FIELDS}
    for items in client.iter_pages("products", params=params, per_page=PER_PAGE):
        report.product_pages += 1
        for item in items:
            if item.get("type") == "variable":
                parents.append(int(item["id"]))
            if sku_key(item) in wanted:
                found.append(_normalised(item))
        if progress:
            progress(len(items))
    seen = {sku_key(item) for item in found}
    rest = [sku for sku in unique if sku.lower() not in seen]
    if not rest or not parents:
        return found, report
    rest_chunks = stock_chunks(rest)
    if len(rest_chunks) <= len(parents):
        report.variations_via = "sku"
        report.variation_requests = len(rest_chunks)
        rest_wanted = {sku.lower() for sku in rest}
        looked_up = _lookup(client, rest_chunks, rest_wanted, concurrency, None)
        found.extend(_normalised(item) for item in looked_up if _is_variation(item))
        return found, report

    report.variations_via = "parents"

    def read_parent(parent_id: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        route = f"products/{parent_id}/variations"
        for items in client.iter_pages(route, params=params, per_page=PER_PAGE):
            for item in items:
                if sku_key(item) in wanted:
                    out.append(_normalised({**item, "type": "variation", "parent_id": parent_id}))
        return out

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for variations in pool.map(read_parent, parents):
            found.extend(variations)
    report.variation_requests = len(parents)
    return found, report


def _is_variation(item: dict[str, Any]) -> bool:
    return item.get("type") == "variation" or int(item.get("parent_id") or 0) > 0


def _normalised(item: dict[str, Any]) -> dict[str, Any]:
    out = dict(item)
    if _is_variation(item):
        out["type"] = "variation"
        out["parent_id"] = int(item.get("parent_id") or 0)
    else:
        out["parent_id"] = 0
    return out


STATE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "sku": pl.String(),
    "type": pl.String(),
    "parent_id": pl.Int64(),
    "manage_stock": pl.String(),
    "stock_quantity": pl.Int64(),
    "stock_status": pl.String(),
    "backorders": pl.String(),
    "date_modified_gmt": pl.String(),
    "status": pl.String(),
}
"""The stock state frame. ``manage_stock`` is text ("true", "false" or "parent": a variation
whose stock the parent product manages); ``status`` is always "" (a stock feed ignores it)."""


def stock_state_frame(items: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """Raw product/variation JSON → the stock state frame (:data:`STATE_SCHEMA`)."""
    rows: dict[str, list[Any]] = {name: [] for name in STATE_SCHEMA}
    for item in items:
        manage = item.get("manage_stock")
        rows["id"].append(int(item["id"]))
        rows["sku"].append(str(item.get("sku") or ""))
        rows["type"].append(str(item.get("type") or ""))
        rows["parent_id"].append(int(item.get("parent_id") or 0))
        rows["manage_stock"].append(
            "parent" if manage == "parent" else ("true" if manage else "false")
        )
        quantity = item.get("stock_quantity")
        rows["stock_quantity"].append(None if quantity in (None, "") else int(quantity))
        rows["stock_status"].append(str(item.get("stock_status") or ""))
        rows["backorders"].append(str(item.get("backorders") or "no"))
        rows["date_modified_gmt"].append(item.get("date_modified_gmt"))
        rows["status"].append("")
    return pl.DataFrame(rows, schema=STATE_SCHEMA)


def fetch_stock_state(
    client: ReadClient,
    skus: Sequence[str],
    *,
    concurrency: int = 4,
    progress: ProgressCallback | None = None,
) -> tuple[pl.DataFrame, StockReadReport]:
    """The stock state of ``skus`` as a frame, and how it was read."""
    items, report = read_stock_items(client, skus, concurrency=concurrency, progress=progress)
    return stock_state_frame(items), report
