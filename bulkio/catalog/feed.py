"""A catalog feed (WooCommerce product CSV layout) → products with their variations.

The plain fields come from the mapping through :func:`bulkio.records.records_from_source`
(casts, row errors, duplicate SKUs); the catalog columns (Type, Parent, Categories, Tags,
Images, ``Attribute N …``, ``Meta: …``) are read here by their WooCommerce names.

Two feed shapes are understood:

* a row per parent (``Type`` ``variable``) and a row per variation (``Type`` ``variation``,
  ``Parent`` = the parent's SKU) — what WooCommerce's exporter writes;
* only variation rows, grouped by their ``Parent`` value: the parent is then made up from the
  group (SKU = the Parent value, name and terms from the first variation row).

A variation whose parent row was rejected is rejected too, naming the parent's reason.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bulkio.catalog import wcformat as wc
from bulkio.fields import FIELDS, CanonicalValue, canonical_decimal, canonical_sale_date
from bulkio.mapping.model import Mapping
from bulkio.records import RowError, records_from_source
from bulkio.sources import LINE, read_source

FEED_ERROR_CODES: dict[str, str] = {
    "unknown-type": "Type is not simple, variable or variation",
    "missing-parent": "a variation row without a Parent value",
    "parent-rejected": "the variation's parent row was rejected",
    "parent-not-variable": "the Parent names a product that is not variable",
    "variation-attributes": "a variation must give one value for each of its attributes",
    "invalid-image": "an image is not an http(s) URL",
    "invalid-sale-date": "a sale date is not YYYY-MM-DD or YYYY-MM-DD HH:MM:SS",
    "unknown-shipping-class": "the store has no shipping class of that name",
}

UNIT_FIELDS = ("weight", "dimensions.length", "dimensions.width", "dimensions.height")
CONVERTED_PLACES = 4
"""Decimals kept when a weight or dimension is converted to the store's unit."""

VARIATION_FIELDS = tuple(name for name, spec in FIELDS.items() if "variation" in spec.resources)


@dataclass
class Attribute:
    """A product attribute as the feed gives it (options for parents, one option for variations)."""

    name: str
    options: list[str]
    visible: bool = True
    is_global: bool = False
    default: str = ""

    @property
    def key(self) -> str:
        return attribute_key(self.name)


def attribute_key(name: str) -> str:
    """Attributes are matched by name without case (WooCommerce keys them by sanitised slug)."""
    return html.unescape(name).strip().casefold()


@dataclass
class FeedItem:
    """One product or variation the feed wants in the store."""

    line: int
    sku: str
    kind: str
    """"simple", "variable" or "variation" (also "external" / "grouped", written as is)."""
    values: dict[str, CanonicalValue]
    parent_ref: str = ""
    categories: list[tuple[str, ...]] | None = None
    """Category paths; None = the feed says nothing (leave the store's)."""
    tags: list[str] | None = None
    images: list[str] | None = None
    attributes: list[Attribute] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    variations: list[FeedItem] = field(default_factory=list)
    made_up: bool = False
    """A parent built from its variations' group (no row of its own)."""
    label: str = ""
    """The row's Name cell (variations: used to name a made-up parent)."""
    shipping_class: str = ""
    """The Shipping class cell (a class name); "" = leave. Its slug goes into ``values``."""
    downloads: list[tuple[str, str]] | None = None
    """(name, URL) of each downloadable file; None = the feed says nothing (leave the store's)."""
    links: dict[str, list[str]] = field(default_factory=dict)
    """upsell_ids / cross_sell_ids / grouped_products → SKUs or ``id:<n>`` (non-empty cells)."""


@dataclass
class CatalogFeed:
    source: str
    items: list[FeedItem]
    """Top-level products (simple and variable), each variable one with its variations."""
    rejected: list[RowError]
    total: int
    warnings: list[str] = field(default_factory=list)
    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Weight / dimension field → (the file's column, its unit) for the unit columns the file
    has (``weight → ("Weight (lbs)", "lbs")``); converted by :func:`convert_units`."""

    @property
    def variation_count(self) -> int:
        return sum(len(item.variations) for item in self.items)


def _cell(row: dict[str, Any], column: str | None) -> str | None:
    if column is None:
        return None
    value = row.get(column)
    return None if value is None else str(value)


def _attributes(row: dict[str, Any], groups: dict[int, dict[str, str]]) -> list[Attribute]:
    found: list[Attribute] = []
    for number in sorted(groups):
        columns = groups[number]
        name = (_cell(row, columns.get("name")) or "").strip()
        if not name:
            continue
        values = wc.explode_values(wc.unescape_cell(_cell(row, columns.get("value(s)")) or ""))
        visible = wc.parse_bool(_cell(row, columns.get("visible")))
        is_global = wc.parse_bool(_cell(row, columns.get("global")))
        found.append(
            Attribute(
                name=name,
                options=values,
                visible=True if visible is None else visible,
                is_global=bool(is_global),
                default=(_cell(row, columns.get("default")) or "").strip(),
            )
        )
    return found


def read_feed(mapping: Mapping, path: str | Path) -> CatalogFeed:
    """Read and validate a catalog feed; bad rows are rejected, never raised.

    Like WooCommerce's own importer, a file may carry only some of the layout's columns: a
    field whose column the file lacks is left as the store has it (and named in
    ``warnings``). The SKU column is required.
    """
    source = read_source(path, mapping.source)
    mapping, units = _unit_columns(mapping, source.columns)
    mapping, absent = _fields_in_file(mapping, source.columns)
    price_columns = {
        name: rule.column
        for name, rule in mapping.fields.items()
        if rule.spec.kind == "money" and rule.column and not rule.map
    }
    records = records_from_source(mapping, source)
    accepted = dict(records.iter_rows())
    columns = list(source.columns)
    lookup = {column.casefold(): column for column in columns}

    def column(name: str) -> str | None:
        return lookup.get(name.casefold())

    groups: dict[int, dict[str, str]] = {}
    download_groups: dict[int, dict[str, str]] = {}
    meta_columns: dict[str, str] = {}
    for name in columns:
        match = wc.ATTRIBUTE_COLUMN.match(name)
        download = wc.DOWNLOAD_COLUMN.match(name)
        if download:
            download_groups.setdefault(int(download["n"]), {})[download["part"].lower()] = name
        elif match:
            groups.setdefault(int(match["n"]), {})[match["part"].lower()] = name
        elif name.startswith(wc.META_PREFIX) and len(name) > len(wc.META_PREFIX):
            meta_columns[name[len(wc.META_PREFIX) :]] = name
    type_col, parent_col = column(wc.TYPE), column(wc.PARENT)
    cat_col, tag_col, image_col = column(wc.CATEGORIES), column(wc.TAGS), column(wc.IMAGES)
    class_col = column(wc.SHIPPING_CLASS)
    link_cols = {
        name: found
        for name, heading in wc.LINK_COLUMNS.items()
        if (found := column(heading)) is not None
    }
    sale_date_cols = {
        name: found
        for name, heading in wc.SALE_DATE_COLUMNS.items()
        if (found := column(heading)) is not None
    }

    rejected = list(records.rejected)
    rejected_reason: dict[str, str] = {}
    for error in rejected:
        if error.sku:
            rejected_reason.setdefault(error.sku.casefold(), f"{error.message} [{error.code}]")
    unit = records.unit

    def reject(line: int, sku: str, col: str, value: str | None, code: str, message: str) -> None:
        rejected.append(RowError(str(path), line, sku, col, value, code, message, unit=unit))
        rejected_reason.setdefault(sku.casefold(), f"{message} [{code}]")

    products: list[FeedItem] = []
    variations: list[FeedItem] = []
    for row in source.frame.iter_rows(named=True):
        line = int(row[LINE])
        values = accepted.get(line)
        if values is None:
            continue
        sku = wc.unescape_cell(str(values.get("sku", "")))
        values["sku"] = sku
        for name in ("name", "short_description", "tax_class", "purchase_note", "button_text"):
            if isinstance(values.get(name), str):
                values[name] = wc.unescape_cell(str(values[name]))
        for name in ("description", "short_description"):
            if isinstance(values.get(name), str):
                values[name] = wc.decode_description(str(values[name]))
        for name, price_col in price_columns.items():
            if values.get(name):
                values[name] = _price_as_written(
                    str(values[name]), _cell(row, price_col), mapping.source.decimal
                )
        bad_date = ""
        for name, date_col in sale_date_cols.items():
            # WooCommerce writes "2026-01-05 0:00:00"; an empty cell ends the window, as there.
            cell = _cell(row, date_col) or ""
            try:
                values[name] = canonical_sale_date(cell)
            except ValueError as exc:
                bad_date = date_col
                reject(line, sku, date_col, cell, "invalid-sale-date", f"{date_col}: {exc}")
                break
        if bad_date:
            continue
        # No Type given: a row naming a Parent is a variation (feeds grouped by a parent key).
        default_kind = "variation" if wc.parse_parent(_cell(row, parent_col)) else "simple"
        type_text = (_cell(row, type_col) or "").strip().lower() or default_kind
        kinds = [part.strip() for part in type_text.split(",") if part.strip()]
        kind = kinds[0] if kinds else "simple"
        if (_cell(row, type_col) or "").strip():
            # WooCommerce's Type cell carries the flags too: "simple, downloadable, virtual".
            values["virtual"] = "virtual" in kinds[1:]
            values["downloadable"] = "downloadable" in kinds[1:]
        if kind not in ("simple", "variable", "variation", "external", "grouped"):
            reject(
                line,
                sku,
                type_col or wc.TYPE,
                type_text,
                "unknown-type",
                f"Type {type_text!r} is not simple, variable or variation",
            )
            continue
        images = None
        if image_col is not None and (_cell(row, image_col) or "").strip():
            images = wc.explode_values(_cell(row, image_col))
            bad = [url for url in images if not url.lower().startswith(("http://", "https://"))]
            if bad:
                reject(
                    line,
                    sku,
                    image_col,
                    bad[0],
                    "invalid-image",
                    f"image {bad[0]!r} is not an http(s) URL",
                )
                continue
        meta = {}
        for key, name in meta_columns.items():
            value = _cell(row, name)
            if value is not None and value != "":
                meta[key] = wc.unescape_cell(value)
        item = FeedItem(
            line=line,
            sku=sku,
            kind=kind,
            values=values,
            parent_ref=wc.parse_parent(_cell(row, parent_col)),
            images=images,
            attributes=_attributes(row, groups),
            meta=meta,
            label=str(values.get("name") or ""),
        )
        item.shipping_class = wc.unescape_cell(_cell(row, class_col) or "").strip()
        downloads = [
            (
                wc.unescape_cell(_cell(row, group.get("name")) or "").strip(),
                (_cell(row, group.get("url")) or "").strip(),
            )
            for _, group in sorted(download_groups.items())
        ]
        if any(url for _, url in downloads):
            item.downloads = [
                (name or url.rsplit("/", 1)[-1], url) for name, url in downloads if url
            ]
        for name, link_col in link_cols.items():
            refs = wc.explode_values(wc.unescape_cell(_cell(row, link_col) or ""))
            if refs and kind != "variation":
                item.links[name] = refs
        if cat_col is not None:
            item.categories = wc.category_paths(wc.unescape_cell(_cell(row, cat_col) or ""))
        if tag_col is not None:
            item.tags = wc.explode_values(wc.unescape_cell(_cell(row, tag_col) or ""))
        if kind == "variation":
            item.values = {k: v for k, v in values.items() if k in VARIATION_FIELDS}
            if not item.parent_ref:
                reject(
                    line,
                    sku,
                    parent_col or wc.PARENT,
                    "",
                    "missing-parent",
                    "a variation row needs the parent's SKU in the Parent column",
                )
                continue
            variations.append(item)
            continue
        products.append(item)

    by_sku = {item.sku.casefold(): item for item in products}
    for variation in variations:
        ref = variation.parent_ref
        key = ref.casefold()
        parent = by_sku.get(key)
        if parent is None and key in rejected_reason:
            reject(
                variation.line,
                variation.sku,
                parent_col or wc.PARENT,
                ref,
                "parent-rejected",
                f"parent {ref!r} was rejected: {rejected_reason[key]}",
            )
            continue
        if parent is None:
            if ref.lower().startswith("id:"):
                parent = FeedItem(
                    line=variation.line,
                    sku="",
                    kind="variable",
                    values={},
                    parent_ref=ref,
                    made_up=True,
                )
            else:
                parent = FeedItem(
                    line=variation.line,
                    sku=ref,
                    kind="variable",
                    values=_parent_values(variation),
                    made_up=True,
                )
            by_sku[key] = parent
            products.append(parent)
        if parent.kind != "variable":
            reject(
                variation.line,
                variation.sku,
                parent_col or wc.PARENT,
                ref,
                "parent-not-variable",
                f"parent {ref!r} is a {parent.kind} product in this file, not variable",
            )
            continue
        parent.variations.append(variation)
    for parent in products:
        if parent.kind == "variable":
            _complete_parent(parent)
            for variation in list(parent.variations):
                problem = _variation_problem(parent, variation)
                if problem:
                    parent.variations.remove(variation)
                    reject(
                        variation.line,
                        variation.sku,
                        "Attribute 1 value(s)",
                        json.dumps([a.name for a in variation.attributes]),
                        "variation-attributes",
                        problem,
                    )
    rejected.sort(key=lambda error: error.line)
    warnings = list(records.warnings)
    if absent:
        warnings.append(
            f"{path}: no column {', '.join(repr(c) for c in absent)}: "
            "those fields are left as the store has them"
        )
    return CatalogFeed(str(path), products, rejected, records.total, warnings, units)


def _price_as_written(canonical: str, cell: str | None, decimal: str) -> str:
    """The price to send: the cell as written (``20``, ``.5``, ``19.90``), which is what
    WooCommerce keeps (``wc_format_decimal`` trims nothing) and what its own importer stores;
    the canonical form when the cell needs more than a decimal comma turned into a point.
    Prices are compared as numbers (:mod:`bulkio.fields` ``money``), so either form is equal."""
    text = (cell or "").strip()
    if decimal == ",":
        text = text.replace(",", ".")
    if not text or any(c not in "0123456789.-" for c in text):
        return canonical
    try:
        same = canonical_decimal(text, min_places=2) == canonical
    except ValueError:
        return canonical
    return text if same else canonical


def _unit_columns(
    mapping: Mapping, columns: list[str]
) -> tuple[Mapping, dict[str, tuple[str, str]]]:
    """Read ``Weight (lbs)`` where the mapping says ``Weight (kg)``: WooCommerce's exporter
    names these columns with the store's units. Each weight / dimension field whose mapping
    column is such a unit column, and which the file has under another known unit, reads the
    file's column instead. Returns the mapping and field → (column, unit) for every unit
    column read (same unit or not): :func:`convert_units` converts them to the store's."""
    by_what: dict[str, str] = {}
    for column in columns:
        found = wc.UNIT_COLUMN.match(column)
        if found and _unit_kind(wc.unit_name(found["unit"])):
            by_what.setdefault(found["what"].casefold(), column)
    fields = dict(mapping.fields)
    units: dict[str, tuple[str, str]] = {}
    for name in UNIT_FIELDS:
        rule = fields.get(name)
        wanted = wc.UNIT_COLUMN.match(rule.column or "") if rule is not None else None
        if rule is None or wanted is None:
            continue
        heading = rule.column if rule.column in columns else by_what.get(wanted["what"].casefold())
        if heading is None:
            continue
        found = wc.UNIT_COLUMN.match(heading)
        assert found is not None
        unit = wc.unit_name(found["unit"])
        if _unit_kind(unit) != ("weight" if name == "weight" else "dimension"):
            continue
        if heading != rule.column:
            fields[name] = replace(rule, column=heading)
        units[name] = (heading, unit)
    if fields == mapping.fields:
        return mapping, units
    return replace(mapping, fields=fields), units


def _unit_kind(unit: str) -> str:
    if unit in wc.WEIGHT_UNITS:
        return "weight"
    if unit in wc.DIMENSION_UNITS:
        return "dimension"
    return ""


def convert_value(value: str, unit: str, store_unit: str) -> str:
    """A weight or dimension in ``unit`` → ``store_unit`` (both WooCommerce unit names),
    rounded to :data:`CONVERTED_PLACES` decimals, trailing zeros dropped."""
    if unit == store_unit or value == "":
        return value
    table = wc.WEIGHT_UNITS if unit in wc.WEIGHT_UNITS else wc.DIMENSION_UNITS
    try:
        number = Decimal(value) * Decimal(table[unit]) / Decimal(table[store_unit])
    except (InvalidOperation, KeyError):
        return value
    rounded = number.quantize(Decimal(1).scaleb(-CONVERTED_PLACES))
    return canonical_decimal(rounded.normalize() if rounded else Decimal(0))


def convert_units(feed: CatalogFeed, store_units: dict[str, str]) -> None:
    """Bring the file's weights and dimensions to the store's units (``{"weight": "kg",
    "dimension": "cm"}``, from its settings), in place, and say so in ``feed.warnings``.
    A unit the store did not tell is left as it is, with a warning."""
    converted: dict[str, tuple[str, str]] = {}
    for name, (column, unit) in feed.units.items():
        kind = "weight" if name == "weight" else "dimension"
        store_unit = store_units.get(kind, "")
        if not store_unit:
            feed.warnings.append(
                f"{column}: the store's {kind} unit could not be read; the values are taken "
                f"as {unit} without conversion"
            )
            continue
        if store_unit != unit:
            converted[name] = (unit, store_unit)
            feed.warnings.append(
                f"{column}: the store keeps {kind}s in {store_unit}; the file's values in "
                f"{unit} are converted to {store_unit} (rounded to {CONVERTED_PLACES} decimals)"
            )
    if not converted:
        return
    for item in feed.items:
        for one in (item, *item.variations):
            for name, (unit, store_unit) in converted.items():
                value = one.values.get(name)
                if isinstance(value, str) and value:
                    one.values[name] = convert_value(value, unit, store_unit)


def resolve_shipping_classes(feed: CatalogFeed, classes: list[dict[str, Any]]) -> None:
    """Shipping class names (as WooCommerce's exporter writes them) → the slugs the API takes,
    into each item's values. A name (or slug) the store lacks rejects the row — and a parent's
    variations with it — rather than silently leaving the item without a class."""
    slugs: dict[str, str] = {}
    for entry in classes:
        slug = str(entry.get("slug", ""))
        slugs.setdefault(html.unescape(str(entry.get("name", ""))).strip().casefold(), slug)
        slugs.setdefault(slug.casefold(), slug)
    unit = "line"

    def problem(item: FeedItem) -> RowError | None:
        if not item.shipping_class:
            return None
        slug = slugs.get(html.unescape(item.shipping_class).casefold())
        if slug is not None:
            item.values["shipping_class"] = slug
            return None
        return RowError(
            feed.source,
            item.line,
            item.sku,
            wc.SHIPPING_CLASS,
            item.shipping_class,
            "unknown-shipping-class",
            f"the store has no shipping class {item.shipping_class!r}: create it under "
            "WooCommerce → Settings → Shipping → Classes, or correct the name",
            unit=unit,
        )

    kept: list[FeedItem] = []
    for item in feed.items:
        error = problem(item)
        if error is not None:
            feed.rejected.append(error)
            for variation in item.variations:
                feed.rejected.append(
                    RowError(
                        feed.source,
                        variation.line,
                        variation.sku,
                        wc.PARENT,
                        item.sku,
                        "parent-rejected",
                        f"parent {item.sku!r} was rejected: {error.message} [{error.code}]",
                        unit=unit,
                    )
                )
            continue
        for variation in list(item.variations):
            error = problem(variation)
            if error is not None:
                feed.rejected.append(error)
                item.variations.remove(variation)
        kept.append(item)
    feed.items = kept
    feed.rejected.sort(key=lambda error: error.line)


def _fields_in_file(mapping: Mapping, columns: list[str]) -> tuple[Mapping, list[str]]:
    """The mapping without the plain fields whose column the file lacks (SKU stays)."""
    have = set(columns)
    if mapping.source.header_case == "insensitive":
        have = {c.casefold() for c in columns}
    kept = {}
    absent: list[str] = []
    for name, rule in mapping.fields.items():
        wanted = [
            c if mapping.source.header_case == "exact" else c.casefold()
            for c in rule.source_columns
        ]
        if name != "sku" and any(c not in have for c in wanted):
            absent.extend(c for c in rule.source_columns if c not in absent)
            continue
        kept[name] = rule
    if not absent:
        return mapping, []
    return replace(mapping, fields=kept), absent


def _parent_values(variation: FeedItem) -> dict[str, CanonicalValue]:
    values: dict[str, CanonicalValue] = {"sku": variation.parent_ref}
    if variation.label:
        values["name"] = variation.label
    return values


def _complete_parent(parent: FeedItem) -> None:
    """A parent's attributes get the union of the options its variations use, in feed order."""
    by_key = {attribute.key: attribute for attribute in parent.attributes}
    for variation in parent.variations:
        for given in variation.attributes:
            attribute = by_key.get(given.key)
            if attribute is None:
                attribute = Attribute(given.name, [], True, given.is_global)
                parent.attributes.append(attribute)
                by_key[given.key] = attribute
            for option in given.options:
                if option.casefold() not in {o.casefold() for o in attribute.options}:
                    attribute.options.append(option)
    if parent.made_up and parent.variations:
        first = parent.variations[0]
        parent.categories = first.categories
        parent.tags = first.tags
        if "name" not in parent.values and first.label:
            parent.values["name"] = first.label


def _variation_problem(parent: FeedItem, variation: FeedItem) -> str:
    keys = {attribute.key for attribute in parent.attributes}
    for given in variation.attributes:
        if len(given.options) > 1:
            return (
                f"attribute {given.name!r} has several values {given.options}; a variation has one"
            )
        if given.key not in keys:
            return f"attribute {given.name!r} is not an attribute of parent {parent.sku!r}"
    return ""
