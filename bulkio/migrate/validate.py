"""``bulkio mapping validate`` for record mappings: the fields, then a sample read as the
import reads it (row errors, and the create payload each accepted row would send)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from bulkio.exitcodes import ExitCode
from bulkio.migrate.kind import payload_of
from bulkio.migrate.mapping import RecordField, RecordMapping
from bulkio.migrate.rows import RecordRows, read_rows
from bulkio.plan.model import FieldChange
from bulkio.terminal import printable


def describe_field(rule: RecordField) -> str:
    if rule.column is not None:
        where = f"column {rule.column!r}"
    elif rule.template is not None:
        where = f"template {rule.template!r}"
    else:
        where = f"value {rule.value!r}"
    extras = [rule.type] + (["on create"] if rule.on == "create" else [])
    if rule.map:
        extras.append(f"map of {len(rule.map)}")
    return f"{where} ({', '.join(extras)})"


def sample_rows(mapping: RecordMapping, sample: str, rows: int) -> RecordRows:
    read = read_rows(mapping, sample, max_rows=rows)
    mapping.kind.prepare_rows(mapping, read)
    return read


def payloads(read: RecordRows) -> list[dict[str, Any]]:
    return [
        {
            "line": row.line,
            "key": row.key,
            "payload": payload_of([FieldChange(p, None, v) for p, v in row.values.items()]),
        }
        for row in read.rows
    ]


def validate_record_mapping(
    mapping: RecordMapping, sample: str | None, rows: int, as_json: bool, quiet: bool
) -> None:
    """Print (or emit as JSON) what the mapping owns and what the sample's rows become."""
    from bulkio.cli.jsonout import emit

    read = sample_rows(mapping, sample, rows) if sample else None
    if as_json:
        body: dict[str, Any] = {
            "ok": True,
            "mapping": mapping.path,
            "valid": True,
            "resource": mapping.resource,
            "owned_fields": mapping.owned_fields,
            "options": mapping.options,
            "warnings": list(mapping.warnings),
        }
        if read is not None:
            body["sample"] = {
                "file": read.source,
                "rows_read": read.total,
                "accepted": len(read.rows),
                "skipped": read.skipped,
                "payloads": payloads(read),
                "rejected": [error.to_dict() for error in read.rejected],
                "warnings": read.warnings,
            }
        emit("mapping.validate", body)
    elif quiet:
        for warning in [*mapping.warnings, *(read.warnings if read else [])]:
            click.echo(f"warning: {printable(warning)}", err=True)
        for error in read.rejected if read else []:
            click.echo(f"rejected: {printable(str(error))}", err=True)
    else:
        click.echo(f"{mapping.path}: valid {mapping.resource} mapping")
        click.echo(f"  matched by {mapping.kind.key_field}")
        for rule in mapping.fields.values():
            click.echo(f"  {printable(rule.path)} ← {printable(describe_field(rule))}")
        for name, value in mapping.options.items():
            click.echo(f"  [{mapping.resource}] {name} = {value!r}")
        for warning in mapping.warnings:
            click.echo(f"warning: {printable(warning)}")
        if read is not None:
            click.echo("")
            click.echo(
                f"sample {printable(read.source)}: {read.total} rows read (limit {rows}), "
                f"{len(read.rows)} accepted, {len(read.rejected)} rejected, "
                f"{read.skipped} skipped by filters"
            )
            for entry in payloads(read):
                text = json.dumps(entry["payload"], ensure_ascii=False)
                click.echo(f"  {read.unit} {entry['line']}: {printable(text)}")
            for warning in read.warnings:
                click.echo(f"warning: {printable(warning)}")
            if read.rejected:
                click.echo("rejected:")
                for error in read.rejected:
                    click.echo(f"  {printable(str(error))}")
    if read is not None and read.rejected:
        sys.exit(int(ExitCode.PARTIAL))
