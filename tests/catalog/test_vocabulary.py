"""The catalog vocabulary of plain mappings, over real HTTP on the sandbox: category paths, grouped
rows, on = "create", currencies, brands, units, images from several columns, and
``resource = "variation"``."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pytest

from bulkio.catalog.apply import CatalogResult, apply_catalog_plan
from bulkio.catalog.feed import CatalogFeed, read_feed
from bulkio.catalog.plan import CatalogPlan, plan_feed
from bulkio.errors import BulkioError
from bulkio.exitcodes import ExitCode
from bulkio.mapping import load_mapping
from bulkio.sandbox import Sandbox
from tests.catalog.helpers import client_for


@dataclass
class Run:
    feed: CatalogFeed
    plan: CatalogPlan
    result: CatalogResult | None
    writes: int


def run_feed(sb: Sandbox, mapping: Path, source: Path, *, dry_run: bool = False) -> Run:
    """Read → plan → apply, as the engine does, counting the writes the run made."""
    loaded = load_mapping(mapping)
    before = sb.writes()
    feed = read_feed(loaded, source)
    with client_for(sb) as client:
        plan = plan_feed(client, feed, mapping_path=loaded.path)
        result = None
        if not dry_run and plan.has_changes:
            result = apply_catalog_plan(client, plan)
    return Run(feed, plan, result, sb.writes() - before)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _paths(sb: Sandbox, taxonomy: str = "categories") -> dict[str, int]:
    terms = {t["id"]: t for t in sb.terms(taxonomy)}

    def path(term_id: int) -> str:
        term = terms[term_id]
        name = html.unescape(term["name"])
        return f"{path(term['parent'])} > {name}" if term.get("parent") else name

    return {path(term_id): term_id for term_id in terms}


ERP_MAPPING = """
[source]
delimiter = ";"
decimal = ","
encoding = "utf-8"

[target]
resource = "product"

[fields]
sku = "Artikelnummer"
name = "Bezeichnung"
regular_price = { column = "Preis", type = "money", currency = "EUR" }
stock_quantity = { column = "Bestand", type = "int", on = "create" }
weight = { column = "Gewicht", type = "decimal", unit = "g" }
categories = { column = "Kategorie", split = "|", hierarchy = ">" }
tags = { column = "Schlagworte", split = "," }
"""

ERP_ROWS = """Artikelnummer;Bezeichnung;Preis;Bestand;Gewicht;Kategorie;Schlagworte
H-100;Hemd Oxford;39,90 EUR;12;350;Bekleidung > Herren > Hemden;baumwolle, business
H-101;Hemd Leinen;44,90;5;280;Bekleidung > Herren > Hemden|Sommer;leinen
D-200;Bluse Seide;EUR 59,00;3;150;Bekleidung > Damen > Blusen;
X-300;Import aus USA;19,99 USD;1;100;Bekleidung;
"""


def test_erp_csv_creates_category_tree_parents_first_and_rerun_writes_nothing(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    mapping = _write(tmp_path / "erp.toml", ERP_MAPPING)
    source = _write(tmp_path / "artikel.csv", ERP_ROWS)

    dry = run_feed(sandbox, mapping, source, dry_run=True)
    assert dry.writes == 0 and dry.plan.counts()["product_create"] == 3
    assert [t.label for t in dry.plan.terms if t.resource == "categories"] == [
        "Bekleidung",
        "Bekleidung > Herren",
        "Bekleidung > Herren > Hemden",
        "Sommer",
        "Bekleidung > Damen",
        "Bekleidung > Damen > Blusen",
    ]
    (wrong,) = dry.plan.rejected
    assert (wrong.sku, wrong.code) == ("X-300", "wrong-currency")
    assert "'19,99 USD'" in wrong.message and "EUR" in wrong.message

    first = run_feed(sandbox, mapping, source)
    assert first.result is not None and not first.result.problems
    paths = _paths(sandbox)
    assert {
        "Bekleidung",
        "Bekleidung > Herren",
        "Bekleidung > Herren > Hemden",
        "Bekleidung > Damen > Blusen",
        "Sommer",
    } <= set(paths)
    # One batch per level (parents first) plus one for the tags.
    term_batches = [
        r
        for r in sandbox.request_log
        if r.route.endswith("/batch")
        and "products/" in r.route
        and ("categories" in r.route or "tags" in r.route)
    ]
    assert len(term_batches) == 4
    shirt = sandbox.product_by_sku("H-101")
    assert shirt is not None
    assert {c["id"] for c in shirt["categories"]} == {
        paths["Bekleidung > Herren > Hemden"],
        paths["Sommer"],
    }
    assert shirt["regular_price"] == "44.90" and shirt["stock_quantity"] == 5
    assert {t["name"] for t in shirt["tags"]} == {"leinen"}
    assert sandbox.product_by_sku("X-300") is None

    again = run_feed(sandbox, mapping, source)
    assert again.writes == 0 and not again.plan.terms
    assert again.plan.counts()["product_unchanged"] == 3


def test_fixed_unit_is_converted_to_the_store_unit(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.store.units = {"weight": "kg", "dimension": "cm"}  # metric (11.x: lbs, in)
    mapping = _write(tmp_path / "erp.toml", ERP_MAPPING)
    source = _write(tmp_path / "artikel.csv", ERP_ROWS)
    run = run_feed(sandbox, mapping, source)
    assert run.feed.units == {"weight": ("Gewicht", "g")}
    assert any("converted to kg" in w for w in run.feed.warnings), run.feed.warnings
    shirt = sandbox.product_by_sku("H-100")
    assert shirt is not None and shirt["weight"] == "0.35"


def test_on_create_is_sent_once_and_never_overwritten(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = _write(tmp_path / "erp.toml", ERP_MAPPING)
    source = _write(tmp_path / "artikel.csv", ERP_ROWS)
    run_feed(sandbox, mapping, source)
    shirt = sandbox.product_by_sku("H-100")
    assert shirt is not None and shirt["stock_quantity"] == 12
    # The warehouse feed owns the stock now; the ERP's nightly file still says 12.
    with client_for(sandbox) as client:
        client.put(f"products/{shirt['id']}", {"stock_quantity": 3})
    changed = _write(
        tmp_path / "artikel2.csv", ERP_ROWS.replace("Hemd Oxford;39,90", "Hemd Oxford;41,00")
    )
    second = run_feed(sandbox, mapping, changed)
    (op,) = [op for op in second.plan.products if op.sku == "H-100"]
    assert op.action == "update" and [c.field for c in op.changes] == ["regular_price"]
    shirt = sandbox.product_by_sku("H-100")
    assert shirt is not None and shirt["stock_quantity"] == 3 and shirt["regular_price"] == "41.00"


MERCHANT_MAPPING = """
[source]
delimiter = ","

[target]
resource = "product"
group_by = "item_group_id"

[fields]
sku = "id"
name = "title"
description = "description"
regular_price = { column = "price", type = "money", currency = "EUR" }
categories = { column = "product_type", hierarchy = ">" }
images = { columns = ["image_link", "additional_image_link"], split = "," }
brands = "brand"

[[attributes]]
name = "Size"
column = "size"
global = true

[[attributes]]
name = "Color"
column = "color"
default_column = "default_color"

[[attributes]]
name = "Material"
column = "material"
variation = false
"""

MERCHANT_ROWS = (
    "id,item_group_id,title,description,price,product_type,image_link"
    ",additional_image_link,brand,size,color,default_color,material\n"
    "TS-S-RED,TS,Tee,Soft tee,19.99 EUR,Apparel > Shirts"
    ',https://img.example.com/ts-red.jpg,"https://img.example.com/ts-1.jpg'
    ',https://img.example.com/ts-2.jpg",Acme,S,Red,Blue,Cotton\n'
    "TS-M-RED,TS,Tee,Soft tee,19.99 EUR,Apparel > Shirts"
    ",https://img.example.com/ts-red.jpg,,Acme,M,Red,,Cotton\n"
    "TS-M-BLU,TS,Tee,Soft tee,21.00,Apparel > Shirts"
    ",https://img.example.com/ts-blue.jpg,,Acme,M,Blue,,Cotton\n"
    "MUG-1,,Mug,A mug,8.50 EUR,Home > Kitchen,https://img.example.com/mug.jpg,,Acme,,"
    ",,\n"
)


def test_grouped_rows_become_a_variable_product_with_variations_and_defaults(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    mapping = _write(tmp_path / "merchant.toml", MERCHANT_MAPPING)
    source = _write(tmp_path / "feed.csv", MERCHANT_ROWS)
    feed = read_feed(load_mapping(mapping), source)
    assert [(i.sku, i.kind, len(i.variations)) for i in feed.items] == [
        ("MUG-1", "simple", 0),
        ("TS", "variable", 3),
    ]
    first = run_feed(sandbox, mapping, source)
    assert first.result is not None and not first.result.problems, first.result.problems
    tee = sandbox.product_by_sku("TS")
    assert tee is not None and tee["type"] == "variable" and tee["name"] == "Tee"
    attributes = {a["name"]: a for a in tee["attributes"]}
    assert attributes["Size"]["variation"] and attributes["Size"]["id"] > 0  # global: pa_size
    assert sorted(attributes["Size"]["options"]) == ["M", "S"]
    assert attributes["Color"]["options"] == ["Red", "Blue"] and attributes["Color"]["variation"]
    assert attributes["Material"] == {
        **attributes["Material"],
        "options": ["Cotton"],
        "variation": False,
    }
    assert [(d["name"], d["option"]) for d in tee["default_attributes"]] == [("Color", "Blue")]
    # The parent takes the first row's images: featured, then the gallery in order.
    assert len(tee["images"]) == 3
    assert [c["name"] for c in tee["categories"]] == ["Shirts"]
    assert [b["name"] for b in tee["brands"]] == ["Acme"]
    variations = {v["sku"]: v for v in sandbox.variations(tee["id"])}
    assert set(variations) == {"TS-S-RED", "TS-M-RED", "TS-M-BLU"}
    assert variations["TS-M-BLU"]["regular_price"] == "21.00"
    assert {(a["name"], a["option"]) for a in variations["TS-S-RED"]["attributes"]} == {
        ("Size", "S"),
        ("Color", "Red"),
    }
    assert variations["TS-M-BLU"]["image"] is not None

    again = run_feed(sandbox, mapping, source)
    assert again.writes == 0, [(op.sku, op.changes) for op in again.plan.products]


def test_brands_are_refused_up_front_on_a_store_before_9_6(tmp_path: Path) -> None:
    mapping = _write(tmp_path / "merchant.toml", MERCHANT_MAPPING)
    source = _write(tmp_path / "feed.csv", MERCHANT_ROWS)
    with Sandbox(wc_version="7.9.0") as old:
        with pytest.raises(BulkioError) as caught:
            run_feed(old, mapping, source, dry_run=True)
        assert old.writes() == 0
    error = caught.value
    assert error.exit_code == ExitCode.USAGE == 2
    assert "[fields.brands]" in str(error) and "9.6" in str(error)
    assert "merchant.toml" in str(error)


def test_categories_by_id_still_work_with_type_int(sandbox: Sandbox, tmp_path: Path) -> None:
    with client_for(sandbox) as client:
        garden = client.post("products/categories", {"name": "Garten"})["id"]
    mapping = _write(
        tmp_path / "ids.toml",
        '[fields]\nsku = "SKU"\nname = "Name"\n'
        'categories = { column = "Cat", split = "|", type = "int" }\n',
    )
    source = _write(tmp_path / "ids.csv", f"SKU,Name,Cat\nSPADE,Spade,{garden}\n")
    run = run_feed(sandbox, mapping, source)
    assert run.result is not None and not run.result.problems
    spade = sandbox.product_by_sku("SPADE")
    assert spade is not None and [c["id"] for c in spade["categories"]] == [garden]
    assert run_feed(sandbox, mapping, source).writes == 0


VARIATION_MAPPING = """
[target]
resource = "variation"

[fields]
sku = "SKU"
regular_price = { column = "Price", type = "money" }
stock_quantity = { column = "Qty", type = "int" }
"""


def test_variation_resource_updates_variations_and_never_creates(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    mapping = _write(tmp_path / "variations.toml", VARIATION_MAPPING)
    merchant = _write(tmp_path / "merchant.toml", MERCHANT_MAPPING)
    run_feed(sandbox, merchant, _write(tmp_path / "feed.csv", MERCHANT_ROWS))
    products_before = len(sandbox.products())
    source = _write(
        tmp_path / "prices.csv",
        "SKU,Price,Qty\nTS-M-RED,24.00,7\nTS-S-RED,19.99,\nMUG-1,9.00,1\nNOPE-1,1.00,1\n",
    )
    run = run_feed(sandbox, mapping, source)
    assert {(r.sku, r.code) for r in run.plan.rejected} == {
        ("MUG-1", "not-a-variation"),
        ("NOPE-1", "variation-not-found"),
    }
    assert run.plan.counts()["product_create"] == 0
    assert run.plan.counts()["variation_update"] == 1
    assert run.plan.counts()["variation_unchanged"] == 1
    assert len(sandbox.products()) == products_before
    tee = sandbox.product_by_sku("TS")
    assert tee is not None
    red = {v["sku"]: v for v in sandbox.variations(tee["id"])}["TS-M-RED"]
    assert red["regular_price"] == "24.00" and red["stock_quantity"] == 7
    assert {(a["name"], a["option"]) for a in red["attributes"]} == {
        ("Size", "M"),
        ("Color", "Red"),
    }
    mug = sandbox.product_by_sku("MUG-1")
    assert mug is not None and mug["regular_price"] == "8.50"
    assert run_feed(sandbox, mapping, source).writes == 0


def test_variation_resource_on_an_empty_store_creates_nothing(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    mapping = _write(tmp_path / "variations.toml", VARIATION_MAPPING)
    source = _write(tmp_path / "prices.csv", "SKU,Price,Qty\nV-1,5.00,1\nV-2,6.00,2\n")
    before = len(sandbox.products())
    run = run_feed(sandbox, mapping, source)
    assert run.writes == 0 and run.result is None
    assert [r.code for r in run.plan.rejected] == ["variation-not-found"] * 2
    assert len(sandbox.products()) == before


def test_units_written_in_the_values_are_converted(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.store.units = {"weight": "kg", "dimension": "cm"}  # metric (11.x: lbs, in)
    mapping = _write(
        tmp_path / "units.toml",
        '[fields]\nsku = "id"\nname = "title"\n'
        'weight = { column = "shipping_weight", type = "decimal", unit = "in-value" }\n'
        '"dimensions.length" = { column = "length", type = "decimal", unit = "in-value" }\n',
    )
    source = _write(
        tmp_path / "units.csv",
        "id,title,shipping_weight,length\n"
        "A,Anchor,300 g,8 in\nB,Buoy,1.5 kg,20 cm\nC,Cup,2 stone,1 m\nD,Dish,,\n",
    )
    run = run_feed(sandbox, mapping, source)
    assert [(r.sku, r.code) for r in run.plan.rejected] == [("C", "unknown-unit")]
    assert "'stone'" in run.plan.rejected[0].message
    anchor, buoy = sandbox.product_by_sku("A"), sandbox.product_by_sku("B")
    assert anchor is not None and buoy is not None
    assert (anchor["weight"], anchor["dimensions"]["length"]) == ("0.3", "20.32")
    assert (buoy["weight"], buoy["dimensions"]["length"]) == ("1.5", "20")
    assert run_feed(sandbox, mapping, source).writes == 0
