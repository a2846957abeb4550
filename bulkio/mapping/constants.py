"""Canonical values of constants written in the mapping file (``value``, ``map``, ``default``).

Constants are checked once, at load, with the same rules as cells, so a typo such as
``status = { value = "publsh" }`` is a mapping error rather than a thousand rejected rows.
Numbers in TOML are written with a ``.`` whatever the file's decimal separator.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bulkio.fields import CanonicalValue, FieldSpec
from bulkio.mapping.numbers import (
    MONEY_MAX_PLACES,
    NumberError,
    canonical_integer,
    canonical_number,
    check_int64,
)

NON_NEGATIVE_FIELDS = frozenset({"stock_quantity"})
"""Integer fields where a negative number is an error (a supplier's stock below zero is an
export bug; WooCommerce's own negative stock comes from backorders the store manages)."""


def allows_negative(spec: FieldSpec) -> bool:
    """Whether a negative number is acceptable for this field."""
    if spec.kind in ("money", "decimal"):
        return False
    return spec.name not in NON_NEGATIVE_FIELDS


def constant_value(
    spec: FieldSpec,
    cast: str,
    raw: Any,
    *,
    true_words: tuple[str, ...],
    false_words: tuple[str, ...],
    date_format: str | None = None,
) -> CanonicalValue:
    """The canonical value of a TOML constant for a field; ValueError says what is wrong."""
    kind = spec.kind
    if isinstance(raw, dict):
        raise ValueError("must be a single value, not a table")
    if kind == "terms":
        items = raw if isinstance(raw, list) else [raw]
        ids: list[int] = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int | str):
                raise ValueError(f"term ids must be integers, not {item!r}")
            try:
                term_id = canonical_integer(str(item), allow_negative=False)
            except NumberError as exc:
                raise ValueError(f"term ids must be whole numbers: {item!r}") from exc
            try:
                ids.append(check_int64(term_id, str(item)))
            except NumberError as exc:
                raise ValueError(f"term id {exc}") from exc
        if any(term_id == 0 for term_id in ids):
            raise ValueError("term id 0 does not exist")
        return tuple(sorted(set(ids)))
    if isinstance(raw, list):
        raise ValueError(f"{spec.name} takes a single value, not a list")
    if kind == "bool" or cast == "bool":
        if isinstance(raw, bool):
            value: bool = raw
        elif isinstance(raw, str) and raw.strip().lower() in true_words:
            value = True
        elif isinstance(raw, str) and raw.strip().lower() in false_words:
            value = False
        else:
            raise ValueError(f"must be true or false, not {raw!r}")
        return value
    if isinstance(raw, bool):
        raise ValueError(f"{spec.name} is not a yes/no field; true/false makes no sense here")
    text = str(raw)
    try:
        if kind == "money" or cast == "money":
            result: str | int = canonical_number(
                text,
                min_places=2,
                max_places=MONEY_MAX_PLACES,
                allow_negative=allows_negative(spec),
            )
        elif kind == "decimal" or cast == "decimal":
            result = canonical_number(text, allow_negative=allows_negative(spec))
        elif kind == "int":
            result = check_int64(
                canonical_integer(text, allow_negative=allows_negative(spec)), text
            )
        elif cast == "int":
            result = str(canonical_integer(text))
        elif cast == "date":
            result = _canonical_date(text, date_format or "%Y-%m-%d")
        else:
            result = text
    except NumberError as exc:
        raise ValueError(str(exc)) from exc
    if kind == "enum" and result not in spec.choices:
        lowered = str(result).lower()
        if lowered in spec.choices:
            return lowered
        raise ValueError(f"{result!r} is not one of {', '.join(spec.choices)}")
    return result


def _canonical_date(text: str, date_format: str) -> str:
    """A date constant as the date type writes it (ISO date, or date and time)."""
    try:
        parsed = datetime.strptime(text.strip(), date_format)
    except ValueError:
        raise ValueError(f"{text!r} is not a date in the format {date_format!r}") from None
    if any(directive in date_format for directive in ("%H", "%M", "%S", "%I", "%T", "%R", "%p")):
        return parsed.strftime("%Y-%m-%dT%H:%M:%S")
    return parsed.strftime("%Y-%m-%d")
