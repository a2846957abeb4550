"""Feeds, mappings and CLI runs for the end-to-end safety tests (real HTTP to the sandbox)."""

from __future__ import annotations

import contextlib
import csv
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
COLUMNS = ("sku", "name", "price", "stock", "ean")

MAPPING = """
[source]
format = "csv"

[target]
resource = "product"
{target_extra}

[fields]
sku = "sku"
name = "name"
regular_price = {{ column = "price", type = "money" }}
stock_quantity = {{ column = "stock", type = "int" }}
manage_stock = {{ value = true }}
"meta:ean" = "ean"
{limits}
"""


def rows(count: int, *, start: int = 1, price: str | None = None) -> list[dict[str, str]]:
    """Valid feed rows P-0001…: prices 10.00 + n/100, stock n % 40."""
    return [
        {
            "sku": f"P-{n:04d}",
            "name": f"Product {n}",
            "price": price if price is not None else f"{10 + n / 100:.2f}",
            "stock": str(n % 40),
            "ean": f"{n:013d}",
        }
        for n in range(start, start + count)
    ]


def write_csv(path: Path, data: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(data)
    return path


def write_mapping(
    path: Path, *, missing: str | None = None, manages: str | None = None, limits: str = ""
) -> Path:
    extra = []
    if missing:
        extra.append(f'missing = "{missing}"')
    if manages:
        extra.append(f"manages = {manages}")
    text = MAPPING.format(
        target_extra="\n".join(extra), limits=f"\n[limits]\n{limits}\n" if limits else ""
    )
    path.write_text(text, encoding="utf-8")
    return path


def isolate_store_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Clear the store variables a developer's shell may hold and give the run its own config
    and runs home, so in-process CLI runs see only the options a test passes."""
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def store_args(sb: Sandbox) -> list[str]:
    key, secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret]


def cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def cli_import(sb: Sandbox, feed: Path, mapping: Path, *extra: str | Path) -> Result:
    return cli("import", feed, "-m", mapping, "--quiet", *extra, *store_args(sb))


def subprocess_env(sb: Sandbox, tmp_path: Path, **extra: str) -> dict[str, str]:
    key, secret = sb.keys["read_write"]
    env = {
        **os.environ,
        "BULKIO_URL": sb.url,
        "BULKIO_KEY": key,
        "BULKIO_SECRET": secret,
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "PYTHONPATH": str(REPO),
    }
    env.pop("BULKIO_CONFIG", None)
    env.pop("BULKIO_PROFILE", None)
    env.update(extra)
    return env


def run_bulkio(
    env: dict[str, str], *args: str | Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bulkio", *[str(a) for a in args]],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextlib.contextmanager
def bulkio_process(
    env: dict[str, str], *args: str | Path, text: bool = False
) -> Iterator[subprocess.Popen[Any]]:
    """Start ``python -m bulkio ARGS`` (stdout dropped, stderr piped) for a test to signal, and
    make sure it is dead and its pipe closed when the block ends, whatever the test asserted."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bulkio", *[str(a) for a in args]],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=text,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def wait_until_quiet(measure: Callable[[], int], quiet_for: float) -> int:
    """Poll ``measure`` until it has not changed for ``quiet_for`` seconds; return its value.
    A batch whose client was killed is still saved by the server (as PHP would), so a test
    waits for that before looking at the store."""
    value, since = measure(), time.monotonic()
    while time.monotonic() - since < quiet_for:
        time.sleep(0.05)
        now = measure()
        if now != value:
            value, since = now, time.monotonic()
    return value


def live_by_sku(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """Live products by SKU; fails on a duplicate SKU."""
    found: dict[str, dict[str, Any]] = {}
    for product in sb.products():
        if product["status"] == "trash":
            continue
        assert product["sku"] not in found, f"duplicate SKU {product['sku']}"
        found[product["sku"]] = product
    return found


def owned_state(sb: Sandbox) -> dict[str, tuple[Any, ...]]:
    """The owned fields of every live product, by SKU (what an import controls)."""
    state = {}
    for sku, product in live_by_sku(sb).items():
        meta = {m["key"]: m["value"] for m in product.get("meta_data", [])}
        state[sku] = (
            product["name"],
            product["regular_price"],
            product["stock_quantity"],
            product["manage_stock"],
            meta.get("ean"),
            product["status"],
        )
    return state
