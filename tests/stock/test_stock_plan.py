"""The stock plan as a pure function: desired rows + store state → updates and rejections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bulkio.errors import MappingError
from bulkio.mapping import load_mapping
from bulkio.plan import Plan
from bulkio.plan.stock_state import stock_state_frame
from bulkio.records import build_records
from bulkio.stock import build_stock_plan


def _item(id_: int, sku: str, **values: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": id_,
        "sku": sku,
        "type": "simple",
        "parent_id": 0,
        "manage_stock": True,
        "stock_quantity": 5,
        "stock_status": "instock",
        "backorders": "no",
        "date_modified_gmt": "2026-11-24T10:00:00",
    }
    item.update(values)
    return item


def _plan(
    tmp_path: Path, csv_text: str, fields: str, store: list[dict[str, Any]], target: str = ""
) -> Plan:
    mapping_path = tmp_path / "m.toml"
    mapping_path.write_text(
        f'[source]\ndelimiter = ";"\n[target]\nresource = "stock"\n{target}\n'
        f'[fields]\nsku = "sku"\n{fields}',
        encoding="utf-8",
    )
    feed = tmp_path / "f.csv"
    feed.write_text(csv_text, encoding="utf-8")
    mapping = load_mapping(mapping_path)
    return build_stock_plan(mapping, build_records(mapping, feed), stock_state_frame(store))


QTY = 'stock_quantity = { column = "qty", type = "int" }\n'


def test_summed_lines_become_one_update_on_the_first_line(tmp_path: Path) -> None:
    store = [_item(1, "A", stock_quantity=1), _item(2, "B")]
    plan = _plan(tmp_path, "sku;qty\nA;2\nB;5\na;3\n", QTY, store)
    assert [(u.line, u.sku, u.payload) for u in plan.updates] == [
        (2, "A", {"id": 1, "stock_quantity": 5})
    ]
    assert plan.updates[0].note == "sum of lines 2, 4"
    assert [(u.line, u.sku) for u in plan.unchanged] == [(3, "B")]
    assert plan.rejected == [] and plan.creates == []


def test_other_fields_of_summed_lines_must_agree(tmp_path: Path) -> None:
    fields = QTY + 'stock_status = "status"\n'
    plan = _plan(
        tmp_path,
        "sku;qty;status\nA;1;instock\nA;2;outofstock\n",
        fields,
        [_item(1, "A", manage_stock=False, stock_quantity=None)],
    )
    assert [(r.line, r.code) for r in plan.rejected] == [
        (2, "conflicting-duplicates"),
        (3, "conflicting-duplicates"),
    ]
    assert plan.updates == []


def test_stock_status_is_written_only_where_stock_is_not_managed(tmp_path: Path) -> None:
    fields = 'stock_status = "status"\n'
    store = [
        _item(1, "MANAGED", stock_status="instock"),
        _item(2, "LOOSE", manage_stock=False, stock_quantity=None, stock_status="instock"),
    ]
    plan = _plan(tmp_path, "sku;status\nMANAGED;outofstock\nLOOSE;outofstock\n", fields, store)
    # WooCommerce derives a managed item's status from its quantity: sending it is a no-op
    # that would show up as a change every night.
    assert [(u.sku, u.payload) for u in plan.updates] == [
        ("LOOSE", {"id": 2, "stock_status": "outofstock"})
    ]
    assert [u.sku for u in plan.unchanged] == ["MANAGED"]


def test_variation_updates_carry_their_parent(tmp_path: Path) -> None:
    store = [_item(11, "V-1", type="variation", parent_id=10, stock_quantity=1)]
    plan = _plan(tmp_path, "sku;qty\nV-1;4\n", QTY, store)
    assert [(u.id, u.parent_id, u.payload) for u in plan.updates] == [
        (11, 10, {"id": 11, "stock_quantity": 4})
    ]
    again = Plan.from_json(plan.to_json())
    assert again.updates[0].parent_id == 10 and again.resource == "stock"


def test_parent_managed_variation_and_repeated_store_skus_are_rejected(tmp_path: Path) -> None:
    store = [
        _item(11, "V-1", type="variation", parent_id=10, manage_stock="parent"),
        _item(12, "TWICE"),
        _item(13, "twice"),
    ]
    plan = _plan(tmp_path, "sku;qty\nV-1;4\nTWICE;1\nNEW;1\n", QTY, store)
    assert [(r.line, r.code) for r in plan.rejected] == [
        (2, "stock-not-managed"),
        (3, "duplicate_sku_in_store"),
        (4, "unknown-sku"),
    ]
    assert "parent product #10" in plan.rejected[0].message
    assert plan.updates == [] and plan.creates == []


def test_manage_stock_switched_on_by_the_feed_makes_the_quantity_valid(tmp_path: Path) -> None:
    fields = QTY + "manage_stock = { value = true }\n"
    store = [_item(1, "A", manage_stock=False, stock_quantity=None)]
    plan = _plan(tmp_path, "sku;qty\nA;7\n", fields, store)
    assert [c.field for c in plan.updates[0].changes] == ["manage_stock", "stock_quantity"]
    assert plan.updates[0].payload == {"id": 1, "manage_stock": True, "stock_quantity": 7}


def test_negative_quantity_uses_the_store_backorders_for_an_empty_cell(tmp_path: Path) -> None:
    fields = QTY + 'backorders = "bo"\n'
    store = [_item(1, "A", backorders="notify"), _item(2, "B"), _item(3, "C")]
    plan = _plan(tmp_path, "sku;qty;bo\nA;-1;\nB;-1;\nC;-1;yes\n", fields, store)
    assert [(r.line, r.code) for r in plan.rejected] == [(3, "negative-number")]
    assert [(u.sku, u.payload) for u in plan.updates] == [
        ("A", {"id": 1, "stock_quantity": -1}),
        ("C", {"id": 3, "backorders": "yes", "stock_quantity": -1}),
    ]


def test_negative_quantity_without_backorders_in_the_mapping_is_a_row_error(
    tmp_path: Path,
) -> None:
    plan = _plan(tmp_path, "sku;qty\nA;-1\n", QTY, [_item(1, "A", backorders="yes")])
    assert [(r.line, r.code) for r in plan.rejected] == [(2, "negative-number")]


@pytest.mark.parametrize(
    ("target", "fields", "key"),
    [
        ('duplicates = "add"', QTY, "target.duplicates"),
        ("", QTY + 'regular_price = "p"\n', "fields.regular_price"),
        ('missing = "delete"', QTY, "target.missing"),
    ],
)
def test_mapping_errors(tmp_path: Path, target: str, fields: str, key: str) -> None:
    with pytest.raises(MappingError) as caught:
        _plan(tmp_path, "sku;qty\nA;1\n", fields, [], target=target)
    assert key in str(caught.value)


def test_sum_is_only_for_stock_mappings(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[target]\nduplicates = "sum"\n[fields]\nsku = "sku"\n', encoding="utf-8")
    with pytest.raises(MappingError, match="only a stock mapping"):
        load_mapping(path)
