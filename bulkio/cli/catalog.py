"""``bulkio catalog import FILE -m MAPPING`` and ``bulkio export products``: thin wiring."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bulkio.cli.common import handle_errors, output_file_in_existing_dir
from bulkio.cli.connection import client_from_options, store_options
from bulkio.cli.export import export_group
from bulkio.cli.safety_options import safety_options
from bulkio.errors import UsageError
from bulkio.exitcodes import ExitCode
from bulkio.export.mapping import FORMATS
from bulkio.export.product_rows import PRODUCT_STATUSES, PRODUCT_TYPES
from bulkio.shipped import shipped_mapping

DEFAULT_MAPPING = "woocommerce-core"
"""The shipped mapping of WooCommerce's own CSV layout (bulkio.shipped: package data, so a
wheel installed anywhere has it)."""


@click.group("catalog")
def catalog_group() -> None:
    """Full catalogs: variable products, attributes, categories/tags by name, images."""


def writing_run_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options and error handling shared by ``catalog import`` and ``catalog apply`` (both
    write to the store the same way), in the order ``--help`` lists them."""
    decorators: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option(
            "--json", "as_json", is_flag=True, help="Print one JSON document instead of text."
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print only problems (on stderr)."),
        click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True),
        click.option("--batch-size", type=click.IntRange(1, 100), default=100, show_default=True),
        safety_options,
        store_options,
        handle_errors,
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


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
        stats = client.stats.snapshot()
    outcomes = [o for o in prior if o.outcome == "refused"]
    outcomes += result.problems if result else []
    rows = problem_rows(run.plan.rejected, outcomes, file=str(source))
    if report_path is not None:
        write_report_csv(report_path, rows)
    failed_terms = bool(result and (result.terms.failed or result.attributes.failed))
    if as_json:
        document: dict[str, Any] = {"dry_run": dry_run, "plan": run.plan.counts()}
        document["warnings"] = list(run.feed.warnings)
        document["notes"] = list(run.plan.notes)
        if result is not None:
            document["result"] = result.counts()
            document["requests"] = result.requests
        # The whole run's requests (reads of the plan included): a re-run shows writes 0.
        document["stats"] = {key: stats[key] for key in ("requests", "reads", "writes")}
        document["problems"] = [row.__dict__ for row in rows]
        click.echo(json.dumps(document, indent=2, default=str, ensure_ascii=False))
    else:
        if not quiet:
            if result is not None:
                click.echo(render_catalog_result(result))
            elif dry_run:
                click.echo(
                    "dry run: nothing was written (no terms or attributes either)."
                    + (f" Apply this plan with: bulkio apply {plan_out}" if plan_out else "")
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
    callback=output_file_in_existing_dir,
    help="Write rejected and failed rows (line, SKU, column, value, code, reason) to this CSV.",
)
@click.option(
    "--plan-out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=output_file_in_existing_dir,
    help="Save the plan as JSON (apply it later with `bulkio apply PLAN.json`).",
)
@writing_run_options
def catalog_import_command(source: Path, mapping_path: Path | None, **options: Any) -> None:
    """Import a catalog: terms by name, parents with attributes, variations, images.

    \b
    Exit codes: 0 all done or nothing to do; 1 some rows rejected or failed; 2 bad file,
    mapping or option (nothing written); 3 stopped by a safety limit (nothing written);
    4 store unreachable or key refused; 5 another run of this store and mapping holds the
    lock. Of the safety options, the limits, --no-limits, --runs-dir and --wait-lock apply to
    catalog imports.
    """
    run_catalog_import(
        source, mapping_path or shipped_mapping(DEFAULT_MAPPING) or DEFAULT_MAPPING, **options
    )


@catalog_group.command("apply")
@click.argument("plan_path", metavar="PLAN.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=output_file_in_existing_dir,
    help="Write refused, rejected and failed rows to this CSV.",
)
@writing_run_options
def catalog_apply_command(plan_path: Path, **options: Any) -> None:
    """Apply a plan saved with `bulkio catalog import … --plan-out PLAN.json`.

    The same as `bulkio apply PLAN.json`, which tells catalog plans from product plans.

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


def apply_saved_catalog_plan(
    plan_path: Path,
    *,
    limits: dict[str, str | None],
    no_limits: bool,
    runs_dir: Path | None,
    wait_lock: float,
    **options: Any,
) -> None:
    """``bulkio apply PLAN.json`` with a catalog plan: the ``catalog apply`` path, with the
    limit, lock and output options ``bulkio apply`` was given."""
    from bulkio.catalog.planfile import load_saved_plan
    from bulkio.cli.safety_options import SafetyCli

    saved = load_saved_plan(plan_path)
    safety = SafetyCli(
        limits=limits,
        no_limits=no_limits,
        allow_delete=False,
        runs_dir=runs_dir,
        log_file=None,
        wait_lock=wait_lock,
    )
    run_catalog_import(
        Path(saved.source),
        Path(saved.mapping),
        dry_run=False,
        saved=saved,
        safety=safety,
        **options,
    )


@export_group.command("products")
@click.option(
    "-m",
    "--mapping",
    "mapping_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help='A product export mapping (resource = "products", [[columns]] as for orders; '
    "see docs/export.md), or mappings/woocommerce-core.toml. Default: WooCommerce's own "
    "product CSV layout.",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="With an export mapping: the format [default: from the file extension, else the "
    "mapping]. The WooCommerce layout is CSV.",
)
@click.option(
    "--status",
    type=click.Choice(PRODUCT_STATUSES),
    default=None,
    help="Only products with this status [default: any but trash].",
)
@click.option(
    "--type", "product_type", type=click.Choice(PRODUCT_TYPES), default=None, help="Only this type."
)
@click.option(
    "--category",
    metavar="NAME|PATH|ID",
    default=None,
    help="Only products in this category: a name, a path like 'Clothing > Shirts', or an id.",
)
@click.option("--modified-after", metavar="WHEN", help="Last modified at or after WHEN (UTC).")
@click.option("--modified-before", metavar="WHEN", help="Last modified before WHEN.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
@store_options
@handle_errors
def export_products_command(
    mapping_path: Path | None,
    output: Path,
    fmt: str | None,
    status: str | None,
    product_type: str | None,
    category: str | None,
    modified_after: str | None,
    modified_before: str | None,
    overwrite: bool,
    concurrency: int,
    quiet: bool,
    **options: Any,
) -> None:
    """Export products and their variations: WooCommerce's product CSV layout by default, or
    any columns and format an export mapping describes.

    \b
    Examples:
      bulkio export products -o products.csv                 # WooCommerce's layout
      bulkio export products -m mappings/export-products-simple.toml -o prices.csv
      bulkio export products -m mappings/export-products-simple.toml -o stock.xlsx \\
          --status publish --category 'Clothing > Shirts'

    Exit codes: 0 done; 2 bad option or mapping, or the output exists (nothing written);
    4 store unreachable or key refused.
    """
    from bulkio.catalog.terms import TermIndex
    from bulkio.cli.export import parse_when
    from bulkio.export.fetch import TimeRange
    from bulkio.export.product_rows import (
        ProductQuery,
        export_products_with_mapping,
        resolve_category,
    )
    from bulkio.export.products import check_layout_mapping, export_products, is_export_mapping

    window = TimeRange(
        parse_when(modified_after, "--modified-after"),
        parse_when(modified_before, "--modified-before"),
    )
    if window.empty:
        raise UsageError("--modified-after must be earlier than --modified-before")
    export_mapping = None
    if mapping_path is not None and is_export_mapping(mapping_path):
        from bulkio.export import load_export_mapping

        export_mapping = load_export_mapping(mapping_path)
        if export_mapping.resource != "products":
            raise UsageError(
                f'-m {mapping_path}: an order export mapping (resource = "orders")',
                hint='set resource = "products" in it, or use bulkio export orders',
            )
    else:
        if mapping_path is not None:
            check_layout_mapping(mapping_path)
        if fmt not in (None, "csv") or output.suffix.lower() not in (".csv", ".txt", ""):
            raise UsageError(
                f"--output {output}: WooCommerce's product layout is written as CSV only",
                hint="name the file .csv, or pass a product export mapping for XLSX, XML, "
                "Parquet or JSON lines (e.g. -m mappings/export-products-simple.toml)",
            )

    with client_from_options(**options, max_concurrency=concurrency) as client:
        category_id = None
        if category is not None:
            category_id = resolve_category(TermIndex.load(client, "categories"), category)
        query = ProductQuery(
            status=status, type=product_type, category=category_id, modified=window
        )
        if export_mapping is not None:
            mapped = export_products_with_mapping(
                client,
                export_mapping,
                output,
                fmt=fmt,
                query=query,
                overwrite=overwrite,
                concurrency=concurrency,
            )
            if not quiet:
                click.echo(
                    f"{mapped.products} products and {mapped.variations} variations written to "
                    f"{output} as {mapped.rows} row(s) [{mapped.format}] in {mapped.seconds:.1f}"
                    f" s ({mapped.requests} requests)"
                )
            return
        result = export_products(
            client, output, overwrite=overwrite, concurrency=concurrency, query=query
        )
    if not quiet:
        click.echo(
            f"{result.products} products and {result.variations} variations written to "
            f"{output} ({result.requests} requests)"
        )


COMMANDS: list[click.Command] = [catalog_group]
