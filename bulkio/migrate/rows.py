"""A record feed → rows of cast values, each with its file line (CSV) or record number (XML).

Every cell goes through its field's rule (:class:`bulkio.migrate.mapping.RecordField`):

1. the text: the cell (trimmed unless ``trim = false``), the template filled, or the constant;
2. ``map``: a text found in it becomes the mapped value; one not found becomes ``default``
   when the field has one, else stays as it is. Without a map, an empty text becomes
   ``default`` when the field has one;
3. still empty: ``empty = "leave"`` (the default) gives the row no value for the field (the
   store's value is left alone), ``"clear"`` gives the cleared value (``""``, an empty list);
4. the cast by ``type``. A cell that does not cast is a :class:`bulkio.records.RowError`
   naming file, line, column, value and what to do, and the row is rejected (never sent).

Values are canonical plain data, as plan changes hold them: text ``str``; money / decimal
canonical decimal text (``"12.5"``); ``int``; ``bool``; date ``"YYYY-MM-DD"``; datetime
``"YYYY-MM-DDTHH:MM:SS"`` (with ``+HH:MM`` when the cell gave an offset); list a tuple of texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bulkio.errors import MappingError
from bulkio.mapping.model import FilterRule
from bulkio.mapping.numbers import (
    MONEY_MAX_PLACES,
    NumberError,
    canonical_integer,
    canonical_number,
    check_int64,
)
from bulkio.mapping.template import parse_template
from bulkio.migrate.mapping import RecordField, RecordMapping
from bulkio.records import RowError
from bulkio.sources import LINE, SOURCE_LINE, RowsRead, iter_source

ROW_ERROR_CODES: dict[str, str] = {
    "invalid-number": "not a number (check the decimal and thousands separators)",
    "negative-number": "a number that must not be negative",
    "too-precise": f"a price with more than {MONEY_MAX_PLACES} decimal places",
    "too-large": "a whole number beyond what the store can hold (64 bits)",
    "not-an-integer": "not a whole number",
    "invalid-bool": "not one of the true/false words",
    "invalid-date": "not a date in the mapping's format",
    "missing-key": "the row has no value for the field records are matched by",
    "duplicate-key": "the match key already appeared on an earlier line of the file",
    "invalid-value": "a value the store would refuse or change (see the message)",
}
"""Row error codes of record feeds (kinds add their own, documented in their module)."""

EMPTY = object()
"""A field with no value in this row (leave the store's value)."""


@dataclass(frozen=True)
class RecordRowError(RowError):
    """A :class:`RowError` of a record feed: its key is an e-mail, a code, an order number —
    said as such in messages, where product rows say "SKU"."""

    key_label: str = "key"

    def __str__(self) -> str:
        text = super().__str__()
        if not self.sku:
            return text
        return text.replace(f" SKU {self.sku!r}", f" {self.key_label} {self.sku!r}", 1)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data.pop("key_label", None)
        return data


@dataclass
class Row:
    """One accepted row (or, for grouping kinds, one row of a group)."""

    line: int
    """1-based file line (CSV) or record number (XML)."""
    values: dict[str, Any]
    """Store path → canonical value, only for fields that have one in this row."""
    raw: dict[str, str | None] = field(default_factory=dict)
    """Source column → cell text as read (for kinds that look at columns, e.g. group keys)."""
    source_line: int | None = None
    """XML: the file line the record starts on."""
    key: str = ""
    """The normalised match key (set by the kind: lower-cased e-mail, coupon code, …)."""


@dataclass
class RecordRows:
    """A feed read by :func:`read_rows`."""

    source: str
    unit: str
    """"line" (CSV) or "record" (XML): what ``Row.line`` counts."""
    rows: list[Row] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    skipped: int = 0
    """Rows dropped by the mapping's ``[[filters]]``."""
    total: int = 0
    """Data rows read (accepted + rejected + skipped)."""
    warnings: list[str] = field(default_factory=list)
    key_label: str = "key"
    """How messages name the match key ("e-mail", "code", "order"; set by the kind)."""

    def reject(self, row: Row, column: str, value: Any, code: str, message: str, **kw: Any) -> None:
        """Reject an accepted row (kinds' own checks); it leaves :attr:`rows`."""
        self.rejected.append(
            RecordRowError(
                self.source,
                row.line,
                row.key or None,
                column,
                None if value is None else str(value),
                code,
                message,
                unit=self.unit,
                source_line=row.source_line,
                key_label=self.key_label,
                **kw,
            )
        )
        if row in self.rows:
            self.rows.remove(row)


class CellError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def read_rows(
    mapping: RecordMapping,
    source: str | Path,
    *,
    max_rows: int | None = None,
    progress: RowsRead | None = None,
) -> RecordRows:
    """Read ``source`` as ``mapping`` says; cast every field; collect the row errors."""
    path = str(source)
    columns = mapping.source_columns
    result = RecordRows(path, "line" if mapping.source.format == "csv" else "record")
    resolved: dict[str, str] | None = None
    for piece in iter_source(
        source, mapping.source, paths=columns, max_rows=max_rows, progress=progress
    ):
        if resolved is None:
            resolved = _resolve_columns(mapping, piece.columns, path, result)
        names = piece.frame.columns
        has_source_line = SOURCE_LINE in names
        for record in piece.frame.iter_rows(named=True):
            result.total += 1
            line = int(record[LINE])
            cells = {name: record.get(actual) for name, actual in resolved.items()}
            if _skipped(mapping.filters, cells):
                result.skipped += 1
                continue
            row = Row(
                line,
                {},
                cells,
                int(record[SOURCE_LINE]) if has_source_line and record[SOURCE_LINE] else None,
            )
            errors = [
                error
                for rule in mapping.fields.values()
                if (error := _cast_into(row, rule, cells, mapping, path, result.unit)) is not None
            ]
            if errors:
                result.rejected.extend(errors)
            else:
                result.rows.append(row)
    return result


def _resolve_columns(
    mapping: RecordMapping, header: list[str], path: str, result: RecordRows
) -> dict[str, str]:
    """Mapping column → the file's column; a missing column is a MappingError naming the
    mapping key (or, with ``missing_columns = "leave"``, a warning and no value)."""
    if mapping.source.format == "xml":
        return {c: c for c in mapping.source_columns}
    exact = set(header)
    folded = {h.strip().lower(): h for h in header}
    out: dict[str, str] = {}
    for rule_key, column in _columns_with_keys(mapping):
        if column in out:
            continue
        if column in exact:
            out[column] = column
            continue
        if mapping.source.header_case == "insensitive" and column.strip().lower() in folded:
            out[column] = folded[column.strip().lower()]
            continue
        if mapping.source.missing_columns == "leave":
            result.warnings.append(
                f"{path}: column {column!r} ({rule_key}) is not in the file; its field is left "
                "as the store has it"
            )
            continue
        import difflib

        close = difflib.get_close_matches(column, header, n=1, cutoff=0.6) or [
            h for h in header if h.lower() == column.lower()
        ]
        raise MappingError(
            mapping.path,
            rule_key,
            f"column {column!r} is not in {path} (its columns: {', '.join(header[:12])}"
            + (" …" if len(header) > 12 else "")
            + ")",
            hint=f"did you mean {close[0]!r}?"
            if close
            else 'fix the column name, or set [source] missing_columns = "leave"',
        )
    return out


def _columns_with_keys(mapping: RecordMapping) -> Iterator[tuple[str, str]]:
    for rule in mapping.fields.values():
        for column in rule.source_columns:
            yield (f"{rule.key}.column" if rule.column else f"{rule.key}.template"), column
    for flt in mapping.filters:
        yield f"{flt.key}.column", flt.column
    if mapping.target.group_by:
        yield "target.group_by", mapping.target.group_by


def _skipped(filters: tuple[FilterRule, ...], cells: dict[str, str | None]) -> bool:
    """The mapping's ``[[filters]]``: ``skip`` rules drop matching rows, ``keep`` rules drop
    rows that match none of them."""
    keeps = [f for f in filters if f.action == "keep"]
    for rule in filters:
        if rule.action == "skip" and _matches(rule, cells.get(rule.column)):
            return True
    return bool(keeps) and not any(_matches(f, cells.get(f.column)) for f in keeps)


def _matches(rule: FilterRule, cell: str | None) -> bool:
    text = (cell or "").strip()
    if rule.op == "equals":
        return text == rule.operand
    if rule.op == "in":
        return text in tuple(rule.operand)  # type: ignore[arg-type]
    if rule.op == "regex":
        return re.search(str(rule.operand), text) is not None
    return (text == "") == bool(rule.operand)


def _cast_into(
    row: Row,
    rule: RecordField,
    cells: dict[str, str | None],
    mapping: RecordMapping,
    path: str,
    unit: str,
) -> RowError | None:
    """Put ``rule``'s value for this row into ``row.values``; a RowError when it cannot."""
    text = _text(rule, cells)
    try:
        value = cast_value(
            rule, text, decimal=mapping.source.decimal, thousands=mapping.source.thousands
        )
    except CellError as error:
        return RowError(
            path,
            row.line,
            None,
            rule.source,
            text if isinstance(text, str) else repr(text),
            error.code,
            f"{rule.path}: {error}",
            field=rule.path,
            unit=unit,
            source_line=row.source_line,
        )
    if value is not EMPTY:
        row.values[rule.path] = value
    return None


def _text(rule: RecordField, cells: dict[str, str | None]) -> Any:
    if rule.has_value:
        return rule.value
    if rule.column is not None:
        cell = cells.get(rule.column)
        text = "" if cell is None else cell
        return text.strip() if rule.trim else text
    assert rule.template is not None
    parts = []
    for piece, is_column in parse_template(rule.template):
        parts.append((cells.get(piece) or "").strip() if is_column else piece)
    joined = "".join(parts)
    return joined.strip() if rule.trim else joined


def cast_value(rule: RecordField, text: Any, *, decimal: str = ".", thousands: str = "") -> Any:
    """The canonical value of one cell (or constant) for ``rule``; :data:`EMPTY` when the row
    leaves the field alone; :class:`CellError` with a row error code when it does not cast."""
    if isinstance(text, str) and rule.map is not None:
        key = text.strip() if rule.trim else text
        if key in rule.map:
            text = rule.map[key]
        elif rule.has_default:
            text = rule.default
    elif isinstance(text, str) and text.strip() == "" and rule.has_default:
        text = rule.default
    if text is None or (isinstance(text, str) and text.strip() == ""):
        if rule.empty == "leave":
            return EMPTY
        return () if rule.type == "list" else ""
    return _cast(rule, text, decimal, thousands)


def _cast(rule: RecordField, value: Any, decimal: str, thousands: str) -> Any:
    kind = rule.type
    if kind == "list":
        items = value if isinstance(value, list) else str(value).split(rule.split)
        return tuple(s for s in (str(item).strip() for item in items) if s)
    if isinstance(value, bool):
        if kind == "bool":
            return value
        if kind == "text":
            return "yes" if value else "no"
    if kind == "text":
        return str(value)
    if kind == "bool":
        word = str(value).strip().lower()
        if word in rule.true_words:
            return True
        if word in rule.false_words:
            return False
        raise CellError(
            "invalid-bool",
            f"{value!r} is not one of the true words ({', '.join(rule.true_words)}) or false "
            f"words ({', '.join(rule.false_words)}); fix the cell or add the word to the "
            "field's true / false lists",
        )
    text = str(value) if not isinstance(value, float) else repr(value)
    try:
        if kind == "int":
            return check_int64(canonical_integer(text, decimal=decimal, thousands=thousands), text)
        if kind in ("money", "decimal"):
            return canonical_number(
                text,
                decimal=decimal,
                thousands=thousands,
                max_places=MONEY_MAX_PLACES if kind == "money" else None,
            )
    except NumberError as error:
        raise CellError(
            error.code,
            f"{error} — write it as a number with decimal separator {decimal!r}"
            + (f" and thousands separator {thousands!r}" if thousands else "")
            + " (set [source] decimal / thousands if the file uses others)",
        ) from None
    if kind in ("date", "datetime"):
        return _date(text.strip(), rule.formats, kind)
    raise CellError("invalid-value", f"unknown type {kind!r}")


def _date(text: str, formats: tuple[str, ...], kind: str) -> str:
    for fmt in formats:
        try:
            parsed = datetime.fromisoformat(text) if fmt == "iso" else datetime.strptime(text, fmt)
        except ValueError:
            continue
        if kind == "date":
            return parsed.strftime("%Y-%m-%d")
        out = parsed.strftime("%Y-%m-%dT%H:%M:%S")
        offset = parsed.strftime("%z")
        return out + (f"{offset[:3]}:{offset[3:]}" if offset else "")
    shown = ", ".join("ISO 8601" if f == "iso" else repr(f) for f in formats)
    raise CellError(
        "invalid-date",
        f"{text!r} is not a date in the format {shown}; fix the cell or add its format to the "
        "field's format list",
    )


__all__ = ["EMPTY", "ROW_ERROR_CODES", "CellError", "RecordRows", "Row", "cast_value", "read_rows"]
