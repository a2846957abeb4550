"""Site URL normalisation, API-root URL building and the OAuth signing URL."""

from __future__ import annotations

import pytest

from bulkio.errors import UsageError
from bulkio.store.redact import redact_url
from bulkio.store.urls import ApiRoot, normalise_site_url, signing_base_url


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("https://shop.example.com", "https://shop.example.com"),
        ("https://shop.example.com/", "https://shop.example.com"),
        ("  https://Shop.Example.com//  ", "https://shop.example.com"),
        ("https://shop.example.com/wp-json", "https://shop.example.com"),
        ("https://shop.example.com/wp-json/", "https://shop.example.com"),
        ("https://shop.example.com/wp-json/wc/v3/products", "https://shop.example.com"),
        ("https://shop.example.com/index.php/wp-json/", "https://shop.example.com"),
        ("https://example.com/shop/", "https://example.com/shop"),
        ("https://example.com/shop/wp-json", "https://example.com/shop"),
        ("https://shop.example.com:443/", "https://shop.example.com"),
        ("http://127.0.0.1:8080/?rest_route=/", "http://127.0.0.1:8080"),
        ("HTTP://localhost:80", "http://localhost"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
    ],
)
def test_normalise_site_url(typed: str, expected: str) -> None:
    assert normalise_site_url(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("shop.example.com", "no scheme"),
        ("ftp://shop.example.com", "must start with https:// or http://"),
        ("https://ck_a:cs_b@shop.example.com", "must not contain credentials"),
        ("", "empty"),
        ("https://", "no host"),
    ],
)
def test_bad_urls_are_usage_errors(typed: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        normalise_site_url(typed)
    assert "cs_b" not in str(caught.value)


def test_route_urls_in_both_forms() -> None:
    pretty = ApiRoot(site="https://example.com/shop", form="pretty")
    assert pretty.url("products/12/variations") == (
        "https://example.com/shop/wp-json/wc/v3/products/12/variations",
        {},
    )
    plain = ApiRoot(site="https://example.com/shop", form="rest_route")
    assert plain.url("products") == (
        "https://example.com/shop/",
        {"rest_route": "/wc/v3/products"},
    )
    assert plain.index_url == ("https://example.com/shop/", {"rest_route": "/"})


@pytest.mark.parametrize(
    ("request_url", "site", "home", "expected"),
    [
        # same address: signed over what was sent, without the query string
        (
            "http://shop.test/wp-json/wc/v3/products?per_page=5",
            "http://shop.test",
            "http://shop.test",
            "http://shop.test/wp-json/wc/v3/products",
        ),
        # WordPress believes in another port/host: sign over home, keep the path
        (
            "http://127.0.0.1:8080/wp-json/wc/v3/products",
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://localhost/wp-json/wc/v3/products",
        ),
        # home says https but the request arrives over http: the server uses is_ssl() → http
        (
            "http://shop.test/wp-json/wc/v3/orders",
            "http://shop.test",
            "https://shop.test",
            "http://shop.test/wp-json/wc/v3/orders",
        ),
        # sub-directory install
        (
            "http://example.com/shop/wp-json/wc/v3/products",
            "http://example.com/shop",
            "http://example.com/shop",
            "http://example.com/shop/wp-json/wc/v3/products",
        ),
        # rest_route form: the path is the home itself, without a trailing slash
        (
            "http://example.com/shop/?rest_route=/wc/v3/products",
            "http://example.com/shop",
            "http://example.com/shop/",
            "http://example.com/shop",
        ),
        # home unknown (index closed): sign over the typed site
        (
            "http://shop.test:81/wp-json/wc/v3/products",
            "http://shop.test:81",
            None,
            "http://shop.test:81/wp-json/wc/v3/products",
        ),
    ],
)
def test_signing_base_url(request_url: str, site: str, home: str | None, expected: str) -> None:
    assert signing_base_url(request_url, site, home) == expected


def test_redact_url_strips_every_credential() -> None:
    url = (
        "https://ck_user:cs_pass@shop.test/wp-json/wc/v3/products?per_page=5"
        "&consumer_key=ck_abc&consumer_secret=cs_def&oauth_consumer_key=ck_abc"
        "&oauth_signature=SIG%2B%3D&oauth_nonce=n&oauth_timestamp=1&sku=A%2CB"
    )
    shown = redact_url(url)
    assert shown == "https://shop.test/wp-json/wc/v3/products?per_page=5&sku=A,B"
    for secret in ("cs_pass", "ck_user", "ck_abc", "cs_def", "SIG"):
        assert secret not in shown
