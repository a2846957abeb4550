"""``bulkio catalog import FILE -m MAPPING`` and ``bulkio export products``: thin wiring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bulkio.cli.common import handle_errors
from bulkio.cli.connection import client_from_options, store_options
from bulkio.cli.export import export_group
from bulkio.exitcodes import ExitCode

DEFAULT_MAPPING = Path(__file__).resolve().parents[2] / "mappings" / "woocommerce-core.toml"


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
    help="Catalog mapping (default: mappings/woocommerce-core.toml, WooCommerce's "
    "own product CSV layout).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would change; write nothing (no terms are created either).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 100), default=100, show_default=True)
@store_options
@handle_errors
def catalog_import_command(
    source: Path,
    mapping_path: Path | None,
    dry_run: bool,
    as_json: bool,
    concurrency: int,
    batch_size: int,
    **options: Any,
) -> None:
    """Import a catalog: terms by name, parents with attributes, variations, images."""
    from bulkio.catalog.render import render_catalog_plan, render_catalog_result
    from bulkio.catalog.run import import_catalog

    with client_from_options(**options, max_concurrency=concurrency) as client:
        run = import_catalog(
            client,
            mapping_path or DEFAULT_MAPPING,
            source,
            dry_run=dry_run,
            concurrency=concurrency,
            batch_size=batch_size,
        )
    failed = bool(run.result and (run.result.problems or run.result.terms.failed))
    if as_json:
        document: dict[str, Any] = {"plan": run.plan.counts(), "dry_run": dry_run}
        if run.result is not None:
            document["result"] = run.result.counts()
            document["problems"] = [o.__dict__ for o in run.result.problems]
        document["rejected"] = [r.__dict__ for r in run.plan.rejected]
        click.echo(json.dumps(document, indent=2, default=str))
    else:
        click.echo(render_catalog_plan(run.plan, dry_run=dry_run or run.result is None))
        if run.result is not None:
            click.echo(render_catalog_result(run.result))
    if failed or run.plan.rejected:
        raise SystemExit(int(ExitCode.PARTIAL))


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
    from bulkio.export.products import export_products

    with client_from_options(**options, max_concurrency=concurrency) as client:
        result = export_products(client, output, overwrite=overwrite, concurrency=concurrency)
    click.echo(
        f"{result.products} products and {result.variations} variations written to "
        f"{output} ({result.requests} requests)"
    )


COMMANDS: list[click.Command] = [catalog_group]
