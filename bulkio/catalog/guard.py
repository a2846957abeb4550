"""The store + mapping run lock under its old name.

Catalog imports are ``bulkio.run_import`` runs now, guarded by :class:`bulkio.safeguard.GuardedRun`
like every import (limits, lock, run log, missing policy); this is the same lock file for
callers that take it by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bulkio.runlock import RunLock
from bulkio.runs import series_dir


@contextmanager
def catalog_lock(
    store_url: str, mapping_path: str | Path, runs_dir: str | Path | None, *, wait: float = 0.0
) -> Iterator[None]:
    """Hold the store + mapping lock (``<runs dir>/<store>/<mapping>/lock``) for the block."""
    lock = RunLock(series_dir(store_url, mapping_path, runs_dir) / "lock", wait=wait)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()
