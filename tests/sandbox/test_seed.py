"""Seeded stores: deterministic, realistic, and listable through the API."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from bulkio.sandbox import Sandbox
from tests.sandbox.helpers import basic_client


def test_seed_is_deterministic_and_realistic(sandbox_factory: Callable[..., Sandbox]) -> None:
    one = sandbox_factory(seed_products=60, seed_orders=40, seed=7, assume_https=True)
    two = sandbox_factory(seed_products=60, seed_orders=40, seed=7)
    other = sandbox_factory(seed_products=60, seed_orders=40, seed=8)

    def strip(products: list[dict[str, object]]) -> list[dict[str, object]]:
        return [
            {k: v for k, v in p.items() if k not in ("permalink", "_links", "images")}
            for p in products
        ]

    assert strip(one.products()) == strip(two.products())
    assert strip(one.products()) != strip(other.products())
    products = one.products()
    assert len(products) == 60
    assert {p["type"] for p in products} == {"simple", "variable"}
    assert len({p["sku"] for p in products}) == 60
    variable = next(p for p in products if p["type"] == "variable")
    variations = one.variations(int(variable["id"]))  # type: ignore[arg-type]
    assert variations and all(v["sku"].startswith(variable["sku"]) for v in variations)  # type: ignore[union-attr]
    assert one.count("shop_order") == 40

    with basic_client(one) as api:
        categories = api.get("products/categories", params={"per_page": 100}).json()
        assert any(c["parent"] for c in categories) and any(not c["parent"] for c in categories)
        orders = api.get("orders", params={"per_page": 100}).json()
        statuses = {o["status"] for o in orders}
        assert len(statuses) >= 3
        order = orders[0]
        assert order["line_items"] and order["tax_lines"] and order["shipping_lines"]
        assert order["billing"]["email"].endswith("@example.com")
        assert isinstance(order["total"], str) and float(order["total"]) > 0
        created = sorted(o["date_created_gmt"] for o in orders)
        assert created[0][:7] != created[-1][:7]  # spread over months
        page = api.get("products", params={"per_page": 25, "page": 2})
        assert page.headers["X-WP-Total"] == str(sum(1 for p in products if p["status"] != "trash"))
        assert len(page.json()) == 25


def test_persistent_file_keeps_store_and_keys(
    tmp_path: object, sandbox_factory: Callable[..., Sandbox]
) -> None:
    path = str(tmp_path) + "/store.sqlite"  # type: ignore[operator]
    first = Sandbox(db_path=path, assume_https=True, seed_products=5).start()
    try:
        first.create_product({"name": "Kept", "sku": "KEPT"})
        keys = dict(first.keys)
    finally:
        first.stop()
    second = sandbox_factory(db_path=path, assume_https=True, seed_products=5, seed_orders=2)
    assert second.keys == keys
    assert second.count() == 6  # seeded once: 5 generated + 1 made, not 5 more
    assert second.count("shop_order") == 2  # orders were still missing, so they were seeded
    response = httpx.get(
        second.url + "/wp-json/wc/v3/products", params={"sku": "KEPT"}, auth=second.keys["read"]
    )
    assert [p["sku"] for p in response.json()] == ["KEPT"]


def test_seeded_skus_are_unique_across_products_and_variations(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(seed_products=400, seed=3)
    rows = sb.db.db.query(
        "SELECT sku, COUNT(*) AS n FROM posts WHERE kind IN ('product', 'product_variation') "
        "GROUP BY sku HAVING n > 1"
    )
    assert [tuple(row) for row in rows] == []
    assert sb.count("product_variation") > 100


def test_seed_cache_restores_the_same_store(
    tmp_path: object, sandbox_factory: Callable[..., Sandbox]
) -> None:
    cache = str(tmp_path)
    plain = sandbox_factory(seed_products=30, seed_orders=10, seed=5)
    first = sandbox_factory(seed_products=30, seed_orders=10, seed=5, seed_cache=cache)
    files = list(__import__("pathlib").Path(cache).glob("seed-30p-10o-s5-*.sqlite"))
    assert len(files) == 1
    second = sandbox_factory(
        seed_products=30, seed_orders=10, seed=5, seed_cache=cache, assume_https=True
    )

    def comparable(sb: Sandbox) -> list[object]:
        return [
            {k: v for k, v in p.items() if k not in ("permalink", "_links")} for p in sb.products()
        ] + [
            {k: v for k, v in o.items() if k not in ("_links", "payment_url")} for o in sb.orders()
        ]

    assert comparable(plain) == comparable(first) == comparable(second)
    assert second.keys != first.keys  # keys are never cached
    with basic_client(second) as api:
        order = api.post(
            "orders",
            json={
                "line_items": [{"sku": second.products()[0]["sku"], "quantity": 1, "price": "1"}]
            },
        ).json()
    seeded_item_ids = {
        i["id"] for o in second.orders() if o["id"] != order["id"] for i in o["line_items"]
    }
    assert order["line_items"][0]["id"] not in seeded_item_ids
