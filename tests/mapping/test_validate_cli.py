"""`bulkio mapping validate` as a user runs it: output, JSON and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from bulkio.cli import main

ROOT = Path(__file__).resolve().parents[2]
CSV_MAPPING = str(ROOT / "mappings" / "supplier-csv.toml")
CSV_SAMPLE = str(ROOT / "samples" / "supplier-products.csv")


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["mapping", "validate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_valid_mapping_without_sample() -> None:
    code, out, _ = _invoke(CSV_MAPPING)
    assert code == 0
    assert "valid" in out
    assert "regular_price" in out and "'Preis' (money)" in out
    assert "manage_stock" in out and "= true" in out
    assert "filter: skip rows where 'Lieferstatus' equals 'ausgelaufen'" in out


def test_sample_shows_payloads_of_the_first_rows() -> None:
    code, out, _ = _invoke(CSV_MAPPING, "--sample", CSV_SAMPLE, "--rows", "3")
    assert code == 0  # the first 3 rows are all good
    assert "3 rows read" in out
    payload_lines = [line for line in out.splitlines() if line.startswith("  line ")]
    assert len(payload_lines) == 3
    first = json.loads(payload_lines[0].split(": ", 1)[1])
    assert first["sku"] == "SUP-1001"
    assert first["regular_price"] == "129.90"
    assert {"key": "ean", "value": "04012345678901"} in first["meta_data"]


def test_rejected_sample_rows_exit_1_and_are_listed() -> None:
    code, out, _ = _invoke(CSV_MAPPING, "--sample", CSV_SAMPLE, "--rows", "100")
    assert code == 1
    assert "[invalid-number]" in out and "[duplicate-sku]" in out
    assert "supplier-products.csv:23: SKU 'SUP-1021'" in out


def test_json_output() -> None:
    code, out, _ = _invoke(CSV_MAPPING, "--sample", CSV_SAMPLE, "--rows", "100", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["owned_fields"][0] == "sku"
    sample = data["sample"]
    assert sample["rows_read"] == 30 and sample["skipped"] == 1
    assert len(sample["payloads"]) == sample["accepted"] == 23
    assert {r["code"] for r in sample["rejected"]} >= {"missing-sku", "sale-above-regular"}


def test_mapping_error_exits_2_naming_file_and_key(write: Callable[..., Path]) -> None:
    path = write(
        "bad.toml", '[fields]\nsku = "A"\nregular_price = { column = "P", typ = "money" }\n'
    )
    code, out, err = _invoke(str(path))
    assert code == 2
    assert out == ""
    assert "bad.toml: [fields.regular_price.typ]: unknown key" in err
    assert "did you mean 'type'" in err


def test_column_missing_from_sample_exits_2(write: Callable[..., Path]) -> None:
    mapping = write("m.toml", '[fields]\nsku = "SKU"\nname = "Title"\n')
    sample = write("s.csv", "SKU,Name\nA,x\n")
    code, _, err = _invoke(str(mapping), "--sample", str(sample))
    assert code == 2
    assert "[fields.name.column]" in err and "'Title'" in err and "s.csv" in err


def test_unreadable_sample_exits_2(write: Callable[..., Path]) -> None:
    mapping = write("m.toml", '[fields]\nsku = "SKU"\n')
    sample = write("s.csv", b"SKU\n\xff\n")
    code, _, err = _invoke(str(mapping), "--sample", str(sample))
    assert code == 2
    assert "s.csv:2" in err
