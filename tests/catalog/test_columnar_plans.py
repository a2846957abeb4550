"""Plans of flat feeds are the same with and without the columnar test for unchanged rows.

The sliced planner takes the rows the store certainly holds as the feed has them out on
columns (bulkio.catalog.columnar_unchanged) and plans the rest in Python; with
``columnar=False`` it plans every row in Python, the reference. Both ways are run over real
HTTP against the same sandbox store and compared op by op (creates, updates with their field
changes, unchanged line / SKU / id / date), with the rejections, notes and requests: on the
bench-shaped feeds of the shipped supplier mappings and on hostile feeds (HTML and entities,
accents composed and not, decimal commas, empty cells, sale prices and dates, duplicate SKUs)
against a store whose products were changed by hand (prices written as "12.5", stock unset,
stock management off, meta values gone, products trashed or deleted).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import random
from pathlib import Path
from typing import Any

import pytest

import bulkio
from bulkio.catalog import columnar_unchanged, sliced
from bulkio.catalog.plan import CatalogPlan
from bulkio.catalog.sliced import plan_sliced, read_sliced, slicing_refused
from bulkio.engine.kinds import PRODUCT
from bulkio.mapping import load_mapping
from bulkio.safeguard import RunOptions
from bulkio.sandbox import Sandbox
from tests.catalog.helpers import ROOT, client_for
from tests.importing.conftest import settings_for

HOSTILE_MAPPING = """
[source]
format = "csv"
delimiter = ";"
encoding = "utf-8"
decimal = ","
thousands = "."
[target]
resource = "product"
match = "sku"
missing = "ignore"
on_trashed = "restore"
[fields]
sku = "Artikelnr"
name = "Bezeichnung"
short_description = "Kurzbeschreibung"
description = { column = "Beschreibung", empty = "clear" }
regular_price = { column = "Preis", type = "money" }
sale_price = { column = "Aktionspreis", type = "money", empty = "clear" }
date_on_sale_from = { column = "Aktion ab", empty = "clear" }
stock_quantity = { column = "Bestand", type = "int" }
manage_stock = { value = true }
weight = { column = "Gewicht", type = "decimal" }
status = { column = "Aktiv", map = { "1" = "publish", "0" = "draft" } }
"meta:ean" = "EAN"
"meta:manufacturer" = "Hersteller"
"""
HEADER = [
    "Artikelnr", "Bezeichnung", "Kurzbeschreibung", "Beschreibung", "Preis", "Aktionspreis",
    "Aktion ab", "Bestand", "Gewicht", "Aktiv", "EAN", "Hersteller",
]  # fmt: skip
NAMES = [
    "Zange", "Hölzl & Söhne Zange", "a &amp; b", "<b>Fett</b>", "  Rand ", "Café", "Cafe\u0301",
    "zwei  Leerzeichen", "Maß 3 < 4", "Säge",
]  # fmt: skip
DESCRIPTIONS = [
    "", "<p>Text <strong>fett</strong>.</p>", '<p class="x">y</p>', '"Zeile\nzwei"',
    "&copy; 2026", "<p>Text</p>", "Ende ",
]  # fmt: skip


def _cell(text: str) -> str:
    return text if text.startswith('"') else text.replace(";", ",")


def _rows(rng: random.Random, count: int, start: int = 0) -> list[list[str]]:
    rows = []
    for n in range(start, start + count):
        rows.append(
            [
                f"H-{n:05d}",
                rng.choice(NAMES),
                rng.choice(["Kurz", "Kurz & knapp", "", "Größe 5"]),
                rng.choice(DESCRIPTIONS),
                rng.choice(["12,5", "12,50", "1.234,56", "7", "7,00", "0,99"] * 5 + ["zwölf"]),
                rng.choice(["", "", "5,00", "5"]),
                rng.choice(["", "", "2030-01-01", "2030-01-01 00:00:00"] * 5 + ["2030-13-45"]),
                rng.choice(["", "0", "5", "17"]),
                rng.choice(["", "1,5", "0,250", "2"]),
                rng.choice(["1", "1", "0"]),
                rng.choice(["0004", "", "4006381333931"]),
                rng.choice(["Hölzl & Söhne", "", "Grünwerk"]),
            ]
        )
    return rows


def _write(path: Path, rows: list[list[str]]) -> Path:
    lines = [";".join(HEADER)] + [";".join(_cell(c) for c in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _same_plans(python: CatalogPlan, columns: CatalogPlan) -> None:
    """Every op (unchanged products too, as the plan gives them back), rejection, note, term
    and count the same."""
    assert columns.counts() == python.counts()
    mine, theirs = list(columns.every_product()), list(python.every_product())
    assert [op.line for op in mine] == [op.line for op in theirs]
    for one, other in zip(mine, theirs, strict=True):
        assert dataclasses.asdict(one) == dataclasses.asdict(other), one.sku
    kept, reference = columns.unchanged_products, python.unchanged_products
    assert list(kept.lines) == list(reference.lines)
    assert kept.skus == reference.skus
    assert list(kept.ids) == list(reference.ids)
    assert kept.modified == reference.modified
    assert [dataclasses.asdict(r) for r in columns.rejected] == [
        dataclasses.asdict(r) for r in python.rejected
    ]
    assert columns.notes == python.notes
    assert columns.terms == python.terms and columns.term_reads == python.term_reads


def _both_ways(
    sandbox: Sandbox, mapping: Any, feed: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[CatalogPlan, CatalogPlan, int]:
    """The plan with every row planned in Python, the plan with the columnar test, and how
    many rows that test took; the requests of both must be the same."""
    taken: list[int] = []
    real = columnar_unchanged.split_unchanged

    def spy(items: Any, products: Any) -> Any:
        found, rest = real(items, products)
        taken.append(len(found.lines))
        return found, rest

    monkeypatch.setattr(sliced, "split_unchanged", spy)
    on_trashed = mapping.target.on_trashed or "restore"
    plans, stats = [], []
    for columnar in (False, True):
        client = client_for(sandbox)
        parts = read_sliced(mapping, feed, slice_items=20, spill_items=50)
        plans.append(
            plan_sliced(
                client,
                parts,
                mapping_path=str(mapping.path),
                on_trashed=on_trashed,
                group_skus=100,
                columnar=columnar,
            )
        )
        stats.append(client.stats.snapshot())
    assert stats[0]["by_route"] == stats[1]["by_route"]
    assert stats[0]["writes"] == stats[1]["writes"] == 0
    return plans[0], plans[1], sum(taken)


def _change_by_hand(sandbox: Sandbox, rng: random.Random) -> None:
    """Store values in the forms a store may hold them, and products gone."""
    client = client_for(sandbox)
    products = [
        product
        for page in client.iter_pages("products", params={"orderby": "id"}, per_page=100)
        for product in page
    ]
    rng.shuffle(products)
    edits: list[dict[str, Any]] = [
        {"regular_price": "12.5"},
        {"regular_price": "12.50"},
        {"regular_price": "7"},
        {"stock_quantity": None, "manage_stock": False},
        {"manage_stock": False},
        {"stock_quantity": 0},
        {"meta_data": [{"key": "ean", "value": None}]},
        {"name": "Hölzl &amp; Söhne Zange"},
        {"description": "<p>Text</p>"},
        {"weight": "1.50"},
        {"date_on_sale_from": "2030-01-01T00:00:00"},
        {"status": "draft"},
        {"sale_price": ""},
    ]
    for product, edit in zip(products, edits * 2, strict=False):
        client.put(f"products/{product['id']}", edit)
    for product in products[len(edits) * 2 : len(edits) * 2 + 3]:
        client.delete(f"products/{product['id']}")  # trashed: restored by the plan
    for product in products[len(edits) * 2 + 3 : len(edits) * 2 + 5]:
        client.delete(f"products/{product['id']}", params={"force": "true"})


@pytest.mark.parametrize(("seed", "others"), [(1, 0), (2, 300)])
def test_hostile_feeds_plan_the_same_with_and_without_columns(
    seed: int,
    others: int,
    sandbox_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``others``: products of the store the feed does not name (300: SKU lookups; none: the
    catalog is paged)."""
    sandbox = sandbox_factory(seed_products=others)
    rng = random.Random(seed)
    mapping_path = tmp_path / "hostile.toml"
    mapping_path.write_text(HOSTILE_MAPPING, encoding="utf-8")
    mapping = load_mapping(mapping_path)
    assert slicing_refused(mapping) == ""
    rows = _rows(rng, 160)
    options = RunOptions(runs_dir=tmp_path / "runs")
    bulkio.run_import(
        settings_for(sandbox), mapping, _write(tmp_path / "a.csv", rows), options=options
    )
    # Against the store the feed made, the same feed changes nothing: most rows go by columns.
    whole, fast, taken = _both_ways(sandbox, mapping, _write(tmp_path / "a.csv", rows), monkeypatch)
    _same_plans(whole, fast)
    assert fast.counts()["product_unchanged"] > taken > 10
    _change_by_hand(sandbox, rng)
    # Then a feed with some rows changed, new rows, and duplicates of an SKU in another case.
    again = [list(row) for row in rows]
    for row in rng.sample(again, 25):
        row[rng.choice([1, 3, 4, 5, 7, 8, 11])] = rng.choice(["", "9,99", "Neu", "3"])
    again += _rows(rng, 20, start=900)
    again.insert(40, [again[10][0].lower(), *again[10][1:]])
    monkeypatch.setattr(PRODUCT, "slice_items", 20)
    whole, fast, taken = _both_ways(
        sandbox, mapping, _write(tmp_path / "b.csv", again), monkeypatch
    )
    _same_plans(whole, fast)
    counts = fast.counts()
    assert counts["product_create"] and counts["product_update"] and counts["rejected"]
    assert taken > 10


def _bench_data() -> Any:
    spec = importlib.util.spec_from_file_location("bench_data", ROOT / "bench" / "data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", ["csv", "xml"])
def test_bench_shaped_feeds_plan_the_same_with_and_without_columns(
    kind: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _bench_data()
    mapping = load_mapping(data.CSV_MAPPING if kind == "csv" else data.XML_MAPPING)
    write = data.write_supplier_csv if kind == "csv" else data.write_supplier_xml
    feed = write(tmp_path / f"feed.{kind}", 300)
    options = RunOptions(runs_dir=tmp_path / "runs")
    bulkio.run_import(settings_for(sandbox), mapping, feed, options=options)
    client = client_for(sandbox)
    products = [
        product
        for page in client.iter_pages("products", params={"orderby": "id"}, per_page=100)
        for product in page
    ]
    for product in products[::20]:  # 5 % with another price and stock, as in the bench
        client.put(f"products/{product['id']}", {"regular_price": "999.99", "stock_quantity": 1})
    for product in products[1::97]:
        client.delete(f"products/{product['id']}", params={"force": "true"})
    whole, fast, taken = _both_ways(sandbox, mapping, feed, monkeypatch)
    _same_plans(whole, fast)
    counts = fast.counts()
    assert counts["product_update"] and counts["product_create"]
    assert taken == counts["product_unchanged"] > 200
