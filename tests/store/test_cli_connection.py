"""The shared connection options of the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from bulkio.cli.connection import client_from_options, store_options
from bulkio.errors import UsageError


def capture() -> tuple[click.Command, dict[str, Any]]:
    seen: dict[str, Any] = {}

    @click.command()
    @store_options
    @click.option("--concurrency", type=int, default=None)
    def command(concurrency: int | None, **options: Any) -> None:
        seen.update(options)
        with client_from_options(**options, max_concurrency=concurrency) as client:
            seen["client"] = repr(client)
            seen["max_concurrency"] = client.max_concurrency
            seen["settings"] = client.settings

    return command, seen


def test_options_env_and_profile_reach_the_client(tmp_path: Path) -> None:
    config = tmp_path / "bulkio.toml"
    config.write_text(
        '[profiles.shop]\nurl = "https://shop.example.com/wp-json/"\nkey_env = "K"\n'
        'secret_env = "S"\ntimeout = 12\n'
    )
    config.chmod(0o600)
    command, seen = capture()
    result = CliRunner().invoke(
        command,
        ["--profile", "shop", "--concurrency", "3", "--auth", "query"],
        env={"BULKIO_CONFIG": str(config), "K": "ck_from_env_abcd", "S": "cs_from_env"},
    )
    assert result.exit_code == 0, result.output
    settings = seen["settings"]
    assert (settings.key, settings.secret, settings.timeout, settings.auth) == (
        "ck_from_env_abcd",
        "cs_from_env",
        12.0,
        "query",
    )
    assert seen["max_concurrency"] == 3
    assert "shop.example.com" in seen["client"] and "cs_from_env" not in seen["client"]


def test_client_from_options_ignores_other_keys_and_requires_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    with pytest.raises(UsageError, match="no consumer key and secret"):
        client_from_options(url="https://a.example", mapping="m.toml", config_path=None)
    with client_from_options(
        url="https://a.example", key="ck_a", secret="cs_a", mapping="m.toml", dry_run=True
    ) as client:
        assert client.auth_mode == "basic"


def test_insecure_prints_a_warning_every_run(tmp_path: Path) -> None:
    command, _ = capture()
    args = ["--url", "https://a.example", "--key", "ck_a", "--secret", "cs_a", "--insecure"]
    for _ in range(2):
        result = CliRunner().invoke(command, args, env={"XDG_CONFIG_HOME": str(tmp_path)})
        assert result.exit_code == 0
        assert "TLS certificates are NOT verified" in result.stderr
