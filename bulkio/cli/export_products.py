"""``bulkio export products``: products and variations → WooCommerce's product CSV layout, or
any format an export mapping describes. Thin wiring over :mod:`bulkio.export.products` and
:mod:`bulkio.export.product_rows`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from bulkio.cli.common import handle_errors
from bulkio.cli.connection import client_from_options, concurrency_options, store_options
from bulkio.cli.jsonout import emit, json_errors, json_option
from bulkio.cli.progress import PageBar
from bulkio.errors import UsageError
from bulkio.export.mapping import FORMATS
from bulkio.export.product_rows import PRODUCT_STATUSES, PRODUCT_TYPES


@click.command("products")
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


COMMANDS: list[click.Command] = [export_products_command]
"""What this module adds to ``bulkio export`` (loaded lazily: :mod:`bulkio.cli`)."""
