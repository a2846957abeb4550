"""The shape every source reader returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

LINE = "_line"
"""Column holding the 1-based physical file line (CSV) or record number (XML) of each row."""

SOURCE_LINE = "_source_line"
"""XML only: the file line where the record element starts (for messages)."""

RowsRead = Callable[[int], None]
"""A progress hook: called with the number of rows (records) read so far, once per chunk of
rows (never per row: a million-row file costs a few dozen calls), and once at the end."""


@dataclass(frozen=True)
class SourceFrame:
    """Rows of a source file as text.

    ``frame`` has ``_line`` (Int64) and one ``String`` column per source column: named by the
    header for CSV, by the field path for XML (where a path that matched several elements
    holds them joined by ``bulkio.sources.xml.VALUE_SEPARATOR``, and null when it matched
    none). XML frames also carry ``_source_line``.
    """

    frame: pl.DataFrame
    path: str
    columns: list[str]
    """CSV: the header as written. XML: the field paths that were extracted."""
    format: Literal["csv", "xml"]

    @property
    def row_label(self) -> str:
        """How a row is located in messages: "line" (CSV) or "record" (XML)."""
        return "line" if self.format == "csv" else "record"
