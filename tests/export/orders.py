"""Order JSON in the shape ``GET /wc/v3/orders`` returns, for the pure tests."""

from __future__ import annotations

import copy
from typing import Any

BASE_ORDER: dict[str, Any] = {
    "id": 101,
    "number": "101",
    "status": "completed",
    "currency": "EUR",
    "date_created": "2026-03-29T01:30:00",
    "date_created_gmt": "2026-03-29T00:30:00",
    "date_modified": "2026-03-29T04:00:05",
    "date_modified_gmt": "2026-03-29T02:00:05",
    "date_paid": "2026-03-29T01:31:00",
    "date_paid_gmt": "2026-03-29T00:31:00",
    "date_completed": None,
    "date_completed_gmt": None,
    "total": "59.90",
    "total_tax": "9.56",
    "shipping_total": "4.90",
    "discount_total": "5.00",
    "customer_id": 7,
    "payment_method": "paypal",
    "payment_method_title": "PayPal",
    "transaction_id": "TX-1",
    "customer_note": "",
    "billing": {
        "first_name": "Jürgen",
        "last_name": "Müller",
        "company": "Bäckerei Müller",
        "address_1": "Hauptstr. 1",
        "city": "Köln",
        "postcode": "50667",
        "country": "DE",
        "email": "juergen.mueller@example.com",
        "phone": "+49 221 123456",
    },
    "shipping": {
        "first_name": "Jürgen",
        "last_name": "Müller",
        "company": "",
        "address_1": "Hauptstr. 1",
        "address_2": "",
        "city": "Köln",
        "state": "",
        "postcode": "50667",
        "country": "DE",
    },
    "meta_data": [{"id": 1, "key": "_erp_id", "value": "ERP-77"}],
    "line_items": [
        {
            "id": 1,
            "name": "T-Shirt M",
            "sku": "TS-M",
            "product_id": 10,
            "quantity": 2,
            "subtotal": "40.00",
            "total": "40.00",
            "total_tax": "7.60",
            "price": 20.0,
            "meta_data": [{"key": "pa_color", "value": "blue"}],
        },
        {
            "id": 2,
            "name": "Buch",
            "sku": "BK-1",
            "product_id": 11,
            "quantity": 1,
            "subtotal": "14.02",
            "total": "14.02",
            "total_tax": "0.98",
            "price": 14.02,
            "meta_data": [],
        },
    ],
    "tax_lines": [
        {
            "id": 5,
            "rate_code": "DE-MWST-1",
            "rate_id": 1,
            "label": "MwSt. 19%",
            "tax_total": "7.60",
            "shipping_tax_total": "0.93",
            "rate_percent": 19,
        },
        {
            "id": 6,
            "rate_code": "DE-MWST-2",
            "rate_id": 2,
            "label": "MwSt. 7%",
            "tax_total": "0.98",
            "shipping_tax_total": "0.05",
            "rate_percent": 7,
        },
    ],
    "shipping_lines": [
        {
            "id": 9,
            "method_title": "DHL",
            "method_id": "flat_rate",
            "total": "4.12",
            "total_tax": "0.78",
        }
    ],
    "fee_lines": [{"id": 11, "name": "Gift wrap", "total": "2.50", "total_tax": "0.00"}],
    "coupon_lines": [{"id": 12, "code": "SPRING5", "discount": "5.00", "discount_tax": "0.00"}],
}


def make_order(**changes: Any) -> dict[str, Any]:
    order = copy.deepcopy(BASE_ORDER)
    order.update(changes)
    return order
