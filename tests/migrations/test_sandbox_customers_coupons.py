"""The sandbox's customers, coupons and order stock beyond the recorded conformance cases:
listing filters and order, the administrator's protection per version, and stock given back
when an order is cancelled (docs/migrations.md)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from bulkio.sandbox import Sandbox


def client(sb: Sandbox) -> httpx.Client:
    sb.assume_https = True  # Basic auth, as over HTTPS
    return httpx.Client(base_url=f"{sb.url}/wp-json/wc/v3/", auth=sb.keys["read_write"], timeout=30)


def test_customers_list_by_role_search_and_name(sandbox: Sandbox) -> None:
    with client(sandbox) as api:
        for email, first in (("b@example.com", "Bea"), ("A@example.com", "Al")):
            assert api.post("customers", json={"email": email, "first_name": first}).is_success
        listed = api.get("customers", params={"orderby": "id"}).json()
        assert [c["email"] for c in listed] == ["b@example.com", "A@example.com"]
        assert api.get("customers").headers["X-WP-Total"] == "2"  # the admin is not a customer
        everyone = api.get("customers", params={"role": "all", "orderby": "id"}).json()
        assert [c["role"] for c in everyone] == ["administrator", "customer", "customer"]
        found = api.get("customers", params={"email": "a@EXAMPLE.com"}).json()
        assert [c["email"] for c in found] == ["A@example.com"]
        assert [c["username"] for c in api.get("customers", params={"search": "b@"}).json()] == [
            "b"
        ]
        bad = api.get("customers", params={"role": "king"})
        assert bad.status_code == 400 and bad.json()["code"] == "rest_invalid_param"


def test_the_administrator_is_protected_from_9_0_only(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    for version, protected in (("11.0.1", True), ("7.9.0", False)):
        with client(sandbox_factory(wc_version=version)) as api:
            names = api.put("customers/1", json={"first_name": "Ada"})
            assert names.status_code == 200 and names.json()["first_name"] == "Ada"
            email = api.put("customers/1", json={"email": "new@example.test"})
            deleted = api.delete("customers/1", params={"force": "true"})
            if protected:
                assert (email.status_code, email.json()["code"]) == (
                    403,
                    "woocommerce_rest_cannot_edit",
                )
                assert (deleted.status_code, deleted.json()["code"]) == (
                    403,
                    "woocommerce_rest_cannot_delete",
                )
                assert deleted.json()["message"].endswith("Allowed roles: customer, subscriber")
            else:  # measured on 7.9: the API changes and deletes the key's own user
                assert email.status_code == 200 and deleted.status_code == 200


def test_a_taken_username_and_a_generated_one(sandbox: Sandbox) -> None:
    with client(sandbox) as api:
        first = api.post("customers", json={"email": "same@example.com"}).json()
        second = api.post("customers", json={"email": "same@example.org"}).json()
        assert first["username"] == "same"
        assert second["username"].startswith("same") and len(second["username"]) == 8
        taken = api.post("customers", json={"email": "x@example.com", "username": "same"})
        assert taken.json()["code"] == "registration-error-username-exists"
        missing = api.post("customers", json={"first_name": "No mail"})
        assert missing.json()["code"] == "rest_missing_callback_param"


def test_coupons_list_order_and_statuses(sandbox: Sandbox) -> None:
    with client(sandbox) as api:
        ids = [api.post("coupons", json={"code": code}).json()["id"] for code in ("a", "b", "c")]
        assert api.delete(f"coupons/{ids[1]}").status_code == 200  # 11.0.1: trashed, 200
        listed = api.get("coupons", params={"orderby": "id", "order": "asc"}).json()
        assert [c["code"] for c in listed] == ["a", "c"]
        trashed = api.get("coupons", params={"status": "trash"}).json()
        assert [c["code"] for c in trashed] == ["b"]
        assert api.delete(f"coupons/{ids[1]}", params={"force": "true"}).status_code == 200
        assert api.get(f"coupons/{ids[1]}").status_code == 404
        # coupons share the post id sequence with products and orders, as in WordPress
        product = api.post("products", json={"name": "P"}).json()
        assert product["id"] == ids[2] + 1


def test_a_cancelled_order_gives_its_stock_back(sandbox: Sandbox) -> None:
    with client(sandbox) as api:
        product = api.post(
            "products", json={"name": "P", "manage_stock": True, "stock_quantity": 5}
        ).json()
        line = {"product_id": product["id"], "quantity": 2}
        order = api.post("orders", json={"status": "processing", "line_items": [line]}).json()
        assert api.get(f"products/{product['id']}").json()["stock_quantity"] == 3
        api.put(f"orders/{order['id']}", json={"status": "cancelled"})
        assert api.get(f"products/{product['id']}").json()["stock_quantity"] == 5
        back = api.get(f"orders/{order['id']}").json()
        assert [m["key"] for m in back["line_items"][0]["meta_data"]] == []
        # on-hold → completed reduces once, not twice
        held = api.post("orders", json={"status": "on-hold", "line_items": [line]}).json()
        api.put(f"orders/{held['id']}", json={"status": "completed"})
        assert api.get(f"products/{product['id']}").json()["stock_quantity"] == 3


def test_an_update_that_keeps_the_status_moves_no_stock(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    """Seeded orders carry no stock flag: only a change of status moves stock, as WooCommerce's
    transition hooks do, so editing an old completed order leaves the products alone."""
    sb = sandbox_factory(seed_products=30, seed_orders=30)
    done = next(o for o in sb.orders() if o["status"] == "completed" and o["line_items"])
    stocks = {p["id"]: p["stock_quantity"] for p in sb.products()}
    with client(sb) as api:
        changed = api.put(f"orders/{done['id']}", json={"billing": {"city": "Kiel"}})
        assert changed.status_code == 200 and changed.json()["billing"]["city"] == "Kiel"
        assert all(
            not m["key"].startswith("_reduced")
            for i in changed.json()["line_items"]
            for m in i["meta_data"]
        )
    assert {p["id"]: p["stock_quantity"] for p in sb.products()} == stocks
