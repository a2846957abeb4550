"""Fixtures the sandbox HTTP tests share; each module defines ``sb`` (its sandbox settings)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bulkio.sandbox import Sandbox
from tests.sandbox.helpers import basic_client


@pytest.fixture
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    """A Basic-auth client (read_write key) for the module's ``sb`` sandbox."""
    with basic_client(sb) as client:
        yield client
