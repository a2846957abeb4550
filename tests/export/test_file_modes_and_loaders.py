"""Issue 14 #12 and #13: export files respect the umask; one TOML loader, one atomic writer.

* Export files were created 0600 whatever the umask (``mkstemp``), so the SFTP or accounting
  user who collects them could not read them. New files now get ``0666 & ~umask``; a replaced
  file keeps its mode; state files stay private (0600), as documented.
* An export mapping saved with a UTF-8 byte order mark failed as "not valid TOML" while an
  import mapping with one loaded: both now go through ``bulkio.mapping.files``.
* The three atomic-write copies (exports, export state, run state) are one helper, which also
  fsyncs the directory.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.atomicfile import atomic_path, write_atomically
from bulkio.cli import main
from bulkio.export import RowBuilder, load_export_mapping, parse_export_mapping
from bulkio.export.state import ExportState, save_state
from bulkio.runs import RunState
from bulkio.runs import save_state as save_run_state
from bulkio.writers import write_rows
from tests.export.orders import make_order

ROOT = Path(__file__).resolve().parents[2]
MAPPING = parse_export_mapping({"columns": [{"header": "No", "field": "number"}]}, "t.toml")


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "xml", "parquet", "jsonl"])
def test_export_files_get_the_umask_mode(tmp_path: Path, umask_022: None, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    write_rows(target, fmt, MAPPING, RowBuilder(MAPPING).rows([make_order()]), overwrite=False)
    assert _mode(target) == 0o644


def test_a_stricter_umask_is_respected_and_a_replaced_file_keeps_its_mode(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out.csv"
    previous = os.umask(0o027)
    try:
        write_rows(
            target, "csv", MAPPING, RowBuilder(MAPPING).rows([make_order()]), overwrite=False
        )
        assert _mode(target) == 0o640
        os.chmod(target, 0o604)
        write_rows(target, "csv", MAPPING, RowBuilder(MAPPING).rows([make_order()]), overwrite=True)
        assert _mode(target) == 0o604
    finally:
        os.umask(previous)


def test_state_files_stay_private(tmp_path: Path, umask_022: None) -> None:
    export_state = tmp_path / "state" / "export-state.json"
    high_water = datetime(2026, 12, 1, tzinfo=UTC)
    save_state(export_state, ExportState("http://shop", "m.toml", "modified", high_water))
    assert _mode(export_state) == 0o600
    run_state = tmp_path / "runs" / "state.json"
    save_run_state(run_state, RunState(feed_rows=3, finished_at="2026-12-04T00:00:00Z", run_id="r"))
    assert _mode(run_state) == 0o600


def test_the_atomic_helper_leaves_nothing_behind_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as temp:
        temp.write_text("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    write_atomically(target, "whole")
    assert target.read_text() == "whole" and list(tmp_path.iterdir()) == [target]


def test_one_atomic_write_helper_in_the_product_code() -> None:
    """No module but bulkio/atomicfile.py makes temporary files to rename into place."""
    offenders = []
    for path in (ROOT / "bulkio").rglob("*.py"):
        if "sandbox" in path.parts or path.name == "atomicfile.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bmkstemp\(|\bos\.replace\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_an_export_mapping_with_a_bom_loads_like_an_import_mapping(tmp_path: Path) -> None:
    text = (ROOT / "mappings" / "export-accounting.toml").read_text(encoding="utf-8")
    with_bom = tmp_path / "accounting-bom.toml"
    with_bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    mapping = load_export_mapping(with_bom)
    assert mapping.columns and mapping.columns[0].header
    result = CliRunner().invoke(main, ["mapping", "validate", str(with_bom)])
    assert result.exit_code == 0, result.output
    assert "valid (export of orders)" in result.stdout
    import_text = (ROOT / "mappings" / "supplier-csv.toml").read_text(encoding="utf-8")
    import_bom = tmp_path / "supplier-bom.toml"
    import_bom.write_bytes(b"\xef\xbb\xbf" + import_text.encode("utf-8"))
    result = CliRunner().invoke(main, ["mapping", "validate", str(import_bom)])
    assert result.exit_code == 0, result.output
