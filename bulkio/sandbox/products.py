"""Products and variations: WooCommerce's rules for writing them and the shape it answers with."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any

from bulkio.sandbox import dates, images, text
from bulkio.sandbox.collection import POST_ORDER_COLUMNS, Listed, ListQuery, marks, order_clause
from bulkio.sandbox.collection import paging as paging  # attributes.py imports it from here
from bulkio.sandbox.db import dumps
from bulkio.sandbox.errors import ApiError
from bulkio.sandbox.params import as_bool, as_enum, as_int_list, as_list, check_schema
from bulkio.sandbox.resource import (
    dated,
    invalid_id,
    links,
    post_columns,
    refuse_existing,
    remove_post,
    set_choice,
    set_flags,
    set_ints,
    set_text,
    stored_doc,
)
from bulkio.sandbox.store import (
    BLANK_DOCS,
    Store,
    doc_of,
    money,
    sanitize_title,
    stock_amount,
    truthy,
)

PRODUCT_TYPES = ("simple", "grouped", "external", "variable")
PRODUCT_STATUSES = ("draft", "pending", "private", "publish", "future")
LIST_STATUSES = ("any", "future", "trash", "draft", "pending", "private", "publish")
VARIATION_STATUSES = ("draft", "pending", "private", "publish")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")
BACKORDERS = ("no", "notify", "yes")
ORDERBY = (
    "date",
    "modified",
    "id",
    "include",
    "title",
    "slug",
    "price",
    "popularity",
    "rating",
    "menu_order",
)

STRING_FIELDS = (
    "name",
    "slug",
    "description",
    "short_description",
    "sku",
    "regular_price",
    "sale_price",
    "external_url",
    "button_text",
    "tax_class",
    "weight",
    "shipping_class",
    "purchase_note",
    "global_unique_id",
)
STRICT_TYPES = {
    **{name: "string" for name in STRING_FIELDS},
    "stock_quantity": "integer",
    "low_stock_amount": "integer",
    "menu_order": "integer",
    "parent_id": "integer",
    "manage_stock": "boolean",
    "featured": "boolean",
    "virtual": "boolean",
    "downloadable": "boolean",
    "sold_individually": "boolean",
    "reviews_allowed": "boolean",
    "categories": "array",
    "tags": "array",
    "brands": "array",
    "images": "array",
    "attributes": "array",
    "default_attributes": "array",
    "meta_data": "array",
    "dimensions": "object",
}
PRODUCT_ENUMS = {
    "type": PRODUCT_TYPES,
    "status": PRODUCT_STATUSES,
    "stock_status": STOCK_STATUSES,
    "backorders": BACKORDERS,
}
VARIATION_ENUMS = {
    "status": VARIATION_STATUSES,
    "stock_status": STOCK_STATUSES,
    "backorders": BACKORDERS,
}


def _blank_sellable() -> dict[str, Any]:
    """What products and variations both hold (a variation is a ``WC_Product`` too), with
    WooCommerce's defaults."""
    return {
        "description": "",
        "sku": "",
        "global_unique_id": "",
        "regular_price": "",
        "sale_price": "",
        "date_on_sale_from_gmt": None,
        "date_on_sale_to_gmt": None,
        "status": "publish",
        "virtual": False,
        "downloadable": False,
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        "tax_status": "taxable",
        "tax_class": "",
        "manage_stock": False,
        "stock_quantity": None,
        "stock_status": "instock",
        "backorders": "no",
        "low_stock_amount": None,
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_class": "",
        "shipping_class_id": 0,
        "attributes": [],
        "menu_order": 0,
        "meta_data": [],
    }


def _blank_product() -> dict[str, Any]:
    return {
        **_blank_sellable(),
        "name": "",
        "slug": "",
        "type": "simple",
        "featured": False,
        "catalog_visibility": "visible",
        "short_description": "",
        "total_sales": 0,
        "external_url": "",
        "button_text": "",
        "sold_individually": False,
        "reviews_allowed": True,
        "average_rating": "0.00",
        "rating_count": 0,
        "upsell_ids": [],
        "cross_sell_ids": [],
        "parent_id": 0,
        "purchase_note": "",
        "category_ids": [],
        "tag_ids": [],
        "images": [],
        "default_attributes": [],
        "grouped_products": [],
        "post_password": "",
    }


def _blank_variation() -> dict[str, Any]:
    return {**_blank_sellable(), "image": None}


BLANK_DOCS["product"] = _blank_product
BLANK_DOCS["product_variation"] = _blank_variation


# -- derived values ---------------------------------------------------------------------------


def _current_price(doc: Mapping[str, Any], now: str) -> tuple[str, bool]:
    """``(price, on_sale)``: the sale price while a sale runs, else the regular price."""
    on_sale = _sale_active(doc, now)
    return (doc["sale_price"] if on_sale else doc["regular_price"]), on_sale


def _sale_active(doc: Mapping[str, Any], now: str) -> bool:
    sale = doc.get("sale_price") or ""
    if sale == "":
        return False
    regular = doc.get("regular_price") or ""
    try:
        if regular != "" and float(sale) >= float(regular):
            return False
    except ValueError:
        return False
    start = doc.get("date_on_sale_from_gmt")
    end = doc.get("date_on_sale_to_gmt")
    return not ((start and start > now) or (end and end < now))


def derive_stock_status(doc: dict[str, Any]) -> None:
    """``stock_status`` follows the quantity whenever stock is managed (notify-no-stock = 0)."""
    if doc.get("manage_stock") is True:
        quantity = doc.get("stock_quantity") or 0
        if quantity > 0:
            doc["stock_status"] = "instock"
        elif doc.get("backorders", "no") != "no":
            doc["stock_status"] = "onbackorder"
        else:
            doc["stock_status"] = "outofstock"


def _meta_merge(store: Store, current: list[dict[str, Any]], given: Any) -> list[dict[str, Any]]:
    """Keys given are set (matched by id, else by key); keys not given stay as they are."""
    if not isinstance(given, list):
        return current
    merged = [dict(item) for item in current]
    for entry in given:
        if not isinstance(entry, dict) or ("key" not in entry and "id" not in entry):
            continue
        target = None
        for item in merged:
            if ("id" in entry and item["id"] == entry["id"]) or (
                "id" not in entry and item["key"] == entry.get("key")
            ):
                target = item
                break
        if target is None:
            merged.append(
                {
                    "id": store.next_meta_id(),
                    "key": str(entry.get("key", "")),
                    "value": _meta_value(entry.get("value", "")),
                }
            )
        elif entry.get("value") is None and "value" in entry:
            merged.remove(target)
        else:
            target["value"] = _meta_value(entry.get("value", ""))
            if "key" in entry:
                target["key"] = str(entry["key"])
    return merged


def _meta_value(value: Any) -> Any:
    """A meta value as the post meta table gives it back: scalars as PHP strings ("12",
    true → "1", false → ""), arrays and objects as sent (they are serialized whole)."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, int | float):
        return money(value)
    return value


def _images(
    store: Store,
    given: Any,
    current: list[dict[str, Any]] | None = None,
    checked: Mapping[str, ApiError | None] | None = None,
) -> list[dict[str, Any]]:
    """Emulate the media library: a ``src`` becomes a new attachment with a store URL.

    A ``src`` is "downloaded" as :mod:`bulkio.sandbox.images` decides (``checked`` holds the
    answers fetched before the store was locked); one that fails raises WooCommerce's error and
    nothing of the item is saved. An image named by ``id`` is kept without a download.
    """
    if not isinstance(given, list):
        return []
    result = []
    now = store.now_text()
    for position, image in enumerate(given):
        if not isinstance(image, dict):
            continue
        src = str(image.get("src") or "")
        image_id = int(image.get("id") or 0)
        if not image_id and not src:
            continue
        if src and not image_id:
            failure = (
                checked[src]
                if checked is not None and src in checked
                else images.check_source(store, src)
            )
            if failure is not None:
                raise failure
        known = next((i for i in current or () if i.get("id") == image_id), None)
        if known is not None and image_id:  # an attachment named by id keeps its media URL
            result.append({**known, "position": position})
            continue
        fresh = not image_id
        if fresh:
            image_id = store.next_attachment_id()
        else:
            held = _attachment(store, image_id)
            if held is not None:  # media another item holds: its own URL, as WordPress answers
                result.append({**held, "alt": str(image.get("alt") or ""), "position": position})
                continue
        filename = src.rsplit("/", 1)[-1].split("?")[0] or f"image-{image_id}.jpg"
        entry = {
            "id": image_id,
            "date_created_gmt": now,
            "date_modified_gmt": now,
            "src": f"{store.home}/wp-content/uploads/sandbox/{image_id}-{filename}",
            "name": str(image.get("name") or filename),
            "alt": str(image.get("alt") or ""),
            "position": position,
        }
        if fresh:
            store.db.execute(
                "UPDATE posts SET doc = ? WHERE id = ? AND kind = 'attachment'",
                (dumps({k: v for k, v in entry.items() if k not in ("alt", "position")}), image_id),
            )
        result.append(entry)
    return result


def _attachment(store: Store, image_id: int) -> dict[str, Any] | None:
    """The media item ``image_id`` as the sandbox made it (its src, name, dates), or None."""
    doc = store.db.scalar("SELECT doc FROM posts WHERE id = ? AND kind = 'attachment'", (image_id,))
    if not doc:
        return None
    held = json.loads(doc)
    return held if isinstance(held, dict) and held.get("src") else None


def _attributes(given: Any) -> list[dict[str, Any]]:
    if not isinstance(given, list):
        return []
    result = []
    for position, attribute in enumerate(given):
        if not isinstance(attribute, dict):
            continue
        options = attribute.get("options", [])
        if isinstance(options, str):
            options = [part.strip() for part in options.split("|") if part.strip()]
        result.append(
            {
                "id": int(attribute.get("id") or 0),
                "name": str(attribute.get("name", "")),
                "slug": sanitize_title(str(attribute.get("name", ""))),
                "position": int(attribute.get("position", position) or 0),
                "visible": truthy(attribute.get("visible", False)),
                "variation": truthy(attribute.get("variation", False)),
                "options": [str(option) for option in options],
            }
        )
    return result


def _date_gmt(payload: Mapping[str, Any], name: str, offset: Any) -> str | None:
    """Read ``name_gmt`` or the local ``name`` from a payload into a GMT string."""
    if payload.get(f"{name}_gmt"):
        parsed = dates.parse_request_date(str(payload[f"{name}_gmt"]), offset, as_gmt=True)
    elif payload.get(name):
        parsed = dates.parse_request_date(str(payload[name]), offset, as_gmt=False)
    else:
        return None
    return dates.fmt(parsed)


# -- writing ----------------------------------------------------------------------------------


def _apply_common(
    store: Store, doc: dict[str, Any], payload: Mapping[str, Any], own_id: int
) -> None:
    """Fields products and variations share; the SKU rule runs first, as ``set_sku`` does."""
    if "sku" in payload:
        sku = text.sanitize_text_field(str(payload["sku"] or ""))  # wc_clean
        if sku != doc.get("sku", ""):
            store.check_sku(sku, own_id)
        doc["sku"] = sku
    for name in ("regular_price", "sale_price"):
        if name in payload:
            doc[name] = money(payload[name])
    for name in ("date_on_sale_from", "date_on_sale_to"):
        if name in payload or f"{name}_gmt" in payload:
            doc[f"{name}_gmt"] = _date_gmt(payload, name, store.offset)
    if payload.get("description") is not None:
        # The REST controller stores text through wp_filter_post_kses (bulkio.sandbox.text).
        doc["description"] = text.kses_post(
            str(payload["description"]), modern=store.version.modern_kses
        )
    set_text(doc, payload, "tax_class", "weight")
    if store.version.gtin:
        set_text(doc, payload, "global_unique_id")
    if "shipping_class" in payload:
        # The API takes a class slug and keeps its id (get_shipping_class_id_by_slug): an
        # unknown slug leaves the product without a class.
        slug = str(payload["shipping_class"] or "").strip()
        found = store.db.scalar(
            "SELECT id FROM terms WHERE taxonomy = 'product_shipping_class' AND slug = ?", (slug,)
        )
        doc["shipping_class_id"] = int(found or 0)
        doc["shipping_class"] = slug if found else ""
    set_flags(doc, payload, "virtual", "downloadable")
    if isinstance(payload.get("downloads"), list):
        # WC_Product_Download: a file without an id gets a new UUID (customers' download
        # permissions are keyed by it, so a kept id keeps their access).
        doc["downloads"] = [
            {
                "id": str(given.get("id") or uuid.uuid4()),
                "name": str(given.get("name") or ""),
                "file": str(given.get("file") or ""),
            }
            for given in payload["downloads"]
            if isinstance(given, dict) and given.get("file")
        ]
    for name in ("download_limit", "download_expiry"):
        if name in payload:
            # WC_Product::set_download_limit / _expiry: -1 or "" is unlimited, else absint.
            given = payload[name]
            doc[name] = (
                -1
                if given in ("", None) or str(given).strip() == "-1"
                else abs(int(stock_amount(given) or 0))
            )
    set_choice(doc, payload, "tax_status", ("taxable", "shipping", "none"))
    set_flags(doc, payload, "manage_stock")
    if "stock_quantity" in payload:
        doc["stock_quantity"] = stock_amount(payload["stock_quantity"])
    if "low_stock_amount" in payload:
        doc["low_stock_amount"] = stock_amount(payload["low_stock_amount"])
    set_choice(doc, payload, "backorders", BACKORDERS)
    set_choice(doc, payload, "stock_status", STOCK_STATUSES)
    if isinstance(payload.get("dimensions"), dict):
        dims = dict(doc.get("dimensions") or {})
        for axis in ("length", "width", "height"):
            if axis in payload["dimensions"]:
                dims[axis] = str(payload["dimensions"][axis] or "")
        doc["dimensions"] = dims
    set_ints(doc, payload, "menu_order")
    if "meta_data" in payload:
        doc["meta_data"] = _meta_merge(store, doc.get("meta_data", []), payload["meta_data"])
    if not doc.get("manage_stock"):
        # WooCommerce clears the quantity of a product that does not manage stock.
        doc["stock_quantity"] = None
    elif "inventory_delta" in payload and "stock_quantity" not in payload:
        doc["stock_quantity"] = (doc.get("stock_quantity") or 0) + (
            stock_amount(payload["inventory_delta"]) or 0
        )
    derive_stock_status(doc)


def _apply_product(
    store: Store,
    doc: dict[str, Any],
    payload: Mapping[str, Any],
    own_id: int,
    checked: Mapping[str, ApiError | None] | None = None,
) -> None:
    _apply_common(store, doc, payload, own_id)
    if "name" in payload:
        # title_save_pre trims the title (PHP's trim); descriptions keep their spaces.
        doc["name"] = text.kses_post(
            str(payload["name"] or ""), modern=store.version.modern_kses
        ).strip(" \t\n\r\0\x0b")
    if payload.get("short_description") is not None:
        doc["short_description"] = text.kses_post(
            str(payload["short_description"]), modern=store.version.modern_kses
        )
    set_choice(doc, payload, "type", PRODUCT_TYPES)
    set_choice(doc, payload, "status", PRODUCT_STATUSES)
    set_choice(doc, payload, "catalog_visibility", ("visible", "catalog", "search", "hidden"))
    set_text(
        doc,
        payload,
        "external_url",
        "button_text",
        "purchase_note",
        "post_password",
    )
    set_flags(doc, payload, "featured", "sold_individually", "reviews_allowed")
    for name in ("upsell_ids", "cross_sell_ids", "grouped_products"):
        if isinstance(payload.get(name), list):
            doc[name] = [int(item) for item in payload[name] if str(item).isdigit()]
    set_ints(doc, payload, "parent_id")
    taxonomies = [("categories", "product_cat", "category_ids"), ("tags", "product_tag", "tag_ids")]
    if store.version.brands:
        taxonomies.append(("brands", "product_brand", "brand_ids"))
    for field, taxonomy, key in taxonomies:
        if isinstance(payload.get(field), list):
            wanted = [
                int(term["id"])
                for term in payload[field]
                if isinstance(term, dict) and str(term.get("id", "")).isdigit()
            ]
            doc[key] = store.existing_term_ids(taxonomy, wanted)
    if "images" in payload:
        doc["images"] = _images(store, payload["images"], doc.get("images"), checked)
    from bulkio.sandbox.attributes import resolve_global  # global attributes by id

    if "attributes" in payload:
        doc["attributes"] = resolve_global(store, _attributes(payload["attributes"]))
    if isinstance(payload.get("default_attributes"), list):
        doc["default_attributes"] = [
            {key: value for key, value in item.items() if key != "slug"}
            for item in resolve_global(
                store,
                [
                    {
                        "id": int(item.get("id") or 0),
                        "name": str(item.get("name", "")),
                        "option": str(item.get("option", "")),
                    }
                    for item in payload["default_attributes"]
                    if isinstance(item, dict)
                ],
                single=True,
            )
        ]
    if payload.get("slug"):
        doc["slug"] = sanitize_title(str(payload["slug"]))
    if doc["type"] == "variable":
        doc["regular_price"] = ""
        doc["sale_price"] = ""


def _columns(
    doc: Mapping[str, Any], kind: str, parent_id: int, now: str, created: str | None = None
) -> dict[str, Any]:
    return post_columns(
        kind,
        parent_id,
        doc,
        now,
        created,
        type=doc.get("type", "variation"),
        sku=doc.get("sku", ""),
        name=doc.get("name", ""),
        slug=doc.get("slug", ""),
        menu_order=doc.get("menu_order", 0),
    )


def create_product(store: Store, payload: Mapping[str, Any], *, strict: bool) -> dict[str, Any]:
    refuse_existing(payload, "product")
    if strict:
        check_schema(payload, STRICT_TYPES, PRODUCT_ENUMS)
    doc = _blank_product()
    checked = images.prefetch(store, payload)
    with store.db.lock:
        _apply_product(store, doc, payload, 0, checked)
        if store.version.trashed_sku_blocks_create and store.trashed_sku_holder(doc["sku"]):
            # WC_Product_Data_Store_CPT::create inserts the post, fails to claim the SKU in
            # the lookup table (a trashed product holds it), deletes the post and throws.
            raise ApiError(
                "woocommerce_rest_product_not_created",
                f"The product with SKU ({text.specialchars(doc['sku'], quotes=True)}) you are "
                "trying to insert is already present in the lookup table",
                400,
            )
        if not doc["category_ids"]:
            doc["category_ids"] = [store.uncategorized_id]
        now = store.now_text()
        created = _date_gmt(payload, "date_created", store.offset) or now
        doc["slug"] = store.unique_post_slug("product", doc["slug"] or sanitize_title(doc["name"]))
        product_id = store.insert_post(
            _columns(doc, "product", doc["parent_id"], now, created), doc
        )
        store.set_post_terms(product_id, doc["category_ids"], "product_cat")
        store.set_post_terms(product_id, doc["tag_ids"], "product_tag")
        store.set_post_terms(product_id, doc.get("brand_ids") or [], "product_brand")
        return get_product(store, product_id)


def _product_row(store: Store, product_id: int, status: int) -> sqlite3.Row:
    row = store.get_post(product_id, ("product",))
    if row is None:
        variation = store.get_post(product_id, ("product_variation",))
        if variation is not None:
            raise ApiError(
                "woocommerce_rest_product_invalid_id",
                "To manipulate product variations you should use the "
                "/products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.",
                404,
            )
        raise invalid_id("product", status)
    return row


def update_product(
    store: Store, product_id: int, payload: Mapping[str, Any], *, strict: bool
) -> dict[str, Any]:
    if strict:
        check_schema(payload, STRICT_TYPES, PRODUCT_ENUMS)
    checked = images.prefetch(store, payload)
    with store.db.lock:
        doc = stored_doc(_product_row(store, product_id, 400))
        _apply_product(store, doc, payload, product_id, checked)
        if "name" in payload and "slug" not in payload and not doc["slug"]:
            doc["slug"] = store.unique_post_slug("product", sanitize_title(doc["name"]), product_id)
        elif payload.get("slug"):
            # wp_unique_post_slug runs on updates too: a slug another product holds is kept
            # with a suffix (sent "beanie", stored "beanie-5" on 11.0.1 and 7.9).
            doc["slug"] = store.unique_post_slug("product", doc["slug"], product_id)
        now = store.now_text()
        columns = _columns(doc, "product", doc["parent_id"], now)
        if payload.get("date_created") or payload.get("date_created_gmt"):
            columns["date_created_gmt"] = _date_gmt(payload, "date_created", store.offset)
        store.update_post(product_id, columns, doc)
        if "categories" in payload:
            store.set_post_terms(product_id, doc["category_ids"], "product_cat")
        if "tags" in payload:
            store.set_post_terms(product_id, doc["tag_ids"], "product_tag")
        if "brands" in payload and store.version.brands:
            store.set_post_terms(product_id, doc.get("brand_ids") or [], "product_brand")
        return get_product(store, product_id)


def delete_product(store: Store, product_id: int, *, force: bool) -> dict[str, Any]:
    with store.db.lock:
        row = _product_row(store, product_id, 404)
        before = get_product(store, product_id)
        if force:  # its variations go with it
            for child in store.db.query(
                "SELECT id FROM posts WHERE parent_id = ? AND kind = 'product_variation'",
                (product_id,),
            ):
                store.delete_post(int(child["id"]))
        remove_post(store, row, "product", force=force)
        return before


def get_product(store: Store, product_id: int, *, image_positions: bool = False) -> dict[str, Any]:
    row = store.get_post(product_id, ("product", "product_variation"))
    if row is None:
        raise invalid_id("product", 404)
    return product_responses(store, [row], image_positions=image_positions)[0]


def _as_product_doc(row: sqlite3.Row) -> dict[str, Any]:
    doc = doc_of(row)
    if row["kind"] != "product_variation":
        return doc
    # The products controller lists a variation's one image under ``images`` (get_images).
    images = [doc["image"]] if doc.get("image") else []
    return {
        **_blank_product(),
        **doc,
        "images": images,
        "type": "variation",
        "parent_id": int(row["parent_id"]),
    }


def product_responses(
    store: Store, rows: list[sqlite3.Row], *, image_positions: bool = False
) -> list[dict[str, Any]]:
    """The API shape of products, resolving terms and variations for the page in bulk.

    A variation among the rows (``/products?sku=`` matches variations too) gets the product
    shape with ``type`` "variation" and its ``parent_id``, as the products controller gives it.
    ``image_positions`` keeps each image's stored ``position`` (the test helpers' view; the
    v3 API does not answer it).
    """
    docs = [_as_product_doc(row) for row in rows]
    term_ids = [
        term
        for doc in docs
        for term in (*doc["category_ids"], *doc["tag_ids"], *(doc.get("brand_ids") or ()))
    ]
    terms = store.term_refs(term_ids)
    variable_ids = [
        int(row["id"]) for row, doc in zip(rows, docs, strict=True) if doc["type"] == "variable"
    ]
    children: dict[int, list[sqlite3.Row]] = {pid: [] for pid in variable_ids}
    if variable_ids:
        marks = ",".join("?" * len(variable_ids))
        for child in store.db.query(
            f"SELECT * FROM posts WHERE kind = 'product_variation' AND parent_id IN ({marks}) "  # noqa: S608
            "ORDER BY menu_order, id",
            variable_ids,
        ):
            children[int(child["parent_id"])].append(child)
    return [
        _product_response(store, row, doc, terms, children.get(int(row["id"]), []), image_positions)
        for row, doc in zip(rows, docs, strict=True)
    ]


def _image_answers(
    stored: list[dict[str, Any]], image_positions: bool = False
) -> list[dict[str, Any]]:
    """Images as the v3 controllers answer them: without the stored ``position``."""
    if image_positions:
        return stored
    return [{k: v for k, v in image.items() if k != "position"} for image in stored]


def _version_fields(store: Store, answer: dict[str, Any], doc: Mapping[str, Any]) -> None:
    """``global_unique_id`` from WooCommerce 9.2 on; older versions do not know the field."""
    if store.version.gtin:
        answer["global_unique_id"] = doc.get("global_unique_id", "")
    else:
        answer.pop("global_unique_id", None)


def _price_fields(
    store: Store, doc: Mapping[str, Any], price: str, on_sale: bool
) -> dict[str, Any]:
    """Prices and the sale window, answered alike for products and variations."""
    return {
        "price": price,
        "regular_price": doc["regular_price"],
        "sale_price": doc["sale_price"],
        **dated(store, "date_on_sale_from", doc["date_on_sale_from_gmt"]),
        **dated(store, "date_on_sale_to", doc["date_on_sale_to_gmt"]),
        "on_sale": on_sale,
    }


def _download_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Virtual/downloadable flags and downloads, answered alike for products and variations."""
    return {
        name: doc[name]
        for name in ("virtual", "downloadable", "downloads", "download_limit", "download_expiry")
    }


def _product_response(
    store: Store,
    row: sqlite3.Row,
    doc: dict[str, Any],
    terms: Mapping[int, dict[str, Any]],
    children: list[sqlite3.Row],
    image_positions: bool = False,
) -> dict[str, Any]:
    product_id = int(row["id"])
    status = row["status"]
    price, on_sale = _current_price(doc, store.now_text())
    stock_status = doc["stock_status"]
    if doc["type"] == "variable" and children:
        child_docs = [doc_of(child) for child in children]
        live = [c for c in child_docs if c.get("status") == "publish"]
        prices = []
        for child in live:
            value, child_sale = _current_price(child, store.now_text())
            on_sale = on_sale or child_sale
            if value != "":
                prices.append(float(value))
        price = money(min(prices)) if prices else ""
        statuses = {c["stock_status"] for c in live}
        for candidate in ("instock", "onbackorder", "outofstock"):
            if candidate in statuses:
                stock_status = candidate
                break
    manage = bool(doc["manage_stock"])
    quantity = doc["stock_quantity"] if manage else None
    permalink = f"{store.home}/product/{doc['slug']}/"
    base = f"{store.home}/wp-json/wc/v3/products"
    answer: dict[str, Any] = {
        "id": product_id,
        "name": doc["name"],
        "slug": doc["slug"],
        "permalink": permalink,
        **dated(store, "date_created", row["date_created_gmt"]),
        **dated(store, "date_modified", row["date_modified_gmt"]),
        "type": doc["type"],
        "status": status,
        "featured": doc["featured"],
        "catalog_visibility": doc["catalog_visibility"],
        "description": doc["description"],
        "short_description": doc["short_description"],
        "sku": doc["sku"],
        **_price_fields(store, doc, price, on_sale),
        "purchasable": price != "" and status == "publish",
        "total_sales": doc["total_sales"],
        **_download_fields(doc),
        "external_url": doc["external_url"],
        "button_text": doc["button_text"],
        "tax_status": doc["tax_status"],
        "tax_class": doc["tax_class"],
        "manage_stock": manage,
        "stock_quantity": quantity,
        "backorders": doc["backorders"],
        "backorders_allowed": doc["backorders"] != "no",
        # is_on_backorder(): the stock status says so, or managed stock below zero that
        # backorders allow.
        "backordered": stock_status == "onbackorder"
        or bool(manage and (quantity or 0) < 0 and doc["backorders"] != "no"),
        "low_stock_amount": doc["low_stock_amount"],
        "sold_individually": doc["sold_individually"],
        "weight": doc["weight"],
        "dimensions": doc["dimensions"],
        "shipping_required": not doc["virtual"],
        "shipping_taxable": not doc["virtual"] and doc["tax_status"] in ("taxable", "shipping"),
        "shipping_class": doc["shipping_class"],
        "shipping_class_id": doc["shipping_class_id"],
        "reviews_allowed": doc["reviews_allowed"],
        "average_rating": doc["average_rating"],
        "rating_count": doc["rating_count"],
        "upsell_ids": doc["upsell_ids"],
        "cross_sell_ids": doc["cross_sell_ids"],
        "parent_id": doc["parent_id"],
        "purchase_note": doc["purchase_note"],
        "categories": [terms[i] for i in doc["category_ids"] if i in terms],
        "tags": [terms[i] for i in doc["tag_ids"] if i in terms],
        "images": _image_answers(doc["images"], image_positions),
        "attributes": doc["attributes"],
        "default_attributes": doc["default_attributes"],
        "variations": [int(child["id"]) for child in children],
        "grouped_products": doc["grouped_products"],
        "menu_order": doc["menu_order"],
        "price_html": f'<span class="woocommerce-Price-amount amount">{price}</span>'
        if price
        else "",
        "related_ids": [],
        "meta_data": doc["meta_data"],
        "stock_status": stock_status,
        "has_options": doc["type"] == "variable",
        "post_password": doc["post_password"],
        "global_unique_id": doc["global_unique_id"],
        "_links": links(base, product_id),
    }
    _version_fields(store, answer, doc)
    if store.version.brands:
        answer["brands"] = [terms[i] for i in doc.get("brand_ids") or () if i in terms]
    return answer


def view(item: dict[str, Any]) -> dict[str, Any]:
    """A product read in ``context=view`` (the default): descriptions rendered as WordPress
    shows them (``context=edit`` and write answers give them as stored)."""
    rendered = dict(item)
    if isinstance(item.get("description"), str):
        rendered["description"] = text.render_description(item["description"])
    if isinstance(item.get("short_description"), str):
        rendered["short_description"] = text.render_short_description(item["short_description"])
    return rendered


# -- listing ----------------------------------------------------------------------------------


PRODUCT_ORDER_COLUMNS = {
    **POST_ORDER_COLUMNS,
    "slug": "slug",
    "menu_order": "menu_order",
    "price": "CAST(json_extract(doc, '$.regular_price') AS REAL)",
    "popularity": "json_extract(doc, '$.total_sales')",
    "rating": "json_extract(doc, '$.average_rating')",
    "sales": "json_extract(doc, '$.total_sales')",
    "random": "random()",
}


def list_products(store: Store, params: Mapping[str, Any]) -> Listed:
    """Products matching the filters: ``(items, total, page, per_page)``."""
    query = ListQuery(params, "kind = 'product'")
    query.status([as_enum(params, "status", LIST_STATUSES, "any") or "any"], ("trash",))
    product_type = as_enum(params, "type", PRODUCT_TYPES)
    if product_type:
        query.add("type = ?", product_type)
    skus = as_list(params, "sku")
    if skus:
        # A SKU lookup also finds variations: WC_REST_Products_Controller::prepare_objects_query
        # sets post_type to product + product_variation whenever `sku` is given.
        query.where[0] = "kind IN ('product', 'product_variation')"
        if len(skus) > 1:
            skus.append(str(params["sku"]))
        query.one_of("sku", skus)
    include = query.include_exclude()
    query.id_list("parent", "parent_id")
    query.slug()
    query.search(
        "name", "json_extract(doc, '$.description')", "json_extract(doc, '$.short_description')"
    )
    stock = as_enum(params, "stock_status", STOCK_STATUSES)
    if stock:
        query.add("json_extract(doc, '$.stock_status') = ?", stock)
    featured = as_bool(params, "featured")
    if featured is not None:
        query.add("json_extract(doc, '$.featured') = ?", 1 if featured else 0)
    for name in ("category", "tag"):
        ids = as_int_list(params, name)
        if ids:
            tagged = f"SELECT post_id FROM term_relationships WHERE term_id IN ({marks(len(ids))})"  # noqa: S608
            query.add(f"id IN ({tagged})", *ids)
    query.dates(store)
    orderby = store.version.product_orderby
    order_sql = order_clause(params, orderby, "date", "desc", PRODUCT_ORDER_COLUMNS, include)
    return query.fetch(store, "posts", order_sql, lambda rows: product_responses(store, rows))


# -- variations -------------------------------------------------------------------------------


def _variable_parent(store: Store, product_id: int) -> sqlite3.Row:
    row = store.get_post(product_id, ("product",))
    if row is None:
        raise ApiError(
            "woocommerce_rest_product_variation_invalid_parent", "Invalid parent product.", 404
        )
    return row


def _variation_row(
    store: Store, product_id: int, variation_id: int, status: int, action: str = ""
) -> sqlite3.Row:
    """The variation; under another parent it is "Invalid ID." for a read, while an edit or a
    delete meets the permission check's 403 "Parent product does not match current variation."
    (the key authenticated a user, so WordPress answers 403, not 401)."""
    row = store.get_post(variation_id, ("product_variation",))
    if row is not None and int(row["parent_id"]) != product_id and action:
        raise ApiError(
            f"woocommerce_rest_cannot_{action}",
            "Parent product does not match current variation.",
            403,
        )
    if row is None or int(row["parent_id"]) != product_id:
        raise invalid_id("product_variation", status)
    return row


def _apply_variation(
    store: Store,
    doc: dict[str, Any],
    payload: Mapping[str, Any],
    own_id: int,
    checked: Mapping[str, ApiError | None] | None = None,
) -> None:
    _apply_common(store, doc, payload, own_id)
    set_choice(doc, payload, "status", VARIATION_STATUSES)
    if "image" in payload:
        image = _images(
            store,
            [payload["image"]] if isinstance(payload["image"], dict) else [],
            [doc["image"]] if doc.get("image") else [],
            checked,
        )
        doc["image"] = image[0] if image else None
    if isinstance(payload.get("attributes"), list):
        from bulkio.sandbox.attributes import resolve_global  # global attributes by id

        doc["attributes"] = resolve_global(
            store,
            [
                {
                    "id": int(item.get("id") or 0),
                    "name": str(item.get("name", "")),
                    "slug": sanitize_title(str(item.get("name", ""))),
                    "option": str(item.get("option", "")),
                }
                for item in payload["attributes"]
                if isinstance(item, dict)
            ],
            single=True,
        )


def create_variation(
    store: Store, product_id: int, payload: Mapping[str, Any], *, strict: bool
) -> dict[str, Any]:
    refuse_existing(payload, "product_variation")
    if strict:
        check_schema(payload, STRICT_TYPES, VARIATION_ENUMS)
    checked = images.prefetch(store, payload)
    with store.db.lock:
        parent = _variable_parent(store, product_id)
        doc = _blank_variation()
        _apply_variation(store, doc, payload, 0, checked)
        now = store.now_text()
        name = str(doc_of(parent).get("name", ""))
        options = [a["option"] for a in doc["attributes"] if a["option"]]
        doc["name"] = f"{name} - {', '.join(options)}" if options else name
        variation_id = store.insert_post(
            _columns(doc, "product_variation", product_id, now, now), doc
        )
        _touch(store, product_id, now)
        return get_variation(store, product_id, variation_id)


def _touch(store: Store, post_id: int, now: str) -> None:
    store.db.execute("UPDATE posts SET date_modified_gmt = ? WHERE id = ?", (now, post_id))


def update_variation(
    store: Store, product_id: int, variation_id: int, payload: Mapping[str, Any], *, strict: bool
) -> dict[str, Any]:
    if strict:
        check_schema(payload, STRICT_TYPES, VARIATION_ENUMS)
    checked = images.prefetch(store, payload)
    with store.db.lock:
        _variable_parent(store, product_id)
        row = _variation_row(store, product_id, variation_id, 400, "edit")
        doc = stored_doc(row)
        _apply_variation(store, doc, payload, variation_id, checked)
        now = store.now_text()
        store.update_post(variation_id, _columns(doc, "product_variation", product_id, now), doc)
        return get_variation(store, product_id, variation_id)


def delete_variation(
    store: Store, product_id: int, variation_id: int, *, force: bool
) -> dict[str, Any]:
    with store.db.lock:
        _variable_parent(store, product_id)
        row = _variation_row(store, product_id, variation_id, 404, "delete")
        before = variation_response(store, row)
        # Variations go to the trash like products (WC_REST_Product_Variations_V2_Controller).
        remove_post(store, row, "product_variation", force=force)
        return before


def get_variation(store: Store, product_id: int, variation_id: int) -> dict[str, Any]:
    _variable_parent(store, product_id)
    return variation_response(store, _variation_row(store, product_id, variation_id, 404))


def variation_response(store: Store, row: sqlite3.Row) -> dict[str, Any]:
    doc = doc_of(row)
    variation_id = int(row["id"])
    parent_id = int(row["parent_id"])
    price, on_sale = _current_price(doc, store.now_text())
    manage = bool(doc["manage_stock"])
    base = f"{store.home}/wp-json/wc/v3/products/{parent_id}/variations"
    # An attribute left "any" (empty option) is not answered (get_attributes skips it); 7.9
    # answers id, name and option, later versions the slug too.
    attributes = [
        attribute
        if store.version.variation_name
        else {k: v for k, v in attribute.items() if k != "slug"}
        for attribute in doc["attributes"]
        if attribute.get("option", "") != ""
    ]
    answer: dict[str, Any] = {
        "id": variation_id,
        "type": "variation",
        **dated(store, "date_created", row["date_created_gmt"]),
        **dated(store, "date_modified", row["date_modified_gmt"]),
        # wc_format_content in every context: a variation's description is never answered
        # as stored (measured on 7.9 and 11, create answers and context=edit included).
        "description": text.render_short_description(doc["description"]),
        "permalink": f"{store.home}/?p={variation_id}",
        "sku": doc["sku"],
        "global_unique_id": doc["global_unique_id"],
        **_price_fields(store, doc, price, on_sale),
        "status": row["status"],
        "purchasable": price != "" and row["status"] == "publish",
        **_download_fields(doc),
        "tax_status": doc["tax_status"],
        "tax_class": doc["tax_class"],
        "manage_stock": manage,
        "stock_quantity": doc["stock_quantity"] if manage else None,
        "stock_status": doc["stock_status"],
        "backorders": doc["backorders"],
        "backorders_allowed": doc["backorders"] != "no",
        "backordered": False,
        "low_stock_amount": doc["low_stock_amount"],
        "weight": doc["weight"],
        "dimensions": doc["dimensions"],
        "shipping_class": doc["shipping_class"],
        "shipping_class_id": doc["shipping_class_id"],
        "image": _image_answers([doc["image"]])[0] if doc["image"] else None,
        "attributes": attributes,
        "menu_order": doc["menu_order"],
        "meta_data": doc["meta_data"],
        # wc_get_formatted_variation( flat, no names ): the attribute values, comma-separated.
        "name": ", ".join(str(a["option"]) for a in attributes),
        "parent_id": parent_id,
        "_links": {
            **links(base, variation_id),
            "up": [{"href": f"{store.home}/wp-json/wc/v3/products/{parent_id}"}],
        },
    }
    _version_fields(store, answer, doc)
    if not store.version.variation_name:
        del answer["name"]
    return answer


def list_variations(store: Store, product_id: int, params: Mapping[str, Any]) -> Listed:
    query = ListQuery(params, "kind = 'product_variation'", "parent_id = ?", args=[product_id])
    _variable_parent(store, product_id)
    statuses = ("any", "trash", *VARIATION_STATUSES)
    query.status([as_enum(params, "status", statuses, "any") or "any"], ("trash",))
    query.one_of("sku", as_list(params, "sku"))
    include = query.id_list("include")
    query.dates(store)
    order_sql = order_clause(params, ORDERBY, "date", "desc", PRODUCT_ORDER_COLUMNS, include)
    return query.fetch(
        store, "posts", order_sql, lambda rows: [variation_response(store, row) for row in rows]
    )
