"""Small helpers for the sandbox tests: an httpx client already authenticated by Basic auth."""

from __future__ import annotations

import httpx

from bulkio.sandbox import Sandbox


def basic_client(sandbox: Sandbox, permission: str = "read_write") -> httpx.Client:
    """A client for a sandbox started with ``assume_https=True`` (Basic auth is accepted)."""
    return httpx.Client(
        base_url=sandbox.url + "/wp-json/wc/v3/", auth=sandbox.keys[permission], timeout=10
    )
