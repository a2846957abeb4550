"""The missing-product policy (pure part): scope, actions, idempotency, delete guard."""

from __future__ import annotations

from typing import Any

import pytest

from bulkio.errors import MappingError, UsageError
from bulkio.plan.missing import (
    Manages,
    MissingItem,
    check_policy,
    fetch_managed,
    plan_missing,
)

MARKER = Manages("meta", meta_key="_bulkio_feed", marker="supplier")


def product(pid: int, sku: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": pid,
        "sku": sku,
        "status": "publish",
        "stock_status": "instock",
        "manage_stock": False,
        "stock_quantity": None,
        "date_modified_gmt": "2026-11-24T10:00:00",
        "meta_data": [{"id": 1, "key": "_bulkio_feed", "value": "supplier"}],
    }
    base.update(extra)
    return base


def store() -> list[dict[str, Any]]:
    return [
        product(1, "A"),
        product(2, "B"),
        product(3, "C", status="draft"),
        product(4, "HAND", meta_data=[]),  # made by hand: not managed
        product(5, "OTHER", meta_data=[{"key": "_bulkio_feed", "value": "other-feed"}]),
        product(6, "", status="publish"),  # no SKU: cannot be matched, never touched
        product(7, "T", status="trash"),
        product(8, "STOCKED", manage_stock=True, stock_quantity=5),
        product(9, "EMPTY", manage_stock=True, stock_quantity=0, stock_status="onbackorder"),
    ]


def test_draft_touches_only_managed_records_missing_from_the_feed() -> None:
    items = plan_missing(store(), {"A"}, "draft", manages=MARKER)
    assert [(i.sku, i.payload) for i in items] == [
        ("B", {"id": 2, "status": "draft"}),
        ("EMPTY", {"id": 9, "status": "draft"}),
        ("STOCKED", {"id": 8, "status": "draft"}),
    ]
    b = items[0]
    assert b.base_status == "publish" and b.base_modified == "2026-11-24T10:00:00"
    assert [(c.field, c.old, c.new) for c in b.changes] == [("status", "publish", "draft")]


def test_private_and_idempotency_after_apply() -> None:
    records = store()
    items = plan_missing(records, {"A", "B"}, "private", manages=MARKER)
    assert {i.sku for i in items} == {"C", "STOCKED", "EMPTY"}
    by_id = {r["id"]: r for r in records}
    for item in items:  # apply them to the model store
        by_id[item.id].update({k: v for k, v in item.payload.items() if k != "id"})
    assert plan_missing(records, {"A", "B"}, "private", manages=MARKER) == []


def test_out_of_stock_respects_managed_stock() -> None:
    items = plan_missing(store(), {"A", "B", "C"}, "out-of-stock", manages=MARKER)
    assert {i.sku: i.payload for i in items} == {
        "STOCKED": {"id": 8, "stock_quantity": 0},  # the store derives the status
    }
    records = [product(1, "X"), product(2, "Y", stock_status="outofstock")]
    items = plan_missing(records, set(), "out-of-stock")
    assert [(i.sku, i.payload) for i in items] == [("X", {"id": 1, "stock_status": "outofstock"})]


def test_rejected_rows_skus_keep_their_products() -> None:
    # The caller passes the SKUs of rejected rows too: a bad price is not "discontinued".
    items = plan_missing(store(), {"A", "B", "C", "STOCKED", "EMPTY"}, "draft", manages=MARKER)
    assert items == []


def test_delete_needs_allow_delete() -> None:
    with pytest.raises(UsageError):
        plan_missing(store(), set(), "delete", manages=MARKER)
    items = plan_missing(store(), {"A"}, "delete", allow_delete=True, manages=MARKER)
    assert (items[0].sku, items[0].payload, items[0].is_delete) == ("B", {"id": 2}, True)
    assert {i.sku for i in items} == {"B", "C", "STOCKED", "EMPTY"}


def test_ignore_does_nothing() -> None:
    assert plan_missing(store(), set(), "ignore", manages=MARKER) == []


def test_check_policy_demands_a_scope_and_the_delete_flag() -> None:
    check_policy("ignore", None, allow_delete=False)
    with pytest.raises(MappingError) as info:
        check_policy("draft", None, allow_delete=False, mapping_path="m.toml")
    assert "m.toml: [target.missing]" in str(info.value)
    assert "never everything in the store" in str(info.value)
    with pytest.raises(UsageError) as usage:
        check_policy("delete", MARKER, allow_delete=False, mapping_path="m.toml")
    assert "--allow-delete" in str(usage.value)
    check_policy("delete", MARKER, allow_delete=True)
    with pytest.raises(MappingError):
        check_policy("vanish", MARKER, allow_delete=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"meta": "_bulkio_feed"}, Manages("meta", "_bulkio_feed", "supplier")),
        ({"meta": "_src", "value": "erp"}, Manages("meta", "_src", "erp")),
        ("meta", Manages("meta", "_bulkio_feed", "supplier")),
        ({"category": 12}, Manages("category", term_id=12)),
        ({"tag": 5}, Manages("tag", term_id=5)),
    ],
)
def test_manages_parse(raw: Any, expected: Manages) -> None:
    assert Manages.parse(raw, mapping_path="mappings/supplier.toml") == expected


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (12, "target.manages"),
        ({}, "target.manages"),
        ({"category": 1, "tag": 2}, "target.manages"),
        ({"category": "twelve"}, "target.manages.category"),
        ({"category": 0}, "target.manages.category"),
        ({"tag": True}, "target.manages.tag"),
        ({"meta": ""}, "target.manages.meta"),
        ({"meta": "_x", "value": 3}, "target.manages.value"),
        ({"category": 3, "value": "x"}, "target.manages.value"),
        ({"sku_prefix": "X"}, "target.manages"),
    ],
)
def test_manages_parse_errors_name_the_key(raw: Any, key: str) -> None:
    with pytest.raises(MappingError) as info:
        Manages.parse(raw, mapping_path="m.toml")
    assert info.value.key == key
    assert str(info.value).startswith(f"m.toml: [{key}]")


def test_category_and_tag_scopes() -> None:
    in_cat = product(1, "A", categories=[{"id": 12, "name": "Feed"}], meta_data=[])
    out_cat = product(2, "B", categories=[{"id": 13}], meta_data=[])
    no_terms = product(3, "C", meta_data=[])
    cat = Manages("category", term_id=12)
    assert [
        i.sku for i in plan_missing([in_cat, out_cat, no_terms], set(), "draft", manages=cat)
    ] == ["A"]
    assert cat.list_params()["category"] == "12"
    assert Manages("tag", term_id=5).holds(product(4, "D", tags=[5]))


def test_marker_is_written_on_create() -> None:
    assert MARKER.create_payload() == {"meta_data": [{"key": "_bulkio_feed", "value": "supplier"}]}
    assert Manages("category", term_id=1).create_payload() == {}


def test_missing_item_json_round_trip() -> None:
    item = plan_missing(store(), {"A"}, "draft", manages=MARKER)[0]
    again = MissingItem.from_dict(item.to_dict())
    assert again == item
    with pytest.raises(ValueError):
        MissingItem.from_dict({**item.to_dict(), "policy": "ignore"})


class PagedStore:
    """A tiny in-memory stand-in for StoreClient.iter_pages (pure function test)."""

    def __init__(self, products: list[dict[str, Any]]) -> None:
        self.products = products
        self.calls: list[dict[str, Any]] = []

    def iter_pages(self, route: str, *, params: dict[str, Any] | None = None, per_page: int = 100):
        self.calls.append({"route": route, **(params or {})})
        for start in range(0, len(self.products), per_page):
            yield self.products[start : start + per_page]


def test_fetch_managed_filters_by_marker_client_side() -> None:
    client = PagedStore(store())
    managed = fetch_managed(client, MARKER)
    assert {p["sku"] for p in managed} == {"A", "B", "C", "", "T", "STOCKED", "EMPTY"}
    assert "meta_data" in client.calls[0]["_fields"]
