"""``--max-concurrency`` (adaptive ceiling) and ``--concurrency`` (fixed) on the commands that
talk to a store, over HTTP against the sandbox: what the options parse to, that the limit
tunes itself inside the ceiling, and that it backs off on slow answers.

Assertions are on counts and limits (the sandbox's peak of requests served at once, the
limiter's history), never on durations: the machine is shared.
"""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from bulkio.apply import live_concurrency, spread_chunk_size
from bulkio.cli import main
from bulkio.cli.connection import client_from_options, concurrency_options, store_options
from bulkio.config import DEFAULT_MAX_CONCURRENCY, ConnectionSettings
from bulkio.sandbox import FaultPlan, Sandbox
from bulkio.store import StoreClient

MAPPING = """
[source]
format = "csv"
delimiter = ","

[target]
resource = "product"

[fields]
sku = "sku"
name = "name"
regular_price = { column = "price", type = "money" }
"""


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("BULKIO_HOME", str(tmp_path / "home"))


def capture() -> tuple[click.Command, dict[str, Any]]:
    seen: dict[str, Any] = {}

    @click.command()
    @store_options
    @concurrency_options
    def command(**options: Any) -> None:
        with client_from_options(**options) as client:
            seen["adaptive"] = client.adaptive
            seen["max_concurrency"] = client.max_concurrency
            seen["limits"] = {k: v.limit for k, v in client.limiters.items()}

    return command, seen


@pytest.mark.parametrize(
    ("args", "adaptive", "ceiling", "start"),
    [
        ([], True, DEFAULT_MAX_CONCURRENCY, 4),
        (["--max-concurrency", "6"], True, 6, 4),
        (["--max-concurrency", "2"], True, 2, 2),
        (["--concurrency", "3"], False, 3, 3),
        (["--concurrency", "3", "--max-concurrency", "9"], False, 3, 3),
    ],
)
def test_the_options_make_an_adaptive_or_a_fixed_client(
    args: list[str], adaptive: bool, ceiling: int, start: int
) -> None:
    command, seen = capture()
    result = CliRunner().invoke(
        command, ["--url", "https://shop.example", "--key", "ck_a", "--secret", "cs_a", *args]
    )
    assert result.exit_code == 0, result.output
    assert seen["adaptive"] is adaptive
    assert seen["max_concurrency"] == ceiling
    assert seen["limits"] == {"reads": start, "writes": start}


@pytest.mark.parametrize("value", ["0", "65", "many"])
def test_an_impossible_number_is_refused_naming_the_option(value: str) -> None:
    command, _ = capture()
    result = CliRunner().invoke(command, ["--url", "https://a.example", "--concurrency", value])
    assert result.exit_code == 2
    assert "--concurrency" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["import"],
        ["apply"],
        ["catalog", "import"],
        ["catalog", "apply"],
        ["export", "orders"],
        ["export", "products"],
    ],
)
def test_every_store_command_has_both_options(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "--max-concurrency" in result.output and "--concurrency" in result.output


def write_feed(tmp_path: Path, rows: int) -> tuple[Path, Path]:
    feed, mapping = tmp_path / "feed.csv", tmp_path / "feed.toml"
    with feed.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "name", "price"])
        for n in range(rows):
            writer.writerow([f"CC-{n:05d}", f"Product {n}", "9.50"])
    mapping.write_text(MAPPING, encoding="utf-8")
    return feed, mapping


def bulkio_import(sb: Sandbox, feed: Path, mapping: Path, *options: str) -> Result:
    key, secret = sb.keys["read_write"]
    args = ["import", str(feed), "-m", str(mapping), "--url", sb.url, "--key", key]
    return CliRunner().invoke(
        main, [*args, "--secret", secret, "--batch-size", "10", "-q", *options]
    )


@pytest.mark.parametrize(("option", "most"), [("--max-concurrency", 3), ("--concurrency", 2)])
def test_the_import_never_sends_more_than_the_option_allows(
    sandbox_factory: Any, tmp_path: Path, option: str, most: int
) -> None:
    # A big host (16 workers): the adaptive limit would climb past 4 if it were allowed to.
    sb = sandbox_factory(faults=FaultPlan(workers=16, per_item=0.002, per_request=0.01))
    feed, mapping = write_feed(tmp_path, 400)
    result = bulkio_import(sb, feed, mapping, option, str(most))
    assert result.exit_code == 0, result.output
    assert sb.count("product") == 400
    assert 1 <= sb.peak_concurrency <= most


def settings(sb: Sandbox, **overrides: Any) -> ConnectionSettings:
    key, secret = sb.keys["read_write"]
    return ConnectionSettings(url=sb.url, key=key, secret=secret, max_attempts=10, **overrides)


def read_pages(client: StoreClient, pages: int) -> None:
    with ThreadPoolExecutor(max_workers=client.max_concurrency) as pool:
        list(pool.map(lambda n: client.get("products", params={"page": n + 1}), range(pages)))


def test_answers_near_the_timeout_make_the_limit_back_off(sandbox_factory: Any) -> None:
    # Every answer takes 1.0 s against a 1.25 s timeout (past three quarters of it): a store that
    # slow is about to time out, so the limit steps down from its start of 4 instead of doubling
    # (a step, not a halving: the store did answer).
    sb = sandbox_factory(faults=FaultPlan(per_request=1.0))
    with StoreClient(settings(sb, timeout=1.25), max_concurrency=16) as client:
        read_pages(client, 12)
        reads = client.limiters["reads"]
    assert reads.slow_answers >= 1 and reads.overloads == 0
    assert reads.limit < 4
    assert all(limit <= 4 for _, limit, _ in reads.history), reads.history
    assert {reason for _, _, reason in reads.history[1:]} == {"slow answer"}
    assert client.limiters["reads"].controller is not None
    assert client.limiters["reads"].controller.latency_cap == pytest.approx(0.625)


def test_answers_well_inside_the_timeout_do_not(sandbox_factory: Any) -> None:
    """The contrast: the same reads with a generous timeout are never counted as overloads."""
    sb = sandbox_factory(faults=FaultPlan(per_request=0.05))
    with StoreClient(settings(sb, timeout=30.0), max_concurrency=16) as client:
        read_pages(client, 12)
        reads = client.limiters["reads"]
    assert reads.overloads == 0
    assert "overload" not in {reason for _, _, reason in reads.history}


def test_small_runs_are_spread_over_the_live_limit_not_the_pool(sandbox_factory: Any) -> None:
    sb = sandbox_factory()
    with StoreClient(settings(sb), max_concurrency=16) as client:
        # 100 items over the 4 writes the adaptive client starts with, not over 16 threads.
        assert live_concurrency(client, 16) == 4
        assert spread_chunk_size(100, 100, live_concurrency(client, 16)) == 25
    with StoreClient(settings(sb), fixed_concurrency=2) as client:
        assert live_concurrency(client, 16) == 2
        assert spread_chunk_size(100, 100, live_concurrency(client, 16)) == 50


def test_waiting_at_the_gate_does_not_count_as_a_slow_batch(sandbox_factory: Any) -> None:
    """16 threads share a client that lets 1 write through at a time: the later chunks wait
    many batches' time at the gate, but only the store's own time (≈ 0.1 s a chunk, well under
    the 1 s target) paces the batch size, so every chunk goes whole."""
    from bulkio.apply import apply_plan
    from bulkio.plan.model import Plan, PlanItem

    sb = sandbox_factory(faults=FaultPlan(per_item=0.01))
    items = [
        PlanItem("create", n + 2, f"GW-{n:03d}", payload={"name": f"P{n}", "sku": f"GW-{n:03d}"})
        for n in range(160)
    ]
    with StoreClient(settings(sb), fixed_concurrency=1) as client:
        result = apply_plan(
            client, Plan(creates=items), concurrency=16, batch_size=10, target_seconds=1.0
        )
    assert result.counts()["created"] == 160
    sizes = [e.batch_items for e in sb.request_log if e.route.endswith("/products/batch")]
    assert sizes == [10] * 16 and result.batch_limit == 10
