"""Product categories and tags (``products/categories``, ``products/tags``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from bulkio.sandbox import text
from bulkio.sandbox.collection import Listed, ListQuery, order_clause
from bulkio.sandbox.db import dumps
from bulkio.sandbox.errors import ApiError, missing_param
from bulkio.sandbox.params import as_bool, as_int, check_schema
from bulkio.sandbox.resource import links, set_text
from bulkio.sandbox.store import Store, doc_of, sanitize_title

TAXONOMIES = {
    "categories": "product_cat",
    "tags": "product_tag",
    "shipping_classes": "product_shipping_class",
    "brands": "product_brand",
}
HIERARCHICAL = ("product_cat", "product_brand")
"""Taxonomies whose terms have parents (brands are hierarchical like categories)."""
ORDERBY = ("id", "include", "name", "slug", "term_group", "description", "count")
ORDER_COLUMNS = {"id": "id", "name": "name", "slug": "slug"}  # other orderby values sort by name
STRICT_TYPES = {"name": "string", "slug": "string", "parent": "integer"}


def stored_term_name(given: str) -> str:
    """WordPress stores term names with ``&``, ``<`` and ``>`` as entities (``_wp_specialchars``
    on ``pre_term_name``, after ``sanitize_text_field`` took the tags out), so the REST API
    answers ``Kitchen &amp; Home``."""
    return text.term_name(given)


def _exists_message(taxonomy: str) -> str:
    if taxonomy in HIERARCHICAL:
        return "A term with the name provided already exists with this parent."
    return "A term with the name provided already exists in this taxonomy."


def _invalid(taxonomy: str, status: int) -> ApiError:
    return ApiError("woocommerce_rest_term_invalid", "Resource does not exist.", status)


def _unique_slug(store: Store, taxonomy: str, wanted: str, own_id: int = 0) -> str:
    base = wanted or "term"
    slug, suffix = base, 2
    while store.db.scalar(
        "SELECT 1 FROM terms WHERE taxonomy = ? AND slug = ? AND id != ?", (taxonomy, slug, own_id)
    ):
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _name_clash(store: Store, taxonomy: str, name: str, parent: int, own_id: int) -> int | None:
    # MySQL's collation makes WordPress's duplicate check case-insensitive (term_exists).
    sql = "SELECT id FROM terms WHERE taxonomy = ? AND name = ? COLLATE NOCASE AND id != ?"
    args: list[Any] = [taxonomy, name, own_id]
    if taxonomy in HIERARCHICAL:
        sql += " AND parent = ?"
        args.append(parent)
    found = store.db.scalar(sql, args)
    return None if found is None else int(found)


def create_term(
    store: Store, resource: str, payload: Mapping[str, Any], *, strict: bool
) -> dict[str, Any]:
    taxonomy = TAXONOMIES[resource]
    if strict:
        if not payload.get("name"):
            raise missing_param("name")
        check_schema(payload, STRICT_TYPES)
    name = stored_term_name(str(payload.get("name") or ""))
    if not name:
        raise ApiError("empty_term_name", "A name is required for this term.", 400)
    parent = int(payload.get("parent") or 0) if taxonomy in HIERARCHICAL else 0
    with store.db.lock:
        if parent and not store.db.scalar(
            "SELECT 1 FROM terms WHERE id = ? AND taxonomy = ?", (parent, taxonomy)
        ):
            raise ApiError("woocommerce_rest_term_invalid", "Parent term does not exist.", 400)
        clash = _name_clash(store, taxonomy, name, parent, 0)
        if clash is not None:
            raise ApiError("term_exists", _exists_message(taxonomy), 400, resource_id=clash)
        slug = _unique_slug(store, taxonomy, sanitize_title(str(payload.get("slug") or name)))
        doc = {
            "description": str(payload.get("description") or ""),
            "display": payload.get("display") or "default",
            "image": None,
            "menu_order": int(payload.get("menu_order") or 0),
        }
        cursor = store.db.execute(
            "INSERT INTO terms(taxonomy, name, slug, parent, doc) VALUES (?,?,?,?,?)",
            (taxonomy, name, slug, parent, dumps(doc)),
        )
        return get_term(store, resource, int(cursor.lastrowid or 0))


def _row(store: Store, resource: str, term_id: int, status: int) -> sqlite3.Row:
    rows = store.db.query(
        "SELECT * FROM terms WHERE id = ? AND taxonomy = ?", (term_id, TAXONOMIES[resource])
    )
    if not rows:
        raise _invalid(TAXONOMIES[resource], status)
    return rows[0]


def update_term(
    store: Store, resource: str, term_id: int, payload: Mapping[str, Any], *, strict: bool
) -> dict[str, Any]:
    taxonomy = TAXONOMIES[resource]
    if strict:
        check_schema(payload, STRICT_TYPES)
    with store.db.lock:
        row = _row(store, resource, term_id, 400)
        doc = doc_of(row)
        name = stored_term_name(str(payload["name"])) if payload.get("name") else row["name"]
        parent = int(row["parent"])
        if taxonomy in HIERARCHICAL and "parent" in payload:
            parent = int(payload.get("parent") or 0)
        clash = _name_clash(store, taxonomy, name, parent, term_id)
        if clash is not None and name != row["name"]:
            raise ApiError("term_exists", _exists_message(taxonomy), 400, resource_id=clash)
        slug = row["slug"]
        if payload.get("slug"):
            slug = _unique_slug(store, taxonomy, sanitize_title(str(payload["slug"])), term_id)
        set_text(doc, payload, "description", "display")
        if "menu_order" in payload:
            doc["menu_order"] = int(payload.get("menu_order") or 0)
        store.db.execute(
            "UPDATE terms SET name = ?, slug = ?, parent = ?, doc = ? WHERE id = ?",
            (name, slug, parent, dumps(doc), term_id),
        )
        return get_term(store, resource, term_id)


def delete_term(store: Store, resource: str, term_id: int, *, force: bool) -> dict[str, Any]:
    if not force:
        raise ApiError(
            "woocommerce_rest_trash_not_supported", "Resource does not support trashing.", 501
        )
    with store.db.lock:
        before = get_term(store, resource, term_id)
        store.db.execute("DELETE FROM terms WHERE id = ?", (term_id,))
        store.db.execute("DELETE FROM term_relationships WHERE term_id = ?", (term_id,))
        store.db.execute(
            "UPDATE terms SET parent = ? WHERE parent = ?", (before.get("parent", 0), term_id)
        )
        return before


def get_term(store: Store, resource: str, term_id: int) -> dict[str, Any]:
    return term_responses(store, resource, [_row(store, resource, term_id, 404)])[0]


def term_responses(store: Store, resource: str, rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    ids = [int(row["id"]) for row in rows]
    counts: dict[int, int] = {}
    if ids:
        marks = ",".join("?" * len(ids))
        select = "SELECT term_id, COUNT(*) AS n FROM term_relationships tr JOIN posts p "
        join = "ON p.id = tr.post_id AND p.status = 'publish' "
        sql = select + join + f"WHERE term_id IN ({marks}) GROUP BY term_id"
        for found in store.db.query(
            sql,
            ids,
        ):
            counts[int(found["term_id"])] = int(found["n"])
    base = f"{store.home}/wp-json/wc/v3/products/{resource}"
    result = []
    for row in rows:
        doc = doc_of(row)
        term_id = int(row["id"])
        item: dict[str, Any] = {"id": term_id, "name": row["name"], "slug": row["slug"]}
        if TAXONOMIES[resource] in HIERARCHICAL:
            item.update(
                parent=int(row["parent"]),
                description=doc["description"],
                display=doc["display"],
                image=doc["image"],
                menu_order=doc["menu_order"],
            )
        else:
            item["description"] = doc["description"]
        item["count"] = counts.get(term_id, 0)
        item["_links"] = links(base, term_id)
        result.append(item)
    return result


def list_terms(store: Store, resource: str, params: Mapping[str, Any]) -> Listed:
    query = ListQuery(params, "taxonomy = ?", args=[TAXONOMIES[resource]])
    query.include_exclude()
    query.search("name", "slug")
    query.slug()
    parent = as_int(params, "parent")
    if parent is not None and TAXONOMIES[resource] in HIERARCHICAL:
        query.add("parent = ?", parent)
    product = as_int(params, "product")
    if product is not None:
        query.add("id IN (SELECT term_id FROM term_relationships WHERE post_id = ?)", product)
    if as_bool(params, "hide_empty", False):
        query.add("id IN (SELECT term_id FROM term_relationships)")
    # orderby=include is accepted but, unlike products and orders, not emulated for terms.
    order_sql = order_clause(params, ORDERBY, "name", "asc", ORDER_COLUMNS, [])
    return query.fetch(
        store, "terms", order_sql, lambda rows: term_responses(store, resource, rows)
    )
