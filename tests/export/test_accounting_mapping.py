"""Issue 14 #15: the shipped accounting mapping labels every order status WooCommerce has and
writes the order number as a number in XLSX (text cells there sort and sum wrong)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bulkio.export import RowBuilder, load_export_mapping
from bulkio.writers import write_rows
from tests.export.orders import make_order

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTING = ROOT / "mappings" / "export-accounting.toml"
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed")


def _status_column(mapping_path: Path) -> dict[str, str]:
    mapping = load_export_mapping(mapping_path)
    (status,) = [c for c in mapping.columns if c.header == "Status"]
    assert status.map is not None
    return {str(k): str(v) for k, v in status.map.items()}


def test_every_order_status_has_a_label() -> None:
    labels = _status_column(ACCOUNTING)
    assert set(STATUSES) <= set(labels)
    assert labels["failed"] == "fehlgeschlagen"


@pytest.mark.parametrize("status", STATUSES)
def test_the_order_number_is_a_number_in_xlsx(tmp_path: Path, status: str) -> None:
    mapping = load_export_mapping(ACCOUNTING)
    target = tmp_path / "accounting.xlsx"
    order = make_order(number="1042", status=status)
    write_rows(target, "xlsx", mapping, RowBuilder(mapping).rows([order]), overwrite=False)
    sheet = openpyxl.load_workbook(target).active
    headers = [cell.value for cell in sheet[1]]
    number = sheet.cell(row=2, column=headers.index("Belegnummer") + 1)
    assert number.value == 1042 and number.data_type == "n"
    shown = sheet.cell(row=2, column=headers.index("Status") + 1).value
    assert shown == _status_column(ACCOUNTING)[status]
