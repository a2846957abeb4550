"""CLI exit codes that need no store: bad options and mapping, existing output, no store."""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner

from bulkio.cli import main

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTING = str(ROOT / "mappings" / "export-accounting.toml")


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def invoke(*args: str) -> tuple[int, str]:
    env = {"BULKIO_URL": closed_port_url(), "BULKIO_KEY": "ck_x", "BULKIO_SECRET": "cs_supersecret"}
    result = CliRunner().invoke(main, ["export", "orders", *args], env=env)
    return result.exit_code, result.output


def test_bad_mapping_is_exit_2_naming_file_and_key(tmp_path: Path) -> None:
    mapping = tmp_path / "bad.toml"
    mapping.write_text('[[columns]]\nheader = "x"\nfield = "totl"\n')
    code, output = invoke("-m", str(mapping), "-o", str(tmp_path / "o.csv"))
    assert code == 2
    assert f"{mapping}: [columns[1].field]: unknown order field 'totl'" in output
    assert "did you mean 'total'" in output


def test_existing_output_is_exit_2_before_touching_the_store(tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    out.write_text("keep me")
    code, output = invoke("-m", ACCOUNTING, "-o", str(out))
    assert code == 2 and "exists" in output and "--overwrite" in output
    assert out.read_text() == "keep me"


def test_bad_dates_statuses_and_formats(tmp_path: Path) -> None:
    out = str(tmp_path / "o.csv")
    code, output = invoke("-m", ACCOUNTING, "-o", out, "--after", "yesterday")
    assert code == 2 and "--after 'yesterday' is not a date" in output
    code, output = invoke(
        "-m", ACCOUNTING, "-o", out, "--after", "2026-02-01", "--before", "2026-01-01"
    )
    assert code == 2 and "--after must be earlier than --before" in output
    code, output = invoke("-m", ACCOUNTING, "-o", out, "--status", "compl eted")
    assert code == 2 and "not an order status" in output
    code, output = invoke("-m", ACCOUNTING, "-o", str(tmp_path / "o.dat"))
    assert code == 2 and "cannot tell the format" in output
    code, output = invoke("-m", ACCOUNTING, "-o", out, "--state-file", "s.json")
    assert code == 2 and "--since-last-run" in output


def test_unreachable_store_is_exit_4_and_never_shows_the_secret(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.fast]\nurl = "{closed_port_url()}"\nmax_attempts = 2\nbackoff_base = 0.01\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    env = {
        "BULKIO_CONFIG": str(config),
        "BULKIO_PROFILE": "fast",
        "BULKIO_URL": None,
        "BULKIO_KEY": "ck_x",
        "BULKIO_SECRET": "cs_supersecret",
    }
    args = ["export", "orders", "-m", ACCOUNTING, "-o", str(tmp_path / "o.csv"), "--quiet"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 4, result.output
    assert "cs_supersecret" not in result.output
    assert not (tmp_path / "o.csv").exists()


def test_when_values_are_utc_unless_they_carry_a_zone() -> None:
    from datetime import UTC, datetime

    from bulkio.cli.export import parse_statuses, parse_when

    assert parse_when("2026-01-31", "--after") == datetime(2026, 1, 31, tzinfo=UTC)
    assert parse_when("2026-01-31 08:00:05", "--after") == datetime(
        2026, 1, 31, 8, 0, 5, tzinfo=UTC
    )
    assert parse_when("2026-01-31T08:00+01:00", "--after") == datetime(2026, 1, 31, 7, tzinfo=UTC)
    assert parse_when("2026-01-31T08:00Z", "--after") == datetime(2026, 1, 31, 8, tzinfo=UTC)
    assert parse_when(None, "--after") is None
    assert parse_statuses(("completed,wc-processing", "completed", " on-hold ")) == (
        "completed",
        "processing",
        "on-hold",
    )
