"""Number text as suppliers write it ("1.234,50") → canonical decimal text ("1234.50").

The rules here are the single definition of what a valid number cell is. The polars version in
:mod:`bulkio.mapping.transforms` applies the same rules to whole columns; tests check that the
two agree and that both agree with :func:`bulkio.fields.canonical_decimal`.
"""

from __future__ import annotations

import re

MONEY_MAX_PLACES = 4
"""Prices with more decimals than this are rejected (``too-precise``): WooCommerce shows 2 by
default and some shops 3 or 4; more almost always means a float artefact like 12.4999999."""

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""The range of integer fields: WooCommerce keeps stock and term ids as PHP integers (64 bits),
and polars holds them as Int64."""

NUMBER_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"
"""A plain decimal after separators were normalised: no exponent, no spaces, no currency."""

_NUMBER = re.compile(NUMBER_PATTERN)


def grouping_pattern(decimal: str, thousands: str) -> str:
    """A number whose integer part is grouped by ``thousands`` in threes ("1.234.567,89").

    Checked whenever the separator appears, so "12.50" in a file with ``decimal = ","`` and
    ``thousands = "."`` is an error, not 1250.
    """
    sep, dec = re.escape(thousands), re.escape(decimal)
    return rf"^[+-]?[0-9]{{1,3}}(?:{sep}[0-9]{{3}})+(?:{dec}[0-9]*)?$"


class NumberError(ValueError):
    """A cell that is not an acceptable number; ``code`` is the row error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def normalise_number_text(text: str, *, decimal: str = ".", thousands: str = "") -> str:
    """Remove thousands separators and make ``.`` the decimal point; raise NumberError if bad.

    With ``decimal=","`` a ``.`` is only accepted when it is the thousands separator, so
    "12.50" in a decimal-comma file is an error rather than silently 1250 or 12.5.
    """
    value = text.strip()
    if thousands and thousands in value:
        if not re.match(grouping_pattern(decimal, thousands), value):
            raise NumberError(
                "invalid-number",
                f"not a number: {text!r} (thousands separator {thousands!r} must group 3 digits)",
            )
        value = value.replace(thousands, "")
    other = "," if decimal == "." else "."
    if other in value:
        raise NumberError(
            "invalid-number", f"not a number with decimal separator {decimal!r}: {text!r}"
        )
    if decimal == ",":
        value = value.replace(",", ".")
    if not _NUMBER.match(value):
        raise NumberError("invalid-number", f"not a number: {text!r}")
    return value


def canonical_number(
    text: str,
    *,
    decimal: str = ".",
    thousands: str = "",
    min_places: int = 0,
    max_places: int | None = None,
    allow_negative: bool = True,
) -> str:
    """Canonical decimal text of a number cell (see :func:`bulkio.fields.canonical_decimal`)."""
    value = normalise_number_text(text, decimal=decimal, thousands=thousands)
    sign = ""
    if value[0] in "+-":
        sign, value = ("-" if value[0] == "-" else ""), value[1:]
    whole, _, fraction = value.partition(".")
    whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    if sign and not allow_negative and (whole != "0" or fraction):
        raise NumberError("negative-number", f"must not be negative: {text!r}")
    if sign and whole == "0" and not fraction:
        sign = ""  # "-0" is zero
    if max_places is not None and len(fraction) > max_places:
        raise NumberError("too-precise", f"more than {max_places} decimal places: {text!r}")
    if len(fraction) < min_places:
        fraction = fraction.ljust(min_places, "0")
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def canonical_integer(
    text: str, *, decimal: str = ".", thousands: str = "", allow_negative: bool = True
) -> int:
    """An integer cell; "3,00" is 3 but "3,5" is ``not-an-integer``."""
    value = canonical_number(
        text, decimal=decimal, thousands=thousands, allow_negative=allow_negative
    )
    if "." in value:
        raise NumberError("not-an-integer", f"not a whole number: {text!r}")
    return int(value)


def check_int64(value: int, text: str) -> int:
    """``value`` when it fits in 64 bits; else NumberError ``too-large``."""
    if value > INT64_MAX:
        raise NumberError("too-large", f"too large: {text!r} (at most {INT64_MAX})")
    if value < INT64_MIN:
        raise NumberError("too-large", f"too small: {text!r} (at least {INT64_MIN})")
    return value
