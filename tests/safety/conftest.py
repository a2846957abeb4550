"""Longer variants of the safety proofs are marked ``slow`` and run only when asked for:
``pytest -m slow tests/safety`` (or BULKIO_SLOW=1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "slow" in (config.getoption("-m") or "") or os.environ.get("BULKIO_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow variant: run with -m slow")
    for item in items:
        if item.get_closest_marker("slow") and HERE in Path(str(item.fspath)).parents:
            item.add_marker(skip)
