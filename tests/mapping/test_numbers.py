"""Number cells: the pure rules, and the polars column version agreeing with them."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkio.fields import canonical_decimal
from bulkio.mapping.load import parse_mapping
from bulkio.mapping.numbers import (
    NumberError,
    canonical_integer,
    canonical_number,
    normalise_number_text,
)
from bulkio.mapping.transforms import Stages, cast_exprs, number_exprs


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "expected"),
    [
        ("12,50", ",", "", "12.50"),
        ("1.234,5", ",", ".", "1234.5"),
        ("1 234,5", ",", " ", "1234.5"),
        ("1,234.5", ".", ",", "1234.5"),
        ("1'234.5", ".", "'", "1234.5"),
        (" 7 ", ".", "", "7"),
        (".5", ".", "", ".5"),
    ],
)
def test_normalise_number_text(text: str, decimal: str, thousands: str, expected: str) -> None:
    assert normalise_number_text(text, decimal=decimal, thousands=thousands) == expected


@pytest.mark.parametrize(
    ("text", "decimal", "thousands"),
    [
        ("12.50", ",", ""),  # a dot in a decimal-comma file is not silently accepted
        ("12,50", ".", ""),
        ("abc", ".", ""),
        ("1e3", ".", ""),
        ("€12", ".", ""),
        ("", ".", ""),
        ("1.2.3", ".", ""),
        ("--1", ".", ""),
    ],
)
def test_normalise_number_text_rejects(text: str, decimal: str, thousands: str) -> None:
    with pytest.raises(NumberError) as caught:
        normalise_number_text(text, decimal=decimal, thousands=thousands)
    assert caught.value.code == "invalid-number"


def test_canonical_money_and_codes() -> None:
    assert canonical_number("012,5", decimal=",", min_places=2) == "12.50"
    assert canonical_number("-0,00", decimal=",", min_places=2, allow_negative=False) == "0.00"
    with pytest.raises(NumberError) as negative:
        canonical_number("-1", allow_negative=False)
    assert negative.value.code == "negative-number"
    with pytest.raises(NumberError) as precise:
        canonical_number("1.23456", max_places=4)
    assert precise.value.code == "too-precise"
    assert canonical_number("1.23450", max_places=4) == "1.2345"  # trailing zeros don't count


def test_canonical_integer() -> None:
    assert canonical_integer("1.000", thousands=".", decimal=",") == 1000
    assert canonical_integer("3,00", decimal=",") == 3
    with pytest.raises(NumberError) as caught:
        canonical_integer("3.5")
    assert caught.value.code == "not-an-integer"


def _polars(texts: list[str], **kwargs: object) -> list[tuple[str | None, str | None]]:
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    value, error, _ = number_exprs(pl.col("t"), **kwargs)  # type: ignore[arg-type]
    out = frame.select(pl.when(error.is_null()).then(value).alias("v"), error.alias("e"))
    return list(zip(out["v"].to_list(), out["e"].to_list(), strict=True))


def _python(text: str, **kwargs: object) -> tuple[str | None, str | None]:
    try:
        return canonical_number(text, **kwargs), None  # type: ignore[arg-type]
    except NumberError as exc:
        return None, exc.code


number_text = st.one_of(
    st.integers(0, 6)
    .flatmap(lambda places: st.decimals(allow_nan=False, allow_infinity=False, places=places))
    .map(str),
    st.text(alphabet="0123456789.,-+ ", max_size=8),
    st.from_regex(r"[+-]?[0-9]{1,3}(\.[0-9]{3})*(,[0-9]{0,5})?", fullmatch=True),
)


@settings(max_examples=120, deadline=None)
@given(st.lists(number_text, min_size=1, max_size=20), st.sampled_from([".", ","]))
def test_polars_number_rules_match_the_python_rules(texts: list[str], decimal: str) -> None:
    thousands = "." if decimal == "," else ","
    texts = [t.strip() or "x" for t in texts]
    kwargs = dict(
        decimal=decimal, thousands=thousands, min_places=2, max_places=4, allow_negative=False
    )
    assert _polars(texts, **kwargs) == [_python(t, **kwargs) for t in texts]


@settings(max_examples=120, deadline=None)
@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4))
def test_money_round_trip_matches_fields_canonical_decimal(number: Decimal) -> None:
    text = f"{number:f}"
    if number == 0:
        text = text.lstrip("-")
    ours = canonical_number(text, min_places=2, max_places=4)
    assert ours == canonical_decimal(text, min_places=2)
    # canonical text is a fixed point: reading it again changes nothing
    assert canonical_number(ours, min_places=2, max_places=4) == ours
    # the decimal-comma spelling of the same number gives the same canonical text
    comma = text.replace(".", ",")
    assert canonical_number(comma, decimal=",", min_places=2, max_places=4) == ours


@pytest.mark.parametrize("thousands", [" ", "'", "\u00a0", "\u202f", ".", ","])
def test_every_thousands_separator_groups_by_three(thousands: str) -> None:
    decimal = "." if thousands == "," else ","
    texts = [
        f"1{thousands}234{decimal}5",
        f"12{thousands}345{thousands}678",
        f"12{thousands}5",  # not a grouping: an error, never 125
        f"1{thousands}23{thousands}456",
        f"1{thousands}2345",
    ]
    kwargs = dict(
        decimal=decimal, thousands=thousands, min_places=2, max_places=4, allow_negative=False
    )
    expected = [
        ("1234.50", None),
        ("12345678.00", None),
        (None, "invalid-number"),
        (None, "invalid-number"),
        (None, "invalid-number"),
    ]
    assert [_python(t, **kwargs) for t in texts] == expected
    assert _polars(texts, **kwargs) == expected


def _cast_column(rule_toml: str, source: str, texts: list[str], *, materialize: bool) -> list[Any]:
    """(value, error) per cell of one field through :func:`cast_exprs`, with the cheap way for
    plain cells (materialized stages) or with the full rules only."""
    text = f'[source]\n{source}\n[fields]\nsku = "SKU"\n{rule_toml}\n'
    mapping = parse_mapping(tomllib.loads(text), "mapping.toml")
    rule = next(rule for name, rule in mapping.fields.items() if name != "sku")
    stages = Stages(materialize=materialize)
    text = stages.add(pl.col("t"), 0)
    value, error = cast_exprs(rule, text, mapping.source, stages)
    frame = stages.apply(pl.DataFrame({"t": texts}, schema={"t": pl.String}))
    out = frame.select(value.alias("v"), error.alias("e"))
    return list(zip(out["v"].to_list(), out["e"].to_list(), strict=True))


CHEAP_RULES = [
    'regular_price = { column = "P", type = "money" }',
    'weight = { column = "P", type = "decimal" }',
    'stock_quantity = { column = "P", type = "int" }',
    '"meta:n" = { column = "P", type = "int" }',
]
SEPARATORS = [
    'decimal = ","\nthousands = "."',
    'decimal = "."\nthousands = ","',
    'decimal = ","',
    'decimal = "."',
    'decimal = ","\nthousands = " "',
]


PLAIN_AND_NOT = [
    "0", "7", "60", "007", "0,00", "0.00", "12,5", "12.5", "12,50", "12.50", "12,500", "1,45",
    "1,40", "1.45", "2,10", "68,00", "1.234,56", "1,234.56", "1.234", "1,234", "12.34,5",
    "1 234,5", "1'234.5", "-3", "+3", "-0", "1,", ",5", "1.2345", "1,23456", "1.234.567,8",
    "123456789012345678", "1234567890123456789", "9223372036854775808", "1.234.567.890.123.456",
    "1.234.567.890.123.456.789", "abc", "1e5", "3,00", "2,5",
]  # fmt: skip


@pytest.mark.parametrize("rule", CHEAP_RULES)
@pytest.mark.parametrize("source", SEPARATORS)
def test_plain_and_other_number_cells_match_the_full_rules(rule: str, source: str) -> None:
    cheap = _cast_column(rule, source, PLAIN_AND_NOT, materialize=True)
    assert cheap == _cast_column(rule, source, PLAIN_AND_NOT, materialize=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            number_text,
            st.from_regex(r"[0-9]{1,4}([.,' ][0-9]{1,3}){0,3}", fullmatch=True),
            st.from_regex(r"[1-9][0-9]{15,20}", fullmatch=True),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(CHEAP_RULES),
    st.sampled_from(SEPARATORS),
)
def test_cheap_number_cells_match_the_full_rules(texts: list[str], rule: str, source: str) -> None:
    """Stages.add_split: plain cells the cheap way, the rest by the full rules — the same
    value and error code in every (non-empty) cell as the full rules everywhere."""
    texts = [t.strip() or "x" for t in texts]
    cheap = _cast_column(rule, source, texts, materialize=True)
    full = _cast_column(rule, source, texts, materialize=False)
    assert cheap == full
