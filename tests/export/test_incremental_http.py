"""--since-last-run against a sandbox over HTTP: several runs with orders created between runs and
while a run is paging, changes in modified mode, a hard crash mid-write (os._exit)."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox
from bulkio.sandbox.faults import FaultPlan, FaultRule
from tests.export.http_orders import all_orders, client_for, create_orders

ROOT = Path(__file__).resolve().parents[2]


def write_mapping(tmp_path: Path, mode: str) -> Path:
    path = tmp_path / f"inc-{mode}.toml"
    path.write_text(
        f'[output]\nincremental = "{mode}"\n'
        '[[columns]]\nheader = "id"\nfield = "id"\n'
        '[[columns]]\nheader = "status"\nfield = "status"\n',
        encoding="utf-8",
    )
    return path


def run(sandbox: Sandbox, mapping: Path, out: Path, state: Path) -> list[int]:
    key, secret = sandbox.keys["read"]
    env = {"BULKIO_URL": sandbox.url, "BULKIO_KEY": key, "BULKIO_SECRET": secret}
    args = [
        "export",
        "orders",
        "-m",
        str(mapping),
        "-o",
        str(out),
        "--since-last-run",
        "--state-file",
        str(state),
        "--safety-margin",
        "0",
        "--concurrency",
        "4",
    ]
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        return [int(row["id"]) for row in csv.DictReader(handle)]


def next_second() -> None:
    """Let the store's clock move past the second in which the last orders were created."""
    time.sleep(1.05 - (time.time() % 1) if time.time() % 1 < 0.95 else 1.1)


def test_every_order_exactly_once_across_runs_with_orders_arriving_during_a_run(
    tmp_path: Path,
) -> None:
    mapping = write_mapping(tmp_path, "created")
    state = tmp_path / "state.json"
    with Sandbox() as sandbox:
        created = create_orders(sandbox, 250, seed=3)
        next_second()
        exported = run(sandbox, mapping, tmp_path / "1.csv", state)
        assert exported == created

        created += create_orders(sandbox, 240, seed=3, start=1000)  # run 2 reads 3 pages
        next_second()
        # Run 2 pages slowly while a checkout thread keeps creating orders.
        sandbox.faults = FaultPlan(rules=[FaultRule.latency(0.25, route="orders", method="GET")])
        stop = threading.Event()
        arrived: list[int] = []

        def checkouts() -> None:
            index = 2000
            while not stop.is_set():
                arrived.extend(create_orders(sandbox, 3, seed=3, start=index))
                index += 3
                time.sleep(0.05)

        worker = threading.Thread(target=checkouts)
        worker.start()
        try:
            second = run(sandbox, mapping, tmp_path / "2.csv", state)
        finally:
            stop.set()
            worker.join()
        sandbox.faults = FaultPlan()
        assert arrived, "orders were created while run 2 was paging"
        listing = [
            r for r in sandbox.request_log if r.route == "/wc/v3/orders" and r.query.get("page")
        ]
        assert len({r.query["page"] for r in listing if r.query.get("per_page") == "100"}) >= 3
        assert set(created[250:]) <= set(second)
        exported += second

        next_second()
        third = run(sandbox, mapping, tmp_path / "3.csv", state)
        exported += third
        everything = created + arrived
        assert sorted(exported) == sorted(everything)  # no gaps
        assert len(exported) == len(set(exported))  # no repeats
        assert run(sandbox, mapping, tmp_path / "4.csv", state) == []


def test_modified_mode_exports_changed_orders_again(tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path, "modified")
    state = tmp_path / "state.json"
    with Sandbox() as sandbox:
        ids = create_orders(sandbox, 30, seed=5)
        next_second()
        assert sorted(run(sandbox, mapping, tmp_path / "a.csv", state)) == sorted(ids)
        with client_for(sandbox) as client:
            client.put(f"orders/{ids[3]}", {"status": "cancelled"})
            client.put(f"orders/{ids[7]}", {"customer_note": "changed"})
            client.put(f"orders/{ids[7]}", {"customer_note": "changed twice in one second"})
        new = create_orders(sandbox, 2, seed=5, start=500)
        next_second()
        assert sorted(run(sandbox, mapping, tmp_path / "b.csv", state)) == sorted(
            [ids[3], ids[7], *new]
        )
        assert run(sandbox, mapping, tmp_path / "c.csv", state) == []


CRASHING_EXPORT = """
import os, sys
import bulkio.writers as writers
from bulkio.cli import main

real = writers.WRITERS["csv"]

def crash_midway(path, mapping, rows):
    def rows_then_die():
        for index, row in enumerate(rows):
            if index == 150:
                os._exit(9)  # like kill -9: no cleanup, no exception handlers
            yield row
    return real(path, mapping, rows_then_die())

writers.WRITERS["csv"] = crash_midway
sys.argv = ["bulkio", *sys.argv[1:]]
main()
"""


def test_a_hard_crash_mid_write_leaves_no_target_and_keeps_the_state(tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path, "created")
    state = tmp_path / "state.json"
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with Sandbox() as sandbox:
        first = create_orders(sandbox, 20, seed=8)
        next_second()
        assert run(sandbox, mapping, out_dir / "first.csv", state) == first
        state_before = state.read_bytes()
        later = create_orders(sandbox, 300, seed=8, start=100)
        next_second()
        key, secret = sandbox.keys["read"]
        env = {
            "BULKIO_URL": sandbox.url,
            "BULKIO_KEY": key,
            "BULKIO_SECRET": secret,
            "PATH": "/usr/bin:/bin",
        }
        target = out_dir / "second.csv"
        crashed = subprocess.run(
            [
                sys.executable,
                "-c",
                textwrap.dedent(CRASHING_EXPORT),
                "export",
                "orders",
                "-m",
                str(mapping),
                "-o",
                str(target),
                "--since-last-run",
                "--state-file",
                str(state),
                "--safety-margin",
                "0",
                "-q",
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert crashed.returncode == 9, crashed.stderr
        assert not target.exists()  # the downstream system sees no half file
        assert state.read_bytes() == state_before  # and the window is not lost
        leftovers = [p.name for p in out_dir.iterdir() if p.name != "first.csv"]
        assert all(name.startswith(".second.csv.") and name.endswith(".tmp") for name in leftovers)
        # The next run (after the crash) exports exactly the orders the crashed one had.
        assert run(sandbox, mapping, target, state) == later


def test_accounting_mapping_exports_each_completed_order_once(tmp_path: Path) -> None:
    """The shipped accounting mapping (modified + once) with --status completed, night by night."""
    mapping = ROOT / "mappings" / "export-accounting.toml"
    state = tmp_path / "state.json"

    def night(sandbox: Sandbox, name: str) -> list[str]:
        key, secret = sandbox.keys["read"]
        env = {"BULKIO_URL": sandbox.url, "BULKIO_KEY": key, "BULKIO_SECRET": secret}
        out = tmp_path / f"{name}.csv"
        args = [
            "export",
            "orders",
            "-m",
            str(mapping),
            "-o",
            str(out),
            "--since-last-run",
            "--status",
            "completed",
            "--state-file",
            str(state),
            "--safety-margin",
            "0",
        ]
        result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        with out.open(encoding="utf-8-sig") as handle:
            return [row["Belegnummer"] for row in csv.DictReader(handle, delimiter=";")]

    with Sandbox() as sandbox:
        ids = create_orders(sandbox, 12, seed=21)
        with client_for(sandbox) as client:
            for order_id in ids:
                client.put(f"orders/{order_id}", {"status": "processing"})
        next_second()
        assert night(sandbox, "n1") == []
        with client_for(sandbox) as client:
            for order_id in ids[:5]:
                client.put(f"orders/{order_id}", {"status": "completed"})
        next_second()
        assert night(sandbox, "n2") == [str(i) for i in ids[:5]]
        with client_for(sandbox) as client:
            client.put(
                f"orders/{ids[0]}", {"customer_note": "invoice sent"}
            )  # changed, still completed
            for order_id in ids[5:8]:
                client.put(f"orders/{order_id}", {"status": "completed"})
        next_second()
        assert night(sandbox, "n3") == [str(i) for i in ids[5:8]]


def test_an_order_trashed_while_paging_does_not_hide_its_neighbour(tmp_path: Path) -> None:
    """Over HTTP: page 1 is read, then an order on it is trashed; every later order moves up one
    place, so the first order of page 2 lands on page 1 — bulkio notices and fetches it."""
    from bulkio.config import ConnectionSettings
    from bulkio.export import export_orders, load_export_mapping
    from bulkio.store import StoreClient

    with Sandbox(seed_products=10, seed_orders=250, seed=12) as sandbox:
        with client_for(sandbox, "read") as client:
            ids = [
                o["id"]
                for o in client.get_page(
                    "orders", {"orderby": "id", "order": "asc", "per_page": 100}
                ).items
            ]
        victim = ids[10]
        sandbox.clear_log()
        sandbox.faults = FaultPlan(
            rules=[FaultRule.latency(1.0, route="orders", method="GET", after=1, times=1)]
        )
        done = threading.Event()

        def trash_after_page_one() -> None:
            while not done.is_set():
                if any(
                    r.route == "/wc/v3/orders" and r.query.get("page") == "1" and r.status == 200
                    for r in list(sandbox.request_log)
                ):
                    with client_for(sandbox) as writer:
                        writer.delete(f"orders/{victim}")
                    return
                time.sleep(0.01)

        worker = threading.Thread(target=trash_after_page_one)
        worker.start()
        key, secret = sandbox.keys["read"]
        out = tmp_path / "all.csv"
        try:
            with StoreClient(
                ConnectionSettings(url=sandbox.url, key=key, secret=secret), max_concurrency=1
            ) as client:
                result = export_orders(
                    client,
                    load_export_mapping(write_mapping(tmp_path, "created")),
                    out,
                    concurrency=1,
                )
        finally:
            done.set()
            worker.join()
        with out.open(encoding="utf-8") as handle:
            exported = [int(row["id"]) for row in csv.DictReader(handle)]
        everything = sorted({*exported, *[o["id"] for o in all_orders(sandbox)]})
        assert sorted(exported) == everything  # the neighbour is there; the victim was read before
        assert len(exported) == len(set(exported)) == 250
        assert result.reconciled == 1
