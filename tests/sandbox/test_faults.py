"""Each fault kind of the load model, over real HTTP."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from bulkio.sandbox import FaultPlan, FaultRule, Sandbox
from tests.sandbox.helpers import basic_client

Factory = Callable[..., Sandbox]


@pytest.fixture
def make(sandbox_factory: Factory) -> Callable[..., Sandbox]:
    def start(*rules: FaultRule, **plan: object) -> Sandbox:
        return sandbox_factory(assume_https=True, faults=FaultPlan(rules=list(rules), **plan))  # type: ignore[arg-type]

    return start


def test_error_status_matches_route_method_after_and_times(make: Callable[..., Sandbox]) -> None:
    sb = make(FaultRule.error(503, route="products", method="GET", after=1, times=2))
    with basic_client(sb) as api:
        statuses = [api.get("products").status_code for _ in range(5)]
        assert statuses == [200, 503, 503, 200, 200]
        assert api.post("products", json={"name": "x"}).status_code == 201
        assert api.get("products/categories").status_code == 200
    faulted = [e for e in sb.request_log if e.fault]
    assert [e.fault for e in faulted] == ["503", "503"]


def test_500_is_json_and_502_is_a_proxy_page(make: Callable[..., Sandbox]) -> None:
    sb = make(FaultRule.error(500, route="products", times=1), FaultRule.error(502, route="orders"))
    with basic_client(sb) as api:
        fatal = api.get("products")
        assert fatal.status_code == 500 and fatal.json()["code"] == "internal_server_error"
        gateway = api.get("orders")
        assert gateway.status_code == 502 and gateway.headers["content-type"].startswith(
            "text/html"
        )


def test_rate_limit_sends_retry_after(make: Callable[..., Sandbox]) -> None:
    sb = make(FaultRule.rate_limit(retry_after=3, route="products*", times=1))
    with basic_client(sb) as api:
        limited = api.post("products/batch", json={"create": [{"name": "x"}]})
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
        assert sb.count() == 0  # nothing was done
        assert api.post("products/batch", json={"create": [{"name": "x"}]}).status_code == 200
    assert sb.count() == 1


def test_drop_after_commit_loses_the_answer_not_the_write(make: Callable[..., Sandbox]) -> None:
    sb = make(FaultRule.drop_after_commit(route="products/batch", times=1))
    with basic_client(sb) as api:
        with pytest.raises(httpx.RemoteProtocolError):
            api.post("products/batch", json={"create": [{"name": "Kept", "sku": "K-1"}]})
        assert sb.product_by_sku("K-1") is not None
        retry = api.post("products/batch", json={"create": [{"name": "Kept", "sku": "K-1"}]}).json()
        assert retry["create"][0]["error"]["code"] == "product_invalid_sku"
    entry = sb.request_log[0]
    assert entry.status is None and entry.committed and entry.fault == "drop_after_commit"


def test_timeout_holds_the_connection_without_doing_the_work(make: Callable[..., Sandbox]) -> None:
    sb = make(FaultRule.timeout(2.0, route="products", method="POST", times=1))
    with httpx.Client(
        base_url=sb.url + "/wp-json/wc/v3/", auth=sb.keys["read_write"], timeout=0.3
    ) as api:
        with pytest.raises(httpx.ReadTimeout):
            api.post("products", json={"name": "Slow"})
        assert sb.count() == 0


def test_timeout_with_commit_saves_while_the_client_gives_up(make: Callable[..., Sandbox]) -> None:
    sb = make(FaultRule.timeout(2.0, route="products/batch", commit=True, times=1))
    with httpx.Client(
        base_url=sb.url + "/wp-json/wc/v3/", auth=sb.keys["read_write"], timeout=0.3
    ) as api:
        with pytest.raises(httpx.ReadTimeout):
            api.post("products/batch", json={"create": [{"name": "Saved", "sku": "S-1"}]})
        assert sb.product_by_sku("S-1") is not None


def test_latency_and_service_time_show_in_the_log(make: Callable[..., Sandbox]) -> None:
    sb = make(FaultRule.latency(0.15, route="products", method="GET"), per_item=(0.02, 0.03))
    with basic_client(sb) as api:
        api.get("products")
        api.post("products/batch", json={"create": [{"name": f"n{i}"} for i in range(5)]})
    read, batch = sb.request_log
    assert read.duration >= 0.15 and read.fault == "latency"
    assert batch.duration >= 5 * 0.02


def test_workers_cap_queues_extra_requests(make: Callable[..., Sandbox]) -> None:
    sb = make(workers=2, per_request=0.1)
    results: list[int] = []

    def fetch() -> None:
        with basic_client(sb) as api:
            results.append(api.get("products").status_code)

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 6
    assert sb.peak_concurrency == 2


def test_seeded_randomness_replays(sandbox_factory: Factory) -> None:
    def run(seed: int) -> list[int]:
        plan = FaultPlan(rules=[FaultRule.error(503, probability=0.5)], seed=seed)
        sb = sandbox_factory(assume_https=True, faults=plan)
        with basic_client(sb) as api:
            return [api.get("products").status_code for _ in range(16)]

    first, again, other = run(3), run(3), run(4)
    assert first == again
    assert 503 in first and 200 in first
    assert first != other


def test_faults_can_change_while_running(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(assume_https=True)
    with basic_client(sb) as api:
        assert api.get("products").status_code == 200
        sb.faults = FaultPlan(rules=[FaultRule.error(503)])
        assert api.get("products").status_code == 503
        sb.faults = None  # type: ignore[assignment]
        assert api.get("products").status_code == 200


def test_parse_cli_fault_specs() -> None:
    rule = FaultRule.parse("503 route=products/batch method=POST p=0.25 times=3 after=1")
    assert (rule.kind, rule.status, rule.route, rule.method) == (
        "status",
        503,
        "products/batch",
        "POST",
    )
    assert (rule.probability, rule.times, rule.after) == (0.25, 3, 1)
    assert FaultRule.parse("429").retry_after == 1
    assert FaultRule.parse("latency 0.2 p=0.1").seconds == 0.2
    assert FaultRule.parse("timeout seconds=30 commit=true").commit is True
    assert FaultRule.parse("drop route=orders/batch").kind == "drop_after_commit"
    with pytest.raises(ValueError, match="unknown fault"):
        FaultRule.parse("explode")
    with pytest.raises(ValueError, match="unknown fault option"):
        FaultRule.parse("503 colour=red")


def test_requests_to_a_stopping_sandbox_do_not_hang(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(assume_https=True, faults=FaultPlan(rules=[FaultRule.timeout(30)]))
    errors: list[Exception] = []

    def call() -> None:
        try:
            httpx.get(sb.url + "/wp-json/wc/v3/products", auth=sb.keys["read"], timeout=10)
        except httpx.HTTPError as error:
            errors.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    while not sb.peak_concurrency and thread.is_alive():
        threading.Event().wait(0.02)
    sb.stop()
    thread.join(timeout=5)
    assert not thread.is_alive() and errors


@pytest.fixture
def tls_sandbox(sandbox_factory: Factory) -> Iterator[Sandbox]:
    yield sandbox_factory(tls=True)


def test_tls_serves_https_with_a_verifiable_certificate(tls_sandbox: Sandbox) -> None:
    sb = tls_sandbox
    assert sb.url.startswith("https://127.0.0.1:") and sb.ca_cert_path
    with pytest.raises(httpx.ConnectError):
        httpx.get(sb.url + "/wp-json/")
    response = httpx.get(
        sb.url + "/wp-json/wc/v3/products",
        auth=sb.keys["read"],
        verify=ssl.create_default_context(cafile=sb.ca_cert_path),
    )
    assert response.status_code == 200
    assert sb.request_log[-1].auth == "basic_auth"


def test_cpus_cap_the_service_time_running_at_once(make: Callable[..., Sandbox]) -> None:
    sb = make(workers=4, cpus=1, per_item=0.05)
    done: list[float] = []

    def batch(index: int) -> None:
        with basic_client(sb) as api:
            api.post(
                "products/batch", json={"create": [{"name": f"{index}-{i}"} for i in range(3)]}
            )
        done.append(index)

    threads = [threading.Thread(target=batch, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = sb.request_log
    assert len(done) == 3 and sb.count() == 9
    assert sb.peak_concurrency >= 2  # requests were in flight together…
    # …but with one "CPU" their 9 items took at least 9 × 50 ms in all, not 3 × 50 ms
    span = max(e.started + e.duration for e in entries) - min(e.started for e in entries)
    assert span >= 9 * 0.05


def test_a_body_over_the_web_server_limit_gets_an_html_413(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(assume_https=True, max_body_bytes=2000)
    with basic_client(sb) as api:
        big = api.post("products/batch", json={"create": [{"name": "x" * 100} for _ in range(30)]})
        assert big.status_code == 413 and big.headers["content-type"].startswith("text/html")
        small = api.post("products/batch", json={"create": [{"name": "ok"}]})
        assert small.status_code == 200
    assert sb.count() == 1
