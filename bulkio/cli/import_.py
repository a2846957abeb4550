"""``bulkio import FILE -m MAPPING`` and ``bulkio apply PLAN.json``: options in, the library's
result out (:func:`bulkio.run_import`, :func:`bulkio.apply_plan`; printing and exit codes in
:mod:`bulkio.cli.importing`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bulkio.cli.common import handle_errors, output_file_in_existing_dir
from bulkio.cli.connection import store_options
from bulkio.cli.importing import apply_saved, common_options, import_file, rows_read_hook
from bulkio.cli.jsonout import json_errors
from bulkio.cli.safety_options import (
    LIMIT_OPTIONS,
    SafetyCli,
    limit_value_options,
    safety_options,
)
from bulkio.engine import SavedApply


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-m",
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mapping file (TOML) saying how the file's columns become product fields.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--plan-out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=output_file_in_existing_dir,
    help="Save the plan as JSON (apply it later with `bulkio apply PLAN.json`).",
)
@common_options
@safety_options
@store_options
@handle_errors
@json_errors("import")
def import_command(
    file: Path,
    mapping_path: Path,
    dry_run: bool,
    plan_out: Path | None,
    report_path: Path | None,
    report_html: Path | None,
    as_json: bool,
    concurrency: int | None,
    batch_size: int,
    quiet: bool,
    safety: SafetyCli,
    **connection: Any,
) -> None:
    """Import FILE into the store as MAPPING says: plan, show the diff, write the difference.

    Only the fields the mapping owns are compared and written; rows already matching the store
    cost no write. Invalid rows are reported (file line, column, reason) and never sent.

    \b
    Exit codes: 0 all applied or nothing to do; 1 some rows rejected, failed or refused;
    2 usage, mapping or input error (nothing written); 3 stopped by a safety limit (nothing
    written); 4 store unreachable or key refused; 5 another run of this store and mapping holds
    the lock. Unattended runs: see docs/cron.md.
    """
    import_file(
        file,
        mapping_path,
        dry_run=dry_run,
        plan_out=plan_out,
        report_path=report_path,
        report_html=report_html,
        as_json=as_json,
        concurrency=concurrency,
        batch_size=batch_size,
        quiet=quiet,
        safety=safety,
        connection=connection,
    )


def limit_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``bulkio import``'s limit options (``--max-…``, ``--no-limits``) for ``bulkio apply``."""
    options = limit_value_options()
    options.append(
        click.option(
            "--no-limits",
            is_flag=True,
            help="Turn every safety limit off for this apply (nothing else does).",
        )
    )
    for option in reversed(options):
        func = option(func)
    return func


@click.command("apply")
@click.argument("plan_path", metavar="PLAN.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where runs keep their lock (the same as `bulkio import`'s) "
    "[default: $BULKIO_HOME/runs or ./.bulkio/runs].",
)
@click.option(
    "--wait-lock",
    type=click.FloatRange(min=0),
    default=0.0,
    metavar="SECONDS",
    help="Wait this long for a running import of the same store and mapping [default: 0].",
)
@common_options
@limit_options
@store_options
@handle_errors
@json_errors("apply")
def apply_command(
    plan_path: Path,
    runs_dir: Path | None,
    wait_lock: float,
    report_path: Path | None,
    report_html: Path | None,
    as_json: bool,
    concurrency: int | None,
    batch_size: int,
    quiet: bool,
    no_limits: bool,
    **options: Any,
) -> None:
    """Apply a plan saved with `bulkio import … --plan-out PLAN.json`, exactly as it was shown.

    Catalog plans (`bulkio catalog import … --plan-out`, or `bulkio import` of a WooCommerce
    product CSV) are applied the `bulkio catalog apply` way: planned again from the unchanged
    feed, writing only what the plan showed.

    Every record the plan touches is read again first: a product changed in the store since
    the plan was made is refused and reported, never overwritten; a row already holding the
    planned values is counted as unchanged (so applying a plan twice is harmless).

    The plan is checked against the safety limits first, as `bulkio import` checks it: the
    mapping's [limits] saved in the plan, overridden only by this command's --max-… options or
    --no-limits; min_rows_share compares the plan's feed with the last successful run of the
    same store and mapping.

    \b
    Exit codes: 0 all applied; 1 some rows refused or failed; 2 unreadable plan or wrong store;
    3 stopped by a safety limit (nothing written); 4 store unreachable or key refused;
    5 another run of this store and mapping holds the lock.
    """
    cli_limits = {name: options.pop(name, None) for name, _ in LIMIT_OPTIONS}
    apply_saved(
        plan_path,
        SavedApply(
            limits=cli_limits,
            no_limits=no_limits,
            runs_dir=runs_dir,
            wait_lock=wait_lock,
            concurrency=concurrency,
            batch_size=batch_size,
        ),
        report_path=report_path,
        report_html=report_html,
        as_json=as_json,
        quiet=quiet,
        connection=options,
    )


COMMANDS: list[click.Command] = [import_command, apply_command]
__all__ = ["COMMANDS", "rows_read_hook"]
