"""Orders (the store's JSON) → output rows, as the export mapping says.

Cells keep their Python type (``Decimal`` money, ``datetime`` dates, ``int``, ``bool``, ``str``,
``None`` for empty) so that each writer can render them natively: XLSX writes real numbers and
dates, Parquet typed columns, CSV and XML text formatted per the mapping.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bulkio.errors import BulkioError
from bulkio.exitcodes import ExitCode
from bulkio.export.expressions import EvaluationError, evaluate, to_decimal
from bulkio.export.mapping import LIST_KINDS, Column, ExportMapping, OutputOptions
from bulkio.export.order_fields import DATE_FIELDS, field_type

MaskMode = Literal["hash", "mask"]
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
LIST_OF_KIND = {kind: name for name, kind in LIST_KINDS.items()}


class ExportDataError(BulkioError):
    """An order whose data cannot fill a column (for example text where a number is needed).

    Exit code 2 like any bad input: nothing is written, the mapping or the order needs fixing."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True, slots=True)
class Row:
    order_id: int
    line_kind: str | None
    cells: list[object]


def mask_email(address: str, mode: MaskMode) -> str:
    """``hash``: a stable SHA-256 prefix of the lower-cased address (joinable across files, not
    readable); ``mask``: first letter and domain kept (``j***@example.com``)."""
    if mode == "hash":
        return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:16]
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_emails_in(text: str, mode: MaskMode) -> str:
    return _EMAIL.sub(lambda match: mask_email(match.group(0), mode), text)


def format_decimal(value: Decimal, places: int | None, separator: str) -> str:
    text = f"{value:.{places}f}" if places is not None else format(value.normalize(), "f")
    if text.startswith("-") and text.strip("-0.") == "":
        text = text[1:]  # no "-0.00"
    return text.replace(".", separator) if separator != "." else text


def format_text(value: object, column: Column, output: OutputOptions) -> str:
    """A cell as text for CSV, XML and joined cells, per the mapping's formatting options."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        places = column.decimals if column.decimals is not None else output.decimals
        return format_decimal(
            value, places if column.type == "money" else column.decimals, output.decimal_separator
        )
    if isinstance(value, date):
        fmt = column.format or (
            output.date_format if column.type == "date" else output.datetime_format
        )
        return value.strftime(fmt)
    return str(value)


class RowBuilder:
    """Turns orders into rows; one instance per export (it caches per-mapping decisions).

    Subclasses reuse the cell logic for other records (``ProductRowBuilder``) by overriding
    :meth:`rows_of`, :meth:`lookup` and :meth:`field_type`."""

    record_name = "order"

    def __init__(self, mapping: ExportMapping, *, mask: MaskMode | None = None) -> None:
        self.mapping = mapping
        self.output = mapping.output
        self.columns = mapping.columns
        self.mask = mask
        tz = self.output.timezone
        self.zone = None if tz in ("store", "UTC") else ZoneInfo(tz)
        self._money_paths: dict[str, bool] = {}

    def _money_as_text(self, value: object, path: str) -> object:
        """Money shown inside text (templates, joined cells) follows the mapping's decimals and
        decimal separator: ``40.00 | 14.02`` becomes ``40,00 | 14,02`` with a decimal comma."""
        is_money = self._money_paths.get(path)
        if is_money is None:
            is_money = self._money_paths[path] = self.field_type(path) == "money"
        if not is_money:
            return value
        places = self.output.decimals

        def one(item: object) -> object:
            if item in (None, ""):
                return item
            number = to_decimal(item, path).quantize(Decimal(1).scaleb(-places))
            return format_decimal(number, places, self.output.decimal_separator)

        return [one(item) for item in value] if isinstance(value, list) else one(value)

    def field_type(self, path: str) -> str | None:
        """The default type of a field path of this kind of record."""
        return field_type(path)

    # -- rows ---------------------------------------------------------------------------------
    def rows(self, orders: Iterable[dict[str, Any]]) -> Iterator[Row]:
        for order in orders:
            yield from self.rows_of(order)

    def rows_of(self, order: dict[str, Any]) -> Iterator[Row]:
        order_id = int(order.get("id") or 0)
        if self.output.layout == "order":
            yield Row(order_id, None, self._cells(order, None, None))
            return
        lines: list[tuple[str, dict[str, Any]]] = [
            ("item", item) for item in order.get("line_items") or ()
        ]
        for kind in self.output.extra_row_kinds:
            lines += [(kind, line) for line in order.get(LIST_OF_KIND[kind]) or ()]
        if not lines:
            # An order without lines still appears once, so no order silently vanishes.
            yield Row(order_id, None, self._cells(order, None, None))
            return
        for kind, line in lines:
            yield Row(order_id, kind, self._cells(order, kind, line))

    def _cells(
        self, order: dict[str, Any], kind: str | None, line: dict[str, Any] | None
    ) -> list[object]:
        cells: list[object] = []
        for column in self.columns:
            try:
                cells.append(self._cell(column, order, kind, line))
            except EvaluationError as exc:
                name = order.get("number") or order.get("sku") or order.get("id")
                raise ExportDataError(
                    f"{self.record_name} {name}: column {column.header!r} "
                    f"({self.mapping.path}: [{column.key}]): {exc}",
                    hint="fix the order in the store, or change the column's type or expression",
                ) from None
        return cells

    def _cell(
        self, column: Column, order: dict[str, Any], kind: str | None, line: dict[str, Any] | None
    ) -> object:
        if column.kind == "value":
            raw: object = column.value
        elif column.kind == "field":
            assert column.field is not None
            raw = self.lookup(column.field, order, kind, line, joined=column.joined)
            if column.joined:
                raw = self._money_as_text(raw, column.field)
        elif column.kind == "template":
            pieces: list[str] = []
            for part in column.template:
                if part.path is None:
                    pieces.append(part.text)
                else:
                    value = self.lookup(part.path, order, kind, line, joined=True)
                    pieces.append(self._as_text(self._money_as_text(value, part.path), part.path))
            raw = "".join(pieces)
        elif column.kind == "compute":
            assert column.compute is not None
            raw = evaluate(
                column.compute,
                lambda path: self._numeric(path, order, kind, line),
                lambda code: self.tax_for(order, code),
            )
        else:
            assert column.tax is not None
            raw = self.tax_for(order, column.tax)
        if column.map is not None:
            key = self._as_text(raw, column.field or column.header)
            if key in column.map:
                raw = column.map[key]
            elif column.default is not None:
                raw = column.default
        elif column.default is not None and (raw is None or raw == ""):
            raw = column.default
        value = self.convert(raw, column)
        if self.mask is not None and isinstance(value, str) and "@" in value:
            value = mask_emails_in(value, self.mask)
        return value

    # -- values -------------------------------------------------------------------------------
    def lookup(
        self,
        path: str,
        order: dict[str, Any],
        kind: str | None,
        line: dict[str, Any] | None,
        *,
        joined: bool,
    ) -> object:
        """The raw value of ``path`` for this row (a list of values for joined line fields)."""
        if path.startswith("meta:"):
            return _meta(order.get("meta_data"), path[5:])
        head, _, rest = path.partition(".")
        if head == "line":
            return _generic_line(kind, line, rest)
        if head in LIST_KINDS:
            list_kind = LIST_KINDS[head]
            if kind == list_kind and line is not None and rest:
                return _line_value(line, rest)
            lines = order.get(head) or []
            if not rest:
                return [self._line_summary(list_kind, entry) for entry in lines]
            if joined or kind is None:
                return [_line_value(entry, rest) for entry in lines]
            return None
        if head in ("billing", "shipping") and rest:
            return (order.get(head) or {}).get(rest)
        if path in DATE_FIELDS:
            return self._date(order, path)
        return order.get(path)

    def _date(self, order: dict[str, Any], name: str) -> datetime | None:
        if self.output.timezone == "store":
            return _parse_datetime(order.get(name))
        moment = _parse_datetime(order.get(f"{name}_gmt"))
        if moment is None or self.zone is None:
            return moment
        return moment.replace(tzinfo=UTC).astimezone(self.zone).replace(tzinfo=None)

    def _numeric(
        self, path: str, order: dict[str, Any], kind: str | None, line: dict[str, Any] | None
    ) -> object:
        value = self.lookup(path, order, kind, line, joined=False)
        if isinstance(value, list):
            return sum((to_decimal(v, path) for v in value), Decimal(0))
        return value

    def tax_for(self, order: dict[str, Any], code: str) -> Decimal:
        """Tax of one rate (matched by rate code, label or rate id), order and shipping together."""
        total = Decimal(0)
        for tax_line in order.get("tax_lines") or ():
            if code in (
                tax_line.get("rate_code"),
                tax_line.get("label"),
                str(tax_line.get("rate_id")),
            ):
                total += to_decimal(tax_line.get("tax_total"), "tax_total")
                total += to_decimal(tax_line.get("shipping_tax_total"), "shipping_tax_total")
        return total

    def _line_summary(self, kind: str, line: dict[str, Any]) -> str:
        sep = self.output.decimal_separator
        places = self.output.decimals

        def money(value: object) -> str:
            return format_decimal(
                to_decimal(value, kind).quantize(Decimal(1).scaleb(-places)), places, sep
            )

        if kind == "item":
            sku = line.get("sku") or ""
            name = line.get("name") or ""
            label = f"{sku} {name}".strip()
            return f"{line.get('quantity', 0)} × {label}"
        if kind == "fee":
            return f"{line.get('name', '')}: {money(line.get('total'))}"
        if kind == "shipping":
            return f"{line.get('method_title', '')}: {money(line.get('total'))}"
        if kind == "coupon":
            return f"{line.get('code', '')}: -{money(line.get('discount'))}"
        tax_total = to_decimal(line.get("tax_total"), "tax_total") + to_decimal(
            line.get("shipping_tax_total"), "shipping_tax_total"
        )
        return f"{line.get('label') or line.get('rate_code', '')}: {money(tax_total)}"

    def _as_text(self, value: object, name: str) -> str:
        if isinstance(value, list):
            return self.output.join_separator.join(
                self._as_text(v, name) for v in value if v not in (None, "")
            )
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime):
            return value.strftime(self.output.datetime_format)
        if isinstance(value, date):
            return value.strftime(self.output.date_format)
        if isinstance(value, Decimal):
            return format_decimal(value, None, self.output.decimal_separator)
        if isinstance(value, float):
            return format_decimal(Decimal(str(value)), None, self.output.decimal_separator)
        if isinstance(value, dict | tuple):
            return str(value)
        return str(value)

    def convert(self, raw: object, column: Column) -> object:
        """Bring a raw value to the column's type (the writers render it)."""
        kind = column.type
        if isinstance(raw, list):
            raw = self._as_text(raw, column.header)
            if kind == "text":
                return raw or None
        if raw is None or raw == "":
            return None
        if kind == "text":
            return raw if isinstance(raw, str) else self._as_text(raw, column.header)
        if kind == "money":
            number = to_decimal(raw, column.header)
            places = column.decimals if column.decimals is not None else self.output.decimals
            try:
                return number.quantize(Decimal(1).scaleb(-places))
            except InvalidOperation as exc:
                raise EvaluationError(f"{raw!r} is too large") from exc
        if kind == "number":
            return to_decimal(raw, column.header)
        if kind == "int":
            number = to_decimal(raw, column.header)
            if number != number.to_integral_value():
                raise EvaluationError(f"{raw!r} is not a whole number")
            return int(number)
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in ("1", "true", "yes", "y", "on")
        # date / datetime ("date" drops the time of day)
        parsed = raw if isinstance(raw, datetime) else _parse_datetime(raw)
        if parsed is None:
            raise EvaluationError(f"{raw!r} is not a date")
        return parsed.date() if kind == "date" else parsed


def _parse_datetime(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _meta(entries: object, key: str) -> object:
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, dict) and entry.get("key") == key:
            value = entry.get("value")
            if isinstance(value, dict | list):
                return str(value)
            return value
    return None


def _line_value(line: dict[str, Any], name: str) -> object:
    if name.startswith("meta:"):
        return _meta(line.get("meta_data"), name[5:])
    return line.get(name)


def _generic_line(kind: str | None, line: dict[str, Any] | None, name: str) -> object:
    """``line.*``: the same few fields for items, fees, shipping, coupons and taxes."""
    if line is None or kind is None:
        return None
    if name == "type":
        return kind
    if kind == "item":
        return line.get(name)
    if name == "sku":
        return None
    if name == "quantity":
        return 1
    if kind == "fee":
        return line.get(name)
    if kind == "shipping":
        return line.get("method_title") if name == "name" else line.get(name)
    if kind == "coupon":
        if name == "name":
            return line.get("code")
        value = line.get("discount" if name == "total" else "discount_tax")
        return -to_decimal(value, "discount")
    # tax line
    if name == "name":
        return line.get("label") or line.get("rate_code")
    if name == "total":
        return to_decimal(line.get("tax_total"), "tax_total") + to_decimal(
            line.get("shipping_tax_total"), "shipping_tax_total"
        )
    return None
