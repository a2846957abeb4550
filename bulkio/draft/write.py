"""A :class:`~bulkio.draft.guess.Draft` as a commented TOML mapping.

Every value from the feed (header names, sample values) is written as a TOML string with its
control characters escaped, and comments go through :func:`bulkio.terminal.printable`, so no
header can end a comment early and smuggle a key into the mapping.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bulkio.draft.guess import Draft, FieldGuess
from bulkio.terminal import printable

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
FIELD_ORDER = (
    "sku", "name", "short_description", "description", "regular_price", "sale_price",
    "date_on_sale_from", "date_on_sale_to", "stock_quantity", "manage_stock", "stock_status",
    "backorders", "weight",
    "dimensions.length", "dimensions.width", "dimensions.height", "status", "featured",
    "categories", "tags", "brands", "images", "global_unique_id", "menu_order", "tax_class",
    "shipping_class", "slug",
)  # fmt: skip


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL needs one of its own)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_key(key: str) -> str:
    return key if _BARE.match(key) else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def comment(text: str, indent: str = "") -> str:
    """``# text`` wrapped at about 96 characters, never containing a raw line break."""
    words = printable(text).split(" ")
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + len(word) + 1 > 94 - len(indent):
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(f"{indent}# {text}".rstrip() for text in lines)


def _field_line(guess: FieldGuess) -> str:
    if guess.column is not None and not guess.options:
        return f"{toml_key(guess.field)} = {toml_string(guess.column)}"
    table: dict[str, Any] = {}
    if guess.column is not None and "columns" not in guess.options:
        table["column"] = guess.column
    table.update(guess.options)
    return f"{toml_key(guess.field)} = {toml_value(table)}"


def render(draft: Draft, *, feed_path: str, mapping_path: str, header: str = "") -> str:
    if draft.text is not None:
        return draft.text
    out: list[str] = []
    out.append(comment(f"Drafted by `bulkio init` from {feed_path}{header}."))
    out.append("# Read it through before the first real import: every guess says why it was made,")
    out.append("# and the columns left unmapped are listed at the end. Then:")
    out.append(f"#   {printable(f'bulkio mapping validate {mapping_path} --sample {feed_path}')}")
    out.append(f"#   {printable(f'bulkio import {feed_path} -m {mapping_path} --dry-run')}")
    out.append("# Reference: docs/mapping-reference.md")
    for note in draft.notes:
        out.append(comment(note))
    out.append("")
    out.append("[source]")
    for key, value in draft.source.items():
        if key == "namespaces":
            continue
        why = draft.source_why.get(key)
        if why:
            out.append(comment(why))
        out.append(f"{toml_key(key)} = {toml_value(value)}")
    if "namespaces" in draft.source:
        out.append("")
        out.append("[source.namespaces]")
        for prefix, uri in draft.source["namespaces"].items():
            out.append(f"{toml_key(prefix)} = {toml_string(uri)}")
    out.append("")
    out.append("[target]")
    for key, value in draft.target.items():
        why = draft.target_why.get(key)
        if why:
            out.append(comment(why))
        out.append(f"{toml_key(key)} = {toml_value(value)}")
    out.append("")
    out.append("[fields]")
    order = {name: n for n, name in enumerate(FIELD_ORDER)}
    for guess in sorted(draft.fields, key=lambda g: (order.get(g.field, 99), g.field)):
        source = f"{guess.column!r}" if guess.column is not None else "a constant"
        if "columns" in guess.options:
            source = ", ".join(repr(c) for c in guess.options["columns"])
        out.append(comment(f"{source} → {guess.field}: {guess.why}"))
        out.append(_field_line(guess))
    for attribute in draft.attributes:
        out.append("")
        out.append(comment(f"{attribute.column!r} → attribute {attribute.name!r}: {attribute.why}"))
        out.append("[[attributes]]")
        out.append(f"name = {toml_string(attribute.name)}")
        out.append(f"column = {toml_string(attribute.column)}")
        if attribute.is_global:
            out.append("global = true")
        if attribute.variation:
            out.append("variation = true")
    for flt in draft.filters:
        out.append("")
        out.append(comment(flt.why))
        out.append("[[filters]]")
        out.append(f"column = {toml_string(flt.column)}")
        if len(flt.values) == 1:
            out.append(f"equals = {toml_string(flt.values[0])}")
        else:
            out.append(f"in = {toml_value(flt.values)}")
        out.append('action = "skip"')
    out.append("")
    if draft.unmapped:
        out.append(
            "# Columns left unmapped (add a line under [fields] for each the store should own):"
        )
        for column, note in draft.unmapped:
            out.append(comment(f"  {column!r}: {note}"))
    else:
        out.append("# Every column of the file is mapped.")
    return "\n".join(out).rstrip("\n") + "\n"
