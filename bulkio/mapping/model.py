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

    @property
    def is_list(self) -> bool:
        """True when the field holds a list (term ids)."""
        return self.spec.kind == "terms"

    @property
    def source_columns(self) -> list[str]:
        """The source columns (or XML paths) this rule reads."""
        if self.column is not None:
            return [self.column]
        if self.template is not None:
            from bulkio.mapping.template import template_columns

            return template_columns(self.template)
        return []


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
        return list(seen)

    @property
    def name(self) -> str:
        """The mapping file's name, for messages and lock names."""
        return Path(self.path).name
