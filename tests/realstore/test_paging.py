"""Paging a real store's products: every product exactly once while the catalog changes.

WordPress lists products newest first (``post_date`` descending, no tie-breaker). A product
created while a client pages that order pushes every later page down by one: the client sees
some products twice and others never (the first real-store trial saw 142 distinct products of
180 and rejected the rest as "duplicates in the store"). bulkio pages by id, ascending: new
products land after the last page, so the products that were there are each seen once.
"""

from __future__ import annotations

from bulkio.config import ConnectionSettings
from bulkio.plan.state import read_products
from bulkio.store import StoreClient
from tests.realstore.refstore import RealStore

COUNT = 60
PER_PAGE = 20


def create(store: RealStore, prefix: str, numbers: range) -> None:
    store.post(
        "products/batch",
        {"create": [{"name": f"{prefix} {n}", "sku": f"{prefix}{n:03d}"} for n in numbers]},
    )


def test_paging_sees_every_product_once_while_products_are_created(store: RealStore) -> None:
    prefix = store.prefix("PG")
    create(store, prefix, range(COUNT))
    settings = ConnectionSettings(
        url=store.https_url,
        key=store.env["RW_KEY"],
        secret=store.env["RW_SECRET"],
        verify=store.ca_bundle,
    )
    with StoreClient(settings, max_concurrency=2) as client:
        seen: list[str] = []
        pages = client.iter_pages(
            "products", params={"search": prefix, "_fields": "id,sku"}, per_page=PER_PAGE
        )
        for number, page in enumerate(pages):
            seen.extend(item["sku"] for item in page)
            if number == 0:  # another process imports while we read
                create(store, prefix, range(COUNT, COUNT + 10))
        original = [sku for sku in seen if int(sku[len(prefix) :]) < COUNT]
        assert sorted(original) == [f"{prefix}{n:03d}" for n in range(COUNT)]

        # The state read of an import finds each SKU once: no "duplicate in store", no creates.
        skus = [f"{prefix}{n:03d}" for n in range(COUNT + 10)]
        found = read_products(client, skus, "id,sku,status")
        assert sorted(item["sku"] for item in found) == skus
