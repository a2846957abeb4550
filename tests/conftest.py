"""Shared pytest fixtures: a local WooCommerce sandbox on 127.0.0.1 (see docs/sandbox.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bulkio.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _runs_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep each test's run directories, logs and locks (bulkio.runs) out of the work tree."""
    monkeypatch.setenv("BULKIO_HOME", str(tmp_path_factory.mktemp("bulkio-home")))


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh, empty, in-memory sandbox store on a free port, stopped after the test."""
    with Sandbox() as running:
        yield running


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with any :class:`Sandbox` options; all are stopped after the test.

    Example: ``sb = sandbox_factory(seed_products=50, batch_limit=20, assume_https=True)``.
    """
    started: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        running = Sandbox(**options).start()
        started.append(running)
        return running

    yield make
    for running in reversed(started):
        running.stop()
