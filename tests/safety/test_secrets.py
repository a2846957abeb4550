"""Keys and secrets never appear in anything a run writes or prints.

Imports run as a user runs them (a subprocess, credentials in the environment), over plain HTTP
(OAuth 1.0a signatures in the query string) and over TLS (HTTP Basic), with retries, rejected
rows, refused credentials and an unreachable store; then every file under the test's
directory and every byte of output is searched for the key and the secret, with and without
their ``ck_``/``cs_`` prefixes, and for the Basic ``Authorization`` value.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from bulkio.sandbox import FaultPlan, FaultRule, Sandbox
from tests.safety.helpers import rows, run_bulkio, subprocess_env, write_csv, write_mapping


def needles(key: str, secret: str) -> list[str]:
    basic = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return [key, secret, key[3:], secret[3:], basic, basic[:24]]


def scan(root: Path, outputs: list[str], words: list[str]) -> list[str]:
    """Every (place, word) where a secret shows up."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for word in words:
                if word.encode() in data:
                    found.append(f"{path}: {word[:8]}…")
    for index, text in enumerate(outputs):
        for word in words:
            if word in text:
                found.append(f"output #{index}: {word[:8]}…")
    return found


def test_no_secret_in_any_file_or_output(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    faults = FaultPlan(
        rules=[
            FaultRule.error(503, route="products/batch", times=2),
            FaultRule.rate_limit(retry_after=1, route="products", method="GET", times=1),
        ]
    )
    sb = sandbox_factory(faults=faults)
    key, secret = sb.keys["read_write"]
    home = tmp_path / "home"
    env = subprocess_env(sb, tmp_path, BULKIO_HOME=str(home))
    mapping = write_mapping(
        tmp_path / "feed.toml", missing="draft", manages='{ meta = "_bulkio_feed" }'
    )
    data = rows(30)
    data[4]["price"] = "abc"  # a rejected row: its message goes to the log and the report
    feed = write_csv(tmp_path / "feed.csv", data)
    outputs: list[str] = []

    def run(*args: str | Path, env_: dict[str, str] = env) -> int:
        result = run_bulkio(env_, *args)
        outputs.extend([result.stdout, result.stderr])
        return result.returncode

    # 1. a real import with retries, a rejected row, debug HTTP logging, report and plan files
    assert (
        run(
            "import",
            feed,
            "-m",
            mapping,
            "--debug-http",
            "--report",
            tmp_path / "r.csv",
            "--plan-out",
            tmp_path / "plan.json",
            "--log-file",
            tmp_path / "all.jsonl",
        )
        == 1
    )
    # 2. the same, as JSON, after products went missing (hides), key given on the command line
    fewer = write_csv(tmp_path / "fewer.csv", rows(25))
    assert run("import", fewer, "-m", mapping, "--json", "--key", key, "--secret", secret) == 0
    # 3. a dry run, and a run stopped by a limit
    assert run("import", write_csv(tmp_path / "z.csv", rows(25, price="0.00")), "-m", mapping) == 3
    # 4. a refused secret (the wrong one is a secret too)
    wrong = "cs_" + "0" * 40
    assert run("import", feed, "-m", mapping, env_={**env, "BULKIO_SECRET": wrong}) == 4
    # 5. a store that stopped answering
    down = subprocess_env(sb, tmp_path, BULKIO_HOME=str(home), BULKIO_URL="http://127.0.0.1:9")
    assert run("import", feed, "-m", mapping, "--timeout", "2", env_=down) == 4
    # 6. help
    assert run("import", "--help") == 0

    assert sb.writes() > 0 and any(e.auth == "oauth1" for e in sb.request_log)
    assert list(home.rglob("log.jsonl")) and (tmp_path / "all.jsonl").exists()
    assert scan(tmp_path, outputs, [*needles(key, secret), wrong, wrong[3:]]) == []
    # the scan itself is sharp: the secret is found where it really is
    (tmp_path / "canary.txt").write_text(f"x {secret[3:]} y")
    assert scan(tmp_path, [], needles(key, secret)) == [
        f"{tmp_path / 'canary.txt'}: {secret[3:][:8]}…"
    ]


def test_no_secret_over_tls_with_basic_auth(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = sandbox_factory(
        tls=True,
        faults=FaultPlan(rules=[FaultRule.drop_after_commit(route="products/batch", times=1)]),
    )
    key, secret = sb.keys["read_write"]
    home = tmp_path / "home"
    env = subprocess_env(sb, tmp_path, BULKIO_HOME=str(home))
    mapping = write_mapping(tmp_path / "feed.toml")
    feed = write_csv(tmp_path / "feed.csv", rows(12))
    result = run_bulkio(
        env, "import", feed, "-m", mapping, "--ca-bundle", sb.ca_cert_path or "", "--debug-http"
    )
    assert result.returncode == 0, result.stderr
    assert any(e.auth == "basic_auth" for e in sb.request_log)
    assert scan(tmp_path, [result.stdout, result.stderr], needles(key, secret)) == []


def test_basic_credentials_never_go_over_plain_http(sandbox: Sandbox, tmp_path: Path) -> None:
    env = subprocess_env(sandbox, tmp_path, BULKIO_HOME=str(tmp_path / "home"))
    mapping = write_mapping(tmp_path / "feed.toml")
    feed = write_csv(tmp_path / "feed.csv", rows(3))
    result = run_bulkio(env, "import", feed, "-m", mapping, "--auth", "basic")
    assert result.returncode == 2, result.stderr
    assert "basic" in result.stderr.lower() and "http" in result.stderr.lower()
    assert all(entry.auth != "basic_auth" for entry in sandbox.request_log)
    assert sandbox.writes() == 0
