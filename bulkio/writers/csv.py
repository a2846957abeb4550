"""CSV as accounting software reads it: delimiter, quoting, line endings, encoding, decimal comma.

Written by hand rather than with the ``csv`` module so that each option maps to one obvious
piece of code, numbers can be left unquoted in ``quoting = "text"`` mode while being formatted
with a decimal comma, and an unencodable character is reported with its order and column.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bulkio.errors import BulkioError
from bulkio.export.mapping import ExportMapping
from bulkio.export.rows import Row, format_text
from bulkio.writers.cells import neutralise

_BOM = "\ufeff".encode()


class EncodingProblem(BulkioError):
    """A character the chosen output encoding cannot represent (``unencodable = "error"``)."""


def write_csv(path: Path, mapping: ExportMapping, rows: Iterable[Row]) -> int:
    output = mapping.output
    columns = mapping.columns
    delimiter = output.delimiter
    ending = output.line_ending
    specials = (delimiter, '"', "\n", "\r")
    encoding = "utf-8" if output.encoding == "utf-8-sig" else output.encoding
    errors = "replace" if output.unencodable == "replace" else "strict"
    quote_all = output.quoting == "all"
    quote_text = output.quoting == "text"

    def quote(text: str, is_text: bool) -> str:
        if quote_all or (quote_text and is_text) or any(ch in text for ch in specials):
            return '"' + text.replace('"', '""') + '"'
        return text

    count = 0
    with open(path, "wb") as handle:
        if output.encoding == "utf-8-sig":
            handle.write(_BOM)
        if output.header:
            line = delimiter.join(quote(column.header, True) for column in columns) + ending
            handle.write(_encode(line, encoding, errors, None, None))
        buffer: list[bytes] = []
        for row in rows:
            fields = []
            for column, value in zip(columns, row.cells, strict=True):
                if isinstance(value, str):
                    fields.append(quote(neutralise(value), True))
                else:
                    fields.append(quote(format_text(value, column, output), value is None))
            buffer.append(_encode(delimiter.join(fields) + ending, encoding, errors, row, mapping))
            count += 1
            if len(buffer) >= 512:
                handle.write(b"".join(buffer))
                buffer.clear()
        handle.write(b"".join(buffer))
    return count


def _encode(
    line: str, encoding: str, errors: str, row: Row | None, mapping: ExportMapping | None
) -> bytes:
    try:
        return line.encode(encoding, errors)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        where = "the header row"
        if row is not None and mapping is not None:
            record = "product" if mapping.resource == "products" else "order"
            where = f"{record} id {row.order_id}"
            for column, value in zip(mapping.columns, row.cells, strict=True):
                if isinstance(value, str) and bad in value:
                    where += f", column {column.header!r}"
                    break
        raise EncodingProblem(
            f"{where}: the character {bad!r} (U+{ord(bad[0]):04X}) cannot be written in {encoding}",
            hint='use encoding = "utf-8-sig" (Excel reads it), or unencodable = "replace" '
            "to write '?' instead",
        ) from None
