"""The rule choosing between SKU-list reads and catalog paging (pure: a recording fake)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bulkio.plan.state import MAX_SKU_PARAM_CHARS, chunk_skus, plan_fetch


@dataclass
class FakePage:
    items: list[dict[str, Any]]
    total: int | None
    total_pages: int | None = None


@dataclass
class ProbeOnly:
    total: int | None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def get_page(
        self, route: str, params: Any = None, *, page: int = 1, per_page: int = 100
    ) -> FakePage:
        self.calls.append({"route": route, **(params or {}), "per_page": per_page})
        return FakePage([], self.total)

    def iter_pages(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("plan_fetch must not page")


def skus(n: int) -> list[str]:
    return [f"S-{i:05d}" for i in range(n)]


def test_one_chunk_is_fetched_without_a_probe() -> None:
    client = ProbeOnly(total=50_000)
    fetch = plan_fetch(client, skus(100))
    assert (fetch.strategy, fetch.requests, client.calls) == ("sku", 1, [])


def test_a_feed_covering_most_of_the_catalog_pages_it() -> None:
    client = ProbeOnly(total=150)
    fetch = plan_fetch(client, skus(250))
    assert (fetch.strategy, fetch.requests) == ("catalog", 3)
    assert client.calls == [{"route": "products", "_fields": "id", "per_page": 1}]


def test_a_small_feed_in_a_big_catalog_reads_by_sku() -> None:
    fetch = plan_fetch(ProbeOnly(total=10_000), skus(250))
    assert (fetch.strategy, fetch.requests, len(fetch.chunks)) == ("sku", 4, 3)


def test_ties_go_to_sku_lists_and_unknown_totals_too() -> None:
    assert plan_fetch(ProbeOnly(total=300), skus(300)).strategy == "sku"
    assert plan_fetch(ProbeOnly(total=None), skus(300)).strategy == "sku"


def test_an_empty_catalog_or_trash_costs_only_the_probe() -> None:
    client = ProbeOnly(total=0)
    fetch = plan_fetch(client, skus(500), status="trash")
    assert (fetch.strategy, fetch.requests) == ("none", 1)
    assert client.calls[0]["status"] == "trash"


def test_skus_with_commas_force_catalog_paging() -> None:
    fetch = plan_fetch(ProbeOnly(total=5_000), ["A,1", *skus(150)])
    assert fetch.strategy == "catalog"


def test_chunks_respect_count_and_url_length() -> None:
    assert [len(c) for c in chunk_skus(skus(250))] == [100, 100, 50]
    long = ["Ü" * 40 + str(i) for i in range(100)]  # each ~250 chars once percent-encoded
    chunks = chunk_skus(long)
    assert sum(len(c) for c in chunks) == 100 and len(chunks) > 10
    for chunk in chunks:
        assert sum(len(quote(sku, safe="")) + 3 for sku in chunk) <= MAX_SKU_PARAM_CHARS


def test_small_runs_are_spread_over_the_workers() -> None:
    from bulkio.apply import spread_chunk_size

    assert spread_chunk_size(100, 100, 4) == 25  # four batches in flight, not one
    assert spread_chunk_size(13, 100, 4) == 25  # tiny runs stay one request
    assert spread_chunk_size(1000, 100, 4) == 100  # big runs use full batches
    assert spread_chunk_size(100, 7, 4) == 7  # never above the store's limit
    assert spread_chunk_size(100, 100, 1) == 100


@dataclass
class ShiftingCatalog:
    """A catalog read while the store changes: product #7 shows on two pages."""

    pages: list[list[dict[str, Any]]]

    def get_page(
        self, route: str, params: Any = None, *, page: int = 1, per_page: int = 100
    ) -> FakePage:
        return FakePage([], total=150)  # 2 pages < 3 SKU chunks: the catalog is paged

    def iter_pages(self, route: str, *, params: Any = None, per_page: int = 100) -> Any:
        yield from self.pages


def test_a_product_seen_on_two_pages_is_one_product() -> None:
    from bulkio.plan.state import read_products

    seven = {"id": 7, "sku": "A-7"}
    catalog = ShiftingCatalog([[{"id": 3, "sku": "A-3"}, seven], [seven, {"id": 9, "sku": "A-9"}]])
    wanted = [f"A-{n}" for n in range(300)]
    found = read_products(catalog, wanted, "id,sku")
    assert [item["id"] for item in found] == [3, 7, 9]


@dataclass
class SkippingCatalog:
    """The store counts 3 products; the first pass over its pages misses #5 (a product before it
    was deleted while paging), the second sees everything."""

    passes: int = 0

    def get_page(
        self, route: str, params: Any = None, *, page: int = 1, per_page: int = 100
    ) -> FakePage:
        return FakePage([], total=3)

    def iter_pages(self, route: str, *, params: Any = None, per_page: int = 100) -> Any:
        self.passes += 1
        if self.passes == 1:
            yield [{"id": 3, "sku": "B-3"}, {"id": 9, "sku": "B-9"}]
        else:
            yield [{"id": 3, "sku": "B-3"}, {"id": 5, "sku": "B-5"}, {"id": 9, "sku": "B-9"}]


def test_a_catalog_read_that_saw_fewer_products_than_counted_reads_again() -> None:
    from bulkio.plan.state import read_products

    catalog = SkippingCatalog()
    found = read_products(catalog, [f"B-{n}" for n in range(300)], "id,sku")
    assert sorted(item["id"] for item in found) == [3, 5, 9]
    assert catalog.passes == 2


def test_a_complete_catalog_read_is_not_repeated() -> None:
    from bulkio.plan.state import read_products

    catalog = SkippingCatalog(passes=1)  # every pass complete
    read_products(catalog, [f"B-{n}" for n in range(300)], "id,sku")
    assert catalog.passes == 2  # the one pass made here
