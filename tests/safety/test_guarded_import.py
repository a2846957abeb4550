"""`bulkio import` under the safety layer, end to end over HTTP against the sandbox:
limits stop bad feeds before any write, the missing policy, the lock, the run log and state."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from bulkio.runlock import RunLock
from bulkio.runlog import read_log
from bulkio.runs import load_state, mapping_slug, runs_home, store_slug
from bulkio.sandbox import Sandbox
from tests.safety.helpers import (
    cli_import,
    isolate_store_env,
    live_by_sku,
    owned_state,
    rows,
    write_csv,
    write_mapping,
)

N = 40


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_store_env(monkeypatch, tmp_path)


def series(sb: Sandbox, mapping: Path) -> Path:
    return runs_home() / store_slug(sb.url) / mapping_slug(mapping)


def run_dirs(sb: Sandbox, mapping: Path) -> list[Path]:
    return sorted(p for p in series(sb, mapping).iterdir() if p.is_dir())


def last_log(sb: Sandbox, mapping: Path) -> list[dict]:
    return read_log(run_dirs(sb, mapping)[-1] / "log.jsonl")


@pytest.fixture
def seeded(sandbox: Sandbox, tmp_path: Path) -> tuple[Sandbox, Path]:
    """A store filled by one good nightly run of N products (state saved: N feed rows)."""
    mapping = write_mapping(tmp_path / "nightly.toml")
    good = write_csv(tmp_path / "good.csv", rows(N))
    result = cli_import(sandbox, good, mapping)
    assert result.exit_code == 0, result.output
    assert load_state(series(sandbox, mapping) / "state.json").feed_rows == N  # type: ignore[union-attr]
    return sandbox, mapping


def test_truncated_feed_is_stopped_with_exit_3_and_no_write(seeded, tmp_path: Path) -> None:
    sb, mapping = seeded
    before = owned_state(sb)
    truncated = write_csv(tmp_path / "truncated.csv", rows(10))
    sb.clear_log()
    result = cli_import(sb, truncated, mapping)
    assert result.exit_code == 3, result.output
    assert sb.writes() == 0
    assert owned_state(sb) == before
    assert "min_rows_share" in result.stderr
    assert "10 rows" in result.stderr and f"{N} rows" in result.stderr
    assert "--min-rows-share" in result.stderr
    summary = last_log(sb, mapping)[-1]
    assert summary["event"] == "summary" and summary["exit_code"] == 3
    assert summary["outcome"] == "safety_limit"
    # a stopped run does not become the new baseline
    assert load_state(series(sb, mapping) / "state.json").feed_rows == N  # type: ignore[union-attr]


def test_all_prices_zero_names_the_products(seeded, tmp_path: Path) -> None:
    sb, mapping = seeded
    zeros = write_csv(tmp_path / "zeros.csv", rows(N, price="0.00"))
    sb.clear_log()
    result = cli_import(sb, zeros, mapping)
    assert result.exit_code == 3, result.output
    assert sb.writes() == 0
    assert "max_price_drop" in result.stderr
    assert "P-0001 regular_price 10.01 → 0.00 (-100%)" in result.stderr
    assert f"and {N - 10} more" in result.stderr
    breaches = [r for r in last_log(sb, mapping) if r.get("event") == "breach"]
    assert {b["code"] for b in breaches} >= {"max_price_drop", "max_change_share"}


def test_shifted_column_is_stopped(seeded, tmp_path: Path) -> None:
    sb, mapping = seeded
    # one column missing in the middle of each line: every value after it moves one left
    shifted = [
        {
            "sku": r["sku"],
            "name": r["price"],
            "price": r["stock"],
            "stock": r["ean"][-2:],
            "ean": "",
        }
        for r in rows(N)
    ]
    feed = write_csv(tmp_path / "shifted.csv", shifted)
    sb.clear_log()
    result = cli_import(sb, feed, mapping)
    assert result.exit_code == 3, result.output
    assert sb.writes() == 0
    assert "max_change_share" in result.stderr
    assert f"{N} of {N} existing records" in result.stderr
    assert "max_price_drop" in result.stderr


def test_limits_can_be_raised_explicitly(seeded, tmp_path: Path) -> None:
    sb, mapping = seeded
    truncated = write_csv(tmp_path / "truncated.csv", rows(10))
    assert cli_import(sb, truncated, mapping, "--min-rows-share", "10%").exit_code == 0
    zeros = write_csv(tmp_path / "zeros.csv", rows(N, price="0.00"))
    assert cli_import(sb, zeros, mapping, "--max-price-drop", "off").exit_code == 3  # share too
    result = cli_import(sb, zeros, mapping, "--no-limits")
    assert result.exit_code == 0, result.output
    assert {p["regular_price"] for p in live_by_sku(sb).values()} == {"0.00"}


def test_mapping_limits_apply_and_cli_overrides_them(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "strict.toml", limits="max_changes = 5")
    feed = write_csv(tmp_path / "feed.csv", rows(8))
    result = cli_import(sandbox, feed, mapping)
    assert result.exit_code == 3 and "max_changes" in result.stderr
    assert sandbox.writes() == 0
    assert cli_import(sandbox, feed, mapping, "--max-changes", "8").exit_code == 0


def test_bad_limit_option_is_a_usage_error(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "m.toml")
    feed = write_csv(tmp_path / "feed.csv", rows(2))
    result = cli_import(sandbox, feed, mapping, "--max-price-drop", "lots")
    assert result.exit_code == 2
    assert "--max-price-drop" in result.stderr
    assert sandbox.writes() == 0


def test_dry_run_reports_a_breach_too_and_takes_no_lock(seeded, tmp_path: Path) -> None:
    sb, mapping = seeded
    truncated = write_csv(tmp_path / "truncated.csv", rows(5))
    with RunLock(series(sb, mapping) / "lock"):
        result = cli_import(sb, truncated, mapping, "--dry-run")
    assert result.exit_code == 3
    assert "min_rows_share" in result.stderr


# -- the missing policy ------------------------------------------------------------------------


def test_missing_products_are_drafted_only_when_managed(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(
        tmp_path / "supplier.toml", missing="draft", manages='{ meta = "_bulkio_feed" }'
    )
    full = write_csv(tmp_path / "full.csv", rows(30))
    assert cli_import(sandbox, full, mapping).exit_code == 0
    created = live_by_sku(sandbox)
    assert all(
        {"key": "_bulkio_feed", "value": "supplier"}
        in [{"key": m["key"], "value": m["value"]} for m in p["meta_data"]]
        for p in created.values()
    )
    hand_made = sandbox.create_product(
        {"name": "Made by hand", "sku": "HAND-1", "regular_price": "5.00"}
    )

    fewer = write_csv(tmp_path / "fewer.csv", rows(27))  # P-0028..P-0030 discontinued
    result = cli_import(sandbox, fewer, mapping)
    assert result.exit_code == 0, result.output
    statuses = {sku: p["status"] for sku, p in live_by_sku(sandbox).items()}
    assert [s for s, st in statuses.items() if st == "draft"] == ["P-0028", "P-0029", "P-0030"]
    assert (
        statuses["HAND-1"] == "publish" and sandbox.product(hand_made["id"])["status"] == "publish"
    )
    hides = [r for r in last_log(sandbox, mapping) if r.get("phase") == "missing"]
    assert sorted(r["sku"] for r in hides) == ["P-0028", "P-0029", "P-0030"]
    assert all(r["event"] == "hide" for r in hides)
    summary = last_log(sandbox, mapping)[-1]
    assert summary["counts"]["hidden"] == 3

    sandbox.clear_log()
    again = cli_import(sandbox, fewer, mapping)
    assert again.exit_code == 0 and sandbox.writes() == 0  # already drafted: nothing to do


def test_a_rejected_row_does_not_count_as_missing(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(
        tmp_path / "feed.toml", missing="draft", manages='{ meta = "_bulkio_feed" }'
    )
    data = rows(12)
    assert cli_import(sandbox, write_csv(tmp_path / "a.csv", data), mapping).exit_code == 0
    data[3]["price"] = "abc"
    result = cli_import(sandbox, write_csv(tmp_path / "b.csv", data), mapping)
    assert result.exit_code == 1
    assert live_by_sku(sandbox)["P-0004"]["status"] == "publish"


def test_dry_run_shows_missing_actions(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(
        tmp_path / "feed.toml", missing="private", manages='{ meta = "_bulkio_feed" }'
    )
    assert cli_import(sandbox, write_csv(tmp_path / "a.csv", rows(12)), mapping).exit_code == 0
    sandbox.clear_log()
    from tests.safety.helpers import cli, store_args

    result = cli(
        "import",
        write_csv(tmp_path / "b.csv", rows(11)),
        "-m",
        mapping,
        "--dry-run",
        *store_args(sandbox),
    )
    assert result.exit_code == 0, result.output
    assert "Managed products missing from the feed:" in result.stdout
    assert re.search(
        r"^~ SKU P-0012  \(missing from the feed\) set private, product #\d+\n"
        r'    status: "publish" → "private"$',
        result.stdout,
        re.M,
    ), result.stdout
    assert "1 missing from the feed to hide" in result.stdout
    assert sandbox.writes() == 0


def test_too_many_missing_is_stopped_by_max_hide(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(
        tmp_path / "feed.toml", missing="out-of-stock", manages='{ meta = "_bulkio_feed" }'
    )
    assert cli_import(sandbox, write_csv(tmp_path / "a.csv", rows(40)), mapping).exit_code == 0
    sandbox.clear_log()
    result = cli_import(
        sandbox, write_csv(tmp_path / "b.csv", rows(25)), mapping, "--min-rows-share", "off"
    )
    assert result.exit_code == 3, result.output
    assert (
        "max_hide" in result.stderr and "14 of 39 existing records" in result.stderr
    )  # P-0040 already has stock 0
    assert sandbox.writes() == 0
    ok = cli_import(
        sandbox,
        write_csv(tmp_path / "b.csv", rows(25)),
        mapping,
        "--min-rows-share",
        "off",
        "--max-hide",
        "14",
    )
    assert ok.exit_code == 0, ok.output
    stock = {sku: p["stock_quantity"] for sku, p in live_by_sku(sandbox).items()}
    assert all(stock[f"P-{n:04d}"] == 0 for n in range(26, 41))
    assert stock["P-0001"] == 1


def test_delete_needs_allow_delete_and_goes_to_the_trash(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(
        tmp_path / "feed.toml", missing="delete", manages='{ meta = "_bulkio_feed" }'
    )
    feed = write_csv(tmp_path / "a.csv", rows(12))
    refused = cli_import(sandbox, feed, mapping)
    assert refused.exit_code == 2
    assert "--allow-delete" in refused.stderr
    assert sandbox.request_log == []  # stopped before a single request
    assert cli_import(sandbox, feed, mapping, "--allow-delete").exit_code == 0
    sandbox.clear_log()
    result = cli_import(sandbox, write_csv(tmp_path / "b.csv", rows(10)), mapping, "--allow-delete")
    assert result.exit_code == 0, result.output
    assert sorted(live_by_sku(sandbox)) == [f"P-{n:04d}" for n in range(1, 11)]
    trashed = [p["sku"] for p in sandbox.products(status="trash")]
    assert sorted(trashed) == ["P-0011", "P-0012"]
    deletes = [e for e in sandbox.request_log if e.method == "DELETE"]
    assert len(deletes) == 2 and all(e.query.get("force") in (None, "false") for e in deletes)


def test_missing_policy_without_manages_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "feed.toml", missing="draft")
    result = cli_import(sandbox, write_csv(tmp_path / "a.csv", rows(3)), mapping)
    assert result.exit_code == 2
    assert "target.missing" in result.stderr and "manages" in result.stderr
    assert sandbox.writes() == 0


# -- lock, log, state --------------------------------------------------------------------------


def test_locked_run_exits_5_without_writing(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "nightly.toml")
    feed = write_csv(tmp_path / "feed.csv", rows(5))
    lock_file = series(sandbox, mapping) / "lock"
    with RunLock(lock_file, run_id="other"):
        result = cli_import(sandbox, feed, mapping)
    assert result.exit_code == 5, result.output
    assert f"bulkio process {os.getpid()}" in result.stderr
    assert sandbox.writes() == 0
    # the refused run leaves a log that says why
    assert last_log(sandbox, mapping)[-1]["outcome"] == "locked"
    other = write_mapping(tmp_path / "other.toml")
    with RunLock(lock_file):
        assert cli_import(sandbox, feed, other).exit_code == 0  # other mappings are not blocked
    assert cli_import(sandbox, feed, mapping).exit_code == 0  # free again


def test_run_directory_holds_log_plan_report_and_state(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "nightly.toml")
    data = rows(6)
    data[2]["price"] = "abc"
    result = cli_import(sandbox, write_csv(tmp_path / "feed.csv", data), mapping)
    assert result.exit_code == 1
    (run,) = run_dirs(sandbox, mapping)
    assert {p.name for p in run.iterdir()} == {
        "log.jsonl",
        "plan.json",
        "report.csv",
        "report.html",
    }
    assert json.loads((run / "plan.json").read_text())["counts"]["create"] == 5
    assert "P-0003" in (run / "report.csv").read_text(encoding="utf-8-sig")
    log = read_log(run / "log.jsonl")
    assert log[0]["phase"] == "start" and log[-1]["phase"] == "summary"
    rejected = [r for r in log if r["event"] == "rejected"]
    assert rejected[0]["line"] == 4 and rejected[0]["sku"] == "P-0003"
    created = [r for r in log if r["phase"] == "apply"]
    assert sorted(r["sku"] for r in created) == ["P-0001", "P-0002", "P-0004", "P-0005", "P-0006"]
    assert all(r["event"] == "created" and r["id"] > 0 and r["line"] > 1 for r in created)
    assert "regular_price" in created[0]["fields"]
    http = [r for r in log if r["phase"] == "http"]
    assert any(r["route"] == "POST products/batch" and r["status"] == 200 for r in http)
    assert all(r["attempts"] >= 1 and r["duration"] >= 0 for r in http)
    summary = log[-1]
    assert summary["exit_code"] == 1 and summary["outcome"] == "partial"
    assert summary["counts"]["created"] == 5 and summary["counts"]["rejected"] == 1
    assert summary["counts"]["feed_rows"] == 6
    assert load_state(series(sandbox, mapping) / "state.json").feed_rows == 6  # type: ignore[union-attr]


def test_log_file_option_and_stderr(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "nightly.toml")
    feed = write_csv(tmp_path / "feed.csv", rows(3))
    log_file = tmp_path / "logs" / "bulkio.jsonl"
    assert cli_import(sandbox, feed, mapping, "--log-file", log_file).exit_code == 0
    assert cli_import(sandbox, feed, mapping, "--log-file", log_file).exit_code == 0
    summaries = [r for r in read_log(log_file) if r["event"] == "summary"]
    assert len(summaries) == 2 and summaries[0]["run"] != summaries[1]["run"]
    result = cli_import(sandbox, feed, mapping, "--log-file", "-")
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert lines[-1]["event"] == "summary" and lines[-1]["exit_code"] == 0


def test_runs_dir_option_and_pruning(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "nightly.toml")
    feed = write_csv(tmp_path / "feed.csv", rows(2))
    runs = tmp_path / "elsewhere"
    for _ in range(3):
        assert cli_import(sandbox, feed, mapping, "--runs-dir", runs).exit_code == 0
    found = list((runs / store_slug(sandbox.url) / "nightly").iterdir())
    assert sum(1 for p in found if p.is_dir()) == 3
    assert {"lock", "state.json"} <= {p.name for p in found}


def test_apply_of_a_saved_plan_hides_missing_products_checked_first(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    from tests.safety.helpers import cli, store_args

    mapping = write_mapping(
        tmp_path / "feed.toml", missing="draft", manages='{ meta = "_bulkio_feed" }'
    )
    assert cli_import(sandbox, write_csv(tmp_path / "a.csv", rows(12)), mapping).exit_code == 0
    plan_file = tmp_path / "plan.json"
    preview = cli_import(
        sandbox,
        write_csv(tmp_path / "b.csv", rows(10)),
        mapping,
        "--dry-run",
        "--plan-out",
        plan_file,
    )
    assert preview.exit_code == 0, preview.output
    assert [m["sku"] for m in json.loads(plan_file.read_text())["missing"]] == ["P-0011", "P-0012"]
    # somebody edits P-0012 by hand before the plan is applied
    p12 = live_by_sku(sandbox)["P-0012"]
    sandbox.db.db.execute(
        "UPDATE posts SET date_modified_gmt = '2030-01-01T00:00:00' WHERE id = ?", (p12["id"],)
    )
    sandbox.clear_log()
    result = cli("apply", plan_file, *store_args(sandbox))
    assert result.exit_code == 1, result.output
    statuses = {sku: p["status"] for sku, p in live_by_sku(sandbox).items()}
    assert statuses["P-0011"] == "draft" and statuses["P-0012"] == "publish"
    assert "changed_since_plan" in result.output
    again = cli("apply", plan_file, *store_args(sandbox))
    assert statuses == {sku: p["status"] for sku, p in live_by_sku(sandbox).items()}
    assert again.exit_code == 1  # P-0012 is still refused, P-0011 is already done


def test_catalog_feeds_take_the_same_lock_and_log(sandbox: Sandbox, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    feed, mapping = (
        root / "samples" / "catalog-woocommerce.csv",
        root / "mappings" / "woocommerce-core.toml",
    )
    with RunLock(series(sandbox, mapping) / "lock"):
        locked = cli_import(sandbox, feed, mapping)
    assert locked.exit_code == 5, locked.output
    assert sandbox.writes() == 0
    result = cli_import(sandbox, feed, mapping, "--dry-run")
    assert result.exit_code in (0, 1), result.output
    summary = last_log(sandbox, mapping)[-1]
    assert summary["event"] == "summary" and summary["outcome"] == "dry_run"


def test_unwritable_log_file_is_a_usage_error(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "nightly.toml")
    feed = write_csv(tmp_path / "feed.csv", rows(2))
    (tmp_path / "blocker").write_text("a file, not a directory")
    result = cli_import(sandbox, feed, mapping, "--log-file", tmp_path / "blocker" / "log.jsonl")
    assert result.exit_code == 2, result.output
    assert "cannot write the run log" in result.stderr
    assert sandbox.writes() == 0


def test_only_owned_fields_go_over_the_wire(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.capture_bodies = True
    mapping = write_mapping(
        tmp_path / "feed.toml", missing="draft", manages='{ meta = "_bulkio_feed" }'
    )
    assert cli_import(sandbox, write_csv(tmp_path / "a.csv", rows(12)), mapping).exit_code == 0
    changed = rows(10)
    changed[0]["name"] = "Renamed"
    assert cli_import(sandbox, write_csv(tmp_path / "b.csv", changed), mapping).exit_code == 0
    owned = {"sku", "name", "regular_price", "stock_quantity", "manage_stock", "meta_data"}
    seen: set[str] = set()
    for entry in sandbox.request_log:
        if not entry.is_write:
            continue
        body = json.loads(entry.body or b"{}")
        for part in ("create", "update"):
            for item in body.get(part, []):
                keys = set(item) - {"id"}
                seen |= keys
                if part == "create":
                    assert keys <= owned, keys
                    metas = {m["key"] for m in item.get("meta_data", [])}
                    assert metas <= {"ean", "_bulkio_feed"}, metas
                else:  # a changed row, or a missing product being hidden
                    assert keys <= owned or keys == {"status"}, keys
        assert not body.get("delete")
    assert {"name", "status"} <= seen
