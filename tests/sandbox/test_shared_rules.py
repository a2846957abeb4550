"""The rules every sandbox collection and resource shares, tested directly (no HTTP).

bulkio.sandbox.collection (listing) and bulkio.sandbox.resource (answers, trash, props) are
each used by products, variations, orders and terms; the HTTP tests cover them per resource,
these pin the shared behaviour itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bulkio.sandbox.collection import POST_ORDER_COLUMNS, ListQuery, order_clause
from bulkio.sandbox.errors import ApiError
from bulkio.sandbox.params import check_schema
from bulkio.sandbox.resource import (
    dated,
    post_columns,
    post_row,
    refuse_existing,
    remove_post,
    set_choice,
    set_flags,
    set_ints,
    set_text,
)
from bulkio.sandbox.store import Store


@pytest.fixture
def store() -> Iterator[Store]:
    opened = Store(None, gmt_offset_hours=2)
    yield opened
    opened.close()


def _invalid_param(error: pytest.ExceptionInfo[ApiError]) -> str:
    assert error.value.code == "rest_invalid_param"
    assert error.value.status == 400
    (name,) = error.value.data["params"]
    return str(name)


# -- listing -------------------------------------------------------------------------------------


def test_paging_is_checked_before_any_filter() -> None:
    with pytest.raises(ApiError) as error:
        query = ListQuery({"per_page": "0", "include": "x"})
        query.include_exclude()
    assert _invalid_param(error) == "per_page"


def test_page_window_from_page_or_offset() -> None:
    assert (ListQuery({"page": "3", "per_page": "20"}).offset) == 40
    query = ListQuery({"page": "3", "per_page": "20", "offset": "5"})
    assert (query.page, query.per_page, query.offset) == (3, 20, 5)


def test_id_lists_build_in_and_not_in_and_report_the_bad_item() -> None:
    query = ListQuery({"include": "5, 3", "exclude": [7], "parent": "0"}, "kind = 'product'")
    assert query.include_exclude() == [5, 3]
    query.id_list("parent", "parent_id")
    assert query.where == [
        "kind = 'product'",
        "id IN (?,?)",
        "id NOT IN (?)",
        "parent_id IN (?)",
    ]
    assert query.args == [5, 3, 7, 0]
    with pytest.raises(ApiError) as error:
        ListQuery({"exclude": "1,b"}).include_exclude()
    assert error.value.data["params"] == {"exclude": "exclude[0] is not of type integer."}


def test_status_any_hides_and_named_statuses_select() -> None:
    hiding = ListQuery({})
    hiding.status(["any"], ("trash", "checkout-draft"))
    assert (hiding.where, hiding.args) == (["status NOT IN (?,?)"], ["trash", "checkout-draft"])
    naming = ListQuery({})
    naming.status(["processing", "completed"], ("trash",))
    assert (naming.where, naming.args) == (["status IN (?,?)"], ["processing", "completed"])


def test_search_and_slug_only_when_given() -> None:
    query = ListQuery({"search": "mug", "slug": ""})
    query.search("name", "slug")
    query.slug()
    assert (query.where, query.args) == (["(name LIKE ? OR slug LIKE ?)"], ["%mug%", "%mug%"])


def test_date_windows_read_site_time_unless_gmt(store: Store) -> None:
    local = ListQuery({"after": "2026-01-01T10:00:00", "modified_before": "2026-02-01T00:00:00Z"})
    local.dates(store)
    assert local.where == ["date_created_gmt > ?", "date_modified_gmt < ?"]
    assert local.args == ["2026-01-01T08:00:00", "2026-02-01T00:00:00"]  # store is GMT+2
    gmt = ListQuery({"after": "2026-01-01T10:00:00", "dates_are_gmt": "true"})
    gmt.dates(store)
    assert gmt.args == ["2026-01-01T10:00:00"]
    with pytest.raises(ApiError) as error:
        ListQuery({"before": "2026-01-01"}).dates(store)
    assert _invalid_param(error) == "before"


def test_order_clause_include_order_and_fallback_column() -> None:
    options = ("date", "id", "include", "title", "popularity")
    by_include = {"orderby": "include", "order": "asc"}
    assert (
        order_clause(by_include, options, "date", "desc", POST_ORDER_COLUMNS, [9, 4])
        == "CASE id WHEN 9 THEN 0 WHEN 4 THEN 1 END ASC"
    )
    # orderby=include without ids, or a value the sandbox does not sort by: the default's column
    # (ties of the date are shuffled per request, as MariaDB leaves them in no fixed order)
    assert (
        order_clause(by_include, options, "date", "desc", POST_ORDER_COLUMNS, [])
        == "date_created_gmt ASC, random()"
    )
    assert (
        order_clause({"orderby": "popularity"}, options, "date", "desc", POST_ORDER_COLUMNS, [])
        == "date_created_gmt DESC, random()"
    )
    assert (
        order_clause({"orderby": "id"}, options, "date", "desc", POST_ORDER_COLUMNS, [])
        == "id DESC, id DESC"
    )
    with pytest.raises(ApiError) as error:
        order_clause({"order": "up"}, options, "date", "desc", POST_ORDER_COLUMNS, [])
    assert _invalid_param(error) == "order"


def test_fetch_pages_rows_and_counts_all(store: Store) -> None:
    doc = {"status": "publish"}
    now = "2026-01-01T00:00:00"
    ids = [store.insert_post(post_columns("product", 0, doc, now, now), doc) for _ in range(5)]
    query = ListQuery({"per_page": "2", "page": "2"}, "kind = 'product'")
    items, total, page, per_page = query.fetch(
        store, "posts", "id ASC", lambda rows: [{"id": row["id"]} for row in rows]
    )
    assert (total, page, per_page) == (5, 2, 2)
    assert [item["id"] for item in items] == ids[2:4]


# -- resources -----------------------------------------------------------------------------------


def test_dated_answers_site_time_and_gmt(store: Store) -> None:
    assert dated(store, "date_paid", "2026-05-01T22:30:00") == {
        "date_paid": "2026-05-02T00:30:00",
        "date_paid_gmt": "2026-05-01T22:30:00",
    }
    assert dated(store, "date_paid", None) == {"date_paid": None, "date_paid_gmt": None}


def test_create_with_an_id_and_unknown_ids_are_named_by_post_type(store: Store) -> None:
    with pytest.raises(ApiError) as exists:
        refuse_existing({"id": 4}, "shop_order")
    assert (exists.value.code, exists.value.message, exists.value.status) == (
        "woocommerce_rest_shop_order_exists",
        "Cannot create existing shop_order.",
        400,
    )
    refuse_existing({"id": 0}, "shop_order")  # id 0 is a create like any other
    with pytest.raises(ApiError) as missing:
        post_row(store, 12345, "product_variation", 400)
    assert (missing.value.code, missing.value.status) == (
        "woocommerce_rest_product_variation_invalid_id",
        400,
    )


def test_trash_then_410_and_force_deletes(store: Store) -> None:
    doc = {"status": "on-hold"}
    now = "2026-01-01T00:00:00"
    order_id = store.insert_post(post_columns("shop_order", 0, doc, now, now), doc)
    with store.db.lock:
        remove_post(store, post_row(store, order_id, "shop_order", 404), "order", force=False)
        row = post_row(store, order_id, "shop_order", 404)
        assert row["status"] == "trash"
        with pytest.raises(ApiError) as again:
            remove_post(store, row, "order", force=False)
        assert (again.value.code, again.value.message, again.value.status) == (
            "woocommerce_rest_already_trashed",
            "The order has already been deleted.",
            410,
        )
        remove_post(store, row, "order", force=True)
    assert store.get_post(order_id, ("shop_order",)) is None


def test_post_columns_stamp_modified_and_created_only_on_insert() -> None:
    doc = {"status": "draft"}
    inserted = post_columns("product", 3, doc, "NOW", "THEN", sku="A")
    assert inserted == {
        "kind": "product",
        "parent_id": 3,
        "status": "draft",
        "sku": "A",
        "date_modified_gmt": "NOW",
        "date_created_gmt": "THEN",
    }
    assert "date_created_gmt" not in post_columns("product", 3, doc, "NOW", None)


def test_props_setters_read_payloads_like_set_props() -> None:
    doc: dict[str, Any] = {"note": "kept", "weight": "1", "flag": True, "count": 5, "kind": "a"}
    payload = {
        "note": None,
        "weight": 2.5,
        "flag": "no",
        "count": "7.9",
        "kind": "zzz",
        "unused": "x",
    }
    set_text(doc, payload, "note", "weight", "absent")
    set_flags(doc, payload, "flag")
    set_ints(doc, payload, "count")
    set_choice(doc, payload, "kind", ("a", "b"))
    assert doc == {"note": "kept", "weight": "2.5", "flag": False, "count": 7, "kind": "a"}
    set_ints(doc, {"count": "many"}, "count")
    set_choice(doc, {"kind": "b"}, "kind", ("a", "b"))
    assert (doc["count"], doc["kind"]) == (0, "b")


def test_schema_check_reports_types_before_enums_in_table_order() -> None:
    types = {"name": "string", "parent": "integer"}
    with pytest.raises(ApiError) as error:
        check_schema({"parent": "x", "name": 3, "status": "odd"}, types, {"status": ("a",)})
    assert _invalid_param(error) == "name"
    with pytest.raises(ApiError) as enum_error:
        check_schema({"name": "n", "status": "odd"}, types, {"status": ("a", "b")})
    assert enum_error.value.data["params"] == {"status": "status is not one of a and b."}
    check_schema({"name": None, "status": None}, types, {"status": ("a",)})
