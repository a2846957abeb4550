"""`bulkio export orders` against a sandbox store over real HTTP: every layout and format read
back, filters, time zones, masking, the CLI's output and exit codes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner, Result
from lxml import etree

from bulkio.cli import main
from bulkio.sandbox import Sandbox
from tests.export.http_orders import all_orders, create_orders

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "mappings"


@pytest.fixture(scope="module")
def shop() -> Iterator[Sandbox]:
    """One store with 240 orders for the read-only tests of this module (store time = UTC+2)."""
    with Sandbox(gmt_offset=2) as sandbox:
        create_orders(sandbox, 240, seed=11)
        yield sandbox


@pytest.fixture(scope="module")
def orders(shop: Sandbox) -> list[dict]:  # type: ignore[type-arg]
    return all_orders(shop)


def export(sandbox: Sandbox, *args: str, permission: str = "read") -> Result:
    key, secret = sandbox.keys[permission]
    env = {"BULKIO_URL": sandbox.url, "BULKIO_KEY": key, "BULKIO_SECRET": secret, "BULKIO_HOME": ""}
    return CliRunner().invoke(main, ["export", "orders", *args], env=env, catch_exceptions=False)


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def test_accounting_csv_one_row_per_order_decimal_comma_bom(
    shop: Sandbox, orders: list[dict], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    out = tmp_path / "accounting.csv"
    result = export(shop, "-m", str(MAPPINGS / "export-accounting.toml"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"exported {len(orders)} order(s) as {len(orders)} row(s)" in result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    frame = pl.read_csv(out, separator=";", infer_schema=False)
    assert frame.height == len(orders)
    by_number = {row["Belegnummer"]: row for row in frame.iter_rows(named=True)}
    for order in orders:
        row = by_number[order["number"]]
        assert money(row["Brutto"]) == Decimal(order["total"])
        assert money(row["Netto"]) == Decimal(order["total"]) - Decimal(order["total_tax"])
        assert "." not in row["Brutto"]  # decimal comma
        created = order["date_created"]  # store time (UTC+2), shown as dd.mm.yyyy
        assert row["Belegdatum"] == f"{created[8:10]}.{created[5:7]}.{created[0:4]}"
        assert (
            row["Kunde"].lstrip("'")
            == f"{order['billing']['first_name']} {order['billing']['last_name']}"
        )
    # a customer called "=cmd|..." cannot run as a formula
    assert all(not name.startswith(("=", "+", "-", "@")) for name in frame["Kunde"].to_list())
    assert any(name.startswith("'=") for name in frame["Kunde"].to_list())


def test_only_the_needed_fields_are_requested(shop: Sandbox, tmp_path: Path) -> None:
    shop.clear_log()
    result = export(
        shop, "-m", str(MAPPINGS / "export-warehouse.toml"), "-o", str(tmp_path / "w.csv"), "-q"
    )
    assert result.exit_code == 0 and result.output == ""
    listing = [r for r in shop.request_log if r.route == "/wc/v3/orders"]
    assert len(listing) == 3  # 240 orders = 3 pages of 100
    for request in listing:
        assert request.query["orderby"] == "id" and request.query["order"] == "asc"
        fields = set(request.query["_fields"].split(","))
        assert "billing" not in fields and {"shipping", "line_items", "number"} <= fields


def test_warehouse_csv_one_row_per_line_item(
    shop: Sandbox, orders: list[dict], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    out = tmp_path / "warehouse.csv"
    assert (
        export(shop, "-m", str(MAPPINGS / "export-warehouse.toml"), "-o", str(out)).exit_code == 0
    )
    frame = pl.read_csv(out, infer_schema=False)
    expected = [
        (o["number"], i["sku"], str(i["quantity"])) for o in orders for i in o["line_items"]
    ]
    assert (
        list(zip(frame["order_number"], frame["sku"], frame["quantity"], strict=True)) == expected
    )
    assert frame["shipping_method"].unique().to_list() == ["DHL Paket"]
    assert "email" not in " ".join(frame.columns)


def test_xlsx_and_line_rows_for_fees_and_shipping(
    shop: Sandbox, orders: list[dict], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    mapping = tmp_path / "lines.toml"
    mapping.write_text(
        '[output]\nlayout = "line_item"\nfees = "rows"\nshipping = "rows"\n'
        '[[columns]]\nheader = "Order"\nfield = "id"\n'
        '[[columns]]\nheader = "Type"\nfield = "line.type"\n'
        '[[columns]]\nheader = "Name"\nfield = "line.name"\n'
        '[[columns]]\nheader = "Amount"\nfield = "line.total"\n'
        '[[columns]]\nheader = "Created"\nfield = "date_created"\n',
        encoding="utf-8",
    )
    out = tmp_path / "lines.xlsx"
    assert export(shop, "-m", str(mapping), "-o", str(out)).exit_code == 0
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = sum(
        len(o["line_items"]) + len(o["fee_lines"]) + len(o["shipping_lines"]) for o in orders
    )
    assert len(rows) == expected
    fees = [r for r in rows if r[1] == "fee"]
    assert fees and all(r[2] == "Geschenkverpackung" and r[3] == 2.5 for r in fees)
    assert all(isinstance(r[0], int) and isinstance(r[3], int | float) for r in rows)
    assert sheet["E2"].is_date


def test_xml_nests_items_under_orders(shop: Sandbox, orders: list[dict], tmp_path: Path) -> None:  # type: ignore[type-arg]
    out = tmp_path / "orders.xml"
    assert (
        export(shop, "-m", str(MAPPINGS / "export-orders-xml.toml"), "-o", str(out)).exit_code == 0
    )
    root = etree.parse(str(out), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    elements = root.findall("order")
    assert [int(e.get("id")) for e in elements] == [o["id"] for o in orders]
    for element, order in zip(elements, orders, strict=True):
        assert element.findtext("total") == order["total"]
        assert element.findtext("created") == order["date_created_gmt"] + "Z"  # timezone = "UTC"
        assert [i.findtext("sku") for i in element.findall("item")] == [
            i["sku"] for i in order["line_items"]
        ]


def test_parquet_and_jsonl_are_typed(shop: Sandbox, orders: list[dict], tmp_path: Path) -> None:  # type: ignore[type-arg]
    parquet = tmp_path / "orders.parquet"
    assert (
        export(shop, "-m", str(MAPPINGS / "export-accounting.toml"), "-o", str(parquet)).exit_code
        == 0
    )
    frame = pl.read_parquet(parquet)
    assert frame.height == len(orders)
    assert frame.schema["Brutto"] == pl.Decimal(18, 2) and frame.schema["Belegdatum"] == pl.Date
    assert frame["Brutto"].sum() == sum(Decimal(o["total"]) for o in orders)
    jsonl = tmp_path / "orders.out"
    result = export(
        shop, "-m", str(MAPPINGS / "export-warehouse.toml"), "-o", str(jsonl), "--format", "jsonl"
    )
    assert result.exit_code == 0
    lines = pl.read_ndjson(io.BytesIO(jsonl.read_bytes()))
    assert lines.schema["quantity"] == pl.Int64
    assert lines.height == sum(len(o["line_items"]) for o in orders)


def test_filters_status_customer_and_time_zone_rules(
    shop: Sandbox, orders: list[dict], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    out = tmp_path / "f.csv"
    result = export(
        shop,
        "-m",
        str(MAPPINGS / "export-warehouse.toml"),
        "-o",
        str(out),
        "--status",
        "completed,refunded",
    )
    assert result.exit_code == 0
    wanted = {o["number"] for o in orders if o["status"] in ("completed", "refunded")}
    assert set(pl.read_csv(out, infer_schema=False)["order_number"]) == wanted
    # Dates go out in UTC with dates_are_gmt=true although the store runs at UTC+2: a bound one
    # second after the newest order keeps them all, and would keep none if sent as store time.
    newest = datetime.fromisoformat(max(o["date_created_gmt"] for o in orders))
    just_after = (newest + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    for bound in (
        just_after + "Z",
        just_after,
        (newest + timedelta(hours=2, seconds=1)).isoformat() + "+02:00",
    ):
        before = tmp_path / "before.csv"
        result = export(
            shop,
            "-m",
            str(MAPPINGS / "export-accounting.toml"),
            "-o",
            str(before),
            "--before",
            bound,
            "--overwrite",
        )
        assert result.exit_code == 0
        assert pl.read_csv(before, separator=";", infer_schema=False).height == len(orders), bound
    after = tmp_path / "after.csv"
    result = export(
        shop,
        "-m",
        str(MAPPINGS / "export-accounting.toml"),
        "-o",
        str(after),
        "--after",
        just_after,
    )
    assert result.exit_code == 0
    assert pl.read_csv(after, separator=";", infer_schema=False).height == 0
    customer = tmp_path / "customer.csv"
    result = export(
        shop,
        "-m",
        str(MAPPINGS / "export-accounting.toml"),
        "-o",
        str(customer),
        "--customer",
        "4242",
    )
    assert result.exit_code == 0
    assert pl.read_csv(customer, separator=";", infer_schema=False).height == 0


def test_masked_and_hashed_emails(shop: Sandbox, orders: list[dict], tmp_path: Path) -> None:  # type: ignore[type-arg]
    out = tmp_path / "x.xml"
    assert (
        export(
            shop,
            "-m",
            str(MAPPINGS / "export-orders-xml.toml"),
            "-o",
            str(out),
            "--mask-emails",
            "mask",
        ).exit_code
        == 0
    )
    emails = [e.text for e in etree.parse(str(out)).getroot().iter("email")]
    assert emails and all(e.startswith("k***@example.com") for e in emails)
    hashed = tmp_path / "h.xml"
    assert (
        export(
            shop,
            "-m",
            str(MAPPINGS / "export-orders-xml.toml"),
            "-o",
            str(hashed),
            "--mask-emails",
            "hash",
        ).exit_code
        == 0
    )
    digests = [e.text for e in etree.parse(str(hashed)).getroot().iter("email")]
    assert len(set(digests)) == len({o["billing"]["email"] for o in orders}) and all(
        len(d) == 16 for d in digests
    )
    assert b"@example.com" not in hashed.read_bytes()


def test_existing_file_needs_overwrite(shop: Sandbox, tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    out.write_text("yesterday's file")
    result = export(shop, "-m", str(MAPPINGS / "export-accounting.toml"), "-o", str(out))
    assert result.exit_code == 2 and out.read_text() == "yesterday's file"
    result = export(
        shop, "-m", str(MAPPINGS / "export-accounting.toml"), "-o", str(out), "--overwrite", "-q"
    )
    assert result.exit_code == 0 and out.read_bytes().startswith(b"\xef\xbb\xbfBelegnummer")


def test_accounting_tax_per_rate_on_seeded_orders(sandbox_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Seeded orders carry tax lines per country (DE-MWST-1, FR-TVA-1, …) and coupons."""
    store = sandbox_factory(seed_products=20, seed_orders=150, seed=4)
    orders = all_orders(store)
    out = tmp_path / "accounting.csv"
    assert (
        export(store, "-m", str(MAPPINGS / "export-accounting.toml"), "-o", str(out)).exit_code == 0
    )
    rows = {
        r["Belegnummer"]: r
        for r in pl.read_csv(out, separator=";", infer_schema=False).iter_rows(named=True)
    }
    assert len(rows) == len(orders)

    def rate(order: dict, code: str) -> Decimal:  # type: ignore[type-arg]
        return sum(
            (
                Decimal(t["tax_total"]) + Decimal(t["shipping_tax_total"])
                for t in order["tax_lines"]
                if t["rate_code"] == code
            ),
            Decimal(0),
        )

    german = 0
    for order in orders:
        row = rows[order["number"]]
        assert money(row["USt 19 %"]) == rate(order, "DE-MWST-1")
        german += rate(order, "DE-MWST-1") > 0
        assert money(row["USt 7 %"]) == rate(order, "DE-MWST-2")
        assert money(row["Netto"]) + money(row["USt 19 %"]) + money(row["USt 7 %"]) + money(
            row["USt andere Sätze"]
        ) == Decimal(order["total"])
    assert german > 0


def test_a_status_the_store_does_not_know_is_a_usage_error(shop: Sandbox, tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    result = export(
        shop, "-m", str(MAPPINGS / "export-accounting.toml"), "-o", str(out), "--status", "shipped"
    )
    assert result.exit_code == 2
    assert "--status: status[0] is not one of" in result.output
    assert not out.exists()


def test_export_survives_503s_and_dropped_connections(sandbox_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bulkio.config import ConnectionSettings
    from bulkio.export import export_orders, load_export_mapping
    from bulkio.sandbox.faults import FaultPlan, FaultRule
    from bulkio.store import StoreClient

    store = sandbox_factory(seed_products=10, seed_orders=450, seed=9)
    expected = [o["id"] for o in all_orders(store)]
    store.faults = FaultPlan(
        rules=[
            FaultRule.error(503, route="orders", method="GET", probability=0.3),
            FaultRule.rate_limit(retry_after=0, route="orders", method="GET", times=2),
        ],
        seed=3,
    )
    key, secret = store.keys["read"]
    settings = ConnectionSettings(
        url=store.url, key=key, secret=secret, backoff_base=0.01, max_attempts=8
    )
    out = tmp_path / "orders.jsonl"
    with StoreClient(settings) as client:
        result = export_orders(
            client, load_export_mapping(MAPPINGS / "export-accounting.toml"), out
        )
    assert result.orders == len(expected)
    assert [int(n) for n in pl.read_ndjson(io.BytesIO(out.read_bytes()))["Belegnummer"]] == expected
    assert client.stats.retries > 0
    assert any(r.fault for r in store.request_log)


def test_cp1252_tab_separated_berlin_time_over_http(
    shop: Sandbox, orders: list[dict], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    from zoneinfo import ZoneInfo

    mapping = tmp_path / "legacy.toml"
    mapping.write_text(
        '[output]\nencoding = "cp1252"\nunencodable = "replace"\n'
        'delimiter = "\\t"\nline_ending = "crlf"\n'
        'timezone = "Europe/Berlin"\ndatetime_format = "%d.%m.%Y %H:%M"\nquoting = "all"\n'
        '[[columns]]\nheader = "Nr"\nfield = "number"\n'
        '[[columns]]\nheader = "Datum"\nfield = "date_created"\n'
        '[[columns]]\nheader = "Name"\ntemplate = "{billing.last_name}, {billing.first_name}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "legacy.txt"
    assert export(shop, "-m", str(mapping), "-o", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.count(b"\r\n") == len(orders) + 1 and raw.startswith(b'"Nr"\t"Datum"\t"Name"\r\n')
    frame = pl.read_csv(out, separator="\t", encoding="windows-1252", infer_schema=False)
    berlin = ZoneInfo("Europe/Berlin")
    for row, order in zip(frame.iter_rows(named=True), orders, strict=True):
        created = datetime.fromisoformat(order["date_created_gmt"] + "+00:00").astimezone(berlin)
        assert row["Datum"] == created.strftime("%d.%m.%Y %H:%M")
        expected = f"{order['billing']['last_name']}, {order['billing']['first_name']}"
        expected = expected.encode("cp1252", "replace").decode("cp1252")
        assert row["Name"].lstrip("'") == expected
    assert any("?ukasz" in name for name in frame["Name"].to_list())
