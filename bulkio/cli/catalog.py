"""``bulkio catalog import FILE [-m MAPPING]`` (``bulkio import`` with WooCommerce's layout as
the default mapping), ``bulkio catalog apply`` and ``bulkio export products``: thin wiring."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from bulkio.cli.common import handle_errors, output_file_in_existing_dir
from bulkio.cli.connection import client_from_options, concurrency_options, store_options
from bulkio.cli.export import export_group
from bulkio.cli.importing import apply_saved, common_options, import_file
from bulkio.cli.jsonout import emit, json_errors, json_option
from bulkio.cli.progress import PageBar
from bulkio.cli.safety_options import SafetyCli, safety_options
from bulkio.engine import SavedApply
from bulkio.errors import UsageError
from bulkio.export.mapping import FORMATS
from bulkio.export.product_rows import PRODUCT_STATUSES, PRODUCT_TYPES
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
@concurrency_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@json_option
@store_options
@handle_errors
@json_errors("export")
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
    concurrency: int | None,
    quiet: bool,
    as_json: bool,
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
    4 store unreachable or key refused. --json prints one document (bulkio.export/1,
    docs/cli.md).
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

    with client_from_options(**options, concurrency=concurrency) as client:
        category_id = None
        if category is not None:
            category_id = resolve_category(TermIndex.load(client, "categories"), category)
        query = ProductQuery(
            status=status, type=product_type, category=category_id, modified=window
        )
        bar = PageBar("exporting products", "page", quiet=quiet, as_json=as_json)
        try:
            if export_mapping is not None:
                mapped = export_products_with_mapping(
                    client,
                    export_mapping,
                    output,
                    fmt=fmt,
                    query=query,
                    overwrite=overwrite,
                    concurrency=concurrency,
                    on_page=bar,
                )
                summary = ProductsExported(
                    str(mapped.output), mapped.format, mapped.products, mapped.variations
                )
                summary.rows, summary.requests = mapped.rows, mapped.requests
                summary.seconds = mapped.seconds
            else:
                started = time.monotonic()
                result = export_products(
                    client,
                    output,
                    overwrite=overwrite,
                    concurrency=concurrency or client.max_concurrency,
                    query=query,
                    on_page=bar,
                )
                summary = ProductsExported(str(output), "csv", result.products, result.variations)
                summary.rows = result.products + result.variations
                summary.requests = result.requests
                summary.seconds = time.monotonic() - started
        finally:
            bar.close()
    if as_json:
        emit("export", summary.document())
    elif not quiet:
        click.echo(summary.text())


@dataclass
class ProductsExported:
    """What ``bulkio export products`` did, for its summary line and its JSON document."""

    output: str
    format: str
    products: int
    variations: int
    rows: int = 0
    requests: int = 0
    seconds: float = 0.0

    def text(self) -> str:
        return (
            f"exported {self.products} product(s) and {self.variations} variation(s) as "
            f"{self.rows} row(s) to {self.output} [{self.format}] in {self.seconds:.1f} s "
            f"({self.requests} request(s))"
        )

    def document(self) -> dict[str, Any]:
        """The ``bulkio export products --json`` document (bulkio.export/1, docs/cli.md)."""
        return {
            "ok": True,
            "kind": "products",
            "output": self.output,
            "format": self.format,
            "products": self.products,
            "variations": self.variations,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
        }


COMMANDS: list[click.Command] = [catalog_group]
