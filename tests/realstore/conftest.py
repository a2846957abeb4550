"""The real-store tier: every test here runs against real WooCommerce, on both versions.

Run it with ``python -m pytest -m realstore tests/realstore`` (the default test command leaves it
out: it needs root once, to build the stores, and PHP time). Outside CI a machine without
``../shared/refstore`` skips the tier with the reason; in CI (``CI=true``) a missing or broken
store fails the run instead, so a green CI always means the tier ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.realstore.imageserver import ImageServer
from tests.realstore.refstore import STORES, RealStore, StoreUnavailable, build_lock, ensure_store

_cache: dict[str, RealStore | str] = {}


@pytest.hookimpl(tryfirst=True)  # before -m realstore deselects the unmarked
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.realstore)


def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker under ``--dist loadgroup``, make sure the store groups took:
    pytest-xdist 3.8 under pytest 9 silently ignores them (it renames ``_nodeid``, which pytest
    9 no longer reads), and then one store's tests run at once and trip over each other's
    global attributes and settings."""
    if not (os.environ.get("PYTEST_XDIST_WORKER") and session.config.getvalue("loadgroup")):
        return
    for item in session.items:
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
            raise pytest.UsageError(
                f"--dist loadgroup is not honoured here ({item.nodeid} has no @group): one "
                "store's tests would run at once; install the pytest the project pins (<9)"
            )


def _store(name: str) -> RealStore:
    if name not in _cache:
        try:
            _cache[name] = ensure_store(name)
        except StoreUnavailable as problem:
            _cache[name] = str(problem)
    found = _cache[name]
    if isinstance(found, str):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"real store {name} unavailable in CI: {found}", pytrace=False)
        pytest.skip(f"real store {name} unavailable: {found}")
    return found


@pytest.fixture(
    params=[pytest.param(name, marks=pytest.mark.xdist_group(name)) for name in STORES],
    scope="session",
)
def store(request: pytest.FixtureRequest) -> Iterator[RealStore]:
    """A running real store, once per WooCommerce version (``wc11`` = 11.0.1, ``wc79`` = 7.9.0).

    Each store's tests run on one xdist worker (``--dist loadgroup``; the mark comes with the
    parameter, so it is there when xdist reads it): the two versions run side by side, one test
    at a time per store, so a test may change a store's settings for a moment (permalinks, tax
    options) without another test seeing it.
    """
    found = _store(request.param)
    yield found
    found.close()


@pytest.fixture
def store_env(store: RealStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RealStore:
    """The store, with bulkio's environment variables pointing at it (read/write key, HTTPS)."""
    for key, value in store.bulkio_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("BULKIO_PROFILE", raising=False)
    monkeypatch.delenv("BULKIO_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    return store


@pytest.fixture
def normal_face() -> Iterator[None]:
    """Never inside another test's Plain-permalinks window (test_connection.py holds the build
    lock exclusively while the store's /wp-json/ does not answer). Not autouse: that window's
    own test takes the lock exclusively and would wait for itself."""
    with build_lock(exclusive=False):
        yield


@pytest.fixture(scope="module")
def images() -> Iterator[ImageServer]:
    """A loopback image server the stores download from (see imageserver.py), per module."""
    with ImageServer() as server:
        yield server
