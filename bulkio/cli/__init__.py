"""The ``bulkio`` command line: a thin click layer over the library.

Each sub-command lives in its own module and only parses options, calls library functions and
turns their results into output and an exit code (see :mod:`bulkio.exitcodes`). A command's
module is imported only when that command runs (:mod:`bulkio.cli.lazy`): ``bulkio export
orders`` does not pay for the import engine, polars or the sandbox. The tables below name each
command's module and the first paragraph of its help; ``tests/cli/test_lazy.py`` holds them to
the commands themselves.
"""

from __future__ import annotations

import sys

import click

from bulkio.cli.lazy import Lazy, LazyGroup
from bulkio.scrub import ScrubbedStream

COMMANDS: dict[str, Lazy] = {
    "apply": Lazy(
        "bulkio.cli.import_:apply_command",
        "Apply a plan saved with `bulkio import … --plan-out PLAN.json`, exactly as it was shown.",
    ),
    "catalog": Lazy(
        "bulkio.cli.catalog:catalog_group",
        "Full catalogs: variable products, attributes, categories/tags by name, images.",
    ),
    "demo": Lazy(
        "bulkio.cli.demo:demo_command",
        "Show bulkio end to end on a throwaway local store: no configuration, no real shop.",
    ),
    "doctor": Lazy(
        "bulkio.cli.doctor:doctor",
        "Check that bulkio can reach and use the store, and say what to do when not.",
    ),
    "import": Lazy(
        "bulkio.cli.import_:import_command",
        "Import FILE into the store as MAPPING says: plan, show the diff, write the difference.",
    ),
    "init": Lazy(
        "bulkio.cli.init:init_command",
        "Draft a mapping for FEED (CSV or XML) and check it against the file.",
    ),
    "mapping": Lazy(
        "bulkio.cli.mapping:mapping_group",
        "Check mapping files (see docs/mapping-reference.md).",
    ),
    "sandbox": Lazy(
        "bulkio.cli.sandbox:sandbox_command",
        "Run a local WooCommerce REST API (wc/v3) on 127.0.0.1 until Ctrl-C.",
    ),
}
"""``bulkio``'s commands (``export`` is the group below)."""

EXPORT_COMMANDS: dict[str, Lazy] = {
    "coupons": Lazy(
        "bulkio.cli.export_records:export_coupons_command",
        "Export coupons (code, amount, type, expiry, limits, restrictions …) as a mapping says.",
    ),
    "customers": Lazy(
        "bulkio.cli.export_records:export_customers_command",
        "Export customers (names, e-mail, billing and shipping addresses …) as a mapping says.",
    ),
    "orders": Lazy(
        "bulkio.cli.export:export_orders_command",
        "Export orders to CSV, XLSX, XML, Parquet or JSON lines, as an export mapping says.",
    ),
    "products": Lazy(
        "bulkio.cli.export_products:export_products_command",
        "Export products and their variations: WooCommerce's product CSV layout by default, "
        "or any columns and format an export mapping describes.",
    ),
}
"""``bulkio export``'s commands."""


def _installed_version() -> str:
    """The version of the installed package (its metadata), else the source tree's. Read
    only when ``--version`` asks: importlib.metadata costs a start it rarely serves."""
    from importlib import metadata

    from bulkio import __version__

    try:
        return metadata.version("bulkio")
    except metadata.PackageNotFoundError:
        return __version__


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"bulkio {_installed_version()}", color=ctx.color)
        ctx.exit()


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
def main() -> None:
    """Move data between files and WooCommerce stores through the REST API.

    Imports reconcile: bulkio reads the store, shows what would change, and writes only the
    difference through the batch endpoints. Exports write orders and products to CSV, XLSX,
    XML or Parquet for systems without an API.

    Start with `bulkio demo` (no configuration needed), `bulkio init FEED` to draft a mapping
    for your file, then `bulkio doctor` against your store. Completion, --json and --quiet:
    docs/cli.md.
    """
    _scrub_console(click.get_current_context())


def _scrub_console(ctx: click.Context) -> None:
    """Send everything the command prints through the one scrubber (:mod:`bulkio.scrub`):
    messages quoting a store's answer may echo the request's key and secret, and the console
    ends up in cron mail and the journal. The previous streams come back when it ends."""
    saved = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, ScrubbedStream):
        sys.stdout = ScrubbedStream(sys.stdout)  # type: ignore[assignment,unused-ignore]
    if not isinstance(sys.stderr, ScrubbedStream):
        sys.stderr = ScrubbedStream(sys.stderr)  # type: ignore[assignment,unused-ignore]

    def restore() -> None:
        sys.stdout, sys.stderr = saved

    ctx.call_on_close(restore)


@main.group("export", cls=LazyGroup, lazy=EXPORT_COMMANDS)
def export_group() -> None:
    """Export store data to files (orders, products, customers and coupons)."""
