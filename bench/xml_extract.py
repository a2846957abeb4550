"""XML extraction: the walker against XPath per path, both against the parse floor.

    .venv/bin/python bench/xml_extract.py [--rows 100000] [--repeat 3] [--mapping PATH]

Reads a feed shaped like ``mappings/supplier-xml.toml``'s sample (``bench/data.py``; 13 field
paths: attributes, namespaced children, attribute tests, nested attributes, CDATA) in fresh
processes, interleaved so that drifting load hits every variant alike:

* ``floor``: ``lxml.etree.iterparse`` walking every record, each cleared with its finished
  siblings (``bench/client_cost.py``'s floor);
* ``walker``: ``bulkio.sources.xml.iter_xml`` as bulkio reads (paths compiled into one walk of
  each record, :mod:`bulkio.sources.xml_plan`);
* ``xpath``: the same reader with every path evaluated by XPath per record
  (``walker=False``, the reader before the walker);
* ``records``: ``bulkio.records.build_records`` (read + transform + validate).

Each worker reports wall time, CPU time (``time.process_time``: less disturbed by other
processes on a shared machine than wall time) and peak RSS (``VmHWM``). Printed, not written
to RESULTS.md (the Client cost section is ``bench/client_cost.py``'s).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import benchlib
import data

SCRIPT = Path(__file__).resolve()


def _timed(work: Any) -> dict[str, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    rows = work()
    return {
        "seconds": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rows": rows,
        "rss_mb": benchlib.peak_rss_mb(),
    }


def worker(variant: str, mapping_path: str, feed: str) -> dict[str, Any]:
    from lxml import etree

    from bulkio.mapping import load_mapping
    from bulkio.records import build_records
    from bulkio.sources.xml import iter_xml

    mapping = load_mapping(mapping_path)
    source, paths = mapping.source, mapping.source_columns
    assert source.record is not None
    record_tag = source.record.rsplit("/", 1)[-1]

    def floor() -> int:
        count = 0
        for _event, element in etree.iterparse(feed, events=("end",), tag=record_tag):
            count += 1
            element.clear(keep_tail=False)
            parent = element.getparent()
            while element.getprevious() is not None:
                del parent[0]
        return count

    def read(walker: bool) -> int:
        return sum(piece.frame.height for piece in iter_xml(feed, source, paths, walker=walker))

    work = {
        "floor": floor,
        "walker": lambda: read(True),
        "xpath": lambda: read(False),
        "records": lambda: build_records(mapping, feed).total,
    }[variant]
    return _timed(work)


VARIANTS = ("floor", "walker", "xpath", "records")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(*sys.argv[2:])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mapping", default=str(data.XML_MAPPING))
    args = parser.parse_args()
    runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="bulkio-xml-") as tmp:
        feed = data.write_supplier_xml(Path(tmp) / "feed.xml", args.rows)
        size = feed.stat().st_size / 1e6
        loads = [os.getloadavg()[0]]
        for round_ in range(args.repeat):
            order = VARIANTS if round_ % 2 == 0 else tuple(reversed(VARIANTS))
            for variant in order:
                runs[variant].append(benchlib.run_worker(SCRIPT, variant, args.mapping, str(feed)))
            loads.append(os.getloadavg()[0])
    floor = min(run["seconds"] for run in runs["floor"])
    floor_cpu = min(run["cpu"] for run in runs["floor"])
    print(
        f"{args.rows:,} records, {size:.0f} MB, best of {args.repeat} interleaved; "
        f"load average {min(loads):.1f}–{max(loads):.1f}"
    )
    print("| run | wall | × floor | CPU | × floor CPU | peak RSS |")
    print("|---|---|---|---|---|---|")
    for variant in VARIANTS:
        wall = min(run["seconds"] for run in runs[variant])
        cpu = min(run["cpu"] for run in runs[variant])
        rss = max(run["rss_mb"] for run in runs[variant])
        print(
            f"| {variant} | {wall:.2f} s | {wall / floor:.2f}× | {cpu:.2f} s "
            f"| {cpu / floor_cpu:.2f}× | {rss:.0f} MB |"
        )


if __name__ == "__main__":
    main()
