"""Issue 14 (items 6-8): mapping values that passed validation and then crashed the import.

A codec that is not a text encoding, an integer constant beyond what the store (and polars)
can hold, a stock cell beyond 64 bits: each is refused with a message naming what to change,
never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.errors import MappingError
from bulkio.mapping import load_mapping
from bulkio.records import build_records


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("encoding", ["rot13", "base64", "zlib", "hex", "bz2"])
def test_a_codec_that_is_not_a_text_encoding_is_a_mapping_error(
    tmp_path: Path, encoding: str
) -> None:
    mapping = _write(
        tmp_path, "m.toml", f'[source]\nencoding = "{encoding}"\n[fields]\nsku = "sku"\n'
    )
    feed = _write(tmp_path, "feed.csv", "sku\nA1\n")
    with pytest.raises(MappingError) as caught:
        load_mapping(mapping)
    assert caught.value.key == "source.encoding"
    assert "not a text encoding" in str(caught.value)
    validate = _invoke("mapping", "validate", str(mapping))
    assert validate.exit_code == 2, validate.output
    assert "source.encoding" in validate.stderr
    imported = _invoke("import", str(feed), "-m", str(mapping), "--url", "http://127.0.0.1:9")
    assert imported.exit_code == 2, imported.output
    assert "source.encoding" in imported.stderr
    assert imported.exception is None or isinstance(imported.exception, SystemExit)


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ("stock_quantity = { value = 99999999999999999999 }", "fields.stock_quantity.value"),
        ("menu_order = { value = -99999999999999999999 }", "fields.menu_order.value"),
        ("menu_order = { value = 9223372036854775808 }", "fields.menu_order.value"),
        ("categories = { value = [99999999999999999999] }", "fields.categories.value"),
        (
            'stock_quantity = { column = "q", map = { "x" = 99999999999999999999 } }',
            'fields.stock_quantity.map."x"',
        ),
    ],
)
def test_an_integer_constant_beyond_64_bits_is_a_mapping_error(
    tmp_path: Path, field: str, key: str
) -> None:
    mapping = _write(tmp_path, "m.toml", f'[fields]\nsku = "sku"\n{field}\n')
    feed = _write(tmp_path, "feed.csv", "sku,q\nA1,x\n")
    with pytest.raises(MappingError) as caught:
        load_mapping(mapping)
    assert caught.value.key is not None and caught.value.key.startswith(key.split(".")[0])
    assert "too large" in str(caught.value) or "too small" in str(caught.value)
    for args in (
        ("mapping", "validate", str(mapping)),
        ("mapping", "validate", str(mapping), "--sample", str(feed)),
        ("import", str(feed), "-m", str(mapping), "--url", "http://127.0.0.1:9"),
    ):
        result = _invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert key.rsplit(".", 1)[0] in result.stderr, result.stderr


def test_the_largest_64_bit_stock_constant_is_accepted(tmp_path: Path) -> None:
    text = '[fields]\nsku = "sku"\nstock_quantity = { value = 9223372036854775807 }\n'
    mapping = _write(tmp_path, "m.toml", text)
    feed = _write(tmp_path, "feed.csv", "sku\nA1\n")
    records = build_records(load_mapping(mapping), feed)
    assert records.frame["stock_quantity"].to_list() == [9223372036854775807]


def test_a_stock_cell_beyond_64_bits_is_too_large_not_not_a_number(tmp_path: Path) -> None:
    mapping = _write(
        tmp_path, "m.toml", '[fields]\nsku = "sku"\nstock_quantity = { column = "q" }\n'
    )
    feed = _write(
        tmp_path,
        "feed.csv",
        "sku,q\nA1,9999999999999999999\nA2,9223372036854775807\nA3,12x\nA4,-99999999999999999999\n",
    )
    records = build_records(load_mapping(mapping), feed)
    by_sku = {error.sku: error for error in records.rejected}
    assert by_sku["A1"].code == "too-large"
    assert "too large" in by_sku["A1"].message and "not a number" not in by_sku["A1"].message
    assert by_sku["A3"].code == "invalid-number"
    assert by_sku["A4"].code == "negative-number"
    assert records.frame["sku"].to_list() == ["A2"]
    result = _invoke("mapping", "validate", str(mapping), "--sample", str(feed))
    assert result.exit_code == 1
    assert "too large" in result.stdout and "[too-large]" in result.stdout
