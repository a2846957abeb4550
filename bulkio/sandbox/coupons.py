"""Coupons (``wc/v3/coupons``): posts of type ``shop_coupon``, as WooCommerce answers them.

Measured on WooCommerce 11.0.1 and 7.9.0 (``docs/migrations.md``, conformance cases
``coupons-*``): codes are trimmed and lower-cased (``wc_format_coupon_code``) and unique among
published coupons; amounts go through ``wc_format_decimal`` ("5,50" → 550.00); an expiry date
without zone is site time, one with an offset is converted, ``null`` leaves it and ``""``
clears it; product and category ids are kept unchecked; e-mail restrictions are lower-cased and
invalid ones dropped. Trashing a coupon on 7.9 answers 500 although the coupon is trashed.
"""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bulkio.sandbox import dates
from bulkio.sandbox.collection import POST_ORDER_COLUMNS, Listed, ListQuery, order_clause
from bulkio.sandbox.customers import is_email
from bulkio.sandbox.errors import ApiError
from bulkio.sandbox.params import as_enum_list, check_schema
from bulkio.sandbox.resource import (
    dated,
    links,
    post_columns,
    post_row,
    refuse_existing,
    remove_post,
    stored_doc,
)
from bulkio.sandbox.store import BLANK_DOCS, Store, doc_of, money, stock_amount, truthy
from bulkio.sandbox.text import kses_post

KIND = "shop_coupon"
DISCOUNT_TYPES = ("percent", "fixed_cart", "fixed_product")
STATUSES = ("publish", "future", "draft", "pending", "private")
LIST_STATUSES = ("any", "trash", *STATUSES)
ORDERBY = ("date", "modified", "id", "include", "title", "slug")
ID_LISTS = (
    "product_ids",
    "excluded_product_ids",
    "product_categories",
    "excluded_product_categories",
)
LIMITS = ("usage_limit", "usage_limit_per_user", "limit_usage_to_x_items")
FLAGS = ("individual_use", "free_shipping", "exclude_sale_items")
STRICT_TYPES = {
    "code": "string",
    "amount": "string",
    "discount_type": "string",
    "description": "string",
    "date_expires": "string",
    "individual_use": "boolean",
    "product_ids": "array",
    "excluded_product_ids": "array",
    "usage_limit": "integer",
    "usage_limit_per_user": "integer",
    "limit_usage_to_x_items": "integer",
    "free_shipping": "boolean",
    "product_categories": "array",
    "excluded_product_categories": "array",
    "exclude_sale_items": "boolean",
    "minimum_amount": "string",
    "maximum_amount": "string",
    "email_restrictions": "array",
    "meta_data": "array",
}


def _blank_coupon() -> dict[str, Any]:
    return {
        "status": "publish",
        "code": "",
        "amount": "0",
        "discount_type": "fixed_cart",
        "description": "",
        "date_expires_gmt": None,
        "usage_count": 0,
        "individual_use": False,
        "product_ids": [],
        "excluded_product_ids": [],
        "usage_limit": None,
        "usage_limit_per_user": None,
        "limit_usage_to_x_items": None,
        "free_shipping": False,
        "product_categories": [],
        "excluded_product_categories": [],
        "exclude_sale_items": False,
        "minimum_amount": "0",
        "maximum_amount": "0",
        "email_restrictions": [],
        "used_by": [],
        "meta_data": [],
    }


BLANK_DOCS[KIND] = _blank_coupon


def _stripslashes(text: str) -> str:
    return re.sub(r"\\(.?)", lambda m: m.group(1), text, flags=re.S)


def format_code(value: Any, *, modern: bool = True) -> str:
    """``wc_format_coupon_code`` and the post title it becomes, as answered (measured, case
    ``coupons-stored-forms``): entities decoded, backslashes dropped (the title is unslashed),
    trimmed, lone ``&`` answered as ``&amp;``, lower-cased. 11.0.1 drops tags; 7.9
    (``wp_filter_kses``) keeps them and answers quotes with a backslash."""
    text = _stripslashes(html.unescape(str(value)))
    if modern:
        text = re.sub(r"<[^>]*>", "", text)
    text = text.strip(" \t\n\r\0\x0b").replace("&", "&amp;")
    if not modern:
        text = text.replace("'", "\\'").replace('"', '\\"')
    return text.lower()


def _decimal(value: Any) -> str:
    """Money kept by ``wc_format_decimal`` and answered with two decimals, rounded half up
    (PHP's ``round``: "10.005" → "10.01", measured)."""
    text = money(value)
    try:
        return str(Decimal(text or "0").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return "0.00"


_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def expiry_gmt(store: Store, value: Any) -> str | None:
    """``set_date_expires`` as ``WC_Data::set_date_prop`` reads it: a time without zone is the
    site's, an offset is honoured, ``d.m.Y`` is PHP's ``strtotime`` reading; unreadable → unset."""
    text = str(value).strip()
    if not text:
        return None
    dotted = _DOTTED_DATE.match(text)
    if dotted:
        text = f"{dotted[3]}-{int(dotted[2]):02d}-{int(dotted[1]):02d}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00"
    parsed = dates.parse_request_date(text, store.offset, as_gmt=False)
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text) - store.offset
        except ValueError:
            return None
    return dates.fmt(parsed)


def _id_list(value: Any) -> list[int]:
    """``wp_parse_id_list``: whole numbers, each once, in the order sent; zeros dropped."""
    items = value if isinstance(value, list) else [value]
    result: list[int] = []
    for item in items:
        number = stock_amount(item) or 0
        if number and int(number) not in result:
            result.append(int(number))
    return result


def _emails(value: Any) -> list[str]:
    """``set_email_restrictions``: lower-cased, ``sanitize_email``'d, invalid ones dropped."""
    items = value if isinstance(value, list) else [value]
    kept = []
    for item in items:
        text = str(item).strip().lower()
        if text and is_email(text):
            kept.append(text)
    return kept


def _code_holder(store: Store, code: str, own_id: int) -> int | None:
    """``wc_get_coupon_id_by_code``: a published coupon with that code (not the trash)."""
    found = store.db.scalar(
        "SELECT id FROM posts WHERE kind = ? AND name = ? AND status = 'publish' AND id != ?"
        " ORDER BY id LIMIT 1",
        (KIND, code, own_id),
    )
    return None if found is None else int(found)


def _modern(store: Store) -> bool:
    """11.0.1's wording (7.9.0 measured the other way; from 9.0 here, a guess)."""
    return store.version.at_least("9.0")


def _apply(store: Store, doc: dict[str, Any], payload: Mapping[str, Any], own_id: int) -> None:
    """Props in the order ``prepare_object_for_database`` sets them; ``null`` leaves a prop."""
    if payload.get("code") is not None:
        code = format_code(payload["code"], modern=_modern(store))
        if _code_holder(store, code, own_id) is not None:
            raise ApiError(
                "woocommerce_rest_coupon_code_already_exists", "The coupon code already exists", 400
            )
        doc["code"] = code
    if payload.get("discount_type") is not None:
        if payload["discount_type"] not in DISCOUNT_TYPES:
            message = "Invalid discount type." if _modern(store) else "Invalid discount type"
            raise ApiError("coupon_invalid_discount_type", message, 400)
        doc["discount_type"] = payload["discount_type"]
    for name in ("amount", "minimum_amount", "maximum_amount"):
        if payload.get(name) is not None:
            doc[name] = money(payload[name]) or "0"
    if payload.get("date_expires") is not None:
        doc["date_expires_gmt"] = expiry_gmt(store, payload["date_expires"])
    for name in ID_LISTS:
        if payload.get(name) is not None:
            doc[name] = _id_list(payload[name])
    for name in LIMITS:
        if payload.get(name) is not None:
            doc[name] = int(stock_amount(payload[name]) or 0) or None
    for name in FLAGS:
        if payload.get(name) is not None:
            doc[name] = truthy(payload[name])
    if payload.get("email_restrictions") is not None:
        doc["email_restrictions"] = _emails(payload["email_restrictions"])
    if payload.get("description") is not None:
        # wp_filter_post_kses, then the post is unslashed (backslashes dropped, measured)
        doc["description"] = kses_post(
            _stripslashes(str(payload["description"])), modern=store.version.modern_kses
        )
    if payload.get("status") in STATUSES and _modern(store):
        # 7.9's data store creates every coupon published and never writes post_status on
        # update (a trashed coupon stays in the trash: case coupons-restore)
        doc["status"] = payload["status"]
    if isinstance(payload.get("meta_data"), list):
        from bulkio.sandbox.products import _meta_merge  # one rule for meta of every resource

        doc["meta_data"] = _meta_merge(store, doc["meta_data"], payload["meta_data"])


def _columns(doc: Mapping[str, Any], now: str, created: str | None = None) -> dict[str, Any]:
    return post_columns(KIND, 0, doc, now, created, name=doc["code"], slug=doc["code"])


def create_coupon(store: Store, payload: Mapping[str, Any], *, strict: bool) -> dict[str, Any]:
    refuse_existing(payload, KIND)
    if strict:
        check_schema(payload, STRICT_TYPES, {"discount_type": DISCOUNT_TYPES})
    if str(payload.get("code") or "").strip() == "":
        raise ApiError(
            "woocommerce_rest_empty_coupon_code", "The coupon code cannot be empty.", 400
        )
    with store.db.lock:
        doc = _blank_coupon()
        _apply(store, doc, payload, 0)
        now = store.now_text()
        coupon_id = store.insert_post(_columns(doc, now, now), doc)
        return get_coupon(store, coupon_id)


def update_coupon(
    store: Store, coupon_id: int, payload: Mapping[str, Any], *, strict: bool
) -> dict[str, Any]:
    if strict:
        check_schema(payload, STRICT_TYPES, {"discount_type": DISCOUNT_TYPES})
    with store.db.lock:
        doc = stored_doc(post_row(store, coupon_id, KIND, 400))
        _apply(store, doc, payload, coupon_id)
        store.update_post(coupon_id, _columns(doc, store.now_text()), doc)
        return get_coupon(store, coupon_id)


def delete_coupon(store: Store, coupon_id: int, *, force: bool) -> dict[str, Any]:
    with store.db.lock:
        row = post_row(store, coupon_id, KIND, 404)
        before = coupon_response(store, row)
        remove_post(store, row, KIND, force=force)
    if not force and not _modern(store):
        # 7.9 reads the status of its unchanged object after trashing: "not deleted", 500.
        raise ApiError("woocommerce_rest_cannot_delete", "The shop_coupon cannot be deleted.", 500)
    return before


def get_coupon(store: Store, coupon_id: int) -> dict[str, Any]:
    return coupon_response(store, post_row(store, coupon_id, KIND, 404))


def coupon_by_code(store: Store, code: str) -> dict[str, Any] | None:
    """The published coupon with that code (as WooCommerce formats it), for tests."""
    found = _code_holder(store, format_code(code, modern=_modern(store)), 0)
    return None if found is None else get_coupon(store, found)


def coupon_response(store: Store, row: sqlite3.Row) -> dict[str, Any]:
    doc = doc_of(row)
    coupon_id = int(row["id"])
    return {
        "id": coupon_id,
        "code": doc["code"],
        "amount": _decimal(doc["amount"]),
        "status": row["status"],
        **dated(store, "date_created", row["date_created_gmt"]),
        **dated(store, "date_modified", row["date_modified_gmt"]),
        "discount_type": doc["discount_type"],
        "description": doc["description"],
        **dated(store, "date_expires", doc["date_expires_gmt"]),
        "usage_count": doc["usage_count"],
        "individual_use": doc["individual_use"],
        "product_ids": doc["product_ids"],
        "excluded_product_ids": doc["excluded_product_ids"],
        "usage_limit": doc["usage_limit"],
        "usage_limit_per_user": doc["usage_limit_per_user"],
        "limit_usage_to_x_items": doc["limit_usage_to_x_items"],
        "free_shipping": doc["free_shipping"],
        "product_categories": doc["product_categories"],
        "excluded_product_categories": doc["excluded_product_categories"],
        "exclude_sale_items": doc["exclude_sale_items"],
        "minimum_amount": _decimal(doc["minimum_amount"]),
        "maximum_amount": _decimal(doc["maximum_amount"]),
        "email_restrictions": doc["email_restrictions"],
        "used_by": doc["used_by"],
        "meta_data": doc["meta_data"],
        "_links": links(f"{store.home}/wp-json/wc/v3/coupons", coupon_id),
    }


def list_coupons(store: Store, params: Mapping[str, Any]) -> Listed:
    """``GET coupons``: ``code`` finds the published coupon with that code (without case,
    nothing else); ``search`` a substring of codes; the trash only with ``status=trash``."""
    query = ListQuery(params, "kind = ?", args=[KIND])
    include = query.include_exclude()
    statuses = as_enum_list(params, "status", LIST_STATUSES) or ["any"]
    order_sql = order_clause(params, ORDERBY, "date", "desc", POST_ORDER_COLUMNS, include)
    if params.get("code") not in (None, ""):
        code = format_code(params["code"], modern=_modern(store))
        query.add("id = ?", _code_holder(store, code, 0) or 0)
    query.status(statuses, ("trash", "auto-draft"))
    query.search("name")
    query.dates(store)
    return query.fetch(
        store, "posts", order_sql, lambda rows: [coupon_response(store, row) for row in rows]
    )


def register(api: Any) -> None:
    """Add the ``coupons`` routes to a :class:`bulkio.sandbox.routes.Api`."""
    store: Store = api.store
    api._crud(
        "coupons",
        lambda call, ids: list_coupons(store, call.params),
        lambda ids: get_coupon(store, int(ids["id"])),
        lambda ids, payload, strict: create_coupon(store, payload, strict=strict),
        lambda ids, coupon_id, payload, strict: update_coupon(
            store, coupon_id, payload, strict=strict
        ),
        lambda ids, coupon_id, force: delete_coupon(store, coupon_id, force=force),
    )
