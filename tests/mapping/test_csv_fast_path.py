"""The CSV reader's two paths give one result (bulkio.sources.csv).

The fast path (polars reads, a vectorised scan finds each record's file line) must give exactly
the frame of the careful path (the csv module, row by row) — and must step aside, to the careful
path and its errors, whenever a file is irregular.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkio.errors import InputError
from bulkio.mapping.model import SourceOptions
from bulkio.sources import csv as csv_source


def careful(path: Path, options: SourceOptions) -> pl.DataFrame:
    """The careful path: a preview bound (max_rows) always reads row by row."""
    chunks = csv_source.iter_csv(path, options, max_rows=10**9)
    return pl.concat([chunk.frame for chunk in chunks])


def fast(path: Path, options: SourceOptions) -> pl.DataFrame | None:
    text = csv_source.decode_bytes(path.read_bytes(), options.encoding, str(path))
    return csv_source._fast_frame(text, options, str(path), 0)


cell = st.text(alphabet=st.sampled_from(list('aZ09 ;,"\n\täöß€|')), min_size=0, max_size=10)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=12),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    blank_after=st.sets(st.integers(0, 11), max_size=3),
)
def test_regular_files_take_the_fast_path_and_match_the_careful_one(
    tmp_path: Path,
    rows: list[list[str]],
    delimiter: str,
    line_end: str,
    quoting: int,
    blank_after: set[int],
) -> None:
    rows = [[f"S{i}{row[0].strip()}", *row[1:]] for i, row in enumerate(rows)]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end, quoting=quoting)
    writer.writerow(["sku", "a", "b"])
    for number, row in enumerate(rows):
        writer.writerow(row)
        if number in blank_after:
            buffer.write(line_end)  # blank lines are skipped, and still counted as lines
    path = tmp_path / "f.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    options = SourceOptions(delimiter=delimiter, encoding="utf-8")
    frame = fast(path, options)
    assert frame is not None
    assert frame.equals(careful(path, options))
    assert csv_source.read_csv(path, options).frame.equals(frame)


@pytest.mark.parametrize(
    "text",
    [
        'sku;name\nA;12" Pizza\n',  # a quote inside an unquoted field: literal for csv
        "sku;name\rA;x\rB;y\r",  # old Mac line breaks
        "sku;name\n\nA;x\n",  # blank line before… no: after the header is fine, see below
        "sku\nA\n \nB\n",  # one column: blank lines and values look alike
        "\nsku;name\nA;x\n",  # a blank line before the header
        "sku;name\nA;x;y\n",  # a long row
        "sku;name\nA\n",  # a short row
        'sku;name\nA;"x"y\n',  # text after a closing quote
        'sku;name\nA;"never closed\n',
    ],
)
def test_irregular_files_go_the_careful_way(tmp_path: Path, text: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    options = SourceOptions(delimiter=";", encoding="utf-8")
    if text.startswith("sku;name\n\nA"):
        frame = fast(path, options)
        assert frame is not None and frame["_line"].to_list() == [3]
        return
    assert fast(path, options) is None
    try:
        expected: pl.DataFrame | str = careful(path, options)
    except InputError as error:
        expected = str(error)
    try:
        got: pl.DataFrame | str = csv_source.read_csv(path, options).frame
    except InputError as error:
        got = str(error)
    if isinstance(expected, str):
        assert got == expected
    else:
        assert isinstance(got, pl.DataFrame) and got.equals(expected)


def test_trailing_delimiters_and_excel_sep_line_keep_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b'sep=;\r\nsku;name;\r\nA;"two\r\nlines";\r\n\r\nB;b;\r\n')
    options = SourceOptions(delimiter=";", encoding="cp1252")
    frame = csv_source.read_csv(path, options).frame
    assert frame.rows() == [(3, "A", "two\r\nlines"), (6, "B", "b")]
    assert frame.equals(careful(path, options))


def test_chunks_and_progress_follow_the_module_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_source, "CHUNK_ROWS", 40)
    monkeypatch.setattr(csv_source, "PROGRESS_ROWS", 30)
    path = tmp_path / "f.csv"
    path.write_text("sku;name\n" + "".join(f"S{i};n{i}\n" for i in range(100)))
    seen: list[int] = []
    chunks = list(csv_source.iter_csv(path, SourceOptions(delimiter=";"), progress=seen.append))
    assert [chunk.frame.height for chunk in chunks] == [40, 40, 20]
    assert seen == [30, 60, 90, 100]
    assert chunks[2].frame["_line"].to_list()[-1] == 101


def test_cp1252_text_that_is_valid_utf8_by_chance_is_read_as_declared(tmp_path: Path) -> None:
    """ "ß€" in cp1252 (DF 80) is also valid UTF-8 (U+07C0); no Western text in that reading."""
    path = tmp_path / "f.csv"
    path.write_bytes("sku;name\nA;Maß€\n".encode("cp1252"))
    options = SourceOptions(delimiter=";", encoding="cp1252")
    assert csv_source.read_csv(path, options).frame["name"].to_list() == ["Maß€"]
    path.write_bytes("sku;name\nA;Größe M\n".encode())
    with pytest.raises(InputError, match="the file is UTF-8"):
        csv_source.read_csv(path, options)


@pytest.mark.parametrize("before", [0, 4094, 4095, 4096])
def test_utf8_read_as_cp1252_is_refused_wherever_its_first_accent_falls(
    tmp_path: Path, before: int
) -> None:
    """The UTF-8 check looks at a piece from the first non-ASCII byte on before decoding the
    whole file: a character cut at the piece's end, or an invalid byte far into the file,
    must not change the answer."""
    path = tmp_path / "f.csv"
    options = SourceOptions(delimiter=";", encoding="cp1252")
    filler = "x" * before
    path.write_bytes(f"sku;name\nA;ß{filler}Größe\n".encode())
    with pytest.raises(InputError, match="the file is UTF-8"):
        csv_source.read_csv(path, options)
    # valid UTF-8 for the first 4 KiB, then a cp1252 byte: not UTF-8, read as declared
    path.write_bytes(f"sku;name\nA;ß{filler}".encode() + b"x" * 5000 + "Maß\n".encode("cp1252"))
    assert csv_source.read_csv(path, options).frame["name"][0].startswith("ÃŸx")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("sku;name\nA;Größe\n".encode(), "utf-8"),
        ("\ufeffsku;name\nA;Größe\n".encode(), "cp1252"),  # a BOM: UTF-8 whatever is declared
        (b"sep=;\r\nsku;name\r\nA;plain\r\n", "utf-16"),  # ASCII, never UTF-16 here
        ("\ufeffsep=;\nsku;name\nA;€\n".encode(), "utf-8"),
        (b"sku;name\nA;plain\n", "auto"),
        ("sku;name\nA;Größe\n".encode("cp1252"), "auto"),
        ("sku;name\nA;Größe\n".encode("cp1252"), "cp1252"),
    ],
)
def test_bytes_that_already_are_the_utf8_text_give_the_same_frame(
    tmp_path: Path, data: bytes, encoding: str
) -> None:
    """The fast path takes the file's own bytes when they are the decoded text in UTF-8
    (ASCII, UTF-8): the frame is the one the decoded text gives."""
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    options = SourceOptions(delimiter=";", encoding=encoding)
    try:
        got: pl.DataFrame | str = csv_source.read_csv(path, options).frame
    except InputError as error:
        got = str(error)
    try:
        expected: pl.DataFrame | str = careful(path, options)
    except InputError as error:
        expected = str(error)
    if isinstance(expected, str):
        assert got == expected
    else:
        assert isinstance(got, pl.DataFrame) and got.equals(expected)
