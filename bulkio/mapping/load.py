"""Read a mapping TOML file and check every key before anything runs.

Every problem is a :class:`~bulkio.errors.MappingError` naming the mapping file and the key path
(``fields.regular_price.type``), with a "did you mean" where a near miss is likely. Checks that
need the source file (does the column exist?) happen when the source is opened
(:func:`bulkio.mapping.columns.resolve_columns`).
"""

from __future__ import annotations

import codecs
import difflib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from bulkio.errors import MappingError
from bulkio.fields import FIELDS, STOCK_FIELDS, CanonicalValue, field_spec
from bulkio.mapping.constants import constant_value
from bulkio.mapping.files import read_mapping_toml
from bulkio.mapping.model import (
    DEFAULT_FALSE_WORDS,
    DEFAULT_TRUE_WORDS,
    LIST_NAMES,
    TERM_LISTS,
    AttributeRule,
    DownloadsRule,
    FieldRule,
    FilterRule,
    ListRule,
    Mapping,
    MetaPattern,
    SourceOptions,
    TargetOptions,
)
from bulkio.mapping.template import TemplateSyntaxError, parse_template
from bulkio.mapping.units import DIMENSION_UNITS, WEIGHT_UNITS, unit_name

TOP_KEYS = ("source", "target", "fields", "attributes", "filters", "options", "limits")
SOURCE_KEYS = (
    "format",
    "delimiter",
    "quote",
    "encoding",
    "decimal",
    "thousands",
    "header_case",
    "record",
    "namespaces",
    "strip_formula_apostrophe",
    "missing_columns",
)
TARGET_KEYS = (
    "resource",
    "match",
    "missing",
    "on_trashed",
    "manages",
    "duplicates",
    "feed",
    "group_by",
    "parent",
    "type",
)
FIELD_KEYS = (
    "column",
    "value",
    "template",
    "type",
    "map",
    "default",
    "split",
    "hierarchy",
    "trim",
    "empty",
    "true",
    "false",
    "format",
    "on",
    "currency",
    "unit",
    "newlines",
    "compare_at",
)
LIST_KEYS = ("column", "columns", "split", "escape", "hierarchy", "on", "empty", "scope")
ATTRIBUTE_KEYS = (
    "name",
    "name_column",
    "column",
    "split",
    "escape",
    "global",
    "visible",
    "variation",
    "visible_column",
    "global_column",
    "default_column",
    "default",
    "ignore_values",
)
DOWNLOAD_KEYS = ("url_column", "name_column")
META_PATTERN_KEYS = ("column", "on")
LINK_LISTS = ("upsell_ids", "cross_sell_ids", "grouped_products")
IN_VALUE = "in-value"
"""``unit = "in-value"``: each value carries its unit ("0.3 kg", "20 cm")."""
UNIT_FIELD_NAMES = ("weight", "dimensions.length", "dimensions.width", "dimensions.height")
FILTER_KEYS = ("column", "equals", "in", "regex", "empty", "action")
OPTION_KEYS = ("header_case",)

CAST_TYPES = ("text", "money", "decimal", "int", "bool", "date")
TYPES_FOR_KIND: dict[str, tuple[str, ...]] = {
    "text": ("text", "date", "money", "decimal", "int"),
    "meta": ("text", "date", "money", "decimal", "int"),
    "enum": ("text",),
    "money": ("money",),
    "decimal": ("decimal",),
    "int": ("int",),
    "bool": ("bool",),
    "terms": ("int",),
}
DEFAULT_TYPE_FOR_KIND = {
    "text": "text",
    "meta": "text",
    "enum": "text",
    "money": "money",
    "decimal": "decimal",
    "int": "int",
    "bool": "bool",
    "terms": "int",
}
THOUSANDS_SEPARATORS = ("", ".", ",", " ", "'", "\u00a0", "\u202f")
MISSING_POLICIES = ("ignore", "draft", "private", "out-of-stock", "delete")
STOCK_MISSING_POLICIES = ("ignore", "out-of-stock")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+(\[\d+\])?$")
"""A key written bare in messages (``attributes[0]`` names an entry of an array of tables)."""

_TOML_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    list: "an array",
    dict: "a table",
}


def load_mapping(path: str | Path) -> Mapping:
    """Load and validate a product or stock mapping file; raise MappingError naming the file
    and key. (:func:`bulkio.mapping.load_mapping` also loads record mappings.)

    ``path`` may also name a shipped mapping (``supplier-csv``, see :mod:`bulkio.shipped`).
    """
    data, mapping_path = read_mapping_toml(path)  # shared with export mappings
    return parse_mapping(data, mapping_path)


def is_record_mapping(data: dict[str, Any]) -> bool:
    """Whether parsed TOML names a record resource (customer, coupon, order)."""
    from bulkio.migrate import is_record_resource

    target = data.get("target")
    return isinstance(target, dict) and is_record_resource(target.get("resource"))


def parse_mapping(data: dict[str, Any], path: str | Path) -> Mapping:
    """Validate the parsed TOML of a mapping file (``path`` is used in messages)."""
    return _MappingParser(str(path)).parse(data)


def key_path(*parts: str) -> str:
    """A TOML key path for messages: ``fields."meta:ean".column``."""
    return ".".join(part if _BARE_KEY.match(part) else f'"{part}"' for part in parts)


def _type_name(value: Any) -> str:
    for kind, name in _TOML_TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


def _did_you_mean(word: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    if not close:
        close = [c for c in candidates if c.lower() == word.lower()]
    return f"did you mean {close[0]!r}?" if close else None


class _MappingParser:
    def __init__(self, path: str) -> None:
        self.path = path

    def error(self, key: str | None, message: str, hint: str | None = None) -> MappingError:
        return MappingError(self.path, key, message, hint=hint)

    def check_keys(
        self, table: dict[str, Any], allowed: tuple[str, ...], *where: str, at: str | None = None
    ) -> None:
        """Refuse a key not in ``allowed``, naming it under ``where`` (a key path) or ``at`` (a
        path written as is, e.g. ``filters[2]`` of an array of tables)."""
        for name in table:
            if name not in allowed:
                suggestion = _did_you_mean(name, allowed)
                raise self.error(
                    f"{at}.{name}" if at is not None else key_path(*where, name),
                    "unknown key",
                    hint=suggestion or f"allowed keys here: {', '.join(allowed)}",
                )

    def table(self, data: dict[str, Any], name: str, *where: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.error(key_path(*where, name), f"must be a table, not {_type_name(value)}")
        return value

    def get(
        self,
        table: dict[str, Any],
        name: str,
        kind: type | tuple[type, ...],
        default: Any,
        *where: str,
    ) -> Any:
        if name not in table:
            return default
        value = table[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = any(type(value) is k or (k is float and type(value) is int) for k in kinds)
        if not ok:
            expected = " or ".join(_TOML_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            raise self.error(
                key_path(*where, name),
                f"must be {expected}, not {_type_name(value)} ({value!r})",
            )
        return value

    def choice(
        self, table: dict[str, Any], name: str, choices: tuple[str, ...], default: str, *where: str
    ) -> str:
        value = self.get(table, name, str, default, *where)
        if value not in choices:
            raise self.error(
                key_path(*where, name),
                f"{value!r} is not one of {', '.join(repr(c) for c in choices)}",
                hint=_did_you_mean(value, choices),
            )
        return str(value)

    # -- sections -------------------------------------------------------------------------

    def parse(self, data: dict[str, Any]) -> Mapping:
        if ("columns" in data or "output" in data) and "fields" not in data:
            # The commonest mix-up: an export mapping handed to an import ("unknown key
            # [description]" would send the user looking for a typo that is not there).
            raise self.error(
                None,
                "this is an export mapping ([[columns]] / [output]), not an import mapping",
                hint="use it with `bulkio export orders -m …` (or `export products`); "
                "imports take a mapping with [fields] (docs/mapping-reference.md)",
            )
        self.check_keys(data, TOP_KEYS)
        options = self.table(data, "options")
        self.check_keys(options, OPTION_KEYS, "options")
        source = self.parse_source(self.table(data, "source"), options)
        self.source = source
        target = self.parse_target(self.table(data, "target"))
        self.target = target
        fields_table = self.table(data, "fields")
        self.fields_table = fields_table
        if not fields_table:
            raise self.error("fields", "the mapping owns no fields", hint='add at least sku = "…"')
        self.special: dict[str, Any] = {"lists": {}, "meta": [], "downloads": None}
        fields = self.parse_fields(fields_table, source, target)
        attributes = self.parse_attributes(data.get("attributes", []), source, target)
        if "backorders" in fields and "stock_quantity" in fields:
            # Negative stock is valid where backorders are allowed (a WooCommerce export of a
            # backordered product says Stock -2): the stock plan checks each negative row
            # against its (or the store's) backorders setting, records.py checks product and
            # catalog rows against the row's own backorders value.
            fields["stock_quantity"] = replace(fields["stock_quantity"], allow_negative=True)
        warnings = self.check_stock_status(fields, target)
        filters = self.parse_filters(data.get("filters", []), source)
        limits = self.parse_limits(self.table(data, "limits"))
        return Mapping(
            path=self.path,
            source=source,
            target=target,
            fields=fields,
            filters=filters,
            limits=limits,
            warnings=warnings,
            lists=self.special["lists"],
            attributes=attributes,
            meta_patterns=tuple(self.special["meta"]),
            downloads=self.special["downloads"],
        )

    def check_stock_status(
        self, fields: dict[str, FieldRule], target: TargetOptions
    ) -> tuple[str, ...]:
        """``stock_status`` with ``manage_stock = true``: WooCommerce derives the status.

        When a product manages its stock, WooCommerce recomputes ``stock_status`` from
        ``stock_quantity`` and ``backorders`` on every save and drops the value sent: a row whose
        status disagrees shows the same update on every run and never settles. With
        ``manage_stock`` a constant ``true`` the mapping can never set the status: an error.
        With ``manage_stock`` read from the data only the rows that manage stock are affected:
        a warning. (Stock mappings compare ``stock_status`` only where stock is not managed.)
        """
        if target.resource != "product" or "stock_status" not in fields:
            return ()
        manage = fields.get("manage_stock")
        if manage is None or (manage.has_value and manage.value is False):
            return ()
        if manage.has_value and manage.value is True:
            raise self.error(
                "fields.stock_status",
                "cannot be set together with fields.manage_stock = true: WooCommerce derives "
                "the stock status of a product that manages its stock from stock_quantity and "
                "backorders, and ignores the value sent (the import would never settle)",
                hint="remove fields.stock_status (own stock_quantity and backorders instead), "
                "or set fields.manage_stock to false for products whose status you set",
            )
        return (
            f"{self.path}: [fields.stock_status] is ignored by WooCommerce for rows where "
            "[fields.manage_stock] is true (it derives the status from stock_quantity and "
            "backorders); such rows whose status disagrees would show the same update on every "
            "run — leave stock_status empty for them, or own it only where stock is not managed",
        )

    def check_encoding(self, encoding: str) -> None:
        """A codec that turns bytes into text; ``rot13``, ``base64``, ``zlib`` … are codecs
        too, but not text encodings, and reading a file with them fails (LookupError)."""
        hint = 'common ones: utf-8, cp1252, latin-1, utf-16, or "auto"'
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            raise self.error(
                "source.encoding", f"unknown encoding {encoding!r}", hint=hint
            ) from None
        if not getattr(info, "_is_text_encoding", True):
            raise self.error(
                "source.encoding",
                f"{encoding!r} is a codec, but not a text encoding (it does not turn the "
                "file's bytes into text)",
                hint=hint,
            )

    def parse_source(self, table: dict[str, Any], options: dict[str, Any]) -> SourceOptions:
        self.check_keys(table, SOURCE_KEYS, "source")
        fmt = self.choice(table, "format", ("csv", "xml"), "csv", "source")
        delimiter = self.get(table, "delimiter", str, ",", "source")
        quote = self.get(table, "quote", str, '"', "source")
        for name, value in (("delimiter", delimiter), ("quote", quote)):
            if len(value) != 1:
                raise self.error(
                    key_path("source", name), f"must be a single character, not {value!r}"
                )
            if value in "\r\n":
                raise self.error(key_path("source", name), "cannot be a line break")
        if delimiter == quote:
            raise self.error("source.quote", "the quote character cannot be the delimiter")
        encoding = self.get(table, "encoding", str, "utf-8", "source")
        if encoding != "auto":
            self.check_encoding(encoding)
        decimal = self.choice(table, "decimal", (".", ","), ".", "source")
        thousands = self.get(table, "thousands", str, "", "source")
        if thousands not in THOUSANDS_SEPARATORS:
            raise self.error(
                "source.thousands",
                f"{thousands!r} is not a thousands separator bulkio knows",
                hint='use "", ".", ",", " ", "\'" or a no-break space',
            )
        if thousands and thousands == decimal:
            raise self.error(
                "source.thousands", "the thousands separator cannot be the decimal separator"
            )
        header_case = (
            self.choice(table, "header_case", ("exact", "insensitive"), "", "source")
            if "header_case" in table
            else None
        )
        option_case = (
            self.choice(options, "header_case", ("exact", "insensitive"), "", "options")
            if "header_case" in options
            else None
        )
        if header_case and option_case and header_case != option_case:
            raise self.error(
                "options.header_case",
                f"contradicts source.header_case = {header_case!r}",
                hint="set it in one place ([source] is preferred)",
            )
        record = self.get(table, "record", str, None, "source")
        namespaces_table = self.table(table, "namespaces", "source")
        namespaces: dict[str, str] = {}
        for prefix, uri in namespaces_table.items():
            if not isinstance(uri, str) or not uri:
                raise self.error(
                    key_path("source", "namespaces", prefix), "must be a namespace URI string"
                )
            namespaces[prefix] = uri
        if fmt == "xml":
            if not record:
                raise self.error(
                    "source.record",
                    "an XML source needs the path of its record elements",
                    hint='e.g. record = "/catalog/item"',
                )
            from bulkio.sources.xml import RecordPathError, parse_record_path

            try:
                parse_record_path(record, namespaces)
            except RecordPathError as exc:
                raise self.error("source.record", str(exc)) from None
            for name in ("delimiter", "quote", "encoding", "header_case"):
                if name in table:
                    raise self.error(
                        key_path("source", name),
                        "only applies to CSV sources",
                        hint="XML files declare their own encoding; remove this key"
                        if name == "encoding"
                        else "remove this key",
                    )
        else:
            for name in ("record", "namespaces"):
                if name in table:
                    raise self.error(key_path("source", name), "only applies to XML sources")
        strip_apostrophe = self.get(table, "strip_formula_apostrophe", bool, False, "source")
        missing_columns = self.choice(
            table, "missing_columns", ("error", "leave"), "error", "source"
        )
        return SourceOptions(
            missing_columns=missing_columns,  # type: ignore[arg-type]
            strip_formula_apostrophe=strip_apostrophe,
            format=fmt,  # type: ignore[arg-type]
            delimiter=delimiter,
            quote=quote,
            encoding=encoding,
            decimal=decimal,  # type: ignore[arg-type]
            thousands=thousands,
            header_case=(header_case or option_case or "exact"),  # type: ignore[arg-type]
            record=record,
            namespaces=namespaces,
        )

    def parse_target(self, table: dict[str, Any]) -> TargetOptions:
        self.check_keys(table, TARGET_KEYS, "target")
        resource = self.choice(
            table, "resource", ("product", "variation", "stock"), "product", "target"
        )
        match = self.choice(table, "match", ("sku",), "sku", "target")
        missing = self.choice(table, "missing", MISSING_POLICIES, "ignore", "target")
        if resource == "stock" and missing not in STOCK_MISSING_POLICIES:
            raise self.error(
                "target.missing",
                f"a stock mapping cannot set missing = {missing!r}: it only owns stock fields",
                hint='use "ignore" or "out-of-stock"',
            )
        on_trashed = self.choice(table, "on_trashed", ("create", "restore"), "restore", "target")
        feed = table.get("feed")
        if feed is not None and (
            not isinstance(feed, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", feed)
        ):
            raise self.error(
                "target.feed",
                f"must be a short id of letters, digits, '.', '_' or '-', not {feed!r}",
                hint='e.g. feed = "supplier-a": it names the feed\'s lock, state and the marker '
                "of the products it manages, so give each feed of a store its own",
            )
        manages = None
        if "manages" in table:
            from bulkio.plan.missing import Manages

            manages = Manages.parse(table["manages"], mapping_path=self.path, feed=feed)
        duplicates = self.choice(
            table,
            "duplicates",
            ("reject", "sum"),
            "sum" if resource == "stock" else "reject",
            "target",
        )
        if duplicates == "sum" and resource != "stock":
            raise self.error(
                "target.duplicates",
                'only a stock mapping can sum rows with the same SKU (duplicates = "sum")',
                hint='use resource = "stock", or duplicates = "reject"',
            )
        group_by = self.get(table, "group_by", str, None, "target")
        parent = self.get(table, "parent", str, None, "target")
        type_column = self.get(table, "type", str, None, "target")
        for name, value in (("group_by", group_by), ("parent", parent), ("type", type_column)):
            if value is None:
                continue
            if not value.strip():
                raise self.error(key_path("target", name), "cannot be empty")
            if resource != "product":
                raise self.error(
                    key_path("target", name),
                    f'only a product mapping groups rows (this one has resource = "{resource}")',
                    hint='use resource = "product": it writes products and their variations',
                )
            self.check_path(value, "target", name)
        if group_by and parent:
            raise self.error(
                "target.parent",
                "give either group_by (rows sharing a value form one variable product) or "
                "parent (a column naming each variation's parent), not both",
            )
        return TargetOptions(
            group_by=group_by,
            parent=parent,
            type_column=type_column,
            feed=feed,
            duplicates=duplicates,  # type: ignore[arg-type]
            manages=manages,
            resource=resource,  # type: ignore[arg-type]
            match=match,  # type: ignore[arg-type]
            missing=missing,  # type: ignore[arg-type]
            on_trashed=on_trashed,  # type: ignore[arg-type]
        )

    def parse_fields(
        self, table: dict[str, Any], source: SourceOptions, target: TargetOptions
    ) -> dict[str, FieldRule]:
        rules: dict[str, FieldRule] = {}
        for name, raw in table.items():
            if self.parse_special(name, raw, target):
                continue
            rules[name] = self.parse_field(name, raw, source, target)
        if "sku" not in rules:
            raise self.error(
                "fields.sku",
                'missing: the SKU is how rows find their store records (target.match = "sku")',
                hint='add sku = "<the column holding the SKU>"',
            )
        return {"sku": rules.pop("sku"), **rules}

    def parse_field(
        self, name: str, raw: Any, source: SourceOptions, target: TargetOptions
    ) -> FieldRule:
        key = key_path("fields", name)
        spec = field_spec(name)
        if spec is None:
            candidates = [*FIELDS, "meta:<key>"]
            hint = _did_you_mean(name, candidates)
            if name in ("meta", "dimensions") or name.startswith("dimensions"):
                hint = 'write the field as one quoted key, e.g. "dimensions.width" or "meta:ean"'
            raise self.error(
                key,
                f"{name!r} is not a WooCommerce field bulkio knows",
                hint=hint or 'custom fields are written "meta:<key>"',
            )
        if target.resource == "stock" and name not in STOCK_FIELDS:
            raise self.error(
                key,
                f"a stock mapping may only own {', '.join(STOCK_FIELDS)}",
                hint='use resource = "product" to write other fields',
            )
        if target.resource not in spec.resources:
            raise self.error(key, f"{name} does not exist on a {target.resource}")
        if isinstance(raw, str):
            raw = {"column": raw}
        if not isinstance(raw, dict):
            raise self.error(
                key,
                f"must be a column name (string) or a table, not {_type_name(raw)}",
                hint=f'e.g. {name} = "Column" or {name} = {{ column = "Column" }}',
            )
        self.check_keys(raw, FIELD_KEYS, "fields", name)
        sources = [k for k in ("column", "value", "template") if k in raw]
        if len(sources) != 1:
            raise self.error(
                key,
                "give exactly one of column, value or template"
                + (f" (found {', '.join(sources)})" if sources else ""),
            )
        allowed_types = TYPES_FOR_KIND[spec.kind]
        cast = self.get(raw, "type", str, DEFAULT_TYPE_FOR_KIND[spec.kind], "fields", name)
        if cast not in CAST_TYPES:
            raise self.error(
                key_path("fields", name, "type"),
                f"unknown type {cast!r}",
                hint=_did_you_mean(cast, CAST_TYPES) or f"types: {', '.join(CAST_TYPES)}",
            )
        if cast not in allowed_types:
            raise self.error(
                key_path("fields", name, "type"),
                f"impossible combination: {name} ({spec.kind}) cannot be of type {cast!r}",
                hint=f"allowed: {', '.join(allowed_types)}",
            )
        trim = self.get(raw, "trim", bool, True, "fields", name)
        empty = self.choice(raw, "empty", ("leave", "clear"), "leave", "fields", name)
        if empty == "clear" and not spec.clearable:
            raise self.error(
                key_path("fields", name, "empty"),
                f"impossible combination: {name} cannot be cleared (WooCommerce needs a value)",
                hint='use empty = "leave" (the default) to keep the store value for empty cells',
            )
        true_words = self.words(raw, "true", DEFAULT_TRUE_WORDS, name)
        false_words = self.words(raw, "false", DEFAULT_FALSE_WORDS, name)
        if ("true" in raw or "false" in raw) and cast != "bool":
            raise self.error(
                key_path("fields", name, "true" if "true" in raw else "false"),
                'impossible combination: word lists only apply to type = "bool"',
            )
        overlap = set(true_words) & set(false_words)
        if overlap:
            raise self.error(
                key_path("fields", name),
                f"{', '.join(sorted(overlap))!s} is in both the true and the false words",
            )
        date_format = self.get(raw, "format", str, None, "fields", name)
        if date_format is not None and cast != "date":
            raise self.error(
                key_path("fields", name, "format"),
                'impossible combination: format only applies to type = "date"',
            )
        split = self.get(raw, "split", str, None, "fields", name)
        if split is not None:
            if not spec.kind == "terms":
                raise self.error(
                    key_path("fields", name, "split"),
                    f"impossible combination: {name} holds one value, split makes a list",
                    hint="only list fields (categories, tags) can be split",
                )
            if split == "":
                raise self.error(key_path("fields", name, "split"), "cannot be empty")
        hierarchy = self.get(raw, "hierarchy", str, None, "fields", name)
        if hierarchy is not None:
            raise self.error(
                key_path("fields", name, "hierarchy"),
                "impossible combination: paths are names, and this rule reads term ids"
                if spec.kind == "terms"
                else "impossible combination: only categories and brands have paths",
                hint='read the categories by name: categories = { column = "…", '
                'split = "|", hierarchy = ">" } (no type = "int", no map to ids)'
                if spec.kind == "terms"
                else None,
            )
        on = self.choice(raw, "on", ("always", "create"), "always", "fields", name)
        if on == "create" and (name == "sku" or target.resource == "stock"):
            raise self.error(
                key_path("fields", name, "on"),
                "the SKU is how rows find their records"
                if name == "sku"
                else "a stock mapping never creates anything, so nothing would be sent",
                hint='remove on = "create"',
            )
        currency = self.get(raw, "currency", str, None, "fields", name)
        if currency is not None:
            if cast != "money":
                raise self.error(
                    key_path("fields", name, "currency"),
                    'impossible combination: currency only applies to type = "money"',
                )
            if not re.fullmatch(r"[A-Za-z]{3}", currency):
                raise self.error(
                    key_path("fields", name, "currency"),
                    f"{currency!r} is not a three-letter ISO 4217 currency code",
                    hint='e.g. currency = "EUR"',
                )
            currency = currency.upper()
        unit = self.get(raw, "unit", str, None, "fields", name)
        column_text = str(raw["column"]) if isinstance(raw.get("column"), str) else ""
        if unit is not None or "{unit}" in column_text:
            kind = "weight" if name == "weight" else "dimension"
            if name not in UNIT_FIELD_NAMES:
                raise self.error(
                    key_path("fields", name, "unit" if unit is not None else "column"),
                    "impossible combination: only weight and dimensions.* have units",
                )
            if unit is not None and "{unit}" in column_text:
                raise self.error(
                    key_path("fields", name, "unit"),
                    "the column's {unit} placeholder already reads the unit from the header",
                    hint="remove one of them",
                )
            if unit is not None and unit != IN_VALUE:
                known = WEIGHT_UNITS if kind == "weight" else DIMENSION_UNITS
                if unit_name(unit) not in known:
                    raise self.error(
                        key_path("fields", name, "unit"),
                        f"{unit!r} is not a {kind} unit WooCommerce offers",
                        hint=f'one of {", ".join(known)}, or "{IN_VALUE}" when each value '
                        'says its unit ("0.3 kg")',
                    )
                unit = unit_name(unit)
        newlines = self.get(raw, "newlines", str, None, "fields", name)
        if newlines is not None and (spec.kind not in ("text", "meta") or not newlines):
            raise self.error(
                key_path("fields", name, "newlines"),
                "must be the escape standing for a line break, on a text field",
                hint='WooCommerce\'s CSV: newlines = "\\\\n"',
            )

        compare_at = self.get(raw, "compare_at", str, None, "fields", name)
        if compare_at is not None:
            if name != "regular_price" or cast != "money" or "column" not in raw:
                raise self.error(
                    key_path("fields", name, "compare_at"),
                    "impossible combination: compare_at belongs on regular_price read from a "
                    "column (it decides the regular and the sale price together)",
                    hint='regular_price = { column = "Variant Price", type = "money", '
                    'compare_at = "Variant Compare At Price" }',
                )
            if "sale_price" in self.fields_table:
                raise self.error(
                    key_path("fields", name, "compare_at"),
                    "compare_at sets the sale price itself: remove fields.sale_price",
                )
            self.check_path(compare_at, "fields", name, "compare_at")

        def constant(raw_value: Any, *where: str) -> CanonicalValue:
            try:
                return constant_value(
                    spec,
                    cast,
                    raw_value,
                    true_words=true_words,
                    false_words=false_words,
                    date_format=date_format,
                )
            except ValueError as exc:
                raise self.error(key_path("fields", name, *where), str(exc)) from None

        has_value = "value" in raw
        value: CanonicalValue = None
        if has_value:
            extra = [k for k in raw if k not in ("value", "type", "format", "on")]
            if extra:
                raise self.error(
                    key_path("fields", name, extra[0]),
                    "impossible combination: value is a constant, so this has no effect",
                )
            if name == "sku":
                raise self.error(key, "the SKU must come from the file (column or template)")
            value = constant(raw["value"], "value")
            if value in ("", ()) and not spec.clearable:
                raise self.error(key_path("fields", name, "value"), f"{name} cannot be empty")
        column = self.get(raw, "column", str, None, "fields", name)
        if column is not None and not column.strip():
            raise self.error(key_path("fields", name, "column"), "cannot be empty")
        template = self.get(raw, "template", str, None, "fields", name)
        if template is not None:
            try:
                parse_template(template)
            except TemplateSyntaxError as exc:
                raise self.error(key_path("fields", name, "template"), str(exc)) from None
        map_table = self.get(raw, "map", dict, None, "fields", name)
        mapped: dict[str, CanonicalValue] | None = None
        if map_table is not None:
            if not map_table:
                raise self.error(key_path("fields", name, "map"), "is empty")
            mapped = {
                str(source_value): constant(target_value, "map", source_value)
                for source_value, target_value in map_table.items()
            }
            if spec.kind == "terms" and any(len(v) != 1 for v in mapped.values()):  # type: ignore[arg-type]
                raise self.error(
                    key_path("fields", name, "map"),
                    "each item maps to one term id",
                )
        has_default = "default" in raw
        default: CanonicalValue = None
        if has_default:
            if mapped is None:
                raise self.error(
                    key_path("fields", name, "default"),
                    "impossible combination: default is for values missing from map",
                    hint="add a map, or use value = … for a constant",
                )
            default = constant(raw["default"], "default")
        if column is not None:
            self.check_path(
                column, "fields", name, "column", pattern="{unit}" if "{unit}" in column else ""
            )
        return FieldRule(
            on=on,  # type: ignore[arg-type]
            currency=currency,
            unit=unit,
            newlines=newlines,
            compare_at=compare_at,
            name=name,
            spec=spec,
            key=key,
            column=column,
            template=template,
            has_value=has_value,
            value=value,
            type=cast,
            map=mapped,
            default=default,
            has_default=has_default,
            split=split,
            hierarchy=hierarchy,
            trim=trim,
            empty=empty,  # type: ignore[arg-type]
            true_words=true_words,
            false_words=false_words,
            date_format=date_format,
        )

    # -- catalog vocabulary ---------------------------------------------------------------

    def check_path(self, column: str, *where: str, pattern: str = "") -> None:
        """A column name (CSV) or a path relative to the record (XML). ``pattern``: the
        placeholder the column may hold (``{n}``, ``{key}``, ``{unit}``: CSV headers only)."""
        placeholders = [p for p in ("{n}", "{key}", "{unit}") if p in column]
        for placeholder in placeholders:
            if placeholder != pattern:
                raise self.error(
                    key_path(*where),
                    f"{placeholder} cannot be used here",
                    hint="{n} numbers attribute and download columns, {key} names meta "
                    "columns, {unit} reads a weight or dimension unit from the header"
                    if not pattern
                    else f"only {pattern} can be used here",
                )
            if self.source.format == "xml":
                raise self.error(
                    key_path(*where),
                    f"{placeholder} matches CSV headers; an XML mapping names its paths",
                    hint="list each path (XML elements matching several times give several values)",
                )
        if self.source.format == "xml" and not placeholders:
            from bulkio.sources.xml import check_field_path

            try:
                check_field_path(column, self.source.namespaces)
            except ValueError as exc:
                raise self.error(key_path(*where), str(exc)) from None

    def column_value(self, raw: dict[str, Any], name: str, *where: str, pattern: str = "") -> Any:
        value = self.get(raw, name, str, None, *where)
        if value is None:
            return None
        if not value.strip():
            raise self.error(key_path(*where, name), "cannot be empty")
        self.check_path(value, *where, name, pattern=pattern)
        return value

    def parse_special(self, name: str, raw: Any, target: TargetOptions) -> bool:
        """Catalog vocabulary in ``[fields]``: term lists by name, images, linked products,
        downloads and meta patterns. True when ``name`` was one of them."""
        if name.startswith("meta:") and "{key}" in name:
            self.parse_meta_pattern(name, raw, target)
            return True
        if name == "downloads":
            self.parse_downloads(raw, target)
            return True
        if name not in LIST_NAMES:
            return False
        if name in TERM_LISTS and name != "brands" and isinstance(raw, dict):
            by_id = raw.get("type") == "int" or "map" in raw or "value" in raw
            if by_id:
                return False  # term ids: a plain field (records.py)
        if target.resource != "product" and name != "images":
            raise self.error(
                key_path("fields", name),
                f"a {target.resource} mapping cannot own {name}",
                hint='use resource = "product"' if target.resource == "variation" else None,
            )
        if target.resource == "stock":
            raise self.error(key_path("fields", name), "a stock mapping cannot own images")
        if name == "variation_image" and not target.groups_rows:
            raise self.error(
                key_path("fields", name),
                "a variation's own image needs rows that are variations",
                hint="set [target] group_by or parent",
            )
        self.special["lists"][name] = self.parse_list(name, raw)
        return True

    def parse_list(self, name: str, raw: Any) -> ListRule:
        key = key_path("fields", name)
        if isinstance(raw, str):
            raw = {"column": raw}
        if not isinstance(raw, dict):
            raise self.error(
                key,
                f"must be a column name (string) or a table, not {_type_name(raw)}",
                hint=f'e.g. {name} = {{ column = "Column", split = "," }}',
            )
        if name in TERM_LISTS and "type" in raw:
            if raw["type"] != "name":
                raise self.error(
                    key_path("fields", name, "type"),
                    f'{name} are read by name or path (type = "name", the default)'
                    + (' or by id (type = "int")' if name != "brands" else ""),
                )
            raw = {k: v for k, v in raw.items() if k != "type"}
        self.check_keys(raw, LIST_KEYS, "fields", name)
        has = [k for k in ("column", "columns") if k in raw]
        if len(has) != 1:
            raise self.error(key, "give exactly one of column or columns")
        if "column" in raw:
            columns = (self.column_value(raw, "column", "fields", name),)
        else:
            listed = raw["columns"]
            if not isinstance(listed, list) or not listed:
                raise self.error(
                    key_path("fields", name, "columns"),
                    "must be a non-empty array of column names (XML paths)",
                )
            for index, column in enumerate(listed):
                if not isinstance(column, str) or not column.strip():
                    raise self.error(
                        key_path("fields", name, "columns") + f"[{index}]",
                        "must be a column name",
                    )
                self.check_path(column, "fields", name, "columns")
            columns = tuple(listed)
        split = self.get(raw, "split", str, None, "fields", name)
        if split == "":
            raise self.error(key_path("fields", name, "split"), "cannot be empty")
        escape = self.get(raw, "escape", str, None, "fields", name)
        if escape is not None:
            if split is None:
                raise self.error(
                    key_path("fields", name, "escape"),
                    "impossible combination: escape keeps the split character inside a value, "
                    "and there is no split",
                )
            if len(escape) != 1 or escape == split:
                raise self.error(
                    key_path("fields", name, "escape"),
                    "must be one character, other than split",
                    hint='WooCommerce\'s CSV: escape = "\\"',
                )
        hierarchy = self.get(raw, "hierarchy", str, None, "fields", name)
        if hierarchy is not None:
            if name not in ("categories", "brands"):
                raise self.error(
                    key_path("fields", name, "hierarchy"),
                    "impossible combination: only categories and brands have paths",
                    hint="tags are flat: a tag named 'A > B' is one tag",
                )
            if not hierarchy.strip() or hierarchy == split:
                raise self.error(
                    key_path("fields", name, "hierarchy"),
                    'must be a separator other than split (e.g. ">")',
                )
        on = self.choice(raw, "on", ("always", "create"), "always", "fields", name)
        empty = self.choice(raw, "empty", ("leave", "clear"), "leave", "fields", name)
        scope = self.choice(raw, "scope", ("row", "group"), "row", "fields", name)
        if scope == "group" and (name != "images" or not self.target.group_by):
            raise self.error(
                key_path("fields", name, "scope"),
                'scope = "group" gathers the images of every row of a group_by group',
                hint="only for images, with [target] group_by",
            )
        return ListRule(
            scope=scope,  # type: ignore[arg-type]
            name=name,
            key=key,
            columns=columns,
            split=split,
            escape=escape,
            hierarchy=hierarchy.strip() if hierarchy else None,
            on=on,  # type: ignore[arg-type]
            empty=empty,  # type: ignore[arg-type]
        )

    def parse_meta_pattern(self, name: str, raw: Any, target: TargetOptions) -> None:
        key = key_path("fields", name)
        if name != "meta:{key}":
            raise self.error(
                key,
                'a meta pattern is written "meta:{key}"; the column says where the key is',
                hint='e.g. "meta:{key}" = "Meta: {key}"',
            )
        if target.resource == "stock":
            raise self.error(key, "a stock mapping cannot own meta data")
        if isinstance(raw, str):
            raw = {"column": raw}
        if not isinstance(raw, dict):
            raise self.error(
                key, f"must be a column pattern (string) or a table, not {_type_name(raw)}"
            )
        self.check_keys(raw, META_PATTERN_KEYS, "fields", name)
        column = self.column_value(raw, "column", "fields", name, pattern="{key}")
        if column is None or column.count("{key}") != 1:
            raise self.error(
                key_path("fields", name, "column"),
                "must hold {key} once: the part of the header that is the meta key",
                hint='e.g. "Meta: {key}"',
            )
        prefix, suffix = column.split("{key}")
        on = self.choice(raw, "on", ("always", "create"), "always", "fields", name)
        self.special["meta"].append(MetaPattern(key, prefix, suffix, on))  # type: ignore[arg-type]

    def parse_downloads(self, raw: Any, target: TargetOptions) -> None:
        key = "fields.downloads"
        if target.resource == "stock":
            raise self.error(key, "a stock mapping cannot own downloads")
        if isinstance(raw, str):
            raw = {"url_column": raw}
        if not isinstance(raw, dict):
            raise self.error(key, f"must be a table, not {_type_name(raw)}")
        self.check_keys(raw, DOWNLOAD_KEYS, "fields", "downloads")
        url = raw.get("url_column")
        numbered = isinstance(url, str) and "{n}" in url
        pattern = "{n}" if numbered else ""
        url_column = self.column_value(raw, "url_column", "fields", "downloads", pattern=pattern)
        if url_column is None:
            raise self.error(
                "fields.downloads.url_column",
                "missing: the column holding each downloadable file's URL",
                hint='e.g. downloads = { name_column = "Download {n} name", '
                'url_column = "Download {n} URL" }',
            )
        name_column = self.column_value(raw, "name_column", "fields", "downloads", pattern=pattern)
        if name_column is not None and ("{n}" in name_column) != numbered:
            raise self.error(
                "fields.downloads.name_column",
                "must be numbered with {n} exactly when url_column is",
            )
        self.special["downloads"] = DownloadsRule(key, url_column, name_column)

    def parse_attributes(
        self, raw: Any, source: SourceOptions, target: TargetOptions
    ) -> tuple[AttributeRule, ...]:
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            raise self.error(
                "attributes",
                "must be an array of tables ([[attributes]] sections)",
                hint='[[attributes]]\nname = "Size"\ncolumn = "Size"',
            )
        if raw and target.resource == "stock":
            raise self.error("attributes", "a stock mapping cannot own attributes")
        rules: list[AttributeRule] = []
        seen: set[str] = set()
        for index, item in enumerate(raw):
            where = f"attributes[{index}]"
            self.check_keys(item, ATTRIBUTE_KEYS, at=where)
            names = [k for k in ("name", "name_column") if k in item]
            if len(names) != 1:
                raise self.error(
                    where,
                    "give exactly one of name (a fixed attribute name) or name_column",
                    hint='e.g. name = "Size"',
                )
            column_text = item.get("column")
            if not isinstance(column_text, str):
                raise self.error(
                    f"{where}.column", "missing: the column holding the attribute's values"
                )
            numbered = "{n}" in column_text
            pattern = "{n}" if numbered else ""
            column = self.column_value(item, "column", where, pattern=pattern)
            fixed = self.get(item, "name", str, None, where)
            if fixed is not None and not fixed.strip():
                raise self.error(f"{where}.name", "cannot be empty")
            if fixed is not None and numbered:
                raise self.error(
                    f"{where}.column",
                    "{n} numbers a family of attributes whose names come from name_column",
                    hint='use name_column = "Attribute {n} name"',
                )
            name_column = self.column_value(item, "name_column", where, pattern=pattern)
            if name_column is not None and ("{n}" in name_column) != numbered:
                raise self.error(
                    f"{where}.name_column", "must be numbered with {n} exactly when column is"
                )
            if fixed is not None:
                if fixed.strip().casefold() in seen:
                    raise self.error(f"{where}.name", f"attribute {fixed!r} is listed twice")
                seen.add(fixed.strip().casefold())
            split = self.get(item, "split", str, None, where)
            if split == "":
                raise self.error(f"{where}.split", "cannot be empty")
            escape = self.get(item, "escape", str, None, where)
            if escape is not None and (split is None or len(escape) != 1 or escape == split):
                raise self.error(
                    f"{where}.escape", "must be one character other than split, with split"
                )
            is_global = self.get(item, "global", bool, False, where)
            visible = self.get(item, "visible", bool, True, where)
            variation = self.get(item, "variation", bool, None, where)
            if variation and target.resource == "product" and not target.groups_rows:
                raise self.error(
                    f"{where}.variation",
                    "impossible combination: no rows are variations in this mapping",
                    hint="set [target] group_by (rows sharing a value form one variable "
                    "product) or parent (a column naming each variation's parent)",
                )
            extra = {}
            for name in ("visible_column", "global_column", "default_column"):
                extra[name] = self.column_value(item, name, where, pattern=pattern)
                if extra[name] is not None and ("{n}" in extra[name]) != numbered:
                    raise self.error(
                        f"{where}.{name}", "must be numbered with {n} exactly when column is"
                    )
            ignore = self.get(item, "ignore_values", list, [], where)
            if not all(isinstance(v, str) and v.strip() for v in ignore):
                raise self.error(
                    f"{where}.ignore_values",
                    "must be an array of values (text)",
                    hint='e.g. ignore_values = ["Default Title"]',
                )
            default = self.get(item, "default", str, None, where)
            if default is not None and numbered:
                raise self.error(
                    f"{where}.default", "a numbered family takes its defaults from default_column"
                )
            rules.append(
                AttributeRule(
                    key=where,
                    column=column,
                    name=fixed.strip() if fixed else None,
                    name_column=name_column,
                    split=split,
                    escape=escape,
                    is_global=is_global,
                    visible=visible,
                    variation=variation,
                    default=default,
                    ignore_values=tuple(v.strip() for v in ignore),
                    **extra,
                )
            )
        del source
        return tuple(rules)

    def words(
        self, raw: dict[str, Any], name: str, default: tuple[str, ...], field: str
    ) -> tuple[str, ...]:
        words = self.get(raw, name, list, None, "fields", field)
        if words is None:
            return default
        if not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise self.error(key_path("fields", field, name), "must be a non-empty array of words")
        return tuple(w.strip().lower() for w in words)

    def parse_filters(self, raw: Any, source: SourceOptions) -> tuple[FilterRule, ...]:
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            raise self.error(
                "filters",
                "must be an array of tables ([[filters]] sections)",
                hint='[[filters]]\ncolumn = "Status"\nequals = "discontinued"\naction = "skip"',
            )
        rules: list[FilterRule] = []
        for index, item in enumerate(raw):
            key = f"filters[{index}]"
            self.check_keys(item, FILTER_KEYS, at=key)
            column = item.get("column")
            if not isinstance(column, str) or not column.strip():
                raise self.error(f"{key}.column", "every filter needs the column it tests")
            ops = [op for op in ("equals", "in", "regex", "empty") if op in item]
            if len(ops) != 1:
                raise self.error(
                    key,
                    "give exactly one of equals, in, regex or empty"
                    + (f" (found {', '.join(ops)})" if ops else ""),
                )
            op = ops[0]
            value = item[op]
            operand: str | tuple[str, ...] | bool
            if op == "equals":
                if isinstance(value, bool) or not isinstance(value, str | int | float):
                    raise self.error(f"{key}.equals", f"must be a string, not {_type_name(value)}")
                operand = str(value)
            elif op == "in":
                if not isinstance(value, list) or not all(
                    isinstance(v, str | int) and not isinstance(v, bool) for v in value
                ):
                    raise self.error(f"{key}.in", "must be an array of strings")
                operand = tuple(str(v) for v in value)
            elif op == "regex":
                if not isinstance(value, str):
                    raise self.error(f"{key}.regex", f"must be a string, not {_type_name(value)}")
                problem = _regex_problem(value)
                if problem:
                    raise self.error(f"{key}.regex", f"not a valid regular expression: {problem}")
                operand = value
            else:
                if not isinstance(value, bool):
                    raise self.error(f"{key}.empty", "must be true or false")
                operand = value
            action = item.get("action", "skip")
            if action not in ("skip", "keep"):
                raise self.error(f"{key}.action", f"{action!r} is not one of 'skip', 'keep'")
            if source.format == "xml":
                from bulkio.sources.xml import check_field_path

                try:
                    check_field_path(column, source.namespaces)
                except ValueError as exc:
                    raise self.error(f"{key}.column", str(exc)) from None
            rules.append(FilterRule(key=key, column=column, op=op, operand=operand, action=action))  # type: ignore[arg-type]
        return tuple(rules)

    def parse_limits(self, table: dict[str, Any]) -> dict[str, float | int | str]:
        from bulkio.errors import UsageError
        from bulkio.safety import LIMIT_KEYS, resolve_limits

        limits: dict[str, float | int | str] = {}
        for name, value in table.items():
            key = key_path("limits", name)
            if name not in LIMIT_KEYS:
                raise self.error(
                    key,
                    "unknown limit",
                    hint=_did_you_mean(name, LIMIT_KEYS) or f"limits: {', '.join(LIMIT_KEYS)}",
                )
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise self.error(
                    key, f'must be a number (or text like "50%" / "off"), not {_type_name(value)}'
                )
            try:
                resolve_limits({name: value}, mapping_path=self.path)
            except UsageError as exc:
                message = exc.message.removeprefix(f"{self.path}: [limits] {name}: ")
                raise self.error(key, message, hint=exc.hint) from None
            limits[name] = value
        return limits


def _regex_problem(pattern: str) -> str | None:
    """Why polars would refuse this pattern, or None."""
    import polars as pl

    try:
        pl.Series([""]).str.contains(pattern)
    except Exception as exc:  # polars raises ComputeError with the regex crate's message
        return str(exc).splitlines()[0]
    return None
