"""build_records reads a feed in pieces (CSV chunks, XML batches) and transforms each as it
arrives; the result must not depend on where the pieces are cut.

The readers' piece sizes are shrunk so a few rows span many pieces: duplicate SKUs whose
first line is in an earlier piece (and rejected for another reason), filters, a column empty
in every row, and the row checks all cross piece borders.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import bulkio.sources.csv
import bulkio.sources.xml
from bulkio.mapping import load_mapping
from bulkio.records import RecordSet, build_records, records_from_source
from bulkio.sources import iter_source, read_source

CSV_MAPPING = """
[source]
delimiter = ";"
decimal = ","
[fields]
sku = "SKU"
regular_price = "R"
sale_price = { column = "S", empty = "clear" }
[[filters]]
column = "State"
equals = "old"
"""

CSV_FEED = (
    "SKU;R;S;State\n"
    "A;x;;new\n"  # 2: invalid price, still the first line of SKU A
    "B;10;;new\n"  # 3
    "OLD;1;;old\n"  # 4: skipped by the filter
    ";5;;new\n"  # 5: missing SKU
    "C;10;;new\n"  # 6
    "a;7;;new\n"  # 7: duplicate of line 2 (case ignored)
    "b;y;;new\n"  # 8: duplicate of line 3 and an invalid price
    "D;10;;new\n"  # 9
    "A;8;;new\n"  # 10: duplicate of line 2
    "E;1;;new\n"  # 11
)

XML_MAPPING = """
[source]
format = "xml"
record = "/feed/item"
[fields]
sku = "@id"
regular_price = "price"
[target]
duplicates = "reject"
"""

XML_FEED = (
    "<feed>\n"
    + "".join(
        f'<item id="{sku}"><price>{price}</price></item>\n'
        for sku, price in [
            ("A", "x"),
            ("B", "10"),
            ("C", "10"),
            ("a", "7"),
            ("D", "10"),
            ("b", "1"),
            ("E", "2"),
        ]
    )
    + "</feed>\n"
)


def _summary(records: RecordSet) -> tuple[object, ...]:
    return (
        records.frame.rows(),
        records.frame.schema,
        [error.to_dict() for error in records.rejected],
        records.warnings,
        records.skipped,
        records.total,
        records.unit,
    )


@pytest.mark.parametrize("piece_rows", [1, 2, 3])
def test_csv_pieces_give_the_whole_file_result(
    piece_rows: int,
    monkeypatch: pytest.MonkeyPatch,
    write: Callable[..., Path],
) -> None:
    mapping = load_mapping(write("mapping.toml", CSV_MAPPING))
    feed = write("feed.csv", CSV_FEED)
    whole = records_from_source(mapping, read_source(feed, mapping.source))
    monkeypatch.setattr(bulkio.sources.csv, "CHUNK_ROWS", piece_rows)
    pieces = list(iter_source(feed, mapping.source))
    assert len(pieces) == -(-10 // piece_rows)  # 10 data rows, split into pieces
    in_pieces = build_records(mapping, feed)

    assert _summary(in_pieces) == _summary(whole)
    assert in_pieces.frame["sku"].to_list() == ["B", "C", "D", "E"]
    assert [(e.line, e.code) for e in in_pieces.rejected] == [
        (2, "invalid-number"),
        (5, "missing-sku"),
        (7, "duplicate-sku"),
        (8, "duplicate-sku"),
        (8, "invalid-number"),
        (10, "duplicate-sku"),
    ]
    assert "line 3" in in_pieces.rejected[3].message
    assert (in_pieces.skipped, in_pieces.total) == (1, 10)
    assert in_pieces.warnings == [
        "column 'S' (fields.sale_price) is empty in the 9 rows read "
        '(with empty = "clear", these rows clear sale_price)'
    ]


@pytest.mark.parametrize("piece_rows", [1, 3, 100])
def test_xml_batches_give_the_whole_file_result(
    piece_rows: int,
    monkeypatch: pytest.MonkeyPatch,
    write: Callable[..., Path],
) -> None:
    mapping = load_mapping(write("mapping.toml", XML_MAPPING))
    feed = write("feed.xml", XML_FEED)
    whole = records_from_source(mapping, read_source(feed, mapping.source, paths=["@id", "price"]))
    monkeypatch.setattr(bulkio.sources.xml, "BATCH_ROWS", piece_rows)
    in_pieces = build_records(mapping, feed)

    assert _summary(in_pieces) == _summary(whole)
    assert in_pieces.frame["sku"].to_list() == ["B", "C", "D", "E"]
    assert [(e.line, e.code) for e in in_pieces.rejected] == [
        (1, "invalid-number"),
        (4, "duplicate-sku"),
        (6, "duplicate-sku"),
    ]
    duplicate = in_pieces.rejected[1]
    assert duplicate.unit == "record"
    assert "line 1" in duplicate.message and "record starts on line 5" in duplicate.message


def test_summed_stock_keeps_repeats_across_pieces(
    monkeypatch: pytest.MonkeyPatch, write: Callable[..., Path]
) -> None:
    mapping = load_mapping(
        write(
            "mapping.toml",
            '[source]\ndelimiter = ";"\n[target]\nresource = "stock"\nduplicates = "sum"\n'
            '[fields]\nsku = "SKU"\nstock_quantity = "Q"\n',
        )
    )
    monkeypatch.setattr(bulkio.sources.csv, "CHUNK_ROWS", 1)
    records = build_records(mapping, write("feed.csv", "SKU;Q\nA;1\nB;2\nA;3\nb;x\n"))
    assert records.frame.rows() == [(2, "A", 1), (3, "B", 2), (4, "A", 3)]
    assert [(e.line, e.code) for e in records.rejected] == [(5, "invalid-number")]
