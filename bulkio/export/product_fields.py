"""The product fields a product export mapping (``resource = "products"``) can name.

Names follow the WooCommerce ``/wc/v3/products`` and ``…/variations`` responses
(``class-wc-rest-products-v2-controller.php``, ``class-wc-rest-product-variations-controller``).
Besides the plain fields a mapping may name a dimension (``dimensions.length``, ``.width``,
``.height``; ``weight`` is top level), a list of terms or images (``categories`` —
category paths such as ``Clothing > Shirts`` —, ``categories.name``, ``tags``, ``images``,
``images.src``: the values joined with ``join_separator``), ``attributes`` (``Color: Red, Blue``
per attribute, joined), the parent of a variation row (``parent_sku``), or a meta entry
(``meta:key``). Knowing them lets a typo fail when the mapping loads, not after the fetch.
"""

from __future__ import annotations

from bulkio.export.order_fields import ValueType

PRODUCT_DATE_FIELDS = ("date_created", "date_modified", "date_on_sale_from", "date_on_sale_to")

PRODUCT_FIELDS: dict[str, ValueType] = {
    "id": "int",
    "parent_id": "int",
    "name": "text",
    "slug": "text",
    "permalink": "text",
    "type": "text",
    "status": "text",
    "featured": "bool",
    "catalog_visibility": "text",
    "description": "text",
    "short_description": "text",
    "sku": "text",
    "global_unique_id": "text",
    "price": "money",
    "regular_price": "money",
    "sale_price": "money",
    "on_sale": "bool",
    "purchasable": "bool",
    "total_sales": "int",
    "virtual": "bool",
    "downloadable": "bool",
    "external_url": "text",
    "button_text": "text",
    "tax_status": "text",
    "tax_class": "text",
    "manage_stock": "bool",
    "stock_quantity": "int",
    "stock_status": "text",
    "backorders": "text",
    "low_stock_amount": "int",
    "sold_individually": "bool",
    "weight": "number",
    "shipping_class": "text",
    "reviews_allowed": "bool",
    "average_rating": "number",
    "rating_count": "int",
    "purchase_note": "text",
    "menu_order": "int",
    "parent_sku": "text",
    "attributes": "text",
    **{name: "datetime" for name in PRODUCT_DATE_FIELDS},
    **{f"{name}_gmt": "datetime" for name in PRODUCT_DATE_FIELDS},
}

DIMENSIONS = ("length", "width", "height")

TERM_LISTS: dict[str, tuple[str, ...]] = {
    "categories": ("id", "name", "slug"),
    "tags": ("id", "name", "slug"),
    "images": ("id", "src", "name", "alt"),
}
"""List fields shown as one joined cell; the bare name is the usual text of each entry
(category path, tag name, image URL)."""


def product_field_type(path: str) -> ValueType | None:
    """The default type of a product field path, or None when it names no known field."""
    if path.startswith("meta:") and len(path) > 5:
        return "text"
    if path in PRODUCT_FIELDS:
        return PRODUCT_FIELDS[path]
    head, _, rest = path.partition(".")
    if head == "dimensions" and rest in DIMENSIONS:
        return "number"
    if head in TERM_LISTS and (rest == "" or rest in TERM_LISTS[head]):
        return "text"
    return None


def known_product_paths() -> list[str]:
    """Every plain path (for "did you mean" hints)."""
    paths = list(PRODUCT_FIELDS)
    paths += [f"dimensions.{name}" for name in DIMENSIONS]
    for head, parts in TERM_LISTS.items():
        paths.append(head)
        paths += [f"{head}.{name}" for name in parts]
    return paths


def product_store_field(path: str) -> set[str]:
    """The top-level response fields a path needs (what goes into ``_fields``)."""
    if path.startswith("meta:"):
        return {"meta_data"}
    head = path.split(".", 1)[0]
    return {"parent_id"} if head == "parent_sku" else {head}
