"""Categories, tags and orders over real HTTP."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from bulkio.sandbox import Sandbox
from tests.sandbox.helpers import basic_client


@pytest.fixture
def sb(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory(assume_https=True, gmt_offset=2)


def test_categories_nest_and_name_clash_is_term_exists(api: httpx.Client) -> None:
    top = api.post("products/categories", json={"name": "Clothing"}).json()
    child = api.post("products/categories", json={"name": "Shirts", "parent": top["id"]}).json()
    assert child["parent"] == top["id"] and child["slug"] == "shirts"
    clash = api.post("products/categories", json={"name": "Clothing"})
    assert clash.status_code == 400
    assert clash.json()["code"] == "term_exists"
    assert clash.json()["data"]["resource_id"] == top["id"]
    same_name_other_parent = api.post("products/categories", json={"name": "Shirts"})
    assert same_name_other_parent.status_code == 201
    assert same_name_other_parent.json()["slug"] == "shirts-2"
    missing = api.post("products/categories", json={})
    assert missing.json()["code"] == "rest_missing_callback_param"


def test_term_batch_and_delete_needs_force(api: httpx.Client) -> None:
    body = api.post(
        "products/tags/batch", json={"create": [{"name": "eco"}, {"name": "eco"}, {"name": ""}]}
    ).json()
    assert body["create"][0]["name"] == "eco"
    assert body["create"][1]["error"]["code"] == "term_exists"
    assert body["create"][2]["error"]["code"] == "empty_term_name"
    tag_id = body["create"][0]["id"]
    assert api.delete(f"products/tags/{tag_id}").status_code == 501
    assert api.delete(f"products/tags/{tag_id}", params={"force": "true"}).status_code == 200
    assert api.get("products/tags").json() == []


def test_product_terms_and_counts(api: httpx.Client) -> None:
    category = api.post("products/categories", json={"name": "Mugs"}).json()
    tag = api.post("products/tags", json={"name": "gift"}).json()
    product = api.post(
        "products",
        json={
            "name": "Mug",
            "categories": [{"id": category["id"]}, {"id": 99999}],
            "tags": [{"id": tag["id"]}],
        },
    ).json()
    assert [c["name"] for c in product["categories"]] == ["Mugs"]
    assert product["tags"] == [{"id": tag["id"], "name": "gift", "slug": "gift"}]
    assert api.get(f"products/categories/{category['id']}").json()["count"] == 1
    assert [p["id"] for p in api.get("products", params={"category": category["id"]}).json()] == [
        product["id"]
    ]


def test_order_create_totals_and_types(api: httpx.Client, sb: Sandbox) -> None:
    product = api.post(
        "products", json={"name": "Lamp", "sku": "LAMP", "regular_price": "19.99"}
    ).json()
    response = api.post(
        "orders",
        json={
            "billing": {"first_name": "Zoë", "last_name": "Müller", "email": "z@example.com"},
            "line_items": [{"product_id": product["id"], "quantity": 3}],
            "shipping_lines": [{"method_id": "flat_rate", "method_title": "Flat", "total": "4.90"}],
            "fee_lines": [{"name": "Gift wrap", "total": "2.00"}],
            "set_paid": True,
        },
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "processing" and order["date_paid_gmt"] is not None
    assert order["total"] == "66.87" and order["shipping_total"] == "4.90"
    item = order["line_items"][0]
    assert item["sku"] == "LAMP" and item["quantity"] == 3 and item["subtotal"] == "59.97"
    assert isinstance(item["price"], float)
    assert order["number"] == str(order["id"]) and order["billing"]["first_name"] == "Zoë"
    # local dates are GMT + the site offset (2 h here), without a zone suffix
    assert order["date_created"] != order["date_created_gmt"] and "+" not in order["date_created"]
    # a product that is gone leaves a line without product or SKU (measured on 11.0.1 and 7.9)
    gone = api.post("orders", json={"line_items": [{"product_id": 987654, "quantity": 1}]})
    assert gone.status_code == 201 and gone.json()["line_items"][0]["product_id"] == 0
    assert gone.json()["line_items"][0]["sku"] is None


def test_order_update_status_and_batch(api: httpx.Client) -> None:
    first = api.post("orders", json={"status": "pending"}).json()
    second = api.post("orders", json={"status": "on-hold"}).json()
    body = api.post(
        "orders/batch",
        json={
            "update": [
                {"id": first["id"], "status": "completed"},
                {"id": 424242, "status": "completed"},
            ],
            "create": [{"status": "processing"}],
        },
    ).json()
    assert body["update"][0]["status"] == "completed"
    assert body["update"][0]["date_completed_gmt"] is not None
    assert body["update"][1]["error"]["code"] == "woocommerce_rest_shop_order_invalid_id"
    assert body["create"][0]["status"] == "processing"
    done = api.get(
        "orders", params={"status": "completed,on-hold", "orderby": "id", "order": "asc"}
    ).json()
    assert [o["id"] for o in done] == [first["id"], second["id"]]
    assert api.get("orders", params={"status": "nope"}).json()["code"] == "rest_invalid_param"


def test_order_date_filters_local_and_gmt(sb: Sandbox, api: httpx.Client) -> None:
    ids = [api.post("orders", json={}).json()["id"] for _ in range(3)]
    stamps = ["2025-03-01T10:00:00", "2025-03-02T10:00:00", "2025-03-03T10:00:00"]
    for order_id, stamp in zip(ids, stamps, strict=True):
        sb.db.db.execute(
            "UPDATE posts SET date_created_gmt = ?, date_modified_gmt = ? WHERE id = ?",
            (stamp, stamp, order_id),
        )

    def found(**params: str) -> list[int]:
        return sorted(o["id"] for o in api.get("orders", params=params).json())

    assert found(after="2025-03-02T10:00:00", dates_are_gmt="true") == [ids[2]]  # strictly after
    # local time is GMT+2: local 11:00 on the 2nd is 09:00 GMT, so the 10:00 GMT order is after it
    assert found(after="2025-03-02T11:00:00") == [ids[1], ids[2]]
    assert found(before="2025-03-02T10:00:00Z") == [ids[0]]
    assert found(
        modified_after="2025-03-01T12:00:00",
        modified_before="2025-03-03T00:00:00",
        dates_are_gmt="true",
    ) == [ids[1]]
    assert api.get("orders", params={"after": "yesterday"}).json()["code"] == "rest_invalid_param"
    # WordPress wants a full date-time: a bare date is refused, not read as midnight
    bare = api.get("orders", params={"after": "2025-03-02"}).json()
    assert bare["code"] == "rest_invalid_param" and bare["data"]["params"] == {
        "after": "Invalid date."
    }


def test_order_customer_and_trash(api: httpx.Client) -> None:
    seven = api.post("customers", json={"email": "seven@example.com"}).json()["id"]
    eight = api.post("customers", json={"email": "eight@example.com"}).json()["id"]
    mine = api.post("orders", json={"customer_id": seven}).json()
    api.post("orders", json={"customer_id": eight})
    assert [o["id"] for o in api.get("orders", params={"customer": seven}).json()] == [mine["id"]]
    assert api.delete(f"orders/{mine['id']}").status_code == 200
    assert [o["id"] for o in api.get("orders", params={"customer": seven}).json()] == []
    unknown = api.post("orders", json={"customer_id": 999})
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "woocommerce_rest_invalid_customer_id"
    assert [o["id"] for o in api.get("orders", params={"status": "trash"}).json()] == [mine["id"]]


def test_direct_helpers_read_what_the_api_wrote(api: httpx.Client, sb: Sandbox) -> None:
    created = sb.create_order({"status": "completed", "billing": {"email": "d@example.com"}})
    api.post("products/tags", json={"name": "direct"})
    assert [o["id"] for o in sb.orders(status="completed")] == [created["id"]]
    assert [t["name"] for t in sb.terms("tags")] == ["direct"]
    assert sb.terms("categories")[0]["slug"] == "uncategorized"
    assert sb.writes() == 1  # direct helpers are not requests


def test_a_test_clock_drives_created_and_modified_dates(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    from datetime import UTC, datetime, timedelta

    now = [datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)]
    sb = sandbox_factory(assume_https=True, clock=lambda: now[0], gmt_offset=2)
    with basic_client(sb) as api:
        order = api.post("orders", json={"status": "pending"}).json()
        assert order["date_created_gmt"] == "2025-06-01T12:00:00"
        assert order["date_created"] == "2025-06-01T14:00:00"
        now[0] += timedelta(hours=1)
        updated = api.put(f"orders/{order['id']}", json={"status": "completed"}).json()
        assert updated["date_modified_gmt"] == "2025-06-01T13:00:00"
        assert updated["date_completed_gmt"] == "2025-06-01T13:00:00"
        changed = api.get(
            "orders", params={"modified_after": "2025-06-01T12:30:00", "dates_are_gmt": "true"}
        ).json()
        assert [o["id"] for o in changed] == [order["id"]]
