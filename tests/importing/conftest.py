"""Helpers for import tests over real HTTP: a feed + mapping on disk, a client, one import run."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bulkio.apply import ApplyResult, apply_plan
from bulkio.config import ConnectionSettings
from bulkio.mapping import load_mapping
from bulkio.plan import Plan, build_plan, fetch_store_state
from bulkio.records import build_records
from bulkio.sandbox import Sandbox
from bulkio.store import StoreClient

FEED_COLUMNS = ("sku", "name", "price", "stock", "ean")

MAPPING = """
[source]
format = "csv"
delimiter = ","

[target]
resource = "product"
on_trashed = "{on_trashed}"

[fields]
sku = "sku"
name = "name"
regular_price = {{ column = "price", type = "money" }}
stock_quantity = {{ column = "stock", type = "int" }}
manage_stock = {{ value = true }}
"meta:ean" = "ean"
"""


def feed_rows(count: int, *, start: int = 1, price: str = "10.00") -> list[dict[str, str]]:
    """``count`` valid rows with SKUs T-0001…, predictable names, prices and stock."""
    return [
        {
            "sku": f"T-{n:04d}",
            "name": f"Product {n}",
            "price": price,
            "stock": str(n % 50),
            "ean": f"{n:013d}",
        }
        for n in range(start, start + count)
    ]


@dataclass
class Feed:
    """A CSV feed and its mapping in a temp dir."""

    dir: Path
    csv: Path
    mapping: Path

    def write(self, rows: list[dict[str, str]]) -> Feed:
        with open(self.csv, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, FEED_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        return self


@pytest.fixture
def make_feed(tmp_path: Path) -> Callable[..., Feed]:
    def make(
        rows: list[dict[str, str]], *, on_trashed: str = "restore", name: str = "feed"
    ) -> Feed:
        mapping = tmp_path / f"{name}.toml"
        mapping.write_text(MAPPING.format(on_trashed=on_trashed), encoding="utf-8")
        return Feed(tmp_path, tmp_path / f"{name}.csv", mapping).write(rows)

    return make


def settings_for(sb: Sandbox, **overrides: Any) -> ConnectionSettings:
    """Read-write settings for a sandbox, with quick retries so fault tests stay fast."""
    key, secret = sb.keys["read_write"]
    options: dict[str, Any] = {"backoff_base": 0.01, "backoff_max": 0.05, "timeout": 10.0}
    options.update(overrides)
    return ConnectionSettings(url=sb.url, key=key, secret=secret, **options)


@pytest.fixture
def client_for() -> Iterator[Callable[..., StoreClient]]:
    opened: list[StoreClient] = []

    def make(sb: Sandbox, **overrides: Any) -> StoreClient:
        client = StoreClient(settings_for(sb, **overrides))
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def make_plan(client: StoreClient, feed: Feed) -> Plan:
    mapping = load_mapping(feed.mapping)
    records = build_records(mapping, feed.csv)
    state = fetch_store_state(client, mapping, records.frame["sku"].to_list())
    return build_plan(mapping, records, state, store_url=client.site)


def run_import(client: StoreClient, feed: Feed, **options: Any) -> tuple[Plan, ApplyResult]:
    plan = make_plan(client, feed)
    return plan, apply_plan(client, plan, **options)


def store_state(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """Owned fields of every live product by SKU (fails on a duplicate SKU)."""
    state: dict[str, dict[str, Any]] = {}
    for product in sb.products():
        if product["status"] == "trash":
            continue
        sku = product["sku"]
        assert sku not in state, f"duplicate SKU {sku} in the store"
        meta = {m["key"]: m["value"] for m in product.get("meta_data", [])}
        state[sku] = {
            "name": product["name"],
            "regular_price": product["regular_price"],
            "stock_quantity": product["stock_quantity"],
            "manage_stock": product["manage_stock"],
            "ean": meta.get("ean"),
        }
    return state


def age_products(sb: Sandbox) -> None:
    """Back-date every product's modification time, so a later edit surely changes it
    (WooCommerce's date_modified_gmt has one-second resolution)."""
    sb.db.db.execute("UPDATE posts SET date_modified_gmt = '2020-01-01T00:00:00'")
