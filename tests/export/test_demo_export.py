"""`bulkio demo` ends with the order export: three files, readable, with every order."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner
from lxml import etree

from bulkio.cli import main
from bulkio.cli.demo import DEMO_ORDERS


def test_demo_exports_the_orders_to_three_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(main, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "6. Export the orders" in result.output
    [out_dir] = list(tmp_path.glob("bulkio-demo-export-*"))
    assert str(out_dir) in result.output
    accounting = pl.read_csv(out_dir / "accounting.csv", separator=";", infer_schema=False)
    assert accounting.height == DEMO_ORDERS
    warehouse = openpyxl.load_workbook(out_dir / "warehouse.xlsx").active
    assert warehouse.max_row - 1 >= DEMO_ORDERS
    orders = etree.parse(str(out_dir / "orders.xml")).getroot().findall("order")
    assert len(orders) == DEMO_ORDERS and all(o.findall("item") for o in orders)
