"""Issue 14 #16: shipped mappings are package data, addressable by name from any directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.errors import MappingError
from bulkio.export import load_export_mapping
from bulkio.mapping import load_mapping
from bulkio.shipped import resolve_mapping_path, sample_path, shipped_mapping, shipped_mappings

ROOT = Path(__file__).resolve().parents[2]


def test_every_top_level_mapping_is_shipped_and_listed() -> None:
    names = {m.name: m for m in shipped_mappings()}
    assert set(names) == {p.stem for p in (ROOT / "mappings").glob("*.toml")}
    assert names["export-accounting"].kind == "export"
    assert names["supplier-csv"].kind == "import"
    assert all(m.description for m in names.values())
    assert (
        sample_path("supplier-products.csv").read_bytes()
        == (ROOT / "samples" / "supplier-products.csv").read_bytes()
    )


@pytest.mark.parametrize(
    "name",
    [
        "accounting",
        "export-accounting",
        "export-accounting.toml",
        "mappings/export-accounting.toml",
    ],
)
def test_a_shipped_mapping_is_found_by_name_from_any_directory(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mapping = load_export_mapping(name)
    assert Path(mapping.path) == shipped_mapping("export-accounting")
    result = CliRunner().invoke(main, ["mapping", "validate", name])
    assert result.exit_code == 0, result.output
    assert "valid (export of orders)" in result.stdout


def test_import_mappings_and_the_catalog_default_resolve_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_mapping("supplier-csv").source.delimiter == ";"
    # cli/catalog.py's default is "<install dir>/mappings/woocommerce-core.toml"
    outside = tmp_path / "site-packages" / "mappings" / "woocommerce-core.toml"
    assert resolve_mapping_path(outside) == shipped_mapping("woocommerce-core")


def test_a_file_that_exists_wins_and_other_paths_are_not_guessed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    own = tmp_path / "mappings" / "supplier-csv.toml"
    own.parent.mkdir()
    own.write_text('[fields]\nsku = "Mine"\n', encoding="utf-8")
    assert load_mapping("mappings/supplier-csv.toml").fields["sku"].column == "Mine"
    assert resolve_mapping_path("elsewhere/supplier-csv.toml") == Path(
        "elsewhere/supplier-csv.toml"
    )
    with pytest.raises(MappingError) as caught:
        load_mapping("suplier-csv")
    assert "not found" in str(caught.value)
    assert caught.value.hint is not None and "supplier-csv" in caught.value.hint
