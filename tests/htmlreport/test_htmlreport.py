"""The HTML run report: what the page says equals the run's JSON; it renders in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from bulkio.cli import main
from bulkio.htmlreport import bucket_counts, price_changes, render_html_report, write_html_report
from bulkio.sandbox import Sandbox

MAPPING = """
[source]
format = "csv"

[target]
resource = "product"

[fields]
sku = "sku"
name = "name"
regular_price = { column = "price", type = "money" }
stock_quantity = { column = "stock", type = "int" }
"""
# old price 100.00 → new price: the percent change is the new price minus 100
NEW_PRICES = [
    "40.00",
    "75.00",
    "92.00",
    "97.00",
    "99.00",
    "101.00",
    "104.00",
    "108.00",
    "115.00",
    "130.00",
    "180.00",
    "100.00",
]


def write_feed(path: Path, prices: list[str], *, extra: list[list[str]] = ()) -> None:  # type: ignore[assignment]
    lines = ["sku,name,price,stock"]
    lines += [f"R-{n:02d},Product {n},{price},{n}" for n, price in enumerate(prices, start=1)]
    lines += [",".join(row) for row in extra]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_import(sb: Sandbox, feed: Path, mapping: Path, *extra: str) -> dict[str, Any]:
    key, secret = sb.keys["read_write"]
    result = CliRunner().invoke(
        main,
        [
            "import",
            str(feed),
            "-m",
            str(mapping),
            "--json",
            *extra,
            "--url",
            sb.url,
            "--key",
            key,
            "--secret",
            secret,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1, 3), result.output
    return json.loads(result.stdout)


@pytest.fixture
def document(sandbox: Sandbox, tmp_path: Path) -> dict[str, Any]:
    """A real run: 12 products created at 100.00, then re-priced, renamed and with bad rows
    (one of them trying to inject markup)."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    feed = tmp_path / "feed.csv"
    write_feed(feed, ["100.00"] * len(NEW_PRICES))
    run_import(sandbox, feed, mapping)
    hostile = ["<script>alert(1)</script>", "<b>x</b>", "abc", "1"]
    write_feed(feed, NEW_PRICES, extra=[hostile, ["R-99", "Bad", "-5", "2"]])
    return run_import(sandbox, feed, mapping, "--no-limits")


def test_a_run_stopped_by_limits_names_them(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    feed = tmp_path / "feed.csv"
    write_feed(feed, ["100.00"] * len(NEW_PRICES))
    run_import(sandbox, feed, mapping)
    write_feed(feed, NEW_PRICES)
    stopped = run_import(sandbox, feed, mapping)
    page = page_of(stopped)
    limits = {td.get("data-limit") for td in page.xpath('//*[@id="limits"]//td[@data-limit]')}
    assert limits == {"max_change_share", "max_price_drop"}
    assert "Stopped by a safety limit" in page.text_content()


def page_of(document: dict[str, Any]) -> Any:
    return lxml_html.fromstring(render_html_report(document))


def test_counts_on_the_page_equal_the_json(document: dict[str, Any]) -> None:
    page = page_of(document)
    shown = {
        el.get("data-count"): int(el.text) for el in page.xpath('//*[@id="counts"]//*[@data-count]')
    }
    assert shown == document["result"]["counts"]
    assert shown["updated"] == 11 and shown["rejected"] == 3


def test_price_histogram_matches_the_plan(document: dict[str, Any]) -> None:
    page = page_of(document)
    bars = {
        bar.get("data-bucket"): int(bar.get("data-count"))
        for bar in page.xpath('//*[@id="price-histogram"]//*[local-name()="rect"][@class="bar"]')
    }
    updates = [
        c
        for item in document["plan"]["updates"]
        for c in item["changes"]
        if c["field"] == "regular_price"
    ]
    assert sum(bars.values()) == len(updates) == 11
    assert bars == {
        "< −50 %": 1,
        "−50…−20 %": 1,
        "−20…−10 %": 0,
        "−10…−5 %": 1,
        "−5…0 %": 2,
        "0…5 %": 2,
        "5…10 %": 1,
        "10…20 %": 1,
        "20…50 %": 1,
        "> 50 %": 1,
    }
    biggest = page.xpath('//*[@id="biggest"]//td[@data-percent]')
    assert float(biggest[0].get("data-percent")) == pytest.approx(80.0)


def test_fields_and_problems_match(document: dict[str, Any]) -> None:
    page = page_of(document)
    fields = {
        td.get("data-field"): int(td.text)
        for td in page.xpath('//*[@id="fields"]//td[@data-field]')
    }
    assert fields == {"regular_price": 11}
    rows = page.xpath('//*[@id="problems"]//tr[@class="problem"]')
    assert len(rows) == len(document["problems"]) == 3
    codes = {row.xpath(".//td/code")[-1].text for row in rows}
    assert codes == {p["code"] for p in document["problems"]}


def test_feed_text_is_escaped_never_markup(document: dict[str, Any]) -> None:
    text = render_html_report(document)
    assert "<script>" not in text and "<b>x</b>" not in text
    assert "&lt;script&gt;" in text
    page = lxml_html.fromstring(text)
    assert not page.xpath("//script") and not page.xpath("//b[not(@data-problems)]")
    # nothing to fetch: no external resource of any kind, no script
    assert page.xpath("//@src | //@href | //link | //img | //iframe | //object") == []
    assert "\x1b" not in render_html_report({"problems": [{"kind": "rejected", "sku": "\x1b[2J"}]})


def test_limits_and_dry_run_banner() -> None:
    document = {
        "dry_run": True,
        "plan": {"counts": {"create": 0, "update": 3}},
        "stopped": {
            "limit": "max_price_drop",
            "allowed": "50%",
            "actual": "80%",
            "skus": ["A<1>", "B"],
            "reason": "prices fall more than allowed",
        },
    }
    page = page_of(document)
    assert page.xpath('//*[@id="limits"]//td[@data-limit="max_price_drop"]')
    assert "A<1>" in page.text_content() and "Dry run" in page.text_content()


def test_bucket_edges() -> None:
    changes = [{"percent": p} for p in (-50.0, -5.0, 5.0, 50.0, 0.001)]
    counts = dict(bucket_counts(changes))  # type: ignore[arg-type]
    assert counts["−50…−20 %"] == 1 and counts["−5…0 %"] == 1 and counts["< −50 %"] == 0
    assert counts["0…5 %"] == 2 and counts["20…50 %"] == 1 and counts["> 50 %"] == 0
    assert (
        price_changes(
            {
                "plan": {
                    "updates": [
                        {
                            "sku": "A",
                            "changes": [{"field": "regular_price", "old": "0.00", "new": "5.00"}],
                        }
                    ]
                }
            }
        )
        == []
    )


def _png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct byte values in the decoded pixel data."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = b"", 8
    while offset < len(data):
        length = struct.unpack(">I", data[offset : offset + 4])[0]
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            chunks += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    pixels = zlib.decompress(chunks)
    return width, height, len(set(pixels[:4_000_000]))


def test_renders_in_headless_chromium(document: dict[str, Any], tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium and not os.environ.get("CI"):
        pytest.skip("headless Chromium is not installed (apt-get install -y chromium; CI has it)")
    assert chromium, "headless Chromium is needed: .ci/run installs it (apt-get install chromium)"
    page = write_html_report(document, tmp_path / "report.html")
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1200,1800",
            f"file://{page}",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    width, height, colours = _png_size_and_colours(shot)
    assert (width, height) == (1200, 1800)
    assert shot.stat().st_size > 20_000  # text, a chart and tables, not a blank page
    assert colours > 20


def test_catalog_runs_show_products_and_variations(sandbox: Sandbox, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    feed = root / "samples" / "google-merchant.xml"
    document = run_import(sandbox, feed, root / "mappings" / "google-merchant.toml")
    page = page_of(document)
    shown = {
        el.get("data-count"): int(el.text)
        for el in page.xpath('//*[@id="catalog"]//*[@data-count]')
    }
    assert shown["product_created"] == document["result"]["product_created"] > 0
    assert shown["variation_created"] == document["result"]["variation_created"] > 0


def test_import_writes_the_page_and_a_copy_in_the_run_directory(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """``bulkio import --report-html FILE``: the page the command wrote says what its own
    ``--json`` document says, and the run directory keeps the same page."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    feed = tmp_path / "feed.csv"
    write_feed(feed, ["100.00"] * 3, extra=[["R-99", "Bad", "abc", "2"]])
    runs = tmp_path / "runs"
    page_path = tmp_path / "report.html"
    document = run_import(
        sandbox, feed, mapping, "--report-html", str(page_path), "--runs-dir", str(runs)
    )
    page = lxml_html.fromstring(page_path.read_text(encoding="utf-8"))
    shown = {
        el.get("data-count"): int(el.text) for el in page.xpath('//*[@id="counts"]//*[@data-count]')
    }
    assert shown == document["result"]["counts"]
    assert shown["created"] == 3 and shown["rejected"] == 1
    copies = list(runs.rglob("report.html"))
    assert len(copies) == 1
    assert copies[0].read_text(encoding="utf-8") == page_path.read_text(encoding="utf-8")


def test_a_dry_run_writes_the_page_asked_for_but_keeps_no_run_copy(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    feed = tmp_path / "feed.csv"
    write_feed(feed, ["100.00"] * 2)
    runs = tmp_path / "runs"
    page_path = tmp_path / "dry.html"
    run_import(
        sandbox,
        feed,
        mapping,
        "--dry-run",
        "--report-html",
        str(page_path),
        "--runs-dir",
        str(runs),
    )
    assert "dry run" in lxml_html.fromstring(page_path.read_bytes()).text_content().casefold()
    assert not list(runs.rglob("report.html"))
    assert sandbox.writes() == 0


def test_the_key_is_named_as_the_diff_names_it() -> None:
    """A customer run's page says e-mail where a product run's says SKU (one way of speaking)."""
    from bulkio.htmlreport import render_html_report

    problem = {
        "kind": "rejected",
        "file": "customers.csv",
        "line": 4,
        "sku": "anna@example.com",
        "column": "Email",
        "value": "x",
        "code": "invalid-email",
        "message": "not an e-mail address",
        "unit": "line",
        "source_line": None,
    }
    for resource, label in (("customer", "e-mail"), ("coupon", "code"), ("product", "SKU")):
        page = render_html_report(
            {"dry_run": True, "plan": {"resource": resource, "counts": {}}, "problems": [problem]}
        )
        assert f"<th>where</th><th>{label}</th>" in page, resource
