"""Saved catalog plans: --plan-out, bulkio catalog apply, refusals, applying twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox
from tests.catalog.helpers import ROOT, client_for


def _store(sb: Sandbox) -> list[str]:
    key, secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret]


def test_plan_out_then_apply_twice(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "catalog.csv"
    shutil.copy(ROOT / "samples" / "catalog-woocommerce.csv", feed)
    plan = tmp_path / "plan.json"
    runner = CliRunner()
    dry = runner.invoke(
        main,
        ["catalog", "import", str(feed), "--dry-run", "--plan-out", str(plan), *_store(sandbox)],
    )
    assert dry.exit_code == 0, dry.output
    assert f"bulkio apply {plan}" in dry.output
    document = json.loads(plan.read_text())
    assert document["format"] == "bulkio-catalog-plan/1"
    assert document["counts"]["variation_create"] == 4
    assert "Clothing > Shirts" in document["terms"]
    assert sandbox.writes() == 0

    applied = runner.invoke(main, ["catalog", "apply", str(plan), *_store(sandbox)])
    assert applied.exit_code == 0, applied.output
    assert "variations: 4 created" in applied.output
    sandbox.clear_log()
    again = runner.invoke(main, ["catalog", "apply", str(plan), *_store(sandbox)])
    assert again.exit_code == 0, again.output
    assert sandbox.writes() == 0


def test_apply_refuses_items_changed_since_the_plan(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "catalog.csv"
    shutil.copy(ROOT / "samples" / "catalog-woocommerce.csv", feed)
    runner = CliRunner()
    assert runner.invoke(main, ["catalog", "import", str(feed), *_store(sandbox)]).exit_code == 0
    feed.write_text(feed.read_text().replace(",8.50,", ",9.50,").replace(",19.90,", ",20.90,"))
    plan = tmp_path / "plan.json"
    planned = runner.invoke(
        main,
        ["catalog", "import", str(feed), "--dry-run", "--plan-out", str(plan), *_store(sandbox)],
    )
    assert planned.exit_code == 0, planned.output
    with client_for(sandbox) as client:  # someone edits the mug in between
        mug = sandbox.product_by_sku("MUG")
        client.put(f"products/{mug['id']}", {"regular_price": "11.00"})
    result = runner.invoke(main, ["catalog", "apply", str(plan), *_store(sandbox)])
    assert result.exit_code == 1, result.output
    assert "changed-since-plan" in result.output and "MUG" in result.output
    assert sandbox.product_by_sku("MUG")["regular_price"] == "11.00"  # not overwritten
    assert sandbox.product_by_sku("TEE-RED-S")["regular_price"] == "20.90"  # the rest applied

    feed.write_text(feed.read_text() + "\n")
    changed = runner.invoke(main, ["catalog", "apply", str(plan), *_store(sandbox)])
    assert changed.exit_code == 2 and "changed since the plan" in changed.output


def test_apply_refuses_another_store_and_other_plans(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "catalog.csv"
    shutil.copy(ROOT / "samples" / "catalog-woocommerce.csv", feed)
    plan = tmp_path / "plan.json"
    runner = CliRunner()
    runner.invoke(
        main,
        ["catalog", "import", str(feed), "--dry-run", "--plan-out", str(plan), *_store(sandbox)],
    )
    document = json.loads(plan.read_text())
    document["store_url"] = "https://elsewhere.example.com"
    plan.write_text(json.dumps(document))
    other = runner.invoke(main, ["catalog", "apply", str(plan), *_store(sandbox)])
    assert other.exit_code == 2 and "elsewhere.example.com" in other.output
    plan.write_text(json.dumps({"format": "bulkio-plan/1"}))
    wrong = runner.invoke(main, ["catalog", "apply", str(plan), *_store(sandbox)])
    assert wrong.exit_code == 2 and "not a catalog plan" in wrong.output
    assert sandbox.writes() == 0


def test_bulkio_apply_takes_catalog_plans(sandbox: Sandbox, tmp_path: Path) -> None:
    """One command for every saved plan: `bulkio apply` dispatches on the plan's format."""
    feed = tmp_path / "catalog.csv"
    shutil.copy(ROOT / "samples" / "catalog-woocommerce.csv", feed)
    plan = tmp_path / "plan.json"
    runner = CliRunner()
    dry = runner.invoke(
        main,
        ["catalog", "import", str(feed), "--dry-run", "--plan-out", str(plan), *_store(sandbox)],
    )
    assert dry.exit_code == 0, dry.output
    assert f"bulkio apply {plan}" in dry.output
    applied = runner.invoke(main, ["apply", str(plan), "--json", *_store(sandbox)])
    assert applied.exit_code == 0, applied.output
    document = json.loads(applied.output)
    assert document["result"]["variation_created"] == 4, document
    assert sandbox.product_by_sku("TEE-BLUE-S")["sale_price"] == "17.50"
    sandbox.clear_log()
    again = runner.invoke(main, ["apply", str(plan), *_store(sandbox)])
    assert again.exit_code == 0, again.output
    assert sandbox.writes() == 0  # applied already: nothing written twice


def test_bulkio_apply_checks_catalog_limits_and_refusals(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "catalog.csv"
    shutil.copy(ROOT / "samples" / "catalog-woocommerce.csv", feed)
    runner = CliRunner()
    assert runner.invoke(main, ["catalog", "import", str(feed), *_store(sandbox)]).exit_code == 0
    feed.write_text(feed.read_text().replace(",8.50,", ",6.00,"))  # the mug: -29 %
    plan = tmp_path / "plan.json"
    planned = runner.invoke(
        main,
        ["catalog", "import", str(feed), "--dry-run", "--plan-out", str(plan), *_store(sandbox)],
    )
    assert planned.exit_code == 0, planned.output
    sandbox.clear_log()
    # bulkio apply's own --max-price-drop reaches the catalog path: exit 3, nothing written.
    stopped = runner.invoke(main, ["apply", str(plan), "--max-price-drop", "20", *_store(sandbox)])
    assert stopped.exit_code == 3, stopped.output
    assert sandbox.writes() == 0
    assert sandbox.product_by_sku("MUG")["regular_price"] == "8.50"
    with client_for(sandbox) as client:  # someone edits the mug in between
        client.put(f"products/{sandbox.product_by_sku('MUG')['id']}", {"regular_price": "9.00"})
    report = tmp_path / "report.csv"
    refused = runner.invoke(
        main, ["apply", str(plan), "--no-limits", "--report", str(report), *_store(sandbox)]
    )
    assert refused.exit_code == 1, refused.output
    assert "changed-since-plan" in report.read_text()
    assert sandbox.product_by_sku("MUG")["regular_price"] == "9.00"  # never overwritten
