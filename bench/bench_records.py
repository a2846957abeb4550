"""How long building records takes for a large supplier CSV / XML feed.

    .venv/bin/python bench/bench_records.py [ROWS]

Writes a synthetic feed (semicolons, decimal commas, a quoted multi-line cell every 100 rows,
a bad row every 1,000) into a temp dir and times load + read + transform + validate.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bulkio.mapping import load_mapping
from bulkio.records import build_records

MAPPING = """
[source]
delimiter = ";"
decimal = ","
thousands = "."
encoding = "cp1252"
[fields]
sku = "SKU"
name = "Name"
description = { template = "{Name} von {Brand}" }
regular_price = "Price"
sale_price = { column = "Sale", empty = "clear" }
stock_quantity = "Qty"
weight = "Weight"
status = { column = "Active", map = { "1" = "publish", "0" = "draft" } }
categories = { column = "Cats", split = "|" }
"meta:ean" = "EAN"
[[filters]]
column = "State"
equals = "old"
"""

XML_MAPPING = """
[source]
format = "xml"
record = "/catalog/item"
[fields]
sku = "@id"
name = "name"
regular_price = "price"
stock_quantity = "stock"
tags = "tags/tag/@id"
"""


def write_csv(path: Path, rows: int) -> None:
    lines = ["SKU;Name;Brand;Price;Sale;Qty;Weight;Active;Cats;EAN;State"]
    for i in range(rows):
        name = f'"Artikel {i}\nzweite Zeile"' if i % 100 == 0 else f"Artikel Größe {i}"
        price = "abc" if i % 1000 == 999 else f"{1 + i % 999}.{i % 1000:03d},{i % 100:02d}"
        lines.append(
            f"SUP-{i};{name};Brämer;{price};;{i % 50};{i % 7},5;{i % 2};{i % 9 + 1}|12;"
            f"00{i};{'old' if i % 500 == 0 else 'new'}"
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def write_xml(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("<catalog>\n")
        for i in range(rows):
            out.write(
                f'<item id="SUP-{i}"><name>Artikel {i}</name><price>{i % 300}.50</price>'
                f'<stock>{i % 40}</stock><tags><tag id="{i % 5 + 1}"/><tag id="9"/></tags></item>\n'
            )
        out.write("</catalog>\n")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for kind, mapping_text, writer, name in (
            ("csv", MAPPING, write_csv, "feed.csv"),
            ("xml", XML_MAPPING, write_xml, "feed.xml"),
        ):
            (base / f"{kind}.toml").write_text(mapping_text, encoding="utf-8")
            writer(base / name, rows)
            size = (base / name).stat().st_size / 1e6
            mapping = load_mapping(base / f"{kind}.toml")
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                records = build_records(mapping, base / name)
                best = min(best, time.perf_counter() - started)
            print(
                f"{kind}: {rows:,} rows ({size:.1f} MB) → {records.frame.height:,} accepted, "
                f"{len(records.rejected_lines):,} rejected, {records.skipped:,} skipped "
                f"in {best:.2f} s (best of 3)"
            )


if __name__ == "__main__":
    main()
