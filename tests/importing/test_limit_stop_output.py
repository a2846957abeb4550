"""Issue 14 #15: a safety-limit stop (exit 3) shows the rejected rows and gives advice that
fits the run (no "use --dry-run" inside a dry run)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.sandbox import Sandbox

MAPPING = """
[fields]
sku = "sku"
name = "name"
regular_price = { column = "price", type = "money" }

[limits]
max_changes = 2
"""

FEED = "sku,name,price\nA-1,Alpha,1.00\nA-2,Beta,abc\nA-3,Gamma,3.00\nA-4,Delta,4.00\n"


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("BULKIO_HOME", str(tmp_path / "home"))


def _import(sandbox: Sandbox, tmp_path: Path, *flags: str) -> Result:
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED, encoding="utf-8")
    key, secret = sandbox.keys["read_write"]
    args = ["import", str(feed), "-m", str(mapping), *flags]
    args += ["--url", sandbox.url, "--key", key, "--secret", secret]
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_limit_stop_lists_the_rejected_rows(
    sandbox: Sandbox, tmp_path: Path, dry_run: bool
) -> None:
    report = tmp_path / "report.csv"
    flags = ["--report", str(report)] + (["--dry-run"] if dry_run else [])
    result = _import(sandbox, tmp_path, *flags)
    assert result.exit_code == 3, result.output
    assert "max_changes" in result.stderr
    assert "1 row(s) not applied" in result.output
    assert "SKU A-2 [price] value 'abc'" in result.output
    rows = list(csv.DictReader(report.open(encoding="utf-8-sig")))
    assert [(r["sku"], r["code"]) for r in rows] == [("A-2", "invalid-number")]
    assert sandbox.writes() == 0


def test_the_advice_inside_a_dry_run_does_not_suggest_a_dry_run(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    dry = _import(sandbox, tmp_path, "--dry-run")
    assert dry.exit_code == 3
    assert "--dry-run" not in dry.stderr
    assert "--max-changes N" in dry.stderr
    real = _import(sandbox, tmp_path)
    assert real.exit_code == 3
    assert "--dry-run" in real.stderr  # outside a dry run it is the right first step


def test_a_limit_stop_in_json_keeps_the_problems(sandbox: Sandbox, tmp_path: Path) -> None:
    result = _import(sandbox, tmp_path, "--dry-run", "--json")
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert document["stopped_by_limits"]
    assert [p["sku"] for p in document["problems"]] == ["A-2"]
