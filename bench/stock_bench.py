"""The nightly stock sync at scale: a 50,000-SKU feed, 2% changed, against a catalog that size.

    .venv/bin/python bench/stock_bench.py [--skus 50000] [--changed 0.02] [--no-results]

The sandbox runs in its own process (so its work does not share the client's GIL), seeded with
enough products that their simple products and variations hold ``--skus`` stock items. Seeding
is then normalised in the sandbox database: every simple product manages stock (a quantity for
one that does not is rejected, see docs/stock.md) and any repeated variation SKU is made
unique, as WooCommerce would insist. The feed lists every SKU once; ``--changed`` of them
carry a new quantity.

Runs, each the library path of ``bulkio import`` (records → read → plan → apply):

1. no service time: the client's own cost, request counts against the theoretical minimum;
2. the same feed again: must read and write nothing but the reads (idempotency);
3. a new 2% change with PHP-like service times (4 workers, 50 ms a request, 1.2 ms per item
   read, 30–60 ms per item written): what a nightly run costs against a small real store.

Theoretical minimum: reads ``ceil(skus / 100)`` (a response holds at most 100 items); writes
``ceil(changed simple products / 100)`` plus, per parent with changed variations,
``ceil(its changed variations / 100)`` (each parent has its own batch route).
"""

from __future__ import annotations

import argparse
import csv
import math
import multiprocessing
import os
import platform
import random
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAPPING = """
[source]
format = "csv"
[target]
resource = "stock"
[fields]
sku = "sku"
stock_quantity = { column = "qty", type = "int" }
"""
PHP_LIKE: dict[str, Any] = {
    "workers": 4,
    "per_request": 0.05,
    "per_item": (0.03, 0.06),
    "per_read_item": 0.0012,
}
ITEMS_PER_PRODUCT = 1.45
"""Seeded stock items per product (85% simple, 15% variable with ~4 variations): sizing."""


def serve(pipe: Connection, skus: int, workdir: str) -> None:
    """Child process: seed, normalise, dump the catalog, serve until told to stop."""
    import json

    from bulkio.sandbox import FaultPlan, Sandbox

    products = math.ceil(skus / ITEMS_PER_PRODUCT * 1.03)
    started = time.monotonic()
    sb = Sandbox(seed_products=products, seed=11).start()
    seeded = time.monotonic() - started
    db = sb.db.db
    with db.transaction() as connection:
        connection.execute(
            "UPDATE posts SET doc = json_set(doc, '$.manage_stock', json('true'), "
            "'$.stock_quantity', coalesce(json_extract(doc, '$.stock_quantity'), 10), "
            "'$.stock_status', 'instock') WHERE kind = 'product' AND type = 'simple' "
            "AND json_extract(doc, '$.manage_stock') IS NOT 1"
        )
        repeated = connection.execute(
            "SELECT id, sku FROM posts WHERE kind = 'product_variation' AND sku IN "
            "(SELECT sku FROM posts WHERE kind = 'product_variation' GROUP BY sku "
            "HAVING COUNT(*) > 1) ORDER BY id"
        ).fetchall()
        seen: set[str] = set()
        for row in repeated:
            if row["sku"] in seen:
                new_sku = f"{row['sku']}-{row['id']}"
                connection.execute(
                    "UPDATE posts SET sku = ?, doc = json_set(doc, '$.sku', ?) WHERE id = ?",
                    (new_sku, new_sku, row["id"]),
                )
            seen.add(row["sku"])
    catalog = Path(workdir) / "catalog.csv"
    rows = db.query(
        "SELECT id, parent_id, sku, json_extract(doc, '$.stock_quantity') AS qty FROM posts "
        "WHERE kind IN ('product', 'product_variation') AND type != 'variable' "
        "AND status != 'trash' ORDER BY id"
    )
    with catalog.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "parent_id", "sku", "qty"])
        for row in rows:
            writer.writerow([row["id"], row["parent_id"], row["sku"], row["qty"]])
    counts = {
        "products": sb.count("product"),
        "variable": int(db.scalar("SELECT COUNT(*) FROM posts WHERE type = 'variable'") or 0),
        "variations": int(
            db.scalar("SELECT COUNT(*) FROM posts WHERE kind = 'product_variation'") or 0
        ),
        "renamed_duplicates": len(repeated) - len(seen),
    }
    pipe.send(
        {
            "url": sb.url,
            "keys": list(sb.keys["read_write"]),
            "seconds": seeded,
            "catalog": str(catalog),
            **counts,
        }
    )
    while True:
        message = pipe.recv()
        if message == "stop":
            break
        if message == "php-like":
            sb.faults = FaultPlan(**PHP_LIKE)
            pipe.send("ok")
        elif message == "log":
            log = sb.request_log
            pipe.send(
                json.dumps(
                    {
                        "reads": sum(1 for e in log if e.method == "GET"),
                        "writes": sum(1 for e in log if e.is_write),
                        "write_items": sum(e.batch_items for e in log if e.is_write),
                    }
                )
            )
            sb.clear_log()
    sb.stop()


def write_feed(path: Path, catalog: list[dict[str, str]], changed: set[int], bump: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "qty"])
        for index, item in enumerate(catalog):
            quantity = int(item["qty"] or 0) + (bump if index in changed else 0)
            writer.writerow([item["sku"], quantity])


def run(url: str, keys: list[str], mapping_path: Path, feed: Path) -> dict[str, Any]:
    from bulkio.apply import apply_plan
    from bulkio.config import ConnectionSettings
    from bulkio.mapping import load_mapping
    from bulkio.plan.stock_state import fetch_stock_state
    from bulkio.records import build_records
    from bulkio.stock import build_stock_plan
    from bulkio.store import StoreClient

    settings = ConnectionSettings(url=url, key=keys[0], secret=keys[1])
    with StoreClient(settings, max_concurrency=4) as client:
        client.api_root  # discovery outside the measured figures  # noqa: B018
        before = client.stats.snapshot()
        started = time.perf_counter()
        cpu = time.process_time()
        mapping = load_mapping(mapping_path)
        records = build_records(mapping, feed)
        parsed = time.perf_counter()
        state, report = fetch_stock_state(client, records.frame["sku"].to_list(), concurrency=4)
        fetched = time.perf_counter()
        plan = build_stock_plan(mapping, records, state)
        planned = time.perf_counter()
        result = apply_plan(client, plan, concurrency=4)
        done = time.perf_counter()
        after = client.stats.snapshot()
        cpu = time.process_time() - cpu
    products = sum(1 for item in plan.updates if not item.parent_id)
    by_parent: dict[int, int] = {}
    for item in plan.updates:
        if item.parent_id:
            by_parent[item.parent_id] = by_parent.get(item.parent_id, 0) + 1
    min_writes = math.ceil(products / 100) + sum(math.ceil(n / 100) for n in by_parent.values())
    return {
        "rows": records.total,
        "updates": len(plan.updates),
        "variation_updates": sum(by_parent.values()),
        "parents": len(by_parent),
        "rejected": len(plan.rejected),
        "updated": result.count("updated"),
        "failed": result.count("failed"),
        "strategy": report.strategy,
        "estimate": report.estimate,
        "reads": after["reads"] - before["reads"],
        "writes": after["writes"] - before["writes"],
        "min_reads": math.ceil(records.total / 100),
        "min_writes": min_writes,
        "parse": parsed - started,
        "fetch": fetched - parsed,
        "plan": planned - fetched,
        "apply": done - planned,
        "wall": done - started,
        "cpu": cpu,
    }


def show(label: str, figures: dict[str, Any], server: dict[str, int]) -> None:
    print(
        f"{label}: {figures['rows']} rows, {figures['updates']} updates "
        f"({figures['variation_updates']} variations of {figures['parents']} parents), "
        f"{figures['rejected']} rejected, {figures['failed']} failed | strategy "
        f"{figures['strategy']} {figures['estimate']} | reads {figures['reads']} "
        f"(min {figures['min_reads']}), writes {figures['writes']} (min {figures['min_writes']}), "
        f"server saw {server} | parse {figures['parse']:.2f} s, read {figures['fetch']:.2f} s, "
        f"plan {figures['plan']:.2f} s, apply {figures['apply']:.2f} s, "
        f"wall {figures['wall']:.2f} s, client CPU {figures['cpu']:.2f} s"
    )


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--changed", type=float, default=0.02)
    parser.add_argument("--no-results", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()

    bench_started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        parent, child = multiprocessing.Pipe()
        process = multiprocessing.get_context("spawn").Process(
            target=serve, args=(child, args.skus, tmp)
        )
        process.start()
        try:
            info = parent.recv()
            info["load_before"] = os.getloadavg()[0]
            with open(info["catalog"], newline="", encoding="utf-8") as handle:
                catalog = list(csv.DictReader(handle))[: args.skus]
            print(
                f"sandbox: {info['products']} products ({info['variable']} variable, "
                f"{info['variations']} variations) seeded in {info['seconds']:.1f} s; "
                f"feed of {len(catalog)} SKUs; {info['renamed_duplicates']} repeated "
                f"variation SKUs renamed"
            )
            base = Path(tmp)
            mapping = base / "stock.toml"
            mapping.write_text(MAPPING, encoding="utf-8")
            rng = random.Random(5)
            count = round(len(catalog) * args.changed)
            results: dict[str, tuple[dict[str, Any], dict[str, int]]] = {}

            def measured(label: str, feed: Path) -> None:
                parent.send("log")
                parent.recv()  # clear the log of earlier steps
                figures = run(info["url"], info["keys"], mapping, feed)
                parent.send("log")
                server = json.loads(parent.recv())
                show(label, figures, server)
                results[label] = (figures, server)

            first = base / "feed-1.csv"
            write_feed(first, catalog, set(rng.sample(range(len(catalog)), count)), 3)
            measured("first run", first)
            measured("second run", first)
            parent.send("php-like")
            parent.recv()
            # The store now holds the first feed's quantities; change another 2% of them.
            with first.open(newline="", encoding="utf-8") as handle:
                again = [{"sku": row["sku"], "qty": row["qty"]} for row in csv.DictReader(handle)]
            second = base / "feed-2.csv"
            write_feed(second, again, set(rng.sample(range(len(again)), count)), 5)
            measured("php-like run", second)
        finally:
            parent.send("stop")
            process.join(timeout=60)
    total = time.perf_counter() - bench_started
    print(f"benchmark wall time {total:.0f} s")
    if not args.no_results:
        write_results(results, info, len(catalog), args, total)


def write_results(
    results: dict[str, tuple[dict[str, Any], dict[str, int]]],
    info: dict[str, Any],
    skus: int,
    args: argparse.Namespace,
    total: float,
) -> None:
    measured_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "## Stock sync",
        "",
        f"`bench/stock_bench.py`: a {skus:,}-SKU stock feed ({args.changed:.0%} changed) against "
        f"a sandbox catalog of {info['products']:,} products ({info['variable']:,} variable, "
        f"{info['variations']:,} variations: {skus:,} stock items in the feed), the sandbox in "
        f"its own process (seeded in {info['seconds']:.1f} s). Library path of `bulkio import` "
        f'with `resource = "stock"`, concurrency 4. {platform.python_implementation()} '
        f"{platform.python_version()}, {os.cpu_count()} cores (`nproc`), measured "
        f"{measured_at}; whole benchmark {total:.0f} s; 1-minute load average "
        f"{info['load_before']:.1f} before the runs (other processes share the 2 cores, so "
        "wall times are upper bounds; request counts do not depend on it).",
        "",
        "| run | updates (variations / parents) | strategy | read requests (minimum) "
        "| write requests (minimum) | items written | read | plan | apply | wall | client CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, (f, server) in results.items():
        lines.append(
            f"| {label} | {f['updates']:,} ({f['variation_updates']:,} / {f['parents']:,}) "
            f"| {f['strategy']} | {f['reads']} ({f['min_reads']}) | {f['writes']} "
            f"({f['min_writes']}) | {server['write_items']:,} | {f['fetch']:.2f} s "
            f"| {f['plan']:.2f} s | {f['apply']:.2f} s | {f['wall']:.2f} s | {f['cpu']:.2f} s |"
        )
    lines += [
        "",
        "Read requests are counted by the client (API discovery excluded) and checked against the "
        "sandbox's own log; the extra reads over the minimum are the strategy probes "
        "(`X-WP-Total` of products, then of variable products, one item each). Writes: simple "
        "products in `products/batch` chunks of 100; variations in "
        "`products/<parent>/variations/batch`, one request per parent with changed variations "
        "— the minimum, since each parent has its own route. The second run reads and writes "
        "nothing else: zero writes. The PHP-like run models a small real store (4 workers, "
        "50 ms per request, 1.2 ms per item read, 30–60 ms per item written).",
        "",
        "Reproduce: `.venv/bin/python bench/stock_bench.py` (options `--skus`, `--changed`, "
        "`--no-results`).",
        "",
    ]
    results_path = ROOT / "bench" / "RESULTS.md"
    text = (
        results_path.read_text(encoding="utf-8")
        if results_path.exists()
        else "# Benchmark results\n"
    )
    section = "\n".join(lines)
    if "## Stock sync" in text:
        start = text.index("## Stock sync")
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if end == -1 else text[end + 1 :])
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results_path.write_text(text, encoding="utf-8")
    print(f"wrote {results_path}")


if __name__ == "__main__":
    main()
