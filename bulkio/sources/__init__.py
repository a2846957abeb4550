"""Source readers: CSV and XML files → polars frames of text with line / record numbers.

Readers know nothing about WooCommerce; they only promise faithful text and coordinates
(see :class:`~bulkio.sources.frame.SourceFrame`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bulkio.mapping.model import SourceOptions
from bulkio.sources.frame import LINE, SOURCE_LINE, RowsRead, SourceFrame


def read_source(
    path: str | Path,
    options: SourceOptions,
    *,
    paths: list[str] | None = None,
    max_rows: int | None = None,
    progress: RowsRead | None = None,
) -> SourceFrame:
    """Read a source file as the mapping's ``[source]`` describes.

    ``paths`` are the XML field paths to extract (ignored for CSV, which keeps every column);
    ``max_rows`` stops early (previews); ``progress`` hears the rows read so far, per chunk.
    """
    if options.format == "xml":
        from bulkio.sources.xml import read_xml

        return read_xml(path, options, paths or [], max_rows=max_rows, progress=progress)
    from bulkio.sources.csv import read_csv

    return read_csv(path, options, max_rows=max_rows, progress=progress)


def iter_source(
    path: str | Path,
    options: SourceOptions,
    *,
    paths: list[str] | None = None,
    max_rows: int | None = None,
    progress: RowsRead | None = None,
) -> Iterator[SourceFrame]:
    """:func:`read_source` in pieces (CSV chunks, XML batches), in file order.

    Every piece has the same columns; together they are exactly the frame :func:`read_source`
    returns. At least one piece comes out, or InputError is raised.
    """
    if options.format == "xml":
        from bulkio.sources.xml import iter_xml

        return iter_xml(path, options, paths or [], max_rows=max_rows, progress=progress)
    from bulkio.sources.csv import iter_csv

    return iter_csv(path, options, max_rows=max_rows, progress=progress)


__all__ = ["LINE", "SOURCE_LINE", "RowsRead", "SourceFrame", "iter_source", "read_source"]
