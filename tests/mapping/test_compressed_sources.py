"""Gzip-compressed feeds are read as they are, with the same line numbers and errors."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from bulkio.errors import InputError
from bulkio.mapping.model import SourceOptions
from bulkio.sources.csv import read_csv
from bulkio.sources.xml import read_xml


def test_gzip_csv(write: Callable[..., Path]) -> None:
    data = gzip.compress('sku;name\nA;"x\ny"\nB;Größe\n'.encode("cp1252"))
    source = read_csv(write("feed.csv.gz", data), SourceOptions(delimiter=";", encoding="cp1252"))
    assert source.frame["name"].to_list() == ["x\ny", "Größe"]
    assert source.frame["_line"].to_list() == [2, 4]


def test_gzip_detected_by_content_not_name(write: Callable[..., Path]) -> None:
    path = write("feed.csv", gzip.compress(b"sku\nA\n"))
    assert read_csv(path, SourceOptions()).frame["sku"].to_list() == ["A"]


def test_gzip_xml(write: Callable[..., Path]) -> None:
    path = write("feed.xml.gz", gzip.compress(b'<r>\n<p id="1"/>\n<p id="2"/>\n</r>'))
    frame = read_xml(path, SourceOptions(format="xml", record="/r/p"), ["@id"]).frame
    assert frame["@id"].to_list() == ["1", "2"]
    assert frame["_source_line"].to_list() == [2, 3]


def test_gzip_xml_with_entities_is_refused(write: Callable[..., Path]) -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r><p id="&a;"/></r>'
    with pytest.raises(InputError, match="entities"):
        read_xml(
            write("f.xml.gz", gzip.compress(xml)),
            SourceOptions(format="xml", record="/r/p"),
            ["@id"],
        )


def test_truncated_gzip(write: Callable[..., Path]) -> None:
    data = gzip.compress(b"sku\n" + b"A\n" * 10_000)[:-20]
    with pytest.raises(InputError, match="cannot decompress"):
        read_csv(write("f.csv.gz", data), SourceOptions())


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        read_csv(tmp_path, SourceOptions())
