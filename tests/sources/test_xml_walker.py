"""The XML walker (``bulkio.sources.xml_plan``) gives exactly what XPath gives.

Every shipped XML mapping is read against every shipped XML sample, and the tests' XML
fixtures with their paths, once with the walker and once with every path evaluated by XPath
(``walker=False``, the reader as it was before the walker); the frames must be equal cell by
cell (values, nulls, line numbers), and a file one way refuses the other must refuse with
the same message. Then each path form the walker follows, and the ones it leaves to XPath,
on a document built to trip them: nested markup, CDATA, empty vs missing, repeats,
namespaces, attribute tests, alternatives in either order.

To compare every XML read of any test selection the same way, run it with the plug-in:
``pytest -p tests.sources.xml_crosscheck tests/...``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from bulkio.errors import InputError
from bulkio.mapping import load_mapping
from bulkio.mapping.model import SourceOptions
from bulkio.sources.xml import VALUE_SEPARATOR, read_xml
from bulkio.sources.xml_plan import compile_path
from tests.mapping import test_catalog_vocabulary, test_records_in_pieces, test_xml_source

ROOT = Path(__file__).resolve().parents[2]
XML_MAPPINGS = sorted(
    path
    for path in (ROOT / "mappings").glob("*.toml")
    if tomllib.loads(path.read_text(encoding="utf-8")).get("source", {}).get("format") == "xml"
)
XML_FILES = sorted((ROOT / "samples").glob("*.xml")) + sorted(
    (ROOT / "tests" / "safety" / "corpus").glob("*.xml")
)
G = "http://base.google.com/ns/1.0"


def both_ways(path: Path, options: SourceOptions, paths: list[str]) -> pl.DataFrame | str:
    """The frame read with the walker, after checking XPath reads the very same frame (or
    the error message both raise)."""
    try:
        fast = read_xml(path, options, paths).frame
    except InputError as exc:
        with pytest.raises(InputError) as slow:
            read_xml(path, options, paths, walker=False)
        assert str(slow.value) == str(exc)
        return str(exc)
    slow_frame = read_xml(path, options, paths, walker=False).frame
    assert_frame_equal(fast, slow_frame, check_exact=True)
    return fast


def test_the_shipped_mappings_are_walked_not_evaluated() -> None:
    """Guards the comparisons below against comparing XPath with itself: the shipped
    mappings' paths are all ones the walker follows."""
    assert len(XML_MAPPINGS) >= 4
    for mapping_path in XML_MAPPINGS:
        source = load_mapping(mapping_path).source
        for field_path in load_mapping(mapping_path).source_columns:
            assert compile_path(field_path, source.namespaces) is not None, (
                mapping_path.name,
                field_path,
            )


@pytest.mark.parametrize("mapping_path", XML_MAPPINGS, ids=lambda p: p.stem)
@pytest.mark.parametrize("xml_path", XML_FILES, ids=lambda p: p.name)
def test_every_shipped_mapping_on_every_xml_file(mapping_path: Path, xml_path: Path) -> None:
    mapping = load_mapping(mapping_path)
    both_ways(xml_path, mapping.source, mapping.source_columns)


def test_each_shipped_mapping_reads_its_sample() -> None:
    """Not only errors: each mapping's own sample gives rows, with values in every column
    some record has."""
    read = 0
    for mapping_path in XML_MAPPINGS:
        mapping = load_mapping(mapping_path)
        for xml_path in sorted((ROOT / "samples").glob("*.xml")):
            frame = both_ways(xml_path, mapping.source, mapping.source_columns)
            if isinstance(frame, pl.DataFrame):
                read += 1
                assert frame.height > 0
                assert frame.select(pl.col(mapping.source_columns[0]).is_not_null().any()).item()
    assert read >= len(XML_MAPPINGS)


@pytest.mark.parametrize(
    ("text", "record", "namespaces", "paths"),
    [
        (
            test_xml_source.FEED,
            "/catalog/items/item",
            {"g": G},
            ["@id", "name", "g:price[@currency='EUR']", "g:price", "cat"],
        ),
        (test_xml_source.FEED, "//item", {"g": G}, ["@id", "name", "cat"]),
        (test_records_in_pieces.XML_FEED, "/feed/item", {}, ["@id", "price"]),
        (
            test_catalog_vocabulary.GOOGLE_XML,
            "/rss/channel/item",
            {"g": G},
            [
                "g:id",
                "title",
                "(g:title | title)[1]",
                "g:additional_image_link",
                "g:product_type",
                "g:size",
            ],
        ),
    ],
    ids=["catalog", "catalog-anywhere", "records-in-pieces", "google"],
)
def test_the_tests_fixtures(
    tmp_path: Path, text: str, record: str, namespaces: dict[str, str], paths: list[str]
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(text, encoding="utf-8")
    source = SourceOptions(format="xml", record=record, namespaces=namespaces)
    frame = both_ways(feed, source, paths)
    assert isinstance(frame, pl.DataFrame) and frame.height > 0


DOC = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:g="{G}" xmlns:h="urn:other">
  <item id="1" g:code="G1" empty="">
    <title>Plain</title>
    <summary>With <b>bold</b> and <i>more <u>nested</u></i> tail</summary>
    <description>before <![CDATA[<p>cdata & co</p>]]> after</description>
    <g:title>Google title</g:title>
    <price currency="EUR">1.50</price><price currency="USD">2.00</price>
    <price currency="EUR">3.50</price>
    <stock warehouse="main" zone="a">5</stock><stock warehouse="main">6</stock>
    <blank/><blank></blank>
    <box><size length="10" width="20"/><size length="11"/><weight unit="kg">2</weight></box>
    <box><size length="12" width="22"/></box>
    <h:title>other namespace</h:title>
    <tags><tag id="31"/><tag id="32">named</tag></tags>
  </item>
  <item id="2">
    <g:title>Only google</g:title>
    <summary/>
    <box/>
  </item>
  <item>
    <title>   spaced   </title>
    <g:title>second alternative first</g:title>
    <title>ignored</title>
    <tags><tag/></tags>
  </item>
  <item xmlns="urn:default" id="4"><title>in the default namespace</title></item>
</feed>
"""

EXPECTED: dict[str, list[str | None]] = {
    "@id": ["1", "2", None, "4"],
    "@empty": ["", None, None, None],
    "@g:code": ["G1", None, None, None],
    "title": ["Plain", None, f"   spaced   {VALUE_SEPARATOR}ignored", None],
    "summary": ["With bold and more nested tail", "", None, None],
    "description": ["before <p>cdata & co</p> after", None, None, None],
    "g:title": ["Google title", "Only google", "second alternative first", None],
    "h:title": ["other namespace", None, None, None],
    "price": [f"1.50{VALUE_SEPARATOR}2.00{VALUE_SEPARATOR}3.50", None, None, None],
    "price[@currency='EUR']": [f"1.50{VALUE_SEPARATOR}3.50", None, None, None],
    'price[@currency="USD"]': ["2.00", None, None, None],
    "price[ @currency = 'GBP' ]": [None, None, None, None],
    "stock[@warehouse='main'][@zone]": ["5", None, None, None],
    "stock[@zone]": ["5", None, None, None],
    "blank": [f"{VALUE_SEPARATOR}", None, None, None],
    "box/size/@length": [f"10{VALUE_SEPARATOR}11{VALUE_SEPARATOR}12", None, None, None],
    "box/size/@width": [f"20{VALUE_SEPARATOR}22", None, None, None],
    "box/weight[@unit='kg']": ["2", None, None, None],
    "box": [f"2{VALUE_SEPARATOR}", "", None, None],
    "tags/tag/@id": [f"31{VALUE_SEPARATOR}32", None, None, None],
    "tags/tag": [f"{VALUE_SEPARATOR}named", None, "", None],
    "(g:title | title)[1]": ["Plain", "Only google", "   spaced   ", None],
    "(title | g:title)[1]": ["Plain", "Only google", "   spaced   ", None],
    " ( g:title|title ) [ 1 ] ": ["Plain", "Only google", "   spaced   ", None],
    "title | g:title": [
        f"Plain{VALUE_SEPARATOR}Google title",
        "Only google",
        f"   spaced   {VALUE_SEPARATOR}second alternative first{VALUE_SEPARATOR}ignored",
        None,
    ],
    "(box/size/@length | box)[1]": ["2", "", None, None],
    "@id | title": [f"1{VALUE_SEPARATOR}Plain", "2", f"   spaced   {VALUE_SEPARATOR}ignored", "4"],
    "box/@missing | box/weight": ["2", None, None, None],
    "h:title | title": [
        f"Plain{VALUE_SEPARATOR}other namespace",
        None,
        f"   spaced   {VALUE_SEPARATOR}ignored",
        None,
    ],
}
"""What each path the walker follows gives on :data:`DOC` — written out, not computed, so
the test shows the semantics (XPath agrees; both are checked)."""

XPATH_ONLY = [
    "count(price)",
    "string(title)",
    "title[1]",
    "title[last()]",
    "price[. = '2.00']",
    "title/text()",
    "*",
    ".",
    "./title",
    "box//@length",
    "../@generated",
    "following-sibling::item[1]/@id",
    "tags/tag[2]",
    "@*",
    "price[@currency='EUR' or @currency='USD']",
    "price[@currency!='EUR']",
    "stock[@warehouse='main'] | stock",
    "box/size/@length | box/size/@width",
    "price[@currency='EUR']/@currency | price/@currency",
    "boolean(g:title)",
    "normalize-space(title)",
    "(title | g:title)",
    "(title)[2]",
    "box/size/a/b/c/d/e/f/g",
]
"""Paths the walker leaves to XPath (functions, axes, positions, wildcards, unions it could
not keep in order): they must still read as XPath reads them."""


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.xml"
    path.write_text(DOC, encoding="utf-8")
    return path


def options(record: str = "/feed/item") -> SourceOptions:
    return SourceOptions(format="xml", record=record, namespaces={"g": G, "h": "urn:other"})


@pytest.mark.parametrize("field_path", sorted(EXPECTED))
def test_each_path_form_the_walker_follows(doc: Path, field_path: str) -> None:
    assert compile_path(field_path, options().namespaces) is not None
    frame = both_ways(doc, options(), [field_path])
    assert isinstance(frame, pl.DataFrame)
    # The fourth item is in a default namespace: not an unprefixed "item", so not a record.
    assert frame[field_path].to_list() == EXPECTED[field_path][:3]


def test_all_paths_at_once_share_one_walk(doc: Path) -> None:
    paths = sorted(EXPECTED)
    frame = both_ways(doc, options(), paths)
    assert isinstance(frame, pl.DataFrame)
    assert frame["_line"].to_list() == [1, 2, 3]
    assert frame["_source_line"].to_list() == [3, 17, 22]
    for field_path in paths:
        assert frame[field_path].to_list() == EXPECTED[field_path][:3], field_path


def test_the_default_namespace_record(doc: Path) -> None:
    """Names in a default namespace need a prefix in the mapping, in both ways of reading."""
    source = SourceOptions(
        format="xml", record="/feed/d:item", namespaces={"d": "urn:default", "g": G}
    )
    frame = both_ways(doc, source, ["@id", "d:title", "title"])
    assert isinstance(frame, pl.DataFrame)
    assert frame.row(0) == (1, 28, "4", "in the default namespace", None)


@pytest.mark.parametrize("field_path", XPATH_ONLY)
def test_paths_left_to_xpath_read_as_before(doc: Path, field_path: str) -> None:
    assert compile_path(field_path, options().namespaces) is None
    both_ways(doc, options(), [field_path, "title", "@id"])


def test_undeclared_prefix_is_xpaths_error() -> None:
    """An undeclared prefix is not guessed: XPath reports it (the mapping loader's check)."""
    assert compile_path("x:title", {}) is None
    assert compile_path("title[@x:lang='de']", {}) is None


def test_a_record_path_matching_nested_records(tmp_path: Path) -> None:
    """``//item`` with items inside items: the inner record is read first and released with
    what came before it (the outer's first ``<name>``), the same way for both."""
    feed = tmp_path / "nested.xml"
    feed.write_text(
        '<r><item id="outer"><name>o</name><item id="inner"><name>i</name></item>'
        "<name>o2</name></item></r>",
        encoding="utf-8",
    )
    frame = both_ways(feed, options("//item"), ["@id", "name", "item", "item/@id"])
    assert isinstance(frame, pl.DataFrame)
    assert frame["@id"].to_list() == ["inner", "outer"]
    assert frame["name"].to_list() == ["i", "o2"]
    assert frame["item"].to_list() == [None, ""]


def test_mapping_text_is_data_in_the_written_walk(tmp_path: Path) -> None:
    """Names and literals reach the generated walk as constants: quotes, backslashes, braces
    and code-like text in a literal are compared as written, nothing of them is run."""
    value = "it's \\n {x} ''' ; import os"
    feed = tmp_path / "tricky.xml"
    feed.write_text(
        f'<r><i><p k="{value}">yes</p><p k="other">no</p><a-b.c_d>dashes</a-b.c_d></i></r>',
        encoding="utf-8",
    )
    literal = f'p[@k="{value}"]'
    assert compile_path(literal, {}) is not None
    frame = both_ways(feed, SourceOptions(format="xml", record="/r/i"), [literal, "a-b.c_d"])
    assert isinstance(frame, pl.DataFrame)
    assert frame.row(0)[2:] == ("yes", "dashes")


def test_a_wide_mapping(tmp_path: Path) -> None:
    """Hundreds of columns make one written function as well as a few do."""
    width = 300
    feed = tmp_path / "wide.xml"
    cells = "".join(f'<c{n} a="{n}">{n}</c{n}>' for n in range(width))
    feed.write_text(f"<r><i>{cells}</i><i/></r>", encoding="utf-8")
    paths = [f"c{n}" if n % 2 else f"c{n}/@a" for n in range(width)]
    frame = both_ways(feed, SourceOptions(format="xml", record="/r/i"), paths)
    assert isinstance(frame, pl.DataFrame)
    assert list(frame.row(0)[2:]) == [str(n) for n in range(width)]
    assert list(frame.row(1)[2:]) == [None] * width
