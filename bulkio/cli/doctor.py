"""``bulkio doctor``: check the store connection end to end and say what to do."""

from __future__ import annotations

import sys
from typing import Any

import click

from bulkio.cli.common import handle_errors
from bulkio.cli.connection import settings_from_options, store_options
from bulkio.cli.jsonout import emit, json_errors, quiet_option, use_colour
from bulkio.doctor import CheckResult, diagnose, exit_code_for
from bulkio.terminal import printable

LABELS = {"ok": "OK", "warn": "WARN", "fail": "FAIL", "skip": "SKIP"}
COLOURS = {"ok": "green", "warn": "yellow", "fail": "red", "skip": None}


def render_line(result: CheckResult, *, colour: bool) -> str:
    label = f"{LABELS[result.status]:<5}"
    if colour and COLOURS[result.status]:
        label = click.style(label, fg=COLOURS[result.status], bold=True)
    # Messages quote the store's answers: control characters are shown, never sent.
    line = f"{label} {result.name:<12} {printable(result.message)}"
    if result.advice:
        line += f"\n{'':<18}→ {printable(result.advice)}"
    return line


@click.command()
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON (bulkio.doctor/1).")
@quiet_option
@click.option(
    "--require-write",
    is_flag=True,
    help="Treat a read-only key as a failure (for import jobs).",
)
@click.option(
    "--samples",
    type=click.IntRange(1, 50),
    default=5,
    show_default=True,
    help="Small GETs to time for the round-trip figure.",
)
@handle_errors
@json_errors("doctor")
def doctor(as_json: bool, quiet: bool, require_write: bool, samples: int, **options: Any) -> None:
    """Check that bulkio can reach and use the store, and say what to do when not.

    Checks, in order: the site answers; where the REST API is (/wp-json/ or ?rest_route=);
    WooCommerce's API is there; the keys authenticate (and, if not, the likely cause); whether
    the key can write (tested without changing anything); the store's batch limit; round-trip
    time; clock offset. Exits 0 when nothing failed, 4 when something did (2 when the URL
    itself is malformed, e.g. without https://). With --quiet only the checks that did not
    pass are printed (on stderr), for a cron job that mails output.
    """
    settings = settings_from_options(require_credentials=False, **options)
    results = diagnose(settings, latency_samples=samples, require_write=require_write)
    code = exit_code_for(results)
    if as_json:
        emit(
            "doctor",
            {
                "ok": code == 0,
                "exit_code": int(code),
                "url": settings.url,
                "checks": [r.to_dict() for r in results],
            },
        )
    elif quiet:
        for result in results:
            if result.status in ("fail", "warn"):
                click.echo(render_line(result, colour=False), err=True)
    else:
        colour = use_colour()
        for result in results:
            click.echo(render_line(result, colour=colour))
        fails = sum(r.status == "fail" for r in results)
        warns = sum(r.status == "warn" for r in results)
        if fails:
            click.echo(
                f"\n{fails} problem(s), {warns} warning(s): bulkio cannot use this store yet."
            )
        elif warns:
            click.echo(f"\nUsable, with {warns} warning(s).")
        else:
            click.echo("\nAll checks passed.")
    sys.exit(int(code))


COMMANDS: list[click.Command] = [doctor]
