"""The rows-read progress hook of build_records (what `bulkio import`'s bar listens to): called
with increasing counts, once per chunk of rows (not per row), and with the total at the end."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

import bulkio.sources.csv as csv_source
import bulkio.sources.xml as xml_source
from bulkio.cli.import_ import rows_read_hook
from bulkio.mapping import Mapping
from bulkio.records import build_records

CSV_MAPPING = """
[source]
delimiter = ";"
[fields]
sku = "SKU"
regular_price = { column = "Price", type = "money" }
"""
XML_MAPPING = """
[source]
format = "xml"
record = "/feed/item"
[fields]
sku = "@sku"
regular_price = { column = "price", type = "money" }
"""


def csv_text(rows: int, *, bad_every: int = 0) -> str:
    lines = ["SKU;Price"]
    for n in range(1, rows + 1):
        price = "oops" if bad_every and n % bad_every == 0 else f"{n}.50"
        lines.append(f"S-{n};{price}")
    return "\n".join(lines) + "\n"


def xml_text(rows: int) -> str:
    items = "".join(f'<item sku="S-{n}"><price>{n}.50</price></item>\n' for n in range(rows))
    return f"<feed>\n{items}</feed>\n"


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 100 rows keep the files small; the counting is the same as with 10,000."""
    monkeypatch.setattr(csv_source, "PROGRESS_ROWS", 100)
    monkeypatch.setattr(xml_source, "BATCH_ROWS", 100)


def _calls(
    mapping_from: Callable[[str], Mapping], mapping: str, feed: Path, **kwargs: object
) -> tuple[list[int], int]:
    seen: list[int] = []
    records = build_records(mapping_from(mapping), feed, progress=seen.append, **kwargs)  # type: ignore[arg-type]
    return seen, records.total


def test_csv_rows_are_reported_per_chunk_and_at_the_end(
    mapping_from: Callable[[str], Mapping], write: Callable[..., Path]
) -> None:
    seen, total = _calls(mapping_from, CSV_MAPPING, write("f.csv", csv_text(250, bad_every=7)))
    assert seen == [100, 200, 250]  # rejected rows are rows read too
    assert total == 250


def test_a_file_ending_on_a_chunk_boundary_is_reported_once(
    mapping_from: Callable[[str], Mapping], write: Callable[..., Path]
) -> None:
    seen, _ = _calls(mapping_from, CSV_MAPPING, write("f.csv", csv_text(300)))
    assert seen == [100, 200, 300]


def test_small_file_and_max_rows(
    mapping_from: Callable[[str], Mapping], write: Callable[..., Path]
) -> None:
    assert _calls(mapping_from, CSV_MAPPING, write("a.csv", csv_text(7)))[0] == [7]
    big = write("b.csv", csv_text(500))
    assert _calls(mapping_from, CSV_MAPPING, big, max_rows=150)[0] == [100, 150]


def test_gzip_csv_is_counted_the_same(
    mapping_from: Callable[[str], Mapping], write: Callable[..., Path]
) -> None:
    feed = write("f.csv.gz", gzip.compress(csv_text(120).encode()))
    assert _calls(mapping_from, CSV_MAPPING, feed)[0] == [100, 120]


def test_xml_records_are_reported_per_batch_and_at_the_end(
    mapping_from: Callable[[str], Mapping], write: Callable[..., Path]
) -> None:
    seen, total = _calls(mapping_from, XML_MAPPING, write("f.xml", xml_text(230)))
    assert seen == [100, 200, 230]
    assert total == 230


def test_without_a_hook_nothing_changes(
    mapping_from: Callable[[str], Mapping], write: Callable[..., Path]
) -> None:
    records = build_records(mapping_from(CSV_MAPPING), write("f.csv", csv_text(250)))
    assert records.total == records.frame.height == 250


def test_the_cli_turns_counts_into_bar_increments() -> None:
    steps: list[int] = []
    hook = rows_read_hook(steps.append)
    for rows_read in (100, 200, 200, 250):
        hook(rows_read)
    assert steps == [100, 100, 50]
    assert sum(steps) == 250
