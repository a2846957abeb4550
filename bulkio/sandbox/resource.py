"""What WooCommerce does alike for every ``wc/v3`` resource, written once.

Answers: each date twice (site time and GMT) and ``_links`` to the item and its collection.
Post-backed resources (products, variations, orders): an ``id`` on create is refused, an
unknown id is ``woocommerce_rest_<post type>_invalid_id``, the ``status`` column is the truth
for a stored document, and a delete without ``force`` moves the post to the trash (410 the
second time).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from bulkio.sandbox.errors import ApiError
from bulkio.sandbox.store import Store, doc_of, stock_amount, truthy


def dated(store: Store, name: str, gmt: str | None) -> dict[str, str | None]:
    """``{name: <site time>, name_gmt: <GMT>}``, the pair WooCommerce answers for each date."""
    return {name: store.local(gmt), f"{name}_gmt": gmt}


def links(base: str, item_id: int) -> dict[str, list[dict[str, str]]]:
    """``_links`` of one item: itself and its collection at ``base``."""
    return {"self": [{"href": f"{base}/{item_id}"}], "collection": [{"href": base}]}


def refuse_existing(payload: Mapping[str, Any], post_type: str) -> None:
    """A create that names an ``id`` is refused, as ``create_item`` does."""
    if payload.get("id"):
        raise ApiError(
            f"woocommerce_rest_{post_type}_exists", f"Cannot create existing {post_type}.", 400
        )


def invalid_id(post_type: str, status: int) -> ApiError:
    """No such post: 404 for a read or delete, 400 for an update (WooCommerce's choice)."""
    return ApiError(f"woocommerce_rest_{post_type}_invalid_id", "Invalid ID.", status)


def post_row(store: Store, post_id: int, post_type: str, status: int) -> sqlite3.Row:
    """The post of that type, or :func:`invalid_id` with ``status``."""
    row = store.get_post(post_id, (post_type,))
    if row is None:
        raise invalid_id(post_type, status)
    return row


def post_columns(
    kind: str,
    parent_id: int,
    doc: Mapping[str, Any],
    now: str,
    created: str | None,
    **indexed: Any,
) -> dict[str, Any]:
    """A write's columns of the ``posts`` table (what listings filter and sort on; the JSON
    document holds the rest): every write stamps ``date_modified_gmt``; ``created`` is given
    on insert."""
    columns = {"kind": kind, "parent_id": parent_id, "status": doc["status"], **indexed}
    columns["date_modified_gmt"] = now
    if created is not None:
        columns["date_created_gmt"] = created
    return columns


def stored_doc(row: sqlite3.Row) -> dict[str, Any]:
    """The post's document to edit, its ``status`` taken from the column (the one queried)."""
    doc = doc_of(row)
    doc["status"] = row["status"]
    return doc


def remove_post(store: Store, row: sqlite3.Row, label: str, *, force: bool) -> None:
    """``force`` deletes the post; otherwise it goes to the trash, remembering its status
    (as ``wp_trash_post`` does), and a post already there is WooCommerce's 410 naming
    ``label``. Call with ``store.db.lock`` held."""
    post_id = int(row["id"])
    if force:
        store.delete_post(post_id)
        return
    if row["status"] == "trash":
        raise ApiError(
            "woocommerce_rest_already_trashed", f"The {label} has already been deleted.", 410
        )
    doc = doc_of(row)
    doc["status_before_trash"] = row["status"]
    doc["status"] = "trash"
    store.update_post(post_id, {"status": "trash", "date_modified_gmt": store.now_text()}, doc)


# -- props from a payload, as WooCommerce's set_props reads them --------------------------------


def set_text(doc: dict[str, Any], payload: Mapping[str, Any], *names: str) -> None:
    """Text props given are stored as strings; ``null`` leaves a prop as it was."""
    for name in names:
        if name in payload and payload[name] is not None:
            doc[name] = str(payload[name])


def set_flags(doc: dict[str, Any], payload: Mapping[str, Any], *names: str) -> None:
    """Flags given are stored as booleans, read like ``wc_string_to_bool``."""
    for name in names:
        if name in payload:
            doc[name] = truthy(payload[name])


def set_ints(doc: dict[str, Any], payload: Mapping[str, Any], *names: str) -> None:
    """Integer props given (ids, counts, positions): a number or numeric text, else 0."""
    for name in names:
        if name in payload:
            doc[name] = int(stock_amount(payload[name]) or 0)


def set_choice(
    doc: dict[str, Any], payload: Mapping[str, Any], name: str, options: Sequence[str]
) -> None:
    """An enum prop changes only to one of ``options``; another value is ignored (batch items
    are not validated against the schema, and the setters drop what they do not know)."""
    if payload.get(name) in options:
        doc[name] = payload[name]
