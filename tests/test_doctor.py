"""``bulkio doctor``: healthy report and diagnoses, over real HTTP against the sandbox, plus
the causes the sandbox cannot stage (stripped headers, TLS-terminating proxies, clock skew)
against a small fake WooCommerce on httpx.MockTransport."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.config import ConnectionSettings
from bulkio.doctor import CheckResult, diagnose, exit_code_for
from bulkio.sandbox import Sandbox

Factory = Callable[..., Sandbox]


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def settings_for(sb: Sandbox, which: str = "read_write", **changes: Any) -> ConnectionSettings:
    key, secret = sb.keys[which]
    base = ConnectionSettings(url=sb.url, key=key, secret=secret, verify=sb.ca_cert_path or True)
    return base.replace(**changes)


# -- against the sandbox -------------------------------------------------------------------


def test_healthy_store_over_http(sandbox: Sandbox) -> None:
    sandbox.create_product({"name": "Keep me", "sku": "KEEP", "regular_price": "1.00"})
    before = sandbox.products()
    results = diagnose(settings_for(sandbox), latency_samples=3)
    checks = by_name(results)
    assert [r.name for r in results] == [
        "connection",
        "site",
        "api-root",
        "woocommerce",
        "credentials",
        "write",
        "batch-limit",
        "latency",
        "clock",
    ]
    assert all(r.status == "ok" for r in results), [r for r in results if r.status != "ok"]
    assert checks["batch-limit"].data["limit"] == 100
    assert checks["write"].data["permission"] == "read_write"
    assert exit_code_for(results) == 0
    assert sandbox.products() == before  # the write test changed nothing


def test_healthy_store_over_https_with_ca_bundle(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(tls=True, batch_limit=40)
    results = diagnose(settings_for(sb), latency_samples=2)
    checks = by_name(results)
    assert checks["credentials"].status == "ok"
    assert "HTTP Basic" in checks["credentials"].message
    assert "TLS verified with" in checks["connection"].message
    assert checks["batch-limit"].status == "warn" and checks["batch-limit"].data["limit"] == 40


def test_wrong_secret_over_http(sandbox: Sandbox) -> None:
    results = diagnose(settings_for(sandbox, secret="cs_not_the_secret"), latency_samples=1)
    credentials = by_name(results)["credentials"]
    assert credentials.status == "fail" and credentials.data["cause"] == "wrong_secret"
    assert "secret" in credentials.message and credentials.advice
    assert "write" not in by_name(results)  # later checks are skipped
    assert exit_code_for(results) == 4
    assert all("cs_not_the_secret" not in json.dumps(r.to_dict()) for r in results)


def test_wrong_secret_over_https(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(tls=True)
    credentials = by_name(diagnose(settings_for(sb, secret="cs_nope")))["credentials"]
    assert credentials.data["cause"] == "wrong_secret"
    assert "Consumer secret is invalid." in credentials.message


@pytest.mark.parametrize("tls", [False, True])
def test_unknown_key(sandbox_factory: Factory, tls: bool) -> None:
    sb = sandbox_factory(tls=tls)
    settings = settings_for(sb, key="ck_" + "0" * 40)
    credentials = by_name(diagnose(settings))["credentials"]
    assert credentials.status == "fail" and credentials.data["cause"] == "unknown_key"
    assert "does not know this consumer key" in credentials.message


def test_read_only_key(sandbox: Sandbox) -> None:
    sandbox.create_product({"name": "Keep me", "sku": "KEEP"})
    before = sandbox.products()
    results = diagnose(settings_for(sandbox, "read"), latency_samples=1)
    checks = by_name(results)
    assert checks["credentials"].status == "ok"
    assert checks["write"].status == "warn" and checks["write"].data["permission"] == "read"
    assert "read-only" in checks["write"].message and checks["write"].advice
    assert "batch-limit" not in checks
    assert exit_code_for(results) == 0  # fine for exports
    strict = diagnose(settings_for(sandbox, "read"), latency_samples=1, require_write=True)
    assert by_name(strict)["write"].status == "fail" and exit_code_for(strict) == 4
    assert sandbox.products() == before


def test_write_only_key(sandbox: Sandbox) -> None:
    credentials = by_name(diagnose(settings_for(sandbox, "write")))["credentials"]
    assert credentials.data["cause"] == "write_only_key"


def test_plain_permalinks_with_old_woocommerce(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(rest_route_only=True, rest_route_auth=False)
    results = diagnose(settings_for(sb))
    checks = by_name(results)
    assert checks["api-root"].status == "warn" and checks["api-root"].data["form"] == "rest_route"
    assert checks["credentials"].status == "fail"
    assert checks["credentials"].data["cause"] == "rest_route_keys"
    assert "Permalinks" in (checks["credentials"].advice or "")
    assert "11.1" in (checks["credentials"].advice or "")
    assert exit_code_for(results) == 4


def test_plain_permalinks_with_new_woocommerce_is_fine(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(rest_route_only=True, rest_route_auth=True)
    results = diagnose(settings_for(sb), latency_samples=1)
    checks = by_name(results)
    assert checks["api-root"].status == "ok" and "rest_route" in checks["api-root"].message
    assert exit_code_for(results) == 0


def test_home_differs_from_the_typed_url(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(home="http://localhost")
    checks = by_name(diagnose(settings_for(sb), latency_samples=1))
    assert checks["credentials"].status == "ok"
    assert "WordPress calls itself http://localhost" in checks["api-root"].message


def test_basic_over_plain_http(sandbox: Sandbox) -> None:
    checks = by_name(diagnose(settings_for(sandbox, auth="basic")))
    credentials = checks["credentials"]
    assert credentials.status == "fail" and credentials.data["cause"] == "basic_over_http"
    assert "with OAuth these keys do work" in (credentials.advice or "")
    assert not any(r.auth == "basic_auth" for r in sandbox.request_log)


def test_tls_without_the_ca(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(tls=True)
    results = diagnose(settings_for(sb).replace(verify=True))
    assert [r.name for r in results] == ["connection", "site"]
    assert results[-1].status == "fail" and "--ca-bundle" in (results[-1].advice or "")


def test_nothing_listening() -> None:
    with Sandbox() as sb:
        url = sb.url
    results = diagnose(ConnectionSettings(url=url, key="ck_a", secret="cs_b"))
    assert results[-1].name == "site" and results[-1].status == "fail"


# -- causes staged on a fake WooCommerce -----------------------------------------------------


class FakeWoo:
    """Just enough of WooCommerce's authentication to stage what the sandbox cannot."""

    def __init__(
        self,
        *,
        strip_authorization: bool = False,
        sees_https: bool = True,
        clock_offset: float = 0.0,
        now: float = 1_700_000_000.0,
    ) -> None:
        self.keys = {"ck_good_key_0001": "cs_good_secret"}
        self.strip_authorization = strip_authorization
        self.sees_https = sees_https
        self.server_now = now + clock_offset

    def error(self, status: int, code: str, message: str) -> httpx.Response:
        return httpx.Response(
            status,
            json={"code": code, "message": message, "data": {"status": status}},
            headers={"Date": formatdate(self.server_now, usegmt=True)},
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        date = {"Date": formatdate(self.server_now, usegmt=True)}
        if request.url.path == "/wp-json/":
            return httpx.Response(
                200, json={"home": "https://shop.test", "namespaces": ["wc/v3"]}, headers=date
            )
        query = dict(parse_qsl(request.url.query.decode()))
        key = None
        if self.sees_https:
            secret = None
            if "consumer_key" in query:
                key, secret = query["consumer_key"], query["consumer_secret"]
            header = request.headers.get("authorization", "")
            if key is None and header.startswith("Basic ") and not self.strip_authorization:
                key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            if key is not None and key in self.keys and self.keys[key] != secret:
                return self.error(
                    401, "woocommerce_rest_authentication_error", "Consumer secret is invalid."
                )
            if key not in self.keys:
                key = None
        if key is None and "oauth_consumer_key" in query:
            if query["oauth_consumer_key"] not in self.keys:
                return self.error(
                    401, "woocommerce_rest_authentication_error", "Consumer key is invalid."
                )
            if abs(int(query["oauth_timestamp"]) - self.server_now) > 900:
                return self.error(
                    401, "woocommerce_rest_authentication_error", "Invalid timestamp."
                )
            key = query["oauth_consumer_key"]
        if key is None:
            return self.error(
                401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."
            )
        if request.method == "POST":
            return httpx.Response(200, json={"delete": []}, headers=date)
        return httpx.Response(200, json=[{"id": 1}], headers=date)


def fake_settings(url: str = "https://shop.test", **changes: Any) -> ConnectionSettings:
    base = ConnectionSettings(url=url, key="ck_good_key_0001", secret="cs_good_secret")
    return base.replace(**changes)


def test_fake_healthy() -> None:
    results = diagnose(
        fake_settings(),
        transport=httpx.MockTransport(FakeWoo()),
        clock=lambda: 1_700_000_000.0,
        latency_samples=1,
    )
    assert exit_code_for(results) == 0, results


def test_stripped_authorization_header_suggests_query_keys() -> None:
    fake = FakeWoo(strip_authorization=True)
    checks = by_name(
        diagnose(
            fake_settings(), transport=httpx.MockTransport(fake), clock=lambda: 1_700_000_000.0
        )
    )
    assert checks["credentials"].data["cause"] == "authorization_stripped"
    assert "--auth query" in (checks["credentials"].advice or "")
    # and with the advice followed, all is well
    fixed = diagnose(
        fake_settings(auth="query"),
        transport=httpx.MockTransport(fake),
        clock=lambda: 1_700_000_000.0,
        latency_samples=1,
    )
    assert exit_code_for(fixed) == 0


def test_proxy_hiding_https_suggests_oauth() -> None:
    fake = FakeWoo(sees_https=False)
    credentials = by_name(
        diagnose(
            fake_settings(), transport=httpx.MockTransport(fake), clock=lambda: 1_700_000_000.0
        )
    )["credentials"]
    assert credentials.data["cause"] == "https_not_seen"
    assert "--auth oauth" in (credentials.advice or "")


def test_oauth_clock_skew_is_named_with_the_offset() -> None:
    fake = FakeWoo(clock_offset=3600)
    results = diagnose(
        fake_settings(url="http://shop.test"),
        transport=httpx.MockTransport(fake),
        clock=lambda: 1_700_000_000.0,
    )
    checks = by_name(results)
    assert checks["credentials"].data["cause"] == "clock_skew"
    assert "+3600 s" in checks["credentials"].message
    assert checks["clock"].status == "fail" and checks["clock"].data["skew_seconds"] == 3600


def test_unknown_key_over_https_is_told_apart_from_stripped_header() -> None:
    fake = FakeWoo(strip_authorization=True)
    settings = fake_settings(key="ck_unknown_key_99")
    credentials = by_name(
        diagnose(settings, transport=httpx.MockTransport(fake), clock=lambda: 1_700_000_000.0)
    )["credentials"]
    assert credentials.data["cause"] == "unknown_key"


# -- the command line -------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(
        main, ["doctor", *args], env={"XDG_CONFIG_HOME": "/nonexistent", **(env or {})}
    )


def test_cli_healthy_and_json(sandbox: Sandbox) -> None:
    key, secret = sandbox.keys["read_write"]
    result = run_cli(
        "--url", sandbox.url, "--samples", "1", env={"BULKIO_KEY": key, "BULKIO_SECRET": secret}
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OK    connection") and "All checks passed." in result.stdout
    assert secret not in result.output and key not in result.output
    as_json = run_cli(
        "--url", sandbox.url, "--key", key, "--secret", secret, "--json", "--samples", "1"
    )
    report = json.loads(as_json.stdout)
    assert report["ok"] is True and report["exit_code"] == 0
    assert [c["status"] for c in report["checks"]] == ["ok"] * 9
    assert secret not in as_json.stdout


def test_cli_failure_exit_code_and_advice(sandbox: Sandbox) -> None:
    key, _ = sandbox.keys["read_write"]
    result = run_cli("--url", sandbox.url, "--key", key, "--secret", "cs_wrong")
    assert result.exit_code == 4
    assert "FAIL  credentials" in result.stdout and "→ copy the secret again" in result.stdout
    assert "cs_wrong" not in result.output


def test_cli_read_only_key_with_require_write(sandbox: Sandbox) -> None:
    key, secret = sandbox.keys["read"]
    base = ["--url", sandbox.url, "--key", key, "--secret", secret, "--samples", "1"]
    assert run_cli(*base).exit_code == 0
    strict = run_cli(*base, "--require-write")
    assert strict.exit_code == 4 and "FAIL  write" in strict.stdout


def test_cli_insecure_warns_loudly(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(tls=True)
    key, secret = sb.keys["read_write"]
    result = run_cli(
        "--url", sb.url, "--key", key, "--secret", secret, "--insecure", "--samples", "1"
    )
    assert "TLS certificates are NOT verified" in result.stderr
    assert "WARN  connection" in result.stdout and result.exit_code == 0


def test_cli_without_url_is_a_usage_error() -> None:
    result = run_cli()
    assert result.exit_code == 2 and "no store URL" in result.stderr


def test_help_never_shows_secrets() -> None:
    result = CliRunner().invoke(
        main, ["doctor", "--help"], env={"BULKIO_SECRET": "cs_from_env_123", "BULKIO_KEY": "ck_k"}
    )
    assert result.exit_code == 0
    assert "cs_from_env_123" not in result.output and "BULKIO_SECRET" in result.output


# -- the site's own answer is judged, not just "it answered" (issue 14, item 11) -------------


def site_answering(status: int, body: str, rest_route: httpx.Response | None = None) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        if "rest_route" in request.url.query.decode() and rest_route is not None:
            return rest_route
        return httpx.Response(status, text=body, headers={"Content-Type": "text/html"})

    return httpx.MockTransport(handler)


def site_check(transport: Any) -> CheckResult:
    results = diagnose(fake_settings(), transport=transport, latency_samples=1)
    return by_name(results)["site"]


def test_a_server_error_is_not_an_ok_site() -> None:
    check = site_check(site_answering(500, "<b>Fatal error</b>: Allowed memory size exhausted"))
    assert check.status == "fail" and "server error" in check.message
    assert "HTTP 500" in check.message and "error log" in (check.advice or "")


def test_a_404_everywhere_is_not_a_wordpress_site() -> None:
    check = site_check(site_answering(404, "<h1>Not Found</h1>"))
    assert check.status == "fail" and "HTTP 404" in check.message
    assert "WordPress site's address" in (check.advice or "")


def test_a_firewall_answer_names_what_stands_in_front() -> None:
    check = site_check(site_answering(403, "<h1>Access denied</h1>"))
    assert check.status == "fail" and "before WordPress" in check.message


def test_plain_permalinks_404_with_the_api_at_rest_route_is_fine() -> None:
    index = httpx.Response(200, json={"home": "https://shop.test", "namespaces": ["wc/v3"]})
    check = site_check(site_answering(404, "<h1>Not Found</h1>", rest_route=index))
    assert check.status == "ok" and "?rest_route=" in check.message
