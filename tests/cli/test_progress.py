"""Progress bars with counts and rates on every long step (issue 16): reading the feed,
reading the store, writing, exporting — on stderr, only on a terminal or when asked
(BULKIO_PROGRESS=1), never with --json or --quiet, never on stdout."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bulkio.cli.progress import bars_wanted
from bulkio.config import ConnectionSettings
from bulkio.engine import Hooks, run_import
from bulkio.mapping import load_mapping
from bulkio.sandbox import Sandbox
from bulkio.shipped import shipped_mapping
from bulkio.store import StoreClient
from tests.cli.helpers import ROOT, run, store, write_feeds
from tests.export.http_orders import create_orders

CATALOG = ROOT / "samples" / "catalog-woocommerce.csv"
FINAL = r"{desc}:.*{n}/{n} .*\d+(?:\.\d+)? {unit}/s"
"""A bar's last state: the count done of the total, and the rate."""


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("BULKIO_PROGRESS", raising=False)


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bars_only_on_a_terminal_or_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", FakeTty())
    assert bars_wanted() is True
    assert bars_wanted(quiet=True) is False and bars_wanted(as_json=True) is False
    monkeypatch.setenv("BULKIO_PROGRESS", "0")
    assert bars_wanted() is False
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.delenv("BULKIO_PROGRESS")
    assert bars_wanted() is False  # a pipe or a file: no bars
    monkeypatch.setenv("BULKIO_PROGRESS", "1")
    assert bars_wanted() is True and bars_wanted(quiet=True) is False


def recording_bar(steps: list[tuple[str, int | None, str, int]]) -> Callable[..., object]:
    """A Hooks.bar that records each step and how far it was advanced."""

    @contextmanager
    def bar(desc: str, total: int | None, unit: str) -> Iterator[Callable[[int], None]]:
        done = [0]

        def advance(n: int) -> None:
            done[0] += n

        yield advance
        steps.append((desc, total, unit, done[0]))

    return bar


@pytest.mark.parametrize("kind", ["catalog", "flat", "stock"])
def test_every_import_step_calls_the_bar_hook(sandbox: Sandbox, tmp_path: Path, kind: str) -> None:
    feeds = write_feeds(tmp_path)
    key, secret = sandbox.keys["read_write"]
    settings = ConnectionSettings(url=sandbox.url, key=key, secret=secret)
    with StoreClient(settings) as client:
        if kind == "stock":
            run_import(client, load_mapping(feeds["flat_mapping"]), feeds["flat"])
        source, mapping = {
            "catalog": (CATALOG, load_mapping(shipped_mapping("woocommerce-core"))),  # type: ignore[arg-type]
            "flat": (feeds["flat"], load_mapping(feeds["flat_mapping"])),
            "stock": (feeds["stock"], load_mapping(feeds["stock_mapping"])),
        }[kind]
        steps: list[tuple[str, int | None, str, int]] = []
        result = run_import(client, mapping, source, hooks=Hooks(bar=recording_bar(steps)))
    assert result.exit_code == 0
    rows = 6 if kind == "catalog" else 3
    assert steps == [
        ("reading the feed", None, "row", rows),
        ("planning: reading the store", rows, "sku", rows),
        ("applying", rows, "row", rows),
    ]


def test_import_bars_on_stderr_with_counts_and_rates(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BULKIO_PROGRESS", "1")
    result = run("catalog", "import", str(CATALOG), *store(sandbox))
    assert result.exit_code == 0, result.output
    for desc, n, unit in (
        ("reading the feed", None, "row"),
        ("planning: reading the store", 6, "sku"),
        ("applying", 6, "row"),
    ):
        pattern = FINAL.format(desc=desc, n=n, unit=unit) if n else rf"{desc}: 6 row .*row/s"
        assert re.search(pattern, result.stderr), (pattern, result.stderr)
    assert "\r" not in result.stdout and "row/s" not in result.stdout
    for flag in ("--json", "--quiet"):
        quiet = run("catalog", "import", str(CATALOG), flag, *store(sandbox))
        assert not re.search(r"(row|sku)/s", quiet.stderr), (flag, quiet.stderr)


def test_export_bars(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULKIO_PROGRESS", "1")
    assert run("catalog", "import", str(CATALOG), "-q", *store(sandbox)).exit_code == 0
    create_orders(sandbox, 3, seed=5)
    products = run("export", "products", "-o", str(tmp_path / "p.csv"), *store(sandbox))
    assert products.exit_code == 0, products.output
    assert re.search(r"exporting products: \d+ page .*page/s", products.stderr), products.stderr
    mapping = str(ROOT / "mappings" / "export-warehouse.toml")
    orders = run("export", "orders", "-m", mapping, "-o", str(tmp_path / "o.csv"), *store(sandbox))
    assert orders.exit_code == 0, orders.output
    assert re.search(r"exporting orders: .*1/1 .*page/s", orders.stderr), orders.stderr
    # every export's summary: stdout, one wording; stderr holds the bars only
    assert re.match(r"exported \d+ product\(s\) and 4 variation\(s\) as \d+ row\(s\) to ",
                    products.stdout)  # fmt: skip
    assert orders.stdout.startswith("exported 3 order(s) as ")
    assert "exported" not in products.stderr + orders.stderr
    quiet = run("export", "products", "-o", str(tmp_path / "q.csv"), "-q", *store(sandbox))
    assert quiet.stderr == "" and quiet.stdout == ""


def test_applying_a_saved_plan_calls_the_bar_hook(sandbox: Sandbox, tmp_path: Path) -> None:
    from bulkio.engine import SavedApply, apply_plan

    feeds = write_feeds(tmp_path)
    plan = tmp_path / "plan.json"
    key, secret = sandbox.keys["read_write"]
    settings = ConnectionSettings(url=sandbox.url, key=key, secret=secret)
    with StoreClient(settings) as client:
        mapping = load_mapping(feeds["flat_mapping"])
        run_import(client, mapping, feeds["flat"], dry_run=True, plan_out=plan)
        steps: list[tuple[str, int | None, str, int]] = []
        result = apply_plan(
            client, plan, options=SavedApply(), hooks=Hooks(bar=recording_bar(steps))
        )
    assert result.exit_code == 0
    assert steps == [
        ("checking the plan: reading the store", 3, "row", 3),
        ("applying", 3, "row", 3),
    ]


def test_order_planning_bars_count_orders_and_skus(sandbox: Sandbox, tmp_path: Path) -> None:
    """The order kind's two planning reads advance their bars: the imported orders listed and
    the distinct SKUs of the new orders' lines."""
    lines = (ROOT / "samples" / "shopify-orders.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], [ln for ln in lines[1:] if ln.split(",", 1)[0] in ("#1001", "#1002")]
    feed = tmp_path / "orders.csv"
    feed.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    skus = {ln.split(",")[20] for ln in rows} - {""}
    key, secret = sandbox.keys["read_write"]
    settings = ConnectionSettings(url=sandbox.url, key=key, secret=secret)
    mapping = load_mapping(shipped_mapping("shopify-orders"))  # type: ignore[arg-type]
    with StoreClient(settings) as client:
        first: list[tuple[str, int | None, str, int]] = []
        run_import(client, mapping, feed, hooks=Hooks(bar=recording_bar(first)))
        again: list[tuple[str, int | None, str, int]] = []
        run_import(client, mapping, feed, hooks=Hooks(bar=recording_bar(again)))
    resolving = [s for s in first if s[0] == "planning: resolving SKUs and customers"]
    assert [s[1:3] for s in resolving] == [(len(skus), "sku")] and resolving[0][3] >= 1
    assert ("planning: reading the store's orders", None, "order", 2) in again
