"""``bulkio mapping validate``: check a mapping file and preview the payloads it builds."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bulkio.cli.common import handle_errors
from bulkio.cli.jsonout import emit, json_errors, quiet_option
from bulkio.draft import SampleCheck, sample_check, uses_catalog_vocabulary
from bulkio.errors import UsageError
from bulkio.exitcodes import ExitCode
from bulkio.fields import to_payload
from bulkio.mapping import FieldRule, Mapping, load_mapping
from bulkio.mapping.files import peek_mapping_toml
from bulkio.records import RecordSet, build_records
from bulkio.shipped import sample_path, shipped_mappings
from bulkio.terminal import printable

if TYPE_CHECKING:
    from bulkio.export.mapping import Column, ExportMapping

EXPORT_KEYS = ("columns", "output")
"""Top-level keys only an export mapping has (docs/export.md); import mappings have
``[source]``/``[target]``/``[fields]`` instead."""


@click.group("mapping")
def mapping_group() -> None:
    """Check mapping files (see docs/mapping-reference.md)."""


@mapping_group.command("validate")
@click.argument("mapping_path", metavar="MAPPING", type=click.Path(dir_okay=False))
@click.option(
    "--sample",
    "sample",
    type=click.Path(dir_okay=False),
    help="A source file to read with the mapping: checks its columns and shows payloads.",
)
@click.option(
    "--rows",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="How many rows of the sample to read and show.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the result as JSON (bulkio.mapping.validate/1)."
)
@quiet_option
@handle_errors
@json_errors("mapping.validate")
def validate(mapping_path: str, sample: str | None, rows: int, as_json: bool, quiet: bool) -> None:
    """Validate MAPPING; with --sample, show the payloads built from the first rows.

    Import mappings and export mappings (those with [[columns]] / [output], checked as
    `bulkio export` reads them; their columns are listed) are both accepted.

    Exit codes: 0 the mapping is valid (and the sample rows shown are all accepted),
    1 some sample rows were rejected, 2 the mapping or the sample file is invalid.
    With --quiet nothing is printed for a valid mapping; rejected sample rows and warnings
    go to stderr.
    """
    if is_export_mapping(mapping_path):
        _validate_export(mapping_path, sample, as_json, quiet)
        return
    mapping = load_mapping(mapping_path)
    if not isinstance(mapping, Mapping):  # customers, coupons, orders (bulkio.migrate)
        from bulkio.migrate.validate import validate_record_mapping

        validate_record_mapping(mapping, sample, rows, as_json, quiet)
        return
    if uses_catalog_vocabulary(mapping) and sample:
        # grouping, attributes, term and image lists: read as the import reads them
        _validate_catalog(mapping, sample_check(mapping, sample, rows), as_json, quiet)
        return
    records = build_records(mapping, sample, max_rows=rows) if sample else None
    if as_json:
        emit("mapping.validate", _as_json(mapping, records))
    elif quiet:
        for warning in [*mapping.warnings, *(records.warnings if records else [])]:
            click.echo(f"warning: {printable(warning)}", err=True)
        for error in records.rejected if records else []:
            click.echo(f"rejected: {printable(str(error))}", err=True)
    else:
        _print_mapping(mapping)
        if records is not None:
            _print_records(records, rows)
    if records is not None and records.rejected:
        sys.exit(int(ExitCode.PARTIAL))


def _validate_catalog(mapping: Mapping, check: SampleCheck, as_json: bool, quiet: bool) -> None:
    """``--sample`` for a mapping with catalog vocabulary: items and variations, rejections."""
    feed = check.feed
    if as_json:
        body = _as_json(mapping, None)
        body["sample"] = {
            "file": check.source,
            "rows_read": check.total,
            "accepted": check.accepted,
            "skipped": check.skipped,
            "products": len(feed.items) if feed else None,
            "variations": feed.variation_count if feed else None,
            "rejected": [error.to_dict() for error in check.rejected],
            "warnings": check.warnings,
        }
        emit("mapping.validate", body)
    elif quiet:
        for warning in [*mapping.warnings, *check.warnings]:
            click.echo(f"warning: {printable(warning)}", err=True)
        for error in check.rejected:
            click.echo(f"rejected: {printable(str(error))}", err=True)
    else:
        _print_mapping(mapping)
        click.echo("")
        products = len(feed.items) if feed else 0
        variations = feed.variation_count if feed else 0
        click.echo(
            f"sample {printable(check.source)}: {check.total} rows read, {products} product(s) "
            f"and {variations} variation(s), {len(check.rejected_lines)} rows rejected"
        )
        for warning in check.warnings:
            click.echo(f"warning: {printable(warning)}")
        if check.rejected:
            click.echo("rejected:")
            for error in check.rejected:
                click.echo(f"  {printable(str(error))}")
    if check.rejected:
        sys.exit(int(ExitCode.PARTIAL))


@mapping_group.command("list")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the list as JSON (bulkio.mapping.list/1)."
)
@click.option("-q", "--quiet", is_flag=True, help="Print the names only, one per line.")
def list_mappings(as_json: bool, quiet: bool) -> None:
    """List the mappings that ship with bulkio.

    Each can be given to -m by name from any directory (e.g. `-m supplier-csv`, or
    `-m accounting` for export-accounting); copy one (the path is shown) to start your own.
    """
    mappings = shipped_mappings()
    if as_json:
        listing = [
            {
                "name": m.name,
                "kind": m.kind,
                "path": str(m.path),
                "description": m.description,
            }
            for m in mappings
        ]
        emit("mapping.list", {"ok": True, "mappings": listing})
        return
    if quiet:  # the names alone, one per line (for scripts and shell completion)
        for m in mappings:
            click.echo(m.name)
        return
    if not mappings:
        click.echo("no shipped mappings found (a broken installation?)", err=True)
        sys.exit(int(ExitCode.USAGE))
    width = max(len(m.name) for m in mappings)
    for m in mappings:
        click.echo(f"{m.name:<{width}}  {m.kind:<6}  {m.description}")
    click.echo(f"\n(in {mappings[0].path.parent}; use with -m NAME, e.g. -m {mappings[0].name})")
    with contextlib.suppress(FileNotFoundError):
        click.echo(f"sample feeds: {sample_path('supplier-products.csv').parent}")


def is_export_mapping(path: str | Path) -> bool:
    """Whether the file is an export mapping (a top-level ``columns`` or ``output`` key).

    A file that cannot be read or parsed is not: the import loader then reports the problem.
    """
    data = peek_mapping_toml(path)  # the loader both kinds of mapping go through
    return data is not None and any(key in data for key in EXPORT_KEYS)


def _validate_export(mapping_path: str, sample: str | None, as_json: bool, quiet: bool) -> None:
    from bulkio.export.mapping import load_export_mapping

    mapping = load_export_mapping(mapping_path)  # MappingError (exit 2) names file and key
    if sample is not None:
        raise UsageError(
            f"--sample reads import feeds; {mapping_path} is an export mapping",
            hint="try an export with `bulkio export orders -m MAPPING -o FILE` and a narrow "
            "--after/--status",
        )
    if as_json:
        emit("mapping.validate", _export_as_json(mapping))
        return
    if quiet:
        return
    output = mapping.output
    click.echo(f"mapping {mapping.path}: valid (export of {mapping.resource})")
    details = [f"layout {output.layout}"] if mapping.resource == "orders" else []
    if output.format:
        details.append(f"format {output.format}")
    details += [f"delimiter {output.delimiter!r}", f"encoding {output.encoding}"]
    details.append(f"timezone {output.timezone}")
    click.echo(f"  output: {', '.join(details)}")
    click.echo(f"  {len(mapping.columns)} columns:")
    width = max(len(column.header) for column in mapping.columns)
    for column in mapping.columns:
        # Headers and templates are the mapping's text: shown escaped like feed values.
        click.echo(f"    {printable(column.header):<{width}}  {printable(describe_column(column))}")


def describe_column(column: Column) -> str:
    """One line saying where an export column's value comes from."""
    if column.kind == "field":
        text = f"← {column.field}"
    elif column.kind == "value":
        text = f"= {json.dumps(column.value, ensure_ascii=False)}"
    elif column.kind == "template":
        text = "← template " + "".join(
            f"{{{part.path}}}" if part.path else part.text for part in column.template
        )
    elif column.kind == "tax":
        text = f"← tax {column.tax!r}"
    else:
        text = "← compute of " + ", ".join(column.paths)
    notes: list[str] = [column.type] if column.type != "text" else []
    if column.map is not None:
        notes.append(f"map of {len(column.map)}")
    if column.format:
        notes.append(f"format {column.format!r}")
    return text + (f" ({', '.join(notes)})" if notes else "")


def _export_as_json(mapping: ExportMapping) -> dict[str, Any]:
    return {
        "ok": True,
        "mapping": mapping.path,
        "valid": True,
        "kind": "export",
        "resource": mapping.resource,
        "columns": [
            {
                "header": column.header,
                "source": column.kind,
                "type": column.type,
                "reads": column.paths,
                "describe": describe_column(column),
            }
            for column in mapping.columns
        ],
    }


def describe_rule(rule: FieldRule) -> str:
    """One line saying where a field's value comes from."""
    if rule.has_value:
        shown = list(rule.value) if isinstance(rule.value, tuple) else rule.value
        return f"= {json.dumps(shown)}"
    text = f"← {rule.column!r}" if rule.column is not None else f"← template {rule.template!r}"
    notes: list[str] = [rule.type] if rule.type != "text" else []
    if rule.map is not None:
        notes.append(f"map of {len(rule.map)}" + (" with default" if rule.has_default else ""))
    if rule.split is not None:
        notes.append(f"split on {rule.split!r}")
    if rule.empty == "clear":
        notes.append("empty clears")
    if not rule.trim:
        notes.append("not trimmed")
    if rule.date_format:
        notes.append(f"format {rule.date_format!r}")
    return text + (f" ({', '.join(notes)})" if notes else "")


def _print_mapping(mapping: Mapping) -> None:
    source, target = mapping.source, mapping.target
    click.echo(f"mapping {mapping.path}: valid")
    if source.format == "csv":
        details = [
            f"delimiter {source.delimiter!r}",
            f"encoding {source.encoding}",
            f"decimal {source.decimal!r}",
        ]
        if source.thousands:
            details.append(f"thousands {source.thousands!r}")
        details.append(f"header case {source.header_case}")
        click.echo(f"  source: csv, {', '.join(details)}")
    else:
        namespaces = ", ".join(f"{p}={u}" for p, u in source.namespaces.items())
        click.echo(
            f"  source: xml, records {source.record}" + (f", ns {namespaces}" if namespaces else "")
        )
    click.echo(
        f"  target: {target.resource}, match by {target.match}, missing = {target.missing}, "
        f"on_trashed = {target.on_trashed}"
    )
    click.echo(f"  owns {len(mapping.fields)} fields (no other field is ever compared or written):")
    width = max(len(name) for name in mapping.fields)
    for name, rule in mapping.fields.items():
        click.echo(f"    {name:<{width}}  {printable(describe_rule(rule))}")
    for flt in mapping.filters:
        operand = flt.operand if not isinstance(flt.operand, tuple) else list(flt.operand)
        click.echo(f"  filter: {flt.action} rows where {flt.column!r} {flt.op} {operand!r}")
    if mapping.limits:
        limits = ", ".join(f"{k} = {v}" for k, v in mapping.limits.items())
        click.echo(f"  limits: {limits}")
    for warning in mapping.warnings:
        click.echo(f"warning: {printable(warning)}", err=True)


def _print_records(records: RecordSet, rows: int) -> None:
    accepted = records.frame.height
    click.echo("")
    click.echo(
        f"sample {records.source}: {records.total} rows read (limit {rows}), {accepted} accepted, "
        f"{len(records.rejected_lines)} rejected, {records.skipped} skipped by filters"
    )
    unit = records.unit
    for line, values in records.iter_rows():
        # JSON escapes C0 controls itself; printable() also DEL, C1 and bidi controls.
        payload = json.dumps(to_payload(values), ensure_ascii=False)
        click.echo(f"  {unit} {line}: {printable(payload)}")
    for warning in records.warnings:
        click.echo(f"warning: {printable(warning)}")
    if records.rejected:
        click.echo("rejected:")
        for error in records.rejected:
            click.echo(f"  {printable(str(error))}")


def _as_json(mapping: Mapping, records: RecordSet | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ok": True,
        "mapping": mapping.path,
        "valid": True,
        "resource": mapping.target.resource,
        "owned_fields": mapping.owned_fields,
        "warnings": list(mapping.warnings),
    }
    if records is not None:
        result["sample"] = {
            "file": records.source,
            "rows_read": records.total,
            "accepted": records.frame.height,
            "skipped": records.skipped,
            "payloads": [
                {"line": line, "payload": to_payload(values)}
                for line, values in records.iter_rows()
            ],
            "rejected": [error.to_dict() for error in records.rejected],
            "warnings": records.warnings,
        }
    return result


COMMANDS: list[click.Command] = [mapping_group]
