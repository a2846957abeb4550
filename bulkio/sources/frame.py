"""The shape every source reader returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

LINE = "_line"
"""Column holding the 1-based physical file line (CSV) or record number (XML) of each row."""

SOURCE_LINE = "_source_line"
"""XML only: the file line where the record element starts (for messages)."""


@dataclass(frozen=True)
class SourceFrame:
    """Rows of a source file as text.

    ``frame`` has ``_line`` (Int64) and one column per source column: ``String`` for CSV
    (named by the header), ``List(String)`` for XML (named by the field path; a path can
    match several elements). XML frames also carry ``_source_line``.
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
