"""Variations over real HTTP: parent checks, batch, stock, and the method override."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bulkio.sandbox import Sandbox


@pytest.fixture
def sb(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory(assume_https=True)


def test_variation_batch_create_update_delete(api: httpx.Client, sb: Sandbox) -> None:
    parent = api.post("products", json={"name": "Tee", "type": "variable"}).json()
    base = f"products/{parent['id']}/variations"
    created = api.post(
        f"{base}/batch",
        json={
            "create": [
                {
                    "sku": "TEE-S",
                    "regular_price": "10",
                    "manage_stock": True,
                    "stock_quantity": 3,
                    "attributes": [{"name": "Size", "option": "S"}],
                },
                {"sku": "TEE-M", "regular_price": "11"},
                {"sku": "TEE-S"},
            ]
        },
    ).json()["create"]
    assert [v.get("sku") for v in created[:2]] == ["TEE-S", "TEE-M"]
    assert created[0]["stock_quantity"] == 3 and created[0]["stock_status"] == "instock"
    # The variations controller names a variation by its attribute values (11.x); its post
    # title, which the products controller answers, is "parent - values".
    assert created[0]["name"] == "S" and created[0]["parent_id"] == parent["id"]
    assert api.get("products", params={"sku": "TEE-S"}).json()[0]["name"] == "Tee - S"
    assert created[2]["error"]["code"] == "product_invalid_sku"
    small, medium = created[0]["id"], created[1]["id"]
    body = api.post(
        f"{base}/batch",
        json={
            "update": [{"id": small, "stock_quantity": 0}, {"id": 999999, "sku": "x"}],
            "delete": [medium],
        },
    ).json()
    assert body["update"][0]["stock_status"] == "outofstock"
    assert body["update"][1]["error"]["code"] == "woocommerce_rest_product_variation_invalid_id"
    assert body["delete"][0]["id"] == medium
    assert [v["sku"] for v in sb.variations(parent["id"])] == ["TEE-S"]
    listed = api.get(base, params={"sku": "TEE-S"})
    assert listed.headers["X-WP-Total"] == "1"


def test_variation_of_a_missing_parent(api: httpx.Client) -> None:
    response = api.post("products/424242/variations", json={"sku": "nope"})
    assert response.status_code == 404
    assert response.json()["code"] == "woocommerce_rest_product_variation_invalid_parent"


def test_variation_id_under_the_wrong_parent(api: httpx.Client) -> None:
    first = api.post("products", json={"name": "A", "type": "variable"}).json()
    second = api.post("products", json={"name": "B", "type": "variable"}).json()
    variation = api.post(f"products/{first['id']}/variations", json={"sku": "A-1"}).json()
    wrong = api.get(f"products/{second['id']}/variations/{variation['id']}")
    assert wrong.status_code == 404
    via_products = api.put(f"products/{variation['id']}", json={"name": "x"})
    assert via_products.status_code == 404 and "variations" in via_products.json()["message"]


def test_method_override_header_and_param(api: httpx.Client, sb: Sandbox) -> None:
    product = api.post("products", json={"name": "Old"}).json()
    renamed = api.post(
        f"products/{product['id']}",
        json={"name": "New"},
        headers={"X-HTTP-Method-Override": "PATCH"},
    )
    assert renamed.json()["name"] == "New"
    deleted = api.post(f"products/{product['id']}", params={"_method": "DELETE", "force": "true"})
    assert deleted.status_code == 200
    assert sb.count(include_trash=True) == 0
    assert [e.method for e in sb.request_log][-2:] == ["PATCH", "DELETE"]


def test_tls_without_trustme_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_trustme(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "trustme":
            raise ImportError("No module named 'trustme'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_trustme)
    with pytest.raises(RuntimeError, match="pip install trustme"):
        Sandbox(tls=True).start()


def test_chunked_request_bodies_are_read(api: httpx.Client, sb: Sandbox) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"create": [{"name": "Chunked", '
        yield b'"sku": "CH-1"}]}'

    response = api.post(
        "products/batch", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert sb.product_by_sku("CH-1") is not None


def test_variation_trash_and_parent_mismatch(api: httpx.Client, sb: Sandbox) -> None:
    first = api.post("products", json={"name": "A", "type": "variable"}).json()
    second = api.post("products", json={"name": "B", "type": "variable"}).json()
    variation = api.post(f"products/{first['id']}/variations", json={"sku": "TR-1"}).json()
    wrong = api.put(f"products/{second['id']}/variations/{variation['id']}", json={"sku": "x"})
    assert wrong.status_code == 403
    assert wrong.json() == {
        "code": "woocommerce_rest_cannot_edit",
        "message": "Parent product does not match current variation.",
        "data": {"status": 403},
    }
    base = f"products/{first['id']}/variations"
    assert api.delete(f"{base}/{variation['id']}").status_code == 200
    assert api.delete(f"{base}/{variation['id']}").status_code == 410
    assert api.get(base).json() == []
    assert [v["id"] for v in api.get(base, params={"status": "trash"}).json()] == [variation["id"]]
    # a trashed variation keeps its SKU but no longer blocks it
    assert api.post(base, json={"sku": "TR-1"}).status_code == 201
