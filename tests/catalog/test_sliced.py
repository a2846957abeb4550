"""Sliced planning (bulkio.catalog.sliced) gives the whole-feed plan, requests and messages.

Each feed is planned twice over real HTTP against the same sandbox store — the whole-feed way
(``read_feed`` + ``plan_feed``) and in slices of 3 items (groups of one 100-SKU lookup) — and
the two catalog plans are compared field by field, with the requests each way sent. The
shipped samples of the mappings slicing accepts, and random feeds in WooCommerce's layout
(no parent column, no linked products) against a store holding some of their products
(changed, in the trash, or a variation's SKU), with duplicates, bad rows, unknown shipping
classes, shared image URLs, terms and global attributes to create. The engine
(``bulkio.run_import``) is compared the same way: plan JSON, counts, notes, exit code.
"""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import pytest

import bulkio
from bulkio.catalog.feed import read_feed
from bulkio.catalog.plan import CatalogPlan, plan_feed
from bulkio.catalog.sliced import plan_sliced, read_sliced, slicing_refused
from bulkio.engine.kinds import PRODUCT
from bulkio.mapping import load_mapping
from bulkio.safeguard import RunOptions
from bulkio.sandbox import Sandbox
from bulkio.shipped import sample_path, shipped_mappings
from tests.catalog.helpers import MAPPING, client_for, variable_product, write_feed
from tests.importing.conftest import settings_for

SAMPLE_NAME = r"samples/([\w.-]+\w)"


def _header_samples(path: Path) -> list[str]:
    import re

    header = "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    )
    return re.findall(SAMPLE_NAME, header)


def _plan_both(sb: Sandbox, mapping: Any, feed: Path) -> tuple[CatalogPlan, CatalogPlan]:
    """The whole-feed and the sliced plan of ``feed``, each with a fresh client; their read
    requests by route must be the same. Past 7 items (and 7 products of a paged catalog) the
    sliced way keeps its slices on disk."""
    from bulkio.catalog import sliced as module

    old_spill, module.SPILL_ITEMS = module.SPILL_ITEMS, 7
    try:
        return _plan_both_ways(sb, mapping, feed)
    finally:
        module.SPILL_ITEMS = old_spill


def _plan_both_ways(sb: Sandbox, mapping: Any, feed: Path) -> tuple[CatalogPlan, CatalogPlan]:
    on_trashed = mapping.target.on_trashed or "restore"
    whole_client = client_for(sb)
    whole = plan_feed(
        whole_client,
        read_feed(mapping, feed),
        mapping_path=str(mapping.path),
        on_trashed=on_trashed,
    )
    sliced_client = client_for(sb)
    parts = read_sliced(mapping, feed, slice_items=3, spill_items=7)
    assert len(parts.slices) == -(-parts.item_count // 3) or parts.dropped
    sliced = plan_sliced(
        sliced_client,
        parts,
        mapping_path=str(mapping.path),
        on_trashed=on_trashed,
        group_skus=100,
    )
    assert parts.spill_dir is None  # the slices written to disk are gone
    whole_stats, sliced_stats = whole_client.stats.snapshot(), sliced_client.stats.snapshot()
    assert sliced_stats["by_route"] == whole_stats["by_route"]
    assert sliced_stats["writes"] == whole_stats["writes"] == 0
    return whole, sliced


def _same_plans(whole: CatalogPlan, sliced: CatalogPlan) -> None:
    assert sliced.counts() == whole.counts()
    mine_ops = list(sliced.every_product())
    assert [op.sku for op in mine_ops] == [op.sku for op in whole.products]
    for mine, theirs in zip(mine_ops, whole.products, strict=True):
        assert dataclasses.asdict(mine) == dataclasses.asdict(theirs), mine.sku
    assert [dataclasses.asdict(r) for r in sliced.rejected] == [
        dataclasses.asdict(r) for r in whole.rejected
    ]
    assert sliced.notes == whole.notes
    assert [dataclasses.asdict(t) for t in sliced.terms] == [
        dataclasses.asdict(t) for t in whole.terms
    ]
    assert sliced.attributes == whole.attributes
    assert sliced.attribute_terms == whole.attribute_terms
    assert sliced.term_reads == whole.term_reads


SLICEABLE = [
    m
    for m in shipped_mappings()
    if m.kind == "import"
    and not slicing_refused(load_mapping(m.path))
    and load_mapping(m.path).target.resource in ("product", "variation")
]


def test_slicing_takes_the_independent_product_mappings_only() -> None:
    names = {m.name for m in SLICEABLE}
    assert {"supplier-csv", "supplier-xml"} <= names
    for refused in ("woocommerce-core", "erp-de", "google-merchant", "shopify-products"):
        reason = slicing_refused(load_mapping(Path(MAPPING).parent / f"{refused}.toml"))
        assert reason, refused


@pytest.mark.parametrize("shipped", SLICEABLE, ids=lambda m: m.name)
def test_each_sliceable_sample_plans_the_same_in_slices(shipped: Any, sandbox: Sandbox) -> None:
    mapping = load_mapping(shipped.path)
    for name in _header_samples(shipped.path):
        sample = sample_path(name)
        # Against an empty store (every row a create), then against the store the sample
        # made, with one product changed and one in the trash.
        _same_plans(*_plan_both(sandbox, mapping, sample))
        bulkio.run_import(
            settings_for(sandbox), mapping, sample, options=RunOptions(runs_dir=sandbox_runs())
        )
        client = client_for(sandbox)
        products = client.get("products", params={"per_page": 100, "orderby": "id"})
        assert len(products) >= 3
        client.post(f"products/{products[0]['id']}", {"name": "changed by hand"})
        client.delete(f"products/{products[1]['id']}")
        _same_plans(*_plan_both(sandbox, mapping, sample))


def sandbox_runs() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="bulkio-runs-"))


RANDOM_MAPPING = """
[source]
format = "csv"
delimiter = ","
encoding = "auto"
missing_columns = "leave"
[target]
resource = "product"
match = "sku"
missing = "ignore"
type = "Type"
[fields]
sku = "SKU"
name = "Name"
status = { column = "Published", map = { "1" = "publish", "0" = "private" } }
description = { column = "Description", empty = "clear", newlines = "\\\\n" }
date_on_sale_from = { column = "Date sale price starts", empty = "clear" }
stock_quantity = { column = "Stock", type = "int" }
weight = { column = "Weight ({unit})", type = "decimal", empty = "clear" }
sale_price = { column = "Sale price", type = "money", empty = "clear" }
regular_price = { column = "Regular price", type = "money" }
shipping_class = "Shipping class"
categories = { column = "Categories", split = ",", escape = "\\\\", hierarchy = ">" }
tags = { column = "Tags", split = ",", escape = "\\\\" }
images = { column = "Images", split = ",", escape = "\\\\" }
"meta:{key}" = "Meta: {key}"

[[attributes]]
name_column = "Attribute {n} name"
column = "Attribute {n} value(s)"
split = ","
escape = "\\\\"
visible_column = "Attribute {n} visible"
global_column = "Attribute {n} global"
default_column = "Attribute {n} default"
"""

IMAGES = [f"https://img.example.com/p{n}.jpg" for n in range(12)]
CATEGORIES = ["Tools", "Tools > Saws", "Garden", "Garden > Hoses > Long", "Sale", "Neu"]
TAGS = ["red", "blue", "heavy", "gift", "new"]


def _random_rows(rng: random.Random, count: int, variation_sku: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for n in range(count):
        sku = f"R-{rng.randrange(1_000_000)}"
        if rows and rng.random() < 0.02:
            sku = rng.choice(rows)["SKU"].lower()  # a duplicate ignoring case
        if n == 5:
            sku = variation_sku  # held by a variation in the store: sku_is_variation
        price = rng.choice(["10", "10.00", "12,5", "7.99", "99.90"] * 6 + ["abc"])
        row = {
            "Type": rng.choice(["simple"] * 40 + ["variable", "external", "bogus", "variation"]),
            "SKU": sku,
            "Name": rng.choice(["Saw", "Hose & Reel", "Glove <b>bold</b>", "Rake <!-- x -->"]),
            "Published": rng.choice(["1", "0"]),
            "Description": rng.choice(["", "Line one\\nline two", "<p>plain</p>"]),
            "Date sale price starts": rng.choice(["", "", "2030-01-01"] * 10 + ["2030-13-45"]),
            "Stock": str(rng.randrange(50)),
            "Weight (lbs)": rng.choice(["", "1", "2.5"]),
            "Regular price": price,
            "Sale price": rng.choice(["", "", "5"]),
            "Shipping class": rng.choice(["", "", "", "Bulky", "bulky"] * 6 + ["Nowhere"]),
            "Categories": ", ".join(rng.sample(CATEGORIES, rng.randrange(3))),
            "Tags": ", ".join(rng.sample(TAGS, rng.randrange(3))),
            "Images": ", ".join(rng.sample(IMAGES, rng.randrange(3))),
            "Meta: colour": rng.choice(["", "red", "blue"]),
        }
        if rng.random() < 0.01:
            row["Images"] = "ftp://nowhere/x.jpg"
        if n == 5:
            row.update({"Type": "simple", "Regular price": "10", "Shipping class": ""})
            row.update({"Date sale price starts": "", "Sale price": ""})
        if rng.random() < 0.3:
            row["Attribute 1 name"] = rng.choice(["Material", "Finish"])
            row["Attribute 1 value(s)"] = ", ".join(rng.sample(["Steel", "Wood", "Brass"], 2))
            row["Attribute 1 visible"] = "1"
            row["Attribute 1 global"] = rng.choice(["0", "1"])
            row["Attribute 1 default"] = rng.choice(["", "Steel"])
        rows.append(row)
    return rows


@pytest.mark.parametrize(("seed", "others"), [(1, 0), (2, 600), (3, 0), (4, 600)])
def test_random_feeds_plan_the_same_in_slices(
    seed: int,
    others: int,
    sandbox_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``others``: products of the store the feed does not name — with 600 of them the SKUs
    are looked up 100 at a time (a group per lookup), without them the catalog is paged."""
    sandbox = sandbox_factory(seed_products=others)
    rng = random.Random(seed)
    mapping_path = tmp_path / "random.toml"
    mapping_path.write_text(RANDOM_MAPPING, encoding="utf-8")
    mapping = load_mapping(mapping_path)
    assert slicing_refused(mapping) == ""
    client = client_for(sandbox)
    client.post("products/shipping_classes", {"name": "Bulky"})
    client.post("products/categories", {"name": "Tools"})
    # A variable product (its variation SKUs are not products) and some of the feed's SKUs,
    # imported the whole-feed way; then changes by hand and products in the trash.
    variable = write_feed(tmp_path / "variable.csv", variable_product("VAR", "V", "", "", []))
    options = RunOptions(runs_dir=tmp_path / "runs")
    bulkio.run_import(settings_for(sandbox), MAPPING, variable, options=options)
    first_rows = _random_rows(rng, 240, "VAR-RED-S-S")
    first = write_feed(tmp_path / "first.csv", first_rows)
    monkeypatch.setattr(PRODUCT, "slice_items", 0)
    bulkio.run_import(settings_for(sandbox), mapping, first, options=options)
    products = client.get("products", params={"per_page": 100, "orderby": "id"})
    for product in rng.sample(products, 10):
        client.post(f"products/{product['id']}", {"regular_price": "1.23"})
    for product in rng.sample(products, 5):
        client.delete(f"products/{product['id']}")
    # The nightly feed: the same rows, some of them changed, and new ones.
    rows = [dict(row) for row in first_rows]
    for row in rng.sample(rows[6:], 30):
        row.update(rng.choice(_random_rows(rng, 5, "VAR-RED-S-S")[1:]), SKU=row["SKU"])
    rows += _random_rows(rng, 140, "VAR-RED-S-S")
    feed = write_feed(tmp_path / "feed.csv", rows)
    whole, sliced = _plan_both(sandbox, mapping, feed)
    counts = whole.counts()
    assert counts["product_create"] and counts["product_update"] and counts["rejected"]
    assert counts["product_unchanged"]
    assert any(r.code == "duplicate-sku" for r in whole.rejected)
    assert any(r.code == "unknown-shipping-class" for r in whole.rejected)
    # (a catalog page lists no variations: found only when the SKUs are looked up)
    assert any(r.code == "sku_is_variation" for r in whole.rejected) or not others
    assert any(c.field == "restore" for op in whole.products for c in op.changes)
    _same_plans(whole, sliced)

    # The engine both ways: the same plan document, counts, notes and exit code.
    results, clients = [], []
    for size in (0, 3):
        monkeypatch.setattr(PRODUCT, "slice_items", size)
        clients.append(client_for(sandbox))
        results.append(bulkio.run_import(clients[-1], mapping, feed, dry_run=True, options=options))
    plain, cut = results
    assert cut.plan.counts() == plain.plan.counts()
    assert _document(cut.plan.to_json()) == _document(plain.plan.to_json())
    assert cut.notes == plain.notes and cut.feed_warnings == plain.feed_warnings
    assert cut.exit_code == plain.exit_code and str(cut.stopped) == str(plain.stopped)
    assert [c.stats.snapshot()["by_route"] for c in clients] == [
        clients[0].stats.snapshot()["by_route"]
    ] * 2


def _document(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    document.pop("created_at", None)
    return document


def test_a_first_import_into_an_empty_store_plans_the_same_in_slices(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """More than one lookup's SKUs and an empty store: the probe says there is nothing to
    read, every accepted row is a create (planned after the one trash read)."""
    mapping_path = tmp_path / "random.toml"
    mapping_path.write_text(RANDOM_MAPPING, encoding="utf-8")
    mapping = load_mapping(mapping_path)
    client_for(sandbox).post("products/shipping_classes", {"name": "Bulky"})
    feed = write_feed(tmp_path / "feed.csv", _random_rows(random.Random(7), 330, "NONE"))
    whole, sliced = _plan_both(sandbox, mapping, feed)
    assert whole.counts()["product_create"] > 200 and whole.terms and whole.attribute_terms
    _same_plans(whole, sliced)


def _cli(sandbox: Sandbox, *args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from bulkio.cli import main

    key, secret = sandbox.keys["read_write"]
    store = ["--url", sandbox.url, "--key", key, "--secret", secret]
    result = CliRunner().invoke(main, [*args, *store], catch_exceptions=False)
    return result.exit_code, result.stdout


def _steady(text: str) -> str:
    """Output without what differs between any two runs (times, dates, run ids, rates)."""
    import re

    text = re.sub(r"\d+(\.\d+)?\s*(s|ms|min)\b", "<t>", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.+Z-]+", "<when>", text)
    text = re.sub(r"\d{8}T\d{6}\S*", "<run>", text)
    return re.sub(r"[\d.]+ ?(rows|items|requests)/s", "<rate>", text)


def test_the_cli_prints_the_same_diff_and_json_in_slices(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``bulkio import --dry-run``, as a user runs it: the printed diff (every change shown),
    the ``--json`` document and the exit code are those of the whole-feed way."""
    sample = str(sample_path("supplier-products.csv"))
    client = client_for(sandbox)
    bulkio.run_import(
        client,
        load_mapping(Path(MAPPING).parent / "supplier-csv.toml"),
        sample,
        options=RunOptions(runs_dir=tmp_path / "runs"),
    )
    products = client.get("products", params={"per_page": 100, "orderby": "id"})
    client.post(f"products/{products[2]['id']}", {"regular_price": "1.00"})
    client.delete(f"products/{products[3]['id']}")
    outputs = []
    for size in (0, 2):
        monkeypatch.setattr(PRODUCT, "slice_items", size)
        shown = _cli(sandbox, "import", sample, "-m", "supplier-csv", "--dry-run")
        as_json = _cli(sandbox, "import", sample, "-m", "supplier-csv", "--dry-run", "--json")
        document = json.loads(as_json[1])
        outputs.append((shown[0], _steady(shown[1]), as_json[0], _steady(json.dumps(document))))
    assert outputs[0] == outputs[1]
    assert "restore" in outputs[0][1] and outputs[0][0] == outputs[0][2]


def test_a_saved_catalog_plan_applies_the_same_in_slices(
    sandbox_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catalog plan saved from a sliced dry run (terms to create, so not a flat plan) is
    applied by planning the feed again, sliced: the writes it showed are sent, items the
    store meanwhile holds are reported already applied — as with the whole-feed way."""
    from bulkio.engine import SavedApply

    mapping_path = tmp_path / "random.toml"
    mapping_path.write_text(RANDOM_MAPPING, encoding="utf-8")
    mapping = load_mapping(mapping_path)
    rows = _random_rows(random.Random(11), 150, "NONE")
    outcomes = []
    for size in (0, 3):
        monkeypatch.setattr(PRODUCT, "slice_items", size)
        sandbox = sandbox_factory(seed_products=0)
        client = client_for(sandbox)
        client.post("products/shipping_classes", {"name": "Bulky"})
        options = RunOptions(runs_dir=tmp_path / f"runs{size}")
        first = write_feed(tmp_path / f"first{size}.csv", rows[:100])
        bulkio.run_import(client, mapping, first, options=options)
        changed = [dict(row) for row in rows]
        for row in changed[:40]:
            row["Stock"] = "777"
        feed = write_feed(tmp_path / f"feed{size}.csv", changed)
        plan_path = tmp_path / f"plan{size}.json"
        dry = bulkio.run_import(
            client, mapping, feed, dry_run=True, options=options, plan_out=plan_path
        )
        assert json.loads(plan_path.read_text())["format"] != "bulkio-plan/1"
        # Someone writes ten of the planned stock changes before the plan is applied.
        planned = {row["SKU"] for row in changed[:40]}
        held = client.get("products", params={"per_page": 100, "orderby": "id", "order": "asc"})
        for product in [p for p in held if p["sku"] in planned][:10]:
            client.post(f"products/{product['id']}", {"stock_quantity": 777})
        done = bulkio.apply_plan(
            client,
            plan_path,
            options=SavedApply(runs_dir=tmp_path / f"apply{size}", no_limits=True),
        )
        assert done.applied is not None
        outcomes.append(
            (
                dry.plan.counts(),
                sorted(
                    (o.line, o.sku, o.action, o.outcome, o.code or "")
                    for o in done.applied.outcomes
                ),
                done.exit_code,
                str(done.check).replace(f"feed{size}.csv", "feed.csv"),
            )
        )
    assert outcomes[0] == outcomes[1]
    assert "10 already applied" in outcomes[0][3]
