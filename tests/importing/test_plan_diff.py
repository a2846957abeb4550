"""The diff on hand-built frames: normalisation, leave-vs-clear, owned fields only, trash."""

from __future__ import annotations

from typing import Any

import pytest

from bulkio.plan import FieldChange, Plan, build_plan, render_diff, render_summary
from bulkio.plan.state import owned_specs, state_frame
from tests.importing.helpers import FakeMapping, FakeRecords, FakeRowError, Target, desired

OWNED = [
    "sku",
    "name",
    "regular_price",
    "sale_price",
    "stock_quantity",
    "categories",
    "meta:supplier",
]


def store(products: list[dict[str, Any]], owned: list[str] = OWNED) -> Any:
    """State frame from raw store JSON, exactly as the fetch builds it."""
    full = []
    for i, product in enumerate(products):
        full.append(
            {
                "id": product.get("id", 100 + i),
                "status": "publish",
                "date_modified_gmt": "2026-01-01T00:00:00",
                **product,
            }
        )
    return state_frame(full, owned_specs(owned))


def plan_for(
    rows: list[dict[str, Any]], products: list[dict[str, Any]], owned: list[str] = OWNED, **kw: Any
) -> Plan:
    mapping = FakeMapping(owned, target=Target(**kw))
    return build_plan(mapping, FakeRecords(desired(owned, rows)), store(products, owned))


def test_money_is_compared_after_normalisation() -> None:
    plan = plan_for(
        [{"_line": 2, "sku": "A", "regular_price": "12.50"}],
        [{"sku": "A", "regular_price": "12.5"}],
    )
    assert plan.updates == []
    assert [(i.sku, i.id) for i in plan.unchanged] == [("A", 100)]


def test_a_real_price_change_is_an_update_with_only_that_field() -> None:
    plan = plan_for(
        [{"_line": 2, "sku": "A", "regular_price": "13.00", "name": "Same"}],
        [{"sku": "A", "regular_price": "12.5", "name": "Same", "description": "hand-written"}],
    )
    (item,) = plan.updates
    assert item.changes == [FieldChange("regular_price", "12.50", "13.00")]
    assert item.payload == {"id": 100, "regular_price": "13.00"}
    assert item.base_modified == "2026-01-01T00:00:00"
    assert item.line == 2


def test_null_means_leave_and_empty_means_clear() -> None:
    plan = plan_for(
        [
            {"_line": 2, "sku": "LEAVE", "sale_price": None},
            {"_line": 3, "sku": "CLEAR", "sale_price": ""},
            {"_line": 4, "sku": "NOOP", "sale_price": ""},
        ],
        [
            {"id": 1, "sku": "LEAVE", "sale_price": "5"},
            {"id": 2, "sku": "CLEAR", "sale_price": "5"},
            {"id": 3, "sku": "NOOP", "sale_price": None},
        ],
    )
    assert [i.sku for i in plan.unchanged] == ["LEAVE", "NOOP"]
    (item,) = plan.updates
    assert item.sku == "CLEAR"
    assert item.payload == {"id": 2, "sale_price": ""}


def test_stock_null_to_number_is_a_change() -> None:
    plan = plan_for(
        [{"_line": 2, "sku": "A", "stock_quantity": 0}],
        [{"sku": "A", "stock_quantity": None}],
    )
    assert plan.updates[0].changes == [FieldChange("stock_quantity", None, 0)]


def test_terms_are_sets_and_meta_is_by_key() -> None:
    plan = plan_for(
        [{"_line": 2, "sku": "A", "categories": [3, 1], "meta:supplier": "ACME"}],
        [
            {
                "sku": "A",
                "categories": [{"id": 1, "name": "x"}, {"id": 3}],
                "meta_data": [
                    {"id": 9, "key": "other", "value": "z"},
                    {"key": "supplier", "value": "ACME"},
                ],
            }
        ],
    )
    assert plan.updates == [] and len(plan.unchanged) == 1

    changed = plan_for(
        [{"_line": 2, "sku": "A", "categories": [3, 1, 4], "meta:supplier": "Globex"}],
        [{"sku": "A", "categories": [{"id": 1}, {"id": 3}], "meta_data": []}],
    )
    (item,) = changed.updates
    assert item.changes == [
        FieldChange("categories", (1, 3), (1, 3, 4)),
        FieldChange("meta:supplier", "", "Globex"),
    ]
    assert item.payload == {
        "id": 100,
        "categories": [{"id": 1}, {"id": 3}, {"id": 4}],
        "meta_data": [{"key": "supplier", "value": "Globex"}],
    }


def test_fields_the_mapping_does_not_own_are_never_compared() -> None:
    owned = ["sku", "regular_price"]
    plan = plan_for(
        [{"_line": 2, "sku": "A", "regular_price": "1.00"}],
        [{"sku": "A", "regular_price": "1", "name": "anything", "description": "x"}],
        owned,
    )
    assert plan.updates == [] and plan.owned_fields == owned


def test_creates_carry_every_non_null_value_and_keep_file_order() -> None:
    plan = plan_for(
        [
            {"_line": 5, "sku": "NEW2", "name": "Two", "regular_price": "2.00"},
            {"_line": 3, "sku": "NEW1", "name": "One", "stock_quantity": 7, "categories": [2]},
        ],
        [],
    )
    assert [i.sku for i in plan.creates] == ["NEW1", "NEW2"]
    assert plan.creates[0].payload == {
        "sku": "NEW1",
        "name": "One",
        "stock_quantity": 7,
        "categories": [{"id": 2}],
    }
    assert plan.creates[0].id is None


def test_rejected_rows_are_carried_with_their_coordinates() -> None:
    error = FakeRowError("feed.csv", 7, "B", "Price", "-3", "negative_price", "price below zero")
    mapping = FakeMapping(OWNED)
    records = FakeRecords(desired(OWNED, [{"_line": 2, "sku": "A", "name": "n"}]), [error])
    plan = build_plan(mapping, records, store([]))
    (rejection,) = plan.rejected
    assert (rejection.line, rejection.sku, rejection.column, rejection.value) == (
        7,
        "B",
        "Price",
        "-3",
    )
    assert plan.counts()["rejected"] == 1 and plan.counts()["create"] == 1


def trashed(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**p, "status": "trash"} for p in products]


def test_trashed_sku_is_restored_and_updated_by_default() -> None:
    plan = plan_for(
        [{"_line": 2, "sku": "T", "name": "Back", "regular_price": "9.00"}],
        trashed([{"id": 55, "sku": "T", "name": "Old", "regular_price": "9"}]),
    )
    assert plan.creates == []
    (item,) = plan.updates
    assert item.id == 55 and item.base_status == "trash"
    assert item.payload == {"id": 55, "status": "publish", "name": "Back"}
    (entry,) = plan.trashed
    assert (entry.sku, entry.trashed_id, entry.decision) == ("T", 55, "restore")


def test_trashed_sku_can_be_left_in_the_trash_and_a_new_product_created() -> None:
    plan = plan_for(
        [{"_line": 2, "sku": "T", "name": "New"}],
        trashed([{"id": 55, "sku": "T", "name": "Old"}]),
        on_trashed="create",
    )
    (item,) = plan.creates
    assert item.payload == {"sku": "T", "name": "New"} and "#55" in (item.note or "")
    assert plan.trashed[0].decision == "create"


def test_a_live_product_wins_over_a_trashed_one_with_the_same_sku() -> None:
    products = [
        {"id": 1, "sku": "S", "name": "Live"},
        *trashed([{"id": 2, "sku": "S", "name": "x"}]),
    ]
    plan = plan_for([{"_line": 2, "sku": "S", "name": "Live"}], products)
    assert [i.id for i in plan.unchanged] == [1] and plan.trashed == []


def test_a_sku_held_twice_in_the_store_is_rejected_not_guessed() -> None:
    plan = plan_for(
        [{"_line": 4, "sku": "D", "name": "x"}],
        [{"id": 1, "sku": "D", "name": "a"}, {"id": 2, "sku": "D", "name": "b"}],
    )
    assert plan.updates == [] and plan.creates == []
    (rejection,) = plan.rejected
    assert rejection.code == "duplicate_sku_in_store" and "#1, #2" in rejection.message


def test_json_round_trip_keeps_every_item() -> None:
    plan = plan_for(
        [
            {"_line": 2, "sku": "A", "regular_price": "13.00", "categories": [1, 2]},
            {"_line": 3, "sku": "N", "name": "New"},
            {"_line": 4, "sku": "U", "name": "Same"},
        ],
        [{"id": 7, "sku": "A", "regular_price": "12.5"}, {"id": 8, "sku": "U", "name": "Same"}],
    )
    again = Plan.from_json(plan.to_json())
    assert again.updates == plan.updates
    assert again.creates == plan.creates
    assert [(i.line, i.sku, i.id) for i in again.unchanged] == [(4, "U", 8)]
    assert again.counts() == plan.counts()


def test_from_json_refuses_other_documents() -> None:
    from bulkio.errors import InputError

    with pytest.raises(InputError, match="bulkio-plan/1"):
        Plan.from_json('{"format": "something-else"}', path="x.json")
    with pytest.raises(InputError, match=r"x\.json"):
        Plan.from_json("{not json", path="x.json")


def test_render_diff_reads_like_a_diff() -> None:
    plan = plan_for(
        [
            {"_line": 2, "sku": "A", "regular_price": "13.00"},
            {"_line": 3, "sku": "N", "name": "New"},
        ],
        [{"id": 7, "sku": "A", "regular_price": "12.5"}],
    )
    text = render_diff(plan)
    assert '~ SKU A  (line 2) update product #7\n    regular_price: "12.50" → "13.00"' in text
    assert '+ SKU N  (line 3) create product\n    name: "New"' in text
    assert "\x1b[" not in text
    assert "\x1b[" in render_diff(plan, colour=True)
    assert render_summary(plan) == "plan: 1 to create, 1 to update, 0 unchanged, 0 rejected"
    assert "1 more changes" in render_diff(plan, limit=1)


def test_skus_match_ignoring_case_like_woocommerce() -> None:
    plan = plan_for(
        [{"_line": 2, "sku": "abc-1", "name": "New name"}],
        [{"id": 4, "sku": "ABC-1", "name": "Old"}],
    )
    assert plan.creates == []
    (item,) = plan.updates
    assert (item.id, item.sku, item.payload) == (4, "abc-1", {"id": 4, "name": "New name"})


def test_a_feed_with_no_valid_rows_plans_nothing() -> None:
    error = FakeRowError("feed.csv", 2, "A", "Price", "x", "invalid-number", "not a number")
    records = FakeRecords(desired(OWNED, []), [error])
    plan = build_plan(FakeMapping(OWNED), records, store([]))
    assert plan.counts() == {
        "create": 0,
        "update": 0,
        "unchanged": 0,
        "rejected": 1,
        "trashed": 0,
        "missing": 0,
    }
    assert not plan.has_changes


def test_xml_feeds_count_records_not_lines() -> None:
    records = FakeRecords(desired(OWNED, [{"_line": 3, "sku": "X", "name": "n"}]))
    records.unit = "record"  # type: ignore[attr-defined]
    plan = build_plan(FakeMapping(OWNED), records, store([]))
    assert "+ SKU X  (record 3) create product" in render_diff(plan)
    assert Plan.from_json(plan.to_json()).line_unit == "record"
