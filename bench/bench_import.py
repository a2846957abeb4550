"""What an import costs against a store with WooCommerce-like service times.

    .venv/bin/python bench/bench_import.py [ROWS] [CONCURRENCY ...]

A sandbox answers with the server costs measured on a real WooCommerce 7.9 on a 2-core box
(``docs`` of the REST reference: ~30-60 ms per written item, 4 PHP workers). For each
concurrency it runs: (1) a first import creating ROWS products, (2) a second feed where every
10th price changed, (3) the same feed again. It prints requests, writes and wall time per step.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from bulkio.apply import apply_plan
from bulkio.config import ConnectionSettings
from bulkio.mapping import load_mapping
from bulkio.plan import build_plan, fetch_store_state
from bulkio.records import build_records
from bulkio.sandbox import FaultPlan, Sandbox
from bulkio.store import StoreClient

MAPPING = """
[source]
format = "csv"
[fields]
sku = "sku"
name = "name"
regular_price = { column = "price", type = "money" }
stock_quantity = { column = "stock", type = "int" }
manage_stock = { value = true }
"""


def write_feed(path: Path, rows: int, *, bump_every: int = 0) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "name", "price", "stock"])
        for n in range(rows):
            price = 10 + n % 90 + (1 if bump_every and n % bump_every == 0 else 0)
            writer.writerow([f"B-{n:06d}", f"Bench product {n}", f"{price}.00", n % 40])


def step(client: StoreClient, mapping_path: Path, feed: Path, concurrency: int) -> str:
    before = client.stats.snapshot()
    started = time.monotonic()
    mapping = load_mapping(mapping_path)
    records = build_records(mapping, feed)
    state = fetch_store_state(client, mapping, records.frame["sku"].to_list())
    plan = build_plan(mapping, records, state)
    planned = time.monotonic() - started
    result = apply_plan(client, plan, concurrency=concurrency)
    seconds = time.monotonic() - started
    after = client.stats.snapshot()
    counts = result.counts()
    used = {name: after[name] - before[name] for name in ("requests", "reads", "writes")}
    return (
        f"created {counts['created']:>5} updated {counts['updated']:>5} "
        f"unchanged {counts['unchanged']:>5} | requests {used['requests']:>3} "
        f"(reads {used['reads']:>3}, writes {used['writes']:>3}) "
        f"| plan {planned:5.2f} s, total {seconds:6.2f} s"
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    concurrencies = [int(c) for c in sys.argv[2:]] or [1, 4]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "m.toml").write_text(MAPPING, encoding="utf-8")
        write_feed(base / "first.csv", rows)
        write_feed(base / "second.csv", rows, bump_every=10)
        for concurrency in concurrencies:
            faults = FaultPlan(per_item=(0.03, 0.06), per_read_item=0.001, workers=4)
            with Sandbox(faults=faults) as sb:
                key, secret = sb.keys["read_write"]
                settings = ConnectionSettings(url=sb.url, key=key, secret=secret)
                with StoreClient(settings, max_concurrency=concurrency) as client:
                    print(f"rows {rows}, concurrency {concurrency}")
                    for name, feed in (
                        ("first import ", "first.csv"),
                        ("10% changed  ", "second.csv"),
                        ("same again   ", "second.csv"),
                    ):
                        line = step(client, base / "m.toml", base / feed, concurrency)
                        print(f"  {name} {line}")


if __name__ == "__main__":
    main()
