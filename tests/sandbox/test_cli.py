"""``bulkio sandbox`` through click's runner: options reach the sandbox, the URL and keys work."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.cli import sandbox as sandbox_cli


def test_sandbox_command_serves_until_interrupted(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def exercise(sb: Any) -> None:
        seen["keys"] = sb.keys["read_write"]
        key = sb.keys["read"]
        response = httpx.get(sb.url + "/wp-json/wc/v3/products", params={"per_page": 100}, auth=key)
        seen["products"] = response.json()
        seen["batch"] = httpx.post(
            sb.url + "/wp-json/wc/v3/products/batch",
            json={"create": [{"name": str(i)} for i in range(4)]},
            auth=sb.keys["write"],
        ).status_code
        seen["fault"] = httpx.get(sb.url + "/wp-json/wc/v3/orders", auth=key).status_code
        raise KeyboardInterrupt

    monkeypatch.setattr(sandbox_cli, "run_until_interrupted", exercise)
    result = CliRunner().invoke(
        main,
        [
            "sandbox",
            "--port",
            "0",
            "--seed-products",
            "12",
            "--seed-orders",
            "3",
            "--assume-https",
            "--batch-limit",
            "3",
            "--fault",
            "503 route=orders",
            "--per-item",
            "0-0.001",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:" in result.output and "read_write" in result.output
    # the throwaway keys are shown for copying (the console scrubber lets these through)
    key, secret = seen["keys"]
    assert f"key {key}  secret {secret}" in result.output and "[redacted]" not in result.output
    assert "12 products, 3 orders" in result.output
    assert "503, * orders" in result.output
    assert len(seen["products"]) == 12
    assert seen["batch"] == 413
    assert seen["fault"] == 503


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "explode"], "--fault 'explode'"),
        (["--per-item", "soon"], "--per-item 'soon'"),
        (["--batch-limit", "0"], "--batch-limit must be at least 1"),
    ],
)
def test_bad_options_are_named(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["sandbox", "--port", "0", *args])
    assert result.exit_code == 2
    assert message in result.output
