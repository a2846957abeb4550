"""``bulkio catalog import FILE -m MAPPING`` and ``bulkio export products``: thin wiring."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import click

from bulkio.cli.common import handle_errors
from bulkio.cli.connection import client_from_options, store_options
from bulkio.cli.export import export_group
from bulkio.cli.safety_options import safety_options
from bulkio.errors import UsageError
from bulkio.exitcodes import ExitCode

DEFAULT_MAPPING = Path(__file__).resolve().parents[2] / "mappings" / "woocommerce-core.toml"


@click.group("catalog")
def catalog_group() -> None:
    """Full catalogs: variable products, attributes, categories/tags by name, images."""


def run_catalog_import(
    source: Path,
    mapping: Any,
    *,
    dry_run: bool,
    as_json: bool,
    quiet: bool,
    concurrency: int,
    batch_size: int,
    report_path: Path | None,
    safety: Any = None,
    limits: Any = None,
    hold_lock: bool = True,
    plan_out: Path | None = None,
    saved: Any = None,
    **connection: Any,
) -> None:
    """Plan, check the safety limits, and unless ``dry_run`` apply a catalog feed (holding the
    store + mapping run lock); print; exit 0 / 1 (problems) / 3 (limit) / 5 (locked).

    ``bulkio import`` calls this inside its own run (lock and run log held: ``hold_lock``
    False) with its resolved ``limits``; ``bulkio catalog import`` passes its ``safety``
    options. ``plan_out`` saves the plan; ``saved`` (a :class:`~bulkio.catalog.planfile.SavedPlan`)
    applies only what that plan showed."""
    from bulkio.catalog.apply import apply_catalog_plan
    from bulkio.catalog.guard import catalog_lock, check_catalog_limits, resolve
    from bulkio.catalog.planfile import check_inputs, plan_to_json, restrict_to_saved
    from bulkio.catalog.render import render_catalog_plan, render_catalog_result
    from bulkio.catalog.run import plan_catalog
    from bulkio.mapping import load_mapping
    from bulkio.mapping.model import Mapping
    from bulkio.report import problem_rows, render_problems, write_report_csv
    from bulkio.store.redact import redact_url

    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    resolved, runs_dir, wait_lock = resolve(safety, mapping)
    limits = resolved if limits is None else limits
    result = None
    prior: list[Any] = []
    with client_from_options(**connection, max_concurrency=concurrency) as client:
        store_url = redact_url(client.site)
        if saved is not None:
            check_inputs(saved, store_url)
        lock = (
            contextlib.nullcontext()
            if dry_run or not hold_lock
            else catalog_lock(store_url, mapping.path, runs_dir, wait=wait_lock)
        )
        with lock:
            run = plan_catalog(client, mapping, source, concurrency=concurrency)
            if saved is not None:
                prior = restrict_to_saved(run.plan, saved)
            if plan_out is not None:
                plan_out.write_text(
                    plan_to_json(
                        run.plan, source=source, mapping=mapping.path, store_url=store_url
                    ),
                    encoding="utf-8",
                )
            if not as_json:
                for warning in run.feed.warnings:
                    click.echo(f"warning: {warning}", err=True)
            if not quiet and not as_json:
                click.echo(render_catalog_plan(run.plan, dry_run=True))
            check_catalog_limits(run.plan, limits)  # exit 3 before any write
            if not dry_run and run.plan.has_changes:
                result = apply_catalog_plan(
                    client, run.plan, concurrency=concurrency, batch_size=batch_size
                )
    outcomes = [o for o in prior if o.outcome == "refused"]
    outcomes += result.problems if result else []
    rows = problem_rows(run.plan.rejected, outcomes, file=str(source))
    if report_path is not None:
        write_report_csv(report_path, rows)
    failed_terms = bool(result and (result.terms.failed or result.attributes.failed))
    if as_json:
        document: dict[str, Any] = {"dry_run": dry_run, "plan": run.plan.counts()}
        if result is not None:
            document["result"] = result.counts()
            document["requests"] = result.requests
        document["problems"] = [row.__dict__ for row in rows]
        click.echo(json.dumps(document, indent=2, default=str, ensure_ascii=False))
    else:
        if not quiet:
            if result is not None:
                click.echo(render_catalog_result(result))
            elif dry_run:
                click.echo(
                    "dry run: nothing was written (no terms or attributes either)."
                    + (
                        f" Apply this plan with: bulkio catalog apply {plan_out}"
                        if plan_out
                        else ""
                    )
                )
            else:
                click.echo("nothing to do: the store already matches the file.")
        problems = render_problems(rows, report_path=str(report_path) if report_path else None)
        if problems:
            click.echo(problems, err=quiet)
    if rows or failed_terms:
        raise SystemExit(int(ExitCode.PARTIAL))


@catalog_group.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-m",
    "--mapping",
    "mapping_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Catalog mapping (default: mappings/woocommerce-core.toml, WooCommerce's "
    "own product CSV layout).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would change; write nothing (no terms or attributes are created either).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write rejected and failed rows (line, SKU, column, value, code, reason) to this CSV.",
)
@click.option(
    "--plan-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan as JSON (apply it later with `bulkio catalog apply PLAN.json`).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems (on stderr).")
@click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 100), default=100, show_default=True)
@safety_options
@store_options
@handle_errors
def catalog_import_command(source: Path, mapping_path: Path | None, **options: Any) -> None:
    """Import a catalog: terms by name, parents with attributes, variations, images.

    \b
    Exit codes: 0 all done or nothing to do; 1 some rows rejected or failed; 2 bad file,
    mapping or option (nothing written); 3 stopped by a safety limit (nothing written);
    4 store unreachable or key refused; 5 another run of this store and mapping holds the
    lock. Of the safety options, the limits, --no-limits, --runs-dir and --wait-lock apply to
    catalog imports.
    """
    run_catalog_import(source, mapping_path or DEFAULT_MAPPING, **options)


@catalog_group.command("apply")
@click.argument("plan_path", metavar="PLAN.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write refused, rejected and failed rows to this CSV.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems (on stderr).")
@click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 100), default=100, show_default=True)
@safety_options
@store_options
@handle_errors
def catalog_apply_command(plan_path: Path, **options: Any) -> None:
    """Apply a plan saved with `bulkio catalog import … --plan-out PLAN.json`.

    The feed and mapping named in the plan must be unchanged. The store is read again: items
    changed in the store since the plan are refused (never overwritten), items already
    applied count as done (applying twice is harmless), the rest is written as shown.

    \b
    Exit codes: 0 all applied; 1 some rows refused, rejected or failed; 2 unreadable plan,
    changed feed or wrong store; 3 safety limit; 4 store unreachable; 5 locked.
    """
    from bulkio.catalog.planfile import load_saved_plan

    saved = load_saved_plan(plan_path)
    run_catalog_import(
        Path(saved.source), Path(saved.mapping), dry_run=False, saved=saved, **options
    )


@export_group.command("products")
@click.option(
    "-m",
    "--mapping",
    "mapping_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Only the WooCommerce product CSV layout is written today (the default); "
    "pass mappings/woocommerce-core.toml or leave out.",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True)
@store_options
@handle_errors
def export_products_command(
    mapping_path: Path | None, output: Path, overwrite: bool, concurrency: int, **options: Any
) -> None:
    """Export products and their variations in WooCommerce's product CSV layout."""
    from bulkio.export.products import check_layout_mapping, export_products

    if mapping_path is not None:
        check_layout_mapping(mapping_path)
    if output.suffix.lower() not in (".csv", ".txt", ""):
        raise UsageError(
            f"--output {output}: products are written as CSV (WooCommerce's layout) only",
            hint="name the file .csv",
        )

    with client_from_options(**options, max_concurrency=concurrency) as client:
        result = export_products(client, output, overwrite=overwrite, concurrency=concurrency)
    click.echo(
        f"{result.products} products and {result.variations} variations written to "
        f"{output} ({result.requests} requests)"
    )


COMMANDS: list[click.Command] = [catalog_group]
