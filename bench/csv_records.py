"""CSV records stage against the parse floor, before / after a change, interleaved.

    .venv/bin/python bench/csv_records.py [--rows 100000] [--repeat 5] [--before DIR]

Each measurement is a fresh Python process (as in ``bench/client_cost.py``, whose floor and
worker shapes these are): polars' own read of the 100,000-row supplier CSV of ``bench/data.py``
(the floor), bulkio's CSV reader (``read_csv``), and the records stage (``build_records``:
read, filters, casts, checks, duplicate SKUs). With ``--before DIR`` (a copy of an earlier
checkout, e.g. ``git archive <commit> bulkio | tar -x -C DIR``) the reader and the records of
that copy run too, in turns with the current ones, so load drifts hit both alike.

Wall time and CPU time (all threads of the process) are reported: on this shared 2-core
machine wall time swings with the other processes, CPU time much less. Prints best and median
of each, with the ratio to the floor's, and the load average before and after. Nothing is
written to RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def worker(kind: str, root: str, feed: str) -> dict[str, Any]:
    """One measurement in this fresh process; ``root`` is the checkout whose bulkio runs."""
    sys.path.insert(0, root)
    import polars as pl

    from bulkio.mapping import load_mapping
    from bulkio.records import build_records
    from bulkio.sources.csv import read_csv

    mapping = load_mapping(ROOT / "mappings" / "supplier-csv.toml")
    wall, cpu = time.perf_counter(), time.process_time()
    if kind == "floor":
        rows = pl.read_csv(
            feed,
            separator=";",
            infer_schema=False,
            encoding="utf8-lossy",
            truncate_ragged_lines=True,
        ).height
    elif kind == "reader":
        rows = read_csv(feed, mapping.source).frame.height
    else:
        rows = build_records(mapping, feed).total
    return {
        "seconds": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rows": rows,
        "rss_mb": _peak_rss_mb(),
        "bulkio": str(Path(sys.modules["bulkio"].__file__ or "").parent),
    }


def _peak_rss_mb() -> float:
    """This process's peak RSS (``VmHWM``; see ``benchlib.peak_rss_mb``)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_worker(kind: str, root: Path, feed: str) -> dict[str, Any]:
    import subprocess

    done = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(root), feed],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", type=Path, help="a copy of an earlier checkout")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    sys.path.insert(0, str(HERE))
    import data

    roots = {"after": ROOT}
    if args.before:
        roots["before"] = args.before.resolve()
    results: dict[str, list[dict[str, Any]]] = {}
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bulkio-csv-records-") as tmp:
        feed = str(data.write_supplier_csv(Path(tmp) / "feed.csv", args.rows))
        for turn in range(args.repeat):
            runs = [("floor", "floor", ROOT)]
            order = list(roots.items()) if turn % 2 == 0 else list(roots.items())[::-1]
            for label, root in order:
                runs += [(f"{label} reader", "reader", root), (f"{label} records", "records", root)]
            for name, kind, root in runs:
                result = run_worker(kind, root, feed)
                assert result["bulkio"].startswith(str(root)), result
                results.setdefault(name, []).append(result)
    print(f"load average after: {os.getloadavg()}")
    floor = results["floor"]
    for name, runs in results.items():
        line = f"{name:16s}"
        for key in ("seconds", "cpu"):
            values = [run[key] for run in runs]
            base = [run[key] for run in floor]
            best, median = min(values), statistics.median(values)
            line += (
                f"  {'wall' if key == 'seconds' else 'cpu'} best {best:.3f} s "
                f"({best / min(base):.1f}×) median {median:.3f} s "
                f"({median / statistics.median(base):.1f}×)"
            )
        line += f"  peak RSS {max(run['rss_mb'] for run in runs):.0f} MB"
        print(line)


if __name__ == "__main__":
    main()
