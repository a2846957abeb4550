"""What the XML reader does for Google's feeds: the g: namespace in RSS, Atom's default
namespace, repeated elements in order, CDATA, and the first of two alternative elements."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkio.errors import InputError
from bulkio.mapping.model import SourceOptions
from bulkio.sources.xml import VALUE_SEPARATOR, read_xml
from tests.feeds.conftest import SAMPLES

G = "http://base.google.com/ns/1.0"
ATOM = "http://www.w3.org/2005/Atom"


def column(path: Path, record: str, namespaces: dict[str, str], field: str) -> list[str | None]:
    options = SourceOptions(format="xml", record=record, namespaces=namespaces)
    values: list[str | None] = read_xml(path, options, [field]).frame[field].to_list()
    return values


def test_rss_repeated_elements_keep_their_order() -> None:
    links = column(
        SAMPLES / "google-merchant.xml", "/rss/channel/item", {"g": G}, "g:additional_image_link"
    )
    assert links[0] is not None
    assert links[0].split(VALUE_SEPARATOR) == [
        "https://shop.example.com/media/oxford-white-back.jpg",
        "https://shop.example.com/media/oxford-collar.jpg",
    ]
    assert links[-1] is None  # an item without one: an empty cell


def test_rss_price_is_the_items_own_not_the_nested_shipping_price() -> None:
    prices = column(SAMPLES / "google-merchant.xml", "/rss/channel/item", {"g": G}, "g:price")
    assert prices[0] == "49.95 EUR" and prices[28] == "24.99 USD"
    assert VALUE_SEPARATOR not in "".join(p or "" for p in prices)


def test_cdata_markup_comes_through_as_written(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        f'<rss xmlns:g="{G}"><channel><item><g:id>A</g:id><description>\n  '
        "<![CDATA[<p>Zwei & drei <b>fett</b></p>]]>\n</description></item></channel></rss>",
        encoding="utf-8",
    )
    text = column(feed, "/rss/channel/item", {"g": G}, "description")[0]
    assert text is not None and text.strip() == "<p>Zwei & drei <b>fett</b></p>"


def test_the_first_of_two_alternative_elements() -> None:
    names = column(
        SAMPLES / "google-merchant.xml", "/rss/channel/item", {"g": G}, "(g:title | title)[1]"
    )
    assert names[0] == "Classic Oxford Shirt"  # <title>
    assert names[21] == "Enamel Mug 350 ml"  # <g:title>
    assert all(name and VALUE_SEPARATOR not in name for name in names)


def test_atom_default_namespace_with_a_declared_prefix() -> None:
    namespaces = {"g": G, "atom": ATOM}
    path = SAMPLES / "google-merchant-atom.xml"
    titles = column(path, "/atom:feed/atom:entry", namespaces, "(g:title | atom:title)[1]")
    assert titles == ["Piqué Polo Shirt"] * 4 + ["Baseball Cap", "Steel Bottle 750 ml"]
    # Without the prefix, "title" means an element in no namespace: none in an Atom entry.
    assert column(path, "/atom:feed/atom:entry", namespaces, "title") == [None] * 6


def test_atom_without_a_prefix_is_told_what_to_declare() -> None:
    with pytest.raises(InputError) as caught:
        column(SAMPLES / "google-merchant-atom.xml", "/feed/entry", {"g": G}, "g:id")
    message = str(caught.value)
    assert f'atom = "{ATOM}"' in message
    assert 'record = "/atom:feed/atom:entry"' in message
    assert "/atom:feed/atom:entry/g:id" in message  # the file's paths, written with it


def test_a_prefix_already_taken_is_not_suggested(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text('<feed xmlns="urn:other"><entry/></feed>', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        column(feed, "//entry", {"ns": "urn:taken"}, "@id")
    assert 'nsx = "urn:other"' in str(caught.value)
    assert 'record = "//nsx:entry"' in str(caught.value)


def test_a_prefix_the_file_binds_to_another_namespace_is_named(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<rss xmlns:g="http://base.google.com/ns/2.0">\n<channel>\n'
        "<item><g:id>A</g:id></item></channel></rss>",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        column(feed, "/rss/channel/item", {"g": G}, "g:id")
    message = str(caught.value)
    assert "feed.xml:3" in message and "'http://base.google.com/ns/2.0'" in message
    assert 'g = "http://base.google.com/ns/2.0"' in message  # the hint: what to write


def test_the_same_namespace_under_another_prefix_is_fine(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        f'<rss xmlns:google="{G}" xmlns:g="urn:other"><channel>'
        "<item><google:id>A</google:id></item></channel></rss>",
        encoding="utf-8",
    )
    assert column(feed, "/rss/channel/item", {"g": G}, "g:id") == ["A"]
