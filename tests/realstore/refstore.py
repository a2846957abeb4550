"""Real WooCommerce stores for the real-store tier (``../shared/refstore/``).

The stores are built by ``refstore/setup.sh`` (PHP-FPM, MariaDB, nginx on 127.0.0.1) and described
by ``$REFSTORE_HOME/<name>/store.env``. :func:`ensure_store` reuses a store that answers and
builds it otherwise (as root, under a file lock, so parallel test workers build it once).

Tests isolate themselves by SKU prefix (:meth:`RealStore.prefix`) rather than by resetting the
database: a reset takes about 5 s per store and would pull the store from under the other test
worker, while prefixes cost nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
REFSTORE_DIR = Path(os.environ.get("BULKIO_REFSTORE_DIR", REPO.parent / "shared" / "refstore"))
REFSTORE_HOME = Path(os.environ.get("REFSTORE_HOME", "/tmp/refstore"))

STORES = {"wc11": "11", "wc79": "7.9"}
"""Store name → the argument ``setup.sh`` takes for it. WooCommerce 11.0.1 first, then 7.9.0."""


class StoreUnavailable(Exception):
    """The store cannot be had here; the message says why and what to do."""


@dataclass
class RealStore:
    """One running real store: addresses, keys and a direct (non-bulkio) reader for assertions."""

    name: str
    env: dict[str, str]
    _http: httpx.Client | None = field(default=None, repr=False)

    @property
    def wc_version(self) -> str:
        return self.env["WC_VERSION"]

    @property
    def major(self) -> int:
        return int(self.wc_version.split(".")[0])

    @property
    def https_url(self) -> str:
        return self.env["HTTPS_URL"]

    @property
    def http_url(self) -> str:
        return self.env["HTTP_URL"]

    @property
    def ca_bundle(self) -> str:
        return self.env["CA_BUNDLE"]

    @property
    def wp_dir(self) -> Path:
        return Path(self.env["WP_DIR"])

    @property
    def sample_data(self) -> Path:
        return self.wp_dir / "wp-content" / "plugins" / "woocommerce" / "sample-data"

    @property
    def has_gtin(self) -> bool:
        """``global_unique_id`` (GTIN) exists from WooCommerce 9.2."""
        return self.major >= 10 or self.wc_version >= "9.2"

    def bulkio_env(self, *, read_only: bool = False) -> dict[str, str]:
        """Environment variables that point bulkio at this store over HTTPS (Basic auth)."""
        kind = "RO" if read_only else "RW"
        return {
            "BULKIO_URL": self.https_url,
            "BULKIO_KEY": self.env[f"{kind}_KEY"],
            "BULKIO_SECRET": self.env[f"{kind}_SECRET"],
            "BULKIO_CA_BUNDLE": self.ca_bundle,
        }

    @staticmethod
    def prefix(label: str = "T") -> str:
        """A SKU prefix no other test (or earlier run against the same store) uses."""
        return f"{label}{uuid.uuid4().hex[:8]}-".upper()

    # -- direct reads, independent of bulkio's client --------------------------------------

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.https_url + "/wp-json/wc/v3/",
                auth=(self.env["RW_KEY"], self.env["RW_SECRET"]),
                verify=ssl.create_default_context(cafile=self.ca_bundle),
                timeout=120,
            )
        return self._http

    def get(self, route: str, **params: Any) -> Any:
        answer = self.http.get(route, params=params)
        answer.raise_for_status()
        return answer.json()

    def post(self, route: str, body: Any) -> Any:
        answer = self.http.post(route, json=body)
        answer.raise_for_status()
        return answer.json()

    def by_skus(self, skus: list[str], **params: Any) -> dict[str, dict[str, Any]]:
        """Products (not in the trash) holding these SKUs, as stored (``context=edit``), by SKU."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(skus), 100):
            chunk = ",".join(skus[start : start + 100])
            for item in self.iter_all("products", sku=chunk, **params):
                found[item["sku"]] = item
        return found

    def iter_all(self, route: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a listing, paged by id (stable), in ``context=edit``."""
        page = 1
        while True:
            answer = self.http.get(
                route,
                params={
                    "context": "edit",
                    "per_page": 100,
                    "page": page,
                    "orderby": "id",
                    "order": "asc",
                    **params,
                },
            )
            answer.raise_for_status()
            items = answer.json()
            yield from items
            if page >= int(answer.headers.get("X-WP-TotalPages", "1")):
                return
            page += 1

    def by_sku(self, sku: str, **params: Any) -> dict[str, Any] | None:
        items = self.get("products", sku=sku, context="edit", **params)
        return items[0] if items else None

    def variations(self, parent_id: int) -> list[dict[str, Any]]:
        return list(self.iter_all(f"products/{parent_id}/variations"))

    def wp_php(self, code: str) -> str:
        """Run PHP inside the store (as the web server's user) with WordPress loaded."""
        script = (
            '$_SERVER["HTTP_HOST"] = "' + self.https_url.split("//", 1)[1] + '";'
            '$_SERVER["HTTPS"] = "on";'
            'require "' + str(self.wp_dir) + '/wp-load.php";' + code
        )
        done = subprocess.run(
            ["runuser", "-u", "www-data", "--", "php", "-r", script],
            cwd=self.wp_dir,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        return done.stdout

    def close(self) -> None:
        if self._http is not None:
            self._http.close()


def read_env(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def _answers(env: dict[str, str]) -> bool:
    try:
        answer = httpx.get(
            env["HTTPS_URL"] + "/wp-json/wc/v3/products",
            params={"per_page": 1, "_fields": "id"},
            auth=(env["RW_KEY"], env["RW_SECRET"]),
            verify=ssl.create_default_context(cafile=env["CA_BUNDLE"]),
            timeout=30,
        )
    except (httpx.HTTPError, KeyError, OSError):
        return False
    return answer.status_code == 200


def ensure_store(name: str) -> RealStore:
    """The running store ``name`` (``wc11`` / ``wc79``), built with setup.sh when it is not up."""
    env_file = REFSTORE_HOME / name / "store.env"
    if env_file.is_file() and _answers(read_env(env_file)):
        return RealStore(name, read_env(env_file))
    setup = REFSTORE_DIR / "setup.sh"
    if not setup.is_file():
        raise StoreUnavailable(
            f"no real store: {setup} not found (the real-store tier needs ../shared/refstore "
            "beside the repository, or BULKIO_REFSTORE_DIR)"
        )
    if os.geteuid() != 0:
        raise StoreUnavailable(
            f"store {name} is not running and building it needs root: sudo {setup} {STORES[name]}"
        )
    REFSTORE_HOME.mkdir(parents=True, exist_ok=True)
    with open(REFSTORE_HOME / ".bulkio-tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (env_file.is_file() and _answers(read_env(env_file))):
            done = subprocess.run(
                [shutil.which("bash") or "bash", str(setup), STORES[name]],
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if done.returncode != 0 or not env_file.is_file():
                raise StoreUnavailable(
                    f"setup.sh {STORES[name]} failed (exit {done.returncode}):\n"
                    + done.stderr[-3000:]
                )
    env = read_env(env_file)
    if not _answers(env):
        raise StoreUnavailable(f"store {name} was built but does not answer at {env['HTTPS_URL']}")
    return RealStore(name, env)


def _repr_without_keys(self: RealStore) -> str:
    """pytest prints fixture values in failure reports; keep the keys out of them."""
    return f"RealStore({self.name!r}, WooCommerce {self.env.get('WC_VERSION', '?')})"


RealStore.__repr__ = _repr_without_keys  # type: ignore[method-assign]


@contextlib.contextmanager
def build_lock(*, exclusive: bool) -> Iterator[None]:
    """The lock :func:`ensure_store` builds under, taken by tests.

    Exclusive: while a test makes a store look dead to :func:`_answers` (Plain permalinks:
    ``/wp-json/`` stops answering), so that no session rebuilds it meanwhile (``ensure_store``
    checks again under this lock). Shared: by tests that need the store's normal face, so that
    they never run inside another session's window (the tier may run in several sessions at
    once against the same stores)."""
    with open(REFSTORE_HOME / ".bulkio-tests.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
