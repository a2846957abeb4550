from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bulkio.errors import UsageError
from bulkio.export import RowBuilder, parse_export_mapping
from bulkio.export.state import ExportState, default_state_path, load_state, save_state
from bulkio.writers import atomic_output, write_rows
from bulkio.writers.atomic import OutputExistsError
from tests.export.orders import make_order

MAPPING = parse_export_mapping({"columns": [{"header": "No", "field": "number"}]}, "t.toml")


def test_existing_output_is_kept_unless_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("previous")
    rows = RowBuilder(MAPPING).rows([make_order()])
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_rows(target, "csv", MAPPING, rows, overwrite=False)
    assert target.read_text() == "previous"
    write_rows(target, "csv", MAPPING, RowBuilder(MAPPING).rows([make_order()]), overwrite=True)
    assert target.read_text() == "No\n101\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_crash_mid_write_leaves_no_file_under_the_target_name(tmp_path: Path) -> None:
    def exploding_orders():  # type: ignore[no-untyped-def]
        for index in range(5000):
            if index == 3000:
                raise RuntimeError("disk on fire")
            yield make_order(id=index + 1, number=str(index + 1))

    target = tmp_path / "out.csv"
    for fmt in ("csv", "xml", "xlsx", "parquet"):
        with pytest.raises(RuntimeError, match="disk on fire"):
            write_rows(
                target, fmt, MAPPING, RowBuilder(MAPPING).rows(exploding_orders()), overwrite=True
            )
        assert list(tmp_path.iterdir()) == [], fmt  # no target, temp file removed


def test_temp_file_lives_beside_the_target_until_renamed(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with atomic_output(target, overwrite=False) as temp:
        assert temp.parent == tmp_path and temp.name.startswith(".out.csv.")
        temp.write_text("data")
        assert not target.exists()
    assert target.read_text() == "data" and not temp.exists()


def test_output_appearing_meanwhile_is_not_clobbered(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with (
        pytest.raises(OutputExistsError, match="appeared while exporting"),
        atomic_output(target, overwrite=False) as temp,
    ):
        temp.write_text("new")
        target.write_text("someone else's")
    assert target.read_text() == "someone else's"


def test_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    with (
        pytest.raises(UsageError, match="does not exist"),
        atomic_output(tmp_path / "nope" / "out.csv", overwrite=False),
    ):
        pass


def test_state_round_trip_and_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BULKIO_HOME", raising=False)
    path = default_state_path("http://127.0.0.1:8080", "mappings/export-accounting.toml")
    assert path.parent == tmp_path / ".bulkio" / "state"
    assert path.name.startswith("127.0.0.1_8080--export-accounting-")
    other = default_state_path("https://shop.example.com", "mappings/export-accounting.toml")
    assert other != path
    assert load_state(path, store="http://127.0.0.1:8080", mode="created") is None
    mark = datetime(2026, 11, 25, 3, 0, 0, tzinfo=UTC)
    save_state(
        path,
        ExportState(store="http://127.0.0.1:8080", mapping="m", mode="created", high_water=mark),
    )
    data = json.loads(path.read_text())
    assert data["high_water"] == "2026-11-25T03:00:00Z" and "key" not in json.dumps(data)
    state = load_state(path, store="http://127.0.0.1:8080", mode="created")
    assert state is not None and state.high_water == mark
    with pytest.raises(UsageError, match="belongs to"):
        load_state(path, store="https://other.example", mode="created")
    with pytest.raises(UsageError, match="incremental = 'modified'"):
        load_state(path, store="http://127.0.0.1:8080", mode="modified")
    path.write_text("{broken")
    with pytest.raises(Exception, match="cannot read the incremental state"):
        load_state(path, store="http://127.0.0.1:8080", mode="created")


def test_state_dir_follows_bulkio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULKIO_HOME", str(tmp_path / "home"))
    assert default_state_path("http://x", "m.toml").parent == tmp_path / "home" / "state"
