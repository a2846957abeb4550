"""``bulkio mapping validate``: check a mapping file and preview the payloads it builds."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from bulkio.cli.common import handle_errors
from bulkio.exitcodes import ExitCode
from bulkio.fields import to_payload
from bulkio.mapping import FieldRule, Mapping, load_mapping
from bulkio.records import RecordSet, build_records


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
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def validate(mapping_path: str, sample: str | None, rows: int, as_json: bool) -> None:
    """Validate MAPPING; with --sample, show the payloads built from the first rows.

    Exit codes: 0 the mapping is valid (and the sample rows shown are all accepted),
    1 some sample rows were rejected, 2 the mapping or the sample file is invalid.
    """
    mapping = load_mapping(mapping_path)
    records = build_records(mapping, sample, max_rows=rows) if sample else None
    if as_json:
        click.echo(json.dumps(_as_json(mapping, records), indent=2, ensure_ascii=False))
    else:
        _print_mapping(mapping)
        if records is not None:
            _print_records(records, rows)
    if records is not None and records.rejected:
        sys.exit(int(ExitCode.PARTIAL))


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
        click.echo(f"    {name:<{width}}  {describe_rule(rule)}")
    for flt in mapping.filters:
        operand = flt.operand if not isinstance(flt.operand, tuple) else list(flt.operand)
        click.echo(f"  filter: {flt.action} rows where {flt.column!r} {flt.op} {operand!r}")
    if mapping.limits:
        limits = ", ".join(f"{k} = {v}" for k, v in mapping.limits.items())
        click.echo(f"  limits: {limits}")


def _print_records(records: RecordSet, rows: int) -> None:
    accepted = records.frame.height
    click.echo("")
    click.echo(
        f"sample {records.source}: {records.total} rows read (limit {rows}), {accepted} accepted, "
        f"{len(records.rejected_lines)} rejected, {records.skipped} skipped by filters"
    )
    unit = records.unit
    for line, values in records.iter_rows():
        click.echo(f"  {unit} {line}: {json.dumps(to_payload(values), ensure_ascii=False)}")
    for warning in records.warnings:
        click.echo(f"warning: {warning}")
    if records.rejected:
        click.echo("rejected:")
        for error in records.rejected:
            click.echo(f"  {error}")


def _as_json(mapping: Mapping, records: RecordSet | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "mapping": mapping.path,
        "valid": True,
        "resource": mapping.target.resource,
        "owned_fields": mapping.owned_fields,
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
