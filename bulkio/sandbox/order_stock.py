"""What an order's status does to stock, and the internal order props an import can send.

Measured on WooCommerce 11.0.1 and 7.9.0 (``docs/migrations.md``, conformance case
``orders-history``): an order that becomes processing, completed or on-hold — on creation
too, and by ``set_paid`` — reduces the stock of its managed products by each line's quantity
(``wc_maybe_reduce_stock_levels``) and notes it on the line as meta ``_reduced_stock``;
cancelled gives it back. Sent as order meta, ``_order_stock_reduced`` (and the other keys of
:data:`INTERNAL_META`) are props, not meta: ``yes`` marks the stock as already reduced, so
nothing moves, and none of them is answered in ``meta_data``.
"""

from __future__ import annotations

from typing import Any

from bulkio.sandbox.store import Store, doc_of, truthy

REDUCING_STATUSES = ("processing", "completed", "on-hold")
INTERNAL_META = {
    "_order_stock_reduced": "order_stock_reduced",
    "_new_order_email_sent": "new_order_email_sent",
    "_recorded_sales": "recorded_sales",
    "_recorded_coupon_usage_counts": "recorded_coupon_usage_counts",
    "_download_permissions_granted": "download_permissions_granted",
}
"""Order meta keys WooCommerce reads as order props (``set_<prop>``), never as meta."""


def split_internal(doc: dict[str, Any], meta: Any) -> Any:
    """Set the props named by internal keys in ``meta`` and return the rest of the list."""
    if not isinstance(meta, list):
        return meta
    kept = []
    for entry in meta:
        key = entry.get("key") if isinstance(entry, dict) else None
        if key in INTERNAL_META:
            doc[INTERNAL_META[key]] = truthy(entry.get("value"))
        else:
            kept.append(entry)
    return kept


def _adjust(store: Store, item: dict[str, Any], delta: int) -> bool:
    """Move the stock of the line's product (or variation) by ``delta``; False when the
    product does not manage stock or is gone."""
    from bulkio.sandbox.products import derive_stock_status

    product_id = item.get("variation_id") or item.get("product_id")
    if not product_id:
        return False
    row = store.get_post(int(product_id), ("product", "product_variation"))
    if row is None:
        return False
    product = doc_of(row)
    if product.get("manage_stock") is not True:
        return False
    product["stock_quantity"] = (product.get("stock_quantity") or 0) + delta
    derive_stock_status(product)
    # wc_update_product_stock writes the quantity alone: the product's modified date stays.
    store.update_post(int(row["id"]), {}, product)
    return True


def follow_status(store: Store, doc: dict[str, Any], before: str) -> None:
    """Reduce or give back stock when the order's status changed from ``before`` (``pending``
    for a new order) to one that asks for it, as WooCommerce's status-transition hooks do; an
    update that leaves the status alone moves nothing. Call with the store's lock held, after
    the order's lines and status are set."""
    status = doc.get("status")
    if status == before:
        return
    if status in REDUCING_STATUSES and not doc.get("order_stock_reduced"):
        for item in doc["line_items"]:
            quantity = int(item.get("quantity") or 0)
            if quantity and _adjust(store, item, -quantity):
                item["meta_data"] = [
                    *[m for m in item.get("meta_data", []) if m.get("key") != "_reduced_stock"],
                    {"id": store.next_meta_id(), "key": "_reduced_stock", "value": str(quantity)},
                ]
        doc["order_stock_reduced"] = True
    elif status == "cancelled" and doc.get("order_stock_reduced"):
        for item in doc["line_items"]:
            reduced = [m for m in item.get("meta_data", []) if m.get("key") == "_reduced_stock"]
            if reduced and _adjust(store, item, int(reduced[0]["value"])):
                item["meta_data"] = [m for m in item["meta_data"] if m not in reduced]
        doc["order_stock_reduced"] = False
