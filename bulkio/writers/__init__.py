"""File writers for exports: CSV, XLSX, XML, Parquet and JSON lines, all written atomically.

Each writer takes a temporary path, the export mapping (columns and output options) and an
iterable of :class:`~bulkio.export.rows.Row`, writes the file and returns the number of rows.
:func:`write_rows` puts one of them behind :func:`~bulkio.writers.atomic.atomic_output`.

Only the CSV writer is imported with the package: the others pull in polars (Parquet, JSON
lines), xlsxwriter and lxml, which a CSV export never uses and every command start would pay
for; :data:`WRITERS` imports each of them when a file of its format is written.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

from bulkio.errors import UsageError
from bulkio.export.mapping import FORMATS, ExportMapping
from bulkio.export.rows import Row
from bulkio.writers.atomic import atomic_output, check_writable
from bulkio.writers.csv import EncodingProblem, write_csv

Writer = Callable[[Path, ExportMapping, Iterable[Row]], int]


def _imported_when_used(module: str, name: str) -> Writer:
    """The writer ``module.name``, its module imported on the first file it writes."""

    def write(path: Path, mapping: ExportMapping, rows: Iterable[Row]) -> int:
        writer: Writer = getattr(importlib.import_module(module), name)
        return writer(path, mapping, rows)

    write.__name__ = write.__qualname__ = name
    write.__doc__ = f"{module}.{name}, imported when first used."
    return write


WRITERS: dict[str, Writer] = {
    "csv": write_csv,
    "xlsx": _imported_when_used("bulkio.writers.xlsx", "write_xlsx"),
    "xml": _imported_when_used("bulkio.writers.xml", "write_xml"),
    "parquet": _imported_when_used("bulkio.writers.columnar", "write_parquet"),
    "jsonl": _imported_when_used("bulkio.writers.columnar", "write_jsonl"),
}

_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xml": "xml",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def choose_format(output: str | Path, explicit: str | None, mapping_default: str | None) -> str:
    """``--format`` wins, then the output file's extension, then the mapping's ``format``."""
    if explicit:
        if explicit not in FORMATS:
            raise UsageError(f"--format {explicit!r} is not one of: {', '.join(FORMATS)}")
        return explicit
    suffix = Path(output).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if mapping_default:
        return mapping_default
    raise UsageError(
        f"{output}: cannot tell the format from the extension {suffix or '(none)'}",
        hint="name the file .csv/.xlsx/.xml/.parquet/.jsonl or pass --format",
    )


def write_rows(
    target: str | Path, fmt: str, mapping: ExportMapping, rows: Iterable[Row], *, overwrite: bool
) -> int:
    """Write ``rows`` to ``target`` in ``fmt``; the file appears only when complete."""
    writer = WRITERS[fmt]
    with atomic_output(target, overwrite=overwrite) as temp_path:
        return writer(temp_path, mapping, rows)


__all__ = [
    "WRITERS",
    "EncodingProblem",
    "atomic_output",
    "check_writable",
    "choose_format",
    "write_rows",
]
