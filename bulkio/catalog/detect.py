"""Tell a catalog feed (WooCommerce's product CSV layout) from a flat product feed.

``bulkio import`` hands such files to the catalog import: a flat import would write variation
rows as products of their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bulkio.catalog import wcformat as wc
from bulkio.sources import read_source

CATALOG_MARKERS = (wc.PARENT, wc.SKU)


def is_catalog_feed(mapping: Any, path: str | Path) -> bool:
    """True for a CSV whose header has WooCommerce's ``Parent`` and ``SKU`` columns (``Type``
    is optional: rows naming a Parent are variations) while the mapping itself reads neither
    ``Type`` nor ``Parent``."""
    if mapping.source.format != "csv":
        return False
    header = set(read_source(path, mapping.source, max_rows=1).columns)
    used = {column.casefold() for column in mapping.source_columns}
    return all(m in header for m in CATALOG_MARKERS) and not {"type", "parent"} & used
