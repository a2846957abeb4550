"""The library entry points users call from Python (``bulkio.run_import``, ``bulkio.apply_plan``),
over real HTTP on the sandbox: the CLI is a printer over these same results."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import bulkio
from bulkio.engine import KINDS, SavedApply, kind_for
from bulkio.mapping import load_mapping
from bulkio.safeguard import RunOptions
from bulkio.safety import resolve_limits
from bulkio.sandbox import Sandbox
from bulkio.store import StoreClient
from tests.importing.conftest import Feed, age_products, feed_rows, settings_for
from tests.stock.conftest import write_csv, write_mapping

MakeFeed = Callable[..., Feed]


def test_run_import_plans_applies_and_settles(
    sandbox: Sandbox, make_feed: MakeFeed, tmp_path: Path
) -> None:
    feed = make_feed(feed_rows(3))
    options = RunOptions(runs_dir=tmp_path / "runs")
    settings = settings_for(sandbox)
    dry = bulkio.run_import(settings, feed.mapping, feed.csv, dry_run=True, options=options)
    assert dry.kind == "product" and dry.applied is None and dry.exit_code == 0
    assert dry.plan.counts()["create"] == 3 and sandbox.writes() == 0
    assert {c.field for c in dry.plan.creates[0].changes} >= {"sku", "name", "regular_price"}

    done = bulkio.run_import(settings, feed.mapping, feed.csv, options=options)
    assert done.applied is not None and done.applied.counts()["created"] == 3
    assert done.exit_code == 0 and done.problems == []
    assert done.stats["writes"] >= 1 and done.catalog is not None
    assert done.run is not None and done.run.paths is not None
    assert json.loads(done.run.paths.plan_file.read_text())["format"] == "bulkio-plan/1"

    sandbox.clear_log()
    again = bulkio.run_import(settings, feed.mapping, feed.csv, options=options)
    assert again.plan.counts()["unchanged"] == 3 and sandbox.writes() == 0


def test_a_limit_breach_is_a_result_not_an_exception(
    sandbox: Sandbox, make_feed: MakeFeed, tmp_path: Path
) -> None:
    feed = make_feed(feed_rows(2))
    settings = settings_for(sandbox)
    options = RunOptions(runs_dir=tmp_path / "runs")
    assert bulkio.run_import(settings, feed.mapping, feed.csv, options=options).exit_code == 0
    feed.write(feed_rows(2, price="1.00"))  # -90 %
    sandbox.clear_log()
    stopped = bulkio.run_import(settings, feed.mapping, feed.csv, options=options)
    assert stopped.exit_code == 3 and stopped.stopped is not None
    assert "max_price_drop" in stopped.stopped.message and sandbox.writes() == 0
    allowed = bulkio.run_import(
        settings,
        feed.mapping,
        feed.csv,
        limits=resolve_limits({}, {"max_price_drop": "off"}),
        options=options,
    )
    assert allowed.exit_code == 0 and allowed.applied is not None
    assert allowed.applied.counts()["updated"] == 2


def test_apply_plan_writes_a_saved_plan_once(
    sandbox: Sandbox, make_feed: MakeFeed, tmp_path: Path
) -> None:
    feed = make_feed(feed_rows(2))
    settings = settings_for(sandbox)
    options = RunOptions(runs_dir=tmp_path / "runs")
    bulkio.run_import(settings, feed.mapping, feed.csv, options=options)
    age_products(sandbox)
    feed.write(feed_rows(3, price="12.00"))
    plan = tmp_path / "plan.json"
    bulkio.run_import(
        settings, feed.mapping, feed.csv, dry_run=True, options=options, plan_out=plan
    )
    saved = SavedApply(runs_dir=tmp_path / "runs")
    first = bulkio.apply_plan(settings, plan, options=saved)
    assert first.applied is not None
    assert (first.applied.counts()["created"], first.applied.counts()["updated"]) == (1, 2)
    assert first.check is not None and "3 still to apply" in first.check
    sandbox.clear_log()
    second = bulkio.apply_plan(settings, plan, options=saved)
    assert second.applied is not None and second.applied.counts()["unchanged"] == 3
    assert sandbox.writes() == 0 and second.exit_code == 0


def test_stock_mappings_take_the_stock_kind(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    seeded = sandbox_factory(seed_products=20, seed=1)
    mapping = load_mapping(write_mapping(tmp_path / "stock.toml"))
    assert kind_for(mapping) is KINDS["stock"]
    sku = next(p["sku"] for p in seeded.products() if p.get("manage_stock") and p.get("sku"))
    feed = write_csv(tmp_path / "stock.csv", [(sku, "7")])
    result = bulkio.run_import(
        settings_for(seeded), mapping, feed, options=RunOptions(runs_dir=tmp_path / "runs")
    )
    assert result.kind == "stock" and result.catalog is None and result.exit_code == 0
    assert seeded.product_by_sku(sku)["stock_quantity"] == 7


def test_on_trashed_create_names_the_trashed_product_when_the_store_refuses(
    sandbox: Sandbox, make_feed: MakeFeed, tmp_path: Path
) -> None:
    feed = make_feed(feed_rows(1), on_trashed="create")
    settings = settings_for(sandbox)
    options = RunOptions(runs_dir=tmp_path / "runs")
    assert bulkio.run_import(settings, feed.mapping, feed.csv, options=options).exit_code == 0
    product = sandbox.product_by_sku("T-0001")
    assert product is not None
    with StoreClient(settings) as client:
        client.delete(f"products/{product['id']}")  # to the trash
    result = bulkio.run_import(settings, feed.mapping, feed.csv, options=options)
    assert [(t.sku, t.trashed_id, t.decision) for t in result.plan.trashed] == [
        ("T-0001", product["id"], "create")
    ]
    (failed,) = result.applied.problems if result.applied else []
    assert failed.sku == "T-0001" and f"#{product['id']}" in (failed.message or "")
    assert 'on_trashed = "restore"' in (failed.message or "") and result.exit_code == 1


def test_a_slug_another_product_holds_is_suffixed_once_and_then_left(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """WordPress keeps post slugs unique on updates too (measured on 11.0.1 and 7.9: "beanie"
    sent to a product while another holds it is stored as "beanie-5"): the store's suffixed
    slug is its last word, so the next run of the same feed writes nothing."""
    settings = settings_for(sandbox)
    with StoreClient(settings) as client:
        client.post("products", {"name": "Old beanie", "sku": "OLD-B", "slug": "beanie"})
        client.post("products", {"name": "Winter cap", "sku": "NEW-B"})
    (tmp_path / "feed.csv").write_text("sku,name,slug\nNEW-B,Beanie,beanie\n", encoding="utf-8")
    mapping = tmp_path / "slugs.toml"
    mapping.write_text(
        '[source]\nformat = "csv"\n\n[target]\nresource = "product"\nmatch = "sku"\n\n'
        '[fields]\nsku = "sku"\nname = "name"\nslug = "slug"\n',
        encoding="utf-8",
    )
    options = RunOptions(runs_dir=tmp_path / "runs")
    first = bulkio.run_import(settings, mapping, tmp_path / "feed.csv", options=options)
    assert first.applied is not None and first.applied.counts()["updated"] == 1
    with StoreClient(settings) as client:
        (stored,) = client.get("products", params={"sku": "NEW-B"})
    assert stored["slug"] == "beanie-2"
    sandbox.clear_log()
    again = bulkio.run_import(settings, mapping, tmp_path / "feed.csv", options=options)
    assert again.plan.counts()["unchanged"] == 1 and sandbox.writes() == 0
