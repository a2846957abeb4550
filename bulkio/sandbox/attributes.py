"""Global product attributes (``products/attributes``) and their terms (``…/<id>/terms``).

As in WooCommerce, a global attribute is a taxonomy ``pa_<slug>`` whose terms are the values
products may use. A product's attribute ``{"id": 3, "options": ["Red"]}`` is answered with the
attribute's label as ``name`` and ``pa_<slug>`` as ``slug``; options are term names, and a name
the taxonomy lacks becomes a new term (``wp_set_object_terms`` does that with names).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from bulkio.sandbox.db import dumps
from bulkio.sandbox.errors import ApiError, missing_param
from bulkio.sandbox.params import as_enum
from bulkio.sandbox.products import paging
from bulkio.sandbox.store import Store, doc_of, sanitize_title
from bulkio.sandbox.terms import stored_term_name

_TABLE = """
CREATE TABLE IF NOT EXISTS product_attributes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL DEFAULT 'select',
    order_by TEXT NOT NULL DEFAULT 'menu_order',
    has_archives INTEGER NOT NULL DEFAULT 0
)
"""


def _ensure(store: Store) -> None:
    store.db.execute(_TABLE)


def _response(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "name": row["name"],
        "slug": f"pa_{row['slug']}",
        "type": row["type"],
        "order_by": row["order_by"],
        "has_archives": bool(row["has_archives"]),
    }


def _row(store: Store, attribute_id: int, status: int = 404) -> sqlite3.Row:
    _ensure(store)
    rows = store.db.query("SELECT * FROM product_attributes WHERE id = ?", (attribute_id,))
    if not rows:
        raise ApiError("woocommerce_rest_invalid_id", "Invalid resource ID.", status)
    return rows[0]


def list_attributes(store: Store) -> list[dict[str, Any]]:
    _ensure(store)
    return [_response(r) for r in store.db.query("SELECT * FROM product_attributes ORDER BY id")]


def get_attribute(store: Store, attribute_id: int) -> dict[str, Any]:
    return _response(_row(store, attribute_id))


def create_attribute(store: Store, payload: Mapping[str, Any]) -> dict[str, Any]:
    name = str(payload.get("name") or "").strip()
    if not name:
        raise missing_param("name")
    slug = sanitize_title(str(payload.get("slug") or name)).removeprefix("pa_")[:28]
    with store.db.lock:
        _ensure(store)
        if store.db.scalar("SELECT 1 FROM product_attributes WHERE slug = ?", (slug,)):
            raise ApiError(
                "invalid_product_attribute_slug_already_exists",
                f'Slug "{slug}" is already in use. Change it, please.',
                400,
            )
        cursor = store.db.execute(
            "INSERT INTO product_attributes(name, slug, type, order_by, has_archives) "
            "VALUES (?,?,?,?,?)",
            (
                name,
                slug,
                str(payload.get("type") or "select"),
                str(payload.get("order_by") or "menu_order"),
                1 if payload.get("has_archives") else 0,
            ),
        )
        return get_attribute(store, int(cursor.lastrowid or 0))


def update_attribute(store: Store, attribute_id: int, payload: Mapping[str, Any]) -> dict[str, Any]:
    with store.db.lock:
        row = _row(store, attribute_id, 400)
        name = str(payload.get("name") or row["name"]).strip()
        store.db.execute(
            "UPDATE product_attributes SET name = ? WHERE id = ?", (name, attribute_id)
        )
        return get_attribute(store, attribute_id)


def delete_attribute(store: Store, attribute_id: int, *, force: bool) -> dict[str, Any]:
    if not force:
        raise ApiError(
            "woocommerce_rest_trash_not_supported", "Resource does not support trashing.", 501
        )
    with store.db.lock:
        before = get_attribute(store, attribute_id)
        store.db.execute("DELETE FROM terms WHERE taxonomy = ?", (before["slug"],))
        store.db.execute("DELETE FROM product_attributes WHERE id = ?", (attribute_id,))
        return before


# -- terms of one attribute --------------------------------------------------------------------


def _taxonomy(store: Store, attribute_id: int) -> str:
    return str(get_attribute(store, attribute_id)["slug"])


def _term(row: sqlite3.Row) -> dict[str, Any]:
    doc = doc_of(row)
    return {
        "id": int(row["id"]),
        "name": row["name"],
        "slug": row["slug"],
        "description": doc.get("description", ""),
        "menu_order": int(doc.get("menu_order", 0)),
        "count": 0,
    }


def list_terms(
    store: Store, attribute_id: int, params: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], int, int, int]:
    taxonomy = _taxonomy(store, attribute_id)
    page, per_page, offset = paging(params)
    order = (as_enum(params, "order", ("asc", "desc"), "asc") or "asc").upper()
    result = store.page("terms", ["taxonomy = ?"], [taxonomy], f"id {order}", per_page, offset)
    return [_term(row) for row in result.rows], result.total, page, per_page


def get_term(store: Store, attribute_id: int, term_id: int, status: int = 404) -> dict[str, Any]:
    rows = store.db.query(
        "SELECT * FROM terms WHERE id = ? AND taxonomy = ?",
        (term_id, _taxonomy(store, attribute_id)),
    )
    if not rows:
        raise ApiError("woocommerce_rest_term_invalid", "Resource does not exist.", status)
    return _term(rows[0])


def _insert_term(store: Store, taxonomy: str, name: str, description: str = "") -> int:
    base = sanitize_title(name) or "term"
    slug, suffix = base, 2
    while store.db.scalar("SELECT 1 FROM terms WHERE taxonomy = ? AND slug = ?", (taxonomy, slug)):
        slug, suffix = f"{base}-{suffix}", suffix + 1
    cursor = store.db.execute(
        "INSERT INTO terms(taxonomy, name, slug, parent, doc) VALUES (?,?,?,0,?)",
        (taxonomy, name, slug, dumps({"description": description, "menu_order": 0})),
    )
    return int(cursor.lastrowid or 0)


def create_term(store: Store, attribute_id: int, payload: Mapping[str, Any]) -> dict[str, Any]:
    name = stored_term_name(str(payload.get("name") or ""))
    if not name:
        raise ApiError("empty_term_name", "A name is required for this term.", 400)
    with store.db.lock:
        taxonomy = _taxonomy(store, attribute_id)
        clash = store.db.scalar(
            "SELECT id FROM terms WHERE taxonomy = ? AND name = ? COLLATE NOCASE", (taxonomy, name)
        )
        if clash is not None:
            raise ApiError(
                "term_exists",
                "A term with the name provided already exists in this taxonomy.",
                400,
                resource_id=int(clash),
            )
        term_id = _insert_term(store, taxonomy, name, str(payload.get("description") or ""))
        return get_term(store, attribute_id, term_id)


def update_term(
    store: Store, attribute_id: int, term_id: int, payload: Mapping[str, Any]
) -> dict[str, Any]:
    with store.db.lock:
        current = get_term(store, attribute_id, term_id, 400)
        name = stored_term_name(str(payload.get("name") or current["name"]))
        store.db.execute("UPDATE terms SET name = ? WHERE id = ?", (name, term_id))
        return get_term(store, attribute_id, term_id)


def delete_term(store: Store, attribute_id: int, term_id: int, *, force: bool) -> dict[str, Any]:
    if not force:
        raise ApiError(
            "woocommerce_rest_trash_not_supported", "Resource does not support trashing.", 501
        )
    with store.db.lock:
        before = get_term(store, attribute_id, term_id)
        store.db.execute("DELETE FROM terms WHERE id = ?", (term_id,))
        return before


# -- products using global attributes ---------------------------------------------------------


def _by_id(store: Store, attribute_id: int) -> sqlite3.Row | None:
    _ensure(store)
    rows = store.db.query("SELECT * FROM product_attributes WHERE id = ?", (attribute_id,))
    return rows[0] if rows else None


def _term_name(store: Store, taxonomy: str, option: str, *, create: bool) -> str:
    stored = stored_term_name(option)
    rows = store.db.query(
        "SELECT name FROM terms WHERE taxonomy = ? AND (name = ? COLLATE NOCASE OR slug = ?)",
        (taxonomy, stored, sanitize_title(option)),
    )
    if rows:
        return str(rows[0]["name"])
    if create:
        _insert_term(store, taxonomy, stored)
    return stored


def resolve_global(
    store: Store, attributes: list[dict[str, Any]], *, single: bool = False
) -> list[dict[str, Any]]:
    """Give attributes that name a global attribute by ``id`` its label, slug and term names.

    ``single``: variation / default attributes (one ``option``), else product attributes
    (``options``). An unknown id falls back to a custom attribute when a name was given.
    """
    result = []
    with store.db.lock:
        for attribute in attributes:
            attribute_id = int(attribute.get("id") or 0)
            row = _by_id(store, attribute_id) if attribute_id else None
            if row is None:
                if attribute_id and not attribute.get("name"):
                    continue
                result.append({**attribute, "id": 0})
                continue
            taxonomy = f"pa_{row['slug']}"
            fixed = {**attribute, "id": attribute_id, "name": row["name"], "slug": taxonomy}
            if single:
                fixed["option"] = _term_name(
                    store, taxonomy, str(attribute.get("option", "")), create=False
                )
            else:
                fixed["options"] = [
                    _term_name(store, taxonomy, str(option), create=True)
                    for option in attribute.get("options") or ()
                ]
            result.append(fixed)
    return result


def register(api: Any) -> None:
    """Add the attribute routes to a :class:`bulkio.sandbox.routes.Api`."""
    store: Store = api.store

    def all_attributes(call: Any, ids: Mapping[str, str]) -> Any:
        items = list_attributes(store)
        return items, len(items), 1, max(len(items), 1)

    api._crud(
        "products/attributes",
        all_attributes,
        lambda ids: get_attribute(store, int(ids["id"])),
        lambda ids, payload, strict: create_attribute(store, payload),
        lambda ids, attribute_id, payload, strict: update_attribute(store, attribute_id, payload),
        lambda ids, attribute_id, force: delete_attribute(store, attribute_id, force=force),
    )
    api._crud(
        r"products/attributes/(?P<attribute_id>\d+)/terms",
        lambda call, ids: list_terms(store, int(ids["attribute_id"]), call.params),
        lambda ids: get_term(store, int(ids["attribute_id"]), int(ids["id"])),
        lambda ids, payload, strict: create_term(store, int(ids["attribute_id"]), payload),
        lambda ids, term_id, payload, strict: update_term(
            store, int(ids["attribute_id"]), term_id, payload
        ),
        lambda ids, term_id, force: delete_term(
            store, int(ids["attribute_id"]), term_id, force=force
        ),
    )
