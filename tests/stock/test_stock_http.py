"""Stock feeds end to end over HTTP against the sandbox: `bulkio import feed -m stock.toml`."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from bulkio.fields import STOCK_FIELDS
from bulkio.sandbox import Sandbox
from tests.stock.conftest import (
    catalog,
    connection,
    item_by_sku,
    reads,
    run_cli,
    write_csv,
    write_mapping,
    writes,
)

REPO = Path(__file__).resolve().parents[2]


def _report(path: Path) -> dict[tuple[int, str], dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {(int(row["line"]), row["code"]): row for row in csv.DictReader(handle)}


def _mixed_feed(sb: Sandbox, tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """Simple products, variations of three parents, unknown SKUs, bad lines, duplicates."""
    items = catalog(sb)
    simple = [i for i in items if i.parent_id == 0 and i.manage_stock][:4]
    parents = sorted({i.parent_id for i in items if i.parent_id})[:3]
    variations = [next(i for i in items if i.parent_id == p) for p in parents]
    untouched = [i for i in items if i.manage_stock and i not in simple + variations][:2]
    expected = {
        simple[0].sku: (simple[0].stock_quantity or 0) + 7,
        simple[1].sku: 13 + 4,  # two warehouses: summed
        simple[2].sku: 0,
        variations[0].sku: (variations[0].stock_quantity or 0) + 5,
        variations[1].sku: 30 + 2,  # summed
        variations[2].sku: 3,
        untouched[0].sku: untouched[0].stock_quantity or 0,  # unchanged: no write
    }
    rows = [
        (simple[0].sku, str(expected[simple[0].sku])),  # line 2
        (simple[1].sku, "13"),  # line 3
        (variations[0].sku, str(expected[variations[0].sku])),  # line 4
        ("NOT-IN-STORE-1", "5"),  # line 5: unknown
        (simple[2].sku, "0"),  # line 6
        (variations[1].sku, "30"),  # line 7
        (untouched[0].sku, str(untouched[0].stock_quantity)),  # line 8
        (simple[1].sku.lower(), "4"),  # line 9: same SKU, other case, other warehouse
        (variations[1].sku, "2"),  # line 10
        (untouched[1].sku, "4.5"),  # line 11: not an integer
        (variations[2].sku, "3"),  # line 12
        ("", "8"),  # line 13: no SKU
        (simple[3].sku, "-4"),  # line 14: negative, mapping owns no backorders
        ("NOT-IN-STORE-2", "1"),  # line 15: unknown
        (simple[3].sku, "2"),  # line 16: the negative line's twin: held back
    ]
    return write_csv(tmp_path / "stock.csv", rows), expected


def test_mixed_feed_converges_in_one_run_and_rerun_writes_nothing(
    seeded: Sandbox, tmp_path: Path
) -> None:
    feed, expected = _mixed_feed(seeded, tmp_path)
    mapping = write_mapping(tmp_path / "stock.toml")
    before = {item.id: item for item in catalog(seeded)}
    report = tmp_path / "report.csv"

    args = _connected(["import", str(feed), "-m", str(mapping), "--report", str(report)], seeded)
    result = run_cli(args)
    assert result.exit_code == 1, result.output  # rows were rejected
    after_by_id = {item.id: item for item in catalog(seeded)}
    after = {item.sku: item for item in after_by_id.values()}
    for sku, quantity in expected.items():
        assert after[sku].stock_quantity == quantity, sku
    changed = {i for i, item in before.items() if item != after_by_id[i]}
    assert len(changed) == 6  # exactly the six planned updates, nothing else
    problems = _report(report)
    assert set(problems) == {
        (5, "unknown-sku"),
        (15, "unknown-sku"),
        (11, "not-an-integer"),
        (13, "missing-sku"),
        (14, "negative-number"),
        (16, "sum-incomplete"),
    }
    assert "never creates" in problems[(5, "unknown-sku")]["message"]
    assert "line 14" in problems[(16, "sum-incomplete")]["message"]
    # The held-back SKU kept its quantity.
    held_back = problems[(16, "sum-incomplete")]["sku"]
    assert after[held_back] == next(i for i in before.values() if i.sku == held_back)

    # Variations went to their parent's variations/batch, products to products/batch.
    routes = {entry.route for entry in writes(seeded)}
    parents = {after[sku].parent_id for sku in expected if after[sku].parent_id}
    assert len(parents) == 3
    assert routes == {"/wc/v3/products/batch"} | {
        f"/wc/v3/products/{parent}/variations/batch" for parent in parents
    }
    assert sum(entry.batch_items for entry in writes(seeded)) == 6
    assert not any("create" in json.loads(entry.body) for entry in writes(seeded))

    seeded.clear_log()
    again = run_cli(args)
    assert again.exit_code == 1  # the bad lines are still bad …
    assert writes(seeded) == []  # … but nothing is written a second time
    assert "0 to update" in again.output
    assert {item.id: item for item in catalog(seeded)} == after_by_id


def _connected(args: list[str], sb: Sandbox) -> list[str]:
    return [*args, *connection(sb)]


def test_write_bodies_hold_only_stock_fields(seeded: Sandbox, tmp_path: Path) -> None:
    items = catalog(seeded)
    unmanaged = next(i for i in items if i.parent_id == 0 and not i.manage_stock)
    variation = next(i for i in items if i.parent_id and i.manage_stock)
    feed = tmp_path / "s.csv"
    feed.write_text(
        f"sku;qty;manage;backorder\n{unmanaged.sku};9;yes;notify\n{variation.sku};-3;yes;yes\n",
        encoding="utf-8",
    )
    mapping = write_mapping(
        tmp_path / "m.toml",
        fields_extra='manage_stock = { column = "manage", type = "bool" }\n'
        'backorders = "backorder"\n',
    )
    result = run_cli(_connected(["import", str(feed), "-m", str(mapping)], seeded))
    assert result.exit_code == 0, result.output
    bodies = [json.loads(entry.body) for entry in writes(seeded)]
    items_sent = [item for body in bodies for item in body["update"]]
    assert len(items_sent) == 2
    for item in items_sent:
        assert set(item) - {"id"} <= set(STOCK_FIELDS)
    assert item_by_sku(seeded, unmanaged.sku).stock_quantity == 9
    assert item_by_sku(seeded, variation.sku).stock_quantity == -3
    assert item_by_sku(seeded, variation.sku).backorders == "yes"


def test_quantity_for_item_without_stock_management_is_rejected(
    seeded: Sandbox, tmp_path: Path
) -> None:
    unmanaged = next(i for i in catalog(seeded) if i.parent_id == 0 and not i.manage_stock)
    feed = write_csv(tmp_path / "s.csv", [(unmanaged.sku, "9")])
    mapping = write_mapping(tmp_path / "m.toml")
    report = tmp_path / "r.csv"
    result = run_cli(
        _connected(["import", str(feed), "-m", str(mapping), "--report", str(report)], seeded)
    )
    assert result.exit_code == 1
    assert writes(seeded) == []
    assert list(_report(report)) == [(2, "stock-not-managed")]
    assert "manage_stock" in _report(report)[(2, "stock-not-managed")]["message"]


def test_negative_quantity_follows_the_backorders_setting(seeded: Sandbox, tmp_path: Path) -> None:
    managed = [i for i in catalog(seeded) if i.parent_id == 0 and i.manage_stock]
    allows, refuses = managed[0], managed[1]
    feed = tmp_path / "s.csv"
    feed.write_text(
        f"sku;qty;backorder\n{allows.sku};-2;notify\n{refuses.sku};-2;no\n", encoding="utf-8"
    )
    mapping = write_mapping(tmp_path / "m.toml", fields_extra='backorders = "backorder"\n')
    report = tmp_path / "r.csv"
    result = run_cli(
        _connected(["import", str(feed), "-m", str(mapping), "--report", str(report)], seeded)
    )
    assert result.exit_code == 1
    assert list(_report(report)) == [(3, "negative-number")]
    assert item_by_sku(seeded, allows.sku).stock_quantity == -2
    assert item_by_sku(seeded, refuses.sku).stock_quantity == refuses.stock_quantity


def test_duplicates_reject_policy(seeded: Sandbox, tmp_path: Path) -> None:
    item = next(i for i in catalog(seeded) if i.manage_stock)
    feed = write_csv(tmp_path / "s.csv", [(item.sku, "11"), (item.sku, "12")])
    mapping = write_mapping(tmp_path / "m.toml", target_extra='duplicates = "reject"')
    report = tmp_path / "r.csv"
    result = run_cli(
        _connected(["import", str(feed), "-m", str(mapping), "--report", str(report)], seeded)
    )
    assert result.exit_code == 1
    assert list(_report(report)) == [(3, "duplicate-sku")]
    assert item_by_sku(seeded, item.sku).stock_quantity == 11


def test_plan_out_then_apply_twice(seeded: Sandbox, tmp_path: Path) -> None:
    items = [i for i in catalog(seeded) if i.manage_stock]
    product = next(i for i in items if i.parent_id == 0)
    variation = next(i for i in items if i.parent_id)
    feed = write_csv(
        tmp_path / "s.csv",
        [(product.sku, str((product.stock_quantity or 0) + 1)), (variation.sku, "77")],
    )
    mapping = write_mapping(tmp_path / "m.toml")
    plan_path = tmp_path / "plan.json"
    dry = run_cli(
        _connected(
            ["import", str(feed), "-m", str(mapping), "--dry-run", "--plan-out", str(plan_path)],
            seeded,
        )
    )
    assert dry.exit_code == 0, dry.output
    assert writes(seeded) == []
    plan = json.loads(plan_path.read_text())
    assert plan["resource"] == "stock"
    assert [u.get("parent_id") for u in plan["updates"]] == [None, variation.parent_id]

    applied = run_cli(_connected(["apply", str(plan_path)], seeded))
    assert applied.exit_code == 0, applied.output
    assert item_by_sku(seeded, variation.sku).stock_quantity == 77
    assert item_by_sku(seeded, product.sku).stock_quantity == (product.stock_quantity or 0) + 1

    seeded.clear_log()
    twice = run_cli(_connected(["apply", str(plan_path)], seeded))
    assert twice.exit_code == 0, twice.output
    assert writes(seeded) == []
    assert "2 already applied" in twice.output


def test_apply_refuses_an_item_changed_since_the_plan(seeded: Sandbox, tmp_path: Path) -> None:
    variation = next(i for i in catalog(seeded) if i.parent_id and i.manage_stock)
    feed = write_csv(tmp_path / "s.csv", [(variation.sku, "77")])
    mapping = write_mapping(tmp_path / "m.toml")
    plan_path = tmp_path / "plan.json"
    args = ["import", str(feed), "-m", str(mapping), "--dry-run", "--plan-out", str(plan_path)]
    assert run_cli(_connected(args, seeded)).exit_code == 0
    # An order takes stock meanwhile (a later second, as a real store would stamp it).
    seeded.db.db.execute(
        "UPDATE posts SET date_modified_gmt = '2099-01-01T00:00:00' WHERE id = ?",
        (variation.id,),
    )
    result = run_cli(_connected(["apply", str(plan_path)], seeded))
    assert result.exit_code == 1
    assert "changed_since_plan" in result.output or "changed since" in result.output
    assert item_by_sku(seeded, variation.sku).stock_quantity == variation.stock_quantity


def test_samples_run_against_the_seeded_sandbox(seeded: Sandbox) -> None:
    for sample, mapping in (
        ("samples/stock-warehouse.csv", "mappings/stock-csv.toml"),
        ("samples/stock-feed.xml", "mappings/stock-xml.toml"),
    ):
        args = ["import", str(REPO / sample), "-m", str(REPO / mapping)]
        first = run_cli(_connected(args, seeded))
        assert first.exit_code == 0, first.output
        assert "0 rejected" in first.output
        seeded.clear_log()
        second = run_cli(_connected(args, seeded))
        assert second.exit_code == 0
        assert writes(seeded) == []
    # Two warehouse lines summed: 40 + 3.
    assert item_by_sku(seeded, "SKU-000004-RED-XL").stock_quantity == 43
    assert item_by_sku(seeded, "SKU-000027").stock_quantity == -2  # backorders allowed


def test_bad_mapping_exits_2_before_any_request(seeded: Sandbox, tmp_path: Path) -> None:
    feed = write_csv(tmp_path / "s.csv", [("SKU-000001", "1")])
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[target]\nresource = "stock"\n[fields]\nsku = "sku"\nregular_price = "qty"\n',
        encoding="utf-8",
    )
    result = run_cli(_connected(["import", str(feed), "-m", str(mapping)], seeded))
    assert result.exit_code == 2
    assert "fields.regular_price" in result.output
    assert reads(seeded) == [] and writes(seeded) == []


def test_batch_limit_413_shrinks_variation_chunks(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = sandbox_factory(seed_products=60, seed=1, batch_limit=2)
    items = catalog(sb)
    parent = max(
        {i.parent_id for i in items if i.parent_id},
        key=lambda p: sum(1 for i in items if i.parent_id == p),
    )
    variations = [i for i in items if i.parent_id == parent][:5]
    products = [i for i in items if i.parent_id == 0 and i.manage_stock][:3]
    rows = [(i.sku, str((i.stock_quantity or 0) + 2)) for i in [*variations, *products]]
    feed = write_csv(tmp_path / "s.csv", rows)
    mapping = write_mapping(tmp_path / "m.toml")
    result = run_cli(_connected(["import", str(feed), "-m", str(mapping)], sb))
    assert result.exit_code == 0, result.output
    for item in [*variations, *products]:
        assert item_by_sku(sb, item.sku).stock_quantity == (item.stock_quantity or 0) + 2
    accepted = [e for e in writes(sb) if e.status == 200]
    assert all(e.batch_items <= 2 for e in accepted)
    assert sum(e.batch_items for e in accepted) == len(rows)
    refused = {e.route for e in writes(sb) if e.status == 413}
    assert f"/wc/v3/products/{parent}/variations/batch" in refused  # 5 > 2: shrunk, then sent
    assert refused <= {
        f"/wc/v3/products/{parent}/variations/batch",
        "/wc/v3/products/batch",
    }


def test_unreachable_store_exits_4(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    feed = write_csv(tmp_path / "s.csv", [("SKU-000001", "1"), ("SKU-000002", "2")])
    mapping = write_mapping(tmp_path / "m.toml")
    result = run_cli(
        [
            "import",
            str(feed),
            "-m",
            str(mapping),
            "--url",
            f"http://127.0.0.1:{port}",
            "--key",
            "ck_x",
            "--secret",
            "cs_x",
            "--timeout",
            "2",
        ]
    )
    assert result.exit_code == 4
