"""The first read goes straight to ``/wp-json/`` (no discovery round trip), and nothing that
discovery checked is lost: other forms are still found, refusals read the same, OAuth and
writes still discover first (issue 15: the fixed cost of every command)."""

from __future__ import annotations

import threading
from urllib.parse import parse_qsl

import httpx
import pytest

from bulkio.config import ConnectionSettings
from bulkio.store import AuthenticationError, StoreClient, StoreError

INDEX = {"home": "https://shop.test", "namespaces": ["wp/v2", "wc/v3"]}
ORDERS = [{"id": 1}, {"id": 2}]
PAGE_HEADERS = {"X-WP-Total": "2", "X-WP-TotalPages": "1"}
REFUSED = {
    "code": "woocommerce_rest_cannot_view",
    "message": "Sorry, you cannot list resources.",
    "data": {"status": 401},
}


def client_for(handler, url: str = "https://shop.test") -> StoreClient:  # type: ignore[no-untyped-def]
    settings = ConnectionSettings(url=url, key="ck_0123456789abcd", secret="cs_secret_value")
    return StoreClient(settings, transport=httpx.MockTransport(handler), sleep=lambda s: None)


def target(request: httpx.Request) -> str:
    """``/wp-json/…`` or ``?rest_route=…``: where a request went."""
    route = dict(parse_qsl(request.url.query.decode())).get("rest_route")
    return f"?rest_route={route}" if route else request.url.path


def pretty_store(seen: list[str], orders_answer: httpx.Response | None = None):  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(target(request))
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        if request.url.path == "/wp-json/wc/v3/orders":
            return orders_answer or httpx.Response(200, json=ORDERS, headers=PAGE_HEADERS)
        return httpx.Response(200, json={"id": 9})

    return handler


def test_first_read_needs_no_discovery() -> None:
    seen: list[str] = []
    with client_for(pretty_store(seen)) as client:
        page = client.get_page("orders")
        client.get("products/9")
        assert client.api_root.form == "pretty"  # proven by the answer: no index read later
    assert [item["id"] for item in page.items] == [1, 2]
    assert seen == ["/wp-json/wc/v3/orders", "/wp-json/wc/v3/products/9"]
    assert client.stats.requests == 2


def test_concurrent_first_reads_need_no_discovery() -> None:
    seen: list[str] = []
    with client_for(pretty_store(seen)) as client:
        threads = [threading.Thread(target=client.get, args=("products/9",)) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert seen == ["/wp-json/wc/v3/products/9"] * 5


def test_plain_permalinks_are_still_found() -> None:
    """A site without ``/wp-json/`` (a web server's 404 page there): discovery as before, then
    the read at ``?rest_route=``; one request more than discovering first, only on such sites."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(target(request))
        if request.url.path.startswith("/wp-json"):
            return httpx.Response(404, html="<html><title>Not Found</title></html>")
        if target(request) == "?rest_route=/":
            return httpx.Response(200, json=INDEX)
        assert target(request) == "?rest_route=/wc/v3/orders"
        return httpx.Response(200, json=ORDERS, headers=PAGE_HEADERS)

    with client_for(handler) as client:
        page = client.get_page("orders")
        assert client.api_root.form == "rest_route" and client.api_root.has_woocommerce
    assert len(page.items) == 2
    assert seen == [
        "/wp-json/wc/v3/orders",
        "/wp-json/",
        "?rest_route=/",
        "?rest_route=/wc/v3/orders",
    ]


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, html="<html><title>My shop</title></html>"),  # front page for any path
        httpx.Response(302, headers={"Location": "https://shop.test/wp-login.php"}),
    ],
    ids=["html-200", "redirect"],
)
def test_an_answer_not_from_the_rest_api_is_not_taken_for_one(answer: httpx.Response) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(target(request))
        if request.url.path == "/wp-json/wc/v3/orders" and seen.count(target(request)) == 1:
            return answer
        if target(request) in ("/wp-json/", "?rest_route=/"):
            return httpx.Response(404, html="<p>no</p>")
        return httpx.Response(200, json=ORDERS, headers=PAGE_HEADERS)

    with client_for(handler) as client, pytest.raises(StoreError, match="no WordPress REST API"):
        client.get_page("orders")
    assert seen[:3] == ["/wp-json/wc/v3/orders", "/wp-json/", "?rest_route=/"]


def test_a_refused_key_reads_the_same_as_after_discovery() -> None:
    refused = httpx.Response(401, json=REFUSED)
    messages = []
    for discover_first in (False, True):
        seen: list[str] = []
        with client_for(pretty_store(seen, refused)) as client:
            if discover_first:
                assert client.api_root.form == "pretty"
            with pytest.raises(AuthenticationError) as caught:
                client.get_page("orders")
        messages.append((str(caught.value), caught.value.hint, caught.value.code))
        assert seen[-1] == "/wp-json/wc/v3/orders" and len(seen) == 1 + discover_first
    assert messages[0] == messages[1]
    assert "woocommerce_rest_cannot_view" in messages[0][0] and messages[0][1]


def test_oauth_discovers_first_its_signature_needs_home() -> None:
    seen: list[str] = []
    with client_for(pretty_store(seen), url="http://shop.test") as client:
        assert client.auth_mode == "oauth"
        client.get_page("orders")
        assert client.api_root.home == "https://shop.test"
    assert seen == ["/wp-json/", "/wp-json/wc/v3/orders"]


def test_discovery_reads_two_fields_of_the_index() -> None:
    """The index is a megabyte on a real store; discovery asks for ``home`` and
    ``namespaces`` only (a site that ignores ``_fields`` sends all of it: test_client.py)."""
    queries: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        queries.append(dict(parse_qsl(request.url.query.decode())))
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        return httpx.Response(404, html="<p>no</p>")

    with client_for(handler, url="http://shop.test") as client:
        root = client.api_root
    assert queries == [{"_fields": "home,namespaces"}]
    assert (root.form, root.home, root.namespaces) == (
        "pretty",
        "https://shop.test",
        ("wp/v2", "wc/v3"),
    )


def test_a_write_first_discovers_first() -> None:
    seen: list[str] = []
    with client_for(pretty_store(seen)) as client:
        client.post("products", {"name": "x"})
    assert seen == ["/wp-json/", "/wp-json/wc/v3/products"]
