"""XML exports, streamed with ``lxml.etree.xmlfile`` so memory stays flat for any size.

Layout: ``<root><record …>…</record>…</root>`` with element and attribute names from the mapping.
Columns with ``xml = "@name"`` become attributes of the record; the others child elements.
With ``layout = "line_item"`` the lines nest under their order::

    <orders>
      <order id="12"><number>12</number>
        <item><sku>A-1</sku><qty>2</qty></item>
        <item>…</item>
      </order>
    </orders>

Order-level columns go on the ``<order>``, line-level ones (``line.*``, ``line_items.*``, rows of
fees/shipping/… ) on each ``<item>``. Text is escaped by lxml; characters XML 1.0 cannot carry
(control characters) are dropped rather than producing a file no parser accepts. Values are
formatted like CSV cells (date format, decimal separator).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from bulkio.export.mapping import Column, ExportMapping, OutputOptions
from bulkio.export.rows import Row, format_text

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def write_xml(path: Path, mapping: ExportMapping, rows: Iterable[Row]) -> int:
    output = mapping.output
    columns = mapping.columns
    encoding = "utf-8" if output.encoding == "utf-8-sig" else output.encoding
    nested = output.layout == "line_item"
    line_cols = [i for i, c in enumerate(columns) if nested and c.line_scoped]
    order_cols = [i for i in range(len(columns)) if i not in line_cols]

    count = 0
    with open(path, "wb") as handle:
        if output.encoding == "utf-8-sig":
            handle.write("\ufeff".encode())
        with etree.xmlfile(handle, encoding=encoding) as xf:
            xf.write_declaration()
            with xf.element(output.xml.root):
                record: contextlib.ExitStack | None = None
                current_id: int | None = None
                for row in rows:
                    count += 1
                    if record is None or row.order_id != current_id:
                        if record is not None:
                            record.close()
                        record = contextlib.ExitStack()
                        attributes, children = _parts(row, order_cols, columns, output)
                        record.enter_context(xf.element(output.xml.record, attributes))
                        _children(xf, children)
                        current_id = row.order_id
                    if nested and row.line_kind is not None:
                        attributes, children = _parts(row, line_cols, columns, output)
                        with xf.element(output.xml.item, attributes):
                            _children(xf, children)
                    if not nested:
                        record.close()
                        record = None
                if record is not None:
                    record.close()
    return count


def _parts(
    row: Row, indexes: list[int], columns: tuple[Column, ...], output: OutputOptions
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    attributes: dict[str, str] = {}
    children: list[tuple[str, str]] = []
    for index in indexes:
        column = columns[index]
        text = _clean(format_text(row.cells[index], column, output))
        if column.xml_attribute:
            attributes[column.xml_name] = text
        else:
            children.append((column.xml_name, text))
    return attributes, children


def _children(xf: etree.xmlfile, children: list[tuple[str, str]]) -> None:
    for name, text in children:
        with xf.element(name):
            xf.write(text)
