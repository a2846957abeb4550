"""The records of every shipped import mapping's sample, and of two generated feeds, are exactly
the records frozen in ``tests/mapping/golden/`` (canonical frame, rejected rows with their
messages, warnings, counts).

The golden files were written by the records stage as it was before it was rewritten for
speed (issue 15: every per-cell transform as a polars expression over whole columns), and read
through by hand; a change of behaviour or wording shows here as a diff. Regenerate only for an
intended change, and review the diff:

    BULKIO_WRITE_GOLDEN=1 .venv/bin/python -m pytest -q tests/mapping/test_records_golden.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from bulkio.mapping import Mapping, load_mapping
from bulkio.records import RecordSet, build_records
from bulkio.shipped import sample_path, shipped_mappings

GOLDEN = Path(__file__).parent / "golden"
WRITE = os.environ.get("BULKIO_WRITE_GOLDEN") == "1"
SAMPLE_NAME = re.compile(r"samples/([\w.-]+\w)")


def _shipped_cases() -> list[tuple[str, Path, Path]]:
    cases = []
    for mapping in shipped_mappings():
        if mapping.kind != "import":
            continue
        header = "\n".join(
            line
            for line in mapping.path.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")
        )
        if not isinstance(load_mapping(mapping.path), Mapping):
            continue  # record kinds (customers, coupons, orders) read their rows elsewhere
        for name in dict.fromkeys(SAMPLE_NAME.findall(header)):
            cases.append((f"{mapping.name}__{name}", mapping.path, sample_path(name)))
    return cases


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def snapshot(records: RecordSet) -> dict[str, Any]:
    """Everything the records stage hands on, as JSON-able data (dtypes included)."""
    frame = records.frame
    result: dict[str, Any] = {
        "total": records.total,
        "skipped": records.skipped,
        "unit": records.unit,
        "fields": records.fields,
        "schema": {name: str(dtype) for name, dtype in frame.schema.items()},
        "rows": [[_plain(value) for value in row] for row in frame.iter_rows()],
        "rejected": [error.to_dict() for error in records.rejected],
        "rejected_text": [str(error) for error in records.rejected],
        "warnings": records.warnings,
    }
    if records.record_lines is not None:
        result["record_lines"] = [list(row) for row in records.record_lines.sort("_line").rows()]
    return result


def _compare(name: str, records: RecordSet, *, relative_to: Path | None = None) -> None:
    got = snapshot(records)
    if relative_to is not None:  # tmp paths differ per run: keep the file name only
        for error in got["rejected"]:
            error["file"] = Path(error["file"]).name
        got["rejected_text"] = [
            text.replace(str(relative_to) + os.sep, "") for text in got["rejected_text"]
        ]
    path = GOLDEN / f"{name}.json"
    if WRITE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    for key in expected:
        assert got[key] == expected[key], f"{name}: {key} differs from {path.name}"
    assert set(got) == set(expected)


@pytest.mark.parametrize(("name", "mapping", "sample"), _shipped_cases(), ids=lambda c: str(c))
def test_shipped_sample_records_are_unchanged(name: str, mapping: Path, sample: Path) -> None:
    records = build_records(load_mapping(mapping), sample)
    assert records.total > 0
    _compare(name, records, relative_to=sample.parent)


# --- generated feeds: the supplier shape at scale, and every cell kind's corner cases -----------


def supplier_feed(rows: int) -> bytes:
    """``bench/data.py``'s supplier CSV (cp1252, ``;``, decimal commas, thousands dots, a quoted
    two-line cell every 100 rows, discontinued rows, bad prices), plus repeated SKUs."""
    brands = ("Brämer Werkzeuge", "Grünwerk", "Hölzl & Söhne", "Kraftmann")
    lines = [
        "Artikelnr;Bezeichnung;Kurzbeschreibung;Preis;Aktionspreis;Bestand;Gewicht;Aktiv;EAN;"
        "Hersteller;Lieferstatus"
    ]
    for i in range(rows):
        if i % 100 == 0:
            summary = f'"Kompaktes Gerät Nr. {i}; inkl. Koffer\nzweite Zeile"'
        else:
            summary = f"Für Beton und Mauerwerk, Größe {i % 40}"
        euros = f"{1 + i % 1999:,}".replace(",", ".")
        price = "zwölf" if i % 1000 == 999 else f"{euros},{i % 100:02d}"
        sale = f"{i % 1999:,}".replace(",", ".") + ",00" if i % 4 == 0 else ""
        status = "ausgelaufen" if i % 500 == 250 else "lieferbar"
        sku = f"sup-{i - 7:07d}" if i % 301 == 300 else f"SUP-{i:07d}"  # a later repeat
        lines.append(
            f"{sku};Artikel {i} Größe {i % 13};{summary};{price};{sale};{i % 60};"
            f"{i % 9},{i % 100:02d};{i % 7 and 1};040{i:011d};{brands[i % 4]};{status}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def test_supplier_feed_records_are_unchanged(tmp_path: Path) -> None:
    feed = tmp_path / "supplier.csv"
    feed.write_bytes(supplier_feed(3_000))
    mapping = load_mapping(Path(__file__).parents[2] / "mappings" / "supplier-csv.toml")
    _compare("generated__supplier-3000", build_records(mapping, feed), relative_to=tmp_path)


CORNER_MAPPING = """
[source]
delimiter = ";"
{separators}
[fields]
sku = "SKU"
name = "Name"
description = { column = "Long", empty = "clear" }
short_description = { column = "Text", trim = false }
regular_price = { column = "Price", type = "money" }
sale_price = { column = "Sale", type = "money", empty = "clear" }
stock_quantity = { column = "Stock", type = "int" }
weight = { column = "Weight", type = "decimal" }
featured = { column = "Featured", type = "bool" }
status = { column = "Status", map = { "1" = "publish", "0" = "draft" } }
tax_status = { column = "Tax", map = { "x" = "none" }, default = "taxable" }
categories = { column = "Cats", split = "|", type = "int", empty = "clear" }
"meta:ean" = "EAN"
"meta:release" = { column = "Date", type = "date", format = "%d.%m.%Y" }
"meta:label" = { template = "{Name} / {EAN}" }
"meta:always" = { value = "fixed" }
"meta:nothing" = "Unused"
[[filters]]
column = "State"
equals = "gone"
"""

NUMBER_CELLS = [
    "1.234,56", "1234,56", "12.50", "1.23,4", "+5", "-0", "-0,00", "007", "0,10000",
    "0,12345", "-3", " 12,5 ", "", "  ", "1,", ",5", "1.234.567,8", "1e5", "abc", "1,2,3",
    "99999999999999999999", "2,5", "3,00", "-2", "- 2", "1 234", "0", "00,000", ".5", "5.",
    "12.345", "1.2345", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
]  # fmt: skip
TEXT_CELLS = ["Hut", "  Hut  ", "", " ", '"a;b"', '"zwei\nZeilen"', "Grüße €", '"x ""q"" y"']
BOOL_CELLS = ["yes", "No", "TRUE", "0", "1", "ja", "", " y "]
STATUS_CELLS = ["1", "0", "2", "publish", "Draft", "", "x"]
TAX_CELLS = ["x", "y", "", "shipping"]
CATS_CELLS = ["9|2|9", " 3 | 4 ", "", "|", "a|1", "0", "007|7", "-1"]
DATE_CELLS = ["31.12.2024", "2024-12-31", "", "32.01.2024", " 01.02.2023 "]
SKU_CELLS = ["A", "a", " B ", "", "A%41", "C  D", "x" * 101, "E<b>", "F"]
STATE_CELLS = ["new", "gone", " gone ", ""]


def corner_feed() -> str:
    """One row per corner cell of each column, the other cells of the row plain and valid;
    then rows that mix corners of several columns (deterministic)."""
    good = {
        "SKU": "K", "Name": "N", "Long": "L", "Text": "T", "Price": "1", "Sale": "",
        "Stock": "1", "Weight": "1", "Featured": "yes", "Status": "1", "Tax": "x",
        "Cats": "1", "EAN": "0001", "Date": "01.01.2024", "State": "new", "Unused": "",
    }  # fmt: skip
    corners = {
        "SKU": SKU_CELLS, "Name": TEXT_CELLS, "Long": TEXT_CELLS, "Text": TEXT_CELLS,
        "Price": NUMBER_CELLS, "Sale": NUMBER_CELLS, "Stock": NUMBER_CELLS,
        "Weight": NUMBER_CELLS, "Featured": BOOL_CELLS, "Status": STATUS_CELLS,
        "Tax": TAX_CELLS, "Cats": CATS_CELLS, "Date": DATE_CELLS, "State": STATE_CELLS,
    }  # fmt: skip
    rows: list[dict[str, str]] = []
    for column, cells in corners.items():
        for cell in cells:
            rows.append({**good, column: cell})
    for i in range(40):  # mixed rows: several corners at once
        row = {
            column: cells[(i * (k + 3)) % len(cells)]
            for k, (column, cells) in enumerate(corners.items())
        }
        rows.append({**good, **row})
    lines = [";".join(good)]
    for i, row in enumerate(rows):
        if row["SKU"] == "K":
            row["SKU"] = f"K{i}"
        elif row["SKU"].strip() and i % 3:
            row["SKU"] += str(i % 7)  # some repeat, some do not
        lines.append(
            ";".join(c if ";" not in c or c.startswith('"') else f'"{c}"' for c in row.values())
        )
    return "\n".join(lines) + "\n"


SEPARATORS = {
    "comma-dot": 'decimal = ","\nthousands = "."',
    "dot-comma": 'decimal = "."\nthousands = ","',
    "dot": 'decimal = "."',
}


@pytest.mark.parametrize("separators", list(SEPARATORS))
def test_corner_cells_records_are_unchanged(tmp_path: Path, separators: str) -> None:
    mapping_text = CORNER_MAPPING.replace("{separators}", SEPARATORS[separators])
    (tmp_path / "mapping.toml").write_text(mapping_text, encoding="utf-8")
    feed = tmp_path / "corners.csv"
    feed.write_text(corner_feed(), encoding="utf-8")
    records = build_records(load_mapping(tmp_path / "mapping.toml"), feed)
    # The corners must be exercised: accepted and rejected rows, and many error codes.
    assert records.frame.height > 5
    assert len({error.code for error in records.rejected}) >= 8
    _compare(f"generated__corners-{separators}", records, relative_to=tmp_path)
