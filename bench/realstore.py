"""bulkio against real WooCommerce stores (``../shared/refstore/``), every figure side by side.

    .venv/bin/python bench/realstore.py [--stores wc11,wc79] [--products 1000] [--single 250]
        [--stock 1000] [--orders 1000] [--parts creates,rerun,stock,export,payload,adaptive]
        [--no-results]

Sizes also come from the environment (``BENCH_PRODUCTS``, ``BENCH_SINGLE``, ``BENCH_STOCK``,
``BENCH_ORDERS``, ``BENCH_STORES``). The stores must be up (``setup.sh`` builds them; this script
never runs it: a rebuild would wipe stores other work is using). Every product this script
creates has a SKU prefix of its own (``BN<run id><way>-``), so it can share a store; nothing is
deleted afterwards.

Parts, per store:

* ``creates`` — the same N rich products (name, HTML description and short description, price,
  managed stock, a category path and three tags) created five ways: one POST per product, one
  at a time (on ``--single`` products: the rate is what counts); batches of 100 one at a time;
  batches of 100 with 4 in flight (the store's saturation: 4 PHP workers); ``bulkio catalog
  import`` of the same products as a WooCommerce CSV (default settings, its own process); and
  WooCommerce's own CSV importer on that file format, in-process as its admin screen runs it
  (``wc-core-import.php``, 30 lines a step). The raw ways get the terms' ids; bulkio and the
  importer name them (the terms exist by then, so nobody creates them inside the timing).
* ``rerun`` — the bulkio import again, unchanged: reads only; against the floor of the same
  products read by SKU, 100 per request, 4 in flight, plain HTTP.
* ``stock`` — a stock feed (``mappings/stock-csv.toml``) of the ``--stock`` SKUs with 2 %
  changed, through ``bulkio import``; against the floor of its reads (by SKU, 100 per request,
  4 in flight) plus one batch writing the changed 2 %.
* ``export`` — ``--orders`` orders created for the run (untimed), exported with ``bulkio export
  orders`` (``mappings/export-accounting.toml``); against plain paging of the same orders, one
  page of 100 at a time and 4 in flight. With ``BENCH_BULKIO_BEFORE=DIR`` (an older source
  tree) that tree's bulkio runs in the same window too, and both start-ups are measured
  (``bulkio --version``, ``bulkio export orders --help``): a change's effect, side by side.
* ``payload`` — where the store's time goes: a batch of 100 creates with bulkio's own payload
  (read from a sandbox run of the same CSV) against the raw payload, interleaved.
* ``adaptive`` — the N creates through bulkio's client, adaptive (up to 16) against a fixed 4.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import benchlib

ROOT = benchlib.ROOT
REFSTORE_DIR = Path(os.environ.get("BULKIO_REFSTORE_DIR", ROOT.parent / "shared" / "refstore"))
REFSTORE_HOME = Path(os.environ.get("REFSTORE_HOME", "/tmp/refstore"))
BULKIO = str(Path(sys.executable).with_name("bulkio"))
PARTS = ("creates", "rerun", "stock", "export", "payload", "adaptive")
BULKIO_BEFORE = os.environ.get("BENCH_BULKIO_BEFORE", "")
"""A source tree of an older bulkio (``git archive REV | tar -x -C DIR``). When set, the
export part runs it too ("bulkio before", in mirrored places, the same orders in the same lock
window) and measures its start-up beside this tree's: a change's effect on the whole command,
side by side. ``BENCH_BULKIO_BEFORE_LABEL`` names it in the results (e.g. the commit)."""
RESULTS_PATH = ["/tmp/bulkio-realstore-results.json"]
"""Where each store's figures are kept as soon as they are measured (``--out``)."""
MORE_PARTS = ("big", "workers")
"""Parts run only when asked for (``--parts big`` …): they take 10–20 minutes a store."""
CATEGORIES = ["Bench Apparel > Shirts", "Bench Apparel > Trousers", "Bench Home > Kitchen"]
TAGS = [f"bench-tag-{n}" for n in range(12)]
CSV_HEADER = [
    "Type",
    "SKU",
    "Name",
    "Published",
    "Short description",
    "Description",
    "In stock?",
    "Stock",
    "Regular price",
    "Categories",
    "Tags",
]


def unavailable() -> str | None:
    """Why the real stores cannot be used here, or None."""
    if not REFSTORE_DIR.is_dir():
        return f"{REFSTORE_DIR} not found (the real stores come with ../shared/refstore/)"
    return None


def store_env(name: str) -> dict[str, str] | None:
    path = REFSTORE_HOME / name / "store.env"
    if not path.exists():
        return None
    env: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            env[key.strip()] = value.strip().strip("'\"")
    return env


class Raw:
    """Plain httpx against one store: what a hand-written script does (Basic over HTTPS)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.http = httpx.Client(
            base_url=env["HTTPS_URL"] + "/wp-json/wc/v3/",
            auth=(env["RW_KEY"], env["RW_SECRET"]),
            verify=ssl.create_default_context(cafile=env["CA_BUNDLE"]),
            timeout=900,
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=8),
        )
        self.requests = 0

    def call(self, method: str, route: str, **kwargs: Any) -> httpx.Response:
        self.requests += 1
        answer = self.http.request(method, route, **kwargs)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {route} → {answer.status_code}: {answer.text[:300]}")
        return answer

    def close(self) -> None:
        self.http.close()


# -- data --------------------------------------------------------------------------------------


def rich_products(prefix: str, count: int, seed: int = 15) -> list[dict[str, Any]]:
    """The products, by name of their terms (``categories``: a path; ``tags``: names)."""
    rng = random.Random(seed)
    items = []
    for n in range(count):
        words = " ".join(
            rng.choice(["soft", "light", "warm", "dry", "fast", "wide"]) for _ in "abc"
        )
        items.append(
            {
                "sku": f"{prefix}{n:05d}",
                "name": f"Bench shirt {n} ({words})",
                "short_description": f"<p>A {words} shirt, <strong>size {n % 7}</strong>.</p>",
                "description": (
                    f"<h2>Bench shirt {n}</h2><p>Made of <em>{words}</em> cotton; washes at "
                    f"{30 + n % 3 * 10} °C.</p><ul><li>Fit: regular</li><li>Collar: kent</li>"
                    f"<li>Care: iron on medium</li></ul><p>Article {n} of the bench catalog, "
                    "written long enough to look like a real description with a second "
                    "paragraph of text.</p>"
                ),
                "regular_price": f"{10 + n % 90}.{n % 100:02d}",
                "stock_quantity": 1 + n % 50,
                "category": CATEGORIES[n % len(CATEGORIES)],
                "tags": [TAGS[(n + k) % len(TAGS)] for k in range(3)],
            }
        )
    return items


def raw_body(item: dict[str, Any], terms: dict[str, int]) -> dict[str, Any]:
    return {
        "type": "simple",
        "sku": item["sku"],
        "name": item["name"],
        "status": "publish",
        "short_description": item["short_description"],
        "description": item["description"],
        "regular_price": item["regular_price"],
        "manage_stock": True,
        "stock_quantity": item["stock_quantity"],
        "categories": [{"id": terms["cat:" + item["category"]]}],
        "tags": [{"id": terms["tag:" + tag]} for tag in item["tags"]],
    }


def write_wc_csv(path: Path, items: list[dict[str, Any]]) -> Path:
    """WooCommerce's product CSV layout (what its exporter writes and its importer reads)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for item in items:
            writer.writerow(
                [
                    "simple",
                    item["sku"],
                    item["name"],
                    "1",
                    item["short_description"],
                    item["description"],
                    "1",
                    str(item["stock_quantity"]),
                    item["regular_price"],
                    item["category"],
                    ", ".join(item["tags"]),
                ]
            )
    path.chmod(0o644)
    return path


def ensure_terms(raw: Raw) -> dict[str, int]:
    """The bench's categories (with parents) and tags, created when missing: ``{key: id}``."""
    ids: dict[str, int] = {}
    for path in CATEGORIES:
        parent = 0
        for depth, name in enumerate(part.strip() for part in path.split(">")):
            key = "cat:" + " > ".join(p.strip() for p in path.split(">")[: depth + 1])
            if key in ids:
                parent = ids[key]
                continue
            found = [
                term
                for term in raw.call(
                    "GET", "products/categories", params={"search": name, "per_page": 100}
                ).json()
                if term["name"] == name and term["parent"] == parent
            ]
            if found:
                parent = found[0]["id"]
            else:
                parent = raw.call(
                    "POST", "products/categories", json={"name": name, "parent": parent}
                ).json()["id"]
            ids[key] = parent
    for name in TAGS:
        found = [
            term
            for term in raw.call("GET", "products/tags", params={"search": name}).json()
            if term["name"] == name
        ]
        ids["tag:" + name] = (
            found[0]["id"]
            if found
            else raw.call("POST", "products/tags", json={"name": name}).json()["id"]
        )
    return ids


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# -- the ways ----------------------------------------------------------------------------------


def way_single(raw: Raw, bodies: list[dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    for body in bodies:
        raw.call("POST", "products", json=body)
    return {"seconds": time.perf_counter() - started, "products": len(bodies)}


def _batch(raw: Raw, part: list[dict[str, Any]]) -> int:
    answer = raw.call("POST", "products/batch", json={"create": part}).json()
    return sum(1 for item in answer.get("create", []) if "error" in item)


def way_batches(raw: Raw, bodies: list[dict[str, Any]], in_flight: int) -> dict[str, Any]:
    started = time.perf_counter()
    spans: list[tuple[float, float]] = []

    def one(part: list[dict[str, Any]]) -> int:
        begun = time.perf_counter() - started
        failed = _batch(raw, part)
        spans.append((round(begun, 2), round(time.perf_counter() - started, 2)))
        return failed

    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        failed = sum(pool.map(one, chunks(bodies, 100)))
    return {
        "seconds": time.perf_counter() - started,
        "products": len(bodies),
        "failed": failed,
        "writes": sorted(spans),
    }


def bulkio_env(env: dict[str, str], home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BULKIO_URL": env["HTTPS_URL"],
        "BULKIO_KEY": env["RW_KEY"],
        "BULKIO_SECRET": env["RW_SECRET"],
        "BULKIO_CA_BUNDLE": env["CA_BUNDLE"],
        "BULKIO_HOME": str(home),
    }


def run_log(home: Path) -> dict[str, Any]:
    """Where a bulkio run's time went, from its run log (``log.jsonl`` of the newest run):
    seconds from the start to the plan (reads) and from the plan to the end (writes), and
    requests by route (count, summed seconds)."""
    from datetime import datetime

    logs = sorted((home / "runs").glob("*/*/*/log.jsonl"), key=lambda p: p.stat().st_mtime)
    if not logs:
        return {}
    stamps: dict[str, float] = {}
    routes: dict[str, list[float]] = {}
    writes: list[tuple[float, float]] = []
    last = 0.0
    for line in logs[-1].read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
            at = datetime.fromisoformat(event["ts"].replace("Z", "+00:00")).timestamp()
        except (ValueError, KeyError):
            continue
        last = max(last, at)
        stamps.setdefault(event.get("event", ""), at)
        if event.get("event") == "request":
            entry = routes.setdefault(event.get("route", "?"), [0, 0.0])
            entry[0] += 1
            entry[1] += float(event.get("duration") or 0)
            if str(event.get("route", "")).startswith("POST"):
                writes.append((at, float(event.get("duration") or 0)))
    start = stamps.get("start", last)
    planned = stamps.get("planned", start)
    return {
        "to_plan": planned - start,
        "after_plan": last - planned,
        "routes": {k: [int(v[0]), round(v[1], 2)] for k, v in routes.items()},
        # Each write's (start, end) in seconds after the plan: where the tail of a run is.
        "writes": sorted((round(at - d - planned, 2), round(at - planned, 2)) for at, d in writes),
    }


def run_bulkio(
    args: list[str],
    env: dict[str, str],
    home: Path,
    *,
    flags: tuple[str, ...] = ("--json", "--no-limits"),
    before: bool = False,
) -> dict[str, Any]:
    """One ``bulkio`` command in its own process (as a user runs it): wall time, JSON stats.
    ``before``: the :data:`BULKIO_BEFORE` tree's bulkio instead of this one."""
    command, where, extra = bulkio_command(before)
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *args, *flags],
        env={**bulkio_env(env, home), "BULKIO_DEBUG_HTTP": "1", **extra},
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
        cwd=where,
    )
    seconds = time.perf_counter() - started
    figures: dict[str, Any] = {"seconds": seconds, "exit": done.returncode}
    try:  # one document (``--json`` prints it indented), else its last line
        document = json.loads(done.stdout)
    except ValueError:
        try:
            document = json.loads(done.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            document = {}
    figures["stats"] = document.get("stats", {})
    # Commands whose document has its figures at the top (``bulkio export``: seconds, requests).
    figures["document"] = {
        k: v for k, v in document.items() if isinstance(v, (int, float, str)) and k != "output"
    }
    result = document.get("result", {})
    figures["result"] = {k: v for k, v in result.items() if k != "outcomes"}
    figures["log"] = run_log(home)
    # The limiter's changes, from the debug log on stderr ("writes in flight: 4 → 8 (why)").
    figures["limits"] = [
        line.split(" in flight: ", 1)[0].rsplit(" ", 1)[-1]
        + ": "
        + line.split(" in flight: ", 1)[1].strip()
        for line in done.stderr.splitlines()
        if " in flight: " in line
    ]
    if done.returncode not in (0,):
        figures["error"] = (done.stderr or done.stdout)[-1500:]
        print(
            f"    bulkio {' '.join(args[:2])} exited {done.returncode}: {figures['error'][-400:]}"
        )
    return figures


def bulkio_command(before: bool = False) -> tuple[list[str], str | None, dict[str, str]]:
    """How to start bulkio: this tree's console script, or (``before``) ``python -m bulkio``
    from the :data:`BULKIO_BEFORE` tree (its directory first on the path, so its own package
    is imported, not the installed one). Returns (command, working directory, environment)."""
    if not before:
        return [BULKIO], None, {}
    return [sys.executable, "-m", "bulkio"], BULKIO_BEFORE, {"PYTHONPATH": BULKIO_BEFORE}


def startup_seconds() -> float:
    """What starting the bulkio command costs before any request (best of 3)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([BULKIO, "--version"], capture_output=True, check=False)
        best = min(best, time.perf_counter() - started)
    return best


STARTUP_COMMANDS = (("--version",), ("export", "orders", "--help"))
"""Start-up measured without a store: the fixed cost of every command (imports, the command
tree) that no request explains."""


def startup_figures(repeat: int = 7) -> dict[str, Any]:
    """Wall time of each of :data:`STARTUP_COMMANDS`, best and median of ``repeat``, for this
    tree and (when :data:`BULKIO_BEFORE` is set) the older one, interleaved run by run so that
    the machine's load meets both alike; with the load averages around it."""
    trees = [False, True] if BULKIO_BEFORE else [False]
    times: dict[tuple[bool, str], list[float]] = {}
    load = os.getloadavg()
    for n in range(repeat):
        for before in trees if n % 2 == 0 else reversed(trees):
            command, where, extra = bulkio_command(before)
            for args in STARTUP_COMMANDS:
                started = time.perf_counter()
                subprocess.run(
                    [*command, *args],
                    capture_output=True,
                    check=True,
                    cwd=where,
                    env={**os.environ, **extra},
                )
                times.setdefault((before, " ".join(args)), []).append(time.perf_counter() - started)
    out: dict[str, Any] = {"repeat": repeat, "load": load, "load_after": os.getloadavg()}
    for (before, name), runs in times.items():
        runs.sort()
        out.setdefault("before" if before else "now", {})[name] = {
            "best": runs[0],
            "median": runs[len(runs) // 2],
        }
    if BULKIO_BEFORE:
        out["before_label"] = os.environ.get("BENCH_BULKIO_BEFORE_LABEL", BULKIO_BEFORE)
    return out


def way_core_importer(env: dict[str, str], path: Path) -> dict[str, Any]:
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return {"skipped": "needs root (runuser -u www-data) to run WooCommerce's importer"}
    started = time.perf_counter()
    done = subprocess.run(
        ["runuser", "-u", "www-data", "--", "php", env["CORE_IMPORT"], env["WP_DIR"], str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "output": (done.stdout + done.stderr).strip()[-600:]}


# -- reads floor --------------------------------------------------------------------------------


def read_by_sku(raw: Raw, skus: list[str], fields: str | None, in_flight: int = 4) -> float:
    def one(part: list[str]) -> int:
        params: dict[str, Any] = {"sku": ",".join(part), "per_page": 100, "context": "edit"}
        if fields:
            params["_fields"] = fields
        return len(raw.call("GET", "products", params=params).json())

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        found = sum(pool.map(one, chunks(skus, 100)))
    seconds = time.perf_counter() - started
    if found != len(skus):
        print(f"    floor read found {found} of {len(skus)} SKUs")
    return seconds


# -- one store -----------------------------------------------------------------------------------


def bench_store(name: str, env: dict[str, str], sizes: dict[str, int], parts: list[str]) -> dict:
    run_id = uuid.uuid4().hex[:5].upper()
    raw = Raw(env)
    out: dict[str, Any] = {
        "store": name,
        "wc": env.get("WC_VERSION", "?"),
        "wp": env.get("WP_VERSION", "?"),
        "workers": _workers(env),
    }
    tmp = Path(tempfile.mkdtemp(prefix="bulkio-realbench-"))
    tmp.chmod(0o755)
    home = tmp / "home"
    try:
        terms = ensure_terms(raw)
        products = sizes["products"]
        if "creates" in parts or "rerun" in parts or "stock" in parts or "payload" in parts:
            items = {way: rich_products(f"BN{run_id}{way}-", products) for way in "SBPKWQR"}
        if "creates" in parts:
            ways: dict[str, Any] = {}
            single = min(sizes["single"], products)
            bodies = {w: [raw_body(i, terms) for i in items[w]] for w in "SBPR"}
            csv_bulkio = write_wc_csv(tmp / "bulkio.csv", items["K"])
            csv_again = write_wc_csv(tmp / "bulkio-2.csv", items["Q"])
            csv_core = write_wc_csv(tmp / "core.csv", items["W"])
            out["startup"] = startup_seconds()
            # Saturation and bulkio twice each, A B B A, so that the store's growth and the
            # machine's load meet both alike; then the importer, batches one at a time, and
            # single POSTs.
            runs: dict[str, list[dict[str, Any]]] = {"parallel": [], "bulkio": []}
            for way in ("parallel", "bulkio", "bulkio", "parallel"):
                print(f"  [{name}] {way} ({len(runs[way]) + 1})…", flush=True)
                if way == "parallel":
                    batch_bodies = bodies["P"] if not runs[way] else bodies["R"]
                    runs[way].append(way_batches(raw, batch_bodies, 4))
                else:
                    feed = csv_bulkio if not runs[way] else csv_again
                    figures = run_bulkio(["catalog", "import", str(feed)], env, home)
                    figures["load"] = os.getloadavg()
                    runs[way].append(figures)
                print(f"    {runs[way][-1]['seconds']:.1f} s", flush=True)
            for way, done_runs in runs.items():
                ways[way] = dict(done_runs[0])
                ways[way]["runs"] = [round(r["seconds"], 2) for r in done_runs]
                ways[way]["seconds"] = sum(r["seconds"] for r in done_runs)
                ways[way]["products"] = products * len(done_runs)
            print(f"  [{name}] WooCommerce's importer…", flush=True)
            ways["core"] = way_core_importer(env, csv_core)
            ways["core"]["products"] = products
            print(f"  [{name}] batches of 100, one at a time…", flush=True)
            ways["sequential"] = way_batches(raw, bodies["B"], 1)
            print(f"  [{name}] one POST per product ({single})…", flush=True)
            ways["single"] = way_single(raw, bodies["S"][:single])
            for figures in ways.values():
                if "seconds" in figures:
                    figures["rate"] = figures["products"] / figures["seconds"]
            out["creates"] = ways
            for way, figures in ways.items():
                print(f"    {way}: {figures.get('rate', 0):.1f} products/s", flush=True)
        if "rerun" in parts and "creates" in parts:
            print(f"  [{name}] unchanged re-run…", flush=True)
            skus = [i["sku"] for i in items["K"]]
            floor = read_by_sku(raw, skus, None)
            rerun = run_bulkio(["catalog", "import", str(tmp / "bulkio.csv")], env, home)
            floor_again = read_by_sku(raw, skus, None)
            out["rerun"] = {
                "products": products,
                "bulkio": rerun,
                "floor": min(floor, floor_again),
                "floor_requests": -(-len(skus) // 100),
            }
        if "stock" in parts and "creates" in parts:
            print(f"  [{name}] stock feed, 2 % changed…", flush=True)
            out["stock"] = bench_stock(raw, env, home, tmp, items, sizes["stock"], terms)
        if "export" in parts:
            print(f"  [{name}] orders: export of {sizes['orders']}…", flush=True)
            out["export"] = bench_export(
                raw, env, home, tmp, sizes["orders"], run_id, keep=KEEP_ORDERS[0]
            )
        if "adaptive" in parts:
            print(f"  [{name}] adaptive vs fixed 4 ({sizes['products']})…", flush=True)
            out["adaptive"] = bench_adaptive(env, terms, run_id, sizes["products"])
        if "big" in parts:
            print(f"  [{name}] {sizes['big']:,}-product catalog: create, re-run, stock…")
            out["big"] = bench_big(raw, env, home, tmp, terms, run_id, sizes["big"])
        if "workers" in parts:
            print(f"  [{name}] adaptive vs fixed 2/4/8 ({sizes['products']})…", flush=True)
            out[f"workers_run_{out['workers']}"] = bench_workers(
                env, terms, run_id, sizes["products"]
            )
        if "payload" in parts:
            print(f"  [{name}] payload A/B…", flush=True)
            out["payload"] = bench_payload(raw, terms, run_id)
    finally:
        raw.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _workers(env: dict[str, str]) -> str:
    """PHP-FPM workers of the store's pool, from its pool file when readable."""
    db = env.get("DB_NAME", "")
    for pool in Path("/etc/php").glob(f"*/fpm/pool.d/*{db}*.conf"):
        for line in pool.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip().startswith("pm.max_children"):
                return line.split("=", 1)[1].strip()
    return os.environ.get("WORKERS", "4 (setup.sh default)")


def bench_stock(
    raw: Raw,
    env: dict[str, str],
    home: Path,
    tmp: Path,
    items: dict[str, list[dict[str, Any]]],
    size: int,
    terms: dict[str, int],
    ways: str = "KBP",
) -> dict[str, Any]:
    """bulkio's stock import of ``size`` SKUs with 2 % changed, against its floor."""
    pool = [item for way in ways for item in items[way]]
    extra = size - len(pool)
    if extra > 0:  # more SKUs than created so far: add plain products (untimed)
        more = rich_products(f"{pool[0]['sku'][:8]}X-", extra)
        way_batches(raw, [raw_body(i, terms) for i in more], 4)
        pool += more
    chosen = pool[:size]
    rng = random.Random(2)
    changed = set(rng.sample(range(len(chosen)), max(1, len(chosen) // 50)))
    feed = tmp / "stock.csv"
    with feed.open("w", encoding="utf-8", newline="") as handle:
        handle.write("sku;qty\n")
        for n, item in enumerate(chosen):
            qty = item["stock_quantity"] + (100 if n in changed else 0)
            handle.write(f"{item['sku']};{qty}\n")
    mapping = str(ROOT / "mappings" / "stock-csv.toml")
    bulk = run_bulkio(["import", str(feed), "-m", mapping], env, home)
    skus = [item["sku"] for item in chosen]
    fields = "id,sku,type,parent_id,manage_stock,stock_quantity"
    started = time.perf_counter()
    reads = read_by_sku(raw, skus, fields)
    updates = [
        {"sku": chosen[n]["sku"], "stock_quantity": chosen[n]["stock_quantity"] + 200}
        for n in sorted(changed)
    ]
    ids = {}
    for part in chunks([u["sku"] for u in updates], 100):
        for product in raw.call(
            "GET", "products", params={"sku": ",".join(part), "_fields": "id,sku", "per_page": 100}
        ).json():
            ids[product["sku"]] = product["id"]
    write_started = time.perf_counter()
    for part in chunks(updates, 100):
        raw.call(
            "POST",
            "products/batch",
            json={
                "update": [
                    {"id": ids[u["sku"]], "stock_quantity": u["stock_quantity"]} for u in part
                ]
            },
        )
    writes = time.perf_counter() - write_started
    return {
        "skus": len(chosen),
        "changed": len(changed),
        "bulkio": bulk,
        "floor_reads": reads,
        "floor_writes": writes,
        "floor": reads + writes,
        "floor_requests": -(-len(skus) // 100) + -(-len(changed) // 100),
        "whole_floor": time.perf_counter() - started,
    }


SEED_SCRIPT = ROOT / "bench" / "seed_orders.php"
LOCK_PATH = Path("/tmp/refstore.lock")
LOCK_WINDOWS = [False]
"""``--lock-windows``: the export part takes ``flock -x`` on :data:`LOCK_PATH` itself, one
window per phase (seeding a store, measuring one size, deleting), each well under 15 minutes.
Without it the caller holds the lock (``flock -x /tmp/refstore.lock python bench/realstore.py``)."""
KEEP_ORDERS = [False]
"""``--keep-orders``: leave the seeded orders in the stores (deleted by default)."""
WINDOWS: list[dict[str, Any]] = []
"""The lock windows this run took (from, to, load), for the report."""


@contextlib.contextmanager
def lock_window(label: str) -> Any:
    """One exclusive window on the stores' lock (when ``--lock-windows``), timed for the report."""
    handle = None
    if LOCK_WINDOWS[0]:
        import fcntl

        handle = LOCK_PATH.open("a")
        print(f"    waiting for flock -x {LOCK_PATH} ({label})…", flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
    window = {
        "label": label,
        "from": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "load": " ".join(f"{v:.1f}" for v in os.getloadavg()),
    }
    try:
        yield window
    finally:
        window["to"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        window["load_after"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
        WINDOWS.append(window)
        if handle is not None:
            handle.close()  # releases the lock


def order_sizes(value: int | str | list[int]) -> list[int]:
    """``--orders 1000,10000`` (or one int, as ``bench/run.py`` passes it) as sorted sizes."""
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        value = [int(part) for part in value.split(",") if part.strip()]
    return sorted(set(value))


def _seed_php(env: dict[str, str], tmp: Path, *args: str) -> dict[str, Any]:
    """``bench/seed_orders.php`` in-process in the store, as the web server's user."""
    script = tmp / "seed_orders.php"  # www-data must read it: a copy in the 755 temp dir
    shutil.copyfile(SEED_SCRIPT, script)
    script.chmod(0o644)
    started = time.perf_counter()
    done = subprocess.run(
        ["runuser", "-u", "www-data", "--", "php", str(script), env["WP_DIR"], *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        why = (done.stderr or done.stdout)[-800:]
        raise RuntimeError(f"seed_orders.php {' '.join(args)}: {why}")
    answer: dict[str, Any] = json.loads(lines[-1])
    answer["wall"] = seconds
    return answer


def _next_second(after: float | None = None) -> float:
    """A whole second at least one full second after ``after`` (now), once it has passed.

    Seeded chunks are separated by such a boundary: the second before it holds no order, so
    an ``after``/``before`` filter at the boundary cuts between chunks whichever way a server
    treats the boundary second."""
    import math

    moment = math.ceil(after if after is not None else time.time()) + 1
    while time.time() < moment:
        time.sleep(min(0.2, max(0.01, moment - time.time())))
    return float(moment)


def _utc(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment))


SEED_PER_WINDOW = 4000
"""Most orders seeded in one lock window: at 10–17 orders/s on the loaded 2-core machine a
window stays under 7 minutes (the shared rule: exclusive windows of at most 15 minutes)."""


def seed_orders(env: dict[str, str], tmp: Path, sizes: list[int], run_id: str) -> dict[str, Any]:
    """Seed ``max(sizes)`` orders (untimed for the export) so that each size is the newest ones.

    The biggest size's extra orders go first and the smallest size's last, with a boundary
    second before each size's first order: size ``n`` is the orders created in
    ``[start_n, end)``. The seeding runs in pieces of at most :data:`SEED_PER_WINDOW` orders,
    each in its own lock window; between windows other work may create orders of its own in
    the stores, which then fall into a size's range too (the measurement counts them apart).
    Returns each size's range and seeded ids, and what seeding took."""
    chunks = [size - (sizes[i - 1] if i else 0) for i, size in enumerate(sizes)]
    pieces: list[tuple[int, int]] = []  # (size index, orders), in seeding order
    for i in reversed(range(len(sizes))):
        left = chunks[i]
        while left > 0:
            pieces.append((i, min(left, SEED_PER_WINDOW)))
            left -= pieces[-1][1]
    windows: list[list[tuple[int, int]]] = [[]]
    room = SEED_PER_WINDOW
    for i, count in pieces:  # pack pieces into windows; a piece may be split at a window's end
        while count > 0:
            if room == 0:
                windows.append([])
                room = SEED_PER_WINDOW
            take = min(count, room)
            windows[-1].append((i, take))
            room -= take
            count -= take
    seeded: dict[str, Any] = {"chunks": [], "sizes": {}, "windows": []}
    starts: dict[int, float] = {}
    ids: dict[int, list[int]] = {i: [] for i in range(len(sizes))}
    finished: float | None = None
    for n, window_pieces in enumerate(windows):
        label = f"seed {sum(c for _, c in window_pieces):,} orders ({n + 1}/{len(windows)})"
        with lock_window(label) as window:
            for i, count in window_pieces:
                if i not in starts:
                    starts[i] = _next_second(finished)
                tag = f"{run_id}-{sizes[i]}"
                answer = _seed_php(env, tmp, str(count), tag)
                finished = time.time()
                ids[i] += answer.pop("ids")
                seeded["chunks"].append({**answer, "count": count})
                print(
                    f"    seeded {answer['created']:,} orders ({tag}) in {answer['seconds']:.0f}"
                    f" s ({answer['storage']})",
                    flush=True,
                )
            if n == len(windows) - 1:
                end = _next_second(finished)
        seeded["windows"].append(window)
    for i, size in enumerate(sizes):
        own = sorted(order_id for j in range(i + 1) for order_id in ids[j])
        seeded["sizes"][str(size)] = {"start": starts[i], "end": end, "ids": own}
    seeded["tags"] = [f"{run_id}-{size}" for size in sizes]
    seeded["seconds"] = sum(c["seconds"] for c in seeded["chunks"])
    seeded["wall"] = sum(c["wall"] for c in seeded["chunks"])
    seeded["storage"] = seeded["chunks"][0]["storage"]
    return seeded


def _page_params(start: float, end: float, fields: str) -> dict[str, Any]:
    """The listing bulkio asks for (one second more on each side, UTC, id order, its fields)."""
    return {
        "after": _utc(start - 1),
        "before": _utc(end + 1),
        "dates_are_gmt": "true",
        "orderby": "id",
        "order": "asc",
        "per_page": 100,
        "_fields": fields,
    }


def raw_paging(raw: Raw, params: dict[str, Any], in_flight: int) -> dict[str, Any]:
    """Page 1 (for X-WP-TotalPages), then the rest with ``in_flight`` requests at a time."""
    started = time.perf_counter()
    first = raw.call("GET", "orders", params={**params, "page": 1})
    pages = int(first.headers.get("x-wp-totalpages") or 1)
    ids = [int(o["id"]) for o in first.json()]

    def page(number: int) -> list[int]:
        answer = raw.call("GET", "orders", params={**params, "page": number})
        return [int(o["id"]) for o in answer.json()]

    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        for part in pool.map(page, range(2, pages + 1)):
            ids += part
    return {"seconds": time.perf_counter() - started, "ids": ids, "pages": pages}


def exported_numbers(path: Path) -> list[int]:
    """The order numbers in an export-accounting file (``Belegnummer``; number = id here)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [int(row["Belegnummer"]) for row in csv.DictReader(handle, delimiter=";")]


def _debug_requests(stderr: str) -> int:
    return sum(1 for line in stderr.splitlines() if " GET " in line and "/orders" in line)


def measure_export(
    raw: Raw,
    env: dict[str, str],
    home: Path,
    tmp: Path,
    size: int,
    window: dict[str, Any],
) -> dict[str, Any]:
    """bulkio export vs sequential paging vs paging N in flight, on one seeded size.

    Order: bulkio, sequential, 4, 2, 8, 4, sequential, bulkio (A B … B A), so that the store's
    drift and the machine's load meet bulkio and the references alike. Each way must find
    the same orders, the seeded ones among them (and any another test created in the stores
    between two seeding windows); bulkio's file must hold each of them exactly once."""
    from bulkio.export.mapping import load_export_mapping

    mapping = ROOT / "mappings" / "export-accounting.toml"
    fields = ",".join(load_export_mapping(mapping).store_fields())
    seeded = set(window["ids"])
    params = _page_params(window["start"], window["end"], fields)
    runs: dict[str, list[dict[str, Any]]] = {}
    listed: set[int] | None = None  # what the first way found: every way must find the same
    order = ["bulkio", "paging 1", "paging 4", "paging 2", "paging 8", "paging 4", "paging 1"]
    order.append("bulkio")
    if BULKIO_BEFORE:  # the older tree in mirrored places too: 2nd and 2nd-last
        order = [order[0], "bulkio before", *order[1:-1], "bulkio before", order[-1]]
    for n, way in enumerate(order):
        if way.startswith("bulkio"):
            target = tmp / f"orders-{size}-{n}.csv"
            figures = run_bulkio(
                [
                    "export",
                    "orders",
                    "-m",
                    str(mapping),
                    "-o",
                    str(target),
                    "--after",
                    _utc(window["start"]),
                    "--before",
                    _utc(window["end"]),
                ],
                env,
                home,
                flags=("--json",),
                before=way == "bulkio before",
            )
            numbers = exported_numbers(target) if target.exists() else []
            if len(numbers) != len(set(numbers)):
                raise RuntimeError(f"bulkio's export of {size} orders has duplicate rows")
            target.unlink(missing_ok=True)
        else:
            figures = raw_paging(raw, params, int(way.split()[1]))
            numbers = figures.pop("ids")
        figures["found"] = len(numbers)
        listed = set(numbers) if listed is None else listed
        if set(numbers) != listed or not seeded <= listed:
            raise RuntimeError(
                f"{way} of {size} orders found {len(numbers)} ({len(set(numbers) & seeded)} of "
                f"the {len(seeded)} seeded; the first way found {len(listed)})"
            )
        figures["load"] = os.getloadavg()
        runs.setdefault(way, []).append(figures)
        print(f"    {size:,} orders, {way}: {figures['seconds']:.1f} s", flush=True)
    startup = startup_seconds()  # the part of bulkio's whole command no request explains
    startup_more = startup_figures()
    best = {way: min(r["seconds"] for r in done) for way, done in runs.items()}
    parallel = {way: t for way, t in best.items() if way.startswith("paging") and way != "paging 1"}
    saturation_way = min(parallel, key=lambda way: parallel[way])
    bulk = min(runs["bulkio"], key=lambda r: r["seconds"])
    return {
        "orders": size,
        "found": len(listed or ()),
        "others": len((listed or set()) - seeded),
        "fields": fields,
        "runs": {way: [round(r["seconds"], 2) for r in done] for way, done in runs.items()},
        "best": best,
        "sequential": best["paging 1"],
        "parallel": best["paging 4"],
        "saturation": best[saturation_way],
        "saturation_way": saturation_way,
        "bulkio": best["bulkio"],
        "bulkio_stats": bulk.get("document", {}),
        "bulkio_result": bulk.get("result", {}),
        "bulkio_limits": bulk.get("limits", []),
        "startup": startup,
        "startup_figures": startup_more,
        "requests_by_way": {
            way: [r.get("document", {}).get("requests") for r in done]
            for way, done in runs.items()
            if way.startswith("bulkio")
        },
        "pages": runs["paging 1"][0]["pages"],
        "window": window,
    }


def bench_export(
    raw: Raw,
    env: dict[str, str],
    home: Path,
    tmp: Path,
    sizes: int | str | list[int],
    run_id: str,
    *,
    keep: bool = False,
) -> dict[str, Any]:
    """Seed the orders in-process (untimed), measure each size in its own lock window, delete."""
    wanted = order_sizes(sizes)
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return {"skipped": "needs root (runuser -u www-data) to seed orders in-process"}
    out: dict[str, Any] = {"sizes": {}}
    tags = [f"BN{run_id}-{size}" for size in wanted]  # what seed_orders tags its chunks
    try:
        print(f"    seeding {max(wanted):,} orders in-process…", flush=True)
        seeded = seed_orders(env, tmp, wanted, f"BN{run_id}")
        out["seeding"] = {k: v for k, v in seeded.items() if k != "sizes"}
        for size in wanted:
            with lock_window(f"export {size} orders") as window:
                out["sizes"][str(size)] = measure_export(
                    raw, env, home, tmp, size, seeded["sizes"][str(size)]
                )
                out["sizes"][str(size)]["lock_window"] = window
                out["sizes"][str(size)].pop("window")
    finally:
        if not keep:  # also after a failure: whatever was seeded goes
            with lock_window("delete seeded orders") as window:
                deleted = [_seed_php(env, tmp, "0", tag, "delete") for tag in tags]
            out["deleted"] = {
                "orders": sum(d["deleted"] for d in deleted),
                "seconds": sum(d["seconds"] for d in deleted),
                "window": window,
            }
    return out


def bench_adaptive(
    env: dict[str, str],
    terms: dict[str, int],
    run_id: str,
    count: int,
    settings_list: tuple[tuple[str, dict[str, int]], ...] = (
        ("fixed 4", {"fixed_concurrency": 4}),
        ("adaptive", {"max_concurrency": 16}),
    ),
    batch: int = 100,
) -> dict:
    """The same creates through bulkio's StoreClient: adaptive (up to 16) against fixed
    settings (4: the saturation setting of a 4-worker store), batches of ``batch`` from a pool
    of 16 threads. A setting named twice runs twice (A B … B A against the store's growth);
    its figures are then the sum of both runs."""
    from bulkio.config import ConnectionSettings
    from bulkio.store import StoreClient

    settings = ConnectionSettings(
        url=env["HTTPS_URL"], key=env["RW_KEY"], secret=env["RW_SECRET"], verify=env["CA_BUNDLE"]
    )
    out: dict[str, Any] = {"products": count, "batch": batch}
    for number, (name, options) in enumerate(settings_list):
        items = rich_products(f"BN{run_id}{number}{name[0].upper()}-", count)
        bodies = [raw_body(i, terms) for i in items]
        with StoreClient(settings, **options) as client:
            _ = client.api_root
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=16) as pool:
                failed = sum(
                    pool.map(
                        lambda part, c=client: len(c.batch("products", create=part).errors),
                        chunks(bodies, batch),
                    )
                )
            seconds = time.perf_counter() - started
            limiter = client.limiters["writes"]
            figures = {
                "seconds": seconds,
                "rate": count / seconds,
                "failed": failed,
                "history": [(round(at, 1), limit, why) for at, limit, why in limiter.history],
                "windows": [
                    (round(at, 1), limit, round(rate, 1), round(latency, 2))
                    for at, limit, rate, latency in limiter.windows
                ],
                "peak": limiter.peak,
                "statuses": dict(client.stats.snapshot()["by_status"]),
                "load": os.getloadavg()[0],
            }
        if name in out:  # a second run of the same setting: add it up
            first = out[name]
            figures["runs"] = [*first.get("runs", [round(first["seconds"], 2)]), round(seconds, 2)]
            figures["seconds"] += first["seconds"]
            figures["rate"] = count * len(figures["runs"]) / figures["seconds"]
            figures["statuses"] = {
                k: first["statuses"].get(k, 0) + figures["statuses"].get(k, 0)
                for k in {*first["statuses"], *figures["statuses"]}
            }
            figures["first_history"] = first["history"]
            figures["peak"] = max(first["peak"], figures["peak"])
        out[name] = figures
        print(f"    {name}: {count / seconds:.1f} products/s, peak {limiter.peak}", flush=True)
    return out


WORKER_SETTINGS = (
    ("adaptive", {"max_concurrency": 16}),
    ("fixed 2", {"fixed_concurrency": 2}),
    ("fixed 4", {"fixed_concurrency": 4}),
    ("fixed 8", {"fixed_concurrency": 8}),
    ("fixed 8", {"fixed_concurrency": 8}),
    ("fixed 4", {"fixed_concurrency": 4}),
    ("fixed 2", {"fixed_concurrency": 2}),
    ("adaptive", {"max_concurrency": 16}),
)
"""The ``workers`` part: every setting twice, in mirrored order, so that a steady drift of the
store's pace (a freshly built store warming up, the machine's load falling) meets each alike;
adaptive first and last."""
WARM_UP = 100
"""Creates sent (fixed 4, untimed) before the ``workers`` runs: on a store just rebuilt by
``setup.sh`` the first runs were the slowest (cold PHP opcache and database buffers) and that
fell on whichever setting ran first."""


def bench_workers(env: dict[str, str], terms: dict[str, int], run_id: str, count: int) -> dict:
    """Adaptive against the best fixed setting on this store's PHP workers (``WORKERS=N
    setup.sh``): ``count`` creates per run in batches of 25 (enough windows for the limiter
    to move), through bulkio's client; each setting's figure is the mean of its two runs."""
    warm = bench_adaptive(
        env, terms, run_id + "W", WARM_UP, (("fixed 4", {"fixed_concurrency": 4}),), batch=25
    )
    out = bench_adaptive(env, terms, run_id, count, WORKER_SETTINGS, batch=25)
    out["warm_up"] = {"products": WARM_UP, "seconds": warm["fixed 4"]["seconds"]}
    fixed = {k: v for k, v in out.items() if k.startswith("fixed")}

    def per_run(figures: dict[str, Any]) -> float:
        return float(figures["seconds"]) / len(figures.get("runs", [0]))

    best = min(fixed, key=lambda k: per_run(fixed[k]))
    out["best_fixed"] = best
    out["ratio"] = per_run(out["adaptive"]) / per_run(fixed[best])
    return out


def bench_big(
    raw: Raw,
    env: dict[str, str],
    home: Path,
    tmp: Path,
    terms: dict[str, int],
    run_id: str,
    size: int,
) -> dict[str, Any]:
    """A ``size``-product catalog created by ``bulkio catalog import`` (timed), its unchanged
    re-run against the reads it needs, and a stock feed of the same SKUs with 2 % changed."""
    items = rich_products(f"BN{run_id}G-", size)
    feed = write_wc_csv(tmp / "big.csv", items)
    out: dict[str, Any] = {"products": size}
    print(f"    creating {size:,} with bulkio…", flush=True)
    out["create"] = run_bulkio(["catalog", "import", str(feed)], env, home)
    out["create"]["load"] = os.getloadavg()
    print(f"    {out['create']['seconds']:.1f} s", flush=True)
    partial = Path(RESULTS_PATH[0]).with_suffix(".partial.json")
    partial.write_text(json.dumps(out, default=str), encoding="utf-8")
    skus = [item["sku"] for item in items]
    fields = "id,sku,name,status,description,short_description,regular_price,categories,tags"
    floors = {"by_sku": [read_by_sku(raw, skus, None)]}
    rerun = run_bulkio(["catalog", "import", str(feed)], env, home)
    rerun["load"] = os.getloadavg()
    floors["by_sku"].append(read_by_sku(raw, skus, None))
    floors["by_sku_fields"] = [read_by_sku(raw, skus, fields)]
    print(f"    re-run {rerun['seconds']:.1f} s, floor {min(floors['by_sku']):.1f} s", flush=True)
    out["rerun"] = {
        "products": size,
        "bulkio": rerun,
        "floor": min(min(v) for v in floors.values()),
        "floors": floors,
        "floor_requests": -(-size // 100),
    }
    partial.write_text(json.dumps(out, default=str), encoding="utf-8")
    print(f"    stock feed of {size:,}, 2 % changed…", flush=True)
    out["stock"] = bench_stock(raw, env, home, tmp, {"G": items}, size, terms, ways="G")
    return out


def bench_payload(raw: Raw, terms: dict[str, int], run_id: str) -> dict[str, Any]:
    """A batch of 100 with bulkio's payload vs the raw one, interleaved, twice each."""
    payload_file = Path(os.environ.get("BENCH_BULKIO_PAYLOAD", "/tmp/bulkio-bench-payload.json"))
    if not payload_file.exists():
        return {"skipped": f"{payload_file} absent (bench/realstore.py --capture-payload)"}
    captured = json.loads(payload_file.read_text(encoding="utf-8"))
    times: dict[str, list[float]] = {"raw": [], "bulkio": []}
    for round_ in range(2):
        for kind in ("raw", "bulkio"):
            prefix = f"BN{run_id}{kind[0].upper()}{round_}-"
            items = rich_products(prefix, 100)
            if kind == "raw":
                body = [raw_body(i, terms) for i in items]
            else:
                body = [
                    _as_bulkio(captured[n % len(captured)], i, terms) for n, i in enumerate(items)
                ]
            started = time.perf_counter()
            raw.call("POST", "products/batch", json={"create": body})
            times[kind].append(time.perf_counter() - started)
    raw_keys = sorted(raw_body(rich_products("X", 1)[0], terms))
    bulkio_keys = sorted(captured[0])
    return {
        "raw": min(times["raw"]),
        "bulkio": min(times["bulkio"]),
        "times": times,
        "only_bulkio": sorted(set(bulkio_keys) - set(raw_keys)),
        "only_raw": sorted(set(raw_keys) - set(bulkio_keys)),
        "example": {k: captured[0][k] for k in sorted(set(bulkio_keys) - set(raw_keys))},
    }


def _as_bulkio(shape: dict[str, Any], item: dict[str, Any], terms: dict[str, int]) -> dict:
    """bulkio's item shape (its fields and values) carrying this item's SKU, name and terms."""
    body = dict(shape)
    own = raw_body(item, terms)
    for key in ("sku", "name", "description", "short_description", "regular_price"):
        body[key] = own[key]
    if "categories" in body:
        body["categories"] = own["categories"]
    if "tags" in body:
        body["tags"] = own["tags"]
    return body


def capture_payload(products: int = 100) -> Path:
    """bulkio's create payload for the bench's CSV, from a sandbox run (no real store)."""
    from bulkio.sandbox import Sandbox

    target = Path(os.environ.get("BENCH_BULKIO_PAYLOAD", "/tmp/bulkio-bench-payload.json"))
    with tempfile.TemporaryDirectory() as tmp, Sandbox() as sb:
        sb.capture_bodies = True
        feed = write_wc_csv(Path(tmp) / "p.csv", rich_products("CAP-", products))
        key, secret = sb.keys["read_write"]
        env = {**os.environ, "BULKIO_URL": sb.url, "BULKIO_KEY": key, "BULKIO_SECRET": secret}
        env["BULKIO_HOME"] = str(Path(tmp) / "home")
        subprocess.run(
            [BULKIO, "catalog", "import", str(feed), "--no-limits", "-q"],
            env=env,
            check=False,
            capture_output=True,
        )
        creates: list[dict[str, Any]] = []
        for entry in sb.request_log:
            if entry.route.endswith("products/batch") and entry.body:
                creates += json.loads(entry.body).get("create", [])
    target.write_text(json.dumps(creates[:100], ensure_ascii=False, indent=1), encoding="utf-8")
    return target


# -- report --------------------------------------------------------------------------------------


def run(stores: list[str], sizes: dict[str, int], parts: list[str]) -> dict[str, Any]:
    results: dict[str, Any] = {"sizes": sizes, "parts": parts, "stores": {}, "skipped": []}
    results["machine"] = benchlib.machine()
    reason = unavailable()
    if reason:
        results["skipped"].append(reason)
        print(f"[realstore] skipped: {reason}")
        return results
    if "payload" in parts:
        capture_payload()
    for name in stores:
        env = store_env(name)
        if env is None:
            line = f"{name}: {REFSTORE_HOME / name / 'store.env'} not found (setup.sh builds it)"
            results["skipped"].append(line)
            print(f"[realstore] skipped {line}")
            continue
        try:
            httpx.get(
                env["HTTPS_URL"] + "/wp-json/",
                verify=ssl.create_default_context(cafile=env["CA_BUNDLE"]),
                timeout=20,
            ).raise_for_status()
        except (httpx.HTTPError, OSError) as error:
            line = f"{name}: the store does not answer ({type(error).__name__})"
            results["skipped"].append(line)
            print(f"[realstore] skipped {line}")
            continue
        print(f"[realstore] {name} (WooCommerce {env.get('WC_VERSION')})", flush=True)
        results["stores"][name] = bench_store(name, env, sizes, parts)
        with contextlib.suppress(OSError):  # a store's figures survive a later failure
            Path(RESULTS_PATH[0]).write_text(
                json.dumps(results, default=str, indent=1), encoding="utf-8"
            )
    results["machine_after"] = benchlib.machine()
    results["lock_windows"] = WINDOWS
    return results


def _load(figures: dict[str, Any]) -> str:
    load = figures.get("load")
    return f"{float(load[0]):.1f}" if load else "?"


def _small_met(ratio: float, size: int) -> str:
    """The re-run aims are for 10,000 items; a smaller run shows the fixed costs."""
    if ratio <= 1.2:
        return "yes"
    if size < 10_000:
        return "– (aim is at 10,000; here the fixed costs show: process start, discovery, probe)"
    return "no (see Real stores)"


def products_each(figures: dict[str, Any]) -> str:
    return f"{figures['products'] // max(1, len(figures.get('runs', [0]))):,}"


def _size(value: Any) -> str:
    if isinstance(value, list):
        return " and ".join(f"{v:,}" for v in value)
    return f"{value:,}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    if not results["stores"]:
        rows.append(("real stores", "skipped: " + "; ".join(results["skipped"]), "", ""))
    for store in results["stores"].values():
        label = f"WooCommerce {store['wc']}"
        creates = store.get("creates")
        if creates:
            bulk, sat = creates["bulkio"], creates["parallel"]
            core = creates["core"]
            ratio = bulk["rate"] / sat["rate"]
            rows.append(
                (
                    f"{label}: {bulk['products']:,} creates, bulkio vs saturation (4 in flight)",
                    f"{bulk['rate']:.1f} vs {sat['rate']:.1f} products/s = {ratio:.2f}×",
                    "≥ 0.95×",
                    "yes" if ratio >= 0.95 else "no (see Real stores)",
                )
            )
            if "rate" in core:
                ratio = bulk["rate"] / core["rate"]
                rows.append(
                    (
                        f"{label}: creates, bulkio vs WooCommerce's own importer",
                        f"{bulk['rate']:.1f} vs {core['rate']:.1f} products/s = {ratio:.2f}×",
                        "≥ 2.5×",
                        "yes" if ratio >= 2.5 else "no (see Real stores)",
                    )
                )
        rerun = store.get("rerun")
        if rerun:
            ratio = rerun["bulkio"]["seconds"] / rerun["floor"]
            rows.append(
                (
                    f"{label}: unchanged re-run of {rerun['products']:,} products vs its reads",
                    f"{rerun['bulkio']['seconds']:.1f} s vs {rerun['floor']:.1f} s = {ratio:.2f}×",
                    "≤ 1.2× (at 10,000)",
                    _small_met(ratio, rerun["products"]),
                )
            )
        stock = store.get("stock")
        if stock:
            ratio = stock["bulkio"]["seconds"] / stock["floor"]
            rows.append(
                (
                    f"{label}: stock feed of {stock['skus']:,} SKUs, 2 % changed, vs its floor",
                    f"{stock['bulkio']['seconds']:.1f} s vs {stock['floor']:.1f} s = {ratio:.2f}×",
                    "≤ 1.2× (at 10,000)",
                    _small_met(ratio, stock["skus"]),
                )
            )
        adaptive = store.get("adaptive")
        if adaptive:
            ratio = adaptive["adaptive"]["seconds"] / adaptive["fixed 4"]["seconds"]
            rows.append(
                (
                    f"{label}: {adaptive['products']:,} creates, adaptive vs fixed 4 in flight",
                    f"{adaptive['adaptive']['seconds']:.1f} s vs "
                    f"{adaptive['fixed 4']['seconds']:.1f} s = {ratio:.2f}×",
                    "≤ 1.10×",
                    "yes" if ratio <= 1.10 else "no (see Real stores)",
                )
            )
        big = store.get("big")
        if big:
            rerun = big["rerun"]
            ratio = rerun["bulkio"]["seconds"] / rerun["floor"]
            rows.append(
                (
                    f"{label}: unchanged re-run of {rerun['products']:,} products vs its reads",
                    f"{rerun['bulkio']['seconds']:.1f} s vs {rerun['floor']:.1f} s = {ratio:.2f}×",
                    "≤ 1.2×",
                    "yes" if ratio <= 1.2 else "no (see Real stores)",
                )
            )
            stock = big["stock"]
            ratio = stock["bulkio"]["seconds"] / stock["floor"]
            rows.append(
                (
                    f"{label}: stock feed of {stock['skus']:,} SKUs, 2 % changed, vs its floor",
                    f"{stock['bulkio']['seconds']:.1f} s vs {stock['floor']:.1f} s = {ratio:.2f}×",
                    "≤ 1.2×",
                    "yes" if ratio <= 1.2 else "no (see Real stores)",
                )
            )
        for key in sorted(k for k in store if k.startswith("workers_run_")):
            run_ = store[key]
            best = run_["best_fixed"]
            rows.append(
                (
                    f"{label}, {key.rsplit('_', 1)[1]} PHP workers: adaptive vs best fixed "
                    f"({best})",
                    f"{run_['adaptive']['seconds'] / len(run_['adaptive'].get('runs', [0])):.1f} s"
                    f" vs {run_[best]['seconds'] / len(run_[best].get('runs', [0])):.1f} s = "
                    f"{run_['ratio']:.2f}× "
                    f"(answers {run_['adaptive']['statuses']})",
                    "≤ 1.10×, no 5xx storm",
                    "yes" if run_["ratio"] <= 1.10 else "no (see Real stores)",
                )
            )
        for export in export_sizes(store):
            ratio = export["saturation"] / export["bulkio"]
            rows.append(
                (
                    f"{label}: export of {export['found']:,} orders vs saturation "
                    f"(paging, best of 2/4/8 in flight: {export['saturation_way'].split()[1]})",
                    f"{export['bulkio']:.1f} s vs {export['saturation']:.1f} s = {ratio:.2f}× "
                    f"(sequential paging {export['sequential']:.1f} s = "
                    f"{export['sequential'] / export['bulkio']:.2f}×)",
                    "≥ 0.9×",
                    "yes" if ratio >= 0.9 else "no (see Real stores)",
                )
            )
    return rows


def export_sizes(store: dict[str, Any]) -> list[dict[str, Any]]:
    """The export figures of a store by size (an old single-size result has none)."""
    export = store.get("export") or {}
    return [export["sizes"][k] for k in sorted(export.get("sizes", {}), key=int)]


def export_lines(export: dict[str, Any] | None) -> list[str]:
    """The export paragraph and table of one store."""
    if export and export.get("skipped"):
        return [f"Order export: not measured — {export['skipped']}.", ""]
    if not export or not export.get("sizes"):
        return []
    seeding = export["seeding"]
    counts = " + ".join(f"{c['created']:,}" for c in seeding["chunks"])
    total = sum(c["created"] for c in seeding["chunks"])
    lines = [
        f"Order export. {total:,} orders ({counts}) seeded in-process by "
        f"`bench/seed_orders.php` (WooCommerce's own `WC_Order` API, {seeding['storage']} "
        f"storage; untimed for the export) in **{seeding['seconds']:.0f} s** "
        f"({total / seeding['seconds']:.1f} orders/s, {len(seeding.get('windows', [1]))} lock "
        "window(s); through `orders/batch` it was 125–179 s for 1,000). Each size is the "
        "orders created in its own range of seconds, read with "
        "`mappings/export-accounting.toml`'s fields: `bulkio export orders -m "
        "mappings/export-accounting.toml --after … --before …` (default settings: adaptive "
        "concurrency; the whole command in its own process) against plain paging of the same "
        "listing (`_fields` = the mapping's, 100 a page, page 1 first for the page count), one "
        "page at a time and 2, 4, 8 in flight. Order bulkio, 1, 4, 2, 8, 4, 1, bulkio; best "
        "run of each way; every way found the same orders, all the seeded ones among them, and "
        "bulkio's file held each once"
        + "".join(
            f"; at {int(k):,}, {v['others']} order(s) other work created between two seeding "
            "windows fell into the range"
            for k, v in export["sizes"].items()
            if v.get("others")
        )
        + ".",
        "",
        "| orders | pages | bulkio | one page at a time | 2 in flight | 4 in flight "
        "| 8 in flight | bulkio vs saturation | bulkio vs sequential | requests | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in sorted(export["sizes"], key=int):
        size = export["sizes"][key]
        best, runs = size["best"], size["runs"]

        def cell(way: str, best: dict[str, float] = best, runs: dict[str, Any] = runs) -> str:
            tries = " / ".join(f"{t:.1f}" for t in runs[way])
            return f"{best[way]:.1f} s ({tries})" if len(runs[way]) > 1 else f"{best[way]:.1f} s"

        stats = size.get("bulkio_stats", {})
        window = size.get("lock_window", {})
        lines.append(
            f"| {size['found']:,} | {size['pages']} | **{cell('bulkio')}** | {cell('paging 1')} "
            f"| {cell('paging 2')} | {cell('paging 4')} | {cell('paging 8')} "
            f"| **{_ratio(size['saturation'], size['bulkio'])}** "
            f"({size['saturation_way'].split()[1]} in flight) "
            f"| {_ratio(size['sequential'], size['bulkio'])} "
            f"| {stats.get('requests') or '–'} "
            f"| {window.get('load', '?')} → {window.get('load_after', '?')} |"
        )
    limits = [
        f"{int(key):,}: {'; '.join(export['sizes'][key].get('bulkio_limits', [])) or 'no change'}"
        for key in sorted(export["sizes"], key=int)
    ]
    pairs = []
    for key in sorted(export["sizes"], key=int):
        runs = export["sizes"][key]["runs"]
        if len(runs.get("bulkio", [])) == 2 and len(runs.get("paging 4", [])) == 2:
            bulk, four = sum(runs["bulkio"]) / 2, sum(runs["paging 4"]) / 2
            pairs.append(f"{int(key):,}: {bulk:.1f} s vs {four:.1f} s = {_ratio(four, bulk)}")
    if pairs:
        lines += [
            "",
            "bulkio and 4 in flight ran in mirrored places (1st and 8th, 3rd and 6th), so the "
            "mean of each pair cancels a steady drift of the store's pace: bulkio vs 4 in "
            f"flight, means of both runs — {'; '.join(pairs)}.",
        ]
    lines += before_after_lines(export)
    seed_windows = seeding.get("windows") or [seeding.get("window", {})]
    lines += [
        "",
        "Lock windows (`flock -x`, UTC, load before → after): seeding "
        + ", ".join(
            f"{w.get('from', '?')[11:16]}–{w.get('to', '?')[11:16]} ({w.get('load', '?')} → "
            f"{w.get('load_after', '?')})"
            for w in seed_windows
        )
        + "; measuring "
        + ", ".join(
            f"{int(k):,}: {v['lock_window']['from'][11:16]}–{v['lock_window']['to'][11:16]}"
            for k, v in sorted(export["sizes"].items(), key=lambda kv: int(kv[0]))
            if v.get("lock_window")
        )
        + ".",
    ]
    deleted = export.get("deleted")
    gone = (
        f" The seeded orders were deleted afterwards ({deleted['orders']:,} in "
        f"{deleted['seconds']:.0f} s)."
        if deleted
        else ""
    )
    lines += ["", f"bulkio's read limit (debug log): {' — '.join(limits)}.{gone}", ""]
    return lines


def before_after_lines(export: dict[str, Any]) -> list[str]:
    """The older tree (``BENCH_BULKIO_BEFORE``) against this one, per size, when it ran: its
    whole command in the same window, its requests, and both start-ups."""
    lines: list[str] = []
    for key in sorted(export["sizes"], key=int):
        size = export["sizes"][key]
        runs = size["runs"]
        if "bulkio before" not in runs:
            continue
        before, now = size["best"]["bulkio before"], size["best"]["bulkio"]
        requests = size.get("requests_by_way", {})
        startup = size.get("startup_figures", {})

        def starts(name: str, startup: dict[str, Any] = startup) -> str:
            was, is_ = startup["before"][name], startup["now"][name]
            return (
                f"`bulkio {name}` {was['best']:.2f} → {is_['best']:.2f} s (medians "
                f"{was['median']:.2f} → {is_['median']:.2f} s)"
            )

        lines += [
            "",
            f"{int(key):,} orders, before and after in the same window: the code before "
            f"({startup.get('before_label', 'the older tree')}) ran in mirrored places too "
            "(2nd and 9th of 10): "
            f"{before:.2f} s ({' / '.join(f'{t:.2f}' for t in runs['bulkio before'])}) = "
            f"{_ratio(size['saturation'], before)} saturation, "
            f"{'/'.join(str(r) for r in requests.get('bulkio before', [])) or '?'} requests; "
            f"now {now:.2f} s ({' / '.join(f'{t:.2f}' for t in runs['bulkio'])}) = "
            f"{_ratio(size['saturation'], now)}, "
            f"{'/'.join(str(r) for r in requests.get('bulkio', [])) or '?'} requests. "
            + (
                f"Start-up without a store, best of {startup['repeat']} interleaved (load "
                f"{' '.join(f'{v:.1f}' for v in startup['load'])}): "
                + "; ".join(starts(" ".join(args)) for args in STARTUP_COMMANDS)
                + "."
                if "before" in startup
                else ""
            ),
        ]
    return lines


def section(results: dict[str, Any]) -> str:
    if not results["stores"]:
        return (
            "Not measured in this run: "
            + "; ".join(results["skipped"])
            + ". `bench/realstore.py` needs the stores of `../shared/refstore/` up."
        )
    facts = results["machine"]
    sizes = results["sizes"]
    lines = [
        f"`bench/realstore.py` against the real stores of `../shared/refstore/` (unmodified "
        f"WordPress + WooCommerce on PHP-FPM, MariaDB and nginx on this machine, HTTPS with "
        f"Basic auth): {benchlib.machine_line(facts)}. The client and the store share the "
        "machine's cores. Sizes: "
        + ", ".join(f"{k} {_size(v)}" for k, v in sizes.items())
        + ". Every product has a SKU prefix of this run; the stores held other products and "
        "other work's tests may have run at the same time (the load average says how busy the "
        "machine was); each ratio compares runs made minutes apart in this one run.",
        "",
    ]
    if results.get("windows"):
        lines += [
            "Runs (each under `flock -x /tmp/refstore.lock`, the stores rebuilt fresh by "
            "`setup.sh` before it and left rebuilt with 4 workers after it; load = 1/5/15-minute "
            "load average of the 2 cores, which other work shared):",
            "",
            "| stores | parts | from (load) | to (load) |",
            "|---|---|---|---|",
            *(
                f"| {w['stores']} | {w['parts']} | {w['from']} ({w['load']}) "
                f"| {w['to']} ({w['load_after']}) |"
                for w in results["windows"]
            ),
            "",
        ]
    for name, store in results["stores"].items():
        lines += [
            f"### WooCommerce {store['wc']} (WordPress {store['wp']}, `{name}`, PHP workers: "
            f"{store['workers']})",
            "",
        ]
        creates = store.get("creates")
        if creates:
            sat = creates["parallel"]["rate"]
            lines += [
                "| way | products | wall time | products/s | vs saturation |",
                "|---|---|---|---|---|",
            ]
            labels = {
                "single": "one POST per product, one at a time",
                "sequential": "batches of 100, one at a time",
                "parallel": "batches of 100, 4 in flight (the store's saturation)",
                "bulkio": "`bulkio catalog import` (WooCommerce CSV layout, default settings)",
                "core": "WooCommerce's own CSV importer, in-process, 30 lines a step",
            }
            for way in ("single", "sequential", "parallel", "bulkio", "core"):
                figures = creates[way]
                if "rate" not in figures:
                    lines.append(f"| {labels[way]} | – | {figures.get('skipped', '')} | | |")
                    continue
                lines.append(
                    f"| {labels[way]} | {figures['products']:,} | {figures['seconds']:.1f} s | "
                    f"{figures['rate']:.1f} | {_ratio(figures['rate'], sat)} |"
                )
            bulk = creates["bulkio"]
            if "runs" in bulk:
                lines += [
                    "",
                    f"Saturation and bulkio ran twice each, A B B A (saturation "
                    f"{' s, '.join(str(r) for r in creates['parallel']['runs'])} s; bulkio "
                    f"{' s, '.join(str(r) for r in bulk['runs'])} s), {products_each(bulk)} "
                    "products a run, so that the store's growth and the machine's load meet both "
                    "alike; their rows add both runs up. bulkio's limit: "
                    f"{'; '.join(bulk.get('limits', [])) or 'no change'}.",
                ]
            core_output = creates["core"].get("output", "")
            core_line = core_output.splitlines()[-1] if core_output else ""
            lines += [
                "",
                f"bulkio's figure is its whole command in its own process: starting it costs "
                f"{store.get('startup', 0):.2f} s (`bulkio --version`), then it reads the file, "
                "the store's terms and SKUs, plans, and writes. Requests: "
                f"{bulk.get('stats', {}).get('requests', '?')} "
                f"({bulk.get('stats', {}).get('reads', '?')} reads, "
                f"{bulk.get('stats', {}).get('writes', '?')} writes). WooCommerce's importer: "
                f"`{core_line}`.",
                "",
            ]
        rerun = store.get("rerun")
        if rerun:
            stats = rerun["bulkio"].get("stats", {})
            lines += [
                f"Unchanged re-run of the {rerun['products']:,} products bulkio created: "
                f"**{rerun['bulkio']['seconds']:.1f} s** and {stats.get('requests', '?')} "
                f"requests ({stats.get('writes', '?')} writes), against the floor of reading "
                f"the same products by SKU (100 per request, 4 in flight, plain HTTP, best of "
                f"two, before and after): {rerun['floor']:.1f} s and "
                f"{rerun['floor_requests']} requests = "
                f"**{_ratio(rerun['bulkio']['seconds'], rerun['floor'])}**.",
                "",
            ]
        stock = store.get("stock")
        if stock:
            stats = stock["bulkio"].get("stats", {})
            lines += [
                f"Stock feed of {stock['skus']:,} SKUs with {stock['changed']} changed "
                f"(`mappings/stock-csv.toml`, `bulkio import`): **{stock['bulkio']['seconds']:.1f}"
                f" s**, {stats.get('requests', '?')} requests ({stats.get('writes', '?')} writes); "
                f"floor: the reads by SKU ({stock['floor_reads']:.1f} s) + one batch writing the "
                f"changed ({stock['floor_writes']:.1f} s) = {stock['floor']:.1f} s, "
                f"{stock['floor_requests']} requests = "
                f"**{_ratio(stock['bulkio']['seconds'], stock['floor'])}**.",
                "",
            ]
        lines += export_lines(store.get("export"))
        adaptive = store.get("adaptive")
        if adaptive:
            fixed, auto = adaptive["fixed 4"], adaptive["adaptive"]
            steps = " → ".join(str(limit) for _, limit, _ in auto["history"])
            lines += [
                f"Adaptive concurrency on this store: the same {adaptive['products']:,} creates "
                f"through bulkio's client, batches of 100 from 16 threads: fixed 4 "
                f"{fixed['seconds']:.1f} s ({fixed['rate']:.1f}/s), adaptive up to 16 "
                f"{auto['seconds']:.1f} s ({auto['rate']:.1f}/s) = "
                f"**{_ratio(auto['seconds'], fixed['seconds'])}** the time; its limit went "
                f"{steps} (peak {auto['peak']} in flight; answers {auto['statuses']}).",
                "",
            ]
        big = store.get("big")
        if big:
            create, rerun, stock = big["create"], big["rerun"], big["stock"]
            stats, sstats = rerun["bulkio"].get("stats", {}), stock["bulkio"].get("stats", {})
            floors = rerun["floors"]
            lines += [
                f"**{big['products']:,}-product catalog.** `bulkio catalog import` created "
                f"{big['products']:,} rich products in {create['seconds']:.0f} s "
                f"({big['products'] / create['seconds']:.1f}/s; limit: "
                f"{'; '.join(create.get('limits', [])) or 'no change'}; load "
                f"{_load(create)}). Unchanged re-run: "
                f"**{rerun['bulkio']['seconds']:.1f} s**, {stats.get('requests', '?')} requests "
                f"({stats.get('writes', '?')} writes), against the floor of the reads it needs: "
                f"the same products by SKU, 100 a request, 4 in flight "
                f"({', '.join(f'{v:.1f}' for v in floors['by_sku'])} s before and after; with "
                f"`_fields` {', '.join(f'{v:.1f}' for v in floors['by_sku_fields'])} s), best "
                f"{rerun['floor']:.1f} s and {rerun['floor_requests']} requests = "
                f"**{_ratio(rerun['bulkio']['seconds'], rerun['floor'])}** (load "
                f"{_load(rerun['bulkio'])}). Stock feed of {stock['skus']:,} SKUs "
                f"with {stock['changed']} changed: **{stock['bulkio']['seconds']:.1f} s**, "
                f"{sstats.get('requests', '?')} requests ({sstats.get('writes', '?')} writes); "
                f"floor {stock['floor_reads']:.1f} s of reads by SKU + "
                f"{stock['floor_writes']:.1f} s of writes = {stock['floor']:.1f} s, "
                f"{stock['floor_requests']} requests = "
                f"**{_ratio(stock['bulkio']['seconds'], stock['floor'])}**.",
                "",
            ]
        for key in sorted(k for k in store if k.startswith("workers_run_")):
            run_ = store[key]
            settings = [k for k in run_ if k.startswith("fixed") or k == "adaptive"]
            cells = []
            for name_ in settings:
                figures = run_[name_]
                count = len(figures.get("runs", [0]))
                cells.append(
                    f"{name_} {figures['seconds'] / count:.1f} s"
                    + (f" (runs {figures['runs']})" if "runs" in figures else "")
                )
            auto = run_["adaptive"]
            first = " → ".join(str(limit) for _, limit, _ in auto.get("first_history", []))
            last = " → ".join(str(limit) for _, limit, _ in auto["history"])
            order = (
                "mirrored (adaptive, fixed 2, 4, 8, 8, 4, 2, adaptive) after an untimed warm-up "
                f"of {run_['warm_up']['products']} creates; mean of each setting's runs"
                if "warm_up" in run_
                else "adaptive first and last"
            )
            lines += [
                f"**{key.rsplit('_', 1)[1]} PHP workers** (`WORKERS={key.rsplit('_', 1)[1]} "
                f"setup.sh`): {run_['products']:,} creates a run in batches of "
                f"{run_['batch']} through bulkio's client, 16 threads; {order}: "
                + "; ".join(cells)
                + f". Adaptive per run vs the best fixed ({run_['best_fixed']}): "
                f"**{run_['ratio']:.2f}×**; its limit went {first or '–'} (first run) and "
                f"{last} (last run), peak {auto['peak']} in flight, answers {auto['statuses']}.",
                "",
            ]
        payload = store.get("payload")
        if payload and "raw" in payload:
            lines += [
                f"Where the time goes: a batch of 100 creates with bulkio's own item payload "
                f"(captured from a sandbox run of the same CSV) took {payload['bulkio']:.2f} s "
                f"against {payload['raw']:.2f} s with the raw payload "
                f"(**{_ratio(payload['bulkio'], payload['raw'])}**, best of two, interleaved). "
                f"Fields only bulkio sends: {', '.join(payload['only_bulkio']) or 'none'}; "
                f"only the raw script: {', '.join(payload['only_raw']) or 'none'}.",
                "",
            ]
    lines.append(
        "Reproduce: `flock -x /tmp/refstore.lock .venv/bin/python bench/realstore.py` "
        "(`--stores`, `--products`, `--single`, `--stock`, `--orders 1000,10000`, `--big`, "
        "`--parts` "
        "with `big` and `workers` on request, `--out FILE`; or `BENCH_*` variables); "
        "`WORKERS=N bash ../shared/refstore/setup.sh all` before `--parts workers`, and "
        "`bash ../shared/refstore/setup.sh all` after it; several `--out` files become this "
        "section with `bench/run.py --only realstore --realstore-json A.json,B.json,…`. The "
        "export part alone: `.venv/bin/python bench/realstore.py --parts export --orders "
        "1000,10000 --lock-windows` (it takes the lock itself, one window per phase; as root, "
        "for `runuser -u www-data`)."
    )
    return "\n".join(lines)


def merged(names: list[str]) -> dict[str, Any]:
    """Saved results (``--out`` files of runs made in separate lock windows) as one."""
    saved: dict[str, Any] = {}
    for name in names:
        part = json.loads(Path(name).read_text(encoding="utf-8"))
        window = {
            "stores": ",".join(part["stores"]),
            "parts": ",".join(part.get("parts", [])),
            "from": part["machine"]["date"],
            "load": part["machine"]["load"],
            "to": part.get("machine_after", {}).get("date", "?"),
            "load_after": part.get("machine_after", {}).get("load", "?"),
        }
        if not saved:
            saved = part
            saved["windows"] = [window]
            continue
        saved["windows"].append(window)
        for store, figures in part["stores"].items():  # runs of other parts add up
            into = saved["stores"].setdefault(store, {})
            # A WORKERS=N run's own pool size is in its workers_run_N key, not the store's.
            into.update({k: v for k, v in figures.items() if k != "workers" or k not in into})
        saved["skipped"] = [*saved.get("skipped", []), *part.get("skipped", [])]
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ
    parser.add_argument("--stores", default=env.get("BENCH_STORES", "wc11,wc79"))
    parser.add_argument("--products", type=int, default=int(env.get("BENCH_PRODUCTS", 1000)))
    parser.add_argument("--single", type=int, default=int(env.get("BENCH_SINGLE", 250)))
    parser.add_argument("--stock", type=int, default=int(env.get("BENCH_STOCK", 1000)))
    parser.add_argument(
        "--orders",
        default=env.get("BENCH_ORDERS", "1000,10000"),
        help="order export sizes, comma-separated (seeded in-process by bench/seed_orders.php)",
    )
    parser.add_argument(
        "--lock-windows",
        action="store_true",
        help="take flock -x /tmp/refstore.lock per export phase (do not wrap the run in flock)",
    )
    parser.add_argument("--keep-orders", action="store_true", help="leave the seeded orders")
    parser.add_argument("--big", type=int, default=int(env.get("BENCH_BIG", 10000)))
    parser.add_argument("--out", default="/tmp/bulkio-realstore-results.json")
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--capture-payload", action="store_true", help=capture_payload.__doc__)
    parser.add_argument("--no-results", action="store_true")
    parser.add_argument(
        "--from-json", help="write RESULTS.md from a saved results file (merging several runs)"
    )
    args = parser.parse_args()
    RESULTS_PATH[0] = args.out
    LOCK_WINDOWS[0] = args.lock_windows
    KEEP_ORDERS[0] = args.keep_orders
    if args.from_json:
        saved = merged(args.from_json.split(","))
        for row in summary_rows(saved):
            print(" | ".join(row))
        if not args.no_results:
            benchlib.update_section("Real stores", section(saved))
        return
    if args.capture_payload:
        print(capture_payload())
        return
    sizes = {
        "products": args.products,
        "single": args.single,
        "stock": args.stock,
        "orders": order_sizes(args.orders),
        "big": args.big,
    }
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    results = run([s.strip() for s in args.stores.split(",") if s.strip()], sizes, parts)
    with contextlib.suppress(OSError):
        Path(args.out).write_text(json.dumps(results, default=str, indent=1), encoding="utf-8")
    for row in summary_rows(results):
        print(" | ".join(row))
    if not args.no_results:
        benchlib.update_section("Real stores", section(results))


if __name__ == "__main__":
    main()
