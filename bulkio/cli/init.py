"""``bulkio init FEED``: draft a commented mapping from a feed file (see docs/init.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bulkio.cli.common import handle_errors
from bulkio.cli.jsonout import emit, json_errors, json_option, quiet_option
from bulkio.draft import RESOURCES, DraftResult, draft_mapping, write_mapping
from bulkio.errors import UsageError
from bulkio.exitcodes import ExitCode
from bulkio.terminal import printable


@click.command("init")
@click.argument("feed", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    "output",
    metavar="FILE",
    help="Where to write the mapping (default: the feed's name with .toml, in the current "
    "folder); '-' prints it.",
)
@click.option(
    "--resource",
    type=click.Choice(RESOURCES),
    help="Draft a stock-only mapping or a product mapping (default: decided from the columns).",
)
@click.option("--sku", "sku_column", metavar="COLUMN", help="The column holding the SKUs.")
@click.option("--force", is_flag=True, help="Replace an existing mapping file.")
@json_option
@quiet_option
@handle_errors
@json_errors("init")
def init_command(
    feed: str,
    output: str | None,
    resource: str | None,
    sku_column: str | None,
    force: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Draft a mapping for FEED (CSV or XML) and check it against the file.

    Sniffs the encoding, delimiter, number style and dates (CSV) or the records and
    namespaces (XML), proposes a store field for each column by its name (English, German,
    French, Spanish, Italian, Dutch, Google Merchant, WooCommerce's own CSV) and values, and
    writes a commented mapping that says why it chose each field and lists the columns it
    left unmapped. The draft is checked as `bulkio mapping validate --sample` checks it
    before it is written; an existing file is kept unless --force.

    Exit codes: 0 written (every sample row accepted), 1 written, but some sample rows are
    rejected (listed), 2 nothing written (file unreadable, no SKU column, file exists).
    """
    target = output or f"{_stem(feed)}.toml"
    if target != "-" and Path(target).exists() and not force:
        raise UsageError(
            f"{target}: the file already exists; nothing was written",
            hint="choose another name with -o FILE, or pass --force to replace it",
        )
    result = draft_mapping(
        feed,
        mapping_path=target if target != "-" else "mapping.toml",
        resource=resource,
        sku_column=sku_column,
    )
    if target == "-":
        if as_json:
            emit("init", {"ok": True, "written": None, **result.to_dict(), "text": result.text})
        else:
            click.echo(result.text, nl=False)
    else:
        write_mapping(result, target, force=force)
        if as_json:
            emit("init", {"ok": True, "written": target, **result.to_dict()})
        elif not quiet:
            _summary(result, target)
    if result.records.rejected:
        if quiet and not as_json:
            click.echo(
                f"{target}: {len(result.records.rejected)} sample row(s) rejected "
                f"(bulkio mapping validate {target} --sample {feed})",
                err=True,
            )
        sys.exit(int(ExitCode.PARTIAL))


def _stem(feed: str) -> str:
    name = Path(feed).name
    for suffix in (".gz", ".csv", ".xml", ".txt", ".tsv"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name or "mapping"


def _summary(result: DraftResult, target: str) -> None:
    draft = result.draft
    records = result.records
    if draft.layout is not None:
        click.echo(
            f"{printable(result.feed)}: {draft.notes[0] if draft.notes else draft.layout} → "
            "its shipped mapping, fitted to the file's columns"
        )
    else:
        source = draft.source
        if draft.format == "csv":
            details = f"{source['encoding']}, delimiter {source['delimiter']!r}"
            if "decimal" in source:
                details += f", decimal {source['decimal']!r}"
            if source.get("thousands"):
                details += f", thousands {source['thousands']!r}"
        else:
            details = f"records {source['record']}"
            if source.get("namespaces"):
                details += ", namespaces " + ", ".join(source["namespaces"])
        click.echo(f"{printable(result.feed)}: {draft.format}, {printable(details)}")
        click.echo(f"  resource: {result.mapping.target.resource}")
        if "group_by" in draft.target:
            click.echo(f"  group_by: {printable(draft.target['group_by'])!r}")
        width = max(len(g.field) for g in draft.fields)
        for guess in draft.fields:
            source_text = repr(guess.column) if guess.column is not None else "constant"
            if "columns" in guess.options:
                source_text = ", ".join(repr(c) for c in guess.options["columns"])
            click.echo(f"  {guess.field:<{width}} ← {printable(source_text)}")
        for attribute in draft.attributes:
            click.echo(
                f"  attribute {printable(attribute.name)!r} ← {printable(attribute.column)!r}"
            )
        for flt in draft.filters:
            click.echo(
                f"  skip rows where {printable(flt.column)!r} is {printable(str(flt.values))}"
            )
        if draft.unmapped:
            click.echo(f"  not mapped: {', '.join(printable(repr(c)) for c, _ in draft.unmapped)}")
    click.echo(
        f"checked on {records.total} rows: {records.accepted} accepted, "
        f"{len(records.rejected_lines)} rejected, {records.skipped} skipped by filters"
    )
    for error in records.rejected[:10]:
        click.echo(f"  {printable(str(error))}")
    if len(records.rejected) > 10:
        click.echo(f"  … and {len(records.rejected) - 10} more")
    click.echo(f"wrote {printable(target)}: read it through, then try")
    click.echo(f"  bulkio import {printable(result.feed)} -m {printable(target)} --dry-run")


COMMANDS: list[click.Command] = [init_command]
