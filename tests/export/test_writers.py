"""Each writer's file read back with polars, lxml and openpyxl."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from lxml import etree

from bulkio.errors import UsageError
from bulkio.export import RowBuilder, parse_export_mapping
from bulkio.writers import EncodingProblem, choose_format, write_rows
from tests.export.orders import make_order

COLUMNS = [
    {"header": "No", "field": "number"},
    {"header": "Date", "field": "date_created", "type": "date"},
    {"header": "Customer", "template": "{billing.first_name} {billing.last_name}"},
    {"header": "Company", "field": "billing.company"},
    {"header": "Net", "compute": "total - total_tax"},
    {"header": "Gross", "field": "total"},
    {"header": "Qty", "compute": "line_items.quantity", "type": "int"},
    {"header": "Ref", "field": "transaction_id"},
]

ORDERS = [
    make_order(),
    make_order(
        id=102,
        number="102",
        total="-12.50",
        total_tax="0",
        transaction_id='=HYPERLINK("http://x")',
        billing={**make_order()["billing"], "company": '+49 Co; "quoted"\nline'},
    ),
]


def export(
    tmp_path: Path,
    fmt: str,
    output: dict[str, Any] | None = None,
    columns: list[dict[str, Any]] | None = None,
    orders: list[dict[str, Any]] | None = None,
) -> Path:
    mapping = parse_export_mapping(
        {"output": output or {}, "columns": columns or COLUMNS}, "t.toml"
    )
    target = tmp_path / f"out.{fmt}"
    count = write_rows(
        target, fmt, mapping, RowBuilder(mapping).rows(orders or ORDERS), overwrite=True
    )
    assert count >= len(orders or ORDERS)
    return target


def test_csv_european_layout_decimal_comma_bom_crlf_semicolon(tmp_path: Path) -> None:
    path = export(
        tmp_path,
        "csv",
        {
            "delimiter": ";",
            "decimal_separator": ",",
            "encoding": "utf-8-sig",
            "line_ending": "crlf",
            "date_format": "%d.%m.%Y",
        },
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfNo;Date;")
    assert raw.count(b"\r\n") == 3  # header and two records; the LF inside a quoted cell stays LF
    assert b'\nline"' in raw
    frame = pl.read_csv(path, separator=";", encoding="utf8", infer_schema=False)
    assert frame.columns[0] == "No"  # polars strips the BOM
    assert frame.row(0) == (
        "101",
        "29.03.2026",
        "Jürgen Müller",
        "Bäckerei Müller",
        "50,34",
        "59,90",
        "3",
        "TX-1",
    )
    second = frame.row(1)
    assert (
        second[3] == '\'+49 Co; "quoted"\nline'
    )  # quoted, neutralised (starts with +), newline kept
    assert second[5] == "-12,50"  # numbers are numbers: a negative amount is not neutralised
    assert second[7] == '\'=HYPERLINK("http://x")'


def test_csv_quoting_modes_and_lf(tmp_path: Path) -> None:
    all_quoted = export(tmp_path, "csv", {"quoting": "all"}).read_text().splitlines()
    assert all_quoted[1].startswith('"101","2026-03-29","Jürgen Müller"')
    text_quoted = export(tmp_path, "csv", {"quoting": "text"}).read_text().splitlines()
    assert text_quoted[1].startswith(
        '"101",2026-03-29,"Jürgen Müller","Bäckerei Müller",50.34,59.90,3,'
    )
    minimal = export(tmp_path, "csv").read_bytes()
    assert b"\r\n" not in minimal and minimal.splitlines()[1].startswith(b"101,2026-03-29,J")


def test_csv_tab_delimiter_no_header(tmp_path: Path) -> None:
    path = export(tmp_path, "csv", {"delimiter": "\t", "header": False})
    frame = pl.read_csv(path, separator="\t", has_header=False, infer_schema=False)
    assert frame.height == 2 and frame.row(0)[0] == "101"


def test_cp1252_writes_umlauts_and_names_the_unencodable_cell(tmp_path: Path) -> None:
    path = export(
        tmp_path, "csv", {"encoding": "cp1252", "delimiter": ";", "decimal_separator": ","}
    )
    assert "Jürgen Müller".encode("cp1252") in path.read_bytes()
    assert (
        pl.read_csv(path, separator=";", encoding="windows-1252", infer_schema=False).row(0)[2]
        == "Jürgen Müller"
    )
    orders = [make_order(billing={**make_order()["billing"], "last_name": "Łukasz 😀"})]
    with pytest.raises(EncodingProblem) as info:
        export(tmp_path, "csv", {"encoding": "cp1252"}, orders=orders, columns=COLUMNS)
    assert (
        "order id 101" in str(info.value)
        and "'Customer'" in str(info.value)
        and "U+0141" in str(info.value)
    )
    replaced = export(
        tmp_path, "csv", {"encoding": "cp1252", "unencodable": "replace"}, orders=orders
    )
    assert "Jürgen ?ukasz ?".encode("cp1252") in replaced.read_bytes()


def test_xlsx_numbers_dates_header_and_formula_safety(tmp_path: Path) -> None:
    path = export(tmp_path, "xlsx", {"date_format": "%d.%m.%Y"})
    sheet = openpyxl.load_workbook(path).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "No" and sheet["A1"].font.b
    assert sheet["B2"].is_date and sheet["B2"].value == datetime(2026, 3, 29)
    assert sheet["B2"].number_format == "dd.mm.yyyy"
    assert sheet["E2"].value == pytest.approx(50.34) and sheet["E2"].data_type == "n"
    assert sheet["E2"].number_format == "#,##0.00"
    assert sheet["F3"].value == pytest.approx(-12.5) and sheet["F3"].data_type == "n"
    formula_like = sheet["H3"]
    assert formula_like.data_type == "s" and formula_like.value == '=HYPERLINK("http://x")'
    assert formula_like.quotePrefix  # Excel shows it as text and will not evaluate it on edit
    assert sheet["G2"].value == 3


def test_xml_attributes_elements_nesting_and_control_characters(tmp_path: Path) -> None:
    columns = [
        {"header": "id", "field": "id", "xml": "@id"},
        {"header": "Order number", "field": "number"},
        {"header": "note", "field": "customer_note"},
        {"header": "sku", "field": "line_items.sku"},
        {"header": "qty", "field": "line_items.quantity"},
        {"header": "total", "field": "line_items.total", "xml": "@total"},
    ]
    orders = [
        make_order(customer_note="bell\x07 <b>&</b>"),
        make_order(id=102, number="102", line_items=[]),
    ]
    path = export(
        tmp_path,
        "xml",
        {
            "layout": "line_item",
            "xml": {"root": "Export", "record": "Order", "item": "Line"},
            "decimal_separator": ",",
        },
        columns,
        orders,
    )
    tree = etree.parse(str(path))
    assert tree.docinfo.encoding.lower() == "utf-8"
    root = tree.getroot()
    assert root.tag == "Export"
    first, second = root.findall("Order")
    assert first.get("id") == "101" and first.findtext("Order_number") == "101"
    assert second.findtext("Order_number") == "102"
    assert first.findtext("note") == "bell <b>&</b>"
    lines = first.findall("Line")
    assert [(ln.findtext("sku"), ln.findtext("qty"), ln.get("total")) for ln in lines] == [
        ("TS-M", "2", "40,00"),
        ("BK-1", "1", "14,02"),
    ]
    assert second.get("id") == "102" and second.findall("Line") == []


def test_xml_cp1252_escapes_what_it_cannot_encode(tmp_path: Path) -> None:
    orders = [make_order(customer_note="Łódź ☃")]
    path = export(
        tmp_path,
        "xml",
        {"encoding": "cp1252"},
        [{"header": "note", "field": "customer_note"}],
        orders,
    )
    assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='cp1252'?>")
    assert etree.parse(str(path)).getroot().findtext("order/note") == "Łódź ☃"


def test_parquet_is_typed(tmp_path: Path) -> None:
    frame = pl.read_parquet(
        export(
            tmp_path,
            "parquet",
            {"timezone": "UTC"},
            [*COLUMNS, {"header": "Paid", "field": "date_paid"}],
        )
    )
    assert frame.schema["Net"] == pl.Decimal(18, 2)
    assert frame.schema["Date"] == pl.Date
    assert frame.schema["Qty"] == pl.Int64
    assert frame.schema["Paid"] == pl.Datetime("us", "UTC")
    assert frame["Net"].to_list() == [Decimal("50.34"), Decimal("-12.50")]
    assert frame["Date"].to_list()[0] == date(2026, 3, 29)


def test_jsonl_numbers_and_iso_dates(tmp_path: Path) -> None:
    path = export(
        tmp_path, "jsonl", {"timezone": "UTC"}, [*COLUMNS, {"header": "Paid", "field": "date_paid"}]
    )
    frame = pl.read_ndjson(io.BytesIO(path.read_bytes()))
    assert frame["Net"].to_list() == [50.34, -12.5]
    assert frame["Paid"].to_list()[0] == "2026-03-29T00:31:00Z"
    assert frame["Date"].to_list()[0] == "2026-03-29"


def test_format_choice() -> None:
    assert choose_format("x.CSV", None, None) == "csv"
    assert choose_format("x.xlsx", None, "csv") == "xlsx"
    assert choose_format("x.dat", None, "xml") == "xml"
    assert choose_format("x.csv", "jsonl", None) == "jsonl"
    with pytest.raises(UsageError, match="cannot tell the format"):
        choose_format("x.dat", None, None)


def test_xlsx_refuses_rows_that_excel_cannot_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bulkio.writers.xlsx as xlsx

    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 3)  # header + 2 rows fit
    with pytest.raises(Exception, match="do not fit in one XLSX sheet"):
        export(tmp_path, "xlsx", orders=[*ORDERS, make_order(id=103, number="103")])
    assert not (tmp_path / "out.xlsx").exists()
    export(tmp_path, "xlsx")
