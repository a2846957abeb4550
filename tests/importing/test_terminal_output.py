"""Issue 14 #5 and #10: what the terminal shows of feed data.

* Control characters from a feed (ESC, BEL, newlines in a SKU …) are shown escaped, never
  written raw: a name ``Al\\x1bpha\\x07`` must not drive the operator's terminal, and a SKU with
  a newline must not break the diff's layout.
* Problem lines are not cut: the message (with its advice) is shown whole.
* XML problems name the record *and* its file line: ``feed.xml record 2 (line 7)``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bulkio.apply import STORED_DIFFERENTLY, ItemOutcome
from bulkio.cli import main
from bulkio.plan import PlanRejection, build_plan, render_diff
from bulkio.plan.state import owned_specs, state_frame
from bulkio.report import problem_rows, render_problems, render_warnings, warning_rows
from bulkio.sandbox import Sandbox
from bulkio.terminal import printable
from tests.importing.helpers import FakeMapping, FakeRecords, desired

RAW_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters that must never reach the terminal (newline is allowed between lines)."""


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("BULKIO_HOME", str(tmp_path / "home"))


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _store_args(sb: Sandbox) -> list[str]:
    key, secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Al\x1bpha\x07", "Al\\x1bpha\\x07"),
        ("A\nB", "A\\nB"),
        ("tab\there", "tab\\there"),
        ("cr\r", "cr\\r"),
        ("del\x7f c1\x9b", "del\\x7f c1\\x9b"),
        ("bidi\u202egnp.exe", "bidi\\u202egnp.exe"),
        ("Gießkanne 10 l – ok €", "Gießkanne 10 l – ok €"),
    ],
)
def test_printable_escapes_control_characters_only(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_the_diff_escapes_control_characters_in_skus_and_values() -> None:
    owned = ["sku", "name"]
    rows = [
        {"_line": 2, "sku": "NEW\nSKU", "name": "Al\x1bpha\x07"},
        {"_line": 3, "sku": "OLD", "name": "clean"},
    ]
    store = state_frame(
        [
            {
                "id": 7,
                "sku": "OLD",
                "name": "\x1b[2Jwiped",
                "status": "publish",
                "date_modified_gmt": "2026-01-01T00:00:00",
            }
        ],
        owned_specs(owned),
    )
    plan = build_plan(FakeMapping(owned), FakeRecords(desired(owned, rows)), store)
    text = render_diff(plan)
    assert not RAW_CONTROLS.search(text), repr(text)
    assert "+ SKU NEW\\nSKU  (line 2) create product" in text.splitlines()
    assert '    name: "Al\\x1bpha\\x07"' in text.splitlines()
    assert '"\\x1b[2Jwiped" → "clean"' in text


def test_problem_lines_escape_control_characters_and_keep_the_whole_message() -> None:
    advice = (
        "the store refused the value because it is far too long for the field; shorten the "
        "name in the supplier's file or fix the mapping so that it takes the short title column"
    )
    rejected = [
        PlanRejection("f.csv", 4, "A\x1b]0;pwned\x07", "Name\n", "x\x1by", "invalid", "bad\x07")
    ]
    outcome = ItemOutcome(9, "B\nB", "update", "failed", 4, "rest_invalid", advice)
    rows = problem_rows(rejected, [outcome], file="f.csv")
    text = render_problems(rows)
    assert not RAW_CONTROLS.search(text), repr(text)
    assert len(text.splitlines()) == 3  # heading + one line per problem
    assert advice in text  # not cut mid-word
    assert "A\\x1b]0;pwned\\x07" in text and "B\\nB" in text
    stored = ItemOutcome(5, "W\x07", "update", "updated", 1, STORED_DIFFERENTLY, "m\x1b" + advice)
    warnings = render_warnings(warning_rows([stored], file="f.csv"))
    assert not RAW_CONTROLS.search(warnings), repr(warnings)
    assert advice in warnings


def test_xml_problems_name_the_record_and_its_file_line() -> None:
    rejected = [PlanRejection("feed.xml", 2, "A", "@id", "", "missing-sku", "no SKU")]
    outcome = ItemOutcome(3, "B", "update", "failed", 4, "rest_invalid", "refused")
    rows = problem_rows(
        rejected, [outcome], file="feed.xml", unit="record", source_lines={2: 7, 3: 12}
    )
    text = render_problems(rows)
    assert "feed.xml record 2 (line 7)" in text
    assert "feed.xml record 3 (line 12)" in text
    assert "feed.xml:2" not in text and "feed.xml:3" not in text


XML_MAPPING = """
[source]
format = "xml"
record = "/feed/item"

[fields]
sku = "@id"
name = "name"
stock_quantity = { column = "stock", type = "int" }
"""

XML_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed>
  <item id="X-1">
    <name>Al\u001bpha</name>
    <stock>3</stock>
  </item>

  <item id="X-2">
    <name>Second</name>
    <stock>lots</stock>
  </item>
</feed>
"""


def test_an_xml_import_names_record_and_line_and_escapes_the_name(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    mapping = tmp_path / "xml.toml"
    mapping.write_text(XML_MAPPING, encoding="utf-8")
    feed = tmp_path / "feed.xml"
    # XML 1.0 forbids a raw ESC; a character reference is how a feed would carry one.
    feed.write_text(XML_FEED.replace("\u001b", "&#x7;"), encoding="utf-8")
    result = _run("import", str(feed), "-m", str(mapping), "--dry-run", *_store_args(sandbox))
    output = result.output
    if "not well-formed" in output:  # libxml2 refuses &#x7; (XML 1.0): use a C1 control
        feed.write_text(XML_FEED.replace("\u001b", "\u009b"), encoding="utf-8")
        result = _run("import", str(feed), "-m", str(mapping), "--dry-run", *_store_args(sandbox))
        output = result.output
    assert result.exit_code == 1, output
    assert not RAW_CONTROLS.search(output), repr(output)
    assert f"{feed} record 2 (line 8)" in output, output
    assert f"{feed}:2" not in output


def test_a_csv_import_dry_run_escapes_control_characters(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[fields]\nsku = "sku"\nname = "name"\nstock_quantity = { column = "stock" }\n',
        encoding="utf-8",
    )
    feed = tmp_path / "feed.csv"
    feed.write_bytes(
        b'sku,name,stock\nA-1,Al\x1bpha\x07,3\n"B\n2",Beta,4\nC-3,Gamma\x1b[31m,x\x07\n'
    )
    result = _run("import", str(feed), "-m", str(mapping), "--dry-run", *_store_args(sandbox))
    output = result.output
    assert result.exit_code == 1, output
    assert not RAW_CONTROLS.search(output), repr(output)
    assert '"Al\\x1bpha\\x07"' in output
    # a SKU with a line break is one the store would not keep: rejected, shown escaped
    assert "SKU B\\n2 " in output, output
    assert "sku-changed-by-store" in output


def test_a_saved_plan_finds_its_records_lines_in_the_feed_again(tmp_path: Path) -> None:
    mapping = tmp_path / "xml.toml"
    mapping.write_text(XML_MAPPING, encoding="utf-8")
    feed = tmp_path / "feed.xml"
    feed.write_text(XML_FEED.replace("\u001b", ""), encoding="utf-8")
    from bulkio.mapping import load_mapping
    from bulkio.sources.xml import record_source_lines

    options = load_mapping(mapping).source
    assert record_source_lines(feed, options, [2, 1, 9]) == {1: 3, 2: 8}


EMPTY_COLUMN_MAPPING = """
[fields]
sku = "sku"
name = "name"
description = { column = "desc", empty = "clear" }
"""


@pytest.mark.parametrize("dry_run", [True, False])
def test_every_import_warns_about_a_column_empty_in_every_row(
    sandbox: Sandbox, tmp_path: Path, dry_run: bool
) -> None:
    """Issue 14 #9: only `mapping validate --sample` used to say so."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(EMPTY_COLUMN_MAPPING, encoding="utf-8")
    feed = tmp_path / "feed.csv"
    feed.write_text("sku,name,desc\nA-1,Alpha,\nB-2,Beta, \n", encoding="utf-8")
    flags = ["--dry-run"] if dry_run else []
    text = _run("import", str(feed), "-m", str(mapping), *flags, *_store_args(sandbox))
    assert text.exit_code == 0, text.output
    expected = "column 'desc' (fields.description) is empty in the 2 rows read"
    assert f"warning: {expected}" in text.output
    assert 'empty = "clear"' in text.output
    as_json = _run("import", str(feed), "-m", str(mapping), "--json", *flags, *_store_args(sandbox))
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert any(expected in warning for warning in document["feed_warnings"])
    quiet = _run("import", str(feed), "-m", str(mapping), "-q", *flags, *_store_args(sandbox))
    assert expected in quiet.stderr and quiet.stdout == ""


def test_error_messages_quoting_feed_skus_escape_them(sandbox: Sandbox, tmp_path: Path) -> None:
    """A limit breach lists SKUs from the feed; handle_errors prints every error escaped."""
    mapping = tmp_path / "m.toml"
    mapping.write_text('[fields]\nsku = "sku"\nname = "name"\n[limits]\nmax_changes = 1\n')
    feed = tmp_path / "feed.csv"
    feed.write_bytes(b"sku,name\nA\x1b[2J,Alpha\nB\x07,Beta\n")
    result = _run("import", str(feed), "-m", str(mapping), "--dry-run", *_store_args(sandbox))
    assert result.exit_code == 3, result.output
    assert "max_changes" in result.stderr
    assert not RAW_CONTROLS.search(result.output), repr(result.output)
    assert "A\\x1b[2J" in result.output
    assert "\n  hint: " in result.stderr  # bulkio's own line breaks stay


def test_a_saved_xml_plan_names_its_records_lines_when_applied(tmp_path: Path) -> None:
    """`bulkio apply` has no records in memory: the lines come from the feed, read again."""
    from bulkio.cli.importing import record_lines_for
    from bulkio.plan import Plan

    mapping = tmp_path / "xml.toml"
    mapping.write_text(XML_MAPPING, encoding="utf-8")
    feed = tmp_path / "feed.xml"
    feed.write_text(XML_FEED.replace("\u001b", ""), encoding="utf-8")
    rejected = [PlanRejection(str(feed), 2, "X-2", "stock", "lots", "invalid-number", "bad")]
    plan = Plan(
        line_unit="record",
        rejected=rejected,
        source_path=str(feed),
        mapping_path=str(mapping),
    )
    assert record_lines_for(plan, None) == {2: 8}
    feed.unlink()  # gone since the plan was made: records without their lines, no error
    assert record_lines_for(plan, None) == {}
