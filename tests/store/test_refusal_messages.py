"""A store that refuses the keys: the error says what is wrong and what to do, for the refusals
real WooCommerce gives (read-only key on a write, wrong secret, keys ignored on the
``?rest_route=`` form of Plain permalinks before WooCommerce 11.1). Measured on the real stores
in tests/realstore/test_connection.py; here against the sandbox, which answers the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.config import ConnectionSettings
from bulkio.sandbox import Sandbox
from bulkio.store import AuthenticationError, StoreClient

MAPPING = """
[source]
format = "csv"

[target]
resource = "product"

[fields]
sku = "sku"
name = "name"
regular_price = { column = "price", type = "money" }
"""


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    feed = tmp_path / "feed.csv"
    feed.write_text("sku,name,price\nA-1,Alpha,1.50\nA-2,Beta,2.50\n", encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return feed, mapping


def run_import(sb: Sandbox, files: tuple[Path, Path], key: str, *extra: str) -> tuple[int, str]:
    ck, cs = sb.keys[key]
    connection = ("--url", sb.url, "--key", ck, "--secret", cs)
    args = ["import", str(files[0]), "-m", str(files[1]), *connection, *extra]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.stderr


def test_read_only_key_on_an_import(sandbox: Sandbox, files: tuple[Path, Path]) -> None:
    code, err = run_import(sandbox, files, "read")
    assert code == 4
    assert "does not have write permissions" in err
    assert "read-only" in err and "Read/Write" in err
    assert sandbox.count("product") == 0


def test_keys_ignored_on_rest_route(
    sandbox_factory: Callable[..., Sandbox], files: tuple[Path, Path]
) -> None:
    sb = sandbox_factory(rest_route_only=True, rest_route_auth=False)
    code, err = run_import(sb, files, "read_write", "--dry-run")
    assert code == 4
    message, _, hint = err.partition("hint:")
    assert "ignored the API keys" in message and "Plain permalinks" in message
    assert "?rest_route=" in message and "before 11.1" in message
    assert "Settings → Permalinks" in hint and "11.1" in hint


def test_rest_route_with_keys_accepted_is_not_blamed_on_permalinks(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    """WooCommerce 11.1+ reads keys there: a refusal then has another cause."""
    sb = sandbox_factory(rest_route_only=True, rest_route_auth=True)
    ck, _ = sb.keys["read_write"]
    settings = ConnectionSettings(url=sb.url, key=ck, secret="cs_" + "0" * 40)
    with StoreClient(settings) as client, pytest.raises(AuthenticationError) as refused:
        client.get("products")
    assert "Plain permalinks" not in str(refused.value)
    assert "secret is wrong" in str(refused.value)
