"""The plain-permalink form ``/?rest_route=/wc/v3/...`` and its authentication quirks."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from bulkio.sandbox import Sandbox
from tests.sandbox.oauth import sign


def test_rest_route_form_serves_the_same_api(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(assume_https=True)
    sb.create_product({"name": "R", "sku": "R-1"})
    response = httpx.get(
        sb.url + "/",
        params={"rest_route": "/wc/v3/products", "_fields": "sku"},
        auth=sb.keys["read"],
    )
    assert response.status_code == 200, response.text
    assert response.json() == [{"sku": "R-1"}]
    assert sb.request_log[-1].route == "/wc/v3/products"
    index = httpx.get(sb.url + "/?rest_route=/").json()
    assert "wc/v3" in index["namespaces"]


def test_oauth_on_rest_route_signs_over_home_without_trailing_slash(sandbox: Sandbox) -> None:
    url = sandbox.url + "/"
    params = {"rest_route": "/wc/v3/products"}
    # WordPress signs over get_home_url(null, '') for the path "/": no trailing slash.
    good = sign("GET", url, params, *sandbox.keys["read"], sign_url=sandbox.url)
    assert httpx.get(url, params=good).status_code == 200
    with_slash = sign("GET", url, params, *sandbox.keys["read"], sign_url=sandbox.url + "/")
    assert httpx.get(url, params=with_slash).status_code == 401


def test_rest_route_only_makes_wp_json_a_404(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(rest_route_only=True, assume_https=True)
    pretty = httpx.get(sb.url + "/wp-json/wc/v3/products", auth=sb.keys["read"])
    assert pretty.status_code == 404 and pretty.headers["content-type"].startswith("text/html")
    plain = httpx.get(sb.url + "/?rest_route=/wc/v3/products", auth=sb.keys["read"])
    assert plain.status_code == 200


def test_old_woocommerce_does_not_authenticate_keys_on_rest_route(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(assume_https=True, rest_route_auth=False)
    old = httpx.get(sb.url + "/?rest_route=/wc/v3/products", auth=sb.keys["read"])
    assert old.status_code == 401 and old.json()["code"] == "woocommerce_rest_cannot_view"
    pretty = httpx.get(sb.url + "/wp-json/wc/v3/products", auth=sb.keys["read"])
    assert pretty.status_code == 200


def test_pagination_links_use_the_rest_route_form(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(assume_https=True, rest_route_only=True)
    for index in range(3):
        sb.create_product({"name": f"L{index}"})
    response = httpx.get(sb.url + "/?rest_route=/wc/v3/products&per_page=2", auth=sb.keys["read"])
    next_url = response.links["next"]["url"]
    assert next_url.startswith(sb.url + "/index.php?rest_route=/wc/v3/products&")
    assert "page=2" in next_url
    assert len(httpx.get(next_url, auth=sb.keys["read"]).json()) == 1
