"""`bulkio apply PLAN.json` re-checks the safety limits before any write (exit 3), over HTTP
against the sandbox: the mapping's [limits] travel in the plan, the plan carries its feed's
row count for min_rows_share, and only the apply command's own options override them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulkio.plan import Plan
from bulkio.runs import load_state, mapping_slug, runs_home, store_slug
from bulkio.sandbox import Sandbox
from tests.safety.helpers import (
    cli,
    cli_import,
    isolate_store_env,
    live_by_sku,
    owned_state,
    rows,
    store_args,
    write_csv,
    write_mapping,
)

N = 40


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_store_env(monkeypatch, tmp_path)


def state_file(sb: Sandbox, mapping: Path) -> Path:
    return runs_home() / store_slug(sb.url) / mapping_slug(mapping) / "state.json"


@pytest.fixture
def seeded(sandbox: Sandbox, tmp_path: Path) -> tuple[Sandbox, Path]:
    """N products written by one good run (its state: N feed rows)."""
    mapping = write_mapping(tmp_path / "nightly.toml")
    assert cli_import(sandbox, write_csv(tmp_path / "good.csv", rows(N)), mapping).exit_code == 0
    return sandbox, mapping


def save_plan(sb: Sandbox, feed: Path, mapping: Path, plan: Path) -> None:
    """A plan saved by a dry run that ignored the limits (it would have stopped otherwise)."""
    result = cli_import(sb, feed, mapping, "--dry-run", "--no-limits", "--plan-out", plan)
    assert result.exit_code == 0, result.output


def apply(sb: Sandbox, plan: Path, *extra: str):  # type: ignore[no-untyped-def]
    return cli("apply", plan, "--quiet", *extra, *store_args(sb))


def test_apply_of_a_plan_zeroing_prices_stops_with_exit_3_before_any_write(
    seeded: tuple[Sandbox, Path], tmp_path: Path
) -> None:
    sb, mapping = seeded
    plan = tmp_path / "zeros.json"
    save_plan(sb, write_csv(tmp_path / "zeros.csv", rows(N, price="0.00")), mapping, plan)
    assert json.loads(plan.read_text())["feed_rows"] == N
    before = owned_state(sb)
    sb.clear_log()

    result = apply(sb, plan)
    assert result.exit_code == 3, result.output
    assert "max_price_drop" in result.stderr and "--max-price-drop" in result.stderr
    assert sb.writes() == 0
    assert owned_state(sb) == before

    price_only = apply(sb, plan, "--max-price-drop", "off")
    assert price_only.exit_code == 3 and "max_change_share" in price_only.stderr
    assert sb.writes() == 0
    allowed = apply(sb, plan, "--max-price-drop", "off", "--max-change-share", "off")
    assert allowed.exit_code == 0, allowed.output
    assert {p["regular_price"] for p in live_by_sku(sb).values()} == {"0.00"}


def test_apply_of_a_truncated_feeds_plan_checks_min_rows_against_the_last_run(
    seeded: tuple[Sandbox, Path], tmp_path: Path
) -> None:
    sb, mapping = seeded
    plan = tmp_path / "short.json"
    save_plan(sb, write_csv(tmp_path / "short.csv", rows(5, price="1.00")), mapping, plan)
    sb.clear_log()

    result = apply(sb, plan)
    assert result.exit_code == 3, result.output
    assert "min_rows_share" in result.stderr and "5 rows" in result.stderr
    assert sb.writes() == 0

    forced = apply(sb, plan, "--no-limits")
    assert forced.exit_code == 0, forced.output
    assert sb.writes() > 0
    # the applied plan's feed is now the last successful run's
    assert load_state(state_file(sb, mapping)).feed_rows == 5  # type: ignore[union-attr]


def test_the_mappings_limits_travel_in_the_plan(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "strict.toml", limits="max_changes = 5")
    plan = tmp_path / "plan.json"
    save_plan(sandbox, write_csv(tmp_path / "feed.csv", rows(8)), mapping, plan)
    assert json.loads(plan.read_text())["mapping"]["limits"] == {"max_changes": 5}
    mapping.write_text("# edited after the plan was made\n", encoding="utf-8")
    sandbox.clear_log()

    result = apply(sandbox, plan)
    assert result.exit_code == 3, result.output
    assert "max_changes" in result.stderr
    assert sandbox.writes() == 0
    assert apply(sandbox, plan, "--max-changes", "8").exit_code == 0
    assert len(live_by_sku(sandbox)) == 8


def test_a_plan_saved_before_plans_carried_row_counts_still_loads(
    seeded: tuple[Sandbox, Path], tmp_path: Path
) -> None:
    sb, mapping = seeded
    plan = tmp_path / "old.json"
    save_plan(sb, write_csv(tmp_path / "short.csv", rows(5, price="1.00")), mapping, plan)
    data = json.loads(plan.read_text())
    del data["feed_rows"]
    del data["mapping"]["limits"]
    plan.write_text(json.dumps(data), encoding="utf-8")
    loaded = Plan.from_json(plan.read_text())
    assert loaded.feed_rows is None and loaded.mapping_limits is None
    assert loaded.row_count() == 5  # counted from the rows the plan lists
    sb.clear_log()
    result = apply(sb, plan)
    assert result.exit_code == 3 and "min_rows_share" in result.stderr
    assert sb.writes() == 0


def test_bad_limit_option_on_apply_is_a_usage_error(sandbox: Sandbox, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    mapping = write_mapping(tmp_path / "m.toml")
    save_plan(sandbox, write_csv(tmp_path / "feed.csv", rows(2)), mapping, plan)
    result = apply(sandbox, plan, "--max-price-drop", "lots")
    assert result.exit_code == 2 and "--max-price-drop" in result.stderr
    assert sandbox.writes() == 0
