"""Shared bits of the CLI tests: walking click's command tree, running commands, small feeds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.cli.jsonout import SCHEMAS
from bulkio.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]

FLAT_MAPPING = """
[source]
delimiter = ";"

[fields]
sku = "sku"
name = "name"
regular_price = { column = "price", type = "money" }
manage_stock = { value = true }
"""

STOCK_MAPPING = """
[source]
delimiter = ";"

[target]
resource = "stock"

[fields]
sku = "sku"
stock_quantity = { column = "qty", type = "int" }
"""


def leaf_commands(
    group: click.Group = main, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    """Every command a user can run (``export orders``, ``sandbox`` …), groups left out: a
    group only prints its help. Walks what the groups list (their commands are imported
    when asked for: bulkio.cli.lazy), so this loads every command."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"bulkio {' '.join((*path, name))} is listed but not found"
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def option_names(command: click.Command) -> set[str]:
    return {name for param in command.params for name in getattr(param, "opts", [])}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def store(sb: Sandbox) -> list[str]:
    key, secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret]


def document(result: Result, command: str) -> dict[str, Any]:
    """The one JSON document on stdout, checked against the command's schema."""
    parsed = json.loads(result.stdout)
    assert parsed["schema"] == f"bulkio.{command}/{SCHEMAS[command]}", parsed.get("schema")
    assert isinstance(parsed["ok"], bool)
    return parsed


def write_feeds(tmp_path: Path) -> dict[str, Path]:
    """A flat product feed with its mapping, and a stock feed for the same SKUs."""
    paths = {
        "flat": tmp_path / "products.csv",
        "flat_mapping": tmp_path / "products.toml",
        "stock": tmp_path / "stock.csv",
        "stock_mapping": tmp_path / "stock.toml",
    }
    paths["flat"].write_text(
        "sku;name;price\nP-1;Pen;1.50\nP-2;Pencil;0.80\nP-3;Ruler;2.10\n", encoding="utf-8"
    )
    paths["flat_mapping"].write_text(FLAT_MAPPING, encoding="utf-8")
    paths["stock"].write_text("sku;qty\nP-1;4\nP-2;0\nP-3;12\n", encoding="utf-8")
    paths["stock_mapping"].write_text(STOCK_MAPPING, encoding="utf-8")
    return paths
