"""Templates: ``"{Brand} {Model}"`` combines source columns into one value.

``{name}`` is a source column (or XML path); ``{{`` and ``}}`` stand for literal braces. XML
paths may contain ``[...]`` predicates, so this is a tiny parser of its own rather than
:meth:`str.format` (which would read ``[`` as indexing).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class TemplateSyntaxError(ValueError):
    """A template with an unbalanced brace or an empty ``{}``."""


def parse_template(template: str) -> list[tuple[str, bool]]:
    """Split a template into ``(text, is_column)`` parts, in order."""
    parts: list[tuple[str, bool]] = []
    literal: list[str] = []
    position = 0
    for match in _TOKEN.finditer(template):
        literal.append(template[position : match.start()])
        position = match.end()
        piece = match.group(0)
        if piece == "{{":
            literal.append("{")
        elif piece == "}}":
            literal.append("}")
        elif piece in ("{", "}"):
            raise TemplateSyntaxError(
                f"unbalanced {piece!r} at position {match.start()} (write {piece * 2} for a brace)"
            )
        else:
            name = (match.group(1) or "").strip()
            if not name:
                raise TemplateSyntaxError(f"empty {{}} at position {match.start()}")
            if literal:
                parts.append(("".join(literal), False))
                literal = []
            parts.append((name, True))
    literal.append(template[position:])
    text = "".join(literal)
    if text:
        parts.append((text, False))
    return [part for part in parts if part[0] or part[1]]


def template_columns(template: str) -> list[str]:
    """The column names a template reads, first use order, without repeats."""
    seen: dict[str, None] = {}
    for text, is_column in parse_template(template):
        if is_column:
            seen.setdefault(text, None)
    return list(seen)
