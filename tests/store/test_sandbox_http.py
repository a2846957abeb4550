"""The store client over real HTTP against the local sandbox (127.0.0.1).

Auth schemes as WooCommerce accepts them, the refusal of Basic over plain HTTP, retries under
injected faults, pagination and per-item batch results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bulkio.config import ConnectionSettings
from bulkio.errors import UsageError
from bulkio.sandbox import FaultPlan, FaultRule, Sandbox
from bulkio.store import (
    AuthenticationError,
    BatchTooLarge,
    StoreClient,
    TransportError,
)

Factory = Callable[..., Sandbox]


def settings_for(sb: Sandbox, which: str = "read_write", **changes: Any) -> ConnectionSettings:
    key, secret = sb.keys[which]
    base = ConnectionSettings(url=sb.url, key=key, secret=secret, verify=sb.ca_cert_path or True)
    return base.replace(**changes)


def wc_requests(sb: Sandbox) -> list[Any]:
    return [r for r in sb.request_log if r.route.startswith("/wc/v3")]


def test_basic_auth_over_https(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(tls=True)
    assert sb.url.startswith("https://") and sb.ca_cert_path
    with StoreClient(settings_for(sb)) as client:
        assert client.auth_mode == "basic"
        created = client.batch(
            "products", create=[{"name": "Mug", "sku": "MUG-1", "regular_price": "9.50"}]
        )
        assert created.ok
        assert client.get("products", {"sku": "MUG-1"})[0]["regular_price"] == "9.50"
    assert {r.auth for r in wc_requests(sb)} == {"basic_auth"}
    assert all("consumer_secret" not in r.query for r in sb.request_log)


def test_query_string_keys_over_https(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(tls=True)
    with StoreClient(settings_for(sb, auth="query")) as client:
        assert client.get("products") == []
    assert {r.auth for r in wc_requests(sb)} == {"basic_auth"}  # WooCommerce's name for both


def test_wrong_secret_over_https_is_an_authentication_error(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(tls=True)
    with (
        StoreClient(settings_for(sb, secret="cs_wrong_wrong")) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.get("products")
    assert caught.value.woo_message == "Consumer secret is invalid."
    assert "cs_wrong_wrong" not in str(caught.value) and "cs_wrong_wrong" not in repr(caught.value)
    assert int(caught.value.exit_code) == 4


def test_tls_is_verified_by_default(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(tls=True)
    settings = settings_for(sb).replace(verify=True)
    with StoreClient(settings) as client, pytest.raises(TransportError) as caught:
        client.get("products")
    assert "--ca-bundle" in str(caught.value)
    assert wc_requests(sb) == []


def test_oauth_over_plain_http(sandbox: Sandbox) -> None:
    with StoreClient(settings_for(sandbox)) as client:
        assert client.auth_mode == "oauth"
        result = client.batch("products", create=[{"name": "Tea", "sku": "TEA-1"}])
        product_id = result.create[0].id
        assert product_id
        # query parameters (commas, spaces, unicode) are part of the signed string
        found = client.get("products", {"sku": "TEA-1,NOPE", "search": "Tea", "status": "any"})
        assert [p["id"] for p in found] == [product_id]
        assert client.get("products", {"search": "thé & café ~+/="}) == []
        assert client.get(f"products/{product_id}")["sku"] == "TEA-1"
        client.put(f"products/{product_id}", {"regular_price": "3.20"})
    assert sandbox.product_by_sku("TEA-1")["regular_price"] == "3.20"  # type: ignore[index]
    assert {r.auth for r in wc_requests(sandbox)} == {"oauth1"}
    assert all(r.status and r.status < 400 for r in wc_requests(sandbox))


def test_oauth_signs_over_the_home_wordpress_reports(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(home="http://localhost")  # reached as 127.0.0.1:PORT
    with StoreClient(settings_for(sb)) as client:
        assert client.get("products") == []
        assert client.api_root.home == "http://localhost"


def test_basic_over_plain_http_is_refused_before_sending(sandbox: Sandbox) -> None:
    for mode in ("basic", "query"):
        with pytest.raises(UsageError, match="over HTTPS"):
            StoreClient(settings_for(sandbox, auth=mode))
    assert sandbox.request_log == []


def test_rest_route_form_is_found_and_used(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(rest_route_only=True)
    with StoreClient(settings_for(sb)) as client:
        client.batch("products", create=[{"name": "A", "sku": "A"}])
        assert [p["sku"] for p in client.get("products")] == ["A"]
        assert client.api_root.form == "rest_route"
    assert all(r.path in ("/", "/wp-json/") for r in sb.request_log)


def test_retries_429_with_retry_after_and_503(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(
        faults=FaultPlan(
            rules=[
                FaultRule.rate_limit(retry_after=1, route="products", method="GET", times=1),
                FaultRule.error(503, route="products", method="GET", after=1, times=1),
            ]
        )
    )
    sleeps: list[float] = []
    with StoreClient(settings_for(sb), sleep=sleeps.append, random=lambda: 1.0) as client:
        assert client.get("products") == []
        assert client.stats.retries == 2 and client.stats.by_status[429] == 1
    assert sleeps == [1.0, 1.0]  # Retry-After: 1, then full-jitter ceiling 0.5 * 2
    assert [r.status for r in wc_requests(sb)] == [429, 503, 200]


def test_gives_up_after_bounded_attempts(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(faults=FaultPlan(rules=[FaultRule.error(502, route="products")]))
    sleeps: list[float] = []
    settings = settings_for(sb, max_attempts=3)
    with StoreClient(settings, sleep=sleeps.append) as client, pytest.raises(Exception) as caught:
        client.get("products")
    assert "502" in str(caught.value) and len(sleeps) == 2
    assert len(wc_requests(sb)) == 3


def test_dropped_connection_after_commit_is_retried_and_reconcilable(
    sandbox_factory: Factory,
) -> None:
    sb = sandbox_factory(
        faults=FaultPlan(
            rules=[
                FaultRule.drop_after_commit(route="products/batch", times=1),
            ]
        )
    )
    with StoreClient(settings_for(sb), sleep=lambda s: None) as client:
        result = client.batch("products", create=[{"name": "Lost answer", "sku": "LOST-1"}])
        assert client.stats.failures == 1 and client.stats.retries == 1
    # the first attempt was saved; the retry meets the SKU it created (apply reconciles this)
    held = sb.product_by_sku("LOST-1")
    assert held is not None
    error = result.create[0].error
    assert error is not None and error.code == "product_invalid_sku"
    assert error.data.get("resource_id") == held["id"]
    assert sb.count() == 1


def test_read_timeout_is_retried(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(
        faults=FaultPlan(
            rules=[
                FaultRule.timeout(1.0, route="products", method="GET", times=1),
            ]
        )
    )
    settings = settings_for(sb, timeout=0.3)
    with StoreClient(settings, sleep=lambda s: None) as client:
        assert client.get("products") == []
        assert client.stats.failures == 1


def test_pagination_follows_total_pages_in_order(sandbox: Sandbox) -> None:
    with StoreClient(settings_for(sandbox), max_concurrency=3) as client:
        created = client.batch(
            "products", create=[{"name": f"P{i}", "sku": f"SKU-{i:02d}"} for i in range(23)]
        )
        assert created.ok
        sandbox.clear_log()
        pages = list(client.iter_pages("products", {"orderby": "id", "order": "asc"}, per_page=5))
        first = client.get_page("products", {"orderby": "id", "order": "asc"}, per_page=5)
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    ids = [item["id"] for page in pages for item in page]
    assert ids == sorted(ids) and len(set(ids)) == 23
    assert (first.total, first.total_pages) == (23, 5)
    pages_asked = sorted(int(r.query["page"]) for r in wc_requests(sandbox) if r.method == "GET")
    assert pages_asked == [1, 1, 2, 3, 4, 5]


def test_batch_per_item_results_and_limit(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(batch_limit=5)
    with StoreClient(settings_for(sb)) as client:
        first = client.batch("products", create=[{"name": "A", "sku": "A"}])
        a_id = first.create[0].id
        result = client.batch(
            "products",
            create=[{"name": "B", "sku": "B"}, {"name": "A again", "sku": "A"}],
            update=[{"id": a_id, "regular_price": "5.00"}, {"id": 999999, "name": "x"}],
        )
        assert [i.ok for i in result.create] == [True, False]
        assert result.create[1].error is not None
        assert result.create[1].error.code == "product_invalid_sku"
        assert [i.ok for i in result.update] == [True, False]
        assert result.update[0].data["regular_price"] == "5.00"
        assert result.update[1].error is not None and result.update[1].error.status == 400
        with pytest.raises(BatchTooLarge) as caught:
            client.batch("products", delete=list(range(1, 7)))
        assert caught.value.limit == 5
    assert sb.count() == 2
