"""Property: whatever cells a CSV writer produces, the reader gives them back on the right line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkio.mapping.model import SourceOptions
from bulkio.sources.csv import read_csv

cell = st.text(alphabet=st.sampled_from(list("aZ09 ;,\"'\n\r\täöß€|")), min_size=0, max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=15),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_written_cells_come_back_with_their_start_lines(
    tmp_path: Path, rows: list[list[str]], delimiter: str, encoding: str, line_end: str
) -> None:
    # A row of only empty cells would be a blank line for a one-column file; give every row
    # a non-empty first cell (the SKU, in practice).
    rows = [[f"S{i}{row[0].strip()}", *row[1:]] for i, row in enumerate(rows)]
    if line_end == "\n":
        # csv.writer only quotes the characters of its own line terminator: a bare \r would
        # be written unquoted, which no reader can tell from a line break.
        rows = [[c.replace("\r", "") for c in row] for row in rows]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(["sku", "a", "b"])
    expected_lines = []
    line = 2
    for row in rows:
        expected_lines.append(line)
        before = buffer.tell()
        writer.writerow(row)
        written = buffer.getvalue()[before:]
        # physical lines this record spans: every \n, and every \r not followed by \n
        line += written.count("\n") + written.replace("\r\n", "").count("\r")
    path = tmp_path / f"p-{delimiter!r}-{encoding}.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    frame = read_csv(path, SourceOptions(delimiter=delimiter, encoding=encoding)).frame
    assert frame["_line"].to_list() == expected_lines
    assert frame.select(["sku", "a", "b"]).rows() == [tuple(row) for row in rows]
