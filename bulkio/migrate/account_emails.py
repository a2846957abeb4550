"""The store's "new account" e-mail, turned off while customers are created, and back on.

WooCommerce mails every customer created through the REST API ("Your … account has been
created!", docs/migrations.md point 1); the only switch reachable through the API is the store
setting ``settings/email_customer_new_account`` → ``enabled``. :func:`account_emails_off`
turns it off for a block of writes and back afterwards — also when the block fails. A run
killed in between cannot turn it back: before it turns the setting off it leaves a marker file
(``$BULKIO_HOME/runs/<store>/account-emails-off.json``, see :func:`marker_path`), removed once
the setting is back. The next customers run against that store restores the setting first
(:func:`restore_left_off`); ``bulkio doctor`` reports a marker it finds
(:func:`left_off_note`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bulkio.errors import BulkioError, LockedError
from bulkio.runlock import RunLock
from bulkio.runs import runs_home, store_slug
from bulkio.store import AuthenticationError, StoreError, WooError

SETTING_ROUTE = "settings/email_customer_new_account/enabled"
SETTING_LABEL = '"new account" (settings → emails → email_customer_new_account)'
MARKER_NAME = "account-emails-off.json"
LOCK_NAME = "account-emails.lock"
LOCK_WAIT = 3600.0
"""How long a customers import waits for another one's creates (same store) to finish."""


def marker_path(store_url: str) -> Path:
    return runs_home() / store_slug(store_url) / MARKER_NAME


def read_new_account_setting(client: Any) -> bool | None:
    """Whether the store sends the new-account e-mail; None when it cannot be read."""
    try:
        answer = client.get(SETTING_ROUTE)
    except AuthenticationError:
        raise
    except StoreError:
        return None
    if not isinstance(answer, dict):
        return None
    return str(answer.get("value", "")).lower() == "yes"


def _set(client: Any, enabled: bool) -> None:
    client.put(SETTING_ROUTE, {"value": "yes" if enabled else "no"})


def restore_left_off(client: Any) -> str | None:
    """A marker left by a stopped run: put the setting back on, remove the marker, say so."""
    marker = marker_path(client.site)
    if not marker.is_file():
        return None
    try:
        details = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        details = {}
    _set(client, True)
    marker.unlink(missing_ok=True)
    return (
        f"the store's new-account e-mail was left off by a stopped run "
        f"({details.get('since', 'time unknown')}, pid {details.get('pid', '?')}); turned back on"
    )


def lock_path(store_url: str) -> Path:
    """The switch's lock: one per store for the whole machine (not per runs directory), so
    imports with different ``--runs-dir`` / ``BULKIO_HOME`` take turns too."""
    return Path(tempfile.gettempdir()) / "bulkio-locks" / f"{store_slug(store_url)}-{LOCK_NAME}"


def _lock(store_url: str, wait: float) -> RunLock:
    return RunLock(lock_path(store_url), run_id="account-emails", wait=wait)


@contextlib.contextmanager
def account_emails_off(client: Any, *, wait: float = LOCK_WAIT) -> Iterator[bool]:
    """Turn the new-account e-mail off for the block when it is on; yields whether it did.

    The setting is turned back on when the block ends, however it ends; a marker file covers
    a kill in between (see the module docstring). Customer imports of the same store (other
    mappings) take turns through a lock held for the block: one run must not turn the e-mail
    back on while another is still creating customers."""
    with _lock(client.site, wait), _switched_off(client) as switched:
        yield switched


@contextlib.contextmanager
def _switched_off(client: Any) -> Iterator[bool]:
    restore_left_off(client)  # under the lock: a marker here is a dead run's
    if read_new_account_setting(client) is not True:
        yield False
        return
    marker = marker_path(client.site)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(
        json.dumps(
            {
                "store": client.site,
                "setting": SETTING_ROUTE,
                "was": "yes",
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
                "pid": os.getpid(),
            }
        ),
        encoding="utf-8",
    )
    refused = False
    try:
        try:
            _set(client, False)
        except WooError as error:
            refused = True  # the store said no: the setting is as it was
            raise BulkioError(
                f"could not turn the store's new-account e-mail off ({error.code}: "
                f"{error.woo_message or error}); no customer was created",
                hint="use a key of a user who may change WooCommerce settings (an "
                'administrator), or set [customer] account_emails = "send" to let '
                "WooCommerce mail every new customer",
            ) from error
        yield True
    finally:
        if not refused:
            _restore(client, marker)
        else:
            marker.unlink(missing_ok=True)


def _restore(client: Any, marker: Path) -> None:
    """Turn the e-mail back on and drop the marker; when the store cannot be told (it stopped
    answering), the marker stays for the next run and ``bulkio doctor``."""
    try:
        _set(client, True)
    except StoreError:
        return
    marker.unlink(missing_ok=True)


def left_off_note(store_url: str) -> str | None:
    """For ``bulkio doctor``: a marker of a run that turned the e-mail off and never back
    (a marker while a run holds the lock is that run at work)."""
    marker = marker_path(store_url)
    if not marker.is_file():
        return None
    try:
        with _lock(store_url, 0.0):
            pass
    except LockedError:
        return (
            "a customers import is creating customers with the store's new-account e-mail "
            "turned off right now; it turns it back on when its creates are done"
        )
    if not marker.is_file():
        return None
    return (
        f"a customers import turned the store's new-account e-mail off and did not turn it back "
        f"on (marker {marker}); the next customers import restores it, or set WooCommerce → "
        "Settings → Emails → New account → Enable, then delete the marker"
    )
