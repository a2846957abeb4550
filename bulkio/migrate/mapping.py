"""Record mappings: a TOML file whose ``[target] resource`` is a record kind (customer, …).

Same file layout and the same error style as product mappings (:mod:`bulkio.mapping.load`,
whose ``[source]``, ``[[filters]]`` and ``[limits]`` parsing is reused as is): every problem is
a :class:`~bulkio.errors.MappingError` naming the file and the key path. What differs:

* ``[fields]`` keys are store paths (``email``, ``billing.first_name``, ``meta:shopify_id``);
  the kind module declares which paths it accepts and with which types (:class:`FieldDef`);
* a field is ``"Column"`` (shorthand) or a table: one of ``column`` / ``value`` / ``template``,
  then ``type`` (text, money, decimal, int, bool, date, datetime, list), ``map``, ``default``,
  ``split`` (lists), ``format`` (dates: a strptime format or an array of them), ``true`` /
  ``false`` words, ``trim``, ``empty`` ("leave" / "clear") and ``on`` ("always" / "create");
* the kind's own table, named after the resource (``[customer]``, ``[coupon]``, ``[order]``),
  is parsed by the kind (:meth:`bulkio.migrate.kind.RecordKind.parse_options`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bulkio.mapping.load import _did_you_mean, _MappingParser, _type_name, key_path
from bulkio.mapping.model import (
    DEFAULT_FALSE_WORDS,
    DEFAULT_TRUE_WORDS,
    FilterRule,
    SourceOptions,
)
from bulkio.mapping.template import TemplateSyntaxError, template_columns

if TYPE_CHECKING:
    from bulkio.migrate.kind import RecordKind

RecordType = Literal["text", "money", "decimal", "int", "bool", "date", "datetime", "list"]
RECORD_TYPES: tuple[str, ...] = (
    "text",
    "money",
    "decimal",
    "int",
    "bool",
    "date",
    "datetime",
    "list",
)
TOP_KEYS = ("source", "target", "fields", "filters", "limits", "options")
TARGET_KEYS = ("resource", "feed", "match", "group_by")
FIELD_KEYS = (
    "column",
    "value",
    "template",
    "type",
    "map",
    "default",
    "split",
    "format",
    "true",
    "false",
    "trim",
    "empty",
    "on",
)
DEFAULT_DATE_FORMATS = ("%Y-%m-%d",)
DEFAULT_DATETIME_FORMATS = ("iso",)
"""``"iso"``: ISO 8601 as :meth:`datetime.fromisoformat` reads it (``2021-03-04 10:11:12``,
``2021-03-04T10:11:12+01:00``; a date alone is midnight)."""


@dataclass(frozen=True)
class FieldDef:
    """One store path a kind accepts in ``[fields]``.

    ``path`` is exact (``billing.city``) or a family ending in ``*`` (``meta:*`` accepts
    ``meta:shopify_id``). ``types`` are the casts allowed, the first is the default.
    """

    path: str
    types: tuple[str, ...] = ("text",)
    create_only: bool = False
    """Never compared or sent on update (``on = "create"`` is forced; e.g. ``username``)."""
    help: str = ""

    def matches(self, name: str) -> bool:
        if self.path.endswith("*"):
            prefix = self.path[:-1]
            return name.startswith(prefix) and len(name) > len(prefix)
        return name == self.path


@dataclass(frozen=True)
class RecordField:
    """``[fields] <path> = …`` of a record mapping, checked."""

    path: str
    key: str
    """Key path for messages: ``fields."billing.city"``."""
    column: str | None = None
    template: str | None = None
    has_value: bool = False
    value: Any = None
    """The constant as written (cast like a cell when rows are read)."""
    type: RecordType = "text"
    map: dict[str, Any] | None = None
    default: Any = None
    has_default: bool = False
    split: str = ","
    formats: tuple[str, ...] = ()
    true_words: tuple[str, ...] = DEFAULT_TRUE_WORDS
    false_words: tuple[str, ...] = DEFAULT_FALSE_WORDS
    trim: bool = True
    empty: Literal["leave", "clear"] = "leave"
    on: Literal["always", "create"] = "always"

    @property
    def source_columns(self) -> list[str]:
        if self.column is not None:
            return [self.column]
        if self.template is not None:
            return template_columns(self.template)
        return []

    @property
    def source(self) -> str:
        """What the value is read from, for messages (column, template or constant)."""
        if self.column is not None:
            return self.column
        if self.template is not None:
            return self.template
        return self.key


@dataclass(frozen=True)
class RecordTarget:
    """``[target]`` of a record mapping. ``missing``/``manages`` exist so the safety layer
    treats it like any mapping: record kinds never hide or delete what a feed no longer lists."""

    resource: str
    feed: str | None = None
    match: str = ""
    group_by: str | None = None
    missing: str = "ignore"
    manages: Any = None
    on_trashed: str = "restore"
    duplicates: str = "reject"

    @property
    def columns(self) -> list[str]:
        return [self.group_by] if self.group_by else []

    @property
    def groups_rows(self) -> bool:
        return self.group_by is not None


@dataclass(frozen=True)
class RecordMapping:
    """A validated record mapping (see the module docstring)."""

    path: str
    source: SourceOptions
    target: RecordTarget
    fields: dict[str, RecordField]
    options: dict[str, Any] = field(default_factory=dict)
    """The kind's own table (``[customer]`` …) as :meth:`RecordKind.parse_options` returned it."""
    filters: tuple[FilterRule, ...] = ()
    limits: dict[str, float | int | str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    is_catalog: bool = False

    @property
    def resource(self) -> str:
        return self.target.resource

    @property
    def kind(self) -> RecordKind:
        from bulkio.migrate import record_kind

        kind = record_kind(self.resource)
        assert kind is not None  # checked when the mapping was loaded
        return kind

    @property
    def owned_fields(self) -> list[str]:
        return list(self.fields)

    @property
    def source_columns(self) -> list[str]:
        seen: dict[str, None] = {}
        for rule in self.fields.values():
            for column in rule.source_columns:
                seen.setdefault(column, None)
        for flt in self.filters:
            seen.setdefault(flt.column, None)
        for column in self.target.columns:
            seen.setdefault(column, None)
        return list(seen)

    @property
    def name(self) -> str:
        return Path(self.path).name


def parse_record_mapping(data: dict[str, Any], path: str | Path) -> RecordMapping:
    """Validate the parsed TOML of a record mapping (``[target] resource`` is a record kind)."""
    return _RecordParser(str(path)).parse_record(data)


class _RecordParser(_MappingParser):
    def parse_record(self, data: dict[str, Any]) -> RecordMapping:
        from bulkio.migrate import KINDS, record_kind

        target_table = self.table(data, "target")
        resource = str(target_table.get("resource"))
        kind = record_kind(resource)
        if kind is None:
            raise self.error(
                "target.resource",
                f"{resource!r} records cannot be imported by this version of bulkio yet",
                hint=f"record resources: {', '.join(KINDS)} (their modules are added one by one)",
            )
        self.check_keys(data, (*TOP_KEYS, resource))
        options = self.table(data, "options")
        self.check_keys(options, ("header_case",), "options")
        source = self.parse_source(self.table(data, "source"), options)
        self.source = source
        target = self.parse_record_target(target_table, kind)
        fields_table = self.table(data, "fields")
        if not fields_table:
            raise self.error(
                "fields",
                "the mapping owns no fields",
                hint=f'add at least {kind.key_field} = "<the column holding it>"',
            )
        fields = {
            name: self.parse_record_field(name, raw, kind) for name, raw in fields_table.items()
        }
        kind_options = kind.parse_options(self.table(data, resource), self)
        filters = self.parse_filters(data.get("filters", []), source)
        limits = self.parse_limits(self.table(data, "limits"))
        mapping = RecordMapping(
            path=self.path,
            source=source,
            target=target,
            fields=fields,
            options=kind_options,
            filters=filters,
            limits=limits,
        )
        warnings = kind.check_mapping(mapping, self)
        return mapping if not warnings else _with_warnings(mapping, warnings)

    def parse_record_target(self, table: dict[str, Any], kind: RecordKind) -> RecordTarget:
        self.check_keys(table, TARGET_KEYS, "target")
        feed = table.get("feed")
        if feed is not None:
            self.parse_target({"feed": feed})  # the one check of feed ids
        match = self.get(table, "match", str, kind.key_field, "target")
        if match != kind.key_field:
            raise self.error(
                "target.match",
                f"{kind.name} records are matched by {kind.key_field}, not {match!r}",
                hint=f'remove the key or write match = "{kind.key_field}"',
            )
        group_by = self.get(table, "group_by", str, None, "target")
        if group_by is not None:
            if not kind.groups_rows:
                raise self.error(
                    "target.group_by",
                    f"{kind.name} records are one row each; rows are not grouped",
                    hint="remove target.group_by",
                )
            if not group_by.strip():
                raise self.error("target.group_by", "cannot be empty")
            self.check_path(group_by, "target", "group_by")
        return RecordTarget(resource=kind.name, feed=feed, match=match, group_by=group_by)

    def parse_record_field(self, name: str, raw: Any, kind: RecordKind) -> RecordField:
        where = ("fields", name)
        key = key_path(*where)
        definition = kind.field_def(name)
        if definition is None:
            known = [d.path for d in kind.fields]
            raise self.error(
                key,
                f"not a {kind.name} field bulkio writes",
                hint=_did_you_mean(name, known) or f"{kind.name} fields: {', '.join(known)}",
            )
        if isinstance(raw, str):
            raw = {"column": raw}
        if not isinstance(raw, dict):
            raise self.error(
                key,
                f"must be a column name or a table, not {_type_name(raw)}",
                hint=f'e.g. "{name}" = "Column" or "{name}" = {{ value = "…" }}',
            )
        self.check_keys(raw, FIELD_KEYS, *where)
        sources = [k for k in ("column", "value", "template") if k in raw]
        if len(sources) != 1:
            raise self.error(
                key,
                "give exactly one of column, value or template"
                + (f" (found {', '.join(sources)})" if sources else ""),
            )
        column = self.column_value(raw, "column", *where)
        template = self.get(raw, "template", str, None, *where)
        if template is not None:
            try:
                columns = template_columns(template)
            except TemplateSyntaxError as exc:
                raise self.error(key_path(*where, "template"), str(exc)) from None
            for col in columns:
                self.check_path(col, *where, "template")
        has_value = "value" in raw
        value = raw.get("value")
        if has_value and not isinstance(value, str | int | float | bool | list):
            raise self.error(
                key_path(*where, "value"), f"must be a plain value, not {_type_name(value)}"
            )
        cast = self.choice(raw, "type", tuple(definition.types), definition.types[0], *where)
        if cast not in RECORD_TYPES:  # a kind declared a type the rows cannot cast
            raise self.error(key_path(*where, "type"), f"unknown type {cast!r}")
        mapped = self.parse_map(raw, *where)
        has_default = "default" in raw
        default = raw.get("default")
        if has_default and not isinstance(default, str | int | float | bool):
            raise self.error(
                key_path(*where, "default"), f"must be a plain value, not {_type_name(default)}"
            )
        split = self.get(raw, "split", str, ",", *where)
        if "split" in raw and cast != "list":
            raise self.error(
                key_path(*where, "split"),
                'only a list splits its cell (type = "list")',
                hint='add type = "list" or remove split',
            )
        if not split:
            raise self.error(key_path(*where, "split"), "cannot be empty")
        formats = self.parse_formats(raw, cast, *where)
        true_words = self.words(raw, "true", DEFAULT_TRUE_WORDS, *where)
        false_words = self.words(raw, "false", DEFAULT_FALSE_WORDS, *where)
        if ("true" in raw or "false" in raw) and cast != "bool":
            raise self.error(key_path(*where), 'true / false words need type = "bool"')
        trim = self.get(raw, "trim", bool, True, *where)
        empty = self.choice(raw, "empty", ("leave", "clear"), "leave", *where)
        on = self.choice(raw, "on", ("always", "create"), "always", *where)
        if definition.create_only:
            on = "create"
        return RecordField(
            path=name,
            key=key,
            column=column,
            template=template,
            has_value=has_value,
            value=value,
            type=cast,  # type: ignore[arg-type]
            map=mapped,
            default=default,
            has_default=has_default,
            split=split,
            formats=formats,
            true_words=true_words,
            false_words=false_words,
            trim=trim,
            empty=empty,  # type: ignore[arg-type]
            on=on,  # type: ignore[arg-type]
        )

    def parse_map(self, raw: dict[str, Any], *where: str) -> dict[str, Any] | None:
        if "map" not in raw:
            return None
        table = raw["map"]
        if not isinstance(table, dict):
            raise self.error(key_path(*where, "map"), f"must be a table, not {_type_name(table)}")
        out: dict[str, Any] = {}
        for text, value in table.items():
            if not isinstance(value, str | int | float | bool):
                raise self.error(
                    key_path(*where, "map", text),
                    f"must be a plain value, not {_type_name(value)}",
                )
            out[str(text)] = value
        return out

    def parse_formats(self, raw: dict[str, Any], cast: str, *where: str) -> tuple[str, ...]:
        if "format" not in raw:
            if cast == "date":
                return DEFAULT_DATE_FORMATS
            return DEFAULT_DATETIME_FORMATS if cast == "datetime" else ()
        if cast not in ("date", "datetime"):
            raise self.error(
                key_path(*where, "format"),
                'only dates have a format (type = "date" or "datetime")',
            )
        value = raw["format"]
        formats = [value] if isinstance(value, str) else value
        if (
            not isinstance(formats, list)
            or not formats
            or not all(isinstance(f, str) and f for f in formats)
        ):
            raise self.error(
                key_path(*where, "format"),
                "must be a strptime format or an array of them",
                hint='e.g. format = "%d.%m.%Y" or format = ["%Y-%m-%d %H:%M:%S %z", "iso"]',
            )
        return tuple(formats)

    def words(
        self, raw: dict[str, Any], name: str, default: tuple[str, ...], *where: str
    ) -> tuple[str, ...]:
        if name not in raw:
            return default
        value = raw[name]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key_path(*where, name), "must be an array of strings")
        return tuple(v.strip().lower() for v in value)


def _with_warnings(mapping: RecordMapping, warnings: tuple[str, ...]) -> RecordMapping:
    from dataclasses import replace

    return replace(mapping, warnings=(*mapping.warnings, *warnings))


__all__ = [
    "RECORD_TYPES",
    "FieldDef",
    "RecordField",
    "RecordMapping",
    "RecordTarget",
    "parse_record_mapping",
]
