"""What users get wrong, run through the CLI as they would type it (QA pass).

Each test names the mistake; each expects the documented exit code and a message naming the
option, key, file or line — never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.errors import UsageError
from bulkio.safety import parse_count, parse_percent, resolve_limits

ROOT = Path(__file__).resolve().parents[2]
NOWHERE = "http://127.0.0.1:9"
"""A URL nothing answers: the tests below must stop before any request (exit 2, not 4)."""


def _bulkio(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--max-price-drop", "-5", "negative"),
        ("--max-price-drop", "-5%", "negative"),
        ("--max-price-drop", "150", "above 100%"),
        ("--max-change-share", "101", "above 100%"),
        ("--min-rows-share", "200", "above 100%"),
        ("--max-changes", "-1", "negative"),
        ("--max-changes", "inf", "not a whole number"),
        ("--max-changes", "nan", "not a whole number"),
    ],
)
def test_out_of_range_limit_option_is_exit_2_naming_it(option: str, value: str, words: str) -> None:
    code, output = _bulkio(
        "import",
        str(ROOT / "samples/supplier-products.csv"),
        "-m",
        str(ROOT / "mappings/supplier-csv.toml"),
        "--dry-run",
        "--url",
        NOWHERE,
        "--key",
        "ck_x",
        "--secret",
        "cs_x",
        f"{option}={value}",
    )
    assert code == 2, output
    assert option in output and words in output
    assert "Traceback" not in output


def test_negative_limit_no_longer_means_off() -> None:
    with pytest.raises(UsageError, match="negative"):
        parse_percent("-5", where="--max-price-drop")
    with pytest.raises(UsageError, match="negative"):
        parse_count(-1, where="x")
    with pytest.raises(UsageError, match=r"\[limits\] max_hide"):
        resolve_limits({"max_hide": -3}, mapping_path="m.toml")
    # off still disables, a price rise may exceed 100 %, 100 % drop is allowed
    assert parse_percent("off", where="x") is None
    limits = resolve_limits(cli={"max_price_rise": "300", "max_price_drop": "100"})
    assert limits.max_price_rise == 3.0 and limits.max_price_drop == 1.0
