"""--json (one versioned document) and --quiet on doctor, mapping, export orders, demo, init."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.cli.jsonout import SCHEMAS
from bulkio.sandbox import Sandbox
from tests.export.http_orders import create_orders
from tests.init.helpers import MAPPINGS, SAMPLES

ANSI = "\x1b["


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def store(sb: Sandbox, permission: str = "read_write") -> list[str]:
    key, secret = sb.keys[permission]
    return ["--url", sb.url, "--key", key, "--secret", secret]


def doc(result: Result, command: str) -> dict[str, Any]:
    document = json.loads(result.stdout)
    assert document["schema"] == f"bulkio.{command}/{SCHEMAS[command]}"
    return document


def test_doctor_json_quiet_and_no_colour_off_a_terminal(sandbox: Sandbox) -> None:
    result = run("doctor", "--json", "--samples", "1", *store(sandbox))
    assert result.exit_code == 0, result.output
    document = doc(result, "doctor")
    assert document["ok"] is True and {c["name"] for c in document["checks"]} >= {"api-root"}
    quiet = run("doctor", "--quiet", "--samples", "1", *store(sandbox))
    assert quiet.exit_code == 0 and quiet.stdout == ""
    text = run("doctor", "--samples", "1", *store(sandbox))
    assert "OK" in text.stdout and ANSI not in text.stdout


def test_doctor_quiet_prints_the_failure(sandbox: Sandbox) -> None:
    key, _ = sandbox.keys["read_write"]
    result = run("doctor", "-q", "--samples", "1", "--url", sandbox.url, "--key", key,
                 "--secret", "cs_wrong")  # fmt: skip
    assert result.exit_code == 4
    assert result.stdout == "" and "FAIL" in result.stderr


def test_mapping_validate_and_list(tmp_path: Path) -> None:
    csv_sample = str(SAMPLES / "supplier-products.csv")
    result = run(
        "mapping", "validate", "supplier-csv", "--sample", csv_sample, "--rows", "40", "--json"
    )
    assert result.exit_code == 1  # the sample has bad rows on purpose
    assert doc(result, "mapping.validate")["sample"]["rejected"]
    quiet = run("mapping", "validate", "supplier-csv", "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""
    listing = doc(run("mapping", "list", "--json"), "mapping.list")
    names = {m["name"] for m in listing["mappings"]}
    assert {"supplier-csv", "woocommerce-core"} <= names
    assert set(run("mapping", "list", "-q").stdout.split()) == names
    broken = tmp_path / "broken.toml"
    broken.write_text("[fields]\nsku = 1\n", encoding="utf-8")
    error = run("mapping", "validate", str(broken), "--json")
    assert error.exit_code == 2
    failed = doc(error, "mapping.validate")
    assert failed["ok"] is False and "broken.toml" in failed["error"]["message"]


def test_mapping_validate_reads_catalog_mappings_as_the_import_does() -> None:
    sample = str(SAMPLES / "catalog-woocommerce.csv")
    result = run("mapping", "validate", "woocommerce-core", "--sample", sample, "--json")
    assert result.exit_code == 0, result.output
    check = doc(result, "mapping.validate")["sample"]
    assert (check["products"], check["variations"]) == (2, 4)
    text = run("mapping", "validate", "woocommerce-core", "--sample", sample)
    assert "2 product(s) and 4 variation(s)" in text.stdout


def test_export_orders_json(sandbox: Sandbox, tmp_path: Path) -> None:
    create_orders(sandbox, 3, seed=5)
    out = tmp_path / "orders.csv"
    mapping = str(MAPPINGS / "export-warehouse.toml")
    result = run("export", "orders", "-m", mapping, "-o", str(out), "--json", *store(sandbox))
    assert result.exit_code == 0, result.output
    document = doc(result, "export")
    assert document["orders"] == 3 and document["output"] == str(out) and out.exists()
    assert result.stderr == ""  # no summary or progress beside the document
    again = run("export", "orders", "-m", mapping, "-o", str(out), "--json", *store(sandbox))
    assert again.exit_code == 2
    assert doc(again, "export")["ok"] is False


def test_demo_json_and_quiet() -> None:
    result = run("demo", "--json")
    assert result.exit_code == 0
    assert doc(result, "demo")["second_run_writes"] == 0
    quiet = run("demo", "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""
