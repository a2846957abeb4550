"""The authentication matrix, over real HTTP, as a real WooCommerce store answers it."""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
import pytest

from bulkio.sandbox import Sandbox
from tests.sandbox.oauth import oauth_get, oauth_send, sign

PRODUCTS = "/wp-json/wc/v3/products"


def test_generated_keys_look_like_woocommerce_keys_and_differ(sandbox: Sandbox) -> None:
    seen = set()
    for permission in ("read_write", "read", "write"):
        key, secret = sandbox.keys[permission]
        assert key.startswith("ck_") and len(key) == 43 and int(key[3:], 16) >= 0
        assert secret.startswith("cs_") and len(secret) == 43
        seen.update([key, secret])
    assert len(seen) == 6


def test_oauth_sha256_and_sha1_are_accepted_over_http(sandbox: Sandbox) -> None:
    with httpx.Client() as client:
        for algorithm in ("HMAC-SHA256", "HMAC-SHA1"):
            response = oauth_get(
                client,
                sandbox.url + PRODUCTS,
                sandbox.keys["read"],
                {"per_page": "5", "_fields": "id,sku"},
                algorithm=algorithm,
            )
            assert response.status_code == 200, response.text
            assert response.json() == []
    assert [entry.auth for entry in sandbox.request_log] == ["oauth1", "oauth1"]


def test_oauth_in_authorization_header(sandbox: Sandbox) -> None:
    url = sandbox.url + PRODUCTS
    signed = sign("GET", url, {}, *sandbox.keys["read"])
    header = "OAuth " + ", ".join(f'{k}="{quote(v, safe="")}"' for k, v in signed.items())
    response = httpx.get(url, headers={"Authorization": header})
    assert response.status_code == 200, response.text


def test_oauth_wrong_secret_is_an_invalid_signature(sandbox: Sandbox) -> None:
    key, _ = sandbox.keys["read"]
    with httpx.Client() as client:
        response = oauth_get(client, sandbox.url + PRODUCTS, (key, "cs_" + "0" * 40))
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_authentication_error"
    assert response.json()["message"] == "Invalid signature - provided signature does not match."


def test_oauth_signature_over_a_different_url_fails(sandbox: Sandbox) -> None:
    with httpx.Client() as client:
        signed = sign(
            "GET",
            sandbox.url + PRODUCTS,
            {},
            *sandbox.keys["read"],
            sign_url="http://shop.example" + PRODUCTS,
        )
        response = client.get(sandbox.url + PRODUCTS, params=signed)
    assert response.status_code == 401
    assert "signature does not match" in response.json()["message"]


def test_oauth_signs_over_home_when_home_differs(sandbox_factory: object) -> None:
    home = "http://shop.example"
    sb: Sandbox = sandbox_factory(home=home)  # type: ignore[operator]
    with httpx.Client() as client:
        served = oauth_get(client, sb.url + PRODUCTS, sb.keys["read"])
        signed = sign("GET", sb.url + PRODUCTS, {}, *sb.keys["read"], sign_url=home + PRODUCTS)
        over_home = client.get(sb.url + PRODUCTS, params=signed)
        index = client.get(sb.url + "/wp-json/").json()
    assert served.status_code == 401
    assert over_home.status_code == 200, over_home.text
    assert index["home"] == home and index["url"] == home


def test_oauth_stale_timestamp_and_reused_nonce(sandbox: Sandbox) -> None:
    url = sandbox.url + PRODUCTS
    with httpx.Client() as client:
        stale = oauth_get(client, url, sandbox.keys["read"], timestamp=int(time.time()) - 3600)
        assert stale.status_code == 401 and stale.json()["message"] == "Invalid timestamp."
        future = oauth_get(client, url, sandbox.keys["read"], timestamp=int(time.time()) + 3600)
        assert future.json()["message"] == "Invalid timestamp."
        first = oauth_get(client, url, sandbox.keys["read"], nonce="n-123")
        again = oauth_get(client, url, sandbox.keys["read"], nonce="n-123")
    assert first.status_code == 200
    assert again.status_code == 401
    assert again.json()["message"] == "Invalid nonce - nonce has already been used."


def test_oauth_missing_parameters_are_named(sandbox: Sandbox) -> None:
    url = sandbox.url + PRODUCTS
    signed = sign("GET", url, {}, *sandbox.keys["read"])
    del signed["oauth_nonce"], signed["oauth_timestamp"]
    response = httpx.get(url, params=signed)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "woocommerce_rest_authentication_missing_parameter"
    assert body["message"] == "Missing OAuth parameters oauth_timestamp, oauth_nonce"


def test_oauth_unknown_key_is_an_invalid_consumer_key(sandbox: Sandbox) -> None:
    with httpx.Client() as client:
        response = oauth_get(client, sandbox.url + PRODUCTS, ("ck_" + "1" * 40, "cs_" + "1" * 40))
    assert response.status_code == 401
    assert response.json()["message"] == "Consumer key is invalid."


def test_oauth_signature_covers_query_values_with_reserved_characters(sandbox: Sandbox) -> None:
    sandbox.create_product({"sku": "A B/1", "name": "spaced"})
    with httpx.Client() as client:
        response = oauth_get(
            client,
            sandbox.url + PRODUCTS,
            sandbox.keys["read"],
            {"sku": "A B/1", "_fields": "id,sku,name"},
        )
    assert response.status_code == 200, response.text
    assert response.json()[0]["name"] == "spaced"


def test_oauth_write_with_json_body(sandbox: Sandbox) -> None:
    with httpx.Client() as client:
        response = oauth_send(
            client,
            "POST",
            sandbox.url + PRODUCTS,
            sandbox.keys["write"],
            json={"name": "Made", "sku": "M-1"},
        )
    assert response.status_code == 201, response.text
    assert sandbox.product_by_sku("M-1") is not None


def test_basic_over_plain_http_is_ignored(sandbox: Sandbox) -> None:
    response = httpx.get(sandbox.url + PRODUCTS, auth=sandbox.keys["read_write"])
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_cannot_view"
    assert response.json()["message"] == "Sorry, you cannot list resources."


def test_no_credentials_meet_the_endpoint_permission_errors(sandbox: Sandbox) -> None:
    url = sandbox.url + PRODUCTS
    assert httpx.get(url).json()["code"] == "woocommerce_rest_cannot_view"
    assert httpx.post(url, json={"name": "x"}).json()["code"] == "woocommerce_rest_cannot_create"
    assert (
        httpx.put(url + "/5", json={"name": "x"}).json()["code"] == "woocommerce_rest_cannot_edit"
    )
    assert httpx.delete(url + "/5").json()["code"] == "woocommerce_rest_cannot_delete"
    batch = httpx.post(url + "/batch", json={"create": []})
    assert batch.status_code == 401 and batch.json()["code"] == "woocommerce_rest_cannot_batch"
    assert sandbox.count() == 0


@pytest.fixture
def https_like(sandbox_factory: object) -> Sandbox:
    return sandbox_factory(assume_https=True)  # type: ignore[operator,no-any-return]


def test_basic_and_query_keys_work_over_https(https_like: Sandbox) -> None:
    url = https_like.url + PRODUCTS
    assert httpx.get(url, auth=https_like.keys["read"]).status_code == 200
    key, secret = https_like.keys["read"]
    assert (
        httpx.get(url, params={"consumer_key": key, "consumer_secret": secret}).status_code == 200
    )
    log = https_like.request_log
    assert all(entry.auth == "basic_auth" for entry in log)
    assert all(secret not in str(entry) for entry in log)


def test_basic_wrong_secret_is_an_authentication_error(https_like: Sandbox) -> None:
    key, _ = https_like.keys["read"]
    response = httpx.get(https_like.url + PRODUCTS, auth=(key, "cs_" + "2" * 40))
    assert response.status_code == 401
    assert response.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "Consumer secret is invalid.",
        "data": {"status": 401},
    }
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_basic_unknown_key_is_not_an_authentication_error(https_like: Sandbox) -> None:
    response = httpx.get(https_like.url + PRODUCTS, auth=("ck_" + "3" * 40, "cs_" + "3" * 40))
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_cannot_view"


def test_read_only_key_cannot_write_and_write_only_key_cannot_read(https_like: Sandbox) -> None:
    url = https_like.url + PRODUCTS
    write = httpx.post(
        url + "/batch", json={"create": [{"name": "x"}]}, auth=https_like.keys["read"]
    )
    assert write.status_code == 401
    assert write.json()["message"] == "The API key provided does not have write permissions."
    read = httpx.get(url, auth=https_like.keys["write"])
    assert read.status_code == 401
    assert read.json()["message"] == "The API key provided does not have read permissions."
    assert https_like.count() == 0


def test_added_keys_carry_their_permission(https_like: Sandbox) -> None:
    key = https_like.add_key("read")
    assert key not in https_like.keys.values()
    url = https_like.url + PRODUCTS
    assert httpx.get(url, auth=key).status_code == 200
    assert httpx.post(url, json={"name": "x"}, auth=key).status_code == 401
    with pytest.raises(ValueError, match="permission"):
        https_like.add_key("admin")
