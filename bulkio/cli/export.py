"""``bulkio export orders``: orders → CSV / XLSX / XML / Parquet / JSON lines, via a mapping."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from bulkio.cli.common import FiniteFloatRange, handle_errors
from bulkio.cli.connection import client_from_options, concurrency_options, store_options
from bulkio.cli.jsonout import emit, json_errors, json_option
from bulkio.cli.progress import PageBar
from bulkio.errors import UsageError
from bulkio.export import (
    DEFAULT_MARGIN_SECONDS,
    FetchStats,
    Incremental,
    OrderQuery,
    TimeRange,
    export_orders,
    load_export_mapping,
)
from bulkio.export.mapping import FORMATS

_STATUS = re.compile(r"^[a-z0-9_-]+$")


def parse_when(value: str | None, option: str) -> datetime | None:
    """``2026-01-31``, ``2026-01-31T08:00``, ``… 08:00:00``, with ``Z`` or ``+01:00``; a time
    without a zone is UTC (the store's own zone is not known to bulkio)."""
    if value is None or value.strip() == "":
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{option} {value!r} is not a date",
            hint="write 2026-01-31, 2026-01-31T08:00 or 2026-01-31T08:00+01:00 (no zone = UTC)",
        ) from None
    if moment.year < EARLIEST_YEAR:
        # Year 1 (a typo like 0001-…) overflowed later with a traceback; no store has orders
        # or products that old.
        raise UsageError(
            f"{option} {value!r} is before {EARLIEST_YEAR}: no store has data that old",
            hint="check the year (write 2026-01-31, 2026-01-31T08:00 or 2026-01-31T08:00+01:00)",
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


EARLIEST_YEAR = 1900


def parse_statuses(values: tuple[str, ...]) -> tuple[str, ...]:
    statuses: list[str] = []
    for value in values:
        for part in value.split(","):
            status = part.strip().lower().removeprefix("wc-")
            if not status:
                continue
            if not _STATUS.match(status):
                raise UsageError(f"--status {part!r} is not an order status (e.g. completed)")
            if status not in statuses:
                statuses.append(status)
    return tuple(statuses)


def _range(start: str | None, end: str | None, names: tuple[str, str]) -> TimeRange:
    window = TimeRange(parse_when(start, names[0]), parse_when(end, names[1]))
    if window.empty:
        raise UsageError(f"{names[0]} must be earlier than {names[1]}")
    return window


@click.command("orders")
@click.option(
    "-m",
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Export mapping (TOML): columns, layout, formatting. See docs/export.md.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write. Written under a temporary name and renamed when complete.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format [default: from the file extension, else the mapping].",
)
@click.option(
    "--status",
    multiple=True,
    metavar="S[,S…]",
    help="Only orders with these statuses (comma-separated or repeated): completed,processing.",
)
@click.option("--after", metavar="WHEN", help="Created at or after WHEN (no zone = UTC).")
@click.option("--before", metavar="WHEN", help="Created before WHEN.")
@click.option("--modified-after", metavar="WHEN", help="Last modified at or after WHEN.")
@click.option("--modified-before", metavar="WHEN", help="Last modified before WHEN.")
@click.option(
    "--customer",
    type=click.IntRange(min=1, max=2**63 - 1),  # a WordPress user id is a BIGINT UNSIGNED
    default=None,
    metavar="ID",
    help="Only orders of this customer id.",
)
@click.option(
    "--since-last-run",
    is_flag=True,
    help='Only orders new (or, with incremental = "modified", new or changed) since the '
    "last successful run; keeps a state file per store and mapping.",
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="State file for --since-last-run [default: .bulkio/state/<store>--<mapping>.json].",
)
@click.option(
    "--safety-margin",
    type=FiniteFloatRange(min=0, max=86400),
    default=DEFAULT_MARGIN_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="With --since-last-run: stop the window this far behind the store's clock, so "
    "orders still being saved are taken by the next run.",
)
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@click.option(
    "--mask-emails",
    type=click.Choice(["hash", "mask"]),
    default=None,
    help="hash: stable SHA-256 prefix; mask: j***@example.com. Applies to every cell.",
)
@concurrency_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@json_option
@store_options
@handle_errors
@json_errors("export")
def export_orders_command(
    mapping_path: Path,
    output: Path,
    fmt: str | None,
    status: tuple[str, ...],
    after: str | None,
    before: str | None,
    modified_after: str | None,
    modified_before: str | None,
    customer: int | None,
    since_last_run: bool,
    state_file: Path | None,
    safety_margin: float,
    overwrite: bool,
    mask_emails: str | None,
    concurrency: int | None,
    quiet: bool,
    as_json: bool,
    **connection: Any,
) -> None:
    """Export orders to CSV, XLSX, XML, Parquet or JSON lines, as an export mapping says.

    \b
    Examples:
      bulkio export orders -m mappings/export-accounting.toml -o orders.csv --status completed
      bulkio export orders -m mappings/export-warehouse.toml -o picks.xlsx --after 2026-11-01
      bulkio export orders -m my.toml -o nightly.csv --since-last-run --overwrite   # cron

    Exit codes: 0 done, 2 bad option/mapping or output exists (nothing written),
    4 store unreachable or key refused, 5 another --since-last-run export holds the state.
    """
    if state_file is not None and not since_last_run:
        raise UsageError("--state-file only makes sense with --since-last-run")
    mapping = load_export_mapping(mapping_path)
    query = OrderQuery(
        statuses=parse_statuses(status),
        created=_range(after, before, ("--after", "--before")),
        modified=_range(modified_after, modified_before, ("--modified-after", "--modified-before")),
        customer=customer,
    )
    bar = PageBar("exporting orders", "page", quiet=quiet, as_json=as_json)

    def on_fetched(fetched: FetchStats) -> None:
        bar.close()

    incremental = (
        Incremental(state_file=state_file, margin_seconds=safety_margin) if since_last_run else None
    )
    with client_from_options(**connection, concurrency=concurrency) as client:
        try:
            result = export_orders(
                client,
                mapping,
                output,
                fmt=fmt,
                query=query,
                overwrite=overwrite,
                mask=mask_emails,  # type: ignore[arg-type]
                incremental=incremental,
                concurrency=concurrency,
                on_page=bar,
                on_fetched=on_fetched,
            )
        finally:
            bar.close()
    if as_json:
        emit("export", _export_document(result))
        return
    if quiet:
        return
    click.echo(
        f"exported {result.orders} order(s) as {result.rows} row(s) to {result.output} "
        f"[{result.format}] in {result.seconds:.1f} s ({result.requests} request(s))",
    )
    if result.window is not None:
        start = (
            result.window.start.strftime("%Y-%m-%d %H:%M:%S")
            if result.window.start
            else "the beginning"
        )
        end = result.window.end.strftime("%Y-%m-%d %H:%M:%S") if result.window.end else "now"
        click.echo(f"window: {start} → {end} UTC; state: {result.state_file}")
    if result.skipped:
        click.echo(
            f"{result.skipped} changed order(s) were left out: exported by an earlier run "
            "(once = true)",
        )
    if result.reconciled:
        click.echo(
            f"note: {result.reconciled} order(s) shifted between pages while exporting and were "
            "fetched again",
        )


def _export_document(result: Any) -> dict[str, Any]:
    """The ``bulkio export orders --json`` document (schema bulkio.export/1, docs/cli.md)."""
    window = result.window
    return {
        "ok": True,
        "kind": "orders",
        "output": str(result.output),
        "format": result.format,
        "orders": result.orders,
        "rows": result.rows,
        "seconds": round(result.seconds, 3),
        "requests": result.requests,
        "skipped": result.skipped,
        "reconciled": result.reconciled,
        "window": None
        if window is None
        else {
            "start": window.start.isoformat() if window.start else None,
            "end": window.end.isoformat() if window.end else None,
        },
        "state_file": str(result.state_file) if result.state_file else None,
    }


COMMANDS: list[click.Command] = [export_orders_command]
"""What this module adds to ``bulkio export`` (loaded lazily: :mod:`bulkio.cli`)."""
