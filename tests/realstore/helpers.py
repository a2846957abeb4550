"""Running bulkio against a real store the way a user does, and reading what it did."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bulkio.cli import main


def bulkio(*args: str) -> tuple[int, str, str]:
    """Run ``bulkio ARGS`` in-process (environment from the ``store_env`` fixture)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def bulkio_json(*args: str) -> tuple[int, dict[str, Any]]:
    """Run ``bulkio ARGS --json`` and decode its document."""
    code, out, err = bulkio(*args, "--json")
    try:
        return code, json.loads(out)
    except ValueError as problem:
        raise AssertionError(f"exit {code}, no JSON on stdout: {out!r}\nstderr: {err}") from problem


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def modified(products: dict[str, dict[str, Any]]) -> dict[str, str]:
    """SKU → ``date_modified_gmt``: a write to a product moves it (a re-run must move none)."""
    return {sku: str(item["date_modified_gmt"]) for sku, item in products.items()}


def meta(item: dict[str, Any], key: str) -> Any:
    for entry in item.get("meta_data") or ():
        if entry.get("key") == key:
            return entry.get("value")
    return None
