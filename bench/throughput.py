"""Throughput against the usual way: the same 2,000-product import into a store with
WooCommerce's service times, done three ways.

    .venv/bin/python bench/throughput.py [--products 2000] [--scale 5] [--no-results]

1. the usual way — ``bench/naive_import.py``: one POST per product, one at a time, plain httpx;
2. batch-only sequential — bulkio with ``concurrency=1``: batches of up to 100, one in flight;
3. bulkio — batches with 4 in flight (the default), the whole ``bulkio import`` library path
   (records → store state read → plan → apply).

Each run gets a fresh, empty sandbox in its own process, with the service-time model
calibrated on the reference store (``/work/shared/woocommerce-rest-reference.md``, a real
WooCommerce 7.9 on PHP-FPM, 2 cores): one POST /products ≈ 120 ms and a batch of 100 creates
≈ 6 s give 60 ms per request + 60 ms per created item; GET of 100 products with ``_fields``
≈ 0.12 s gives 0.6 ms per item read; 4 PHP workers. All service times are divided by
``--scale`` (default 5) to keep the run short; ratios between the three runs are unaffected
because every run pays the same model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import benchlib
import data
from naive_import import import_one_by_one

PER_REQUEST = 0.060
PER_ITEM = 0.060
PER_READ_ITEM = 0.0006
WORKERS = 4


def service_model(scale: float) -> dict[str, Any]:
    return {
        "per_request": PER_REQUEST / scale,
        "per_item": PER_ITEM / scale,
        "per_read_item": PER_READ_ITEM / scale,
        "workers": WORKERS,
    }


def run_bulkio(
    url: str, keys: tuple[str, str], ca: str, mapping_path: Path, feed: Path, concurrency: int
) -> dict[str, Any]:
    from bulkio.apply import apply_plan
    from bulkio.config import ConnectionSettings
    from bulkio.mapping import load_mapping
    from bulkio.plan import build_plan, fetch_store_state
    from bulkio.records import build_records
    from bulkio.store import StoreClient

    settings = ConnectionSettings(url=url, key=keys[0], secret=keys[1], verify=ca)
    with StoreClient(settings, max_concurrency=concurrency) as client:
        started = time.perf_counter()
        mapping = load_mapping(mapping_path)
        records = build_records(mapping, feed)
        state = fetch_store_state(
            client, mapping, records.frame["sku"].to_list(), concurrency=concurrency
        )
        plan = build_plan(mapping, records, state)
        result = apply_plan(client, plan, concurrency=concurrency)
        seconds = time.perf_counter() - started
        stats = client.stats.snapshot()
    counts = result.counts()
    return {
        "seconds": seconds,
        "created": counts.get("created", 0),
        "failed": counts.get("failed", 0),
        "requests": stats["requests"],
    }


def run(products: int = 2000, scale: float = 5.0) -> dict[str, Any]:
    model = service_model(scale)
    results: dict[str, Any] = {"products": products, "scale": scale, "model": model}
    with tempfile.TemporaryDirectory(prefix="bulkio-bench-") as tmp:
        base = Path(tmp)
        feed = data.write_simple_feed(base / "feed.csv", data.new_products(products))
        mapping_path = base / "mapping.toml"
        mapping_path.write_text(data.SIMPLE_MAPPING, encoding="utf-8")
        for name in ("bulkio", "batch_sequential", "naive"):
            # HTTPS, as real stores are: both clients use Basic auth over one kept-alive
            # TLS connection per worker, verified against the sandbox's throwaway CA.
            with benchlib.SandboxProcess(faults=model, tls=True) as store:
                keys = store.keys["read_write"]
                if name == "naive":
                    figures = dict(
                        import_one_by_one(store.url, keys[0], keys[1], feed, store.ca_cert_path)
                    )
                    figures["requests"] = figures["created"] + figures["failed"]
                else:
                    concurrency = 4 if name == "bulkio" else 1
                    figures = run_bulkio(
                        store.url, keys, str(store.ca_cert_path), mapping_path, feed, concurrency
                    )
                server = store.stats()
            figures["in_store"] = server["products"]
            figures["peak_concurrency"] = server["peak_concurrency"]
            results[name] = figures
            print(
                f"  {name}: {figures['seconds']:.1f} s, {figures['requests']} requests, "
                f"{figures['in_store']} products in the store",
                flush=True,
            )
    return results


LABELS = {
    "naive": "usual way: one POST per product, one at a time (`bench/naive_import.py`)",
    "batch_sequential": "batch-only sequential: bulkio, batches of ≤100, concurrency 1",
    "bulkio": "bulkio: batches, 4 in flight (default)",
}


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    naive, batch, bulk = results["naive"], results["batch_sequential"], results["bulkio"]
    speedup = naive["seconds"] / bulk["seconds"]
    ahead = batch["seconds"] / bulk["seconds"]
    return [
        (
            f"{results['products']:,}-product import, bulkio vs one POST at a time",
            f"{bulk['seconds']:.1f} s vs {naive['seconds']:.1f} s = {benchlib.fmt_ratio(speedup)}",
            "≥ 20×",
            "yes"
            if speedup >= 20
            else "no — the store model caps any client near 8× (see Throughput)",
        ),
        (
            "same, bulkio vs batch-only sequential",
            f"{bulk['seconds']:.1f} s vs {batch['seconds']:.1f} s = {benchlib.fmt_ratio(ahead)}",
            "ahead",
            "yes" if ahead > 1 else "no",
        ),
    ]


def section(results: dict[str, Any]) -> str:
    model, scale = results["model"], results["scale"]
    naive = results["naive"]
    lines = [
        f"`bench/throughput.py`: {results['products']:,} new simple products (name, SKU, price, "
        f"stock) into an empty sandbox in its own process. Service times calibrated on the "
        f"reference store (60 ms per request + 60 ms per created item: single POST ≈ 120 ms, "
        f"batch of 100 ≈ 6 s; 0.6 ms per item read; {WORKERS} PHP workers), **divided by "
        f"{scale:g}** to keep the run short ({model['per_request'] * 1000:.0f} ms + "
        f"{model['per_item'] * 1000:.0f} ms per item here); every run pays the same model, so "
        f"the ratios hold.",
        "",
        "| run | wall time | requests | products in store | products/s | vs the usual way | "
        "unscaled estimate |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("naive", "batch_sequential", "bulkio"):
        figures = results[name]
        lines.append(
            f"| {LABELS[name]} | **{figures['seconds']:.1f} s** | {figures['requests']:,} "
            f"| {figures['in_store']:,} | {results['products'] / figures['seconds']:.0f} "
            f"| **{benchlib.fmt_ratio(naive['seconds'] / figures['seconds'])}** "
            f"| ≈ {figures['seconds'] * scale / 60:.1f} min |"
        )
    bulk, batch = results["bulkio"], results["batch_sequential"]
    per_product_single = PER_REQUEST + PER_ITEM
    bound = per_product_single / PER_ITEM * WORKERS
    lines += [
        "",
        f"bulkio is **{benchlib.fmt_ratio(naive['seconds'] / bulk['seconds'])}** faster than "
        f"the usual way and **{benchlib.fmt_ratio(batch['seconds'] / bulk['seconds'])}** "
        f"faster than batch-only sequential. The 20× aim is not reachable against a store "
        f"that costs what the reference store costs: WooCommerce saves each item of a batch "
        f"as it would a single request (≈ 60 ms of the ≈ 120 ms a single POST takes), so "
        f"batching can at most halve the work, and {WORKERS} PHP workers at most quadruple "
        f"the rate: {per_product_single * 1000:.0f} / {PER_ITEM * 1000:.0f} × {WORKERS} = "
        f"{bound:.0f}× is the ceiling the store model leaves for any client. The usual way "
        f"also pays the round trip of each of its {results['products']:,} requests: "
        f"{naive['seconds'] / results['products'] * 1000:.1f} ms a product measured against "
        f"{per_product_single / scale * 1000:.0f} ms of modelled service time, so the measured "
        f"ratio can land a little above the model's ceiling. On the real "
        f"2-core reference store 4 batches in flight gave 2.5× (its CPUs, not its worker "
        f"count, were the limit), so expect about 2 × 2.5 = 5× there. Where a client saves "
        f"far more is on re-runs: an unchanged feed costs bulkio only its reads (see "
        f"Requests), where the usual script re-posts every product.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--no-results", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    results = run(args.products, args.scale)
    text = section(results)
    print(text)
    if not args.no_results:
        benchlib.update_section("Throughput", text)


if __name__ == "__main__":
    main()
