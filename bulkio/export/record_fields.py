"""The customer and coupon fields an export mapping (``resource = "customers"`` / ``"coupons"``)
can name, and the type each has by default.

Names follow the WooCommerce ``/wc/v3/customers`` and ``/wc/v3/coupons`` responses
(``class-wc-rest-customers-v2-controller.php``, ``class-wc-rest-coupons-v2-controller.php``;
measured on 11.0.1 and 7.9, docs/migrations.md). Besides the plain fields a mapping may name an
address part of a customer (``billing.email``, ``shipping.city``), a meta entry (``meta:key``),
or one of a coupon's lists (``product_ids``, ``email_restrictions``, …: the values joined with
``join_separator``). Knowing them lets a typo fail when the mapping loads, not after the fetch.
"""

from __future__ import annotations

from bulkio.export.order_fields import ADDRESS_FIELDS, ValueType

RECORD_RESOURCES = ("customers", "coupons")
RECORD_NAMES = {"customers": "customer", "coupons": "coupon"}
"""One record of each resource, for messages and the XML record element."""

CUSTOMER_DATE_FIELDS = ("date_created", "date_modified")
COUPON_DATE_FIELDS = ("date_created", "date_modified", "date_expires")
DATE_FIELDS = {"customers": CUSTOMER_DATE_FIELDS, "coupons": COUPON_DATE_FIELDS}

CUSTOMER_FIELDS: dict[str, ValueType] = {
    "id": "int",
    "email": "text",
    "first_name": "text",
    "last_name": "text",
    "role": "text",
    "username": "text",
    "is_paying_customer": "bool",
    "avatar_url": "text",
    **{name: "datetime" for name in CUSTOMER_DATE_FIELDS},
    **{f"{name}_gmt": "datetime" for name in CUSTOMER_DATE_FIELDS},
}
SHIPPING_FIELDS = tuple(name for name in ADDRESS_FIELDS if name != "email")
"""A customer's shipping address has a phone but no e-mail."""

COUPON_LISTS = (
    "product_ids",
    "excluded_product_ids",
    "product_categories",
    "excluded_product_categories",
    "email_restrictions",
    "used_by",
)
COUPON_FIELDS: dict[str, ValueType] = {
    "id": "int",
    "code": "text",
    "amount": "money",
    "status": "text",
    "discount_type": "text",
    "description": "text",
    "usage_count": "int",
    "individual_use": "bool",
    "usage_limit": "int",
    "usage_limit_per_user": "int",
    "limit_usage_to_x_items": "int",
    "free_shipping": "bool",
    "exclude_sale_items": "bool",
    "minimum_amount": "money",
    "maximum_amount": "money",
    **{name: "text" for name in COUPON_LISTS},
    **{name: "datetime" for name in COUPON_DATE_FIELDS},
    **{f"{name}_gmt": "datetime" for name in COUPON_DATE_FIELDS},
}

FIELDS = {"customers": CUSTOMER_FIELDS, "coupons": COUPON_FIELDS}


def record_field_type(resource: str, path: str) -> ValueType | None:
    """The default type of a field path of a customer or coupon, or None when it names none."""
    if path.startswith("meta:") and len(path) > 5:
        return "text"
    fields = FIELDS.get(resource, {})
    if path in fields:
        return fields[path]
    head, _, rest = path.partition(".")
    if resource == "customers" and (
        (head == "billing" and rest in ADDRESS_FIELDS)
        or (head == "shipping" and rest in SHIPPING_FIELDS)
    ):
        return "text"
    return None


def known_record_paths(resource: str) -> list[str]:
    """Every plain path of the resource (for "did you mean" hints)."""
    paths = list(FIELDS.get(resource, {}))
    if resource == "customers":
        paths += [f"billing.{name}" for name in ADDRESS_FIELDS]
        paths += [f"shipping.{name}" for name in SHIPPING_FIELDS]
    return paths


def record_store_field(path: str) -> set[str]:
    """The top-level response fields a path needs (what goes into ``_fields``)."""
    if path.startswith("meta:"):
        return {"meta_data"}
    return {path.split(".", 1)[0]}
