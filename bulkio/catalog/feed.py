"""A product feed, read through its mapping → products with their variations.

The plain fields come from the mapping through :func:`bulkio.records.records_from_source`
(casts, row errors, duplicate SKUs); the catalog vocabulary of the mapping is read here:
``[target] group_by / parent / type``, term lists by name or path (``categories``, ``tags``,
``brands``), ``images``, the linked products, ``downloads``, ``"meta:{key}"`` patterns and
``[[attributes]]`` (:mod:`bulkio.mapping.model`). No column name is known to this module:
WooCommerce's product CSV is one mapping (``mappings/woocommerce-core.toml``).

Three feed shapes are understood:

* a row per parent (type ``variable``) and a row per variation naming its parent in the
  ``parent`` column — what WooCommerce's exporter writes;
* only variation rows naming their parent: the parent is made up from the group (SKU = the
  parent value, its product fields from the first row);
* rows grouped by ``group_by`` (``g:item_group_id``): rows sharing a value are the variations
  of one variable product made up the same way; a row without a value is a simple product.

With ``[target] resource = "variation"`` every row is a variation to update (matched by SKU
in the store); :attr:`CatalogFeed.resource` says so and the plan never creates anything.

A variation whose parent row was rejected is rejected too, naming the parent's reason.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from bulkio.fields import (
    FIELDS,
    CanonicalValue,
    canonical_decimal,
    canonical_sale_date,
)
from bulkio.mapping.model import AttributeRule, ListRule, Mapping
from bulkio.mapping.units import (
    CONVERTED_PLACES,
    DIMENSION_UNITS,
    UNIT_FIELDS,
    WEIGHT_UNITS,
    convert_value,
    field_kind,
    unit_kind,
    unit_name,
)
from bulkio.records import (
    RowError,
    fit_fields,
    records_from_source,
    strip_formula_apostrophes,
)
from bulkio.sources import LINE, SourceFrame, read_source
from bulkio.sources.frame import RowsRead
from bulkio.sources.xml import VALUE_SEPARATOR

__all__ = [
    "CONVERTED_PLACES",
    "UNIT_FIELDS",
    "Attribute",
    "CatalogFeed",
    "FeedItem",
    "convert_units",
    "convert_value",
    "read_feed",
    "resolve_shipping_classes",
]

FEED_ERROR_CODES: dict[str, str] = {
    "unknown-type": "Type is not simple, variable, variation, grouped or external",
    "missing-parent": "a variation row without a parent value",
    "parent-rejected": "the variation's parent row was rejected",
    "parent-not-variable": "the parent named is a product that is not variable",
    "variation-attributes": "a variation must give one value for each of its attributes",
    "invalid-image": "an image is not an http(s) URL",
    "invalid-sale-date": "a sale date is not YYYY-MM-DD or YYYY-MM-DD HH:MM:SS",
    "unknown-shipping-class": "the store has no shipping class of that name",
    "not-a-variation": "resource = variation: the SKU belongs to a product, not a variation",
    "unknown-unit": 'unit = "in-value": the value names no unit WooCommerce offers for it',
    "variation-not-found": "resource = variation: no variation in the store has the SKU",
}

UNITS_OF = {"weight": tuple(WEIGHT_UNITS), "dimension": tuple(DIMENSION_UNITS)}
KINDS = ("simple", "variable", "variation", "external", "grouped")
VARIATION_FIELDS = tuple(name for name, spec in FIELDS.items() if "variation" in spec.resources)
PARENT_FIELDS = (
    *(name for name, spec in FIELDS.items() if "variation" not in spec.resources),
    *("description", "status", "tax_status", "tax_class"),
)
"""The fields a made-up parent takes from its group's first row (the rest are the
variations' own: prices, stock, weight …)."""
GROUPED_VARIATION_FIELDS = tuple(name for name in VARIATION_FIELDS if name != "description")
"""A grouped row's description is its product's (the group's first row gives it), not repeated
on each variation."""
SALE_DATE_FIELDS = ("date_on_sale_from", "date_on_sale_to")
SHIPPING_CLASS = "shipping_class"


@dataclass
class Attribute:
    """A product attribute as the feed gives it (options for parents, one option for variations)."""

    name: str
    options: list[str]
    visible: bool = True
    is_global: bool = False
    default: str = ""
    variation: bool | None = None
    """From the mapping: used for variations (True), only the product's (False), or decided by
    the rows (None: an attribute a variation row gives a value)."""

    @property
    def key(self) -> str:
        return attribute_key(self.name)


def attribute_key(name: str) -> str:
    """Attributes are matched by name without case (WooCommerce keys them by sanitised slug)."""
    return html.unescape(name).strip().casefold()


@dataclass(slots=True)
class FeedItem:
    """One product or variation the feed wants in the store.

    Slotted: a feed of a million rows holds a million of these (no per-item ``__dict__``)."""

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
    """The row's name (variations: used to name a made-up parent)."""
    shipping_class: str = ""
    """The shipping class cell (a class name or slug); "" = leave. Its slug goes into
    ``values`` (:func:`resolve_shipping_classes`)."""
    downloads: list[tuple[str, str]] | None = None
    """(name, URL) of each downloadable file; None = the feed says nothing (leave the store's)."""
    links: dict[str, list[str]] = field(default_factory=dict)
    """upsell_ids / cross_sell_ids / grouped_products → SKUs or ``id:<n>`` (non-empty cells)."""
    brands: list[tuple[str, ...]] | None = None
    """Brand names (paths); None = the feed says nothing. Needs WooCommerce 9.6."""
    create_only: frozenset[str] = frozenset()
    """Fields (``regular_price``, ``categories``, ``images``, ``meta:<key>``) the mapping sends
    only when creating (``on = "create"``): never compared or written on an existing item."""
    parent_values: dict[str, CanonicalValue] = field(default_factory=dict)
    """A variation row's product-level values (name, description, …): a made-up parent takes
    them from its group's first row."""
    product_attributes: list[Attribute] = field(default_factory=list)
    """A grouped variation row's attributes that are the product's own (``variation = false``):
    a made-up parent takes them from its group's first row."""
    shipping_class_column: str = ""
    value_units: dict[str, str] = field(default_factory=dict)
    """``unit = "in-value"`` fields → the unit this row's value was written in."""
    variation_image: list[str] | None = None
    """``variation_image``: the row's own variation image (its ``images`` are the product's)."""
    row_images: list[str] | None = None
    """A variation row's ``images`` cells, before ``variation_image`` took their place."""
    parent_group: str = ""
    """A simple product made from a group of one row: the group's value (``Handle``)."""


@dataclass
class CatalogFeed:
    source: str
    items: list[FeedItem]
    """Top-level products (simple and variable), each variable one with its variations; with
    ``resource = "variation"`` the variation rows themselves (kind "variation")."""
    rejected: list[RowError]
    total: int
    warnings: list[str] = field(default_factory=list)
    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Weight / dimension field → (the file's column, its unit) for the unit columns the file
    has (``weight → ("Weight (lbs)", "lbs")``); converted by :func:`convert_units`."""
    resource: str = "product"
    """``[target] resource``: "product" or "variation" (update existing variations only)."""
    value_units: dict[str, str] = field(default_factory=dict)
    """``unit = "in-value"`` fields → their column: each value says its unit ("0.3 kg")."""
    owned_fields: tuple[str, ...] = ()
    """The plain fields the mapping owns and the file has columns for (``sku``,
    ``regular_price``, ``meta:ean`` …): a field whose column is absent is not written."""
    list_columns: dict[str, str] = field(default_factory=dict)
    """List name (``upsell_ids``, ``categories`` …) → the column it was read from (messages)."""
    brands_key: str = ""
    """The mapping key that reads brands (``fields.brands``), "" when none: brands need
    WooCommerce 9.6 (``products/brands``)."""

    @property
    def variation_count(self) -> int:
        return sum(len(item.variations) for item in self.items)


# -- columns ---------------------------------------------------------------------------------


class _Columns:
    """The file's header as the mapping's vocabulary finds it (exact or ignoring case)."""

    def __init__(self, mapping: Mapping, columns: list[str]) -> None:
        self.is_xml = mapping.source.format == "xml"
        self.insensitive = mapping.source.header_case == "insensitive"
        self.header = list(columns)
        self.lookup = {self._key(c): c for c in columns}

    def _key(self, name: str) -> str:
        return name.casefold() if self.insensitive else name

    def find(self, name: str | None) -> str | None:
        if name is None:
            return None
        if self.is_xml:
            return name
        return self.lookup.get(self._key(name))

    def numbers(self, patterns: list[str]) -> list[int]:
        """The ``n`` of every header matching one of the ``{n}`` patterns, in order."""
        found: set[int] = set()
        for pattern in patterns:
            head, tail = (re.escape(part) for part in pattern.split("{n}", 1))
            regex = re.compile(f"^{head}(\\d+){tail}$", re.IGNORECASE)
            for column in self.header:
                match = regex.match(column)
                if match:
                    found.add(int(match.group(1)))
        return sorted(found)

    def numbered(self, pattern: str | None, n: int) -> str | None:
        if pattern is None:
            return None
        wanted = pattern.replace("{n}", str(n)).casefold()
        for column in self.header:
            if column.casefold() == wanted:
                return column
        return None


@dataclass
class _AttributeColumns:
    rule: AttributeRule
    column: str | None
    name_column: str | None = None
    visible_column: str | None = None
    global_column: str | None = None
    default_column: str | None = None


@dataclass
class _Layout:
    """The mapping's vocabulary resolved against one file's header."""

    mapping: Mapping
    """The mapping for records.py: plain fields whose columns the file has (units resolved)."""
    units: dict[str, tuple[str, str]]
    absent: list[str]
    lists: dict[str, tuple[ListRule, list[str]]]
    attributes: list[_AttributeColumns]
    meta: dict[str, tuple[str, str]]
    """Meta key → (column, on) from ``"meta:{key}"`` patterns."""
    downloads: list[tuple[str | None, str]]
    group_by: str | None
    parent: str | None
    type_column: str | None


def _resolve(mapping: Mapping, header: list[str]) -> _Layout:
    columns = _Columns(mapping, header)
    leave = mapping.source.missing_columns == "leave"
    absent: list[str] = []

    def need(column: str | None, key: str) -> str | None:
        if column is None:
            return None
        found = columns.find(column)
        if found is None:
            if not leave:
                _missing_column(mapping, key, column, header)
            if column not in absent:
                absent.append(column)
        return found

    fitted = fit_fields(mapping, header, is_xml=columns.is_xml)
    if not leave:
        for name, rule in mapping.fields.items():
            if rule.unit_placeholder and name not in fitted.units:
                _missing_column(mapping, f"{rule.key}.column", rule.column or "", header)
    absent.extend(fitted.absent)
    lists: dict[str, tuple[ListRule, list[str]]] = {}
    for name, lst in mapping.lists.items():
        found_columns = [c for c in (need(c, lst.key) for c in lst.columns) if c]
        if found_columns:
            lists[name] = (lst, found_columns)
    attributes: list[_AttributeColumns] = []
    for arule in mapping.attributes:
        if arule.numbered:
            for n in columns.numbers([c for c in (arule.name_column, arule.column) if c]):
                attributes.append(
                    _AttributeColumns(
                        arule,
                        columns.numbered(arule.column, n),
                        columns.numbered(arule.name_column, n),
                        columns.numbered(arule.visible_column, n),
                        columns.numbered(arule.global_column, n),
                        columns.numbered(arule.default_column, n),
                    )
                )
            continue
        found_col = need(arule.column, f"{arule.key}.column")
        if found_col is None:
            continue
        attributes.append(
            _AttributeColumns(
                arule,
                found_col,
                need(arule.name_column, f"{arule.key}.name_column"),
                need(arule.visible_column, f"{arule.key}.visible_column"),
                need(arule.global_column, f"{arule.key}.global_column"),
                need(arule.default_column, f"{arule.key}.default_column"),
            )
        )
    meta: dict[str, tuple[str, str]] = {}
    for pattern in mapping.meta_patterns:
        for column in header:
            key = pattern.match(column)
            if key is not None:
                meta.setdefault(key, (column, pattern.on))
    downloads: list[tuple[str | None, str]] = []
    rule_downloads = mapping.downloads
    if rule_downloads is not None:
        if "{n}" in rule_downloads.url_column:
            patterns = [c for c in (rule_downloads.name_column, rule_downloads.url_column) if c]
            for n in columns.numbers(patterns):
                url = columns.numbered(rule_downloads.url_column, n)
                if url is not None:
                    downloads.append((columns.numbered(rule_downloads.name_column, n), url))
        else:
            url = need(rule_downloads.url_column, "fields.downloads.url_column")
            if url is not None:
                name_col = need(rule_downloads.name_column, "fields.downloads.name_column")
                downloads.append((name_col, url))
    target = mapping.target
    return _Layout(
        mapping=fitted.mapping,
        units=fitted.units,
        absent=absent,
        lists=lists,
        attributes=attributes,
        meta=meta,
        downloads=downloads,
        group_by=need(target.group_by, "target.group_by"),
        parent=need(target.parent, "target.parent"),
        type_column=need(target.type_column, "target.type"),
    )


def _missing_column(mapping: Mapping, key: str, column: str, header: list[str]) -> None:
    from bulkio.errors import MappingError

    raise MappingError(
        mapping.path,
        key,
        f"column {column!r} is not in the file; its columns are: "
        + ", ".join(repr(name) for name in header),
        hint='fix the column name, or set [source] missing_columns = "leave" to leave the '
        "fields of absent columns as the store has them",
    )


# -- cells -----------------------------------------------------------------------------------


def _cell(row: dict[str, Any], column: str | None) -> str | None:
    if column is None:
        return None
    value = row.get(column)
    return None if value is None else str(value)


def _text(row: dict[str, Any], column: str | None) -> str:
    """A single-value cell, trimmed (XML: the first element)."""
    value = _cell(row, column) or ""
    return value.split(VALUE_SEPARATOR, 1)[0].strip()


def split_values(text: str | None, split: str | None, escape: str | None = None) -> list[str]:
    """One cell → its values: split (``escape`` before ``split`` keeps it in the value),
    trimmed, empties dropped. XML elements matching several times are several values."""
    if not text:
        return []
    values: list[str] = []
    for piece in text.split(VALUE_SEPARATOR):
        if split is None:
            parts = [piece]
        elif escape:
            pattern = f"(?<!{re.escape(escape)}){re.escape(split)}"
            parts = [part.replace(escape + split, split) for part in re.split(pattern, piece)]
        else:
            parts = piece.split(split)
        values.extend(part.strip() for part in parts if part.strip())
    return values


def _list_values(row: dict[str, Any], rule: ListRule, columns: list[str]) -> list[str] | None:
    """The list's values over its columns in order; None when every cell is empty and the
    rule leaves empty cells (the store's list stays)."""
    values: list[str] = []
    for column in columns:
        values.extend(split_values(_cell(row, column), rule.split, rule.escape))
    if not values and rule.empty == "leave":
        return None
    return values


def _paths(values: list[str], hierarchy: str | None) -> list[tuple[str, ...]]:
    """Names → term paths (``Bekleidung > Herren`` → ``("Bekleidung", "Herren")``)."""
    paths: list[tuple[str, ...]] = []
    for value in values:
        parts = value.split(hierarchy) if hierarchy else [value]
        path = tuple(part.strip() for part in parts if part.strip())
        if path and path not in paths:
            paths.append(path)
    return paths


def _flag(text: str | None) -> bool | None:
    """WooCommerce's ``wc_string_to_bool``: 1/yes/true/on are true; empty means not given."""
    if text is None or text.strip() == "":
        return None
    return text.strip().lower() in ("1", "yes", "true", "on")


def _attributes(
    row: dict[str, Any],
    found: list[_AttributeColumns],
    group_names: dict[int, str] | None = None,
) -> list[Attribute]:
    """The row's attributes. ``group_names``: in a group, the names its first row gave (by
    position in ``found``) — a later row leaving the name cell empty takes them (Shopify writes
    ``Option1 Name`` on a handle's first row only), and names it gives are remembered."""
    result: list[Attribute] = []
    for index, entry in enumerate(found):
        rule = entry.rule
        name = rule.name or _text(row, entry.name_column)
        if group_names is not None:
            if name:
                group_names.setdefault(index, name)
            else:
                name = group_names.get(index, "")
        if not name:
            continue
        ignored = {value.casefold() for value in rule.ignore_values}
        values = [
            value
            for value in split_values(_cell(row, entry.column), rule.split, rule.escape)
            if value.casefold() not in ignored
        ]
        if not values and rule.name is None and ignored and _text(row, entry.column):
            continue  # only ignored values ("Default Title"): not an attribute of the row
        visible = _flag(_cell(row, entry.visible_column))
        is_global = _flag(_cell(row, entry.global_column))
        default = _text(row, entry.default_column) or (rule.default or "")
        if not values and rule.name is not None:
            continue  # a fixed attribute this row gives no value: not the row's attribute
        result.append(
            Attribute(
                name=name,
                options=values,
                visible=rule.visible if visible is None else visible,
                is_global=rule.is_global if is_global is None else is_global,
                default=default,
                variation=rule.variation,
            )
        )
    return result


# -- the reader ------------------------------------------------------------------------------


def read_feed(
    mapping: Mapping, path: str | Path, *, progress: RowsRead | None = None
) -> CatalogFeed:
    """Read and validate a product feed through its mapping; bad rows are rejected, never
    raised. A column the mapping names but the file lacks is a MappingError, unless the
    mapping says ``[source] missing_columns = "leave"`` (WooCommerce's layout: a file may carry
    only some of its columns; those fields are left as the store has them, named in
    ``warnings``). The SKU column is always required. ``progress`` hears the rows read so
    far (progress bars)."""
    source = read_source(path, mapping.source, paths=mapping.source_columns, progress=progress)
    if mapping.source.strip_formula_apostrophe:
        source = strip_formula_apostrophes(source)
    layout = _resolve(mapping, list(source.columns))
    source, value_units = _split_value_units(layout.mapping, source)
    reader = _Reader(mapping, layout, str(path))
    reader.value_units = value_units
    records = records_from_source(layout.mapping, source)
    reader.unit = records.unit
    reader.rejected = list(records.rejected)
    for error in reader.rejected:
        if error.sku:
            reader.reasons.setdefault(error.sku.casefold(), f"{error.message} [{error.code}]")
    with paused_gc():
        accepted = dict(records.iter_rows())
        # The values now live in ``accepted`` (and then in the items): the records' frame,
        # every accepted row's canonical columns, can go before the items are made.
        records = replace(records, frame=records.frame.clear())
        skuless = {e.line for e in reader.rejected if e.code == "missing-sku"}
        for row in source.frame.iter_rows(named=True):
            values = accepted.pop(int(row[LINE]), None)
            if values is not None:
                reader.row(row, values)
            elif int(row[LINE]) in skuless:
                reader.image_row(row)
        items = reader.finish()
    warnings = list(records.warnings)
    if layout.absent:
        warnings.append(
            f"{path}: no column {', '.join(repr(c) for c in layout.absent)}: "
            "those fields are left as the store has them"
        )
    reader.rejected.sort(key=lambda error: error.line)
    brands = mapping.lists.get("brands")
    return CatalogFeed(
        str(path),
        items,
        reader.rejected,
        records.total,
        warnings,
        layout.units,
        resource="variation" if mapping.target.resource == "variation" else "product",
        brands_key=brands.key if brands is not None else "",
        list_columns={name: columns[0] for name, (_, columns) in layout.lists.items()},
        owned_fields=tuple(layout.mapping.fields),
        value_units={name: column for name, (column, _) in value_units.items()},
    )


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a feed's rows become items.

    The loop allocates several objects per row and frees almost none, so CPython's collector
    runs again and again, each time walking every item made so far: a quarter of the time of
    reading 100,000 rows (bench/RESULTS.md, Client cost). The items hold no reference cycles;
    collection resumes as before once the loop is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Reader:
    """Turns accepted rows into feed items (:func:`read_feed`)."""

    def __init__(self, mapping: Mapping, layout: _Layout, path: str) -> None:
        self.mapping = mapping
        self.layout = layout
        self.path = path
        self.unit = "line"
        self.rejected: list[RowError] = []
        self.reasons: dict[str, str] = {}
        self.products: list[FeedItem] = []
        self.variations: list[FeedItem] = []
        self.group_names: dict[str, dict[int, str]] = {}
        self.value_units: dict[str, tuple[str, dict[int, str]]] = {}
        self.group_images: dict[str, list[str]] = {}
        """Images of SKU-less rows of a group (Shopify's image rows): the product's gallery."""
        self.image_lines: dict[str, list[int]] = {}
        rules = [*mapping.fields.values()]
        self.create_only = frozenset(
            [r.name for r in rules if r.on == "create"]
            + [r.name for r in mapping.lists.values() if r.on == "create"]
            + [f"meta:{k}" for k, (_, on) in layout.meta.items() if on == "create"]
        )
        self.money = {
            name: rule.column
            for name, rule in layout.mapping.fields.items()
            if rule.spec.kind == "money" and rule.column and not rule.map
        }
        self.newlines = {
            name: rule.newlines for name, rule in layout.mapping.fields.items() if rule.newlines
        }
        self.columns = {name: rule.column for name, rule in layout.mapping.fields.items()}

    def reject(self, line: int, sku: str, col: str, value: str | None, code: str, msg: str) -> None:
        self.rejected.append(RowError(self.path, line, sku, col, value, code, msg, unit=self.unit))
        self.reasons.setdefault(sku.casefold(), f"{msg} [{code}]")

    def row(self, row: dict[str, Any], values: dict[str, CanonicalValue]) -> None:
        line = int(row[LINE])
        sku = str(values.get("sku", ""))
        if not self.clean_values(row, line, sku, values):
            return
        kind, parent_ref = self.kind(row, line, sku, values)
        if not kind:
            return
        item = FeedItem(
            line=line,
            sku=sku,
            kind=kind,
            values=values,
            parent_ref=parent_ref,
            label=str(values.get("name") or ""),
            create_only=self.create_only,
        )
        if not self.read_value_units(row, item):
            return
        item.shipping_class = str(values.pop(SHIPPING_CLASS, "") or "").strip()
        item.shipping_class_column = self.columns.get(SHIPPING_CLASS) or ""
        for name in [n for n in values if n.startswith("meta:")]:
            value = values.pop(name)
            if value is not None:
                item.meta[name[5:]] = str(value)
        for key, (column, _on) in self.layout.meta.items():
            value = _cell(row, column)
            if value:
                item.meta[key] = value
        if not self.read_lists(row, item):
            return
        item.downloads = self.downloads(row)
        group_names = None
        if self.mapping.target.group_by and parent_ref:
            group_names = self.group_names.setdefault(parent_ref.casefold(), {})
        item.attributes = _attributes(row, self.layout.attributes, group_names)
        if kind == "variation":
            item.parent_values = {k: v for k, v in values.items() if k in PARENT_FIELDS}
            if "variation_image" in self.layout.lists:
                item.row_images, item.images = item.images or [], item.variation_image
            own = GROUPED_VARIATION_FIELDS if self.mapping.target.group_by else VARIATION_FIELDS
            item.values = {k: v for k, v in values.items() if k in own}
            item.links = {}
            if self.mapping.target.resource == "variation":
                self.products.append(item)
                return
            if self.mapping.target.group_by:
                # The product's own attributes go to the parent (from the first row).
                item.product_attributes = [a for a in item.attributes if a.variation is False]
                item.attributes = [a for a in item.attributes if a.variation is not False]
            if not item.parent_ref:
                column = self.layout.parent or self.mapping.target.parent or "parent"
                self.reject(
                    line,
                    sku,
                    column,
                    "",
                    "missing-parent",
                    f"a variation row needs the parent's SKU in the {column} column",
                )
                return
            self.variations.append(item)
            return
        self.products.append(item)

    def read_value_units(self, row: dict[str, Any], item: FeedItem) -> bool:
        """``unit = "in-value"``: the unit each value was written in; False (rejected) when a
        value names none WooCommerce offers for its kind."""
        for name, (column, units) in self.value_units.items():
            if item.values.get(name) in (None, ""):
                continue
            unit = unit_name(units.get(int(row[LINE]), ""))
            if unit_kind(unit) != field_kind(name):
                shown = units.get(int(row[LINE]), "")
                self.reject(
                    item.line,
                    item.sku,
                    column,
                    f"{item.values[name]} {shown}".strip(),
                    "unknown-unit",
                    f"{column}: {shown or 'no unit'!r} is not a {field_kind(name)} unit "
                    f"WooCommerce offers ({', '.join(UNITS_OF[field_kind(name)])})",
                )
                return False
            item.value_units[name] = unit
        return True

    def image_row(self, row: dict[str, Any]) -> bool:
        """A row of a group without a SKU that gives images (Shopify writes a product's further
        images so): its images join the group's product gallery; the row is not an item."""
        if not self.layout.group_by or "images" not in self.layout.lists:
            return False
        group = _text(row, self.layout.group_by)
        rule, columns = self.layout.lists["images"]
        images = _list_values(row, rule, columns) or []
        good = [url for url in images if url.lower().startswith(("http://", "https://"))]
        if not group or not good or len(good) != len(images):
            return False
        self.group_images.setdefault(group.casefold(), []).extend(good)
        self.image_lines.setdefault(group.casefold(), []).append(int(row[LINE]))
        return True

    def clean_values(
        self, row: dict[str, Any], line: int, sku: str, values: dict[str, CanonicalValue]
    ) -> bool:
        """Line-break escapes, prices as written, sale dates; False when the row is rejected."""
        for name, escape in self.newlines.items():
            if isinstance(values.get(name), str):
                values[name] = decode_newlines(str(values[name]), escape)
        self.compare_at(row, values)
        for name, column in self.money.items():
            if values.get(name):
                values[name] = _price_as_written(
                    str(values[name]), _cell(row, column), self.mapping.source.decimal
                )
        for name in SALE_DATE_FIELDS:
            value = values.get(name)
            if not isinstance(value, str):
                continue
            try:
                values[name] = canonical_sale_date(value)
            except ValueError as exc:
                column = self.columns.get(name) or name
                self.reject(line, sku, column, value, "invalid-sale-date", f"{column}: {exc}")
                return False
        return True

    def compare_at(self, row: dict[str, Any], values: dict[str, CanonicalValue]) -> None:
        """``regular_price = { …, compare_at = "…" }``: a compare-at price above the row's price
        makes the row's price the sale price and itself the regular one; otherwise the sale is
        cleared."""
        rule = self.mapping.fields.get("regular_price")
        price = values.get("regular_price")
        if rule is None or rule.compare_at is None or not isinstance(price, str) or not price:
            return
        was = _number(_text(row, rule.compare_at), self.mapping.source.decimal)
        now = _number(price, ".")
        if was is not None and now is not None and was > now:
            values["sale_price"] = price
            values["regular_price"] = canonical_decimal(str(was), min_places=2)
        else:
            values["sale_price"] = ""

    def kind(
        self, row: dict[str, Any], line: int, sku: str, values: dict[str, CanonicalValue]
    ) -> tuple[str, str]:
        """(kind, parent reference) of a row; ("", "") when it is rejected."""
        target = self.mapping.target
        if target.resource == "variation":
            return "variation", ""
        parent_ref = ""
        if self.layout.group_by:
            parent_ref = _text(row, self.layout.group_by)
        elif self.layout.parent:
            parent_ref = _text(row, self.layout.parent)
        type_cell = _text(row, self.layout.type_column)
        type_text = type_cell.lower() or ("variation" if parent_ref else "simple")
        kinds = [part.strip() for part in type_text.split(",") if part.strip()]
        kind = kinds[0] if kinds else "simple"
        if type_cell:
            # A type cell may carry flags after the type: "simple, downloadable, virtual".
            values["virtual"] = "virtual" in kinds[1:]
            values["downloadable"] = "downloadable" in kinds[1:]
        if kind not in KINDS:
            self.reject(
                line,
                sku,
                self.layout.type_column or "type",
                type_text,
                "unknown-type",
                f"{self.layout.type_column or 'type'} {type_text!r} is not simple, variable, "
                "variation, grouped or external",
            )
            return "", ""
        if kind != "variation" and target.group_by and parent_ref:
            kind = "variation"  # a grouped row is a variation of the group's product
        return kind, parent_ref

    def read_lists(self, row: dict[str, Any], item: FeedItem) -> bool:
        for name, (rule, columns) in self.layout.lists.items():
            values = _list_values(row, rule, columns)
            if values is None:
                continue
            if name == "variation_image":
                item.variation_image = values[:1]
                continue
            if name == "images":
                bad = [url for url in values if not url.lower().startswith(("http://", "https://"))]
                if bad:
                    self.reject(
                        item.line,
                        item.sku,
                        columns[0],
                        bad[0],
                        "invalid-image",
                        f"image {bad[0]!r} is not an http(s) URL",
                    )
                    return False
                item.images = values
            elif name == "categories":
                item.categories = _paths(values, rule.hierarchy)
            elif name == "brands":
                item.brands = _paths(values, rule.hierarchy)
            elif name == "tags":
                item.tags = values
            elif values and item.kind != "variation":
                item.links[name] = values
        return True

    def downloads(self, row: dict[str, Any]) -> list[tuple[str, str]] | None:
        found = [
            (_text(row, name_col), _text(row, url_col))
            for name_col, url_col in self.layout.downloads
        ]
        if not any(url for _, url in found):
            return None
        return [(name or url.rsplit("/", 1)[-1], url) for name, url in found if url]

    def finish(self) -> list[FeedItem]:
        products = self.products
        if self.mapping.target.resource == "variation":
            return products
        by_sku = {item.sku.casefold(): item for item in products}
        for variation in self.variations:
            parent = self.parent_of(variation, by_sku, products)
            if parent is not None:
                parent.variations.append(variation)
        if self.mapping.target.group_by:
            products[:] = [_single_row_group(item) for item in products]
            absorbed: set[int] = set()
            for item in products:
                group = (item.parent_group or item.sku).casefold()
                extra = self.group_images.get(group, [])
                rule = self.layout.lists.get("images")
                if rule is not None and rule[0].scope == "group" and item.made_up:
                    rows = [
                        url
                        for v in item.variations
                        for url in (v.row_images if v.row_images is not None else v.images) or ()
                    ]
                    item.images = list(dict.fromkeys([*(item.images or []), *rows])) or None
                if extra and (item.made_up or item.parent_group):
                    item.images = list(dict.fromkeys([*(item.images or []), *extra]))
                    absorbed.update(self.image_lines.get(group, []))
            self.rejected = [
                e for e in self.rejected if not (e.code == "missing-sku" and e.line in absorbed)
            ]
        for parent in products:
            if parent.kind == "variable":
                _complete_parent(parent)
                for variation in list(parent.variations):
                    problem = _variation_problem(parent, variation)
                    if problem:
                        parent.variations.remove(variation)
                        self.reject(
                            variation.line,
                            variation.sku,
                            self.attribute_column(),
                            json.dumps([a.name for a in variation.attributes]),
                            "variation-attributes",
                            problem,
                        )
        return products

    def attribute_column(self) -> str:
        for entry in self.layout.attributes:
            if entry.column:
                return entry.column
        return "attributes"

    def parent_of(
        self, variation: FeedItem, by_sku: dict[str, FeedItem], products: list[FeedItem]
    ) -> FeedItem | None:
        ref = variation.parent_ref
        key = ref.casefold()
        column = self.layout.group_by or self.layout.parent or "parent"
        parent = by_sku.get(key)
        if parent is None and key in self.reasons:
            self.reject(
                variation.line,
                variation.sku,
                column,
                ref,
                "parent-rejected",
                f"parent {ref!r} was rejected: {self.reasons[key]}",
            )
            return None
        if parent is None:
            parent = _made_up_parent(variation, self.mapping)
            by_sku[key] = parent
            products.append(parent)
        if parent.kind != "variable":
            self.reject(
                variation.line,
                variation.sku,
                column,
                ref,
                "parent-not-variable",
                f"parent {ref!r} is a {parent.kind} product in this file, not variable",
            )
            return None
        return parent


def _single_row_group(item: FeedItem) -> FeedItem:
    """A group of one row whose row gives no variation attribute (Shopify's product without
    options: ``Option1 Value = Default Title``, ignored) is a simple product with the row's SKU."""
    if not item.made_up or len(item.variations) != 1 or item.variations[0].attributes:
        return item
    (row,) = item.variations
    values = {**item.values, **row.parent_values, **row.values, "sku": row.sku}
    return replace(
        item,
        sku=row.sku,
        kind="simple",
        values=values,
        variations=[],
        line=row.line,
        meta=dict(row.meta),
        downloads=row.downloads,
        parent_group=item.sku,
        made_up=False,
    )


def _made_up_parent(variation: FeedItem, mapping: Mapping) -> FeedItem:
    """The variable product of a group without a row of its own: SKU = the group value (or
    ``id:<n>`` names a store product), its product fields, terms, images and the product's own
    attributes from the group's first row."""
    ref = variation.parent_ref
    if ref.lower().startswith("id:"):
        return FeedItem(
            line=variation.line, sku="", kind="variable", values={}, parent_ref=ref, made_up=True
        )
    values: dict[str, CanonicalValue] = {"sku": ref}
    values.update((k, v) for k, v in variation.parent_values.items() if v is not None)
    parent = FeedItem(
        line=variation.line,
        sku=ref,
        kind="variable",
        values=values,
        made_up=True,
        create_only=variation.create_only,
        categories=variation.categories,
        tags=variation.tags,
        brands=variation.brands,
        images=(
            (variation.row_images or None) if variation.row_images is not None else variation.images
        ),
        meta={},
        shipping_class=variation.shipping_class,
    )
    parent.attributes = [replace(a, options=list(a.options)) for a in variation.product_attributes]
    if "name" not in parent.values and variation.label:
        parent.values["name"] = variation.label
    return parent


def _number(text: str, decimal: str) -> Decimal | None:
    """A price cell as a number (the file's decimal separator; spaces and currency codes off)."""
    cleaned = re.sub(r"[^0-9.,\-]", "", text)
    if decimal == ",":
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        return Decimal(cleaned) if cleaned else None
    except InvalidOperation:
        return None


def decode_newlines(text: str, escape: str) -> str:
    """``escape`` (WooCommerce's exporter: the two characters ``\\n``) stands for a line break;
    a backslash before it keeps it literal (``\\\\n`` → ``\\n``)."""
    placeholder = "\x00"
    return (
        text.replace("\\" + escape, placeholder).replace(escape, "\n").replace(placeholder, escape)
    )


@functools.lru_cache(maxsize=65536)
def _price_as_written(canonical: str, cell: str | None, decimal: str) -> str:
    """The price to send: the cell as written (``20``, ``.5``, ``19.90``), which is what
    WooCommerce keeps (``wc_format_decimal`` trims nothing) and what its own importer stores;
    the canonical form when the cell needs more than a decimal comma turned into a point.
    Prices are compared as numbers (:mod:`bulkio.fields` ``money``), so either form is equal.
    Cached: a feed's prices repeat (the same few hundred values over 100,000 rows)."""
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


def convert_units(feed: CatalogFeed, store_units: dict[str, str]) -> None:
    """Bring the file's weights and dimensions to the store's units (``{"weight": "kg",
    "dimension": "cm"}``, from its settings), in place, and say so in ``feed.warnings``.
    A unit the store did not tell is left as it is, with a warning."""
    converted: dict[str, tuple[str, str]] = {}
    for name, (column, unit) in feed.units.items():
        kind = field_kind(name)
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
    _convert_value_units(feed, store_units)
    if not converted:
        return
    for item in feed.items:
        for one in (item, *item.variations):
            for name, (unit, store_unit) in converted.items():
                value = one.values.get(name)
                if isinstance(value, str) and value:
                    one.values[name] = convert_value(value, unit, store_unit)


def _convert_value_units(feed: CatalogFeed, store_units: dict[str, str]) -> None:
    """``unit = "in-value"`` fields: each value from its own unit to the store's."""
    for name, column in feed.value_units.items():
        store_unit = store_units.get(field_kind(name), "")
        if not store_unit:
            feed.warnings.append(
                f"{column}: the store's {field_kind(name)} unit could not be read; the values "
                "are taken without conversion"
            )
            continue
        count = 0
        for item in feed.items:
            for one in (item, *item.variations):
                value, unit = one.values.get(name), one.value_units.get(name)
                if isinstance(value, str) and value and unit and unit != store_unit:
                    one.values[name] = convert_value(value, unit, store_unit)
                    count += 1
        if count:
            feed.warnings.append(
                f"{column}: {count} value(s) converted to the store's {store_unit} (rounded to "
                f"{CONVERTED_PLACES} decimals)"
            )


def _split_value_units(
    mapping: Mapping, source: SourceFrame
) -> tuple[SourceFrame, dict[str, tuple[str, dict[int, str]]]]:
    """``unit = "in-value"`` columns: the number stays in the column (records.py casts it), the
    unit of each row is kept by line (``"0.3 kg"`` → ``0.3``, ``kg``)."""
    found: dict[str, tuple[str, dict[int, str]]] = {}
    frame = source.frame
    for name, rule in mapping.fields.items():
        if rule.unit != "in-value" or rule.column not in frame.columns:
            continue
        column = str(rule.column)
        text = pl.col(column).str.split(VALUE_SEPARATOR).list.first().str.strip_chars()
        pattern = r"^([-+]?[0-9][0-9.,\s]*?)\s*([A-Za-z]+)\.?$"
        parts = frame.select(
            pl.col(LINE),
            text.str.extract(pattern, 1).alias("number"),
            text.str.extract(pattern, 2).alias("unit"),
        )
        units = {
            int(line): unit or "" for line, unit in zip(parts[LINE], parts["unit"], strict=True)
        }
        frame = frame.with_columns(
            pl.when(parts["number"].is_not_null())
            .then(pl.Series(parts["number"]))
            .otherwise(pl.col(column))
            .alias(column)
        )
        found[name] = (column, units)
    return (replace(source, frame=frame) if found else source), found


def shipping_slugs(classes: list[dict[str, Any]]) -> dict[str, str]:
    """The store's shipping classes by name and by slug (casefolded) → slug."""
    slugs: dict[str, str] = {}
    for entry in classes:
        slug = str(entry.get("slug", ""))
        slugs.setdefault(html.unescape(str(entry.get("name", ""))).strip().casefold(), slug)
        slugs.setdefault(slug.casefold(), slug)
    return slugs


def shipping_class_known(cell: str, slugs: dict[str, str]) -> bool:
    """Whether a shipping class cell ("" = leave) names a class of the store."""
    return not cell or html.unescape(cell).casefold() in slugs


def resolve_shipping_classes(feed: CatalogFeed, classes: list[dict[str, Any]]) -> None:
    """Shipping class names (as WooCommerce's exporter writes them) → the slugs the API takes,
    into each item's values. A name (or slug) the store lacks rejects the row — and a parent's
    variations with it — rather than silently leaving the item without a class."""
    slugs = shipping_slugs(classes)
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
            item.shipping_class_column or SHIPPING_CLASS,
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
                        "parent",
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


def _complete_parent(parent: FeedItem) -> None:
    """A parent's attributes get the union of the options its variations use, in feed order."""
    by_key = {attribute.key: attribute for attribute in parent.attributes}
    for variation in parent.variations:
        for given in variation.attributes:
            attribute = by_key.get(given.key)
            if attribute is None:
                attribute = Attribute(
                    given.name, [], given.visible if parent.made_up else True, given.is_global
                )
                parent.attributes.append(attribute)
                by_key[given.key] = attribute
            if parent.made_up and given.default and not attribute.default:
                attribute.default = given.default
            for option in given.options:
                if option.casefold() not in {o.casefold() for o in attribute.options}:
                    attribute.options.append(option)


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
