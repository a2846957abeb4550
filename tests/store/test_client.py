"""StoreClient over httpx.MockTransport: discovery, routes, pages, batches, error mapping."""

from __future__ import annotations

import json
import logging
import threading
import time
from urllib.parse import parse_qsl

import httpx
import pytest

from bulkio.config import ConnectionSettings
from bulkio.errors import UsageError
from bulkio.store import (
    AuthenticationError,
    BatchTooLarge,
    NotFound,
    StoreClient,
    StoreError,
    UnexpectedResponse,
    WooError,
)

INDEX = {"home": "http://localhost", "url": "http://localhost", "namespaces": ["wp/v2", "wc/v3"]}


def client_for(handler, url: str = "http://shop.test:8080", **kwargs) -> StoreClient:  # type: ignore[no-untyped-def]
    settings = ConnectionSettings(url=url, key="ck_0123456789abcd", secret="cs_secret_value")
    return StoreClient(
        settings, transport=httpx.MockTransport(handler), sleep=lambda s: None, **kwargs
    )


def test_discovers_pretty_permalinks_once_and_signs_over_home() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/wp-json/":
            assert "oauth_signature" not in str(request.url)  # index read without credentials
            return httpx.Response(200, json=INDEX)
        return httpx.Response(200, json={"id": 7})

    with client_for(handler, "http://shop.test:8080/wp-json/") as client:
        threads = [threading.Thread(target=client.get, args=("products/7",)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        root = client.api_root
    assert calls.count("/wp-json/") == 1 and calls.count("/wp-json/wc/v3/products/7") == 6
    assert (root.form, root.home, root.has_woocommerce) == ("pretty", "http://localhost", True)
    assert client._signing_url("http://shop.test:8080/wp-json/wc/v3/products/7") == (
        "http://localhost/wp-json/wc/v3/products/7"
    )


def test_falls_back_to_rest_route_form() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.startswith("/wp-json"):
            return httpx.Response(404, html="<html><title>Page not found</title></html>")
        params = dict(parse_qsl(request.url.query.decode()))
        if params.get("rest_route") == "/":
            return httpx.Response(200, json=INDEX)
        assert params["rest_route"] == "/wc/v3/products"
        assert params["per_page"] == "3"
        return httpx.Response(200, json=[], headers={"X-WP-Total": "0", "X-WP-TotalPages": "0"})

    with client_for(handler) as client:
        page = client.get_page("products", per_page=3)
    assert client.api_root.form == "rest_route"
    assert page.items == [] and page.total == 0
    # query string starts with rest_route and the request goes to the site root with a slash
    assert str(seen[-1].url).startswith("http://shop.test:8080/?rest_route=%2Fwc%2Fv3%2Fproducts")


def test_closed_index_still_means_pretty_permalinks() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/":
            return httpx.Response(
                401,
                json={
                    "code": "rest_cannot_access",
                    "message": "Only authenticated users",
                    "data": {"status": 401},
                },
            )
        return httpx.Response(200, json=[])

    with client_for(handler) as client:
        client.get("products")
        assert client.api_root.form == "pretty" and client.api_root.home is None


def test_no_api_anywhere_is_a_store_error_with_both_probes() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html="<html><title>My blog</title><body>hi</body></html>")

    with client_for(handler) as client, pytest.raises(StoreError) as caught:
        client.get("products")
    text = str(caught.value)
    assert "/wp-json/" in text and "rest_route" in text and "My blog" in text


def test_redirecting_site_suggests_final_address() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "https://shop.test/wp-json/"})

    with client_for(handler) as client, pytest.raises(StoreError) as caught:
        client.get("products")
    assert "redirect" in str(caught.value) and "https://shop.test/wp-json/" in str(caught.value)


def test_iter_pages_yields_in_order_with_concurrent_fetches() -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        page = int(request.url.params["page"])
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02 * (7 - page) if page > 1 else 0)  # later pages answer sooner
        with lock:
            in_flight -= 1
        items = [{"id": page * 10 + i} for i in range(2 if page < 6 else 1)]
        return httpx.Response(200, json=items, headers={"X-WP-Total": "11", "X-WP-TotalPages": "6"})

    with client_for(handler, max_concurrency=3) as client:
        pages = list(client.iter_pages("orders", {"status": "any"}, per_page=2))
        stats = client.stats.snapshot()
    assert [p[0]["id"] for p in pages] == [10, 20, 30, 40, 50, 60]
    assert sum(len(p) for p in pages) == 11
    assert 1 < peak <= 3
    assert stats["by_route"]["GET orders"] == 6


def test_iter_pages_without_total_headers_reads_until_a_short_page() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        page = int(request.url.params["page"])
        return httpx.Response(200, json=[{"id": page}] * (2 if page < 3 else 1))

    with client_for(handler) as client:
        pages = list(client.iter_pages("products", per_page=2))
    assert [len(p) for p in pages] == [2, 2, 1]


def test_per_page_bounds() -> None:
    with (
        client_for(lambda r: httpx.Response(200, json=INDEX)) as client,
        pytest.raises(UsageError, match="per_page"),
    ):
        client.get_page("products", per_page=101)


def test_batch_returns_per_item_results_in_order() -> None:
    bodies: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        assert request.url.path == "/wp-json/wc/v3/products/batch" and request.method == "POST"
        body = json.loads(request.content)
        bodies.append(body)
        return httpx.Response(
            200,
            json={
                "create": [
                    {"id": 11, "sku": "A"},
                    {
                        "id": 0,
                        "error": {
                            "code": "product_invalid_sku",
                            "message": "Invalid or duplicated SKU.",
                            "data": {"status": 400, "resource_id": 10},
                        },
                    },
                ],
                "update": [
                    {
                        "id": 999999,
                        "error": {
                            "code": "woocommerce_rest_product_invalid_id",
                            "message": "Invalid ID.",
                            "data": {"status": 400},
                        },
                    }
                ],
            },
        )

    with client_for(handler) as client:
        result = client.batch(
            "products", create=[{"sku": "A"}, {"sku": "B"}], update=[{"id": 999999, "name": "x"}]
        )
        assert client.batch("products").items == []  # nothing to send: no request
    assert bodies == [
        {"create": [{"sku": "A"}, {"sku": "B"}], "update": [{"id": 999999, "name": "x"}]}
    ]
    assert [i.ok for i in result.create] == [True, False]
    assert result.create[0].id == 11
    error = result.create[1].error
    assert error is not None and error.code == "product_invalid_sku"
    assert error.data["resource_id"] == 10 and error.status == 400
    assert result.update[0].error is not None and result.update[0].index == 0
    assert not result.ok and len(result.errors) == 2 and result.delete == []


def test_batch_too_large_carries_the_limit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        return httpx.Response(
            413,
            json={
                "code": "woocommerce_rest_request_entity_too_large",
                "message": "Unable to accept more than 50 items for this request.",
                "data": {"status": 413},
            },
        )

    with client_for(handler) as client, pytest.raises(BatchTooLarge) as caught:
        client.batch("products", delete=list(range(60)))
    assert caught.value.limit == 50 and isinstance(caught.value, WooError)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (
            401,
            {
                "code": "woocommerce_rest_authentication_error",
                "message": "Consumer secret is invalid.",
                "data": {"status": 401},
            },
            AuthenticationError,
        ),
        (
            403,
            {"code": "woocommerce_rest_cannot_view", "message": "Sorry", "data": {"status": 403}},
            AuthenticationError,
        ),
        (404, {"code": "rest_no_route", "message": "No route", "data": {"status": 404}}, NotFound),
        (
            400,
            {"code": "rest_invalid_param", "message": "Invalid", "data": {"status": 400}},
            WooError,
        ),
    ],
)
def test_error_answers_become_typed_exceptions(
    status: int, body: dict[str, object], kind: type[WooError]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        return httpx.Response(status, json=body)

    with client_for(handler) as client, pytest.raises(kind) as caught:
        client.get("products", {"sku": "A"})
    error = caught.value
    assert type(error) is kind
    assert (error.code, error.status) == (body["code"], status)
    assert "GET http://shop.test:8080/wp-json/wc/v3/products?sku=A" in str(error)
    assert "oauth" not in str(error) and "cs_secret_value" not in str(error)
    assert int(error.exit_code) == 4


def test_html_error_page_gives_status_and_snippet() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        return httpx.Response(
            403, html="<html><head><title>Attention Required! | Cloudflare</title></head></html>"
        )

    with client_for(handler) as client, pytest.raises(UnexpectedResponse) as caught:
        client.get("products")
    assert caught.value.status == 403
    assert "Attention Required! | Cloudflare" in str(caught.value)
    assert "text/html" in str(caught.value)


def test_php_notice_before_json_is_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        return httpx.Response(200, text='<b>Notice</b>: Undefined index x\n[{"id":1}]')

    with client_for(handler) as client, pytest.raises(UnexpectedResponse, match="Notice"):
        client.get("products")


def test_basic_or_query_auth_over_plain_http_is_refused_up_front() -> None:
    for mode in ("basic", "query"):
        settings = ConnectionSettings(url="http://shop.test", key="ck", secret="cs", auth=mode)  # type: ignore[arg-type]
        with pytest.raises(UsageError, match="only uses it over HTTPS"):
            StoreClient(settings)


def test_query_auth_over_https_sends_keys_in_query_only() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        return httpx.Response(200, json=[])

    settings = ConnectionSettings(url="https://shop.test", key="ck_k", secret="cs_s", auth="query")
    with StoreClient(settings, transport=httpx.MockTransport(handler)) as client:
        client.get("products")
    params = dict(parse_qsl(seen[-1].url.query.decode()))
    assert params["consumer_key"] == "ck_k" and params["consumer_secret"] == "cs_s"
    assert "Authorization" not in seen[-1].headers
    assert "cs_s" not in repr(client)


def test_abandoning_iter_pages_stops_fetching() -> None:
    asked: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        asked.append(int(request.url.params["page"]))
        return httpx.Response(
            200, json=[{"id": 1}], headers={"X-WP-Total": "500", "X-WP-TotalPages": "500"}
        )

    with client_for(handler, max_concurrency=2) as client:
        pages = client.iter_pages("orders", per_page=1)
        assert next(pages) == [{"id": 1}]
        assert next(pages) == [{"id": 1}]
        pages.close()
    assert len(asked) <= 2 + 2 * 2  # first page, the one consumed, and a bounded window


def test_debug_log_never_contains_credentials(caplog: pytest.LogCaptureFixture) -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, json=[])])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/":
            return httpx.Response(200, json=INDEX)
        return next(answers)

    caplog.set_level(logging.DEBUG, logger="bulkio.store")
    for url, mode in (("http://shop.test", "oauth"), ("https://shop.test", "query")):
        answers = iter([httpx.Response(503), httpx.Response(200, json=[])])
        settings = ConnectionSettings(
            url=url, key="ck_0123456789abcd", secret="cs_secret_value", auth=mode
        )  # type: ignore[arg-type]
        with StoreClient(
            settings, transport=httpx.MockTransport(handler), sleep=lambda s: None
        ) as client:
            client.get("products", {"sku": "A"})
    text = caplog.text
    assert "products?sku=A" in text and "retrying" in text
    for secret in ("cs_secret_value", "ck_0123456789abcd", "oauth_signature", "consumer_secret"):
        assert secret not in text
