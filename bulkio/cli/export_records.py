"""``bulkio export customers`` and ``bulkio export coupons`` (issue 17): the library's
:func:`bulkio.export.export_records` with the options the orders export has where they apply
(format, overwrite, e-mail masking, ``--json``, ``-q``) and the filters each resource has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bulkio.cli.common import handle_errors
from bulkio.cli.connection import client_from_options, concurrency_options, store_options
from bulkio.cli.jsonout import emit, json_errors, json_option
from bulkio.cli.progress import PageBar
from bulkio.errors import UsageError
from bulkio.export import load_export_mapping
from bulkio.export.mapping import FORMATS
from bulkio.export.record_rows import (
    COUPON_STATUSES,
    CUSTOMER_ROLES,
    CouponQuery,
    CustomerQuery,
    export_records,
)


def _common(func: Any) -> Any:
    """The options both record exports share, in the orders export's words."""
    for option in reversed(
        [
            click.option(
                "-m",
                "--mapping",
                "mapping_path",
                required=True,
                type=click.Path(dir_okay=False, path_type=Path),
                help="Export mapping (TOML): columns, layout, formatting. See docs/export.md.",
            ),
            click.option(
                "-o",
                "--output",
                required=True,
                type=click.Path(dir_okay=False, path_type=Path),
                help="File to write. Written under a temporary name and renamed when complete.",
            ),
            click.option(
                "--format",
                "fmt",
                type=click.Choice(FORMATS),
                default=None,
                help="Output format [default: from the file extension, else the mapping].",
            ),
            click.option("--overwrite", is_flag=True, help="Replace the output file if it exists."),
            click.option(
                "--mask-emails",
                type=click.Choice(["hash", "mask"]),
                default=None,
                help="hash: stable SHA-256 prefix; mask: j***@example.com. Applies to every cell.",
            ),
        ]
    ):
        func = option(func)
    return func


def _run(
    resource: str,
    query: CustomerQuery | CouponQuery,
    *,
    mapping_path: Path,
    output: Path,
    fmt: str | None,
    overwrite: bool,
    mask_emails: str | None,
    concurrency: int | None,
    quiet: bool,
    as_json: bool,
    connection: dict[str, Any],
) -> None:
    mapping = load_export_mapping(mapping_path)
    if mapping.resource != resource:
        raise UsageError(
            f"{mapping_path} exports {mapping.resource}, not {resource}",
            hint=f"use an export mapping with resource = {resource!r} "
            f"(e.g. mappings/export-{resource}.toml)",
        )
    bar = PageBar(f"exporting {resource}", "page", quiet=quiet, as_json=as_json)  # P: issue 16
    with client_from_options(**connection, concurrency=concurrency) as client:
        try:
            result = export_records(
                client,
                mapping,
                output,
                fmt=fmt,
                query=query,
                overwrite=overwrite,
                mask=mask_emails,  # type: ignore[arg-type]
                concurrency=concurrency,
                on_page=bar,
            )
        finally:
            bar.close()
    if as_json:
        emit(
            "export",
            {
                "ok": True,
                "kind": resource,
                "output": str(result.output),
                "format": result.format,
                resource: result.records,
                "rows": result.rows,
                "seconds": round(result.seconds, 3),
                "requests": result.requests,
            },
        )
        return
    if not quiet:
        click.echo(
            f"exported {result.records} {resource[:-1]}(s) as {result.rows} row(s) to "
            f"{result.output} [{result.format}] in {result.seconds:.1f} s "
            f"({result.requests} request(s))",
        )


@click.command("customers")
@_common
@click.option(
    "--role",
    type=click.Choice(CUSTOMER_ROLES),
    default="customer",
    show_default=True,
    help="customer: the shop's customers; all: every WordPress user (administrators too).",
)
@click.option("--email", metavar="ADDRESS", help="Only the user with this e-mail (any case).")
@concurrency_options
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
@json_option
@store_options
@handle_errors
@json_errors("export")
def export_customers_command(
    mapping_path: Path,
    output: Path,
    fmt: str | None,
    overwrite: bool,
    mask_emails: str | None,
    role: str,
    email: str | None,
    concurrency: int | None,
    quiet: bool,
    as_json: bool,
    **connection: Any,
) -> None:
    """Export customers (names, e-mail, billing and shipping addresses …) as a mapping says.

    \b
    Examples:
      bulkio export customers -m mappings/export-customers.toml -o customers.csv
      bulkio export customers -m mappings/export-customers.toml -o c.xlsx --mask-emails hash

    Exit codes: 0 done, 2 bad option/mapping or output exists (nothing written),
    4 store unreachable or key refused.
    """
    _run(
        "customers",
        CustomerQuery(role=role, email=email),
        mapping_path=mapping_path,
        output=output,
        fmt=fmt,
        overwrite=overwrite,
        mask_emails=mask_emails,
        concurrency=concurrency,
        quiet=quiet,
        as_json=as_json,
        connection=connection,
    )


@click.command("coupons")
@_common
@click.option(
    "--status",
    type=click.Choice(COUPON_STATUSES),
    default="any",
    show_default=True,
    help="any: every coupon but the trash; or one status (publish, draft, …, trash).",
)
@click.option("--code", metavar="CODE", help="Only the coupon with this code (any case).")
@concurrency_options
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
@json_option
@store_options
@handle_errors
@json_errors("export")
def export_coupons_command(
    mapping_path: Path,
    output: Path,
    fmt: str | None,
    overwrite: bool,
    mask_emails: str | None,
    status: str,
    code: str | None,
    concurrency: int | None,
    quiet: bool,
    as_json: bool,
    **connection: Any,
) -> None:
    """Export coupons (code, amount, type, expiry, limits, restrictions …) as a mapping says.

    \b
    Examples:
      bulkio export coupons -m mappings/export-coupons.toml -o coupons.csv
      bulkio export coupons -m mappings/export-coupons.toml -o c.jsonl --status publish

    Exit codes: 0 done, 2 bad option/mapping or output exists (nothing written),
    4 store unreachable or key refused.
    """
    _run(
        "coupons",
        CouponQuery(status=status, code=code),
        mapping_path=mapping_path,
        output=output,
        fmt=fmt,
        overwrite=overwrite,
        mask_emails=mask_emails,
        concurrency=concurrency,
        quiet=quiet,
        as_json=as_json,
        connection=connection,
    )


COMMANDS: list[click.Command] = [export_customers_command, export_coupons_command]
