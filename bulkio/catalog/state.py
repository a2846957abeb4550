"""What the store holds for a catalog feed: products by SKU, and the variations of its parents.

Products are found with the import engineer's read rule (:func:`bulkio.plan.state.read_products`:
SKU chunks or catalog paging, whichever takes fewer requests); the variations of each variable
parent the feed mentions are listed per parent (``products/<id>/variations``, 100 a page).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bulkio.catalog.feed import CatalogFeed
from bulkio.plan.state import is_variation, read_products

PRODUCT_FIELDS = (
    "id,sku,type,status,name,description,short_description,regular_price,sale_price,featured,"
    "catalog_visibility,tax_status,tax_class,stock_quantity,manage_stock,stock_status,backorders,"
    "weight,dimensions,categories,tags,images,attributes,default_attributes,meta_data,menu_order,"
    "parent_id,date_modified_gmt"
)
VARIATION_FIELDS = (
    "id,sku,status,description,regular_price,sale_price,tax_status,tax_class,stock_quantity,"
    "manage_stock,stock_status,backorders,weight,dimensions,image,attributes,meta_data,menu_order,"
    "date_modified_gmt"
)


@dataclass
class CatalogState:
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    """casefolded SKU → product JSON (live products only)."""
    by_id: dict[int, dict[str, Any]] = field(default_factory=dict)
    variations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """parent id → its variations."""
    variation_skus: dict[str, int] = field(default_factory=dict)
    """casefolded SKU held by a variation → its parent id (any parent the store has)."""


def fetch_catalog_state(client: Any, feed: CatalogFeed, *, concurrency: int = 4) -> CatalogState:
    state = CatalogState()
    skus = [item.sku for item in feed.items if item.sku]
    skus += [v.sku for item in feed.items for v in item.variations if v.sku]
    ids = [
        int(i.parent_ref[3:])
        for i in feed.items
        if i.parent_ref.lower().startswith("id:") and i.parent_ref[3:].isdigit()
    ]
    found = read_products(client, skus, PRODUCT_FIELDS, concurrency=concurrency) if skus else []
    if ids:
        for chunk_start in range(0, len(ids), 100):
            chunk = ids[chunk_start : chunk_start + 100]
            found += client.get(
                "products",
                params={
                    "include": ",".join(map(str, chunk)),
                    "_fields": PRODUCT_FIELDS,
                    "per_page": 100,
                },
            )
    for product in found:
        if is_variation(product):
            state.variation_skus[str(product.get("sku", "")).casefold()] = int(
                product.get("parent_id") or 0
            )
            continue
        state.by_id[int(product["id"])] = product
        if product.get("sku"):
            state.products[str(product["sku"]).casefold()] = product
    parents = [pid for pid, product in state.by_id.items() if product.get("type") == "variable"]

    def read_variations(parent_id: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params = {"_fields": VARIATION_FIELDS, "orderby": "id", "order": "asc"}
        for page in client.iter_pages(
            f"products/{parent_id}/variations", params=params, per_page=100
        ):
            items.extend(page)
        return items

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for parent_id, items in zip(parents, pool.map(read_variations, parents), strict=True):
            state.variations[parent_id] = items
    return state
