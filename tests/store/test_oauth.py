"""OAuth 1.0a one-legged signatures, worked out by hand from WooCommerce's
``WC_REST_Authentication::check_oauth_signature`` (class-wc-rest-authentication.php):

* params = PHP ``$_GET`` (parse_str: ``a[]``/``a[b]`` nest, later duplicates win) + oauth_*,
  without ``oauth_signature``;
* top-level keys sorted with ``strcmp``; keys and leaf values rawurlencode'd; nested keys joined
  as ``key%5Bsub%5D``; each ``key=value`` rawurlencode'd again and joined with ``%26``;
* base = ``METHOD&rawurlencode(home-based URL)&joined``; HMAC key = ``secret&``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl

import httpx
import pytest

from bulkio.errors import UsageError
from bulkio.store.auth import (
    BasicAuth,
    OAuth1Auth,
    QueryKeyAuth,
    oauth_base_string,
    oauth_signature,
    php_parse_query,
)

OAUTH = {
    "oauth_consumer_key": "ck_test",
    "oauth_nonce": "abc123",
    "oauth_signature_method": "HMAC-SHA256",
    "oauth_timestamp": "1700000000",
}

# Written out by hand following the PHP steps above (not produced by the code under test).
WORKED_BASE = (
    "GET&http%3A%2F%2Flocalhost%3A8080%2Fwp-json%2Fwc%2Fv3%2Fproducts&"
    "oauth_consumer_key%3Dck_test%26oauth_nonce%3Dabc123%26"
    "oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26"
    "per_page%3D2%26sku%3DA%252CB%26status%3Dany"
)


def hmac_sha256_b64(text: str, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()).decode()


def test_php_parse_query_matches_parse_str() -> None:
    assert php_parse_query("a=1&a=2") == {"a": "2"}
    assert php_parse_query("include[]=5&include[]=7") == {"include": {"0": "5", "1": "7"}}
    assert php_parse_query("filter[period]=week&x.y=1&q=a+b") == {
        "filter": {"period": "week"},
        "x_y": "1",
        "q": "a b",
    }
    assert php_parse_query("empty=&rest_route=%2Fwc%2Fv3%2Fproducts") == {
        "empty": "",
        "rest_route": "/wc/v3/products",
    }


def test_worked_example_base_string_and_signature() -> None:
    params = {**php_parse_query("status=any&sku=A%2CB&per_page=2"), **OAUTH}
    base = oauth_base_string("get", "http://localhost:8080/wp-json/wc/v3/products", params)
    assert base == WORKED_BASE
    assert oauth_signature(base, "cs_test") == hmac_sha256_b64(WORKED_BASE, "cs_test&")
    # known answer (computed with `openssl dgst -sha256 -hmac 'cs_test&' -binary | base64`)
    assert oauth_signature(base, "cs_test") == "wHqWM/BLwPpmAi5weFoygYH9nxi04/kqw6kiceA4Myc="
    assert oauth_signature(base, "cs_test") != hmac_sha256_b64(WORKED_BASE, "cs_test")


def test_nested_arrays_and_rest_route_normalisation() -> None:
    params = {
        **php_parse_query("rest_route=/wc/v3/products&filter[period]=week&include[]=5&include[]=7"),
        **OAUTH,
    }
    base = oauth_base_string("GET", "http://shop.test", params)
    expected_params = (
        "filter%255Bperiod%255D%3Dweek%26include%255B0%255D%3D5%26include%255B1%255D%3D7%26"
        "oauth_consumer_key%3Dck_test%26oauth_nonce%3Dabc123%26"
        "oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26"
        "rest_route%3D%252Fwc%252Fv3%252Fproducts"
    )
    assert base == "GET&http%3A%2F%2Fshop.test&" + expected_params


def test_unicode_and_reserved_characters_are_rfc3986_encoded() -> None:
    params = {**php_parse_query("search=caf%C3%A9+%26+t%7Ee%21"), **OAUTH}
    base = oauth_base_string("GET", "http://s.test/x", params)
    # value "café & t~e!" → caf%C3%A9%20%26%20t~e%21 → encoded again inside the pair
    assert base.endswith("search%3Dcaf%25C3%25A9%2520%2526%2520t~e%2521")


def test_auth_flow_puts_signed_params_in_query_over_home_url() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    auth = OAuth1Auth(
        "ck_test",
        "cs_test",
        signing_url=lambda url: url.replace("http://127.0.0.1:9", "http://localhost:8080"),
        clock=lambda: 1700000000.7,
        nonce=lambda: "abc123",
    )
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        client.get(
            "http://127.0.0.1:9/wp-json/wc/v3/products",
            params={"status": "any", "sku": "A,B", "per_page": "2"},
            auth=auth,
        )
    query = dict(parse_qsl(seen[0].url.query.decode()))
    assert {k: query[k] for k in OAUTH} == OAUTH
    # the signature is sent percent-encoded ('+', '/', '=' survive PHP's decoding)
    assert "oauth_signature=" in seen[0].url.query.decode()
    assert query["oauth_signature"] == hmac_sha256_b64(WORKED_BASE, "cs_test&")
    assert "Authorization" not in seen[0].headers


def test_each_attempt_gets_a_fresh_nonce() -> None:
    nonces = iter(["n1", "n2"])
    auth = OAuth1Auth("ck", "cs", clock=lambda: 1.0, nonce=lambda: next(nonces))
    first = dict(auth.sign("GET", httpx.URL("http://s.test/x")))
    second = dict(auth.sign("GET", httpx.URL("http://s.test/x")))
    assert first["oauth_nonce"] == "n1" and second["oauth_nonce"] == "n2"
    assert first["oauth_signature"] != second["oauth_signature"]


@pytest.mark.parametrize("auth", [BasicAuth("ck_k", "cs_s"), QueryKeyAuth("ck_k", "cs_s")])
def test_basic_and_query_keys_refuse_plain_http(auth: httpx.Auth) -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    with httpx.Client(transport=transport) as client, pytest.raises(UsageError) as caught:
        client.get("http://shop.test/wp-json/wc/v3/products", auth=auth)
    assert sent == []  # nothing left the machine
    assert "plain HTTP" in str(caught.value) and "cs_s" not in str(caught.value)


def test_basic_and_query_keys_over_https() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        client.get("https://s.test/p", auth=BasicAuth("ck_k", "cs_s"))
        client.get("https://s.test/p?per_page=1", auth=QueryKeyAuth("ck_k", "cs_s"))
    assert sent[0].headers["Authorization"] == "Basic " + base64.b64encode(b"ck_k:cs_s").decode()
    assert dict(parse_qsl(sent[1].url.query.decode())) == {
        "per_page": "1",
        "consumer_key": "ck_k",
        "consumer_secret": "cs_s",
    }
    assert "Authorization" not in sent[1].headers
    for auth in (BasicAuth("ck_k", "cs_s"), QueryKeyAuth("ck_k", "cs_s"), OAuth1Auth("a", "cs_s")):
        assert "cs_s" not in repr(auth)
