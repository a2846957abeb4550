"""A product import killed with SIGKILL in the middle of applying, on real WooCommerce, then run
again: the store ends exactly as the feed says, no SKU twice, and a third run writes nothing
(reconcile, don't replay). The sandbox versions: tests/importing/test_kill_rerun.py."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.realstore.helpers import bulkio_json, modified
from tests.realstore.refstore import REPO, RealStore, build_lock

ROWS = 200
EXISTING = 30  # products the store already holds (with other prices): updates in the feed

MAPPING = """
[source]
format = "csv"

[target]
resource = "product"

[fields]
sku = "sku"
name = "name"
regular_price = { column = "price", type = "money" }
stock_quantity = { column = "stock", type = "int" }
manage_stock = { value = true }
"meta:supplier" = "supplier"
"""


@pytest.fixture
def env(
    store_env: RealStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[RealStore]:
    """``store_env`` without a config file, outside any Plain permalinks window."""
    monkeypatch.delenv("BULKIO_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    with build_lock(exclusive=False):
        yield store_env


def feed_rows(prefix: str) -> list[dict[str, str]]:
    return [
        {
            "sku": f"{prefix}{n:04d}",
            "name": f"{prefix} Artikel {n}",
            "price": f"{10 + n / 100:.2f}",
            "stock": str(n % 37),
            "supplier": f"L-{n % 7}",
        }
        for n in range(1, ROWS + 1)
    ]


def count_ours(store: RealStore, skus: str) -> int:
    """Products holding these SKUs (comma-separated; any status but trash), as the store counts
    them."""
    answer = store.http.get("products", params={"sku": skus, "per_page": 1, "_fields": "id"})
    answer.raise_for_status()
    return int(answer.headers["X-WP-Total"])


def wait_until_quiet(store: RealStore, skus: str, quiet_for: float = 2.0) -> int:
    """The count once it stopped moving: PHP goes on saving the batch whose client died."""
    last, since = count_ours(store, skus), time.monotonic()
    while time.monotonic() - since < quiet_for:
        time.sleep(0.3)
        now = count_ours(store, skus)
        if now != last:
            last, since = now, time.monotonic()
    return last


def state(store: RealStore, prefix: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every product of ours (all statuses, trash included), and the live ones by SKU."""
    everything = list(store.iter_all("products", search=prefix, status="any"))
    everything += list(store.iter_all("products", search=prefix, status="trash"))
    return everything, {p["sku"]: p for p in everything if p["status"] != "trash"}


def as_feed(product: dict[str, Any]) -> dict[str, str]:
    supplier = next((m["value"] for m in product["meta_data"] if m["key"] == "supplier"), None)
    return {
        "sku": product["sku"],
        "name": product["name"],
        "price": product["regular_price"],
        "stock": str(product["stock_quantity"]),
        "supplier": supplier,
    }


def test_killed_import_then_rerun_converges_without_duplicates(
    env: RealStore, tmp_path: Path
) -> None:
    store = env
    prefix = store.prefix("K")
    rows = feed_rows(prefix)
    skus = ",".join(row["sku"] for row in rows)
    # A third of them with another price (under the safety limits' 50 % share of changes).
    store.post(
        "products/batch",
        {
            "create": [
                {
                    "sku": row["sku"],
                    "name": row["name"],
                    "regular_price": row["price"] if n % 3 else "9.99",
                    "manage_stock": True,
                    "stock_quantity": int(row["stock"]),
                    "meta_data": [{"key": "supplier", "value": row["supplier"]}],
                }
                for n, row in enumerate(rows[:EXISTING])
            ]
        },
    )
    source = tmp_path / "feed.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING, encoding="utf-8")

    args = ["import", str(source), "-m", str(mapping)]
    process_env = {**os.environ, "PYTHONPATH": str(REPO), "BULKIO_HOME": str(tmp_path / "home")}
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bulkio",
            *args,
            *("--batch-size", "20", "--concurrency", "2", "-q"),
        ],
        env=process_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Kill once a batch of creates is in (the updates of the 30 go first or with them).
        while count_ours(store, skus) < EXISTING + 20:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() - started < 120, "the import never started writing"
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    written = wait_until_quiet(store, skus)
    assert EXISTING + 20 <= written < ROWS, "the kill must land in the middle of the run"

    # Run 2: finishes the job; creates only what is missing.
    code, document = bulkio_json(*args)
    assert code == 0, document
    counts = document["result"]["counts"]
    assert counts["created"] == ROWS - written, counts
    assert counts["failed"] == counts["rejected"] == 0
    everything, live = state(store, prefix)
    skus = Counter(p["sku"] for p in everything)
    assert [sku for sku, n in skus.items() if n > 1] == [], "a SKU is held twice"
    assert len(everything) == len(live) == ROWS
    assert {sku: as_feed(p) for sku, p in live.items()} == {row["sku"]: row for row in rows}

    # Run 3: nothing to do, nothing written, no product touched.
    before = modified(live)
    code, document = bulkio_json(*args)
    assert code == 0, document
    assert document["result"]["writes"] == 0, document["result"]
    assert document["plan"]["counts"]["unchanged"] == ROWS
    assert modified(state(store, prefix)[1]) == before
