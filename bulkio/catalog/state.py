"""What the store holds for a catalog feed: products by SKU, and the variations of its parents.

Products are found with the import engineer's read rule (:func:`bulkio.plan.state.read_products`:
SKU chunks or catalog paging, whichever takes fewer requests); the variations of each variable
parent the feed mentions are listed per parent (``products/<id>/variations``, 100 a page).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bulkio.catalog.feed import CatalogFeed
from bulkio.plan.state import chunk_skus, is_variation, read_products

PRODUCT_FIELDS = (
    "id,sku,type,status,name,description,short_description,regular_price,sale_price,featured,"
    "catalog_visibility,tax_status,tax_class,stock_quantity,manage_stock,stock_status,backorders,"
    "weight,dimensions,categories,tags,images,attributes,default_attributes,meta_data,menu_order,"
    "parent_id,date_modified_gmt,global_unique_id,low_stock_amount,sold_individually,"
    "reviews_allowed,purchase_note,external_url,button_text,date_on_sale_from,date_on_sale_to,"
    "upsell_ids,cross_sell_ids,grouped_products,virtual,downloadable,download_limit,"
    "download_expiry,downloads,shipping_class,brands,slug"
)
VARIATION_FIELDS = (
    "id,sku,status,description,regular_price,sale_price,tax_status,tax_class,stock_quantity,"
    "manage_stock,stock_status,backorders,weight,dimensions,image,attributes,meta_data,menu_order,"
    "date_modified_gmt,global_unique_id,low_stock_amount,date_on_sale_from,date_on_sale_to,"
    "virtual,downloadable,download_limit,download_expiry,downloads,shipping_class"
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
    variation_listings: int = 0
    """Parents whose variations had to be listed (some feed variation not found by SKU)."""
    variation_records: dict[str, dict[str, Any]] = field(default_factory=dict)
    """casefolded SKU → the variation (variations shape) for every variation the SKU reads
    found (``resource = "variation"`` updates these)."""
    trashed: dict[str, dict[str, Any]] = field(default_factory=dict)
    """casefolded SKU → a product in the trash holding it (feed SKUs no live product holds)."""


def _as_variation(product: dict[str, Any]) -> dict[str, Any]:
    """A variation as ``products?sku=`` answers it (product shape) → the variations shape:
    its one image is ``images[0]`` there."""
    images = product.get("images") or []
    return {**product, "image": images[0] if images else None}


def fetch_catalog_state(
    client: Any,
    feed: CatalogFeed,
    *,
    concurrency: int = 4,
    on_trashed: str = "restore",
    progress: Callable[[int], None] | None = None,
) -> CatalogState:
    """Products by SKU (live; then the trash for feed SKUs no live product holds), and the
    variations of the feed's parents. With ``on_trashed = "restore"`` a trashed product is
    taken as the feed item's product (the plan restores it: WooCommerce 11 refuses a new
    product whose SKU a trashed one holds, 7.9 would make a second one). ``progress`` hears
    the number of SKUs looked up as each chunk comes back (progress bars)."""
    state = CatalogState()
    skus = [item.sku for item in feed.items if item.sku]
    skus += [v.sku for item in feed.items for v in item.variations if v.sku]
    # Products the feed's Upsells / Cross-sells / Grouped products name, to resolve their ids.
    feed_skus = {sku.casefold() for sku in skus}
    for item in feed.items:
        for refs in item.links.values():
            for ref in refs:
                if not ref.lower().startswith("id:") and ref.casefold() not in feed_skus:
                    feed_skus.add(ref.casefold())
                    skus.append(ref)
    ids = [
        int(i.parent_ref[3:])
        for i in feed.items
        if i.parent_ref.lower().startswith("id:") and i.parent_ref[3:].isdigit()
    ]
    found = (
        read_products(client, skus, PRODUCT_FIELDS, concurrency=concurrency, progress=progress)
        if skus
        else []
    )
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
    found_variations: dict[int, list[dict[str, Any]]] = {}
    for product in found:
        if is_variation(product):
            parent_id = int(product.get("parent_id") or 0)
            state.variation_skus[str(product.get("sku", "")).casefold()] = parent_id
            found_variations.setdefault(parent_id, []).append(_as_variation(product))
            state.variation_records[str(product.get("sku", "")).casefold()] = _as_variation(product)
            continue
        state.by_id[int(product["id"])] = product
        if product.get("sku"):
            state.products[str(product["sku"]).casefold()] = product
    if feed.resource == "variation":
        _variations_by_sku(client, feed, state, concurrency)
        return state
    missing = [
        item.sku
        for item in feed.items
        if item.sku
        and item.sku.casefold() not in state.products
        and item.sku.casefold() not in state.variation_skus
    ]
    if missing:
        for product in read_products(
            client, missing, PRODUCT_FIELDS, status="trash", concurrency=concurrency
        ):
            key = str(product.get("sku") or "").casefold()
            if is_variation(product) or not key or key in state.trashed:
                continue
            product["status"] = "trash"
            state.trashed[key] = product
            if on_trashed == "restore":
                state.products[key] = product
                state.by_id[int(product["id"])] = product
    # Variations: a parent whose feed variations are all found by SKU needs no listing of its
    # own. When the product read paged the catalog (which never lists variations), look the
    # variation SKUs up in chunks if that takes fewer requests than listing each parent.
    groups: list[tuple[int, list[str]]] = []
    for item in feed.items:
        parent: dict[str, Any] | None = None
        if item.sku:
            parent = state.products.get(item.sku.casefold())
        elif item.parent_ref.lower().startswith("id:") and item.parent_ref[3:].isdigit():
            parent = state.by_id.get(int(item.parent_ref[3:]))
        if parent is None or parent.get("type") != "variable" or not item.variations:
            continue
        groups.append((int(parent["id"]), [v.sku for v in item.variations]))
    unresolved = [
        sku
        for _, group in groups
        for sku in group
        if sku and sku.casefold() not in state.variation_skus
    ]
    lookups = chunk_skus(unresolved)
    if unresolved and len(lookups) < len({pid for pid, _ in groups}):
        params = {"_fields": PRODUCT_FIELDS, "per_page": 100}
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            answers = pool.map(
                lambda chunk: client.get("products", params={**params, "sku": ",".join(chunk)}),
                lookups,
            )
            for answer in answers:
                for record in answer:
                    if is_variation(record):
                        parent_id = int(record.get("parent_id") or 0)
                        key = str(record.get("sku", "")).casefold()
                        if key not in state.variation_skus:
                            state.variation_skus[key] = parent_id
                            found_variations.setdefault(parent_id, []).append(_as_variation(record))
    parents: list[int] = []
    for parent_id, group in groups:
        known = found_variations.get(parent_id, [])
        held = {str(v.get("sku", "")).casefold() for v in known}
        if all(sku and sku.casefold() in held for sku in group):
            state.variations[parent_id] = known
        elif parent_id not in parents:
            parents.append(parent_id)

    def read_variations(parent_id: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params = {"_fields": VARIATION_FIELDS, "orderby": "id", "order": "asc"}
        for page in client.iter_pages(
            f"products/{parent_id}/variations", params=params, per_page=100
        ):
            items.extend(page)
        return items

    state.variation_listings = len(parents)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for parent_id, items in zip(parents, pool.map(read_variations, parents), strict=True):
            state.variations[parent_id] = items
    return state


def _variations_by_sku(
    client: Any, feed: CatalogFeed, state: CatalogState, concurrency: int
) -> None:
    """``resource = "variation"``: SKUs the product read did not find are looked up by SKU
    (a catalog page never lists variations; ``products?sku=`` does)."""
    unresolved = [
        item.sku
        for item in feed.items
        if item.sku.casefold() not in state.variation_records
        and item.sku.casefold() not in state.products
    ]
    if not unresolved:
        return
    params = {"_fields": PRODUCT_FIELDS, "per_page": 100}
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        answers = pool.map(
            lambda chunk: client.get("products", params={**params, "sku": ",".join(chunk)}),
            chunk_skus(unresolved),
        )
        for answer in answers:
            for record in answer:
                key = str(record.get("sku", "")).casefold()
                if is_variation(record):
                    state.variation_skus[key] = int(record.get("parent_id") or 0)
                    state.variation_records[key] = _as_variation(record)
                elif key and key not in state.products:
                    state.products[key] = record
