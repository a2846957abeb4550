"""Hand-built stand-ins for a mapping and a record set (the pure plan tests need no files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from bulkio.plan.state import owned_specs, polars_dtype


@dataclass
class Target:
    resource: str = "product"
    on_trashed: str = "restore"


@dataclass
class FakeMapping:
    owned_fields: list[str]
    target: Target = field(default_factory=Target)
    path: str | None = None


@dataclass
class FakeRowError:
    file: str
    line: int
    sku: str | None
    column: str | None
    value: str | None
    code: str
    message: str


@dataclass
class FakeRecords:
    frame: pl.DataFrame
    rejected: list[Any] = field(default_factory=list)
    source: str = "feed.csv"


def desired(owned: list[str], rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A records frame: _line, sku and the owned fields (missing keys → null = leave)."""
    specs = owned_specs(owned)
    schema: dict[str, pl.DataType] = {"_line": pl.Int64(), "sku": pl.String()}
    for spec in specs:
        schema[spec.name] = polars_dtype(spec)
    data = {name: [row.get(name) for row in rows] for name in schema}
    for spec in specs:
        if spec.kind == "terms":
            data[spec.name] = [None if v is None else list(v) for v in data[spec.name]]
    return pl.DataFrame(data, schema=schema)
