from datetime import datetime
from decimal import Decimal
from typing import Any

from bulkio.export import RowBuilder, mask_email, parse_export_mapping
from tests.export.orders import make_order


def mapping(output: dict[str, Any], *columns: dict[str, Any]):  # type: ignore[no-untyped-def]
    return parse_export_mapping({"output": output, "columns": list(columns)}, "test.toml")


def cells(m, *orders, **kwargs):  # type: ignore[no-untyped-def]
    return [(row.line_kind, row.cells) for row in RowBuilder(m, **kwargs).rows(orders)]


def test_order_layout_fields_templates_maps_computed_and_tax_per_rate() -> None:
    m = mapping(
        {},
        {"header": "No", "field": "number"},
        {
            "header": "Name",
            "template": "{billing.first_name} {billing.last_name} <{billing.country}>",
        },
        {"header": "Status", "field": "status", "map": {"completed": "paid"}, "default": "open"},
        {"header": "Other", "field": "payment_method", "map": {"cod": "cash"}, "default": "card"},
        {"header": "Net", "compute": "total - total_tax"},
        {"header": "VAT19", "tax": "DE-MWST-1"},
        {"header": "VAT7", "tax": "MwSt. 7%"},
        {"header": "Qty", "compute": "line_items.quantity", "type": "int"},
        {"header": "SKUs", "field": "line_items.sku"},
        {"header": "Items", "field": "line_items"},
        {"header": "Fees", "field": "fee_lines"},
        {"header": "ERP", "field": "meta:_erp_id"},
        {"header": "Src", "value": "shop"},
        {"header": "Customer", "field": "customer_id"},
    )
    [(kind, row)] = cells(m, make_order())
    assert kind is None
    assert row == [
        "101",
        "Jürgen Müller <DE>",
        "paid",
        "card",
        Decimal("50.34"),
        Decimal("8.53"),
        Decimal("1.03"),
        3,
        "TS-M | BK-1",
        "2 × TS-M T-Shirt M | 1 × BK-1 Buch",
        "Gift wrap: 2.50",
        "ERP-77",
        "shop",
        7,
    ]


def test_line_item_layout_repeats_order_fields_and_adds_rows_for_fees_and_shipping() -> None:
    m = mapping(
        {"layout": "line_item", "fees": "rows", "shipping": "rows", "coupons": "rows"},
        {"header": "No", "field": "number"},
        {"header": "Type", "field": "line.type"},
        {"header": "Name", "field": "line.name"},
        {"header": "SKU", "field": "line_items.sku"},
        {"header": "Qty", "field": "line.quantity"},
        {"header": "Total", "field": "line.total"},
        {"header": "Fee", "field": "fee_lines.total"},
    )
    rows = cells(m, make_order())
    assert [kind for kind, _ in rows] == ["item", "item", "fee", "shipping", "coupon"]
    assert rows[0][1] == ["101", "item", "T-Shirt M", "TS-M", 2, Decimal("40.00"), None]
    assert rows[2][1] == ["101", "fee", "Gift wrap", None, 1, Decimal("2.50"), Decimal("2.50")]
    assert rows[3][1][2] == "DHL"
    assert rows[4][1][5] == Decimal("-5.00")


def test_money_in_templates_follows_the_decimal_separator() -> None:
    m = mapping(
        {"decimal_separator": ",", "decimals": 2},
        {"header": "Label", "template": "Order {number}: {total} {currency} ({line_items.total})"},
    )
    [(_, row)] = cells(m, make_order(total="59.9"))
    assert row == ["Order 101: 59,90 EUR (40,00 | 14,02)"]


def test_order_without_lines_still_gives_one_row() -> None:
    m = mapping(
        {"layout": "line_item"},
        {"header": "No", "field": "number"},
        {"header": "SKU", "field": "line_items.sku"},
    )
    assert cells(m, make_order(line_items=[])) == [(None, ["101", None])]


def test_time_zones_store_utc_and_named_zone() -> None:
    columns = ({"header": "Created", "field": "date_created"},)
    order = make_order()
    assert cells(mapping({"timezone": "store"}, *columns), order)[0][1] == [
        datetime(2026, 3, 29, 1, 30)
    ]
    assert cells(mapping({"timezone": "UTC"}, *columns), order)[0][1] == [
        datetime(2026, 3, 29, 0, 30)
    ]
    # 29 March 2026, Berlin goes to summer time at 01:00 UTC:
    # 00:30 UTC is 01:30 CET, 02:00:05 UTC is 04:00:05 CEST.
    berlin = mapping(
        {"timezone": "Europe/Berlin"}, *columns, {"header": "M", "field": "date_modified"}
    )
    assert cells(berlin, order)[0][1] == [
        datetime(2026, 3, 29, 1, 30),
        datetime(2026, 3, 29, 4, 0, 5),
    ]


def test_mask_and_hash_emails_everywhere() -> None:
    m = mapping(
        {}, {"header": "E", "field": "billing.email"}, {"header": "Note", "field": "customer_note"}
    )
    order = make_order(customer_note="call me: other.person@example.org")
    [(_, masked)] = cells(m, order, mask="mask")
    assert masked == ["j***@example.com", "call me: o***@example.org"]
    [(_, hashed)] = cells(m, order, mask="hash")
    assert hashed[0] == mask_email("JUERGEN.MUELLER@example.com ", "hash")
    assert len(hashed[0]) == 16 and "@" not in hashed[0]
    [(_, plain)] = cells(m, order)
    assert plain[0] == "juergen.mueller@example.com"


def test_bad_store_value_names_order_and_column() -> None:
    m = mapping({}, {"header": "Net", "compute": "total - total_tax"})
    try:
        cells(m, make_order(total="n/a"))
    except Exception as error:
        assert "order 101" in str(error) and "'Net'" in str(error) and "columns[1]" in str(error)
    else:  # pragma: no cover
        raise AssertionError("no error")
