"""``stock_status`` with ``manage_stock``: WooCommerce derives the status of a product that
manages its stock, so a mapping setting both never settles. A constant ``manage_stock = true``
makes it a load-time MappingError; ``manage_stock`` read from the data, a load-time warning
shown by ``mapping validate`` and ``import``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.errors import MappingError
from bulkio.mapping import Mapping
from bulkio.sandbox import Sandbox

BASE = """
[source]
delimiter = ";"
[fields]
sku = "SKU"
stock_quantity = { column = "Qty", type = "int" }
"""
STATUS_COLUMN = 'stock_status = "Status"\n'
STATUS_CONSTANT = 'stock_status = { value = "instock" }\n'
MANAGED = "manage_stock = { value = true }\n"
NOT_MANAGED = "manage_stock = { value = false }\n"
MANAGED_FROM_DATA = 'manage_stock = { column = "Managed" }\n'
FEED = "SKU;Qty;Status;Managed\nA;0;instock;yes\nB;;instock;no\n"


@pytest.mark.parametrize("status", [STATUS_COLUMN, STATUS_CONSTANT])
def test_constant_manage_stock_true_with_stock_status_is_a_mapping_error(
    mapping_from: Callable[[str], Mapping], status: str
) -> None:
    with pytest.raises(MappingError) as caught:
        mapping_from(BASE + MANAGED + status)
    error = caught.value
    assert error.key == "fields.stock_status"
    assert "fields.manage_stock = true" in str(error)
    assert "derives" in str(error) and "stock_quantity" in (error.hint or "")


def test_manage_stock_false_with_stock_status_is_fine(
    mapping_from: Callable[[str], Mapping],
) -> None:
    mapping = mapping_from(BASE + NOT_MANAGED + STATUS_COLUMN)
    assert mapping.warnings == ()
    assert mapping.owned_fields == ["sku", "stock_quantity", "manage_stock", "stock_status"]


def test_either_field_alone_is_fine(mapping_from: Callable[[str], Mapping]) -> None:
    assert mapping_from(BASE + MANAGED).warnings == ()
    assert mapping_from(BASE + STATUS_COLUMN).warnings == ()


def test_manage_stock_from_the_data_is_a_load_time_warning(
    mapping_from: Callable[[str], Mapping],
) -> None:
    mapping = mapping_from(BASE + MANAGED_FROM_DATA + STATUS_COLUMN)
    [warning] = mapping.warnings
    assert "mapping.toml" in warning
    assert "[fields.stock_status]" in warning and "[fields.manage_stock]" in warning


def test_stock_mappings_are_not_affected(mapping_from: Callable[[str], Mapping]) -> None:
    """Stock plans compare stock_status only where stock is not managed (docs/stock.md)."""
    text = BASE.replace("[fields]", '[target]\nresource = "stock"\n[fields]')
    mapping = mapping_from(text + MANAGED + STATUS_COLUMN)
    assert mapping.warnings == ()


def _validate(path: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["mapping", "validate", str(path)])
    return result.exit_code, result.stdout, result.stderr


def test_validate_exits_2_for_the_impossible_combination(write: Callable[..., Path]) -> None:
    code, out, err = _validate(write("m.toml", BASE + MANAGED + STATUS_COLUMN))
    assert code == 2 and out == ""
    assert "m.toml: [fields.stock_status]" in err and "fields.manage_stock" in err


def test_validate_prints_the_warning_and_exits_0(write: Callable[..., Path]) -> None:
    code, out, err = _validate(write("m.toml", BASE + MANAGED_FROM_DATA + STATUS_COLUMN))
    assert code == 0 and "valid" in out
    assert "warning:" in err and "[fields.stock_status]" in err


def _import(sb: Sandbox, feed: Path, mapping: Path, *extra: str) -> tuple[int, str, str]:
    key, secret = sb.keys["read_write"]
    store = ["--url", sb.url, "--key", key, "--secret", secret]
    result = CliRunner().invoke(main, ["import", str(feed), "-m", str(mapping), *extra, *store])
    return result.exit_code, result.stdout, result.stderr


def test_import_refuses_the_impossible_mapping_before_any_request(
    sandbox: Sandbox, write: Callable[..., Path]
) -> None:
    feed = write("feed.csv", FEED)
    code, _, err = _import(sandbox, feed, write("m.toml", BASE + MANAGED + STATUS_COLUMN))
    assert code == 2 and "[fields.stock_status]" in err
    assert sandbox.writes() == 0 and sandbox.request_log == []


def test_import_prints_the_load_time_warning(sandbox: Sandbox, write: Callable[..., Path]) -> None:
    feed = write("feed.csv", FEED)
    mapping = write("m.toml", BASE + MANAGED_FROM_DATA + STATUS_COLUMN)
    code, out, _ = _import(sandbox, feed, mapping, "--dry-run")
    assert code == 0, out
    assert "warning:" in out and "[fields.stock_status]" in out
    code, _, err = _import(sandbox, feed, mapping, "--dry-run", "--quiet")
    assert code == 0 and "[fields.stock_status]" in err
