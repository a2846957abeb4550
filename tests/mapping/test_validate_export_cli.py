"""`bulkio mapping validate` on export mappings: checked with the export loader, columns listed,
errors exit 2 naming the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.export.mapping import load_export_mapping

ROOT = Path(__file__).resolve().parents[2]
EXPORT_MAPPINGS = sorted((ROOT / "mappings").glob("export-*.toml"))


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["mapping", "validate", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("path", EXPORT_MAPPINGS, ids=lambda p: p.name)
def test_shipped_export_mappings_are_valid_and_list_their_columns(path: Path) -> None:
    code, out, err = _invoke(str(path))
    assert code == 0, err
    mapping = load_export_mapping(path)
    assert f"mapping {path}: valid (export of {mapping.resource})" in out
    assert f"{len(mapping.columns)} columns:" in out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("    ")]
    assert listed == [column.header.split()[0] for column in mapping.columns]


def test_warehouse_columns_say_where_values_come_from() -> None:
    code, out, _ = _invoke(str(ROOT / "mappings" / "export-warehouse.toml"))
    assert code == 0
    assert "layout line_item" in out
    assert "quantity         ← line_items.quantity (int)" in out
    assert "ship_to_name     ← template {shipping.first_name} {shipping.last_name}" in out


def test_export_mapping_as_json() -> None:
    code, out, _ = _invoke(str(ROOT / "mappings" / "export-accounting.toml"), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["valid"] is True and data["kind"] == "export" and data["resource"] == "orders"
    tax = next(c for c in data["columns"] if c["header"] == "USt 19 %")
    assert tax["source"] == "tax" and tax["type"] == "money"


def test_broken_export_mapping_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    text = (ROOT / "mappings" / "export-warehouse.toml").read_text(encoding="utf-8")
    broken = tmp_path / "export-broken.toml"
    broken.write_text(
        text.replace('field = "line_items.quantity"', 'field = "line_items.quantiti"', 1),
        encoding="utf-8",
    )
    code, out, err = _invoke(str(broken))
    assert code == 2
    assert out == ""
    assert str(broken) in err and "columns[5].field" in err
    assert "quantiti" in err


def test_export_mapping_without_columns_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "export-empty.toml"
    broken.write_text('[output]\nlayout = "order"\n', encoding="utf-8")
    code, _, err = _invoke(str(broken))
    assert code == 2
    assert str(broken) in err and "columns" in err and "no columns" in err


def test_sample_with_an_export_mapping_is_a_usage_error() -> None:
    code, _, err = _invoke(
        str(ROOT / "mappings" / "export-warehouse.toml"),
        "--sample",
        str(ROOT / "samples" / "supplier-products.csv"),
    )
    assert code == 2
    assert "export mapping" in err and "--sample" in err


def test_import_mappings_still_go_to_the_import_loader(tmp_path: Path) -> None:
    broken = tmp_path / "import.toml"
    broken.write_text('[source]\nformat = "csv"\n[fields]\nsku = 3\n', encoding="utf-8")
    code, _, err = _invoke(str(broken))
    assert code == 2 and "fields.sku" in err
