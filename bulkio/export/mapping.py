"""Export mappings: a TOML file saying which order fields become which output columns, and how.

The file is validated completely when it loads, so that a typo fails before anything is fetched;
every error names the file and the key path (``columns[3].field``) and says what to do.
See ``docs/export.md`` for the reference.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from bulkio.errors import MappingError
from bulkio.export.expressions import (
    ExpressionError,
    Node,
    parse_expression,
    referenced_fields,
    uses_tax,
)
from bulkio.export.order_fields import (
    DATE_FIELDS,
    ValueType,
    field_type,
    known_paths,
    top_level_field,
)
from bulkio.export.product_fields import known_product_paths, product_field_type
from bulkio.export.record_fields import DATE_FIELDS as RECORD_DATE_FIELDS
from bulkio.export.record_fields import (
    RECORD_NAMES,
    RECORD_RESOURCES,
    known_record_paths,
    record_field_type,
    record_store_field,
)
from bulkio.mapping.template import TemplateSyntaxError, parse_template

Layout = Literal["order", "line_item"]
SubLines = Literal["join", "rows"]
Quoting = Literal["minimal", "all", "text"]
Encoding = Literal["utf-8", "utf-8-sig", "cp1252"]
Incremental = Literal["created", "modified"]
Resource = Literal["orders", "products", "customers", "coupons"]
RESOURCES: tuple[Resource, ...] = ("orders", "products", "customers", "coupons")
Variations = Literal["rows", "skip"]
SourceKind = Literal["field", "value", "template", "compute", "tax"]

VALUE_TYPES: tuple[ValueType, ...] = ("text", "int", "money", "number", "date", "datetime", "bool")
FORMATS = ("csv", "xlsx", "xml", "parquet", "jsonl")
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class XmlOptions:
    root: str = "orders"
    record: str = "order"
    item: str = "item"
    """Element for each line under its order when ``layout = "line_item"`` (XML nests lines)."""


@dataclass(frozen=True)
class OutputOptions:
    layout: Layout = "order"
    fees: SubLines = "join"
    shipping: SubLines = "join"
    coupons: SubLines = "join"
    taxes: SubLines = "join"
    join_separator: str = " | "
    date_format: str = "%Y-%m-%d"
    datetime_format: str = "%Y-%m-%d %H:%M:%S"
    timezone: str = "store"
    decimal_separator: str = "."
    decimals: int = 2
    delimiter: str = ","
    quoting: Quoting = "minimal"
    line_ending: str = "\n"
    encoding: Encoding = "utf-8"
    unencodable: Literal["error", "replace"] = "error"
    header: bool = True
    incremental: Incremental = "created"
    once: bool = False
    """With ``--since-last-run``: never export an order id twice (the state keeps the ids)."""
    format: str | None = None
    xml: XmlOptions = field(default_factory=XmlOptions)
    variations: Variations = "rows"
    """Product exports: a row per variation after its parent (``rows``), or parents only."""

    @property
    def extra_row_kinds(self) -> tuple[str, ...]:
        """Which kinds of order lines get rows of their own besides line items."""
        kinds = []
        for kind, how in (
            ("fee", self.fees),
            ("shipping", self.shipping),
            ("coupon", self.coupons),
            ("tax", self.taxes),
        ):
            if how == "rows":
                kinds.append(kind)
        return tuple(kinds)


@dataclass(frozen=True)
class TemplatePart:
    text: str
    path: str | None


@dataclass(frozen=True)
class Column:
    header: str
    kind: SourceKind
    type: ValueType
    key: str
    """Key path in the mapping file (``columns[2]``) for messages."""
    field: str | None = None
    value: str | None = None
    template: tuple[TemplatePart, ...] = ()
    compute: Node | None = None
    tax: str | None = None
    map: dict[str, str] | None = None
    default: str | None = None
    format: str | None = None
    decimals: int | None = None
    xml_name: str = ""
    xml_attribute: bool = False
    line_scoped: bool = False
    """The value differs per line row (``line.*``, ``line_items.*`` in a ``line_item`` layout)."""
    joined: bool = False
    """A field of an order line list shown as one cell: the lines' values joined (text)."""

    @property
    def paths(self) -> list[str]:
        """Field paths this column reads."""
        if self.kind == "field" and self.field:
            return [self.field]
        if self.kind == "template":
            return [part.path for part in self.template if part.path]
        if self.kind == "compute" and self.compute is not None:
            return referenced_fields(self.compute)
        return []


@dataclass(frozen=True)
class ExportMapping:
    path: str
    output: OutputOptions
    columns: tuple[Column, ...]
    resource: Resource = "orders"
    """What the rows are: orders, products (and their variations), customers or coupons."""

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def store_fields(self) -> list[str]:
        """The ``_fields`` the export needs: only what the columns read (plus bookkeeping)."""
        wanted = {"id", "date_created_gmt", "date_modified_gmt"}
        if self.resource == "products":
            from bulkio.export.product_fields import product_store_field

            wanted |= {"parent_id", "type", "sku"}
            for column in self.columns:
                for path in column.paths:
                    wanted |= product_store_field(path)
            return sorted(wanted)
        if self.resource in RECORD_RESOURCES:
            for column in self.columns:
                for path in column.paths:
                    wanted |= record_store_field(path)
                    dates = RECORD_DATE_FIELDS[self.resource]
                    if path in dates and self.output.timezone != "store":
                        wanted.add(f"{path}_gmt")
            return sorted(wanted)
        for column in self.columns:
            for path in column.paths:
                head = top_level_field(path)
                if head == "line":
                    wanted.add("line_items")
                    continue
                if head in DATE_FIELDS and self.output.timezone != "store":
                    head = f"{head}_gmt"
                wanted.add(head)
            if column.kind == "tax" or (column.compute is not None and uses_tax(column.compute)):
                wanted.add("tax_lines")
        if self.output.layout == "line_item":
            wanted.add("line_items")
            for kind, name in (
                ("fee", "fee_lines"),
                ("shipping", "shipping_lines"),
                ("coupon", "coupon_lines"),
                ("tax", "tax_lines"),
            ):
                if kind in self.output.extra_row_kinds:
                    wanted.add(name)
        return sorted(wanted)


class _Reader:
    """Reads keys out of one TOML table, remembering which were used to catch unknown ones."""

    def __init__(self, path: str, key: str, table: dict[str, Any]) -> None:
        self.path = path
        self.key = key
        self.table = table
        self.used: set[str] = set()

    def where(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def error(self, name: str | None, message: str, hint: str | None = None) -> MappingError:
        return MappingError(
            self.path, self.where(name) if name else self.key or None, message, hint=hint
        )

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        self.used.add(name)
        if name not in self.table:
            return default
        value = self.table[name]
        if isinstance(value, bool) and kind in (int, (int,)):
            raise self.error(name, f"expected a whole number, found {value!r}")
        if not isinstance(value, kind):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            expected = {"str": "text", "int": "whole number", "dict": "table", "bool": "true/false"}
            words = " or ".join(expected.get(n, n) for n in names.split(" or "))
            raise self.error(name, f"expected {words}, found {type(value).__name__} {value!r}")
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(name, str, default)
        if value not in choices:
            raise self.error(name, f"{value!r} is not one of: {', '.join(choices)}")
        return cast(str, value)

    def finish(self, known: tuple[str, ...]) -> None:
        for name in self.table:
            if name not in self.used:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
                raise self.error(name, "unknown key", hint)


OUTPUT_KEYS = (
    "layout",
    "fees",
    "shipping",
    "coupons",
    "taxes",
    "join_separator",
    "date_format",
    "datetime_format",
    "timezone",
    "decimal_separator",
    "decimals",
    "delimiter",
    "quoting",
    "line_ending",
    "encoding",
    "unencodable",
    "header",
    "incremental",
    "once",
    "format",
    "xml",
    "variations",
)
ORDER_ONLY_OUTPUT_KEYS = (
    "layout",
    "fees",
    "shipping",
    "coupons",
    "taxes",
    "incremental",
    "once",
)
COLUMN_KEYS = (
    "header",
    "field",
    "value",
    "template",
    "compute",
    "tax",
    "map",
    "default",
    "type",
    "format",
    "decimals",
    "xml",
)
LINE_ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


def load_export_mapping(path: str | Path) -> ExportMapping:
    """Read and validate an export mapping; a :class:`MappingError` names the file and key."""
    from bulkio.mapping.files import read_mapping_toml  # the import mappings' loader too

    data, resolved = read_mapping_toml(path)
    return parse_export_mapping(data, str(resolved))


def parse_export_mapping(data: dict[str, Any], path: str = "<mapping>") -> ExportMapping:
    """Validate an already-parsed TOML document (for tests and Python users)."""
    if "fields" in data and "columns" not in data and "output" not in data:
        # An import mapping handed to an export: say so, rather than "[source]: unknown key".
        raise MappingError(
            path,
            None,
            "this is an import mapping ([fields]), not an export mapping",
            hint="exports take a mapping with [[columns]], e.g. mappings/export-accounting.toml "
            "(docs/export.md); use this one with `bulkio import FILE -m …`",
        )
    top = _Reader(path, "", data)
    output_table = top.get("output", dict, {})
    columns_table = top.get("columns", list, None)
    top.get("description", str)
    top.get("resource", str)
    top.finish(("output", "columns", "description", "resource"))
    resource = data.get("resource", "orders")
    if resource not in RESOURCES:
        choices = ", ".join(f'"{name}"' for name in RESOURCES)
        raise top.error("resource", f"{resource!r} cannot be exported; one of {choices}")
    if resource != "orders":
        for name in ORDER_ONLY_OUTPUT_KEYS:
            if name in output_table:
                raise MappingError(
                    path,
                    f"output.{name}",
                    "applies to order exports only",
                    hint='remove it, or set resource = "orders"',
                )
    if resource != "products" and "variations" in output_table:
        raise MappingError(
            path,
            "output.variations",
            "applies to product exports only",
            hint='set resource = "products" to export products',
        )
    output = _read_output(_Reader(path, "output", output_table), resource)
    if not columns_table:
        raise MappingError(
            path,
            "columns",
            "no columns",
            hint='add [[columns]] tables with header = "..." and field = "..."',
        )
    columns: list[Column] = []
    for index, table in enumerate(columns_table):
        key = f"columns[{index + 1}]"
        if not isinstance(table, dict):
            raise MappingError(path, key, "each column must be a table ([[columns]])")
        columns.append(_read_column(_Reader(path, key, table), output, resource))
    headers = [column.header for column in columns]
    for index, header in enumerate(headers):
        if header in headers[:index]:
            raise MappingError(
                path, f"columns[{index + 1}].header", f"header {header!r} is used twice"
            )
    if output.layout == "order":
        for kind in output.extra_row_kinds:
            option = {"fee": "fees", "shipping": "shipping", "coupon": "coupons", "tax": "taxes"}[
                kind
            ]
            raise MappingError(
                path,
                f"output.{option}",
                '"rows" needs layout = "line_item" (one row per order cannot hold several lines)',
                hint=f'set layout = "line_item" or {option} = "join"',
            )
        for column in columns:
            if any(p.startswith("line.") for p in column.paths):
                raise MappingError(
                    path,
                    column.key,
                    'line.* fields need layout = "line_item"',
                    hint="use line_items.<field> to join the values of all items into one cell",
                )
    return ExportMapping(
        path=path, output=output, columns=tuple(columns), resource=cast(Resource, resource)
    )


def _read_output(reader: _Reader, resource: str = "orders") -> OutputOptions:
    layout = reader.choice("layout", ("order", "line_item"), "order")
    sub = {
        name: reader.choice(name, ("join", "rows"), "join")
        for name in ("fees", "shipping", "coupons", "taxes")
    }
    join_separator = reader.get("join_separator", str, " | ")
    date_format = reader.get("date_format", str, "%Y-%m-%d")
    datetime_format = reader.get("datetime_format", str, "%Y-%m-%d %H:%M:%S")
    for key, fmt in (("date_format", date_format), ("datetime_format", datetime_format)):
        _check_strftime(reader, key, fmt)
    timezone = reader.get("timezone", str, "store")
    if timezone not in ("store", "UTC"):
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise reader.error(
                "timezone",
                f'{timezone!r} is not "store", "UTC" or a known IANA zone name',
                hint='for example "Europe/Berlin"',
            ) from None
    decimal_separator = reader.get("decimal_separator", str, ".")
    if decimal_separator not in (".", ","):
        raise reader.error("decimal_separator", f'{decimal_separator!r} is not "." or ","')
    decimals = reader.get("decimals", int, 2)
    if not 0 <= decimals <= 6:
        raise reader.error("decimals", f"{decimals} is outside 0..6")
    # With a decimal comma the usual CSV separator is ";" (what Excel in such locales writes).
    delimiter = reader.get("delimiter", str, ";" if decimal_separator == "," else ",")
    if delimiter == "\\t":
        delimiter = "\t"
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise reader.error(
            "delimiter", f"{delimiter!r} must be one character (not a quote or newline)"
        )
    if delimiter == decimal_separator:
        raise reader.error(
            "delimiter",
            f"the delimiter {delimiter!r} is also the decimal separator",
            hint='with decimal_separator = "," use delimiter = ";" (the usual European CSV)',
        )
    quoting = reader.choice("quoting", ("minimal", "all", "text"), "minimal")
    line_ending = reader.choice("line_ending", tuple(LINE_ENDINGS), "lf")
    encoding = reader.choice("encoding", ("utf-8", "utf-8-sig", "cp1252"), "utf-8")
    unencodable = reader.choice("unencodable", ("error", "replace"), "error")
    header = reader.get("header", bool, True)
    incremental = reader.choice("incremental", ("created", "modified"), "created")
    once = reader.get("once", bool, False)
    if once and incremental != "modified":
        raise reader.error(
            "once",
            'once = true only makes sense with incremental = "modified" (created orders are '
            "exported once anyway)",
            hint='set incremental = "modified" to export orders when they reach a --status',
        )
    fmt = reader.get("format", str, None)
    if fmt is not None and fmt not in FORMATS:
        raise reader.error("format", f"{fmt!r} is not one of: {', '.join(FORMATS)}")
    xml_reader = _Reader(reader.path, "output.xml", reader.get("xml", dict, {}))
    root = resource
    record = {"orders": "order", "products": "product", **RECORD_NAMES}.get(resource, "record")
    xml = XmlOptions(
        root=_xml_name(xml_reader, "root", root),
        record=_xml_name(xml_reader, "record", record),
        item=_xml_name(xml_reader, "item", "item"),
    )
    xml_reader.finish(("root", "record", "item"))
    variations = reader.choice("variations", ("rows", "skip"), "rows")
    reader.finish(OUTPUT_KEYS)
    return OutputOptions(
        layout=cast(Layout, layout),
        fees=cast(SubLines, sub["fees"]),
        shipping=cast(SubLines, sub["shipping"]),
        coupons=cast(SubLines, sub["coupons"]),
        taxes=cast(SubLines, sub["taxes"]),
        join_separator=join_separator,
        date_format=date_format,
        datetime_format=datetime_format,
        timezone=timezone,
        decimal_separator=decimal_separator,
        decimals=decimals,
        delimiter=delimiter,
        quoting=cast(Quoting, quoting),
        line_ending=LINE_ENDINGS[line_ending],
        encoding=cast(Encoding, encoding),
        unencodable=cast(Literal["error", "replace"], unencodable),
        header=header,
        incremental=cast(Incremental, incremental),
        once=once,
        format=fmt,
        xml=xml,
        variations=cast(Variations, variations),
    )


def _check_strftime(reader: _Reader, key: str, fmt: str) -> None:
    allowed = set("YmdHMSyjbBaAIpzZfGVue%")
    for match in re.finditer(r"%(.)", fmt):
        if match.group(1) not in allowed:
            raise reader.error(
                key,
                f"unsupported directive %{match.group(1)} in {fmt!r}",
                hint="use strftime codes such as %Y %m %d %H %M %S",
            )


def _xml_name(reader: _Reader, key: str, default: str) -> str:
    value = cast(str, reader.get(key, str, default))
    if not _XML_NAME.match(value) or value.lower().startswith("xml"):
        raise reader.error(key, f"{value!r} is not a valid XML element name")
    return value


def _check_path(
    reader: _Reader, key: str, path: str, output: OutputOptions, resource: str = "orders"
) -> ValueType:
    products = resource == "products"
    if resource in RECORD_RESOURCES:
        kind = record_field_type(resource, path)
        paths = known_record_paths(resource)
        what = RECORD_NAMES[resource]
    else:
        kind = product_field_type(path) if products else field_type(path)
        paths = known_product_paths() if products else known_paths()
        what = "product" if products else "order"
    if kind is None:
        close = difflib.get_close_matches(path, paths, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else "see the field list in docs/export.md"
        raise reader.error(key, f"unknown {what} field {path!r}", hint)
    return kind


def _read_column(reader: _Reader, output: OutputOptions, resource: str = "orders") -> Column:
    header = reader.get("header", str)
    if header is None or header == "":
        raise reader.error("header", "every column needs a header")
    sources: list[SourceKind] = [
        name for name in ("field", "value", "template", "compute", "tax") if name in reader.table
    ]
    if len(sources) != 1:
        found = ", ".join(sources) if sources else "none"
        raise reader.error(
            None,
            f"column {header!r} needs exactly one of field, value, template, compute, tax "
            f"(found {found})",
        )
    kind = sources[0]
    if kind == "tax" and resource != "orders":
        raise reader.error("tax", "tax columns apply to order exports only")
    default_type: ValueType = "text"
    field_path = value = tax = None
    template: tuple[TemplatePart, ...] = ()
    compute: Node | None = None
    joined = False
    if kind == "field":
        field_path = reader.get("field", str)
        default_type = _check_path(reader, "field", field_path, output, resource)
        joined = resource == "orders" and is_joined(field_path, output)
        if joined:
            default_type = "text"
    elif kind == "value":
        raw_value = reader.get("value", (str, int, float, bool))
        value = str(raw_value).lower() if isinstance(raw_value, bool) else str(raw_value)
    elif kind == "template":
        template = _parse_template(reader, output, resource)
    elif kind == "compute":
        text = reader.get("compute", str)
        try:
            compute = parse_expression(text)
        except ExpressionError as exc:
            raise reader.error("compute", f"{text!r}: {exc}") from None
        if resource != "orders" and uses_tax(compute):
            raise reader.error("compute", "tax(...) applies to order exports only")
        for path in referenced_fields(compute):
            path_type = _check_path(reader, "compute", path, output, resource)
            if path_type not in ("money", "number", "int", "text", "bool"):
                raise reader.error("compute", f"{path!r} is a {path_type}, not a number")
        default_type = "money"
    else:
        tax = reader.get("tax", str)
        if not tax:
            raise reader.error("tax", 'name a tax rate code or label, e.g. tax = "DE-MWST-1"')
        default_type = "money"
    mapping_table = reader.get("map", dict, None)
    value_map: dict[str, str] | None = None
    if mapping_table is not None:
        value_map = {}
        for source_value, target in mapping_table.items():
            if not isinstance(target, str | int | float | bool):
                raise reader.error(f"map.{source_value}", "map values must be text or numbers")
            value_map[str(source_value)] = (
                str(target).lower() if isinstance(target, bool) else str(target)
            )
        default_type = "text"
    default = reader.get("default", (str, int, float), None)
    if default is not None:
        default = str(default)
    type_name = reader.choice("type", VALUE_TYPES, default_type)
    if joined and type_name != "text":
        raise reader.error(
            "type",
            f"{field_path!r} joins the values of several lines into one text cell",
            hint='use compute = "..." to sum them, or layout = "line_item" for a row per line',
        )
    fmt = reader.get("format", str, None)
    if fmt is not None:
        if type_name not in ("date", "datetime"):
            raise reader.error("format", "format applies to date and datetime columns only")
        _check_strftime(reader, "format", fmt)
    decimals = reader.get("decimals", int, None)
    if decimals is not None and not 0 <= decimals <= 6:
        raise reader.error("decimals", f"{decimals} is outside 0..6")
    xml = reader.get("xml", str, None)
    attribute = False
    xml_name = xml if xml is not None else _xml_safe(header)
    if xml_name.startswith("@"):
        attribute = True
        xml_name = xml_name[1:]
    if not _XML_NAME.match(xml_name) or xml_name.lower().startswith("xml"):
        raise reader.error(
            "xml", f"{xml_name!r} is not a valid XML name", hint='set xml = "name" or "@attribute"'
        )
    reader.finish(COLUMN_KEYS)
    column = Column(
        header=header,
        kind=kind,
        type=cast(ValueType, type_name),
        key=reader.key,
        field=field_path,
        value=value,
        template=template,
        compute=compute,
        tax=tax,
        map=value_map,
        default=default,
        format=fmt,
        decimals=decimals,
        xml_name=xml_name,
        xml_attribute=attribute,
        joined=joined,
    )
    scoped = resource == "orders" and any(
        path.startswith("line.")
        or (path.split(".", 1)[0] in LIST_KINDS and not is_joined(path, output))
        for path in column.paths
    )
    return dataclasses.replace(column, line_scoped=scoped)


LIST_KINDS = {
    "line_items": "item",
    "fee_lines": "fee",
    "shipping_lines": "shipping",
    "coupon_lines": "coupon",
    "tax_lines": "tax",
}


def is_joined(path: str, output: OutputOptions) -> bool:
    """Whether a line-list path becomes one joined cell (rather than one value per row)."""
    head = path.split(".", 1)[0]
    if head not in LIST_KINDS:
        return False
    if "." not in path:
        return True
    if output.layout != "line_item":
        return True
    kind = LIST_KINDS[head]
    return kind != "item" and kind not in output.extra_row_kinds


def _parse_template(
    reader: _Reader, output: OutputOptions, resource: str = "orders"
) -> tuple[TemplatePart, ...]:
    """The import mappings' template syntax (``{field}``, ``{{``/``}}`` for braces), shared."""
    text = reader.get("template", str)
    try:
        pieces = parse_template(text)
    except TemplateSyntaxError as exc:
        raise reader.error("template", f"{text!r}: {exc}") from None
    parts: list[TemplatePart] = []
    for piece, is_field in pieces:
        if is_field:
            _check_path(reader, "template", piece, output, resource)
            parts.append(TemplatePart("", piece))
        else:
            parts.append(TemplatePart(piece, None))
    return tuple(parts)


def _xml_safe(header: str) -> str:
    """An XML element name derived from a header ("Order no." → "Order_no")."""
    name = re.sub(r"[^A-Za-z0-9_.\-]+", "_", header).strip("_.-") or "value"
    if not re.match(r"[A-Za-z_]", name) or name.lower().startswith("xml"):
        name = f"_{name}"
    return name
