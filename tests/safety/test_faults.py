"""A 2,100-product nightly import through a faulty store ends in exactly the desired state.

The sandbox answers 503s and 500s, rate-limits with ``429 + Retry-After``, has latency spikes,
times out while still saving (the write commits, the answer never comes) and drops connections
after committing batches. The run goes through the real CLI (``bulkio import``) with the
safety layer on (missing products drafted, limits checked), over HTTP. Then: every SKU holds
the feed's values, no SKU exists twice, the right products are drafted, the exit code is 0,
and running the same feed again writes nothing.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import pytest

from bulkio.runlog import read_log
from bulkio.sandbox import FaultPlan, FaultRule, Sandbox
from tests.safety.helpers import cli, live_by_sku, owned_state, rows, write_csv, write_mapping

FIRST = 600  # products a first, clean run creates: P-0001 … P-0600
FEED = 2000
TIMEOUTS = 2  # tonight's feed: P-0101 … P-2100 (P-0001 … P-0100 discontinued)


def profile(sb: Sandbox, path: Path) -> Path:
    key, secret = sb.keys["read_write"]
    path.write_text(
        f"""
[profiles.fast]
url = "{sb.url}"
key = "{key}"
secret = "{secret}"
timeout = 2.5
max_attempts = 8
backoff_base = 0.02
backoff_max = 0.2
""",
        encoding="utf-8",
    )
    os.chmod(path, 0o600)
    return path


def tonight() -> list[dict[str, str]]:
    data = rows(FEED, start=FIRST - 499)  # P-0101 … P-2100
    for row in data:
        n = int(row["sku"][2:])
        if n <= FIRST and n % 5 == 0:  # a fifth of the existing products change price
            row["price"] = f"{float(row['price']) * 1.05:.2f}"
    return data


@pytest.mark.parametrize(
    "seed", [7, *(pytest.param(seed, marks=pytest.mark.slow) for seed in range(8, 15))]
)
def test_faulty_store_converges_exactly(sandbox_factory, tmp_path: Path, seed: int) -> None:
    sb: Sandbox = sandbox_factory(faults=FaultPlan(seed=seed))
    config = profile(sb, tmp_path / "config.toml")
    mapping = write_mapping(
        tmp_path / "supplier.toml", missing="draft", manages='{ meta = "_bulkio_feed" }'
    )
    store = ["--config", str(config), "--profile", "fast", "--quiet"]
    first = write_csv(tmp_path / "first.csv", rows(FIRST))
    clean = cli("import", first, "-m", mapping, *store)
    assert clean.exit_code == 0, clean.output

    sb.faults = FaultPlan(
        seed=seed,
        rules=[
            FaultRule.error(503, route="products/batch", probability=0.15, times=6),
            FaultRule.error(500, route="products", method="GET", probability=0.05, times=3),
            FaultRule.rate_limit(retry_after=1, route="products*", after=3, times=2),
            FaultRule.latency(0.4, route="products*", probability=0.1, times=8),
            FaultRule.drop_after_commit(route="products/batch", probability=0.2, times=5),
            FaultRule.timeout(3.0, route="products/batch", commit=True, after=1, times=TIMEOUTS),
        ],
    )
    sb.clear_log()
    feed = write_csv(tmp_path / "tonight.csv", tonight())
    result = cli(
        "import",
        feed,
        "-m",
        mapping,
        *store,
        "--max-hide",
        "100",
        "--concurrency",
        "4",
        "--batch-size",
        "50",
    )
    assert result.exit_code == 0, result.output

    # A timed-out request is logged when the sandbox finally closes it (after the client gave
    # up and retried): wait for both to land, so none shows up in the re-run's request log.
    deadline = time.monotonic() + 5
    while True:
        fired = Counter(entry.fault for entry in sb.request_log if entry.fault)
        missing = [
            kind
            for kind in ("503", "429", "latency", "drop_after_commit", "timeout")
            if not any(kind in name for name in fired)
        ]
        timeouts = sum(n for name, n in fired.items() if "timeout" in name)
        if (not missing and timeouts == TIMEOUTS) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert missing == [], fired

    # exactly the desired state: the feed's values for its SKUs, drafts for the rest
    expected = {}
    for row in rows(FIRST):
        expected[row["sku"]] = (
            row["name"],
            row["price"],
            int(row["stock"]),
            True,
            row["ean"],
            "draft",
        )
    for row in tonight():
        expected[row["sku"]] = (
            row["name"],
            row["price"],
            int(row["stock"]),
            True,
            row["ean"],
            "publish",
        )
    assert owned_state(sb) == expected  # live_by_sku inside fails on any duplicate SKU
    assert sb.count(include_trash=True) == FIRST + FEED - 500  # not one product more
    assert len(live_by_sku(sb)) == 2100

    # the run log saw the trouble and accounted for every row
    home = Path(os.environ["BULKIO_HOME"]) / "runs"
    log = read_log(sorted(home.rglob("log.jsonl"))[-1])
    assert any(r.get("phase") == "http" and r.get("attempts", 1) > 1 for r in log)
    assert any(r.get("status") == 429 for r in log)
    summary = log[-1]
    assert summary["exit_code"] == 0
    counts = summary["counts"]
    assert counts["created"] == FEED - 500 and counts["hidden"] == 100
    assert counts["updated"] == 100 and counts["failed"] == 0
    print(f"faults fired: {dict(fired)}; run counts: {counts}; took {summary['duration']} s")

    sb.faults = FaultPlan()
    sb.clear_log()
    preview = cli("import", feed, "-m", mapping, "--dry-run", *store[:-1])
    assert preview.exit_code == 0
    assert "plan: 0 to create, 0 to update, 2000 unchanged, 0 rejected" in preview.stdout
    again = cli("import", feed, "-m", mapping, *store)
    assert again.exit_code == 0
    assert sb.writes() == 0
