"""Every shipped import mapping names, in its header comment, the shipped sample it reads, and
``bulkio mapping validate NAME --sample SAMPLE`` reads that sample with it.

Found by enumerating what ships (``bulkio mapping list``), so a new mapping is covered the day
it is added — and one without a sample is named here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bulkio.shipped import ShippedMapping, sample_path, shipped_mappings
from tests.feeds.conftest import MAPPINGS, run

IMPORT_MAPPINGS = [m for m in shipped_mappings() if m.kind == "import"]
SAMPLE_NAME = re.compile(r"samples/([\w.-]+\w)")


def header_comment(path: Path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def test_the_feed_mappings_are_shipped_and_say_how_to_run_them() -> None:
    names = {m.name: m for m in IMPORT_MAPPINGS}
    for name in ("google-merchant", "google-merchant-atom", "erp-de"):
        assert "bulkio import " in header_comment(names[name].path)
        assert f" -m {name}\n" in header_comment(names[name].path) + "\n"
    assert {m.name for m in IMPORT_MAPPINGS} == {
        p.stem for p in MAPPINGS.glob("*.toml") if not p.stem.startswith("export-")
    }


@pytest.mark.parametrize("mapping", IMPORT_MAPPINGS, ids=lambda m: m.name)
def test_each_import_mapping_names_its_sample_and_reads_it(
    mapping: ShippedMapping,
) -> None:
    header = header_comment(mapping.path)
    samples = SAMPLE_NAME.findall(header)
    assert samples, f"{mapping.path}: the header comment names no samples/<file> it reads"
    for name in samples:
        sample = sample_path(name)  # shipped with the package, not only in the clone
        result = run("mapping", "validate", mapping.name, "--sample", str(sample), "--rows", "500")
        # 0: every row accepted; 1: the sample's deliberately bad rows were rejected.
        assert result.exit_code in (0, 1), f"{mapping.name} / {name}:\n{result.output}"
        assert "valid" in result.stdout
