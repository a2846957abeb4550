"""``bulkio export products -m MAPPING``: product export mappings, every format, filters, paging.

All over real HTTP against the sandbox; the expected values are read back from the sandbox's
own state, not written into the tests.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner
from lxml import etree

from bulkio.cli import main
from bulkio.export import load_export_mapping, parse_export_mapping
from bulkio.export.product_rows import ProductQuery, export_products_with_mapping
from bulkio.sandbox import Sandbox
from tests.catalog.helpers import ROOT, client_for

SIMPLE = ROOT / "mappings" / "export-products-simple.toml"


def _store(sb: Sandbox) -> list[str]:
    key, secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret]


def _export(sb: Sandbox, *args: str) -> Any:
    return CliRunner().invoke(main, ["export", "products", *args, *_store(sb)])


def _expected_skus(sb: Sandbox) -> list[str]:
    """Store order (id) with each variable product's variations (by id) right after it."""
    skus: list[str] = []
    for product in sorted(sb.products(), key=lambda p: p["id"]):
        if product["type"] == "variation":
            continue
        skus.append(product["sku"])
        if product["type"] == "variable":
            skus += [v["sku"] for v in sorted(sb.variations(product["id"]), key=lambda v: v["id"])]
    return skus


def _category_path(sb: Sandbox) -> Callable[[int], str]:
    terms = {t["id"]: t for t in sb.terms("categories")}

    def path(term_id: int) -> str:
        term = terms[term_id]
        name = html.unescape(term["name"])
        return (path(term["parent"]) + " > " if term["parent"] else "") + name

    return path


def _read_csv(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_simple_mapping_writes_products_and_variations_with_decimal_comma(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = sandbox_factory(seed_products=40, seed=3)
    out = tmp_path / "prices.csv"
    result = _export(sb, "-m", str(SIMPLE), "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = _read_csv(out)
    assert [r["SKU"] for r in rows] == _expected_skus(sb)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # utf-8-sig: Excel reads it
    path = _category_path(sb)
    by_sku = {r["SKU"]: r for r in rows}
    variations_seen = 0
    for product in sb.products():
        if product["type"] == "variation":
            continue
        row = by_sku[product["sku"]]
        assert row["Name"] == product["name"]
        assert row["Categories"] == " | ".join(path(c["id"]) for c in product["categories"])
        if product["regular_price"]:
            assert row["Price"] == f"{Decimal(product['regular_price']):.2f}".replace(".", ",")
        for variation in sb.variations(product["id"]) if product["type"] == "variable" else []:
            variations_seen += 1
            vrow = by_sku[variation["sku"]]
            assert vrow["Parent SKU"] == product["sku"]
            assert vrow["Type"] == "variation"
            # Categories come from the parent; price and stock are the variation's own.
            assert vrow["Categories"] == row["Categories"]
            assert vrow["Price"] == f"{Decimal(variation['regular_price']):.2f}".replace(".", ",")
            assert vrow["Stock"] == (
                str(variation["stock_quantity"]) if variation["manage_stock"] else ""
            )
            assert vrow["Attributes"] == " | ".join(
                f"{a['name']}: {a['option']}" for a in variation["attributes"]
            )
    assert variations_seen > 0
    assert f"as {len(rows)} row(s) to {out}" in result.output and "[csv]" in result.output


@pytest.mark.parametrize("fmt", ["xlsx", "xml", "parquet", "jsonl"])
def test_every_export_format(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path, fmt: str
) -> None:
    sb = sandbox_factory(seed_products=15, seed=5)
    with client_for(sb) as client:
        first = min(p["id"] for p in sb.products() if p["type"] == "simple")
        client.put(f"products/{first}", {"name": '=HYPERLINK("http://x")', "regular_price": "12.5"})
    out = tmp_path / f"products.{fmt}"
    result = _export(sb, "-m", str(SIMPLE), "-o", str(out))
    assert result.exit_code == 0, result.output
    expected = _expected_skus(sb)
    first_sku = sb.product(first)["sku"]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(out).active
        assert sheet is not None
        values = list(sheet.iter_rows(values_only=True))
        header = list(values[0])
        records = [dict(zip(header, row, strict=True)) for row in values[1:]]
        assert [r["SKU"] for r in records] == expected
        hyper = next(r for r in records if r["SKU"] == first_sku)
        assert hyper["Price"] == 12.5  # a real number, not text
        cell = next(c for c in sheet["C"] if c.value == '=HYPERLINK("http://x")')
        assert cell.data_type == "s"  # text, never a formula
        assert cell.quotePrefix
    elif fmt == "xml":
        tree = etree.parse(str(out), etree.XMLParser(resolve_entities=False, no_network=True))
        root = tree.getroot()
        assert root.tag == "products"
        records = root.findall("product")
        assert [r.findtext("SKU") for r in records] == expected
        hyper = next(r for r in records if r.findtext("SKU") == first_sku)
        assert hyper.findtext("Price") == "12,50"
    elif fmt == "parquet":
        frame = pl.read_parquet(out)
        assert frame["SKU"].to_list() == expected
        assert frame.schema["Price"] == pl.Decimal(18, 2)
        assert frame.filter(pl.col("SKU") == first_sku)["Price"].to_list() == [Decimal("12.50")]
    else:
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [line["SKU"] for line in lines] == expected
        hyper = next(line for line in lines if line["SKU"] == first_sku)
        assert hyper["Price"] == 12.5
        assert hyper["Name"] == '=HYPERLINK("http://x")'


def test_formula_like_text_is_neutralised_in_csv(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.create_product({"sku": "F-1", "name": "=1+2", "regular_price": "-3"})
    out = tmp_path / "p.csv"
    assert _export(sandbox, "-m", str(SIMPLE), "-o", str(out)).exit_code == 0
    row = _read_csv(out)[0]
    assert row["Name"] == "'=1+2"
    assert row["Price"] == "-3,00"  # a number stays a number


def test_filters_are_sent_to_the_store_and_cut_exactly(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    now = [datetime(2026, 11, 1, 9, 0, tzinfo=UTC)]
    sb = sandbox_factory(seed_products=30, seed=11, clock=lambda: now[0])
    products = sorted((p for p in sb.products() if p["type"] != "variation"), key=lambda p: p["id"])
    variable = [p for p in products if p["type"] == "variable"]
    now[0] += timedelta(days=3)
    with client_for(sb) as client:
        touched = [products[0]["id"], variable[-1]["id"]]
        for product_id in touched:
            client.put(f"products/{product_id}", {"description": "changed"})
        client.put(f"products/{products[1]['id']}", {"status": "draft"})
    # --modified-after: only the three changed products (and the variable one's variations).
    out = tmp_path / "modified.csv"
    result = _export(
        sb, "-m", str(SIMPLE), "-o", str(out), "--modified-after", "2026-11-04T09:00:00Z"
    )
    assert result.exit_code == 0, result.output
    rows = _read_csv(out)
    parents = [r["SKU"] for r in rows if r["Type"] != "variation"]
    changed = sorted([*touched, products[1]["id"]])
    assert parents == [sb.product(i)["sku"] for i in changed]
    assert len(rows) == 3 + len(sb.variations(variable[-1]["id"]))
    listing = [r for r in sb.request_log if r.route == "/wc/v3/products"]
    assert listing and all(r.query.get("orderby") == "id" for r in listing)
    assert listing[0].query.get("dates_are_gmt") == "true"
    assert listing[0].query.get("modified_after") == "2026-11-04T08:59:59"
    # --status draft
    out = tmp_path / "drafts.csv"
    assert _export(sb, "-m", str(SIMPLE), "-o", str(out), "--status", "draft").exit_code == 0
    drafts = [
        p["sku"]
        for p in sorted(sb.products(), key=lambda p: p["id"])
        if p["status"] == "draft" and p["type"] != "variation"
    ]
    assert products[1]["sku"] in drafts and len(drafts) < len(products)
    assert [r["SKU"] for r in _read_csv(out) if r["Type"] != "variation"] == drafts
    # --type variable: parents and their variations only
    out = tmp_path / "variable.csv"
    assert _export(sb, "-m", str(SIMPLE), "-o", str(out), "--type", "variable").exit_code == 0
    rows = _read_csv(out)
    assert {r["SKU"] for r in rows if r["Type"] != "variation"} == {p["sku"] for p in variable}
    assert {r["Type"] for r in rows} == {"variable", "variation"}
    # --category by path: the products the store lists for that category id
    path = _category_path(sb)
    term = next(t for t in sb.terms("categories") if t["parent"] and t["count"] >= 1)
    out = tmp_path / "category.csv"
    result = _export(sb, "-m", str(SIMPLE), "-o", str(out), "--category", path(term["id"]))
    assert result.exit_code == 0, result.output
    in_category = {
        p["sku"]
        for p in products
        if any(c["id"] == term["id"] for c in sb.product(p["id"])["categories"])
    }
    rows = _read_csv(out)
    assert in_category and {r["SKU"] for r in rows if r["Type"] != "variation"} == in_category
    assert any(
        r.route == "/wc/v3/products" and r.query.get("category") == str(term["id"])
        for r in sb.request_log
    )
    # An unknown category is a usage error naming the option; nothing is written.
    out = tmp_path / "none.csv"
    result = _export(sb, "-m", str(SIMPLE), "-o", str(out), "--category", "No Such > Thing")
    assert result.exit_code == 2 and "--category" in result.output and not out.exists()


def test_pages_are_read_concurrently_in_id_order(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = sandbox_factory(seed_products=260, seed=2)
    mapping = parse_export_mapping(
        {
            "resource": "products",
            "output": {"variations": "skip"},
            "columns": [{"header": "id", "field": "id"}, {"header": "sku", "field": "sku"}],
        }
    )
    with client_for(sb) as client:
        result = export_products_with_mapping(
            client, mapping, tmp_path / "ids.jsonl", query=ProductQuery(), concurrency=3
        )
    lines = [json.loads(line) for line in (tmp_path / "ids.jsonl").read_text().splitlines()]
    ids = [p["id"] for p in sb.products() if p["type"] != "variation"]
    assert [line["id"] for line in lines] == sorted(ids)
    assert result.products == len(ids) and result.variations == 0
    pages = [r for r in sb.request_log if r.route == "/wc/v3/products"]
    assert sorted(int(r.query["page"]) for r in pages) == [1, 2, 3]
    assert all(r.query["per_page"] == "100" and r.query["orderby"] == "id" for r in pages)
    # Only the fields the columns need are asked for.
    assert set(pages[0].query["_fields"].split(",")) == {
        "id",
        "sku",
        "type",
        "parent_id",
        "date_created_gmt",
        "date_modified_gmt",
    }
    assert not any("variations" in r.route for r in sb.request_log)


def test_existing_output_is_kept_without_overwrite(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.create_product({"sku": "A-1", "name": "A", "regular_price": "1"})
    out = tmp_path / "p.xlsx"
    out.write_text("keep me")
    result = _export(sandbox, "-m", str(SIMPLE), "-o", str(out))
    assert result.exit_code == 2 and out.read_text() == "keep me"
    result = _export(sandbox, "-m", str(SIMPLE), "-o", str(out), "--overwrite")
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).active["A2"].value == "A-1"  # type: ignore[index]
    assert not list(tmp_path.glob("*.tmp*")) and sorted(p.name for p in tmp_path.iterdir()) == [
        "p.xlsx"
    ]


def test_mapping_errors_name_the_key(sandbox: Sandbox, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('resource = "products"\n[[columns]]\nheader = "Mail"\nfield = "billing.email"\n')
    result = _export(sandbox, "-m", str(bad), "-o", str(tmp_path / "x.csv"))
    assert result.exit_code == 2
    assert "columns[1].field" in result.output and "unknown product field" in result.output
    bad.write_text(
        'resource = "products"\n[output]\nlayout = "line_item"\n[[columns]]\n'
        'header = "SKU"\nfield = "sku"\n'
    )
    result = _export(sandbox, "-m", str(bad), "-o", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and "output.layout" in result.output
    # An order mapping is not a product mapping.
    orders = ROOT / "mappings" / "export-accounting.toml"
    result = _export(sandbox, "-m", str(orders), "-o", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and 'resource = "products"' in result.output
    # WooCommerce's layout stays CSV; the hint points to export mappings.
    core = ROOT / "mappings" / "woocommerce-core.toml"
    result = _export(sandbox, "-m", str(core), "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2 and "export-products-simple.toml" in result.output
    assert not any(tmp_path.glob("x.*"))


def test_shipped_simple_mapping_loads() -> None:
    mapping = load_export_mapping(SIMPLE)
    assert mapping.resource == "products"
    assert mapping.output.decimal_separator == "," and mapping.output.delimiter == ";"
    assert "parent_id" in mapping.store_fields() and "categories" in mapping.store_fields()


def test_order_mappings_refuse_product_options() -> None:
    from bulkio.errors import MappingError

    with pytest.raises(MappingError, match=r"output\.variations"):
        parse_export_mapping(
            {"output": {"variations": "skip"}, "columns": [{"header": "n", "field": "number"}]}
        )
    with pytest.raises(MappingError, match="tax"):
        parse_export_mapping({"resource": "products", "columns": [{"header": "t", "tax": "DE"}]})


def test_woocommerce_layout_stays_the_default_and_takes_the_filters(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = sandbox_factory(seed_products=25, seed=4)
    out = tmp_path / "wc.csv"
    result = _export(sb, "-o", str(out), "--type", "variable")
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    variable = [p for p in sb.products() if p["type"] == "variable"]
    assert {r["Type"] for r in rows} == {"variable", "variation"}  # WooCommerce's columns
    assert {r["SKU"] for r in rows if r["Type"] == "variable"} == {p["sku"] for p in variable}
    assert sum(r["Type"] == "variation" for r in rows) == sum(
        len(sb.variations(p["id"])) for p in variable
    )
    listing = [r for r in sb.request_log if r.route == "/wc/v3/products"]
    assert listing and all(r.query.get("type") == "variable" for r in listing)


def test_templates_computes_values_and_dates_work_on_products(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.create_product(
        {
            "sku": "T-1",
            "name": "Tea",
            "regular_price": "10.00",
            "sale_price": "7.50",
            "dimensions": {"length": "4", "width": "5", "height": "6"},
            "meta_data": [{"key": "origin", "value": "Assam"}],
        }
    )
    mapping = parse_export_mapping(
        {
            "resource": "products",
            "output": {"date_format": "%d.%m.%Y"},
            "columns": [
                {"header": "label", "template": "{sku} / {name} ({meta:origin})"},
                {"header": "saving", "compute": "regular_price - sale_price"},
                {
                    "header": "volume",
                    "compute": "dimensions.length * dimensions.width * dimensions.height",
                    "type": "int",
                },
                {"header": "feed", "value": "shop"},
                {"header": "changed", "field": "date_modified", "type": "date"},
            ],
        }
    )
    out = tmp_path / "t.csv"
    with client_for(sandbox) as client:
        export_products_with_mapping(client, mapping, out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    product = sandbox.product_by_sku("T-1")
    assert product is not None
    changed = datetime.fromisoformat(product["date_modified"]).strftime("%d.%m.%Y")
    assert rows == [
        {
            "label": "T-1 / Tea (Assam)",
            "saving": "2.50",
            "volume": "120",
            "feed": "shop",
            "changed": changed,
        }
    ]


def test_unencodable_character_names_the_product_and_column(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    created = sandbox.create_product({"sku": "L-1", "name": "Łódź mug", "regular_price": "3"})
    mapping = tmp_path / "cp.toml"
    mapping.write_text(
        'resource = "products"\n[output]\nencoding = "cp1252"\n'
        '[[columns]]\nheader = "SKU"\nfield = "sku"\n[[columns]]\nheader = "Name"\nfield = "name"\n'
    )
    out = tmp_path / "p.csv"
    result = _export(sandbox, "-m", str(mapping), "-o", str(out))
    assert result.exit_code == 2
    assert f"product id {created['id']}, column 'Name'" in result.output
    assert not out.exists()
