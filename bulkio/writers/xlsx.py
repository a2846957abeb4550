"""XLSX for people who open exports in Excel: real numbers and dates, bold frozen header.

Money and numbers are written as numbers with a number format (Excel shows them with the
reader's own decimal separator, so ``decimal_separator`` does not apply here), dates as dates
with a number format translated from the mapping's strftime pattern. Text is always written as
text (never parsed as a formula); text that *looks* like a formula additionally gets Excel's
"quote prefix" style, the spreadsheet-native form of the leading apostrophe, so editing the cell
in Excel does not turn it into a live formula either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from bulkio.errors import BulkioError
from bulkio.export.mapping import Column, ExportMapping
from bulkio.export.rows import Row
from bulkio.writers.cells import is_formula_like

_STRFTIME_TO_EXCEL = {
    "%Y": "yyyy",
    "%y": "yy",
    "%m": "mm",
    "%d": "dd",
    "%H": "hh",
    "%I": "hh",
    "%M": "mm",
    "%S": "ss",
    "%p": "AM/PM",
    "%b": "mmm",
    "%B": "mmmm",
    "%a": "ddd",
    "%A": "dddd",
    "%%": "%",
}
_EXCEL_MAX_STRING = 32767
EXCEL_MAX_ROWS = 1_048_576


def excel_date_format(strftime_format: str) -> str:
    """``%d.%m.%Y %H:%M`` → ``dd.mm.yyyy hh:mm`` (directives Excel lacks are dropped)."""
    parts = re.split(r"(%.)", strftime_format)
    out = []
    for part in parts:
        if part.startswith("%") and len(part) == 2:
            out.append(_STRFTIME_TO_EXCEL.get(part, ""))
        elif part:
            out.append('"' + part.replace('"', "") + '"' if re.search(r"[A-Za-z]", part) else part)
    return "".join(out)


def write_xlsx(path: Path, mapping: ExportMapping, rows: Iterable[Row]) -> int:
    output = mapping.output
    columns = mapping.columns
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        sheet = workbook.add_worksheet("Orders")
        header_format = workbook.add_format({"bold": True})
        quoted = workbook.add_format({"quote_prefix": True})
        formats: list[Any] = []
        widths: list[int] = []
        for column in columns:
            formats.append(
                _column_format(
                    workbook, column, output.decimals, output.date_format, output.datetime_format
                )
            )
            widths.append(max(8, min(50, len(column.header) + 2)))
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        first = 0
        if output.header:
            for index, column in enumerate(columns):
                sheet.write_string(0, index, column.header, header_format)
            sheet.freeze_panes(1, 0)
            first = 1
        count = 0
        for row_index, row in enumerate(rows, start=first):
            if row_index >= EXCEL_MAX_ROWS:
                # xlsxwriter would silently drop the rest: refuse instead.
                raise BulkioError(
                    f"more than {EXCEL_MAX_ROWS - first:,} rows do not fit in one XLSX sheet",
                    hint="export to CSV, Parquet or JSON lines, or narrow it (--after/--before)",
                )
            for index, value in enumerate(row.cells):
                _write_cell(sheet, row_index, index, value, formats[index], quoted)
            count += 1
        if output.header and count:
            sheet.autofilter(0, 0, count, len(columns) - 1)
    finally:
        workbook.close()
    return count


def _column_format(
    workbook: Any, column: Column, decimals: int, date_fmt: str, datetime_fmt: str
) -> Any:
    if column.type == "money":
        places = column.decimals if column.decimals is not None else decimals
        return workbook.add_format({"num_format": "#,##0" + ("." + "0" * places if places else "")})
    if column.type == "date":
        return workbook.add_format({"num_format": excel_date_format(column.format or date_fmt)})
    if column.type == "datetime":
        return workbook.add_format({"num_format": excel_date_format(column.format or datetime_fmt)})
    return None


def _write_cell(sheet: Any, row: int, col: int, value: object, fmt: Any, quoted: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), fmt)
    elif isinstance(value, int):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, fmt)
    else:
        text = str(value)[:_EXCEL_MAX_STRING]
        sheet.write_string(row, col, text, quoted if is_formula_like(text) else fmt)
