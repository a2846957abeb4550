"""A run killed with SIGKILL in the middle of applying, then run again, ends where one clean run
ends: same store state, no duplicate SKUs (reconcile, don't replay)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from bulkio.sandbox import FaultPlan, Sandbox
from bulkio.store import StoreClient
from tests.importing.conftest import Feed, feed_rows, run_import, store_state
from tests.safety.helpers import bulkio_process, subprocess_env, wait_until_quiet

ROWS = 300


def settled_count(sb: Sandbox, quiet_for: float = 0.5) -> int:
    return wait_until_quiet(sb.count, quiet_for)


def import_process(
    sb: Sandbox, tmp_path: Path, feed: Feed, *, text: bool = False
) -> AbstractContextManager[subprocess.Popen[Any]]:
    """``bulkio import`` of the feed in a subprocess, 10 rows a batch, two batches in flight."""
    return bulkio_process(
        subprocess_env(sb, tmp_path),
        "import",
        feed.csv,
        "-m",
        feed.mapping,
        "--batch-size",
        "10",
        "--concurrency",
        "2",
        "--quiet",
        text=text,
    )


def test_killed_run_then_rerun_equals_a_clean_run(
    sandbox_factory: Callable[..., Sandbox],
    client_for: Callable[..., StoreClient],
    make_feed: Callable[..., Feed],
    tmp_path: Path,
) -> None:
    feed = make_feed(feed_rows(ROWS))

    clean = sandbox_factory()
    run_import(client_for(clean), feed)
    expected = store_state(clean)
    assert len(expected) == ROWS

    # ~20 ms of server time per item: 30 batches of 10, two in flight, a few seconds in all.
    victim = sandbox_factory(faults=FaultPlan(per_item=0.02))
    with import_process(victim, tmp_path, feed) as process:
        deadline = time.monotonic() + 60
        while victim.writes(committed=True) < 4:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    # The server goes on saving a batch whose client died (as PHP does); let it finish.
    written_before_rerun = settled_count(victim)
    assert 0 < written_before_rerun < ROWS, "the kill must land in the middle of the run"

    victim.faults = FaultPlan()
    plan, result = run_import(client_for(victim), feed)
    assert result.complete, result.problems
    assert len(plan.creates) == ROWS - written_before_rerun
    assert store_state(victim) == expected  # also fails on any duplicate SKU
    assert victim.count(include_trash=True) == ROWS

    victim.clear_log()
    again, _ = run_import(client_for(victim), feed)
    assert not again.has_changes and victim.writes() == 0


def test_ctrl_c_mid_apply_exits_130_and_a_rerun_finishes_the_job(
    sandbox_factory: Callable[..., Sandbox],
    client_for: Callable[..., StoreClient],
    make_feed: Callable[..., Feed],
    tmp_path: Path,
) -> None:
    feed = make_feed(feed_rows(200))
    sb = sandbox_factory(faults=FaultPlan(per_item=0.02))
    with import_process(sb, tmp_path, feed, text=True) as process:
        deadline = time.monotonic() + 60
        while sb.writes(committed=True) < 2:
            assert process.poll() is None
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "running again is safe" in stderr
    written = settled_count(sb)
    assert 0 < written < 200
    # Batches already in flight finished; nothing new was started after the interrupt.
    assert sb.writes() <= sb.writes(committed=True) + 2

    sb.faults = FaultPlan()
    plan, result = run_import(client_for(sb), feed)
    assert result.complete and len(plan.creates) == 200 - written
    assert len(store_state(sb)) == 200 and sb.count(include_trash=True) == 200
