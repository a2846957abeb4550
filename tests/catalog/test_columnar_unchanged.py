"""The columnar test for unchanged rows (bulkio.catalog.columnar_unchanged) against the planner.

The Python planner is the reference. The column canonicalisers must give, wherever they give
anything (null means "ask the planner"), what :mod:`bulkio.fields` gives, on many tricky
values; and :func:`split_unchanged` may only take a row the planner plans as unchanged — with
the same id and store date — over random items and store answers in every shape a store
sends (prices as "12.5" or numbers, stock null or 0 or text, manage_stock off or "parent",
entities, markup, trashed products, meta missing or repeated).
"""

from __future__ import annotations

import dataclasses
import random
import sys
import unicodedata
from typing import Any

import polars as pl
import pytest

from bulkio.catalog import columnar_unchanged as columnar
from bulkio.catalog.feed import CatalogFeed, FeedItem
from bulkio.catalog.plan import build_catalog_plan
from bulkio.catalog.state import CatalogState
from bulkio.catalog.terms import TermIndex
from bulkio.fields import (
    FIELDS,
    canonical_decimal,
    canonical_sale_date,
    canonicalise,
    stored_text,
    text_key,
)


def _apply(function: Any, values: list[str]) -> list[str | None]:
    frame = pl.DataFrame({"v": pl.Series(values, dtype=pl.String)})
    out: list[str | None] = frame.select(function(pl.col("v")).alias("c"))["c"].to_list()
    return out


def _numbers(rng: random.Random) -> list[str]:
    fixed = [
        "", "0", "00", "12", "12.5", "12.50", "012.500", "0.000", "100", "1000000", "0.1",
        ".5", "5.", "-1", "-0", "+3", "1e3", "1E-2", " 12", "12 ", "1,5", "1.234,56", "1_000",
        "１２", "٣", "nan", "NaN", "Infinity", "inf", "1.2.3", "abc", "12,50", "\t7",
        "1234567890123456", "123456789012345", "0.123456789012", "0.1234567890123",
        "999999999999999.999999999999", "9" * 40, "0." + "0" * 30 + "1",
    ]  # fmt: skip
    made = []
    for _ in range(2000):
        whole = "".join(rng.choice("0123456789") for _ in range(rng.randrange(0, 17)))
        fraction = "".join(rng.choice("0000123456789") for _ in range(rng.randrange(0, 14)))
        made.append(whole + ("." + fraction if rng.random() < 0.7 else ""))
    return fixed + made


@pytest.mark.parametrize("places", [2, 0])
def test_decimal_columns_match_canonical_decimal(places: int) -> None:
    values = _numbers(random.Random(places))
    function = columnar.money if places else columnar.decimal
    taken = 0
    for value, column in zip(values, _apply(function, values), strict=True):
        if column is None:
            continue
        taken += 1
        assert column == canonical_decimal(value, min_places=places), value
        spec = FIELDS["regular_price" if places else "weight"]
        assert column == canonicalise(spec, value), value
    assert taken > 1000  # the plain decimals are taken, not left to the planner
    checks = {"12.5": "12.50", "012.500": "12.50", "100": "100.00", "0.000": "0.00", "": ""}
    for value, money in checks.items():
        assert _apply(columnar.money, [value]) == [money]
    assert _apply(columnar.decimal, ["2.50", "10.0", "0.000", "007"]) == ["2.5", "10", "0", "7"]
    for refused in (".5", "5.", "-1", "1e3", " 12", "1,5", "１２", "nan", "9" * 40):
        assert _apply(function, [refused]) == [None], refused


TEXT_PIECES = [
    "Saw", " ", "  ", "\n", "\r\n", "\t", "Größe", "&", "&amp;", "&foo;", "&#169;", "<", ">",
    "<p>", "</p>", "<P>", "<strong>", "</strong>", "<br>", "<br/>", "<br />", "<b class='x'>",
    '<a href="x">', "<script>", "</script>", "<!-- c -->", "<ſ>", "<span>", "\x00", "\u00a0",
    "\u2003", "\x1c", "e\u0301", "é", "'", '"', "Hölzl & Söhne", "<h1>", "</h1>", "<unknown>",
    "<p >", "< p>", "</ p>", "<p\n>", "<?php", "]]>", "<![CDATA[", "<wbr>", "<IMG>",
]  # fmt: skip


def test_text_column_takes_only_what_the_store_keeps_as_written() -> None:
    rng = random.Random(7)
    values = ["", "Saw", "<p>Geschmiedete Klingen, <strong>Nr. 5</strong>.</p>"]
    values += TEXT_PIECES
    for _ in range(4000):
        values.append("".join(rng.choice(TEXT_PIECES) for _ in range(rng.randrange(1, 7))))
    taken = 0
    for value, column in zip(values, _apply(columnar.text, values), strict=True):
        if column is None:
            continue
        taken += 1
        assert column == value
        assert stored_text(value) == value, value
        assert text_key(value) == value, value
        for name in ("name", "description", "short_description"):
            assert canonicalise(FIELDS[name], value) == value, (name, value)
    assert taken > 200
    assert _apply(columnar.text, ["<p>a</p>", "<P>b</P>", "Caf" + "e\u0301"]) == [
        "<p>a</p>",
        "<P>b</P>",
        "Cafe\u0301",  # not NFC: both sides compare as written, as the planner does
    ]
    refused = ["a & b", "a &amp; b", "<br/>", "<b class='x'>", " lead", "trail\u00a0", "<ſ>"]
    refused += ["a < b", "x > y", "<!-- c -->", "<script>x</script>", "a\x00b", "<unknown>"]
    assert _apply(columnar.text, refused) == [None] * len(refused)
    assert unicodedata.normalize("NFC", "Cafe\u0301") != "Cafe\u0301"


def test_sale_date_column_matches_the_planner() -> None:
    values = [
        "", "2030-01-01T00:00:00", "2030-01-01", "2030-1-1T0:00:00", "2030-01-01 00:00:00",
        "2030-13-45T00:00:00", "0999-01-01T00:00:00", "2030-01-01T00:00:00.5", "x",
        "2030-02-28T23:59:59", " 2030-01-01T00:00:00",
    ]  # fmt: skip
    for value, column in zip(values, _apply(columnar.sale_date, values), strict=True):
        if column is None:
            continue
        assert column == value
        # The store's text as the planner reads it (a date that is no date stays as written).
        assert canonicalise(FIELDS["date_on_sale_from"], value) == value
        if value and value != "2030-13-45T00:00:00":
            assert canonical_sale_date(value) == value
    assert _apply(columnar.sale_date, ["2030-01-01T00:00:00", "2030-01-01", ""]) == [
        "2030-01-01T00:00:00",
        None,
        "",
    ]


def test_written_out_whitespace_is_pythons() -> None:
    every = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())
    assert every == columnar.PY_SPACES


# -- split_unchanged against build_catalog_plan ----------------------------------------------

NAMES = ["Saw", "Hose & Reel", "Glove <b>bold</b>", "  Rake ", "Café", "Cafe\u0301", "a &amp; b"]
DESCRIPTIONS = ["", "<p>Plain <strong>strong</strong>.</p>", "Line\nline", "<p class='x'>y</p>"]
PRICES = ["10", "10.00", "10.5", "10.50", "7.99", ""]
STORE_PRICES: list[Any] = ["10.00", "10", "10.5", "10.50", "7.99", "", None, 10.5, "010.5"]
DATES = ["", "2030-01-01T00:00:00"]
STORE_DATES: list[Any] = ["", None, "2030-01-01T00:00:00", "2030-01-01", "2030-01-01 00:00:00"]
BRANDS = ["Hölzl & Söhne", "Grünwerk", ""]


def _item(rng: random.Random, line: int, sku: str, *, with_stock: bool) -> FeedItem:
    values: dict[str, Any] = {
        "sku": sku,
        "name": rng.choice(NAMES),
        "description": rng.choice(DESCRIPTIONS),
        "regular_price": rng.choice(PRICES),
        "sale_price": rng.choice(["", "", "5", "5.00"]),
        "date_on_sale_from": rng.choice(DATES),
        "weight": rng.choice(["", "1", "2.5", "0.25"]),
        "dimensions.length": rng.choice(["", "21", "3.5"]),
        "status": rng.choice(["publish", "publish", "draft", None]),
        "manage_stock": True,
    }
    if with_stock:
        values["stock_quantity"] = rng.choice([0, 5, 17, None])
    meta = {}
    if rng.random() < 0.8:
        meta["brand"] = rng.choice(BRANDS)
    return FeedItem(line, sku, "simple", values, meta=meta)


def _store(rng: random.Random, item: FeedItem, number: int) -> dict[str, Any]:
    """A store answer for ``item``: mostly the same values, in the forms stores send."""
    values = item.values

    def like(value: Any, others: list[Any]) -> Any:
        return value if rng.random() < 0.85 else rng.choice(others)

    price = values["regular_price"]
    same_price = {"10": "10.00", "10.00": "10", "10.5": "10.50", "10.50": "10.5"}.get(price, price)
    product: dict[str, Any] = {
        "id": 1000 + number,
        "sku": item.sku.upper() if rng.random() < 0.2 else item.sku,
        "type": like("simple", ["variable", "external", None]),
        "status": like(values["status"] or "publish", ["trash", "draft", "pending", None]),
        "name": like(values["name"], [*NAMES, " Saw", None]),
        "description": like(values["description"], [*DESCRIPTIONS, None]),
        "regular_price": like(rng.choice([price, same_price]), STORE_PRICES),
        "sale_price": like(values["sale_price"], ["", None, "5.00", 5]),
        "date_on_sale_from": like(values["date_on_sale_from"], STORE_DATES),
        "weight": like(values["weight"], ["", None, "1.0", "2.50", "0.250", 1]),
        "dimensions": like(
            {"length": like(values["dimensions.length"], ["", "21.0", None])},
            [{}, None, {"length": 21}],
        ),
        "manage_stock": like(True, [False, None, "parent", 1]),
        "stock_quantity": like(values.get("stock_quantity"), [None, 0, "5", 5, True]),
        "date_modified_gmt": rng.choice(["2026-11-01T08:00:00", None, "2026-11-02T09:00:00"]),
        "meta_data": [],
    }
    if rng.random() < 0.1:
        del product["stock_quantity"]
    brand = item.meta.get("brand")
    if brand is not None and rng.random() < 0.9:
        product["meta_data"].append({"id": 1, "key": "brand", "value": like(brand, [None, 3])})
    if rng.random() < 0.1:
        product["meta_data"].append({"id": 2, "key": "brand", "value": "second"})
    if rng.random() < 0.1:
        product["meta_data"].insert(0, {"id": 3, "key": "other", "value": {"a": 1}})
    return product


@pytest.mark.parametrize("seed", range(12))
def test_split_takes_only_rows_the_planner_leaves_unchanged(seed: int) -> None:
    rng = random.Random(seed)
    with_stock = seed % 3 != 0
    items = [_item(rng, line, f"S-{line}", with_stock=with_stock) for line in range(2, 402)]
    # Rows with terms, or another key set than the group's first, are the planner's.
    items[7] = dataclasses.replace(items[7], categories=[("Tools",)])
    items[9] = dataclasses.replace(items[9], values={**items[9].values, "featured": False})
    state = CatalogState()
    for number, item in enumerate(items):
        if rng.random() < 0.95:
            product = _store(rng, item, number)
            state.products[item.sku.casefold()] = product
            state.by_id[product["id"]] = product
    found, rest = columnar.split_unchanged(items, state.products)
    assert len(found.lines) + len(rest) == len(items)
    taken = set(found.lines)
    assert [item.line for item in rest] == [item.line for item in items if item.line not in taken]
    plan = build_catalog_plan(
        CatalogFeed("feed.csv", items, [], len(items)),
        state,
        TermIndex("categories"),
        TermIndex("tags"),
    )
    by_line = {op.line: op for op in plan.products}
    for line, sku, product_id, modified in zip(
        found.lines, found.skus, found.ids, found.modified, strict=True
    ):
        op = by_line[line]
        assert op.action == "unchanged", (op.sku, op.changes)
        assert (op.sku, op.id, op.base_modified) == (sku, product_id, modified)
        assert not op.changes and not op.payload and not op.field_changes
    unchanged = sum(1 for op in plan.products if op.action == "unchanged")
    # Most unchanged rows are found on columns (the others carry markup, entities, whitespace
    # or store values in forms the columns leave to the planner).
    assert len(found.lines) > 0.2 * unchanged > 10
    assert not {items[7].line, items[9].line} & taken


def test_a_store_value_of_another_type_leaves_its_row_to_the_planner() -> None:
    values: dict[str, Any] = {"sku": "A", "regular_price": "10", "stock_quantity": 5}
    items = [FeedItem(n, sku, "simple", {**values, "sku": sku}) for n, sku in enumerate("ABCD")]
    good = {"type": "simple", "status": "publish", "regular_price": "10.00", "manage_stock": True}
    products: dict[str, dict[str, Any]] = {
        "a": {**good, "id": 1, "stock_quantity": 5},
        "b": {**good, "id": 2, "stock_quantity": "5"},  # the planner reads int("5")
        "c": {**good, "id": 3, "stock_quantity": 5, "regular_price": 10},
        "d": {**good, "id": 4, "stock_quantity": 5, "manage_stock": "parent"},
    }
    found, rest = columnar.split_unchanged(items, products)
    assert (found.lines, found.ids) == ([0], [1])
    assert [item.sku for item in rest] == ["B", "C", "D"]
    for key in "bcd":
        products[key].update(stock_quantity=5, regular_price="10", manage_stock=True)
    found, rest = columnar.split_unchanged(items, products)
    assert (found.lines, found.ids, rest) == ([0, 1, 2, 3], [1, 2, 3, 4], [])


def test_fields_the_columns_do_not_model_leave_the_feed_to_the_planner() -> None:
    item = FeedItem(2, "A", "simple", {"sku": "A", "slug": "a"})
    product = {"id": 1, "type": "simple", "status": "publish", "slug": "a"}
    found, rest = columnar.split_unchanged([item], {"a": product})
    assert found.lines == [] and rest == [item]
