"""Catalog feeds written for tests in WooCommerce's product CSV layout."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

from bulkio.config import ConnectionSettings
from bulkio.export.products import BASE_COLUMNS
from bulkio.sandbox import Sandbox
from bulkio.store import StoreClient

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "mappings" / "woocommerce-core.toml"


def client_for(sb: Sandbox) -> StoreClient:
    key, secret = sb.keys["read_write"]
    return StoreClient(ConnectionSettings(url=sb.url, key=key, secret=secret), max_concurrency=4)


def write_feed(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(BASE_COLUMNS)
    for row in rows:
        for column in row:
            if column not in columns:
                columns.append(column)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(column, "") for column in columns])
    return path


COLORS = ["Red", "Blue", "Green"]
SIZES = ["S", "M"]
FITS = ["Slim", "Regular"]


def variable_product(
    sku: str, name: str, categories: str, tags: str, images: list[str], price: str = "25.00"
) -> list[dict[str, str]]:
    """A parent with three attributes and 3 × 2 × 2 = 12 variations."""
    parent: dict[str, Any] = {
        "Type": "variable",
        "SKU": sku,
        "Name": name,
        "Published": "1",
        "Is featured?": "0",
        "Visibility in catalog": "visible",
        "Tax status": "taxable",
        "In stock?": "1",
        "Backorders allowed?": "0",
        "Categories": categories,
        "Tags": tags,
        "Images": ", ".join(images),
        "Position": "0",
        "Attribute 1 name": "Color",
        "Attribute 1 value(s)": ", ".join(COLORS),
        "Attribute 1 visible": "1",
        "Attribute 1 global": "0",
        "Attribute 1 default": "Blue",
        "Attribute 2 name": "Size",
        "Attribute 2 value(s)": ", ".join(SIZES),
        "Attribute 2 visible": "1",
        "Attribute 2 global": "0",
        "Attribute 3 name": "Fit",
        "Attribute 3 value(s)": ", ".join(FITS),
        "Attribute 3 visible": "0",
        "Attribute 3 global": "0",
    }
    rows = [parent]
    for n, (color, size, fit) in enumerate(itertools.product(COLORS, SIZES, FITS)):
        rows.append(
            {
                "Type": "variation",
                "SKU": f"{sku}-{color[:3].upper()}-{size}-{fit[0]}",
                "Name": f"{name} - {color}, {size}, {fit}",
                "Published": "1",
                "Tax status": "taxable",
                "In stock?": "1",
                "Stock": str(10 + n),
                "Backorders allowed?": "0",
                "Regular price": price,
                "Parent": sku,
                "Position": str(n),
                "Attribute 1 name": "Color",
                "Attribute 1 value(s)": color,
                "Attribute 2 name": "Size",
                "Attribute 2 value(s)": size,
                "Attribute 3 name": "Fit",
                "Attribute 3 value(s)": fit,
            }
        )
    return rows


def catalog_rows() -> list[dict[str, str]]:
    rows = variable_product(
        "TEE",
        "Organic Tee",
        "Clothing > Shirts > T-Shirts, Sale",
        "summer, organic",
        ["https://img.example.com/tee-1.jpg", "https://img.example.com/tee-2.jpg"],
    )
    rows += variable_product(
        "HOODIE",
        "Hoodie",
        "Clothing > Hoodies",
        "winter",
        ["https://img.example.com/hoodie.jpg"],
        price="49.00",
    )
    rows.append(
        {
            "Type": "simple",
            "SKU": "MUG",
            "Name": "Mug & Saucer",
            "Published": "1",
            "Is featured?": "1",
            "Visibility in catalog": "visible",
            "Tax status": "taxable",
            "In stock?": "1",
            "Stock": "12",
            "Backorders allowed?": "0",
            "Regular price": "8.50",
            "Categories": "Kitchen & Home > Cups",
            "Tags": "gift, summer",
            "Images": "https://img.example.com/mug.jpg",
            "Position": "0",
            "Meta: material": "stoneware",
        }
    )
    return rows
