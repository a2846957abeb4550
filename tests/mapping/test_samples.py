"""The shipped samples and mappings: what the README and the demo promise about them."""

from __future__ import annotations

from pathlib import Path

from bulkio.mapping import load_mapping
from bulkio.records import build_records

ROOT = Path(__file__).resolve().parents[2]


def test_supplier_csv_sample() -> None:
    mapping = load_mapping(ROOT / "mappings" / "supplier-csv.toml")
    records = build_records(mapping, ROOT / "samples" / "supplier-products.csv")
    assert records.total == 30 and records.skipped == 1
    rejected = {(e.line, e.sku, e.code) for e in records.rejected}
    assert rejected == {
        (23, "SUP-1021", "invalid-number"),
        (24, "SUP-1022", "sale-above-regular"),
        (25, None, "missing-sku"),
        (26, "SUP-1005", "duplicate-sku"),
        (27, "SUP-1025", "negative-number"),
        (28, "SUP-1026", "not-an-integer"),
    }
    rows = dict(records.iter_rows())
    assert len(rows) == 23
    assert rows[5]["short_description"].startswith("Pendelhub in 4 Stufen,")  # type: ignore[union-attr]
    assert rows[15]["regular_price"] == "1299.00"  # thousands dot + decimal comma
    assert rows[29]["meta:ean"] == "00012345"  # leading zeros kept
    assert "stock_quantity" not in rows[10]  # empty stock cell: leave the store's value
    assert rows[12]["status"] == "draft"
    skus = [values["sku"] for values in rows.values()]
    assert all(str(sku).startswith("SUP-1") for sku in skus)


def test_supplier_xml_sample() -> None:
    mapping = load_mapping(ROOT / "mappings" / "supplier-xml.toml")
    records = build_records(mapping, ROOT / "samples" / "supplier-feed.xml")
    assert records.total == 10
    assert {(e.line, e.code) for e in records.rejected} == {
        (5, "sale-above-regular"),
        (6, "invalid-number"),
        (7, "not-an-integer"),
        (8, "missing-sku"),
    }
    rows = dict(records.iter_rows())
    assert rows[1]["dimensions.length"] == "21"
    assert rows[1]["description"] == (
        "<p>Geschmiedete Klingen, <strong>rutschfester</strong> Griff.</p>"
    )
    assert rows[3]["status"] == "draft"
    assert rows[9]["regular_price"] == "1299.00"
