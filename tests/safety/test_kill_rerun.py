"""SIGKILL at random points, then run again: the store ends exactly as after one clean run.

Five seeded trials. Each kills a real ``bulkio import`` process (a subprocess holding the run
lock, writing its run log) at a different point — while starting or reading the store, between
batches, in the middle of the missing-product actions — then runs the same command again. The
re-run must get the lock at once (the kernel freed it), finish with exit 0 and leave the store
in the same state as a clean, uninterrupted run: same owned values, the same drafts, no
duplicate SKU. A third run writes nothing.
"""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bulkio.sandbox import FaultPlan, Sandbox
from tests.safety.helpers import (
    bulkio_process,
    cli_import,
    owned_state,
    rows,
    subprocess_env,
    wait_until_quiet,
    write_csv,
    write_mapping,
)

BASE = 120  # yesterday: P-0001 … P-0120
TONIGHT = (31, 240)  # tonight: P-0031 … P-0240; P-0001 … P-0030 go to draft
EXTRA = ["--max-hide", "30", "--batch-size", "10", "--concurrency", "2"]


def tonight_rows() -> list[dict[str, str]]:
    data = rows(TONIGHT[1] - TONIGHT[0] + 1, start=TONIGHT[0])
    for row in data:
        if int(row["sku"][2:]) % 6 == 0:
            row["name"] += " (new name)"
    return data


def settle(sb: Sandbox, quiet_for: float = 0.4) -> None:
    """Wait until the sandbox has logged nothing new for a moment (a batch whose client died
    is still saved, as PHP would)."""
    wait_until_quiet(lambda: len(sb.request_log), quiet_for)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    mapping = write_mapping(
        tmp_path / "nightly.toml", missing="draft", manages='{ meta = "_bulkio_feed" }'
    )
    return (
        mapping,
        write_csv(tmp_path / "yesterday.csv", rows(BASE)),
        write_csv(tmp_path / "tonight.csv", tonight_rows()),
    )


def test_five_random_kills_then_rerun_equal_a_clean_run(
    sandbox_factory: Callable[..., Sandbox], files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    mapping, yesterday, tonight = files
    clean = sandbox_factory()
    assert cli_import(clean, yesterday, mapping).exit_code == 0
    assert cli_import(clean, tonight, mapping, *EXTRA).exit_code == 0
    expected = owned_state(clean)
    assert sum(1 for v in expected.values() if v[-1] == "draft") == 30
    assert len(expected) == 240

    rng = random.Random(20261125)
    kill_points = []
    for trial in range(5):
        victim = sandbox_factory(faults=FaultPlan(per_item=0.004))
        runs = ["--runs-dir", str(tmp_path / f"runs-{trial}")]
        env = subprocess_env(victim, tmp_path)
        # yesterday's run (so tonight's min-rows check has a baseline)
        assert cli_import(victim, yesterday, mapping, *runs).exit_code == 0
        victim.clear_log()
        # kill after this many committed writes (0: at a random moment before any write)
        after_writes = rng.randint(0, 18)
        delay = rng.uniform(0.0, 0.6)
        with bulkio_process(
            env, "import", tonight, "-m", mapping, "--quiet", *EXTRA, *runs
        ) as process:
            deadline = time.monotonic() + 60
            if after_writes == 0:
                time.sleep(delay)
            else:
                while victim.writes(committed=True) < after_writes and process.poll() is None:
                    assert time.monotonic() < deadline, "the import never got that far"
                    time.sleep(0.005)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        settle(victim)
        written = victim.writes(committed=True)
        kill_points.append((after_writes, written, process.returncode))

        # the same command again (in-process: same code path, no interpreter start-up)
        rerun = cli_import(victim, tonight, mapping, *EXTRA, *runs)
        assert rerun.exit_code == 0, (trial, rerun.output)
        assert owned_state(victim) == expected, f"trial {trial}: killed after {written} writes"
        assert victim.count(include_trash=True) == 240  # never a duplicate

        victim.clear_log()
        third = cli_import(victim, tonight, mapping, *EXTRA, *runs)
        assert third.exit_code == 0 and victim.writes() == 0

    # the kills really landed at different points, most of them mid-run
    print("kill points (target, committed writes, returncode):", kill_points)
    assert len({point[1] for point in kill_points}) >= 4, kill_points
    assert sum(1 for point in kill_points if point[2] == -signal.SIGKILL) >= 4, kill_points
