"""Plan a feed with a mapping on the sandbox (``bulkio import --dry-run --plan-out``) and
reduce the saved plan to what a mapping decides: the items, their changes and the rejections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MAPPINGS = ROOT / "mappings"
_VOLATILE = {"created_at", "store_url", "mapping", "source", "source_sha256", "mapping_sha256"}


def store_args(sb: Sandbox) -> list[str]:
    key, secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret]


def init(*args: str) -> Any:
    return CliRunner().invoke(main, ["init", *args], catch_exceptions=False)


def planned(sb: Sandbox, feed: Path, mapping: Path | str, out: Path) -> dict[str, Any]:
    """The dry-run plan of ``feed`` with ``mapping``, without paths, hashes and times."""
    result = CliRunner().invoke(
        main,
        [
            "import",
            str(feed),
            "-m",
            str(mapping),
            "--dry-run",
            "--plan-out",
            str(out),
            *store_args(sb),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), result.output
    return normalise(json.loads(out.read_text(encoding="utf-8")))


def normalise(value: Any, key: str = "") -> Any:
    """Order-insensitive where order is the mapping's listing order, not the data's."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        items = [normalise(v, key) for v in value]
        if key in ("owned_fields", "changes", "meta_data", "warnings", "notes"):
            return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
        return items
    return value


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two normalised plans differ, as readable paths (for assertion messages)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            out += differences(a.get(key), b.get(key), f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, f"{path}[{n}]")
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]
