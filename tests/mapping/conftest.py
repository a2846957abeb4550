"""Helpers for the mapping tests: write a mapping and a source file into tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bulkio.mapping import Mapping, load_mapping
from bulkio.records import RecordSet, build_records

CSV_HEAD = """
[source]
delimiter = ";"
decimal = ","
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write(name, text_or_bytes, encoding="utf-8") → path inside tmp_path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


@pytest.fixture
def run(write: Callable[..., Path]) -> Callable[[str, str | bytes], RecordSet]:
    """run(mapping_toml, csv_text) → RecordSet, for short end-to-end checks."""

    def _run(mapping_text: str, source: str | bytes, source_name: str = "feed.csv") -> RecordSet:
        mapping = load_mapping(write("mapping.toml", mapping_text))
        return build_records(mapping, write(source_name, source))

    return _run


@pytest.fixture
def mapping_from(write: Callable[..., Path]) -> Callable[[str], Mapping]:
    def _load(text: str) -> Mapping:
        return load_mapping(write("mapping.toml", text))

    return _load
