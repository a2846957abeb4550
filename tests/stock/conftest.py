"""Stock-feed test helpers: a seeded sandbox catalog, feed writers and a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.sandbox import Sandbox

STOCK_CSV_MAPPING = """
[source]
format = "csv"
delimiter = ";"

[target]
resource = "stock"
{target_extra}

[fields]
sku = "sku"
stock_quantity = {{ column = "qty", type = "int" }}
{fields_extra}
"""


@dataclass
class Item:
    """One stock-holding item of the sandbox catalog, as the REST API reports it."""

    id: int
    sku: str
    parent_id: int
    manage_stock: bool
    stock_quantity: int | None
    backorders: str
    stock_status: str


def catalog(sb: Sandbox) -> list[Item]:
    """Every product and variation of the sandbox (read from its database, not over HTTP)."""
    rows = sb.db.db.query(
        "SELECT id, kind, parent_id, type, sku, doc FROM posts "
        "WHERE kind IN ('product', 'product_variation') AND status != 'trash' ORDER BY id"
    )
    items = []
    for row in rows:
        doc = json.loads(row["doc"])
        manage = bool(doc.get("manage_stock"))
        items.append(
            Item(
                id=int(row["id"]),
                sku=row["sku"],
                parent_id=int(row["parent_id"]),
                manage_stock=manage,
                stock_quantity=doc.get("stock_quantity") if manage else None,
                backorders=doc.get("backorders") or "no",
                stock_status=doc.get("stock_status") or "instock",
            )
        )
    return items


def item_by_sku(sb: Sandbox, sku: str) -> Item:
    return next(item for item in catalog(sb) if item.sku == sku)


def write_csv(path: Path, rows: list[tuple[str, str]], header: str = "sku;qty") -> Path:
    path.write_text(header + "\n" + "".join(f"{s};{q}\n" for s, q in rows), encoding="utf-8")
    return path


def write_mapping(path: Path, target_extra: str = "", fields_extra: str = "") -> Path:
    path.write_text(
        STOCK_CSV_MAPPING.format(target_extra=target_extra, fields_extra=fields_extra),
        encoding="utf-8",
    )
    return path


def connection(sb: Sandbox) -> list[str]:
    key, secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret]


def run_cli(args: list[str]) -> Result:
    return CliRunner().invoke(main, args, catch_exceptions=False)


def writes(sb: Sandbox) -> list[Any]:
    return [entry for entry in sb.request_log if entry.is_write]


def reads(sb: Sandbox) -> list[Any]:
    return [entry for entry in sb.request_log if entry.method == "GET" and entry.route != "/"]


@pytest.fixture
def seeded(sandbox_factory: Callable[..., Sandbox]) -> Iterator[Sandbox]:
    """60 seeded products (seed 1: simple and variable, about 100 stock items), bodies logged."""
    sb = sandbox_factory(seed_products=60, seed=1)
    sb.capture_bodies = True
    yield sb
