"""The order fields an export mapping can name, and the type each has by default.

Names follow the WooCommerce ``/wc/v3/orders`` response
(``class-wc-rest-orders-v2-controller.php``).
A mapping may name any of these, a dotted sub-field of an address (``billing.email``), a field of
an order line (``line_items.sku``, ``fee_lines.total``), or a meta entry (``meta:key``,
``line_items.meta:key``). Knowing them lets a typo fail when the mapping loads, not at 3 a.m.
"""

from __future__ import annotations

from typing import Literal

ValueType = Literal["text", "int", "money", "number", "date", "datetime", "bool"]

ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
    "email",
    "phone",
)

DATE_FIELDS = ("date_created", "date_modified", "date_paid", "date_completed")

ORDER_FIELDS: dict[str, ValueType] = {
    "id": "int",
    "parent_id": "int",
    "number": "text",
    "order_key": "text",
    "created_via": "text",
    "version": "text",
    "status": "text",
    "currency": "text",
    "prices_include_tax": "bool",
    "discount_total": "money",
    "discount_tax": "money",
    "shipping_total": "money",
    "shipping_tax": "money",
    "cart_tax": "money",
    "total": "money",
    "total_tax": "money",
    "customer_id": "int",
    "customer_ip_address": "text",
    "customer_user_agent": "text",
    "customer_note": "text",
    "payment_method": "text",
    "payment_method_title": "text",
    "transaction_id": "text",
    "cart_hash": "text",
    **{name: "datetime" for name in DATE_FIELDS},
    **{f"{name}_gmt": "datetime" for name in DATE_FIELDS},
}

LINE_LISTS: dict[str, dict[str, ValueType]] = {
    "line_items": {
        "id": "int",
        "name": "text",
        "parent_name": "text",
        "product_id": "int",
        "variation_id": "int",
        "quantity": "int",
        "tax_class": "text",
        "subtotal": "money",
        "subtotal_tax": "money",
        "total": "money",
        "total_tax": "money",
        "sku": "text",
        "price": "money",
    },
    "tax_lines": {
        "id": "int",
        "rate_code": "text",
        "rate_id": "int",
        "label": "text",
        "compound": "bool",
        "tax_total": "money",
        "shipping_tax_total": "money",
        "rate_percent": "number",
    },
    "shipping_lines": {
        "id": "int",
        "method_title": "text",
        "method_id": "text",
        "instance_id": "text",
        "total": "money",
        "total_tax": "money",
    },
    "fee_lines": {
        "id": "int",
        "name": "text",
        "tax_class": "text",
        "tax_status": "text",
        "total": "money",
        "total_tax": "money",
    },
    "coupon_lines": {
        "id": "int",
        "code": "text",
        "discount": "money",
        "discount_tax": "money",
    },
}

GENERIC_LINE_FIELDS: dict[str, ValueType] = {
    "type": "text",
    "name": "text",
    "sku": "text",
    "quantity": "int",
    "total": "money",
    "total_tax": "money",
}
"""``line.*``: one view over every kind of row a ``line_item`` layout can produce."""


def field_type(path: str) -> ValueType | None:
    """The default type of a field path, or None when the path names no known field."""
    if path.startswith("meta:") and len(path) > 5:
        return "text"
    if path in ORDER_FIELDS:
        return ORDER_FIELDS[path]
    head, _, rest = path.partition(".")
    if head in ("billing", "shipping") and rest in ADDRESS_FIELDS:
        if head == "shipping" and rest == "email":
            return None
        return "text"
    if head == "line" and rest in GENERIC_LINE_FIELDS:
        return GENERIC_LINE_FIELDS[rest]
    if head in LINE_LISTS:
        if rest == "":
            return "text"
        if rest.startswith("meta:") and len(rest) > 5:
            return "text"
        return LINE_LISTS[head].get(rest)
    return None


def known_paths() -> list[str]:
    """Every plain path (for "did you mean" hints)."""
    paths = list(ORDER_FIELDS)
    paths += [f"billing.{name}" for name in ADDRESS_FIELDS]
    paths += [f"shipping.{name}" for name in ADDRESS_FIELDS if name != "email"]
    paths += [f"line.{name}" for name in GENERIC_LINE_FIELDS]
    for head, fields in LINE_LISTS.items():
        paths.append(head)
        paths += [f"{head}.{name}" for name in fields]
    return paths


def top_level_field(path: str) -> str:
    """The top-level response field a path needs (what goes into ``_fields``)."""
    if path.startswith("meta:"):
        return "meta_data"
    head = path.split(".", 1)[0]
    return head
