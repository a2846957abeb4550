"""Interleaved A/B on one real store: raw batches of 100 with 4 in flight against ``bulkio
catalog import`` of the same kind of products, alternated, so that the store's growth and the
machine's load hit both alike (``realstore.py`` runs its five ways one after another).

    .venv/bin/python bench/realstore_ab.py [--store wc11] [--products 500] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realstore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="wc11")
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--kinds",
        default="raw,bulkio",
        help="raw (batches of 100, 4 in flight), bulkio (catalog import, default settings), "
        "bulkio4 (catalog import --concurrency 4); rounds alternate their order",
    )
    args = parser.parse_args()
    env = realstore.store_env(args.store)
    if env is None or realstore.unavailable():
        print(f"skipped: no store {args.store} here")
        return
    raw = realstore.Raw(env)
    terms = realstore.ensure_terms(raw)
    run_id = uuid.uuid4().hex[:5].upper()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    out: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory(prefix="bulkio-ab-") as tmp:
        base = Path(tmp)
        base.chmod(0o755)
        for round_ in range(args.rounds):
            order = kinds if round_ % 2 == 0 else kinds[::-1]
            for number, kind in enumerate(order):
                items = realstore.rich_products(
                    f"BN{run_id}{kind[0].upper()}{number}{round_}-", args.products
                )
                if kind == "raw":
                    bodies = [realstore.raw_body(i, terms) for i in items]
                    figures = realstore.way_batches(raw, bodies, 4)
                else:
                    feed = realstore.write_wc_csv(base / f"ab{round_}.csv", items)
                    extra = ["--concurrency", "4"] if kind == "bulkio4" else []
                    figures = realstore.run_bulkio(
                        ["catalog", "import", str(feed), *extra], env, base / "home"
                    )
                    figures = {
                        "seconds": figures["seconds"],
                        "own": figures["result"].get("seconds"),
                        "to_plan": figures["log"].get("to_plan"),
                        "after_plan": figures["log"].get("after_plan"),
                        "requests": figures["stats"].get("requests"),
                        "writes": figures["log"].get("writes"),
                        "limits": figures.get("limits"),
                    }
                out[kind].append(figures)
                print(kind, round_, json.dumps(figures), flush=True)
    raw.close()
    totals = {kind: round(sum(r["seconds"] for r in runs), 1) for kind, runs in out.items()}
    print("totals", json.dumps(totals), flush=True)
    Path(f"/tmp/bulkio-ab-{args.store}.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
