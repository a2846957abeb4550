"""``bulkio catalog import FILE [-m MAPPING]`` (``bulkio import`` with WooCommerce's layout as
the default mapping) and ``bulkio catalog apply``: thin wiring (``bulkio export products``:
:mod:`bulkio.cli.export_products`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bulkio.cli.common import handle_errors, output_file_in_existing_dir
from bulkio.cli.connection import store_options
from bulkio.cli.importing import apply_saved, common_options, import_file
from bulkio.cli.jsonout import json_errors
from bulkio.cli.safety_options import SafetyCli, safety_options
from bulkio.engine import SavedApply
from bulkio.shipped import shipped_mapping

DEFAULT_MAPPING = "woocommerce-core"
"""The shipped mapping of WooCommerce's own CSV layout (bulkio.shipped: package data, so a
wheel installed anywhere has it)."""


@click.group("catalog")
def catalog_group() -> None:
    """Full catalogs: variable products, attributes, categories/tags by name, images."""


@catalog_group.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-m",
    "--mapping",
    "mapping_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mapping (default: the shipped woocommerce-core, WooCommerce's own product CSV layout).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would change; write nothing (no terms or attributes are created either).",
)
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
@json_errors("catalog.import")
def catalog_import_command(
    source: Path,
    mapping_path: Path | None,
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
    """Import a catalog: `bulkio import` with WooCommerce's own CSV layout as the default
    mapping (terms by name, parents with attributes, variations, images).

    \b
    Exit codes: 0 all done or nothing to do; 1 some rows rejected or failed; 2 bad file,
    mapping or option (nothing written); 3 stopped by a safety limit (nothing written);
    4 store unreachable or key refused; 5 another run of this store and mapping holds the
    lock.
    """
    import_file(
        source,
        mapping_path or shipped_mapping(DEFAULT_MAPPING) or Path(DEFAULT_MAPPING),
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
        command="catalog.import",
    )


@catalog_group.command("apply")
@click.argument("plan_path", metavar="PLAN.json", type=click.Path(dir_okay=False, path_type=Path))
@common_options
@safety_options
@store_options
@handle_errors
@json_errors("catalog.apply")
def catalog_apply_command(
    plan_path: Path,
    report_path: Path | None,
    report_html: Path | None,
    as_json: bool,
    concurrency: int | None,
    batch_size: int,
    quiet: bool,
    safety: SafetyCli,
    **connection: Any,
) -> None:
    """Apply a saved plan: the same as `bulkio apply PLAN.json`.

    A catalog plan is planned again from its feed and mapping (both must be unchanged);
    items changed in the store since the plan are refused (never overwritten), items already
    applied count as done (applying twice is harmless), the rest is written as shown.

    \b
    Exit codes: 0 all applied; 1 some rows refused, rejected or failed; 2 unreadable plan,
    changed feed or wrong store; 3 safety limit; 4 store unreachable; 5 locked.
    """
    from bulkio.catalog.planfile import load_saved_plan

    load_saved_plan(plan_path)  # a catalog plan, or exit 2 naming `bulkio apply` for the others
    apply_saved(
        plan_path,
        SavedApply(
            limits=dict(safety.limits),
            no_limits=safety.no_limits,
            runs_dir=safety.runs_dir,
            wait_lock=safety.wait_lock,
            concurrency=concurrency,
            batch_size=batch_size,
        ),
        report_path=report_path,
        report_html=report_html,
        as_json=as_json,
        quiet=quiet,
        connection=connection,
        command="catalog.apply",
    )


COMMANDS: list[click.Command] = [catalog_group]
"""What this module adds to ``bulkio`` (loaded lazily: :mod:`bulkio.cli`)."""
