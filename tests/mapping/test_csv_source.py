"""CSV reading: encodings, quoting, physical line numbers, header rules, broken files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bulkio.errors import InputError, MappingError
from bulkio.mapping.model import SourceOptions
from bulkio.records import RecordSet
from bulkio.sources.csv import read_csv

SEMI = SourceOptions(delimiter=";")


def test_text_stays_text_and_lines_are_physical(write: Callable[..., Path]) -> None:
    path = write(
        "f.csv",
        'sku;ean;note\n00123;0042;"two\nlines"\nB;7;"three\r\nphysical\nlines"\nC;8;x\n',
    )
    source = read_csv(path, SEMI)
    frame = source.frame
    assert frame["sku"].to_list() == ["00123", "B", "C"]
    assert frame["ean"].to_list() == ["0042", "7", "8"]
    assert frame["_line"].to_list() == [2, 4, 7]
    assert frame["note"][0] == "two\nlines"
    assert source.columns == ["sku", "ean", "note"]


def test_blank_lines_are_skipped_but_counted(write: Callable[..., Path]) -> None:
    path = write("f.csv", "sku;name\n\nA;x\n\n\nB;y\n")
    assert read_csv(path, SEMI).frame["_line"].to_list() == [3, 6]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeffsku;name\nA;Größe\n".encode(), "utf-8"),
        ("\ufeffsku;name\nA;Größe\n".encode(), "cp1252"),  # a BOM wins: the file is UTF-8
        ("sku;name\nA;Größe\n".encode(), "utf-8"),
        ("sku;name\nA;Größe\n".encode("cp1252"), "cp1252"),
        ("sku;name\nA;Größe\n".encode("latin-1"), "latin-1"),
        ("sku;name\nA;Größe\n".encode("utf-16"), "utf-16"),
    ],
)
def test_encodings(write: Callable[..., Path], data: bytes, encoding: str) -> None:
    source = read_csv(write("f.csv", data), SourceOptions(delimiter=";", encoding=encoding))
    assert source.columns == ["sku", "name"]  # no BOM glued to the first header
    assert source.frame["name"].to_list() == ["Größe"]


def test_undecodable_byte_names_its_line(write: Callable[..., Path]) -> None:
    data = b"sku;name\nA;ok\nB;" + "Größe".encode("cp1252") + b"\n"
    with pytest.raises(InputError) as caught:
        read_csv(write("f.csv", data), SEMI)
    assert caught.value.line == 3
    assert "f.csv:3" in str(caught.value)
    assert "cp1252" in str(caught.value)  # the hint says what to try


def test_cp1252_undefined_byte(write: Callable[..., Path]) -> None:
    data = b"sku;name\nA;\x81\n"
    with pytest.raises(InputError) as caught:
        read_csv(write("f.csv", data), SourceOptions(delimiter=";", encoding="cp1252"))
    assert caught.value.line == 2


def test_delimiter_and_quote_char(write: Callable[..., Path]) -> None:
    path = write("f.csv", "sku|name\nA|'x|y'\nB|'it''s'\n")
    source = read_csv(path, SourceOptions(delimiter="|", quote="'"))
    assert source.frame["name"].to_list() == ["x|y", "it's"]


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        ("", 1, "empty"),
        ("   \n\n", 1, "empty"),
        ("sku;name\n", 1, "no rows"),
        ("sku;name\nA;x;extra\n", 2, "3 fields"),
        ("sku;name\nA;x\nB\n", 3, "1 fields"),
        ("sku;name;sku\nA;x;y\n", 1, "twice"),
        ("sku;;x\nA;b;c\n", 1, "empty"),
        ('sku;name\nA;"never closed\nB;x\n', 2, "never closed"),
        ("sku;name\nA;x\x00y\n", 2, "NUL"),
        ('sku;name\nA;"x"y\n', 2, "quoting"),
    ],
)
def test_broken_files_name_file_and_line(
    write: Callable[..., Path], content: str, line: int, words: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_csv(write("broken.csv", content), SEMI)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{caught.value.path}:{line}: ")
    assert "broken.csv" in caught.value.path
    assert words in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_csv(tmp_path / "nope.csv", SEMI)


def test_max_rows_stops_early(write: Callable[..., Path]) -> None:
    body = "sku\n" + "".join(f"S{i}\n" for i in range(100))
    assert read_csv(write("f.csv", body), SEMI, max_rows=3).frame["sku"].to_list() == [
        "S0",
        "S1",
        "S2",
    ]


HEADER_MAPPING = """
[source]
delimiter = ";"
header_case = "{case}"
[fields]
sku = "ArtikelNr"
name = "Name"
"""


def test_header_case_insensitive(run: Callable[..., RecordSet]) -> None:
    records = run(HEADER_MAPPING.format(case="insensitive"), "ARTIKELNR;name\nA;x\n")
    assert records.frame["sku"].to_list() == ["A"]


def test_header_case_exact_names_key_column_and_file(run: Callable[..., RecordSet]) -> None:
    with pytest.raises(MappingError) as caught:
        run(HEADER_MAPPING.format(case="exact"), "ARTIKELNR;Name\nA;x\n")
    error = caught.value
    assert error.key == "fields.sku.column"
    message = str(error)
    assert "mapping.toml" in message and "feed.csv" in message
    assert "'ArtikelNr'" in message and "'ARTIKELNR'" in message  # lists what the file has
    assert 'header_case = "insensitive"' in message


def test_missing_column_suggests_close_name(run: Callable[..., RecordSet]) -> None:
    with pytest.raises(MappingError) as caught:
        run(HEADER_MAPPING.format(case="exact"), "ArtikelNr;Nmae\nA;x\n")
    assert caught.value.key == "fields.name.column"
    assert "did you mean 'Nmae'" in str(caught.value)


def test_insensitive_header_that_is_ambiguous(run: Callable[..., RecordSet]) -> None:
    with pytest.raises(MappingError, match="when case is ignored"):
        run(HEADER_MAPPING.format(case="insensitive"), "artikelnr;ARTIKELNR;Name\nA;B;x\n")


def test_chunks_are_joined_in_order(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bulkio.sources.csv as csv_source

    monkeypatch.setattr(csv_source, "CHUNK_ROWS", 4)
    body = "sku;n\n" + "".join(f'S{i};"a\nb"\n' if i == 5 else f"S{i};x\n" for i in range(10))
    frame = read_csv(write("f.csv", body), SEMI).frame
    assert frame["sku"].to_list() == [f"S{i}" for i in range(10)]
    assert frame["_line"].to_list() == [2, 3, 4, 5, 6, 7, 9, 10, 11, 12]


def test_trailing_delimiters_are_tolerated(write: Callable[..., Path]) -> None:
    source = read_csv(write("f.csv", "sku;name;\nA;x;\nB;y\nC;z; \n"), SEMI)
    assert source.columns == ["sku", "name"]
    assert source.frame["name"].to_list() == ["x", "y", "z"]


def test_extra_field_with_content_is_still_an_error(write: Callable[..., Path]) -> None:
    with pytest.raises(InputError) as caught:
        read_csv(write("f.csv", "sku;name\nA;x;shifted\n"), SEMI)
    assert caught.value.line == 2


def test_long_cells_are_read(write: Callable[..., Path]) -> None:
    description = "<p>" + "x" * 300_000 + "</p>"
    source = read_csv(write("f.csv", f'sku;d\nA;"{description}"\n'), SEMI)
    assert source.frame["d"][0] == description


def test_excel_sep_line(write: Callable[..., Path]) -> None:
    source = read_csv(write("f.csv", 'sep=;\r\nsku;name\r\nA;"x\r\ny"\r\nB;z\r\n'), SEMI)
    assert source.columns == ["sku", "name"]
    assert source.frame["_line"].to_list() == [3, 5]
    with pytest.raises(InputError, match="declares sep=,") as caught:
        read_csv(write("g.csv", "sep=,\nsku,name\nA,x\n"), SEMI)
    assert caught.value.line == 1


@pytest.mark.parametrize(
    "data",
    [
        "sku;name\nA;Größe €\n".encode(),
        "\ufeffsku;name\nA;Größe €\n".encode(),
        "sku;name\nA;Größe €\n".encode("cp1252"),
        "sku;name\nA;Größe €\n".encode("utf-16"),
    ],
)
def test_auto_encoding(write: Callable[..., Path], data: bytes) -> None:
    source = read_csv(write("f.csv", data), SourceOptions(delimiter=";", encoding="auto"))
    assert source.columns == ["sku", "name"]
    assert source.frame["name"].to_list() == ["Größe €"]


def test_header_unicode_normalisation(run: Callable[..., RecordSet]) -> None:
    import unicodedata

    header = unicodedata.normalize("NFD", "Größe")
    assert header != "Größe"
    records = run('[fields]\nsku = "SKU"\n"meta:size" = "Größe"\n', f"SKU,{header}\nA,XL\n")
    assert records.frame["meta:size"].to_list() == ["XL"]
