"""What users get wrong, run through the CLI as they would type it (QA pass).

Each test names the mistake; each expects the documented exit code and a message naming the
option, key, file or line — never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.errors import UsageError
from bulkio.safety import parse_count, parse_percent, resolve_limits

ROOT = Path(__file__).resolve().parents[2]
NOWHERE = "http://127.0.0.1:9"
"""A URL nothing answers: the tests below must stop before any request (exit 2, not 4)."""


def _bulkio(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--max-price-drop", "-5", "negative"),
        ("--max-price-drop", "-5%", "negative"),
        ("--max-price-drop", "150", "above 100%"),
        ("--max-change-share", "101", "above 100%"),
        ("--min-rows-share", "200", "above 100%"),
        ("--max-changes", "-1", "negative"),
        ("--max-changes", "inf", "not a whole number"),
        ("--max-changes", "nan", "not a whole number"),
    ],
)
def test_out_of_range_limit_option_is_exit_2_naming_it(option: str, value: str, words: str) -> None:
    code, output = _bulkio(
        "import",
        str(ROOT / "samples/supplier-products.csv"),
        "-m",
        str(ROOT / "mappings/supplier-csv.toml"),
        "--dry-run",
        "--url",
        NOWHERE,
        "--key",
        "ck_x",
        "--secret",
        "cs_x",
        f"{option}={value}",
    )
    assert code == 2, output
    assert option in output and words in output
    assert "Traceback" not in output


def test_negative_limit_no_longer_means_off() -> None:
    with pytest.raises(UsageError, match="negative"):
        parse_percent("-5", where="--max-price-drop")
    with pytest.raises(UsageError, match="negative"):
        parse_count(-1, where="x")
    with pytest.raises(UsageError, match=r"\[limits\] max_hide"):
        resolve_limits({"max_hide": -3}, mapping_path="m.toml")
    # off still disables, a price rise may exceed 100 %, 100 % drop is allowed
    assert parse_percent("off", where="x") is None
    limits = resolve_limits(cli={"max_price_rise": "300", "max_price_drop": "100"})
    assert limits.max_price_rise == 3.0 and limits.max_price_drop == 1.0


def test_utf8_feed_read_with_a_cp1252_mapping_is_exit_2_not_mojibake(tmp_path: Path) -> None:
    # The supplier switched their export to UTF-8 (no BOM); the mapping still says cp1252.
    cp1252_feed = (ROOT / "samples/supplier-products.csv").read_bytes()
    utf8_feed = tmp_path / "supplier-utf8.csv"
    utf8_feed.write_bytes(cp1252_feed.decode("cp1252").encode("utf-8"))
    mapping = str(ROOT / "mappings/supplier-csv.toml")

    code, output = _bulkio("mapping", "validate", mapping, "--sample", str(utf8_feed))
    assert code == 2, output
    assert f"{utf8_feed}:2:" in output and "UTF-8" in output and "'cp1252'" in output
    assert 'encoding = "utf-8"' in output  # the fix, in the hint
    assert "Brämer" in output and "BrÃ¤mer" in output  # what it is, and what it would become

    # the real cp1252 file, and a pure-ASCII one, still read with the cp1252 mapping
    code, output = _bulkio(
        "mapping", "validate", mapping, "--sample", str(ROOT / "samples/supplier-products.csv")
    )
    assert code == 0, output
    ascii_feed = tmp_path / "ascii.csv"
    ascii_feed.write_bytes(cp1252_feed.decode("cp1252").encode("ascii", "replace"))
    code, output = _bulkio("mapping", "validate", mapping, "--sample", str(ascii_feed))
    assert code == 0, output


def test_export_mapping_given_to_import_says_which_kind_it_is() -> None:
    code, output = _bulkio(
        "import",
        str(ROOT / "samples/supplier-products.csv"),
        "-m",
        str(ROOT / "mappings/export-accounting.toml"),
        "--dry-run",
        "--url",
        NOWHERE,
    )
    assert code == 2, output
    assert "export-accounting.toml: this is an export mapping" in output
    assert "bulkio export orders" in output and "unknown key" not in output


def test_import_mapping_given_to_export_says_which_kind_it_is(tmp_path: Path) -> None:
    code, output = _bulkio(
        "export",
        "orders",
        "-m",
        str(ROOT / "mappings/supplier-csv.toml"),
        "-o",
        str(tmp_path / "orders.csv"),
        "--url",
        NOWHERE,
    )
    assert code == 2, output
    assert "supplier-csv.toml: this is an import mapping" in output
    assert "bulkio import" in output and "unknown key" not in output
    assert not (tmp_path / "orders.csv").exists()


def test_stock_xml_diff_names_records_like_product_xml_does() -> None:
    # The diff of an XML stock feed said "(line 1)" for record 1 (whose file line is 5), while
    # product XML feeds say "(record 1)"; a user looking for line 1 finds the XML declaration.
    from bulkio.mapping import load_mapping
    from bulkio.plan import render_diff
    from bulkio.plan.stock_state import stock_state_frame
    from bulkio.records import build_records
    from bulkio.stock import build_stock_plan

    mapping = load_mapping(ROOT / "mappings/stock-xml.toml")
    records = build_records(mapping, ROOT / "samples/stock-feed.xml")
    store = [
        {
            "id": 1,
            "sku": "SKU-000001",
            "type": "simple",
            "parent_id": 0,
            "manage_stock": True,
            "stock_quantity": 9,
            "stock_status": "instock",
            "backorders": "notify",
            "date_modified_gmt": "2026-11-24T10:00:00",
        }
    ]
    plan = build_stock_plan(mapping, records, stock_state_frame(store))
    assert plan.line_unit == "record"
    assert "~ SKU SKU-000001  (record 1) update product #1" in render_diff(plan, colour=False)


@pytest.mark.parametrize("url", ["127.0.0.1:8080", "ftp://shop.example"])
def test_doctor_with_a_malformed_url_is_exit_2_like_every_other_command(url: str) -> None:
    # docs/connection.md: exit 2 for bad options — nothing was sent; import already did so.
    code, output = _bulkio("doctor", "--url", url, "--key", "ck_x", "--secret", "cs_x")
    assert code == 2, output
    assert "FAIL  connection" in output and "--url" in output
    code, output = _bulkio("doctor", "--url", url, "--key", "ck_x", "--secret", "cs_x", "--json")
    assert code == 2 and '"exit_code": 2' in output


def test_https_url_for_a_plain_http_store_says_so_not_certificate(sandbox: Any) -> None:
    # A user types https:// for a store (here the sandbox) that speaks plain HTTP on that port:
    # "could not verify the certificate, use --ca-bundle" sent them the wrong way.
    key, secret = sandbox.keys["read_write"]
    https_url = sandbox.url.replace("http://", "https://")
    code, output = _bulkio("doctor", "--url", https_url, "--key", key, "--secret", secret)
    assert code == 4, output
    assert "does not speak HTTPS" in output and "http://" in output
    assert "--ca-bundle" not in output
    assert secret not in output


def test_negative_stock_of_a_backordered_product_round_trips(tmp_path: Path) -> None:
    # WooCommerce exports a backordered product as Stock -2, Backorders allowed? notify: the
    # WooCommerce-layout import rejected it ("must not be negative"), so a catalog exported
    # from one store could not be imported into another. Negative stock passes where the row's
    # own backorders allow it, and is still rejected (with the reason) where they do not.
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[fields]\nsku = "sku"\nstock_quantity = { column = "stock", type = "int" }\n'
        'backorders = { column = "bo", map = { "1" = "yes", "0" = "no", "notify" = "notify" } }\n',
        encoding="utf-8",
    )
    feed = tmp_path / "f.csv"
    feed.write_text("sku,stock,bo\nA,-2,notify\nB,-2,1\nC,-2,0\nD,-2,\nE,4,0\n", encoding="utf-8")
    code, output = _bulkio("mapping", "validate", str(mapping), "--sample", str(feed), "--json")
    assert code == 1, output
    report = json.loads(output)
    rejected = {row["sku"]: row for row in report["sample"]["rejected"]}
    assert set(rejected) == {"C", "D"}
    assert rejected["C"]["code"] == "negative-number"
    assert "negative stock needs backorders 'notify' or 'yes'" in rejected["C"]["message"]
    accepted = {row["payload"]["sku"]: row["payload"] for row in report["sample"]["payloads"]}
    assert accepted["A"]["stock_quantity"] == -2 and accepted["B"]["backorders"] == "yes"
    assert set(accepted) == {"A", "B", "E"}

    # without backorders in the mapping, negative stock is rejected as before
    mapping.write_text(
        '[fields]\nsku = "sku"\nstock_quantity = { column = "stock", type = "int" }\n',
        encoding="utf-8",
    )
    code, output = _bulkio("mapping", "validate", str(mapping), "--sample", str(feed))
    assert code == 1 and "must not be negative" in output


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (
            ["import", "samples/supplier-products.csv", "-m", "mappings/supplier-csv.toml"],
            "--report",
        ),
        (
            ["import", "samples/supplier-products.csv", "-m", "mappings/supplier-csv.toml"],
            "--plan-out",
        ),
        (["catalog", "import", "samples/catalog-woocommerce.csv"], "--report"),
        (["catalog", "import", "samples/catalog-woocommerce.csv"], "--plan-out"),
    ],
)
def test_report_or_plan_in_a_missing_directory_is_exit_2_before_any_request(
    tmp_path: Path, command: list[str], option: str
) -> None:
    # It used to be found only when the file was written — after the store had been changed —
    # and ended the run with a FileNotFoundError traceback, losing the report.
    args = [str(ROOT / part) if "/" in part else part for part in command]
    target = tmp_path / "no-such-dir" / "out.file"
    code, output = _bulkio(
        *args, option, str(target), "--url", NOWHERE, "--key", "k", "--secret", "s"
    )
    assert code == 2, output
    assert option in output and "does not exist" in output and "no-such-dir" in output
    assert "Traceback" not in output


def test_sigterm_mid_export_is_exit_130_and_leaves_no_temporary_file(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    # systemd stops a unit past TimeoutStartSec with SIGTERM: the export used to die on the
    # spot (exit -15), skipping the cleanup Ctrl-C gets (temporary file, run log, lock).
    import signal
    import subprocess
    import sys
    import time

    from bulkio.sandbox.faults import FaultPlan

    store = sandbox_factory(seed_orders=120, faults=FaultPlan(per_request=0.4))
    key, secret = store.keys["read_write"]
    out = tmp_path / "out"
    out.mkdir()
    command = [sys.executable, "-m", "bulkio", "export", "orders", "-o", str(out / "o.csv")]
    command += ["-m", str(ROOT / "mappings/export-warehouse.toml"), "--concurrency", "1"]
    command += ["--url", store.url, "--key", key, "--secret", secret]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while len(store.request_log) < 2 and time.monotonic() < deadline:  # inside the command
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert list(out.iterdir()) == []


def test_json_dry_run_stopped_by_a_limit_still_prints_its_plan(sandbox: Any) -> None:
    # `--json` promises one JSON document on stdout; a dry run stopped by a safety limit
    # printed nothing there (the text output shows the plan, docs/cron.md: "the way to see
    # exactly what a stopped run wanted to do").
    key, secret = sandbox.keys["read_write"]
    result = CliRunner().invoke(
        main,
        [
            "import",
            str(ROOT / "samples/supplier-products.csv"),
            "-m",
            str(ROOT / "mappings/supplier-csv.toml"),
            "--dry-run",
            "--json",
            "--max-changes",
            "1",
            "--url",
            sandbox.url,
            "--key",
            key,
            "--secret",
            secret,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 3, result.output
    document = json.loads(result.stdout)
    assert document["dry_run"] is True
    assert len(document["plan"]["creates"]) > 1  # what the stopped run wanted to write
    assert "max_changes" in document["stopped_by_limits"]
    assert "max_changes" in result.stderr


def test_xlsx_parquet_or_utf16_feed_given_to_a_csv_mapping_says_what_the_file_is(
    tmp_path: Path,
) -> None:
    # "byte(s) 9d cannot be decoded as cp1252 — check [source] encoding" sent users hunting
    # for an encoding problem when the supplier had sent an Excel workbook.
    import openpyxl
    import polars as pl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Artikelnr", "Preis"])
    xlsx = tmp_path / "supplier.xlsx"
    workbook.save(xlsx)
    parquet = tmp_path / "supplier.parquet"
    pl.DataFrame({"Artikelnr": ["A"]}).write_parquet(parquet)
    utf16 = tmp_path / "unicode-text.csv"
    utf16.write_text(
        (ROOT / "samples/supplier-products.csv").read_bytes().decode("cp1252"), encoding="utf-16"
    )
    mapping = str(ROOT / "mappings/supplier-csv.toml")
    expected = {
        xlsx: ("Excel workbook (XLSX)", "save it as CSV"),
        parquet: ("Parquet file", "as CSV"),
        utf16: ("UTF-16", 'encoding = "utf-16"'),
    }
    for feed, (what, fix) in expected.items():
        code, output = _bulkio("mapping", "validate", mapping, "--sample", str(feed))
        assert code == 2, output
        assert f"{feed}:1:" in output and what in output and fix in output, output
        assert "cannot be decoded" not in output and "NUL byte" not in output


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_sandbox_port_out_of_range_is_exit_2_naming_the_option(port: str) -> None:
    # --port 99999 ended in an OverflowError traceback from bind().
    code, output = _bulkio("sandbox", "--port", port)
    assert code == 2, output
    assert "--port" in output and "0<=x<=65535" in output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["doctor", "--timeout", "nan"], "--timeout"),
        (["doctor", "--timeout", "1e308"], "--timeout"),
        (
            ["export", "orders", "-m", "m.toml", "-o", "o.csv", "--safety-margin", "1e12"],
            "--safety-margin",
        ),
        (
            ["export", "orders", "-m", "m.toml", "-o", "o.csv", "--safety-margin", "nan"],
            "--safety-margin",
        ),
    ],
)
def test_absurd_seconds_are_exit_2_naming_the_option(args: list[str], option: str) -> None:
    # They passed the plain FloatRange and crashed later: "Invalid value NaN" from the socket,
    # "timestamp out of range for platform time_t", "date value out of range" — tracebacks.
    code, output = _bulkio(*args, "--url", NOWHERE, "--key", "k", "--secret", "s")
    assert code == 2, output
    assert option in output and "Traceback" not in output


def test_export_date_typo_is_exit_2_and_a_refused_date_gets_a_date_hint(
    sandbox: Any, tmp_path: Path
) -> None:
    # --after 0001-01-01 ended in "OverflowError: date value out of range"; a date the store
    # refused got the hint "statuses are the store's slugs".
    key, secret = sandbox.keys["read_write"]
    code, output = _bulkio(
        "export", "orders", "-m", str(ROOT / "mappings/export-accounting.toml"),
        "-o", str(tmp_path / "o.csv"), "--after", "0001-01-01",
        "--url", sandbox.url, "--key", key, "--secret", secret,
    )  # fmt: skip
    assert code == 2, output
    assert "--after '0001-01-01' is before 1900" in output and "Traceback" not in output

    from bulkio.config import resolve_settings
    from bulkio.errors import UsageError as Usage
    from bulkio.export.fetch import _first_page
    from bulkio.store import StoreClient

    settings = resolve_settings(url=sandbox.url, key=key, secret=secret)
    with StoreClient(settings) as client, pytest.raises(Usage) as refused:
        _first_page(client, {"after": "not-a-date", "dates_are_gmt": "true"})
    assert "--after" in str(refused.value) and "dates are" in str(refused.value)
    assert "statuses" not in str(refused.value)


def test_export_customer_id_beyond_64_bits_is_exit_2(tmp_path: Path) -> None:
    # It went to the store as is; the sandbox dropped the connection (exit 4 after 5 tries).
    code, output = _bulkio(
        "export", "orders", "-m", str(ROOT / "mappings/export-accounting.toml"),
        "-o", str(tmp_path / "o.csv"), "--customer", "99999999999999999999999",
        "--url", NOWHERE, "--key", "k", "--secret", "s",
    )  # fmt: skip
    assert code == 2, output
    assert "--customer" in output
