"""What a loaded mapping file says, as plain frozen data.

The loader (:mod:`bulkio.mapping.load`) builds these objects only after every key has been
checked, so code downstream can trust them: a :class:`FieldRule` always names a known field, its
constants are already canonical (:mod:`bulkio.fields`), and combinations that make no sense were
refused with a :class:`~bulkio.errors.MappingError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bulkio.fields import CanonicalValue, FieldSpec, Resource

if TYPE_CHECKING:
    from bulkio.plan.missing import Manages

SourceFormat = Literal["csv", "xml"]
HeaderCase = Literal["exact", "insensitive"]
MissingPolicy = Literal["ignore", "draft", "private", "out-of-stock", "delete"]
TrashedPolicy = Literal["create", "restore"]
EmptyPolicy = Literal["leave", "clear"]
DuplicatePolicy = Literal["reject", "sum"]
CastType = Literal["text", "money", "decimal", "int", "bool", "date"]
FilterOp = Literal["equals", "in", "regex", "empty"]
FilterAction = Literal["skip", "keep"]
OnPolicy = Literal["always", "create"]
"""``on``: "always" (compared and written on every run) or "create" (sent when bulkio creates
the product or variation, never compared or written afterwards)."""

DEFAULT_TRUE_WORDS = ("1", "true", "yes", "y", "on", "x")
DEFAULT_FALSE_WORDS = ("0", "false", "no", "n", "off")


@dataclass(frozen=True)
class SourceOptions:
    """``[source]``: how to read the file."""

    format: SourceFormat = "csv"
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    decimal: Literal[".", ","] = "."
    thousands: str = ""
    """Thousands separator inside numbers ("" = none); removed before parsing."""
    header_case: HeaderCase = "exact"
    record: str | None = None
    """XML only: the absolute path of the record elements, e.g. ``/catalog/item``."""
    namespaces: dict[str, str] = field(default_factory=dict)
    """XML only: prefix → namespace URI, for ``record`` and field paths."""
    missing_columns: Literal["error", "leave"] = "error"
    """A column the mapping names but the file lacks: an "error" (the default), or "leave" the
    fields it feeds as the store has them, with a warning (a layout whose files may carry only
    some of its columns, as WooCommerce's product CSV)."""
    strip_formula_apostrophe: bool = False
    """``[source] strip_formula_apostrophe``: drop the apostrophe a spreadsheet export puts
    before a cell starting with ``= + - @`` (WooCommerce's exporter does; its importer drops
    it from every cell)."""


@dataclass(frozen=True)
class TargetOptions:
    """``[target]``: what the rows become in the store."""

    resource: Resource = "product"
    match: Literal["sku"] = "sku"
    missing: MissingPolicy = "ignore"
    """What to do with store records the feed does not mention (acted on by the plan)."""
    on_trashed: TrashedPolicy = "restore"
    """When a row's SKU belongs to a product in the trash: restore and update it, or create anew."""
    manages: Manages | None = None
    """Which store records the feed manages (needed by every ``missing`` policy but "ignore");
    parsed by :meth:`bulkio.plan.missing.Manages.parse`."""
    feed: str | None = None
    """``[target] feed``: the feed's id (default: the mapping file's stem). It keys the run lock,
    the last-run state and the meta marker of managed products (:func:`bulkio.runs.feed_id`)."""
    duplicates: DuplicatePolicy = "reject"
    """The same SKU on several rows: "reject" the later rows, or "sum" their quantities (stock
    mappings only, where it is the default: one line per warehouse; see docs/stock.md)."""
    group_by: str | None = None
    """``[target] group_by``: the column (XML path) whose non-empty value groups rows into one
    variable product; each such row is a variation, the parent's SKU is the group value."""
    parent: str | None = None
    """``[target] parent``: the column naming the parent (SKU or ``id:<n>``) of variation rows
    (WooCommerce's ``Parent``); rows with an empty cell are products."""
    type_column: str | None = None
    """``[target] type``: the column giving each row's product type (simple, variable,
    variation, grouped, external; flags ``virtual`` / ``downloadable`` may follow after commas)."""

    @property
    def groups_rows(self) -> bool:
        """Whether rows can be variations of a parent (``group_by`` or ``parent``)."""
        return bool(self.group_by or self.parent)

    @property
    def columns(self) -> list[str]:
        """The source columns the target options read."""
        return [c for c in (self.group_by, self.parent, self.type_column) if c]


@dataclass(frozen=True)
class FieldRule:
    """``[fields] <name> = …``: where one owned field's value comes from and how it is cast.

    Exactly one of ``column``, ``template`` or ``has_value`` is set.
    """

    name: str
    """The WooCommerce field name (``regular_price``, ``meta:ean``, ``dimensions.width``)."""
    spec: FieldSpec
    key: str
    """The mapping key path for messages, e.g. ``fields.regular_price``."""
    column: str | None = None
    """CSV header name or, for XML, a path relative to the record element."""
    template: str | None = None
    has_value: bool = False
    value: CanonicalValue = None
    """The constant (already canonical) when ``has_value``."""
    type: CastType = "text"
    map: dict[str, CanonicalValue] | None = None
    """Source text (after trimming) → canonical value; for term lists, applied to each item."""
    default: CanonicalValue = None
    has_default: bool = False
    """Whether values missing from ``map`` become ``default`` instead of passing through."""
    split: str | None = None
    hierarchy: str | None = None
    trim: bool = True
    empty: EmptyPolicy = "leave"
    true_words: tuple[str, ...] = DEFAULT_TRUE_WORDS
    false_words: tuple[str, ...] = DEFAULT_FALSE_WORDS
    date_format: str | None = None
    allow_negative: bool = False
    """Accept negative numbers where the field normally refuses them (a stock mapping that owns
    ``backorders``: the stock plan then checks each negative row against its backorders)."""
    on: OnPolicy = "always"
    currency: str | None = None
    """Money only: the ISO code the file's prices must be in (``"19.99 EUR"``, ``"EUR 19.99"``
    and a bare ``"19.99"`` pass; another code rejects the row: ``wrong-currency``)."""
    unit: str | None = None
    """Weights and dimensions: the file's unit (fixed ``unit = "g"``); with a ``{unit}``
    placeholder in ``column`` the unit is read from the header instead."""
    newlines: str | None = None
    """Texts: the escape that stands for a line break in a cell (WooCommerce writes ``\\n``)."""
    compare_at: str | None = None
    """``regular_price`` only: a "compare at" (was) price column. Where it is above the row's
    price, it is the regular price and the row's price the sale price; otherwise the row's price
    is the regular price and the sale is cleared (Shopify's ``Variant Compare At Price``)."""

    @property
    def unit_placeholder(self) -> bool:
        """Whether ``column`` reads the unit from the header (``"Weight ({unit})"``)."""
        return self.column is not None and "{unit}" in self.column

    @property
    def is_list(self) -> bool:
        """True when the field holds a list (term ids)."""
        return self.spec.kind == "terms"

    @property
    def source_columns(self) -> list[str]:
        """The source columns (or XML paths) this rule reads."""
        if self.column is not None:
            return [self.column, *([self.compare_at] if self.compare_at else [])]
        if self.template is not None:
            from bulkio.mapping.template import template_columns

            return template_columns(self.template)
        return []


ListName = Literal[
    "categories",
    "tags",
    "brands",
    "images",
    "variation_image",
    "upsell_ids",
    "cross_sell_ids",
    "grouped_products",
]
LIST_NAMES: tuple[str, ...] = (
    "categories",
    "tags",
    "brands",
    "images",
    "variation_image",
    "upsell_ids",
    "cross_sell_ids",
    "grouped_products",
)
TERM_LISTS = ("categories", "tags", "brands")


@dataclass(frozen=True)
class ListRule:
    """``[fields] categories / tags / brands / images / upsell_ids / …``: a list of names,
    paths, URLs or SKUs read from one column (split) or several (``columns``)."""

    name: str
    key: str
    columns: tuple[str, ...]
    split: str | None = None
    escape: str | None = None
    """A character that, put before ``split``, keeps it inside the value (WooCommerce: ``\\``)."""
    hierarchy: str | None = None
    """Term paths: the separator between levels (``Bekleidung > Herren``)."""
    on: OnPolicy = "always"
    empty: EmptyPolicy = "leave"
    """An empty cell: "leave" the store's list, or "clear" it."""
    scope: Literal["row", "group"] = "row"
    """``"group"`` (images with ``group_by``): the product's list is every row of its group's
    values in file order, duplicates dropped, not only the first row's."""


@dataclass(frozen=True)
class AttributeRule:
    """``[[attributes]]``: one product attribute, or a numbered family (``{n}`` in its columns)."""

    key: str
    """``attributes[0]``, for messages."""
    column: str
    name: str | None = None
    name_column: str | None = None
    split: str | None = None
    escape: str | None = None
    is_global: bool = False
    visible: bool = True
    variation: bool | None = None
    """Used for variations: None = decided by the rows (a variation row gives it a value)."""
    visible_column: str | None = None
    global_column: str | None = None
    default_column: str | None = None
    default: str | None = None
    """A fixed default option for the variable product (``default_attributes``)."""
    ignore_values: tuple[str, ...] = ()
    """Values that mean "no such attribute" (Shopify's ``Default Title``), compared without case."""

    @property
    def numbered(self) -> bool:
        return "{n}" in self.column

    @property
    def columns(self) -> list[str]:
        return [
            c
            for c in (
                self.name_column,
                self.column,
                self.visible_column,
                self.global_column,
                self.default_column,
            )
            if c
        ]


@dataclass(frozen=True)
class MetaPattern:
    """``"meta:{key}" = "Meta: {key}"``: every column matching the pattern is a meta entry."""

    key: str
    prefix: str
    suffix: str
    on: OnPolicy = "always"

    def match(self, column: str) -> str | None:
        """The meta key a column stands for, or None."""
        if len(column) <= len(self.prefix) + len(self.suffix):
            return None
        if column.startswith(self.prefix) and column.endswith(self.suffix):
            return column[len(self.prefix) : len(column) - len(self.suffix)]
        return None


@dataclass(frozen=True)
class DownloadsRule:
    """``downloads = { name_column = "Download {n} name", url_column = "Download {n} URL" }``
    (``{n}`` = 1, 2, … while the file has the column), or one file without ``{n}``."""

    key: str
    url_column: str
    name_column: str | None = None


@dataclass(frozen=True)
class FilterRule:
    """``[[filters]]``: a rule that skips rows (``action = "skip"``) or keeps only matching ones."""

    key: str
    column: str
    op: FilterOp
    operand: str | tuple[str, ...] | bool
    action: FilterAction = "skip"


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file."""

    path: str
    source: SourceOptions
    target: TargetOptions
    fields: dict[str, FieldRule]
    """Owned fields by WooCommerce name, ``sku`` first, then in file order."""
    filters: tuple[FilterRule, ...] = ()
    limits: dict[str, float | int | str] = field(default_factory=dict)
    """``[limits]`` as written (numbers, or text like "50%" / "off"); checked at load with
    :func:`bulkio.safety.resolve_limits`, which also gives them their meaning."""
    warnings: tuple[str, ...] = ()
    """Load-time warnings: combinations that are valid but may not converge for some rows
    (``bulkio mapping validate`` and ``bulkio import`` print them)."""
    lists: dict[str, ListRule] = field(default_factory=dict)
    """Term names / paths, images and linked products (read by the catalog feed)."""
    attributes: tuple[AttributeRule, ...] = ()
    meta_patterns: tuple[MetaPattern, ...] = ()
    downloads: DownloadsRule | None = None

    @property
    def owned_fields(self) -> list[str]:
        """The WooCommerce field names this mapping owns (compared and written); ``sku`` first."""
        return list(self.fields)

    @property
    def source_columns(self) -> list[str]:
        """Every source column / XML path the mapping reads, in first-use order."""
        seen: dict[str, None] = {}
        for rule in self.fields.values():
            for column in rule.source_columns:
                seen.setdefault(column, None)
        for flt in self.filters:
            seen.setdefault(flt.column, None)
        for column in self.target.columns:
            seen.setdefault(column, None)
        for lst in self.lists.values():
            for column in lst.columns:
                seen.setdefault(column, None)
        for attribute in self.attributes:
            if not attribute.numbered:
                for column in attribute.columns:
                    seen.setdefault(column, None)
        if self.downloads is not None and "{n}" not in self.downloads.url_column:
            seen.setdefault(self.downloads.url_column, None)
            if self.downloads.name_column:
                seen.setdefault(self.downloads.name_column, None)
        return list(seen)

    @property
    def is_catalog(self) -> bool:
        """Whether the mapping uses catalog vocabulary beyond plain fields."""
        return bool(
            self.lists
            or self.attributes
            or self.meta_patterns
            or self.downloads
            or self.target.groups_rows
            or self.target.type_column
        )

    @property
    def name(self) -> str:
        """The mapping file's name, for messages and lock names."""
        return Path(self.path).name
