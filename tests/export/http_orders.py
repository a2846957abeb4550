"""Put realistic orders into a running sandbox through its REST API, as checkouts would."""

from __future__ import annotations

import random
from typing import Any

from bulkio.config import ConnectionSettings
from bulkio.sandbox import Sandbox
from bulkio.store import StoreClient

FIRST = ["Jürgen", "Anna", "Łukasz", "Zoë", "Pierre", "=cmd|' /C calc'!A0", "Mia", "Ole"]
LAST = ["Müller", "Smith", "Nowak", "Dubois", "Jensen", "García"]
STATUSES = ["completed", "completed", "processing", "on-hold", "pending", "refunded"]


def client_for(sandbox: Sandbox, permission: str = "read_write") -> StoreClient:
    key, secret = sandbox.keys[permission]
    return StoreClient(ConnectionSettings(url=sandbox.url, key=key, secret=secret))


def ensure_products(sandbox: Sandbox, count: int = 8) -> list[dict[str, Any]]:
    products = sandbox.products()
    for index in range(len(products), count):
        sandbox.create_product(
            {
                "name": f"Produkt {index} – Größe M",
                "sku": f"EXP-{index:03d}",
                "regular_price": f"{9.5 + index * 3.25:.2f}",
                "type": "simple",
            }
        )
    return sandbox.products()


def order_payload(rng: random.Random, products: list[dict[str, Any]], index: int) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    address = {
        "first_name": first,
        "last_name": last,
        "company": rng.choice(["", "", "Bäckerei GmbH", "+49 Trading; Co"]),
        "address_1": f"Hauptstraße {index}",
        "city": rng.choice(["Köln", "Paris", "Kraków"]),
        "postcode": f"{10000 + index}",
        "country": rng.choice(["DE", "FR", "PL"]),
    }
    items = [
        {"product_id": product["id"], "quantity": rng.randint(1, 4)}
        for product in rng.sample(products, rng.randint(1, 3))
    ]
    payload: dict[str, Any] = {
        "status": rng.choice(STATUSES),
        "customer_id": 0,
        "payment_method": "bacs",
        "payment_method_title": rng.choice(["PayPal", "Überweisung", "Kreditkarte"]),
        "billing": {**address, "email": f"kunde{index}@example.com", "phone": "+49 221 5550"},
        "shipping": address,
        "line_items": items,
        "shipping_lines": [
            {"method_id": "flat_rate", "method_title": "DHL Paket", "total": "4.90"}
        ],
        "customer_note": rng.choice(["", "Bitte klingeln", "-1 if absent", "line one\nline two"]),
        "meta_data": [{"key": "_erp_ref", "value": f"ERP-{index}"}],
    }
    if index % 5 == 0:
        payload["fee_lines"] = [{"name": "Geschenkverpackung", "total": "2.50"}]
    return payload


def create_orders(sandbox: Sandbox, count: int, *, seed: int = 1, start: int = 0) -> list[int]:
    """Create ``count`` orders through ``POST /orders/batch``; their ids in creation order."""
    rng = random.Random(seed + start)
    products = ensure_products(sandbox)
    ids: list[int] = []
    with client_for(sandbox) as client:
        for offset in range(0, count, 100):
            chunk = [
                order_payload(rng, products, start + offset + i)
                for i in range(min(100, count - offset))
            ]
            result = client.batch("orders", create=chunk)
            assert not result.errors, [e.error for e in result.errors]
            ids += [int(item.data["id"]) for item in result.create]
    return ids


def all_orders(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Every listed order in full, read page by page without bulkio's export code."""
    orders: list[dict[str, Any]] = []
    with client_for(sandbox, "read") as client:
        page = 1
        while True:
            got = client.get_page(
                "orders", {"orderby": "id", "order": "asc"}, page=page, per_page=100
            )
            orders += got.items
            if page >= (got.total_pages or 1):
                return orders
            page += 1
