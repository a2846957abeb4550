"""The sniffing behind `bulkio init`: encodings, delimiters, number styles, dates, XML records."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from bulkio.draft.sniff import (
    Column,
    sniff_csv,
    sniff_date_format,
    sniff_encoding,
    sniff_numbers,
    sniff_xml,
)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "Größe".encode(), "utf-8"),
        (codecs.BOM_UTF16_LE + "SKU".encode("utf-16-le"), "utf-16"),
        ("SKU;Name\nA;B\n".encode("utf-16-le"), "utf-16-le"),
        ("SKU;Name\nA;B\n".encode("utf-16-be"), "utf-16-be"),
        ("Gießkanne".encode(), "utf-8"),
        ("Gießkanne €".encode("cp1252"), "cp1252"),
        (b"caf\xe9 \x81", "latin-1"),  # 0x81 is not a cp1252 character
        (b"plain ascii", "utf-8"),
    ],
)
def test_encodings(data: bytes, encoding: str) -> None:
    assert sniff_encoding(data)[0] == encoding


def numbers(*values: str, delimiter: str = ",") -> tuple[str, str]:
    style = sniff_numbers([Column("x", list(values))], delimiter)
    return style.decimal, style.thousands


def test_number_styles() -> None:
    assert numbers("1.299,00", "12,50") == (",", ".")
    assert numbers("12,50", "3") == (",", "")
    assert numbers("1,299.00", "12.50") == (".", ",")
    assert numbers("12.50", "7") == (".", "")
    assert numbers("1 299,00") == (",", " ")
    assert numbers("1'299.50") == (".", "'")
    # 1.234 alone is either; a semicolon file is the European style, a comma file is not
    assert numbers("1.234", "5", delimiter=";") == (",", ".")
    assert numbers("1.234", "5", delimiter=",") == (".", "")
    assert numbers("19.99 EUR", "EUR 5.00") == (".", "")


def test_date_formats() -> None:
    assert sniff_date_format(["24.12.2026", "01.01.2027"]) == "%d.%m.%Y"
    assert sniff_date_format(["2026-12-24 13:05", "2027-01-01 00:00"]) == "%Y-%m-%d %H:%M"
    assert sniff_date_format(["12/24/2026"]) == "%m/%d/%Y"
    assert sniff_date_format(["05/04/2026"]) == "%d/%m/%Y"  # day first when both fit
    assert sniff_date_format(["24.12.2026", "soon"]) is None
    assert sniff_date_format(["12,50"]) is None


def test_csv_dialect_excel_sep_line_and_quoted_delimiters(tmp_path: Path) -> None:
    feed = tmp_path / "f.csv"
    feed.write_text('sep=|\nSKU|Name|Note\nA|"x|y"|1\nB|z|2\n', encoding="utf-8")
    sniff = sniff_csv(feed)
    assert sniff.delimiter == "|" and sniff.excel_sep_line
    assert sniff.header == ["SKU", "Name", "Note"]
    assert [c.values for c in sniff.columns][1] == ["x|y", "z"]
    tabbed = tmp_path / "t.txt"
    tabbed.write_text("SKU\tName, long\tPrice\nA\tB, c\t1.00\n", encoding="utf-8")
    assert sniff_csv(tabbed).delimiter == "\t"
    cased = tmp_path / "c.csv"
    cased.write_text("SKU,sku,Name\nA,a,B\n", encoding="utf-8")
    assert sniff_csv(cased).header_case == "exact"


def test_xml_records_namespaces_and_paths(tmp_path: Path) -> None:
    feed = tmp_path / "f.xml"
    feed.write_text(
        '<?xml version="1.0"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">'
        '<title>t</title><link rel="self" href="x"/><link rel="alt" href="y"/>'
        "<entry><g:id>A</g:id><g:price>1.00 EUR</g:price>"
        "<g:shipping><g:price>4.95 EUR</g:price></g:shipping></entry>"
        "<entry><g:id>B</g:id><g:price>2.00 EUR</g:price></entry></feed>",
        encoding="utf-8",
    )
    sniff = sniff_xml(feed)
    assert sniff.record == "/atom:feed/atom:entry"
    assert sniff.namespaces == {
        "atom": "http://www.w3.org/2005/Atom",
        "g": "http://base.google.com/ns/1.0",
    }
    names = [c.name for c in sniff.columns]
    assert names == ["g:id", "g:price", "g:shipping/g:price"]
    assert sniff.records == 2
