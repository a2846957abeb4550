"""Parquet and JSON lines for data teams: typed columns, no locale formatting.

Formatting options meant for people (decimal comma, date format, CSV quoting) do not apply:
Parquet stores money as ``Decimal(18, decimals)``, dates as ``Date``/``Datetime`` (tagged UTC when
the mapping's time zone is UTC), integers as ``Int64``. JSON lines write money and numbers as
JSON numbers and dates as ISO 8601 text (``2026-11-25T14:05:00``, with ``Z`` in UTC).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from bulkio.export.mapping import Column, ExportMapping
from bulkio.export.rows import Row


def _dtype(column: Column, decimals: int, utc: bool, for_json: bool) -> Any:
    kind = column.type
    if kind == "money":
        if for_json:
            return pl.Float64
        return pl.Decimal(18, column.decimals if column.decimals is not None else decimals)
    if kind == "number":
        return pl.Float64
    if kind == "int":
        return pl.Int64
    if kind == "bool":
        return pl.Boolean
    if kind in ("date", "datetime"):
        if for_json:
            return pl.String
        if kind == "date":
            return pl.Date
        return pl.Datetime("us", "UTC" if utc else None)
    return pl.String


def _frame(mapping: ExportMapping, rows: Iterable[Row], for_json: bool) -> pl.DataFrame:
    columns = mapping.columns
    output = mapping.output
    utc = output.timezone == "UTC"
    values: list[list[object]] = [[] for _ in columns]
    for row in rows:
        for index, value in enumerate(row.cells):
            values[index].append(value)
    series = []
    for column, cells in zip(columns, values, strict=True):
        dtype = _dtype(column, output.decimals, utc, for_json)
        if column.type in ("date", "datetime"):
            cells = [_date_cell(v, column, utc, for_json) for v in cells]
        elif column.type in ("number",) or (for_json and column.type == "money"):
            cells = [float(v) if isinstance(v, Decimal) else v for v in cells]
        series.append(pl.Series(column.header, cells, dtype=dtype, strict=False))
    return pl.DataFrame(series)


def _date_cell(value: object, column: Column, utc: bool, for_json: bool) -> object:
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if utc else "") if for_json else value
    if isinstance(value, date):
        return value.isoformat() if for_json else value
    return value


def write_parquet(path: Path, mapping: ExportMapping, rows: Iterable[Row]) -> int:
    frame = _frame(mapping, rows, for_json=False)
    frame.write_parquet(path)
    return frame.height


def write_jsonl(path: Path, mapping: ExportMapping, rows: Iterable[Row]) -> int:
    frame = _frame(mapping, rows, for_json=True)
    frame.write_ndjson(path)
    return frame.height
