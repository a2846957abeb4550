"""``bulkio export products``: products and variations in WooCommerce's product CSV layout.

The columns, list and boolean encodings are those of WooCommerce's own exporter
(:mod:`bulkio.catalog.wcformat`), so the file can be imported by WooCommerce itself or by
``bulkio catalog import`` with ``mappings/woocommerce-core.toml``. Variations follow their
parent, with ``Parent`` = the parent's SKU (``id:<n>`` when it has none). The file appears only
when complete (:func:`bulkio.writers.atomic_output`); text cells that a spreadsheet would run
as a formula get a leading apostrophe (which WooCommerce's importer and bulkio drop again).

Differences from WooCommerce's exporter: a variation's ``Published`` is its own status (not
the parent's draft), and meta keys starting with ``_`` (private meta) are not written.
"""

from __future__ import annotations

import csv
import html
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkio.catalog import wcformat as wc
from bulkio.catalog.terms import TermIndex
from bulkio.writers.atomic import atomic_output
from bulkio.writers.cells import neutralise

BASE_COLUMNS = [
    wc.ID,
    wc.TYPE,
    wc.SKU,
    wc.GTIN,
    wc.NAME,
    wc.PUBLISHED,
    wc.FEATURED,
    wc.VISIBILITY,
    wc.SHORT_DESCRIPTION,
    wc.DESCRIPTION,
    wc.SALE_FROM,
    wc.SALE_TO,
    wc.TAX_STATUS,
    wc.TAX_CLASS,
    wc.IN_STOCK,
    wc.STOCK,
    wc.LOW_STOCK,
    wc.BACKORDERS,
    wc.SOLD_INDIVIDUALLY,
    wc.WEIGHT,
    wc.LENGTH,
    wc.WIDTH,
    wc.HEIGHT,
    wc.REVIEWS_ALLOWED,
    wc.PURCHASE_NOTE,
    wc.SALE_PRICE,
    wc.REGULAR_PRICE,
    wc.CATEGORIES,
    wc.TAGS,
    wc.SHIPPING_CLASS,
    wc.IMAGES,
    wc.DOWNLOAD_LIMIT,
    wc.DOWNLOAD_EXPIRY,
    wc.PARENT,
    wc.GROUPED,
    wc.UPSELLS,
    wc.CROSS_SELLS,
    wc.EXTERNAL_URL,
    wc.BUTTON_TEXT,
    wc.POSITION,
]
TEXT_COLUMNS = {
    wc.NAME,
    wc.SHORT_DESCRIPTION,
    wc.DESCRIPTION,
    wc.TAX_CLASS,
    wc.CATEGORIES,
    wc.TAGS,
    wc.PURCHASE_NOTE,
    wc.BUTTON_TEXT,
    wc.GTIN,
    wc.SHIPPING_CLASS,
}


@dataclass
class ProductExport:
    products: int
    variations: int
    requests: int
    path: str


def _flag(value: Any) -> str:
    return "1" if value else "0"


def _common(item: dict[str, Any]) -> dict[str, str]:
    dims = item.get("dimensions") or {}
    manage = item.get("manage_stock")
    stock = (
        "parent"
        if manage == "parent"
        else (
            "" if not manage or item.get("stock_quantity") is None else str(item["stock_quantity"])
        )
    )
    return {
        wc.SKU: str(item.get("sku") or ""),
        wc.PUBLISHED: wc.STATUS_TO_PUBLISHED.get(str(item.get("status")), "-1"),
        wc.DESCRIPTION: wc.encode_description(str(item.get("description") or "")),
        wc.TAX_STATUS: str(item.get("tax_status") or ""),
        wc.TAX_CLASS: str(item.get("tax_class") or ""),
        wc.IN_STOCK: wc.STATUS_TO_IN_STOCK.get(str(item.get("stock_status")), "0"),
        wc.STOCK: stock,
        wc.BACKORDERS: wc.VALUE_TO_BACKORDERS.get(str(item.get("backorders")), "0"),
        wc.WEIGHT: str(item.get("weight") or ""),
        wc.LENGTH: str(dims.get("length") or ""),
        wc.WIDTH: str(dims.get("width") or ""),
        wc.HEIGHT: str(dims.get("height") or ""),
        wc.SALE_PRICE: str(item.get("sale_price") or ""),
        wc.REGULAR_PRICE: str(item.get("regular_price") or ""),
        wc.POSITION: str(item.get("menu_order") or 0),
        wc.GTIN: str(item.get("global_unique_id") or ""),
        wc.SALE_FROM: wc.encode_date(item.get("date_on_sale_from")),
        # As WooCommerce's exporter: only for downloadable items, and only when set (-1 = no limit).
        wc.DOWNLOAD_LIMIT: str(item.get("download_limit") or "")
        if item.get("downloadable")
        else "",
        wc.DOWNLOAD_EXPIRY: str(item.get("download_expiry") or "")
        if item.get("downloadable")
        else "",
        wc.SALE_TO: wc.encode_date(item.get("date_on_sale_to")),
        wc.LOW_STOCK: "" if item.get("low_stock_amount") is None else str(item["low_stock_amount"]),
    }


def _type_cell(kind: str, item: dict[str, Any]) -> str:
    """WooCommerce's Type cell: the type, then ``downloadable`` and ``virtual`` when set."""
    flags = [name for name in ("downloadable", "virtual") if item.get(name)]
    return wc.implode_values([kind, *flags])


def _downloads(item: dict[str, Any], row: dict[str, str]) -> int:
    """``Download N ID / name / URL`` of a downloadable item, as WooCommerce's exporter."""
    if not item.get("downloadable"):
        return 0
    files = [d for d in item.get("downloads") or () if isinstance(d, dict)]
    for number, download in enumerate(files, start=1):
        row[f"Download {number} ID"] = str(download.get("id") or "")
        row[f"Download {number} name"] = str(download.get("name") or "")
        row[f"Download {number} URL"] = str(download.get("file") or "")
    return len(files)


def _meta(item: dict[str, Any], row: dict[str, str], keys: dict[str, None]) -> None:
    for entry in item.get("meta_data") or ():
        key = str(entry.get("key", ""))
        value = entry.get("value")
        if not key or key.startswith("_") or not isinstance(value, str | int | float):
            continue
        keys.setdefault(key, None)
        row[f"{wc.META_PREFIX}{key}"] = str(value)


def product_rows(
    products: list[dict[str, Any]],
    variations: dict[int, list[dict[str, Any]]],
    categories: TermIndex,
    shipping_classes: dict[str, str] | None = None,
) -> tuple[list[dict[str, str]], tuple[int, int], list[str]]:
    """Rows (column → text) in WooCommerce's layout, the download and attribute group counts,
    the meta keys."""
    rows: list[dict[str, str]] = []
    attribute_groups = 0
    download_groups = 0
    meta_keys: dict[str, None] = {}
    skus = {int(p["id"]): str(p.get("sku") or "") for p in products}
    skus.update({int(v["id"]): str(v.get("sku") or "") for vs in variations.values() for v in vs})

    def class_name(item: dict[str, Any]) -> str:
        """WooCommerce writes the shipping class's name; the API answers its slug."""
        slug = str(item.get("shipping_class") or "")
        return (shipping_classes or {}).get(slug, slug)

    def linked(ids: Any) -> str:
        """Linked products as WooCommerce writes them: SKUs, ``id:<n>`` without one."""
        return wc.implode_values([skus.get(int(i)) or f"id:{int(i)}" for i in ids or ()])

    for product in products:
        row = _common(product)
        row.update(
            {
                wc.SHIPPING_CLASS: class_name(product),
                wc.GROUPED: linked(product.get("grouped_products"))
                if product.get("type") == "grouped"
                else "",
                wc.UPSELLS: linked(product.get("upsell_ids")),
                wc.CROSS_SELLS: linked(product.get("cross_sell_ids")),
                wc.ID: str(product["id"]),
                wc.TYPE: _type_cell(str(product.get("type") or "simple"), product),
                wc.NAME: str(product.get("name") or ""),
                wc.FEATURED: _flag(product.get("featured")),
                wc.SOLD_INDIVIDUALLY: _flag(product.get("sold_individually")),
                wc.REVIEWS_ALLOWED: _flag(product.get("reviews_allowed")),
                wc.PURCHASE_NOTE: str(product.get("purchase_note") or ""),
                wc.EXTERNAL_URL: str(product.get("external_url") or ""),
                wc.BUTTON_TEXT: str(product.get("button_text") or ""),
                wc.VISIBILITY: str(product.get("catalog_visibility") or "visible"),
                wc.SHORT_DESCRIPTION: wc.encode_description(
                    str(product.get("short_description") or "")
                ),
                wc.CATEGORIES: wc.implode_values(
                    [
                        " > ".join(categories.path_of(int(term["id"])) or (str(term.get("name")),))
                        for term in product.get("categories") or ()
                    ]
                ),
                wc.TAGS: wc.implode_values(
                    [str(t.get("name", "")) for t in product.get("tags") or ()]
                ),
                wc.IMAGES: wc.implode_values(
                    [str(i.get("src", "")) for i in product.get("images") or ()]
                ),
            }
        )
        defaults = {
            str(d.get("name", "")).casefold(): str(d.get("option", ""))
            for d in product.get("default_attributes") or ()
        }
        attributes = product.get("attributes") or []
        attribute_groups = max(attribute_groups, len(attributes))
        for number, attribute in enumerate(attributes, start=1):
            name = str(attribute.get("name", ""))
            row[f"Attribute {number} name"] = name
            row[f"Attribute {number} value(s)"] = wc.implode_values(
                [str(o) for o in attribute.get("options") or ()]
            )
            row[f"Attribute {number} visible"] = _flag(attribute.get("visible"))
            row[f"Attribute {number} global"] = _flag(int(attribute.get("id") or 0) > 0)
            if name.casefold() in defaults:
                row[f"Attribute {number} default"] = defaults[name.casefold()]
        download_groups = max(download_groups, _downloads(product, row))
        _meta(product, row, meta_keys)
        rows.append(row)
        parent_ref = str(product.get("sku") or "") or f"id:{product['id']}"
        for variation in variations.get(int(product["id"]), []):
            vrow = _common(variation)
            image = variation.get("image") or {}
            vrow.update(
                {
                    wc.ID: str(variation["id"]),
                    wc.TYPE: _type_cell("variation", variation),
                    wc.SHIPPING_CLASS: class_name(variation),
                    wc.NAME: variation_title(str(product.get("name") or ""), variation),
                    wc.FEATURED: "0",
                    wc.VISIBILITY: "visible",
                    wc.PARENT: parent_ref,
                    wc.IMAGES: str(image.get("src", "")) if isinstance(image, dict) else "",
                }
            )
            vattributes = variation.get("attributes") or []
            attribute_groups = max(attribute_groups, len(vattributes))
            for number, attribute in enumerate(vattributes, start=1):
                vrow[f"Attribute {number} name"] = str(attribute.get("name", ""))
                vrow[f"Attribute {number} value(s)"] = str(attribute.get("option", "")).replace(
                    ",", "\\,"
                )
                vrow[f"Attribute {number} visible"] = ""
                vrow[f"Attribute {number} global"] = _flag(int(attribute.get("id") or 0) > 0)
            download_groups = max(download_groups, _downloads(variation, vrow))
            _meta(variation, vrow, meta_keys)
            rows.append(vrow)
    return rows, (download_groups, attribute_groups), list(meta_keys)


def export_products(
    client: Any,
    output: str | Path,
    *,
    overwrite: bool = False,
    concurrency: int = 4,
    query: Any = None,
    on_page: Callable[[int, int | None], None] | None = None,
) -> ProductExport:
    """Read every product (100 a page), the variations of variable ones, and write the CSV.

    ``query`` (a :class:`~bulkio.export.product_rows.ProductQuery`) selects products by
    status, type, category or modification time; a selected product's variations all come.
    ``on_page(done, total)`` hears each page read (products, then each parent's variations;
    the total is not known ahead), for progress bars."""
    before = client.stats.requests
    pages = 0
    lock = threading.Lock()

    def page_read() -> None:
        nonlocal pages
        with lock:
            pages += 1
            if on_page is not None:
                on_page(pages, None)

    categories = TermIndex.load(client, "categories")
    products: list[dict[str, Any]] = []
    params = query.params() if query is not None else {"orderby": "id", "order": "asc"}
    for page in client.iter_pages("products", params=params, per_page=100):
        page_read()
        products.extend(
            p for p in page if p.get("type") != "variation" and (query is None or query.matches(p))
        )
    parents = [int(p["id"]) for p in products if p.get("type") == "variable"]

    def read_variations(parent_id: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        params = {"orderby": "id", "order": "asc"}
        for page in client.iter_pages(
            f"products/{parent_id}/variations", params=params, per_page=100
        ):
            page_read()
            found.extend(page)
        return found

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        variations = dict(zip(parents, pool.map(read_variations, parents), strict=True))
    classes: dict[str, str] = {}
    if any(
        i.get("shipping_class") for i in (*products, *(v for vs in variations.values() for v in vs))
    ):
        for page in client.iter_pages(
            "products/shipping_classes", params={"_fields": "name,slug"}, per_page=100
        ):
            classes.update({str(c["slug"]): html.unescape(str(c["name"])) for c in page})
    rows, (download_groups, groups), meta_keys = product_rows(
        products, variations, categories, classes
    )
    columns = list(BASE_COLUMNS)
    download_columns = [
        f"Download {number} {part}"
        for number in range(1, download_groups + 1)
        for part in ("ID", "name", "URL")
    ]
    columns += download_columns
    attribute_columns = []
    for number in range(1, groups + 1):
        attribute_columns += [
            f"Attribute {number} {part}"
            for part in ("name", "value(s)", "visible", "global", "default")
        ]
    columns += attribute_columns + [f"{wc.META_PREFIX}{key}" for key in meta_keys]
    text_columns = (
        TEXT_COLUMNS
        | {c for c in download_columns if c.endswith("name")}
        | {c for c in attribute_columns if c.endswith(("name", "value(s)", "default"))}
    )
    text_columns |= {f"{wc.META_PREFIX}{key}" for key in meta_keys}
    with (
        atomic_output(output, overwrite=overwrite) as temp_path,
        open(temp_path, "w", encoding="utf-8-sig", newline="") as handle,
    ):
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([safe_cell(row.get(c, ""), c in text_columns) for c in columns])
    return ProductExport(
        products=len(products),
        variations=sum(len(v) for v in variations.values()),
        requests=client.stats.requests - before,
        path=str(output),
    )


_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def safe_cell(value: Any, text: bool) -> Any:
    """Every cell of the file through the formula guard, not only the text columns: a SKU
    ``=S0`` (or an upsell list, a Parent reference) would run as a formula in Excel too. Plain
    numbers in the other columns (``-2`` in Stock, prices) stay as they are: they are not
    formulas, and WooCommerce's importer must read them as numbers."""
    if not isinstance(value, str) or (not text and _PLAIN_NUMBER.fullmatch(value)):
        return value
    return neutralise(value)


def variation_title(parent_name: str, variation: dict[str, Any]) -> str:
    """A variation's name as WooCommerce keeps it and its exporter writes it: the parent's name,
    then `` - `` and the variation's values when it has fewer than three attributes (and, with
    two, no attribute name of several words) — ``Hoodie - Blue, Yes``.

    The REST API does not give that name: 7.9 has no ``name`` on variations, 11.x answers the
    values alone (``Blue, Yes``), so it is made here from the parent's name and the values.
    """
    attributes = [a for a in variation.get("attributes") or () if isinstance(a, dict)]
    values = [str(a.get("option") or "") for a in attributes]
    include = 0 < len(attributes) < 3
    if include and len(attributes) > 1:
        slugs = [str(a.get("slug") or a.get("name") or "").strip().lower() for a in attributes]
        include = not any("-" in slug or " " in slug for slug in slugs)
    suffix = ", ".join(v for v in values if v) if include else ""
    return f"{parent_name} - {suffix}" if suffix else parent_name


def is_export_mapping(path: str | Path) -> bool:
    """Whether ``-m`` names an export mapping (``[[columns]]``) rather than an import mapping
    (WooCommerce's layout, ``mappings/woocommerce-core.toml``). Unreadable files count as
    export mappings, so the export mapping loader reports the problem with its file and key."""
    from bulkio.mapping.files import peek_mapping_toml  # the one mapping TOML loader

    data = peek_mapping_toml(path)
    if data is None:
        return True
    return "columns" in data or "fields" not in data


LAYOUT_FIELDS = {
    "sku": wc.SKU,
    "name": wc.NAME,
    "regular_price": wc.REGULAR_PRICE,
    "sale_price": wc.SALE_PRICE,
    "stock_quantity": wc.STOCK,
}


def check_layout_mapping(path: str | Path) -> None:
    """``-m``: only a mapping reading WooCommerce's own columns describes what is written."""
    from bulkio.errors import MappingError
    from bulkio.mapping import load_mapping

    mapping = load_mapping(path)
    for name, column in LAYOUT_FIELDS.items():
        rule = mapping.fields.get(name)
        if rule is not None and rule.column not in (None, column):
            raise MappingError(
                str(path),
                f"fields.{name}",
                f"export products writes WooCommerce's product CSV layout, where {name} is "
                f"the column {column!r}, not {rule.column!r}",
                hint="pass mappings/woocommerce-core.toml (or leave -m out) for WooCommerce's "
                "layout, or a product export mapping ([[columns]], docs/export.md) for others",
            )
