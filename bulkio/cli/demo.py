"""``bulkio demo``: the whole import story in a minute, against a throwaway local store.

No configuration: a sandbox store starts on a free 127.0.0.1 port inside this process, is seeded
with part of the sample supplier's catalog, and disappears at the end. Each step is a small
function so the story can grow (the order export step is added by the export module's owner,
at the marked place in :func:`run_demo`).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bulkio.catalog.render import render_catalog_result
from bulkio.cli.common import handle_errors
from bulkio.cli.importing import plan_text
from bulkio.cli.jsonout import emit, json_errors, json_option, quiet_option, use_colour
from bulkio.config import ConnectionSettings
from bulkio.engine import ImportResult, run_import
from bulkio.errors import UsageError
from bulkio.exitcodes import ExitCode
from bulkio.report import problem_rows, render_problems, render_result
from bulkio.safeguard import RunOptions
from bulkio.shipped import sample_path, shipped_mapping
from bulkio.store import StoreClient

if TYPE_CHECKING:  # the sandbox is imported lazily: product code never needs it
    from bulkio.mapping import Mapping
    from bulkio.records import RecordSet
    from bulkio.sandbox import Sandbox

SAMPLE_FEED_NAME = "supplier-products.csv"
SAMPLE_MAPPING_NAME = "supplier-csv"
"""The shipped sample feed and its mapping (package data, :mod:`bulkio.shipped`): the demo
runs from an installed wheel as from a clone, in any directory."""

SEEDED_SKUS = tuple(f"SUP-{n}" for n in range(1001, 1016))
"""The part of the sample catalog the demo store already has (see the mapping's comment)."""
OUTDATED_SKUS = ("SUP-1002", "SUP-1005", "SUP-1008", "SUP-1011", "SUP-1014")
"""Seeded with last month's price and stock, so the feed has something to update."""


@dataclass
class DemoContext:
    """What the steps share: the running store, a client for it, the feed and its mapping,
    and the throwaway directory the import runs keep their run records in."""

    sandbox: Sandbox
    client: StoreClient
    mapping: Mapping
    records: RecordSet
    feed: Path
    runs_dir: Path


def say(title: str, text: str = "") -> None:
    """A step heading and its explanation in plain words."""
    click.echo()
    click.secho(f"== {title}", bold=True, fg="cyan", color=use_colour())
    if text:
        click.echo(click.wrap_text(text, width=96, preserve_paragraphs=True))
    click.echo()


def _older(values: dict[str, Any]) -> dict[str, Any]:
    """Last month's version of a product: higher price, other stock."""
    older = dict(values)
    price = values.get("regular_price")
    if isinstance(price, str) and price:
        older["regular_price"] = f"{float(price) * 1.1:.2f}"
    stock = values.get("stock_quantity")
    if isinstance(stock, int):
        older["stock_quantity"] = stock + 7
    return older


def step_start_store() -> Sandbox:
    from bulkio.sandbox import Sandbox

    sandbox = Sandbox().start()
    say(
        "1. A local practice store",
        f"bulkio started a WooCommerce sandbox at {sandbox.url} (in this process, in memory). "
        "It speaks the same REST API as a real store, so everything below is real HTTP.",
    )
    return sandbox


def step_seed(ctx: DemoContext) -> None:
    from bulkio.fields import to_payload

    created = 0
    for _, values in ctx.records.iter_rows():
        sku = values.get("sku")
        if sku not in SEEDED_SKUS:
            continue
        payload = to_payload(_older(values) if sku in OUTDATED_SKUS else values)
        payload["description"] = "<p>Written by hand in the shop; the feed does not own it.</p>"
        ctx.sandbox.create_product(payload)
        created += 1
    say(
        "2. The store already sells part of the supplier's range",
        f"{created} products ({SEEDED_SKUS[0]} … {SEEDED_SKUS[-1]}) were put in the store; "
        f"{len(OUTDATED_SKUS)} of them still have last month's price and stock. Their long "
        "descriptions were written by hand: the mapping does not name that field, so bulkio "
        "will never read or write it.",
    )


def step_dry_run(ctx: DemoContext) -> ImportResult:
    say(
        "3. Dry run: what would the feed change?",
        f"bulkio import samples/{SAMPLE_FEED_NAME} -m {SAMPLE_MAPPING_NAME} "
        "--dry-run\n\nThe file is read and checked row by row, the store is asked for the "
        "current values of the feed's SKUs (only the fields the mapping owns), and the two "
        "are compared. Nothing is written.",
    )
    result = run_demo_import(ctx, dry_run=True)
    plan = result.plan
    # The same printer `bulkio import` uses (bulkio.plan.render), colour only on a terminal.
    click.echo(plan_text(result, colour=use_colour()))
    # The sample as the heading names it (it lives in the installed package).
    shown = f"samples/{SAMPLE_FEED_NAME}"
    rows = [replace(row, file=shown) for row in problem_rows(plan.rejected)]
    if rows:
        click.echo()
        click.echo(render_problems(rows, limit=10))
        click.echo(
            "\nThose rows are never sent; with --report FILE.csv they land in a spreadsheet "
            "for the supplier."
        )
    return result


def step_apply(ctx: DemoContext) -> ImportResult:
    say(
        "4. Apply it",
        f"bulkio import samples/{SAMPLE_FEED_NAME} -m {SAMPLE_MAPPING_NAME}\n\n"
        "The same plan is made again, and only its creates and updates are sent, through the "
        "batch endpoint (up to 100 products a request, several requests in flight).",
    )
    ctx.sandbox.clear_log()
    result = run_demo_import(ctx, dry_run=False)
    if result.applied is not None:
        click.echo(render_result(result.applied))
    breakdown = render_catalog_result(result.catalog_result) if result.catalog_result else ""
    if breakdown:
        click.echo(breakdown)
    writes = ctx.sandbox.writes()
    click.echo(
        f"the store logged {writes} write request(s) for {len(result.plan.writes)} changed products"
    )
    return result


def step_run_again(ctx: DemoContext) -> int:
    say(
        "5. Run the same feed again (tomorrow night's cron job)",
        "Nothing changed in the file, so nothing should change in the store.",
    )
    ctx.sandbox.clear_log()
    result = run_demo_import(ctx, dry_run=False)
    writes = ctx.sandbox.writes()
    click.echo(plan_text(result, colour=use_colour()))
    click.echo(
        f"the store logged {writes} write requests and {ctx.sandbox.reads()} read request(s): "
        "a second run only looks."
    )
    return writes


def _shipped_mapping(name: str) -> Path:
    path = shipped_mapping(name)
    if path is None:
        raise UsageError(
            f"the demo needs the shipped mapping {name!r}, which this installation lacks",
            hint="reinstall bulkio (pip install --force-reinstall bulkio)",
        )
    return path


def run_demo_import(ctx: DemoContext, *, dry_run: bool) -> ImportResult:
    """One ``bulkio import`` of the sample feed, through the import engine as the CLI runs it
    (the mapping's limits and missing-product policy); its run records go to the demo's
    throwaway directory, not the user's."""
    options = RunOptions.resolve(ctx.mapping, runs_dir=ctx.runs_dir)
    result = run_import(ctx.client, ctx.mapping, ctx.feed, dry_run=dry_run, options=options)
    if result.stopped is not None:
        raise result.stopped
    return result


DEMO_ORDERS = 60
EXPORTS = (
    ("export-accounting.toml", "accounting.csv"),
    ("export-warehouse.toml", "warehouse.xlsx"),
    ("export-orders-xml.toml", "orders.xml"),
)


def step_export(ctx: DemoContext) -> Path:
    """Step 6 (export module): the store's orders to the three shipped export layouts."""
    import tempfile

    from bulkio.export import export_orders, load_export_mapping
    from bulkio.sandbox.seed import seed_store

    assert ctx.sandbox.store is not None
    seed_store(ctx.sandbox.store, products=0, orders=DEMO_ORDERS, seed=1)
    out_dir = Path(tempfile.mkdtemp(prefix="bulkio-demo-export-"))
    say(
        "6. Export the orders",
        f"Customers have bought from the store: it now holds {DEMO_ORDERS} orders. "
        "bulkio export orders -m accounting -o accounting.csv (and the "
        "same with the warehouse and XML mappings) reads them page by page, several pages at "
        "once, asking only for the fields each mapping names, and writes each file under a "
        "temporary name that is renamed when complete.",
    )
    for mapping_name, file_name in EXPORTS:
        mapping = load_export_mapping(_shipped_mapping(mapping_name))
        result = export_orders(ctx.client, mapping, out_dir / file_name)
        click.echo(
            f"  {result.output}  {result.orders} orders → {result.rows} rows "
            f"[{result.format}, {result.requests} request(s)]"
        )
    click.echo()
    click.echo(
        click.wrap_text(
            "accounting.csv: one row per order, net / VAT per rate / gross with a decimal comma, "
            "UTF-8 with BOM for Excel; warehouse.xlsx: one row per line item with SKU and "
            "shipping address; orders.xml: <order> elements with nested <item> lines. The files "
            f"stay in {out_dir} after the demo. For nightly runs add --since-last-run "
            "(docs/export.md).",
            width=96,
        )
    )
    return out_dir


def step_done() -> None:
    say(
        "Done",
        "The practice store is gone. Next: `bulkio doctor --url https://your-shop.example` "
        "to check your store and key, then `bulkio import FILE -m MAPPING --dry-run`. "
        "docs/import.md and docs/mapping-reference.md explain the rest.",
    )


def run_demo() -> int:
    """Run every step; return the number of writes the second run made (0 when all is well)."""
    from bulkio.mapping import load_product_mapping
    from bulkio.records import build_records

    try:
        feed = sample_path(SAMPLE_FEED_NAME)
    except FileNotFoundError:
        raise UsageError(
            f"the demo needs the shipped sample {SAMPLE_FEED_NAME}, which this installation lacks",
            hint="reinstall bulkio (pip install --force-reinstall bulkio)",
        ) from None
    mapping = load_product_mapping(_shipped_mapping(SAMPLE_MAPPING_NAME))
    records = build_records(mapping, feed)
    sandbox = step_start_store()
    runs_dir = Path(tempfile.mkdtemp(prefix="bulkio-demo-runs-"))
    try:
        key, secret = sandbox.keys["read_write"]
        settings = ConnectionSettings(url=sandbox.url, key=key, secret=secret)
        with StoreClient(settings) as client:
            ctx = DemoContext(sandbox, client, mapping, records, feed, runs_dir)
            step_seed(ctx)
            step_dry_run(ctx)
            step_apply(ctx)
            second_run_writes = step_run_again(ctx)
            # --- export step: the export module adds "6. Export the orders" here ---------------
            step_export(ctx)
    finally:
        sandbox.stop()
        shutil.rmtree(runs_dir, ignore_errors=True)
    step_done()
    return second_run_writes


@click.command("demo")
@json_option
@quiet_option
@handle_errors
@json_errors("demo")
def demo_command(as_json: bool, quiet: bool) -> None:
    """Show bulkio end to end on a throwaway local store: no configuration, no real shop.

    Starts a sandbox store, seeds it, shows the dry-run diff of the sample supplier feed,
    applies it, runs it again to show that nothing changes, exports the store's orders to
    CSV, XLSX and XML files (kept in a temporary directory), and stops the store.
    With --json the story is not printed, only a summary document (bulkio.demo/1); with
    --quiet nothing at all unless the second run wrote something (which would be a bug).
    """
    if not (as_json or quiet):
        run_demo()
        return
    story = io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(story):
        writes = run_demo()
    if as_json:
        emit(
            "demo",
            {
                "ok": writes == 0,
                "second_run_writes": writes,
                "seconds": round(time.monotonic() - started, 3),
                "story_lines": len(story.getvalue().splitlines()),
            },
        )
    elif writes:
        click.echo(f"demo: the second run wrote {writes} time(s); expected none", err=True)
    if writes:
        sys.exit(int(ExitCode.PARTIAL))


COMMANDS: list[click.Command] = [demo_command]
