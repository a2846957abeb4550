"""Where runs keep their files, and the last-success state used by the min-rows limit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bulkio.runs import (
    RunState,
    list_runs,
    load_state,
    mapping_slug,
    prune_runs,
    runs_home,
    save_state,
    start_run,
    store_slug,
)


def test_runs_home_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BULKIO_HOME", raising=False)
    assert runs_home() == tmp_path / ".bulkio" / "runs"
    monkeypatch.setenv("BULKIO_HOME", str(tmp_path / "home"))
    assert runs_home() == tmp_path / "home" / "runs"
    assert runs_home(tmp_path / "explicit") == tmp_path / "explicit"


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("https://shop.example.com/", "shop.example.com"),
        ("http://127.0.0.1:8080", "127.0.0.1_8080"),
        ("https://Example.COM/sub/shop/", "example.com_sub_shop"),
        ("https://ck_abc:cs_def@shop.example.com/?consumer_key=ck_x", "shop.example.com"),
        ("shop.example.com", "shop.example.com"),
    ],
)
def test_store_slug(url: str, slug: str) -> None:
    assert store_slug(url) == slug


def test_mapping_slug() -> None:
    assert mapping_slug("mappings/supplier feed.toml") == "supplier_feed"
    assert mapping_slug("/x/stock.toml") == "stock"


def test_start_run_creates_unique_directories(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 2, 0, 0, tzinfo=UTC)
    first = start_run("https://shop.example.com", "m/feed.toml", tmp_path, now=now)
    second = start_run("https://shop.example.com", "m/feed.toml", tmp_path, now=now)
    assert first.run_dir == tmp_path / "shop.example.com" / "feed" / "20261125T020000Z"
    assert second.run_dir.name == "20261125T020000Z-1"
    assert first.run_dir.is_dir() and second.run_dir.is_dir()
    assert first.lock_file == second.lock_file == first.series_dir / "lock"
    assert first.log_file.name == "log.jsonl" and first.report_file.name == "report.csv"
    assert first.plan_file.name == "plan.json" and first.state_file.name == "state.json"


def test_prune_keeps_the_newest_and_the_current_run(tmp_path: Path) -> None:
    series = tmp_path / "s"
    for day in range(1, 8):
        (series / f"202611{day:02d}T020000Z").mkdir(parents=True)
    (series / "lock").write_text("")
    (series / "notes").mkdir()
    current = series / "20261101T020000Z-1"
    current.mkdir()
    deleted = prune_runs(series, keep=3, protect=current)
    names = [p.name for p in list_runs(series)]
    assert names == ["20261101T020000Z-1", "20261106T020000Z", "20261107T020000Z"]
    assert deleted == 5
    assert (series / "lock").exists() and (series / "notes").is_dir()


def test_state_round_trip_and_damage(tmp_path: Path) -> None:
    state_file = tmp_path / "series" / "state.json"
    assert load_state(state_file) is None
    save_state(state_file, RunState(feed_rows=1234, finished_at="2026-11-25T02:01:00Z", run_id="R"))
    assert load_state(state_file) == RunState(1234, "2026-11-25T02:01:00Z", "R")
    assert [p.name for p in state_file.parent.iterdir()] == ["state.json"]  # no temp left
    state_file.write_text("{broken")
    assert load_state(state_file) is None
    state_file.write_text('{"last_success": {"feed_rows": -1}}')
    assert load_state(state_file) is None


def test_unwritable_runs_dir_is_a_clear_usage_error(tmp_path: Path) -> None:
    import os

    from bulkio.errors import UsageError

    locked = tmp_path / "readonly"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):  # running as root: permissions do not apply
            pytest.skip("the test user can write anywhere")
        with pytest.raises(UsageError) as info:
            start_run("https://shop.example.com", "feed.toml", locked / "runs")
        assert "cannot create the run directory" in str(info.value)
        assert "BULKIO_HOME" in str(info.value)
    finally:
        os.chmod(locked, 0o700)


def test_a_file_in_the_way_is_a_clear_usage_error(tmp_path: Path) -> None:
    from bulkio.errors import UsageError

    (tmp_path / "runs").write_text("not a directory")
    with pytest.raises(UsageError) as info:
        start_run("https://shop.example.com", "feed.toml", tmp_path / "runs")
    assert str(tmp_path / "runs") in str(info.value)
