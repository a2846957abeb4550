"""Every text cell of a WooCommerce-layout product export is formula-safe, the SKU too
(issue 14, item 4: ``=S0`` was written raw beside a neutralised name), and the export still
imports back to the same SKUs and numbers."""

from __future__ import annotations

import csv
from pathlib import Path

from bulkio.catalog.run import import_catalog
from bulkio.export.products import export_products
from bulkio.sandbox import Sandbox
from tests.catalog.helpers import MAPPING, client_for


def test_formula_like_skus_are_neutralised_and_import_back(tmp_path: Path) -> None:
    output = tmp_path / "products.csv"
    with Sandbox() as source:
        source.create_product({"name": "=cmd|' /C calc'!A0", "sku": "=S0", "regular_price": "5"})
        source.create_product(
            {
                "name": "Plain",
                "sku": "-7",
                "regular_price": "3",
                "manage_stock": True,
                "stock_quantity": 2,
                "upsell_ids": [],
            }
        )
        with client_for(source) as client:
            export_products(client, output)
    with open(output, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_name = {row["Name"]: row for row in rows}
    formula = by_name["'=cmd|' /C calc'!A0"]
    assert formula["SKU"] == "'=S0"
    assert by_name["Plain"]["SKU"] == "-7" and by_name["Plain"]["Stock"] == "2"
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "@")), (column, cell)

    with Sandbox() as target, client_for(target) as client:
        run = import_catalog(client, MAPPING, output)
        assert not run.plan.rejected, run.plan.rejected
        assert target.product_by_sku("=S0") is not None
        assert target.product_by_sku("-7") is not None
