"""Retry-After parsing, full-jitter backoff, and the client's retry loop (MockTransport)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from bulkio.config import ConnectionSettings
from bulkio.store import StoreClient, TransportError, WooError
from bulkio.store.retry import RetryPolicy, parse_retry_after
from bulkio.store.urls import ApiRoot

NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("Tue, 14 Nov 2023 22:13:50 GMT", 30.0),
        ("Tue, 14 Nov 2023 22:00:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


def test_full_jitter_backoff_bounds() -> None:
    top = RetryPolicy(backoff_base=0.5, backoff_max=4.0, random=lambda: 0.999999)
    bottom = RetryPolicy(backoff_base=0.5, backoff_max=4.0, random=lambda: 0.0)
    ceilings = [top.backoff(n) for n in range(1, 7)]
    assert ceilings == pytest.approx([0.5, 1.0, 2.0, 4.0, 4.0, 4.0], rel=1e-4)
    assert all(bottom.backoff(n) == 0.0 for n in range(1, 7))


def test_retry_after_wins_and_is_capped() -> None:
    policy = RetryPolicy(retry_after_max=10.0, random=lambda: 0.5, clock=lambda: NOW)
    assert policy.delay(1, "3") == 3.0
    assert policy.delay(1, "3600") == 10.0
    assert policy.delay(2, "garbage") == 0.5  # falls back to jittered backoff: 0.5 * 1.0


def make_client(
    handler: Callable[[httpx.Request], httpx.Response],
    sleeps: list[float],
    **settings: object,
) -> StoreClient:
    config = ConnectionSettings(
        url="https://shop.test",
        key="ck_k",
        secret="cs_secret",
        **settings,  # type: ignore[arg-type]
    )
    return StoreClient(
        config,
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
        random=lambda: 1.0,
        clock=lambda: NOW,
        api_root=ApiRoot(site="https://shop.test", form="pretty", namespaces=("wc/v3",)),
    )


def scripted(*answers: object) -> Callable[[httpx.Request], httpx.Response]:
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, httpx.Response)
        return answer

    return handler


def test_429_with_retry_after_then_success() -> None:
    sleeps: list[float] = []
    handler = scripted(
        httpx.Response(
            429,
            headers={"Retry-After": "2"},
            json={"code": "too_many", "message": "x", "data": {"status": 429}},
        ),
        httpx.Response(503, text="<html><title>Maintenance</title></html>"),
        httpx.Response(200, json=[{"id": 1}]),
    )
    with make_client(handler, sleeps) as client:
        assert client.get("products") == [{"id": 1}]
    assert sleeps == [2.0, 1.0]  # Retry-After honoured; then backoff ceiling 0.5*2^1 * random 1.0
    assert client.stats.requests == 3 and client.stats.retries == 2
    assert client.stats.by_status == {429: 1, 503: 1, 200: 1}


def test_connection_drops_and_timeouts_are_retried() -> None:
    sleeps: list[float] = []
    handler = scripted(
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"ok": True}),
    )
    with make_client(handler, sleeps) as client:
        assert client.post("products", {"name": "x"}) == {"ok": True}
    assert sleeps == [0.5, 1.0, 2.0]
    assert client.stats.failures == 3 and client.stats.writes == 4


def test_gives_up_after_max_attempts_with_transport_error() -> None:
    sleeps: list[float] = []
    handler = scripted(*[httpx.ReadTimeout("timed out")] * 3)
    with (
        make_client(handler, sleeps, max_attempts=3) as client,
        pytest.raises(TransportError) as caught,
    ):
        client.get("products", {"per_page": 5})
    assert caught.value.attempts == 3 and len(sleeps) == 2
    assert "after 3 attempt(s)" in str(caught.value)
    assert "cs_secret" not in str(caught.value)
    assert int(caught.value.exit_code) == 4


def test_persistent_503_raises_the_last_answer() -> None:
    sleeps: list[float] = []
    answer = httpx.Response(
        503, json={"code": "overloaded", "message": "Busy", "data": {"status": 503}}
    )
    with (
        make_client(scripted(answer, answer), sleeps, max_attempts=2) as client,
        pytest.raises(WooError) as caught,
    ):
        client.get("products")
    assert caught.value.status == 503 and caught.value.code == "overloaded"
    assert "503 after 2 attempts" in str(caught.value)


def test_4xx_is_not_retried() -> None:
    sleeps: list[float] = []
    answer = httpx.Response(
        400,
        json={
            "code": "rest_invalid_param",
            "message": "Invalid parameter(s): per_page",
            "data": {"status": 400, "params": {"per_page": "bad"}},
        },
    )
    with make_client(scripted(answer), sleeps) as client, pytest.raises(WooError) as caught:
        client.get("products")
    assert sleeps == [] and caught.value.data["params"] == {"per_page": "bad"}


def test_tls_failure_is_not_retried_and_suggests_ca_bundle() -> None:
    import ssl

    def handler(request: httpx.Request) -> httpx.Response:
        try:
            raise ssl.SSLCertVerificationError("certificate verify failed")
        except ssl.SSLError as error:
            raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]") from error

    sleeps: list[float] = []
    with make_client(handler, sleeps) as client, pytest.raises(TransportError) as caught:
        client.get("products")
    assert sleeps == [] and "--ca-bundle" in str(caught.value)


# -- what a failed connection really was (issue 14, item 11) ----------------------------------


def _failing_client(error: Exception, attempts: int = 5) -> tuple[StoreClient, list[float]]:

    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1.0)
        raise error

    settings = ConnectionSettings(
        url="https://shop.invalid", key="ck_x1234567", secret="cs_y1234567", max_attempts=attempts
    )
    client = StoreClient(
        settings,
        transport=httpx.MockTransport(handler),
        sleep=lambda seconds: None,
        api_root=ApiRoot(site="https://shop.invalid", form="pretty"),
    )
    return client, calls


def test_an_unknown_host_fails_at_once_naming_dns() -> None:

    error = httpx.ConnectError("[Errno -2] Name or service not known")
    client, calls = _failing_client(error)
    with pytest.raises(TransportError) as caught:
        client.get("products")
    assert len(calls) == 1
    assert "does not resolve" in str(caught.value) and "shop.invalid" in str(caught.value)
    assert "--timeout" not in str(caught.value)


def test_a_refused_connection_says_nothing_listens_not_raise_the_timeout() -> None:

    client, calls = _failing_client(httpx.ConnectError("[Errno 111] Connection refused"), 3)
    with pytest.raises(TransportError) as caught:
        client.get("products")
    assert len(calls) == 3  # a server restarting may come back: retried, then named
    text = str(caught.value)
    assert "connection refused" in text and "nothing listens" in text
    assert "--timeout" not in text


def test_a_timeout_keeps_the_timeout_hint() -> None:

    client, _calls = _failing_client(httpx.ReadTimeout("timed out"), 2)
    with pytest.raises(TransportError) as caught:
        client.get("products")
    assert "--timeout" in str(caught.value)
