"""What the real stores taught (tests/realstore/test_catalog_sample.py, test_images.py), as fast
unit tests of the pure functions behind each fix: unit columns, prices as written, a new
variation's tax class, "any" attributes, text as WordPress keeps it, dead images, the trash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bulkio.catalog.apply import _reuse_media, _src_urls, _without_failed_images
from bulkio.catalog.feed import _price_as_written, convert_units, convert_value, read_feed
from bulkio.catalog.plan import (
    NEW_VARIATION_DEFAULTS,
    _combination,
    _Differ,
    _flagged,
    _same,
    build_catalog_plan,
    held_media,
    store_media,
)
from bulkio.catalog.render import render_catalog_plan
from bulkio.catalog.state import CatalogState
from bulkio.catalog.terms import TermIndex
from bulkio.fields import canonicalise, field_spec, stored_text, text_key
from bulkio.mapping import load_mapping
from tests.catalog.helpers import MAPPING


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- weights and dimensions in other units ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "store_unit", "expected"),
    [
        ("0.5", "lbs", "kg", "0.2268"),
        (".2", "lbs", "kg", "0.0907"),
        ("1.5", "lbs", "kg", "0.6804"),
        ("24", "in", "cm", "60.96"),
        ("1", "in", "cm", "2.54"),
        ("2", "kg", "lbs", "4.4092"),
        ("250", "g", "kg", "0.25"),
        ("60.96", "cm", "in", "24"),
        ("3", "kg", "kg", "3"),
        ("", "lbs", "kg", ""),
    ],
)
def test_convert_value(value: str, unit: str, store_unit: str, expected: str) -> None:
    assert convert_value(value, unit, store_unit) == expected


SAMPLE_HEAD = "Type,SKU,Name,Regular price,Weight (lbs),Length (in),Width (in),Height (in)\n"


def test_unit_columns_are_read_and_converted_to_the_store_units(tmp_path: Path) -> None:
    feed = read_feed(
        load_mapping(MAPPING),
        _write(tmp_path / "f.csv", SAMPLE_HEAD + "simple,A,Tee,20,.5,24,1,2\n"),
    )
    assert feed.units == {
        "weight": ("Weight (lbs)", "lbs"),
        "dimensions.length": ("Length (in)", "in"),
        "dimensions.width": ("Width (in)", "in"),
        "dimensions.height": ("Height (in)", "in"),
    }
    assert not any("Weight" in w for w in feed.warnings)  # read, not reported as absent
    (item,) = feed.items
    assert item.values["weight"] == "0.5" and item.values["dimensions.length"] == "24"
    convert_units(feed, {"weight": "kg", "dimension": "cm"})
    assert (item.values["weight"], item.values["dimensions.length"]) == ("0.2268", "60.96")
    assert any("converted to kg" in w for w in feed.warnings)
    assert any("converted to cm" in w for w in feed.warnings)


def test_units_equal_to_the_store_ones_are_kept_as_written(tmp_path: Path) -> None:
    feed = read_feed(
        load_mapping(MAPPING),
        _write(tmp_path / "f.csv", SAMPLE_HEAD + "simple,A,Tee,20,.5,24,1,2\n"),
    )
    convert_units(feed, {"weight": "lbs", "dimension": "in"})
    assert feed.items[0].values["weight"] == "0.5"
    assert not any("converted" in w for w in feed.warnings)


def test_units_the_store_does_not_tell_are_taken_as_written_with_a_warning(
    tmp_path: Path,
) -> None:
    feed = read_feed(
        load_mapping(MAPPING),
        _write(tmp_path / "f.csv", SAMPLE_HEAD + "simple,A,Tee,20,.5,24,1,2\n"),
    )
    convert_units(feed, {})
    assert feed.items[0].values["weight"] == "0.5"
    assert any("could not be read" in w for w in feed.warnings)


# -- prices: sent as written, compared as numbers -------------------------------------------


@pytest.mark.parametrize(
    ("canonical", "cell", "decimal", "expected"),
    [
        ("20.00", "20", ".", "20"),
        ("0.50", ".5", ".", ".5"),
        ("19.90", "19.90", ".", "19.90"),
        ("11.05", " 11.05 ", ".", "11.05"),
        ("1.50", "1,5", ",", "1.5"),
        ("1000.00", "1e3", ".", "1000.00"),
    ],
)
def test_price_as_written(canonical: str, cell: str, decimal: str, expected: str) -> None:
    assert _price_as_written(canonical, cell, decimal) == expected


def test_prices_compare_as_numbers() -> None:
    assert _same("regular_price", "20.00", "20")
    assert _same("regular_price", "0.50", ".5")
    assert not _same("regular_price", "20.00", "20.5")


def test_feed_keeps_prices_as_written(tmp_path: Path) -> None:
    path = _write(tmp_path / "f.csv", "Type,SKU,Name,Regular price,Sale price\nsimple,A,T,20,18\n")
    (item,) = read_feed(load_mapping(MAPPING), path).items
    assert (item.values["regular_price"], item.values["sale_price"]) == ("20", "18")


# -- variations: tax class and "any" attributes ---------------------------------------------


def test_a_new_variation_is_sent_an_empty_tax_class() -> None:
    """The API creates variations with tax class "parent"; an empty cell means "" (standard),
    as WooCommerce's importer stores it."""
    differ = _Differ({"tax_class": "", "regular_price": "5"}, None, NEW_VARIATION_DEFAULTS)
    differ.plain(skip=set())
    assert differ.payload["tax_class"] == ""
    product = _Differ({"tax_class": ""}, None)
    product.plain(skip=set())
    assert "tax_class" not in product.payload  # a product starts with "" anyway


def test_any_attributes_are_left_out_of_comparisons() -> None:
    feed_side = [{"name": "Color", "option": "Red"}, {"name": "Size", "option": ""}]
    store_side = [{"name": "Color", "option": "Red"}]  # the store does not return "any"
    assert _flagged(feed_side) == _flagged(store_side)
    assert _combination(feed_side) == _combination(store_side)


# -- names and descriptions as WordPress keeps them -----------------------------------------

MEASURED = {
    # sent → kept (WooCommerce 7.9 and 11.0.1, name, description and short description alike)
    "Shirt & Co": "Shirt &amp; Co",
    "a < b": "a &lt; b",
    "a > b": "a &gt; b",
    'say "hi"': 'say "hi"',
    "it's": "it's",
    "&amp; already": "&amp; already",
    "&copy; &#169; &#xA9;": "&copy; &#169; &#xA9;",
    "<b>bold</b>": "<b>bold</b>",
    "<script>x</script>y": "xy",
    "a &foo; b": "a &amp;foo; b",
    "Tom &amp Jerry": "Tom &amp;amp Jerry",
    "x & y &amp; z": "x &amp; y &amp; z",
    "<p>para</p>": "<p>para</p>",
    "a<b": "a&lt;b",
    "5 > 3 & 2 < 4": "5 &gt; 3 &amp; 2 &lt; 4",
    "&nbsp;": "&nbsp;",
    "&lt;tag&gt;": "&lt;tag&gt;",
    '<a href="x" onclick="y">l</a>': '<a href="x">l</a>',
    "café – “q”": "café – “q”",
}


@pytest.mark.parametrize(("sent", "kept"), list(MEASURED.items()))
def test_stored_text_predicts_what_wordpress_keeps(sent: str, kept: str) -> None:
    assert stored_text(sent) == kept
    assert text_key(kept) == kept  # a stored value is its own key
    for name in ("name", "description", "short_description"):
        spec = field_spec(name)
        assert spec is not None
        assert canonicalise(spec, sent) == canonicalise(spec, kept)


def test_unpredictable_markup_is_compared_without_it() -> None:
    sent = '<p style="color:red">Fish & Chips</p><!-- note -->'
    assert stored_text(sent) is None
    assert text_key(sent) == "Fish &amp; Chips"
    assert text_key('<p style="color: red;">Fish &amp; Chips</p>') == "Fish &amp; Chips"


def test_plan_finds_a_stored_ampersand_name_unchanged() -> None:
    differ = _Differ({"name": "Shirt & Co", "description": "a < b"}, _store_product())
    differ.plain(skip={"sku"})
    assert differ.payload == {}


def _store_product(**values: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "sku": "A",
        "type": "simple",
        "status": "publish",
        "name": "Shirt &amp; Co",
        "description": "a &lt; b",
        **values,
    }


# -- images the store cannot fetch ------------------------------------------------------------


def test_without_failed_images_drops_the_named_one_and_remembers_the_rest() -> None:
    a, b, c = "http://i/a.png", "http://i/b.png", "http://i/c.png"
    payload = {
        "name": "x",
        "images": [{"id": 5, "position": 0}, {"src": b, "position": 1}, {"src": c, "position": 2}],
        "meta_data": [{"key": "_bulkio_image_sources", "value": json.dumps([a, b, c])}],
    }
    kept, dropped = _without_failed_images(payload, f"Error getting remote image {b}. Not Found")
    assert dropped == b
    assert kept["images"] == [{"id": 5, "position": 0}, {"src": c, "position": 1}]
    assert json.loads(kept["meta_data"][0]["value"]) == [a, c]
    assert payload["images"][1] == {"src": b, "position": 1}  # the plan's payload untouched


def test_without_failed_images_for_a_variation_and_an_unnamed_failure() -> None:
    payload = {
        "image": {"src": "http://i/v.png"},
        "meta_data": [{"key": "_bulkio_image_sources", "value": '["http://i/v.png"]'}],
    }
    kept, dropped = _without_failed_images(payload, "Invalid image: not allowed")
    assert dropped == "http://i/v.png" and kept["image"] == {}
    assert json.loads(kept["meta_data"][0]["value"]) == []
    assert _without_failed_images({"name": "x"}, "whatever")[1] == ""


# -- the trash ---------------------------------------------------------------------------------


def test_a_trashed_product_is_restored_and_updated(tmp_path: Path) -> None:
    path = _write(tmp_path / "f.csv", "Type,SKU,Name,Published,Regular price\nsimple,A,Lamp,1,20\n")
    feed = read_feed(load_mapping(MAPPING), path)
    trashed = _store_product(status="trash", name="Lamp", regular_price="20", type="simple")
    state = CatalogState(products={"a": trashed}, by_id={7: trashed}, trashed={"a": trashed})
    plan = build_catalog_plan(feed, state, TermIndex("categories"), TermIndex("tags"))
    (op,) = plan.products
    assert (op.action, op.id) == ("update", 7)
    assert op.payload == {"status": "publish"}
    assert op.changes[0].field == "restore"


def test_the_plan_says_which_texts_it_cannot_predict(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "f.csv",
        "Type,SKU,Name,Description\n"
        'simple,A,Plain & simple,"<p>fine</p>"\n'
        'simple,B,Styled,"<p style=""color:red"">x</p>"\n',
    )
    feed = read_feed(load_mapping(MAPPING), path)
    plan = build_catalog_plan(feed, CatalogState(), TermIndex("categories"), TermIndex("tags"))
    (note,) = plan.notes
    assert "B description" in note and "A " not in note
    assert "note: 1 text(s)" in render_catalog_plan(plan)


def test_media_already_held_is_named_by_id_not_downloaded_again() -> None:
    a, b = "http://i/a.png", "http://i/b.png"
    holder = {
        "id": 1,
        "images": [{"id": 11}, {"id": 12}],
        "meta_data": [{"key": "_bulkio_image_sources", "value": json.dumps([a, b])}],
    }
    assert held_media(holder, variation=False) == {a: 11, b: 12}
    state = CatalogState(products={"h": holder})
    differ = _Differ({}, None)
    differ.images([b, "http://i/c.png"], variation=False, media=store_media(state))
    assert differ.payload["images"] == [
        {"id": 12, "position": 0},
        {"src": "http://i/c.png", "position": 1},
    ]


def test_a_variation_takes_its_parents_fresh_media() -> None:
    payload = {"image": {"src": "http://i/p.png"}, "regular_price": "5"}
    assert _src_urls(payload) == ["http://i/p.png"]
    assert _reuse_media(payload, {"http://i/p.png": 40})["image"] == {"id": 40}
    assert _reuse_media(payload, {}) is payload


def test_rows_naming_an_earlier_rows_new_image_go_in_a_second_wave() -> None:
    from bulkio.catalog.apply import _split_shared_images
    from bulkio.plan.model import Plan, PlanItem

    def item(line: int, *urls: str) -> PlanItem:
        images = [{"src": url, "position": n} for n, url in enumerate(urls)]
        return PlanItem("create", line, f"S{line}", None, None, None, [], {"images": images})

    plan = Plan(resource="product")
    plan.creates = [item(2, "http://i/a.png", "http://i/b.png"), item(3, "http://i/c.png"),
                    item(4, "http://i/b.png"), item(5)]  # fmt: skip
    first, second = _split_shared_images(plan)
    assert [i.line for i in first.writes] == [2, 3, 5]
    assert [i.line for i in second.writes] == [4]
    named = _reuse_media(second.writes[0].payload, {"http://i/b.png": 9})
    assert named["images"] == [{"id": 9, "position": 0}]
