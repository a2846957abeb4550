"""The read strategy: SKU lookups vs catalog paging, counted request by request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bulkio.config import ConnectionSettings
from bulkio.plan.stock_state import (
    STOCK_READ_FIELDS,
    StockReadReport,
    choose_strategy,
    read_stock_items,
    stock_chunks,
)
from bulkio.sandbox import Sandbox
from bulkio.store import StoreClient
from tests.stock.conftest import catalog, reads


@dataclass
class _Page:
    items: list[dict[str, Any]]
    total: int | None
    total_pages: int = 1


class CountingTotals:
    """Answers the probes only: X-WP-Total of products and of variable products."""

    def __init__(self, products: int | None, variable: int) -> None:
        self.products, self.variable = products, variable
        self.probes: list[dict[str, Any]] = []

    def get_page(self, route: str, *, params: Any = None, page: int = 1, per_page: int = 10) -> Any:
        self.probes.append(dict(params or {}))
        variable = (params or {}).get("type") == "variable"
        return _Page([], self.variable if variable else self.products)

    def iter_pages(self, route: str, *, params: Any = None, per_page: int = 100) -> Iterator[Any]:
        raise AssertionError("choose_strategy must not page")


def _skus(n: int, prefix: str = "S") -> list[str]:
    return [f"{prefix}-{i:06d}" for i in range(n)]


@pytest.mark.parametrize(
    ("feed", "products", "variable", "expected", "probes"),
    [
        (0, 5000, 100, "none", 0),
        (100, 100_000, 0, "sku", 0),  # one chunk: no probe at all
        (250, 300, 0, "sku", 1),  # 3 chunks <= 3 product pages
        (400, 300, 0, "catalog", 2),  # 4 chunks > 3 pages + 0 parents
        (400, 300, 1, "sku", 2),  # 3 pages + 1 parent = 4: a tie goes to SKU chunks
        (5000, 2000, 10, "catalog", 2),  # 50 chunks vs 20 pages + 10 parents
        (5000, 2000, 40, "sku", 2),  # 50 chunks vs 20 + 40 (capped at 50)
        (400, None, 0, "sku", 1),  # no X-WP-Total: SKU chunks
    ],
)
def test_rule(feed: int, products: int | None, variable: int, expected: str, probes: int) -> None:
    client = CountingTotals(products, variable)
    report = StockReadReport()
    strategy, chunks = choose_strategy(client, _skus(feed), report)
    assert strategy == expected
    assert report.probes == len(client.probes) == probes
    assert all(probe["_fields"] == "id" for probe in client.probes)
    assert sum(len(chunk) for chunk in chunks) == feed


def test_chunks_respect_count_length_and_commas() -> None:
    long_skus = ["X" * 150 + str(i) for i in range(50)]
    chunks = stock_chunks([*_skus(150), "A,B", *long_skus])
    assert len(chunks[0]) == 100
    assert chunks[-1] == ["A,B"]  # a comma SKU is looked up alone (WooCommerce splits on ",")
    assert all(len(chunk) <= 100 for chunk in chunks)
    assert all(sum(len(s) + 3 for s in chunk) <= 4000 for chunk in chunks)
    assert sorted(s for chunk in chunks for s in chunk) == sorted([*_skus(150), "A,B", *long_skus])


def _client(sb: Sandbox) -> StoreClient:
    key, secret = sb.keys["read_write"]
    return StoreClient(ConnectionSettings(url=sb.url, key=key, secret=secret), max_concurrency=4)


def _read_queries(sb: Sandbox) -> list[dict[str, str]]:
    return [entry.query for entry in reads(sb)]


def test_small_feed_costs_one_request(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(seed_products=300, seed=2)
    items = catalog(sb)
    variations = [i.sku for i in items if i.parent_id][:40]
    feed = variations + [i.sku for i in items if not i.parent_id][:40]
    with _client(sb) as client:
        sb.clear_log()
        found, report = read_stock_items(client, [*feed, "UNKNOWN-1"])
    assert report.strategy == "sku" and report.requests == 1
    queries = _read_queries(sb)
    assert len(queries) == 1 and queries[0]["_fields"] == STOCK_READ_FIELDS
    assert {item["sku"] for item in found} == set(feed)
    variations = [item for item in found if item["type"] == "variation"]
    assert len(variations) == 40 and all(item["parent_id"] > 0 for item in variations)


def test_feed_much_larger_than_catalog_pages_the_catalog(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(seed_products=60, seed=1)
    items = catalog(sb)
    parents = {i.parent_id for i in items if i.parent_id}
    unknown = _skus(2400, "WH")  # the warehouse lists far more than the shop sells
    feed = [*unknown[:1200], *[i.sku for i in items], *unknown[1200:]]
    with _client(sb) as client:
        sb.clear_log()
        found, report = read_stock_items(client, feed)
    chunks = len(stock_chunks(list(dict.fromkeys(s.lower() for s in feed))))
    assert report.strategy == "catalog"
    # 2 probes + 1 product page + one variations page per variable parent.
    assert report.variations_via == "parents"
    assert len(reads(sb)) == report.requests == 2 + 1 + len(parents)
    assert report.requests < chunks
    assert sorted(item["id"] for item in found) == sorted(i.id for i in items)
    fields = {q["_fields"] for q in _read_queries(sb)}
    assert fields == {"id", STOCK_READ_FIELDS}


def test_large_share_of_a_big_catalog_uses_sku_chunks(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(seed_products=700, seed=3)
    items = catalog(sb)
    feed = [i.sku for i in items][: int(len(items) * 0.8)]
    with _client(sb) as client:
        sb.clear_log()
        found, report = read_stock_items(client, feed, concurrency=2)
    chunks = stock_chunks(feed)
    assert report.strategy == "sku"
    # Probes, then one page per chunk, plus a second page for any chunk whose SKUs match
    # more than 100 items (a store holding repeated SKUs).
    pages = 0
    for chunk in chunks:
        wanted = set(chunk)
        pages += max(1, -(-sum(1 for i in items if i.sku in wanted) // 100))
    # 700 products = 7 pages < 9 chunks, so the variable products are counted too (2 probes):
    # 7 pages + min(~100 parents, 9) > 9 chunks.
    assert report.probes == 2
    assert len(reads(sb)) == 2 + pages
    assert pages <= len(chunks) + 2
    assert {item["sku"].lower() for item in found} == {s.lower() for s in feed}
