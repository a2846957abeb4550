"""Which rows of a flat product feed the store certainly already holds, decided on columns.

Most of a nightly feed is unchanged (94 % in the bench feeds), yet the catalog planner
(:func:`bulkio.catalog.plan.build_catalog_plan`) spends its time proving that row by row in
Python: every owned field of the store's answer brought to its canonical form and compared,
names and descriptions predicted as WordPress keeps them (bench/RESULTS.md, Client cost).
:func:`split_unchanged` takes a group of the sliced planner's items and the store's products
of that group, builds the feed's and the store's values as polars columns, compares them with
column expressions that model the planner's comparison exactly on a subset of values, and
hands back the rows that certainly compare equal on every owned field (with the columns the
plan keeps of an unchanged product: line, SKU, id, the store's date) and the other items,
which the Python planner plans as before.

The per-row planner stays the reference: a row is only taken here when every owned field is
one whose comparison these expressions model, and each value is in the subset where the
model is exact; anything else — a text with markup or entities :func:`bulkio.fields.stored_text`
would rewrite, whitespace at its ends, a price written in a way the column canonicaliser does
not read, a trashed product, a store value of an unexpected JSON type, a row with terms,
images, attributes or fields sent only on create — goes to the Python planner, which decides
it as it always did. The canonicalisers here (:func:`money`, :func:`decimal`, :func:`text`,
:func:`sale_date`) give null for a value outside their subset; tests/catalog check them
against :mod:`bulkio.fields` on many values, and the plans with and without this path against
each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from bulkio.catalog.feed import FeedItem
from bulkio.catalog.plan import _meta_value
from bulkio.fields import _ALLOWED_TAGS, FIELDS, SALE_DATE_FIELDS, TEXT_FIELDS

MONEY_FIELDS = frozenset(name for name, spec in FIELDS.items() if spec.kind == "money")
DECIMAL_FIELDS = frozenset(name for name, spec in FIELDS.items() if spec.kind == "decimal")
INT_FIELDS = frozenset(name for name, spec in FIELDS.items() if spec.kind == "int")
BOOL_FIELDS = frozenset(name for name, spec in FIELDS.items() if spec.kind == "bool")
EXACT_FIELDS = frozenset(
    [
        "status",
        "catalog_visibility",
        "tax_status",
        "backorders",
        "tax_class",
        "global_unique_id",
        "purchase_note",
        "external_url",
        "button_text",
    ]
)
"""Enums and plain texts: the planner compares ``str(value)`` ("" for none) on both sides,
which is exact string equality. Left out on purpose: ``type`` (the item's kind decides it),
``stock_status`` (skipped or not by the stock management of both sides), ``slug`` (a store
suffix counts as equal), ``shipping_class`` (resolved by name), ``sku`` (matched, not
compared)."""
SUPPORTED = (
    MONEY_FIELDS
    | DECIMAL_FIELDS
    | INT_FIELDS
    | BOOL_FIELDS
    | EXACT_FIELDS
    | frozenset(TEXT_FIELDS)
    | frozenset(SALE_DATE_FIELDS)
    | {"sku"}
)

_NUMBER = r"^(?P<whole>[0-9]{1,15})(?:\.(?P<fraction>[0-9]{1,12}))?$"
"""Plain decimals only, short enough that :func:`bulkio.fields.canonical_decimal` (Decimal,
28 significant digits) never rounds: no sign, exponent, spaces, leading point or grouping."""
PY_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Every character Python's ``str.strip`` removes (``str.isspace``; Rust's ``\\s`` is a
slightly other set): written out, as scanning every code point costs a tenth of a second
at import (tests check the list)."""
_PY_SPACE = "".join(f"\\x{{{ord(char):x}}}" for char in PY_SPACES)
_TAGS = "|".join(
    "".join(f"[{char.lower()}{char.upper()}]" if char.isalpha() else char for char in tag)
    for tag in sorted(_ALLOWED_TAGS, key=lambda tag: (-len(tag), tag))
)
"""The allowed tag names in either case, ASCII only (``(?i)`` would fold ``ſ`` to ``s``,
which WordPress's tag pattern does not)."""
_SAFE_TEXT = rf"^(?:[^<>&\x00]|</?(?:{_TAGS})>)*$"
"""Text :func:`bulkio.fields.stored_text` gives back unchanged: no ``&`` (entities), no lone
``<`` / ``>``, no NUL, and markup only as bare tags WordPress allows (``<p>``, ``</strong>``:
no attributes, no spaces, no self-closing slash)."""
_EDGE_SPACE = rf"^[{_PY_SPACE}]|[{_PY_SPACE}]$"
_SALE_DATE = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$"
"""The planner's canonical sale date (``YYYY-MM-DDTHH:MM:SS``, a four-digit year)."""


# -- column canonicalisers: the canonical form, or null where the model is not exact ---------


def _decimal(column: pl.Expr, places: int) -> pl.Expr:
    parts = column.str.extract_groups(_NUMBER)
    whole = parts.struct.field("whole").str.strip_chars_start("0")
    whole = pl.when(whole == "").then(pl.lit("0")).otherwise(whole)
    fraction = parts.struct.field("fraction").fill_null("").str.strip_chars_end("0")
    if places:
        fraction = fraction.str.pad_end(places, "0")
    number = pl.when(fraction == "").then(whole).otherwise(whole + pl.lit(".") + fraction)
    return (
        pl.when(column == "")
        .then(pl.lit(""))
        .when(parts.struct.field("whole").is_not_null())
        .then(number)
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def money(column: pl.Expr) -> pl.Expr:
    """``canonicalise`` of a money field ("" for empty, ``12.5`` → ``12.50``); null where
    the text is not a plain decimal (:data:`_NUMBER`). Null input stays null."""
    return _decimal(column, 2)


def decimal(column: pl.Expr) -> pl.Expr:
    """``canonicalise`` of a decimal field (``2.50`` → ``2.5``, ``10.0`` → ``10``)."""
    return _decimal(column, 0)


def text(column: pl.Expr) -> pl.Expr:
    """A name or description as the planner compares it (``fields.text_key``, trimmed for a
    name) where that is the text itself: in :data:`_SAFE_TEXT` and without whitespace at its
    ends (a name's is trimmed by the store: left to the planner). Null otherwise."""
    plain = ~column.str.contains(r"[<>&\x00]")  # most texts: no need for the tag pattern
    keep = (plain | column.str.contains(_SAFE_TEXT)) & ~column.str.contains(_EDGE_SPACE)
    return pl.when(keep).then(column).otherwise(pl.lit(None, dtype=pl.String))


def sale_date(column: pl.Expr) -> pl.Expr:
    """A sale date in the planner's canonical form, "" for none; null for any other text."""
    keep = (column == "") | column.str.contains(_SALE_DATE)
    return pl.when(keep).then(column).otherwise(pl.lit(None, dtype=pl.String))


_CANONICAL: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    **dict.fromkeys(MONEY_FIELDS, money),
    **dict.fromkeys(DECIMAL_FIELDS, decimal),
    **dict.fromkeys(TEXT_FIELDS, text),
    **dict.fromkeys(SALE_DATE_FIELDS, sale_date),
}


# -- the split --------------------------------------------------------------------------------


@dataclass
class Unchanged:
    """Rows found unchanged on columns, in the order given: what
    :class:`bulkio.catalog.plan.UnchangedProducts` keeps of each."""

    lines: list[int] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    modified: list[Any] = field(default_factory=list)


def plain_item(item: FeedItem) -> bool:
    """Whether the planner compares nothing of ``item`` but its plain fields and meta values:
    a simple product with a SKU, no terms, images, attributes, downloads, links or unit
    conversions, nothing sent only on create."""
    return (
        item.kind == "simple"
        and bool(item.sku)
        and not item.parent_ref
        and not item.create_only
        and not item.categories
        and not item.tags
        and not item.brands
        and item.images is None
        and item.downloads is None
        and not item.attributes
        and not item.links
        and not item.variations
        and not item.value_units
    )


def split_unchanged(
    items: list[FeedItem], products: dict[str, dict[str, Any]]
) -> tuple[Unchanged, list[FeedItem]]:
    """The items of a group the store certainly holds as the feed has them, and the others
    (in their order) for the planner. ``products``: the group's store products by casefolded
    SKU, as the planner looks them up."""
    found: list[int] = []
    stores: list[dict[str, Any]] = []
    keys: Any = None
    for number, item in enumerate(items):
        if not plain_item(item):
            continue
        if keys is None:
            keys = item.values.keys()
            if not set(keys) <= SUPPORTED:
                return Unchanged(), items
        elif item.values.keys() != keys:
            continue
        store = products.get(item.sku.casefold())
        if store is not None:
            found.append(number)
            stores.append(store)
    if not found:
        return Unchanged(), items
    chosen = [items[n] for n in found]
    try:
        same = _same_rows(chosen, stores, [name for name in keys if name != "sku"])
    except (TypeError, ValueError, AttributeError, OverflowError, pl.exceptions.PolarsError):
        # A value of a JSON type the columns do not take (a price as a number, a stock as
        # text, manage_stock "parent"): the planner decides the whole group.
        return Unchanged(), items
    unchanged = Unchanged()
    taken: set[int] = set()
    for position, hit in enumerate(same):
        if hit:
            item, store = chosen[position], stores[position]
            unchanged.lines.append(item.line)
            unchanged.skus.append(item.sku)
            unchanged.ids.append(int(store["id"]))
            unchanged.modified.append(store.get("date_modified_gmt"))
            taken.add(found[position])
    if not taken:
        return unchanged, items
    return unchanged, [item for n, item in enumerate(items) if n not in taken]


def _store_values(name: str, stores: list[dict[str, Any]]) -> list[Any]:
    """A field of each product as the planner reads it (``fields.canonical_from_store``)."""
    if name.startswith("dimensions."):
        part = name.split(".", 1)[1]
        return [(product.get("dimensions") or {}).get(part, "") for product in stores]
    return [product.get(name) for product in stores]


def _dtype(name: str) -> type[pl.DataType]:
    if name in INT_FIELDS:
        return pl.Int64
    if name in BOOL_FIELDS:
        return pl.Boolean
    return pl.String


def _column(
    columns: dict[str, pl.Series], checks: list[pl.Expr], name: str, values: list[Any], dtype: Any
) -> None:
    """Put ``values`` in ``columns`` as a typed column. A value of another JSON type (a price
    sent as a number, a stock as text, manage_stock "parent") is left out, and its row to the
    planner (a check that fails for it): the planner reads such values its own way."""
    try:
        columns[name] = pl.Series(values, dtype=dtype, strict=True)
        if dtype != pl.Int64 or not any(type(value) is bool for value in values):
            return
    except (TypeError, OverflowError, pl.exceptions.PolarsError):
        pass
    kind = {pl.String: str, pl.Boolean: bool, pl.Int64: int}[dtype]
    fits = [value is None or type(value) is kind for value in values]
    kept = [value if fit else None for value, fit in zip(values, fits, strict=True)]
    columns[name] = pl.Series(kept, dtype=dtype, strict=True)
    columns[f"fits:{name}"] = pl.Series(fits, dtype=pl.Boolean)
    checks.append(pl.col(f"fits:{name}"))


def _same_rows(items: list[FeedItem], stores: list[dict[str, Any]], names: list[str]) -> list[bool]:
    """Per item, whether every field the planner compares is equal on columns (see the module
    doc)."""
    columns: dict[str, pl.Series] = {}
    checks: list[pl.Expr] = [
        pl.col("store:status").fill_null("") != "trash",  # a trashed product is restored
        pl.col("store:type") == "simple",  # the items are simple: another type is written
    ]
    _column(columns, checks, "store:type", [p.get("type") for p in stores], pl.String)
    if "status" not in names:
        _column(columns, checks, "store:status", [p.get("status") for p in stores], pl.String)
    for name in names:
        dtype = _dtype(name)
        given = [item.values[name] for item in items]
        _column(columns, checks, f"feed:{name}", given, dtype)
        _column(columns, checks, f"store:{name}", _store_values(name, stores), dtype)
        if name == "manage_stock":
            continue  # with the stock quantity, below
        feed, store = pl.col(f"feed:{name}"), pl.col(f"store:{name}")
        if name in INT_FIELDS:
            checks.append(feed.eq_missing(store))
        elif name in BOOL_FIELDS:
            checks.append(feed.fill_null(False) == store.fill_null(False))
        elif name in EXACT_FIELDS:
            checks.append(feed.fill_null("") == store.fill_null(""))
        elif name in MONEY_FIELDS or name in DECIMAL_FIELDS:
            canonical = _CANONICAL[name]
            checks.append(canonical(feed.fill_null("")) == canonical(store.fill_null("")))
        else:
            # Texts and sale dates: the same text on both sides, and one whose canonical form
            # is itself (equal texts have equal canonical forms: one side is enough to check).
            written = feed.fill_null("")
            same_text = written == store.fill_null("")
            checks.append(same_text & _CANONICAL[name](written).is_not_null())
    # The planner compares manage_stock = True whenever the row gives a stock quantity (and
    # the mapping's own manage_stock otherwise): bool() of the store's value.
    if "stock_quantity" in names or "manage_stock" in names:
        if "manage_stock" not in names:
            column = [p.get("manage_stock") for p in stores]
            _column(columns, checks, "store:manage_stock", column, pl.Boolean)
        store_manage = pl.col("store:manage_stock").fill_null(False)
        stock_given = (
            pl.col("feed:stock_quantity").is_not_null()
            if "stock_quantity" in names
            else pl.lit(False)
        )
        if "manage_stock" in names:
            wanted = pl.when(stock_given).then(True).otherwise(pl.col("feed:manage_stock"))
            checks.append(wanted.fill_null(False) == store_manage)
        else:
            checks.append(~stock_given | store_manage)
    metas = sorted({key for item in items for key in item.meta})
    for key in metas:
        given = [item.meta.get(key) for item in items]
        _column(columns, checks, f"feed:meta:{key}", given, pl.String)
        held = [_meta_value(product, key) for product in stores]
        _column(columns, checks, f"store:meta:{key}", held, pl.String)
        feed, store = pl.col(f"feed:meta:{key}"), pl.col(f"store:meta:{key}")
        # Absent from the row: not compared; given: the store's first entry, as text.
        checks.append(feed.is_null() | (store.is_not_null() & (feed == store)))
    mask = pl.all_horizontal([check.fill_null(False) for check in checks]).alias("same")
    result: list[bool] = pl.DataFrame(columns).select(mask)["same"].to_list()
    return result
