"""The pure part of the order history import: rows → orders → the payload WooCommerce keeps.

What the payload must look like comes from the real stores (docs/orders-import.md): guards in
meta, no customer and no billing e-mail in the create, discounts as line totals below the
subtotals, a line without SKU as product -1, shipping lines with a method id, the file's total.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bulkio.migrate.orders_build import (
    GUARDS,
    NUMBER_META,
    OrderRow,
    Product,
    customer_payload,
    group_orders,
    order_payload,
    order_status,
    wp_is_email,
)

COLUMNS = {
    "number": "Name",
    "email": "Email",
    "total": "Total",
    "line.quantity": "Lineitem quantity",
    "line.price": "Lineitem price",
    "line.sku": "Lineitem sku",
    "line.name": "Lineitem name",
    "date_created": "Created at",
}


def row(line: int, **values: str) -> OrderRow:
    return OrderRow(line, values, COLUMNS)


def first(number: str = "#1001", **values: str) -> dict[str, Any]:
    base = {
        "number": number,
        "email": "anna@example.com",
        "financial_status": "paid",
        "fulfillment_status": "fulfilled",
        "currency": "EUR",
        "total": "100.00",
        "date_created": "2023-02-03 18:13:00 +0100",
        "line.quantity": "1",
        "line.price": "100.00",
        "line.sku": "A-1",
        "line.name": "Thing",
    }
    base.update(values)
    return base


def meta(payload: dict[str, Any]) -> dict[str, Any]:
    return {m["key"]: m["value"] for m in payload["meta_data"]}


def test_rows_of_one_number_make_one_order_with_the_first_rows_values() -> None:
    rows = [
        row(2, **first(total="119.00")),
        row(
            3,
            number="#1001",
            email="anna@example.com",
            **{"line.quantity": "2"},
            **{"line.price": "9.50", "line.sku": "B-1", "line.name": "Other"},
        ),
        row(4, **first("#1002", total="5.00", **{"line.price": "5.00"})),
    ]
    drafts, problems = group_orders(rows, file="orders.csv")
    assert problems == []
    assert [d.number for d in drafts] == ["#1001", "#1002"]
    order = drafts[0]
    assert order.line == 2 and order.rows == [2, 3]
    assert [(ln.sku, ln.quantity, ln.price) for ln in order.lines] == [
        ("A-1", 1, Decimal("100.00")),
        ("B-1", 2, Decimal("9.50")),
    ]
    assert order.values["total"] == "119.00" and order.status == "completed"
    assert order.values["date_created"] == "2023-02-03T18:13:00+01:00"


def test_a_row_without_number_names_file_line_and_column() -> None:
    drafts, problems = group_orders([row(7, **first(number=""))], file="orders.csv")
    assert drafts == []
    (problem,) = problems
    assert (problem.file, problem.line, problem.column, problem.code) == (
        "orders.csv",
        7,
        "Name",
        "missing_number",
    )
    assert "orders.csv:7 column 'Name'" in str(problem)


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "two"])
def test_a_bad_quantity_leaves_the_whole_order_out_naming_the_row(quantity: str) -> None:
    rows = [
        row(2, **first()),
        row(3, number="#1001", **{"line.quantity": quantity, "line.price": "1", "line.sku": "X"}),
        row(4, **first("#1002")),
    ]
    drafts, problems = group_orders(rows, file="orders.csv")
    assert [d.number for d in drafts] == ["#1002"]
    (problem,) = problems
    assert (problem.line, problem.column, problem.code, problem.number) == (
        3,
        "Lineitem quantity",
        "bad_quantity",
        "#1001",
    )
    assert quantity in problem.message and "#1001" in problem.message


def test_bad_amounts_and_dates_are_row_problems() -> None:
    drafts, problems = group_orders(
        [row(2, **first(total="lots")), row(3, **first("#1002", date_created="yesterday"))],
        file="orders.csv",
    )
    assert drafts == []
    assert [(p.line, p.column, p.code) for p in problems] == [
        (2, "Total", "bad_total"),
        (3, "Created at", "bad_date_created"),
    ]


@pytest.mark.parametrize(
    ("financial", "fulfillment", "cancelled", "status"),
    [
        ("paid", "fulfilled", "", "completed"),
        ("paid", "unfulfilled", "", "processing"),
        ("paid", "partial", "", "processing"),
        ("partially_refunded", "fulfilled", "", "completed"),
        ("refunded", "fulfilled", "", "refunded"),
        ("refunded", "fulfilled", "2023-01-01T00:00:00", "refunded"),
        ("voided", "unfulfilled", "2023-01-01T00:00:00", "cancelled"),
        ("expired", "", "", "cancelled"),
        ("paid", "unfulfilled", "2023-01-01T00:00:00", "cancelled"),
        ("pending", "unfulfilled", "", "pending"),
        ("authorized", "unfulfilled", "", "on-hold"),
        ("partially_paid", "", "", "on-hold"),
    ],
)
def test_shopify_statuses(financial: str, fulfillment: str, cancelled: str, status: str) -> None:
    values = {
        "financial_status": financial,
        "fulfillment_status": fulfillment,
        "date_cancelled": cancelled,
    }
    assert order_status(values) == status


def test_a_status_column_is_mapped_and_checked() -> None:
    assert order_status({"status": "Bezahlt"}, {"Bezahlt": "completed"}) == "completed"
    assert order_status({"status": "wc-on-hold"}) == "on-hold"
    with pytest.raises(ValueError, match="not a WooCommerce order status"):
        order_status({"status": "shipped"})
    with pytest.raises(ValueError, match="not one of Shopify's"):
        order_status({"financial_status": "sort of paid"})


def draft_of(*rows: dict[str, Any]) -> Any:
    drafts, problems = group_orders(
        [row(n + 2, **values) for n, values in enumerate(rows)], file="orders.csv"
    )
    assert problems == []
    return drafts[0]


def test_the_create_carries_guards_and_no_customer_nor_billing_email() -> None:
    draft = draft_of(first(**{"billing.name": "Anna Maria Müller", "billing.city": "Hamburg"}))
    built = order_payload(draft, {"a-1": Product(10)})
    payload = built.payload
    kept = meta(payload)
    for key, value in GUARDS:
        assert kept[key] == value
    assert kept[NUMBER_META] == "#1001"
    assert kept["_bulkio_date_created"] == "2023-02-03T18:13:00+01:00"
    assert "customer_id" not in payload
    assert "email" not in payload.get("billing", {})
    assert payload["billing"] == {
        "first_name": "Anna",
        "last_name": "Maria Müller",
        "city": "Hamburg",
    }
    assert payload["status"] == "completed" and payload["created_via"] == "bulkio-import"
    assert payload["line_items"] == [
        {"name": "Thing", "quantity": 1, "subtotal": "100.00", "total": "100.00", "product_id": 10}
    ]
    assert "coupon_lines" not in payload and "tax_lines" not in payload


def test_variations_missing_skus_and_lines_without_sku() -> None:
    draft = draft_of(
        first(total="30.00", **{"line.sku": "V-1", "line.price": "10.00"}),
        {"number": "#1001", "line.sku": "GONE-1", "line.name": "Old", "line.price": "16.00"},
        {"number": "#1001", "line.sku": "", "line.name": "Gift wrapping", "line.price": "4.00"},
    )
    built = order_payload(draft, {"v-1": Product(5, 7)})
    lines = built.payload["line_items"]
    assert (lines[0]["product_id"], lines[0]["variation_id"]) == (5, 7)
    assert lines[1]["sku"] == "GONE-1" and "product_id" not in lines[1]
    assert lines[1]["meta_data"] == [{"key": "SKU", "value": "GONE-1"}]
    assert lines[2]["product_id"] == -1 and lines[2]["name"] == "Gift wrapping"
    assert built.missing_skus == ["GONE-1"] and built.unnamed_lines == 1
    assert built.total == Decimal("30.00") and "fee_lines" not in built.payload


def test_a_discount_becomes_line_totals_below_subtotals_summing_to_the_total() -> None:
    # Shopify's #1011: 38.00 + 16.00, 10 % off (5.40), shipping 4.90, total 53.50
    draft = draft_of(
        first(
            total="53.50",
            discount_total="5.40",
            discount_codes="WELCOME10",
            shipping_total="4.90",
            shipping_method="DHL Paket",
            **{"line.price": "38.00"},
        ),
        {"number": "#1001", "line.sku": "B", "line.name": "Notebook", "line.price": "16.00"},
    )
    built = order_payload(draft, {})
    lines = built.payload["line_items"]
    assert [(x["subtotal"], x["total"]) for x in lines] == [("38.00", "34.20"), ("16.00", "14.40")]
    assert built.payload["shipping_lines"] == [
        {"method_id": "bulkio_import", "method_title": "DHL Paket", "total": "4.90"}
    ]
    assert meta(built.payload)["_bulkio_discount_codes"] == "WELCOME10"
    assert built.total == Decimal("53.50") and not built.notes


def test_vat_included_is_kept_in_meta_and_tax_on_top_becomes_a_fee() -> None:
    included = order_payload(
        draft_of(
            first(
                total="119.00",
                tax_total="19.00",
                tax_name="DE MwSt 19%",
                **{"line.price": "119.00"},
            )
        ),
        {},
    )
    assert included.tax_mode == "included" and "fee_lines" not in included.payload
    assert meta(included.payload)["_bulkio_tax_total"] == "19.00"
    on_top = order_payload(
        draft_of(first(total="119.00", tax_total="19.00", tax_name="VAT 19%")), {}
    )
    assert on_top.tax_mode == "fee" and on_top.total == Decimal("119.00")
    assert on_top.payload["fee_lines"] == [
        {"name": "VAT 19%", "total": "19.00", "tax_status": "none"}
    ]
    forced = order_payload(draft_of(first(total="119.00", tax_total="19.00")), {}, taxes="excluded")
    assert forced.payload["fee_lines"][0]["total"] == "19.00"


def test_a_total_the_lines_do_not_explain_gets_a_flagged_fee_line() -> None:
    built = order_payload(draft_of(first(total="103.00")), {})
    assert built.payload["fee_lines"] == [
        {"name": "Difference to the original total", "total": "3.00", "tax_status": "none"}
    ]
    assert built.total == Decimal("103.00") and "103.00" in built.notes[0]


def test_a_discount_beyond_the_lines_is_a_negative_fee() -> None:
    built = order_payload(
        draft_of(first(total="4.90", discount_total="100.00", shipping_total="4.90")), {}
    )
    assert built.payload["line_items"][0]["total"] == "0.00"
    assert built.total == Decimal("4.90") and "fee_lines" not in built.payload
    bigger = order_payload(
        draft_of(first(total="0.00", discount_total="104.90", shipping_total="4.90")), {}
    )
    assert bigger.payload["fee_lines"] == [
        {"name": "Discount", "total": "-4.90", "tax_status": "none"}
    ]


def test_an_address_wordpress_refuses_is_kept_in_meta_only() -> None:
    draft = draft_of(first(email="Ayşe.Weber22@example.com"))
    assert draft.email == ""
    assert meta(order_payload(draft, {}).payload)["_bulkio_email"] == "Ayşe.Weber22@example.com"
    assert wp_is_email("Jonas.Becker31@example.com")
    assert not wp_is_email("no-at-sign") and not wp_is_email("a@localhost")


def test_the_second_write_is_only_what_the_store_lacks() -> None:
    assert customer_payload(5, "a@example.com", 9, None) == {
        "id": 5,
        "billing": {"email": "a@example.com"},
        "customer_id": 9,
    }
    held = {"billing": {"email": "A@example.com"}, "customer_id": 9}
    assert customer_payload(5, "a@example.com", 9, held) is None
    assert customer_payload(5, "a@example.com", None, {"billing": {"email": ""}}) == {
        "id": 5,
        "billing": {"email": "a@example.com"},
    }
    assert customer_payload(5, "", None, {}) is None
