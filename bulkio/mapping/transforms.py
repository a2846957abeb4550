"""Field rules compiled to polars expressions: columns, not loops.

Each owned field becomes three expressions over the source frame:

* ``value`` – the canonical value (:mod:`bulkio.fields`) in the field's dtype, null meaning
  "leave the store's value";
* ``error`` – a row error code (``invalid-number``…) or null;
* ``raw``   – the source text, for error messages.

Nothing here raises on bad cells: bad cells become error codes that
:func:`bulkio.records.build_records` turns into rejected rows. The number rules mirror
:mod:`bulkio.mapping.numbers` exactly (tests check both agree).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import polars as pl

from bulkio.fields import CanonicalValue, FieldSpec
from bulkio.mapping.constants import allows_negative
from bulkio.mapping.model import FieldRule, FilterRule, SourceOptions
from bulkio.mapping.numbers import MONEY_MAX_PLACES, NUMBER_PATTERN, grouping_pattern
from bulkio.mapping.template import parse_template
from bulkio.sources.xml import VALUE_SEPARATOR

DTYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "meta": pl.String(),
    "enum": pl.String(),
    "money": pl.String(),
    "decimal": pl.String(),
    "int": pl.Int64(),
    "bool": pl.Boolean(),
    "terms": pl.List(pl.Int64()),
}
"""The polars dtype of each field kind's canonical values in a records frame."""

_TIME_DIRECTIVES = ("%H", "%M", "%S", "%I", "%T", "%R", "%p")


def dtype_for(spec: FieldSpec) -> pl.DataType:
    """The polars dtype holding canonical values of a field."""
    return DTYPES[spec.kind]


@dataclass(frozen=True)
class CompiledField:
    """A field rule as polars expressions (see the module docstring)."""

    rule: FieldRule
    value: pl.Expr
    error: pl.Expr
    raw: pl.Expr
    label: str
    """What ``RowError.column`` says: the source column, path or template."""
    trimmed: pl.Expr | None = None
    """CSV fields read from one column with ``trim`` and no currency: that column's cells
    stripped of outer white space (a materialized stage), which also tells whether the column
    is empty in every row without stripping it again."""


class SourceColumns:
    """How mapping column names find frame columns (exact or case-insensitive for CSV)."""

    def __init__(self, resolved: dict[str, str], *, is_xml: bool) -> None:
        self.resolved = resolved
        self.is_xml = is_xml

    def text(self, name: str) -> pl.Expr:
        """The column as one text value per row (XML: the first match)."""
        column = pl.col(self.resolved[name])
        if self.is_xml:
            return column.str.split(VALUE_SEPARATOR).list.first()
        return column

    def count(self, name: str) -> pl.Expr:
        """How many values the row has for this column (XML paths can match several)."""
        column = pl.col(self.resolved[name])
        if self.is_xml:
            matches = column.str.count_matches(VALUE_SEPARATOR, literal=True) + 1
            return pl.when(column.is_null()).then(0).otherwise(matches)
        return pl.lit(1)

    def display(self, name: str) -> pl.Expr:
        """The raw text for messages."""
        column = pl.col(self.resolved[name])
        if self.is_xml:
            return column.str.replace_all(VALUE_SEPARATOR, " | ", literal=True)
        return column

    def items(self, name: str) -> pl.Expr:
        """The column as a list of text values."""
        column = pl.col(self.resolved[name])
        if self.is_xml:
            return column.str.split(VALUE_SEPARATOR)
        return pl.concat_list([column])


def _null(dtype: pl.DataType) -> pl.Expr:
    return pl.lit(None, dtype=dtype)


def first_code(checks: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The code of the first check whose condition holds, else null (String)."""
    result = _null(pl.String())
    for condition, code in reversed(checks):
        result = pl.when(condition).then(pl.lit(code)).otherwise(result)
    return result


_STAGES_MADE = itertools.count()


class Stages:
    """Intermediate columns, each computed once.

    A polars expression that uses a sub-expression twice evaluates it twice, and the number
    rules use their parts many times; naming the parts as temporary columns (added level by
    level with ``with_columns``) keeps a 100,000-row money column at a few milliseconds.
    With ``materialize=False`` expressions are returned unchanged (for one-off evaluation).

    :meth:`add_split` adds columns computed the cheap way for the rows a cheap test accepts and
    the full way for the others only (see there).
    """

    def __init__(self, *, materialize: bool = True) -> None:
        self.materialize = materialize
        self.levels: list[list[pl.Expr]] = []
        self.names: list[str] = []
        self.splits: dict[int, list[_Split]] = {}
        # Column names of their own: the full way of a split runs its stages on a frame that
        # already holds the stages of the split's owner.
        self.prefix = f"\x00stage{next(_STAGES_MADE)}:"

    def _name(self, level: int) -> str:
        name = f"{self.prefix}{len(self.names)}"
        self.names.append(name)
        while len(self.levels) <= level:
            self.levels.append([])
        return name

    def add(self, expr: pl.Expr, level: int) -> pl.Expr:
        """Compute ``expr`` at ``level`` (it may only use columns of lower levels)."""
        if not self.materialize:
            return expr
        name = self._name(level)
        self.levels[level].append(expr.alias(name))
        return pl.col(name)

    def add_split(
        self,
        cheap_ok: pl.Expr,
        cheap: list[pl.Expr],
        full: list[pl.Expr],
        level: int,
        full_stages: Stages | None = None,
    ) -> list[pl.Expr]:
        """Columns that are ``full`` in every row, computed as ``cheap`` where ``cheap_ok``.

        ``cheap_ok`` (never null) must only hold on rows where each ``cheap`` expression gives
        exactly what its ``full`` twin gives. The cheap expressions run on every row at
        ``level``; the full ones (with their own ``full_stages``, if any) then run on the other
        rows only, and their results are written into those rows. A number column is mostly
        plain numbers ("12,50"), whose canonical text is the cell with its separators swapped;
        the many steps that also get signs, leading zeros, grouping and errors right run for
        the few others. Without materializing, the full expressions are returned (they are
        the definition).
        """
        if not self.materialize:
            return full
        ok_name = self._name(level)
        self.levels[level].append(cheap_ok.alias(ok_name))
        names = []
        for expr in cheap:
            names.append(self._name(level))
            self.levels[level].append(expr.alias(names[-1]))
        split = _Split(ok_name, names, full, full_stages or Stages(materialize=False))
        self.splits.setdefault(level, []).append(split)
        return [pl.col(name) for name in names]

    def apply(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The frame with every intermediate column added."""
        for index, level in enumerate(self.levels):
            frame = frame.with_columns(level)
            for split in self.splits.get(index, ()):
                frame = split.apply(frame)
        return frame


@dataclass(frozen=True)
class _Split:
    """One :meth:`Stages.add_split`: the mask column, the output columns, the full way."""

    ok: str
    names: list[str]
    full: list[pl.Expr]
    stages: Stages

    def inputs(self) -> list[str]:
        """The owner's columns the full way reads (the rows it runs on need no others)."""
        exprs = [*self.full, *(expr for level in self.stages.levels for expr in level)]
        roots = {root for expr in exprs for root in expr.meta.root_names()}
        return sorted(roots.difference(self.stages.names))

    def apply(self, frame: pl.DataFrame) -> pl.DataFrame:
        rest = frame.get_column(self.ok).not_().arg_true()
        if rest.is_empty():
            return frame
        rows = self.stages.apply(frame.select(self.inputs())[rest])
        done = rows.select(
            expr.alias(name) for expr, name in zip(self.full, self.names, strict=True)
        )
        return frame.with_columns(
            frame.get_column(name)
            .cast(done.schema[name])
            .clone()
            .scatter(rest, done.get_column(name))
            for name in self.names
        )


def _literal(value: CanonicalValue, dtype: pl.DataType) -> pl.Expr:
    if isinstance(value, tuple):
        return pl.lit(pl.Series([list(value)], dtype=dtype)).first()
    return pl.lit(value, dtype=dtype)


def number_exprs(
    text: pl.Expr,
    *,
    decimal: str,
    thousands: str,
    min_places: int,
    max_places: int | None,
    allow_negative: bool,
    stages: Stages | None = None,
    level: int = 1,
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(canonical text, error code, fraction digits) of number cells; see numbers.py.

    ``text`` must be available at ``level - 1`` when ``stages`` materializes.
    """
    stages = stages or Stages(materialize=False)
    value = text
    bad_grouping = pl.lit(False)
    if thousands:
        bad_grouping = value.str.contains(thousands, literal=True) & ~value.str.contains(
            grouping_pattern(decimal, thousands)
        )
        value = value.str.replace_all(thousands, "", literal=True)
    other = "," if decimal == "." else "."
    # With ``thousands`` the other separator (the usual case: "." beside a decimal comma),
    # every one of them was removed above, so looking for it again cannot find one.
    has_other = (
        bad_grouping
        if thousands == other
        else value.str.contains(other, literal=True) | bad_grouping
    )
    if decimal == ",":
        value = value.str.replace_all(",", ".", literal=True)
    value = stages.add(value, level)
    has_other = stages.add(has_other, level)
    valid = stages.add(value.str.contains(NUMBER_PATTERN) & ~has_other, level + 1)
    negative_sign = stages.add(value.str.starts_with("-"), level + 1)
    # Whole and fraction digits by one split at the point (not two regex extractions, which
    # cost several times more); they only matter for valid numbers, [+-]?digits[.digits].
    parts = stages.add(value.str.strip_chars_start("+-").str.split_exact(".", 1), level + 1)
    whole = parts.struct.field("field_0").str.strip_chars_start("0")
    whole = stages.add(pl.when(whole == "").then(pl.lit("0")).otherwise(whole), level + 2)
    fraction = parts.struct.field("field_1").fill_null("").str.strip_chars_end("0")
    fraction = stages.add(fraction, level + 2)
    is_zero = (whole == "0") & (fraction == "")
    negative = negative_sign & ~is_zero
    padded = fraction.str.pad_end(min_places, "0") if min_places else fraction
    canonical = pl.when(padded == "").then(whole).otherwise(whole + "." + padded)
    canonical = pl.when(negative).then("-" + canonical).otherwise(canonical)
    canonical = stages.add(canonical, level + 3)
    checks: list[tuple[pl.Expr, str]] = [(~valid, "invalid-number")]
    if not allow_negative:
        checks.append((negative, "negative-number"))
    if max_places is not None:
        checks.append((fraction.str.len_chars() > max_places, "too-precise"))
    error_expr = stages.add(first_code(checks), level + 3)
    return canonical, error_expr, fraction


def _number_cast(
    rule: FieldRule, text: pl.Expr, options: SourceOptions, stages: Stages | None
) -> tuple[pl.Expr, pl.Expr]:
    """(value, error) of a money / decimal / int cell: the full rules (:func:`number_exprs`)."""
    spec = rule.spec
    is_money = rule.type == "money"
    canonical, error, fraction = number_exprs(
        text,
        decimal=options.decimal,
        thousands=options.thousands,
        min_places=2 if is_money else 0,
        max_places=MONEY_MAX_PLACES if is_money else None,
        allow_negative=allows_negative(spec) or rule.allow_negative,
        stages=stages,
        level=1,
    )
    if rule.type == "int":
        error = (
            pl.when(error.is_not_null())
            .then(error)
            .otherwise(first_code([(fraction != "", "not-an-integer")]))
        )
        if spec.kind == "int":
            # A valid whole number that does not cast only overflows 64 bits.
            number = canonical.cast(pl.Int64, strict=False)
            error = (
                pl.when(error.is_not_null())
                .then(error)
                .otherwise(first_code([(number.is_null(), "too-large")]))
            )
            return pl.when(error.is_null()).then(number), error
    return pl.when(error.is_null()).then(canonical), error


def _cheap_number(
    rule: FieldRule, text: pl.Expr, options: SourceOptions
) -> tuple[pl.Expr, pl.Expr] | None:
    """(the cells whose canonical value is their text with the separators taken out, that
    value) — or None where the rule has no such shortcut.

    The cells: a whole part without leading zeros, grouped in threes or not at all, no sign,
    and for money exactly two decimals (canonical money keeps two: "12,50" → "12.50"), for
    decimals none or some ending in a non-zero digit (canonical decimals drop trailing zeros:
    "1,45" → "1.45"), for whole numbers up to 18 digits (they fit 64 bits). Those are valid by
    every rule of :func:`number_exprs` (never negative, never too precise). Empty cells count
    as cheap too: :func:`cast_exprs` is not asked about them (:func:`compile_field` takes them
    as empty). Every other cell takes the full way (:meth:`Stages.add_split`).
    """
    decimal, thousands = options.decimal, options.thousands
    if (
        decimal not in (".", ",")
        or thousands == decimal
        or (thousands and thousands in "0123456789+-")
    ):
        return None
    dec = re.escape(decimal)
    whole = "0|[1-9][0-9]*"
    if thousands:
        whole += f"|[1-9][0-9]{{0,2}}(?:{re.escape(thousands)}[0-9]{{3}})+"
    if rule.type == "money":
        assert MONEY_MAX_PLACES >= 2
        pattern = f"^(?:{whole}){dec}[0-9]{{2}}$"
    elif rule.type == "decimal":
        pattern = f"^(?:{whole})(?:{dec}[0-9]*[1-9])?$"
    elif rule.spec.kind == "int":
        whole = "0|[1-9][0-9]{0,17}"
        if thousands:
            whole += f"|[1-9][0-9]{{0,2}}(?:{re.escape(thousands)}[0-9]{{3}}){{1,5}}"
        pattern = f"^(?:{whole})$"
    else:
        return None
    value = text.str.replace_all(thousands, "", literal=True) if thousands else text
    if decimal != ".":
        value = value.str.replace(decimal, ".", literal=True)
    if rule.type == "int":
        value = value.cast(pl.Int64, strict=False)
    ok = text.is_null() | (text == "") | text.str.contains(pattern)
    return ok.fill_null(True), value


def cast_exprs(
    rule: FieldRule, text: pl.Expr, options: SourceOptions, stages: Stages | None = None
) -> tuple[pl.Expr, pl.Expr]:
    """(value, error) for non-empty, trimmed text cells, by the rule's type and field kind.

    ``text`` must be available at level 0 when ``stages`` materializes.
    """
    spec = rule.spec
    kind = spec.kind
    dtype = dtype_for(spec)
    if rule.type in ("money", "decimal", "int"):
        cheap = _cheap_number(rule, text, options)
        if cheap is None or stages is None or not stages.materialize:
            return _number_cast(rule, text, options, stages)
        # The full rules get stages of their own, applied to the rows they run on.
        full_stages = Stages()
        full_value, full_error = _number_cast(rule, text, options, full_stages)
        cheap_ok, cheap_value = cheap
        value, error = stages.add_split(
            cheap_ok,
            [cheap_value, _null(pl.String())],
            [full_value, full_error],
            level=1,
            full_stages=full_stages,
        )
        return value, error
    if rule.type == "bool":
        lowered = text.str.to_lowercase()
        value = (
            pl.when(lowered.is_in(list(rule.true_words)))
            .then(pl.lit(True))
            .when(lowered.is_in(list(rule.false_words)))
            .then(pl.lit(False))
            .otherwise(_null(pl.Boolean()))
        )
        return value, pl.when(value.is_null()).then(pl.lit("invalid-bool"))
    if rule.type == "date":
        date_format = rule.date_format or "%Y-%m-%d"
        if any(directive in date_format for directive in _TIME_DIRECTIVES):
            parsed = text.str.to_datetime(date_format, strict=False)
            value = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S")
        else:
            parsed_date = text.str.to_date(date_format, strict=False)
            value = parsed_date.dt.strftime("%Y-%m-%d")
        return value, pl.when(value.is_null()).then(pl.lit("invalid-date"))
    if kind == "enum":
        choices = list(spec.choices)
        lowered = text.str.to_lowercase()
        value = (
            pl.when(text.is_in(choices))
            .then(text)
            .when(lowered.is_in(choices))
            .then(lowered)
            .otherwise(_null(pl.String()))
        )
        return value, pl.when(value.is_null()).then(pl.lit("invalid-choice"))
    return text.cast(dtype), _null(pl.String())


def _template_expr(template: str, columns: SourceColumns, trim: bool) -> tuple[pl.Expr, pl.Expr]:
    """(text, all_referenced_empty) of a template."""
    pieces: list[pl.Expr] = []
    empties: list[pl.Expr] = []
    for text, is_column in parse_template(template):
        if is_column:
            cell = columns.text(text)
            if trim:
                cell = cell.str.strip_chars()
            pieces.append(cell.fill_null(""))
            empties.append(cell.is_null() | (cell == ""))
        else:
            pieces.append(pl.lit(text))
    joined = pl.concat_str(pieces) if pieces else pl.lit("")
    all_empty = pl.all_horizontal(empties) if empties else pl.lit(False)
    return joined, all_empty


def compile_field(
    rule: FieldRule,
    options: SourceOptions,
    columns: SourceColumns,
    stages: Stages | None = None,
) -> CompiledField:
    """Compile one rule; ``columns`` must already contain every column the rule reads.

    Intermediate columns go into ``stages``; the caller adds them to the frame
    (:meth:`Stages.apply`) before evaluating ``value`` / ``error`` / ``raw``.
    """
    stages = stages or Stages(materialize=False)
    dtype = dtype_for(rule.spec)
    if rule.has_value:
        return CompiledField(
            rule=rule,
            value=_literal(rule.value, dtype),
            error=_null(pl.String()),
            raw=_null(pl.String()),
            label=f"value = {rule.value!r}",
        )
    if rule.is_list:
        return _compile_terms(rule, columns, stages)

    count_check: pl.Expr | None = None
    currency_error: pl.Expr | None = None
    trimmed: pl.Expr | None = None
    if rule.column is not None:
        text = columns.text(rule.column)
        raw = columns.display(rule.column)
        if rule.trim:
            text = text.str.strip_chars()
        if rule.currency is not None:
            text, currency_error = _strip_currency(text, rule.currency)
        text = stages.add(text, 0)
        if rule.trim and rule.currency is None and not columns.is_xml:
            trimmed = text
        is_empty = text.is_null() | (text == "")
        if columns.is_xml:
            count_check = columns.count(rule.column) > 1
        label = rule.column
    else:
        assert rule.template is not None
        text, is_empty = _template_expr(rule.template, columns, rule.trim)
        text = stages.add(text, 0)
        is_empty = stages.add(is_empty, 0)
        raw = text
        label = rule.template

    cast_value, cast_error = cast_exprs(rule, text, options, stages)
    if currency_error is not None:
        cast_error = (
            pl.when(currency_error.is_not_null()).then(currency_error).otherwise(cast_error)
        )
        cast_value = pl.when(currency_error.is_null()).then(cast_value)
    empty_value = _empty_value(rule, dtype)
    if rule.map is not None:
        keys = list(rule.map)
        key_text = text.fill_null("")
        hit = key_text.is_in(keys)
        mapped = key_text.replace_strict(
            keys, list(rule.map.values()), default=None, return_dtype=dtype
        )
        if rule.has_default:
            unmapped_value, unmapped_error = _literal(rule.default, dtype), _null(pl.String())
        else:
            unmapped_value, unmapped_error = cast_value, cast_error
        value = pl.when(hit).then(mapped).when(is_empty).then(empty_value).otherwise(unmapped_value)
        error = pl.when(hit | is_empty).then(_null(pl.String())).otherwise(unmapped_error)
    else:
        value = pl.when(is_empty).then(empty_value).otherwise(cast_value)
        error = pl.when(is_empty).then(_null(pl.String())).otherwise(cast_error)
    if count_check is not None:
        error = pl.when(count_check).then(pl.lit("multiple-values")).otherwise(error)
        value = pl.when(error.is_null()).then(value)
    return CompiledField(rule=rule, value=value, error=error, raw=raw, label=label, trimmed=trimmed)


CURRENCY_CODE = r"[A-Za-z]{3}"


def _strip_currency(text: pl.Expr, currency: str) -> tuple[pl.Expr, pl.Expr]:
    """(the number without its currency code, "wrong-currency" where another code is given).

    ``"19.99 EUR"``, ``"EUR 19.99"``, ``"EUR19.99"`` and ``"19.99"`` give ``19.99``; the code
    is compared without case."""
    leading = text.str.extract(rf"^({CURRENCY_CODE})\s*[-+0-9.,]", 1)
    trailing = text.str.extract(rf"[-+0-9.,]\s*({CURRENCY_CODE})$", 1)
    code = pl.coalesce(leading, trailing).str.to_uppercase()
    number = (
        text.str.replace(rf"^{CURRENCY_CODE}\s*([-+0-9.,])", "$1")
        .str.replace(rf"([-+0-9.,])\s*{CURRENCY_CODE}$", "$1")
        .str.strip_chars()
    )
    error = pl.when(code.is_not_null() & (code != currency)).then(pl.lit("wrong-currency"))
    return number, error


def _empty_value(rule: FieldRule, dtype: pl.DataType) -> pl.Expr:
    if rule.empty == "leave":
        return _null(dtype)
    if rule.is_list:
        return _literal((), dtype)
    return pl.lit("", dtype=dtype)


def _compile_terms(rule: FieldRule, columns: SourceColumns, stages: Stages) -> CompiledField:
    """Term id lists: split, trim, map each item, check ids, sort and de-duplicate."""
    dtype = dtype_for(rule.spec)
    if rule.column is not None:
        items = columns.items(rule.column)
        raw = columns.display(rule.column)
        label = rule.column
    else:
        assert rule.template is not None
        joined, _ = _template_expr(rule.template, columns, rule.trim)
        items = pl.concat_list([joined])
        raw = joined
        label = rule.template
    if rule.split is not None:
        items = items.list.eval(pl.element().str.split(rule.split).explode())
    element = pl.element().str.strip_chars() if rule.trim else pl.element()
    items = items.list.eval(element).list.eval(
        pl.element().filter(pl.element().is_not_null() & (pl.element() != ""))
    )
    if rule.map is not None:
        keys = list(rule.map)
        targets = [str(value[0]) for value in rule.map.values()]  # type: ignore[index]
        if rule.has_default:
            default = str(rule.default[0])  # type: ignore[index]
            items = items.list.eval(
                pl.element().replace_strict(keys, targets, default=pl.lit(default))
            )
        else:
            items = items.list.eval(pl.element().replace(keys, targets))
    items = stages.add(items, 0)
    bad = items.list.eval(~pl.element().str.contains(r"^0*[1-9][0-9]{0,17}$")).list.any()
    ids = items.list.eval(pl.element().cast(pl.Int64, strict=False)).list.unique().list.sort()
    is_empty = items.is_null() | (items.list.len() == 0)
    value = (
        pl.when(is_empty)
        .then(_empty_value(rule, dtype))
        .when(bad)
        .then(_null(dtype))
        .otherwise(ids)
    )
    error = pl.when(~is_empty & bad).then(pl.lit("invalid-term-id"))
    return CompiledField(rule=rule, value=value, error=error, raw=raw, label=label)


def filter_match(rule: FilterRule, columns: SourceColumns) -> pl.Expr:
    """Boolean expression: does the row match this filter (trimmed text comparison)."""
    text = columns.text(rule.column).str.strip_chars()
    if rule.op == "equals":
        matched = text == pl.lit(rule.operand)
    elif rule.op == "in":
        assert isinstance(rule.operand, tuple)
        matched = text.is_in(list(rule.operand))
    elif rule.op == "regex":
        assert isinstance(rule.operand, str)
        matched = text.str.contains(rule.operand)
    else:
        empty = text.is_null() | (text == "")
        matched = empty if rule.operand else ~empty
    return matched.fill_null(False)


def skip_mask(filters: tuple[FilterRule, ...], columns: SourceColumns) -> pl.Expr:
    """True for rows the filters skip: any ``skip`` rule matches or any ``keep`` rule does not."""
    mask = pl.lit(False)
    for rule in filters:
        matched = filter_match(rule, columns)
        mask = mask | (matched if rule.action == "skip" else ~matched)
    return mask
