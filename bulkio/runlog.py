"""The JSON-lines run log: one line per event, a summary line at the end.

A nightly run is read the next morning by a person or a log shipper, so every line is a
self-contained JSON object with a fixed set of keys::

    {"ts": "2026-11-25T02:00:01.234Z", "run": "20261125T020000Z", "phase": "apply",
     "event": "update", "line": 17, "sku": "A-100", "id": 412, "status": 200,
     "code": null, "attempts": 2, "duration": 0.412, "fields": ["regular_price"]}
    ...
    {"ts": ..., "run": ..., "phase": "summary", "event": "summary", "outcome": "ok",
     "exit_code": 0, "counts": {"created": 3, "updated": 17, ...}, "duration": 12.5}

What never reaches the log, by construction rather than by care:

* keys and secrets — every string passes through :class:`Redactor`, which removes the
  registered key/secret values wherever they occur, anything shaped like a WooCommerce key
  (``ck_``/``cs_`` + hex), ``oauth_signature=``/``consumer_secret=`` style parameters,
  ``Authorization`` header values and credentials in URLs;
* customer data — the log only has the fixed fields above (no payloads, no store responses);
  free text (``message``) additionally has e-mail addresses masked.

The writer is thread-safe (apply runs batches on a thread pool) and flushes every line, so a
killed run leaves a readable log up to its last event.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from bulkio.runs import now_iso
from bulkio.scrub import MIN_SECRET_LENGTH, REDACTED, scrub, secret_forms

SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "key",
        "secret",
        "consumer_key",
        "consumer_secret",
        "oauth_signature",
        "password",
        "token",
        "access_token",
        # customer data (orders, customers): never logged even if handed over by mistake
        "billing",
        "shipping",
        "email",
        "phone",
        "first_name",
        "last_name",
        "address_1",
        "address_2",
        "customer_note",
        "customer_ip_address",
        "customer_user_agent",
    }
)


class Redactor:
    """Removes secrets (and, in free text, e-mail addresses) from strings and JSON values.

    Register the run's own key and secret with :meth:`add_secret`; they are removed exactly,
    wherever they appear, in addition to the generic patterns.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: tuple[str, ...] = ()
        self._lock = threading.Lock()
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret: str | None) -> None:
        # Very short values would blank out ordinary words; keys are 40+ characters.
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            with self._lock:
                known = {*self._secrets, *secret_forms(secret, None)}
                self._secrets = tuple(sorted(known, key=len, reverse=True))

    def text(self, value: str, *, mask_email: bool = True) -> str:
        """The one scrubber (:func:`bulkio.scrub.scrub`) plus this run's own secrets."""
        return scrub(value, self._secrets, mask_email=mask_email)

    def value(self, value: Any) -> Any:
        """Redact a JSON-like value: strings, and lists/dicts recursively (sensitive keys
        have their whole value replaced)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for key, item in value.items():
                name = self.text(str(key))
                if str(key).lower() in SENSITIVE_KEYS:
                    out[name] = REDACTED
                else:
                    out[name] = self.value(item)
            return out
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return self.text(str(value))


_OWN_KEYS = frozenset({"ts", "run", "level", "phase", "event", "exit_code", "outcome"})
"""Keys whose values bulkio makes itself (times, ids, names): nothing to redact there."""


class RunLog:
    """A thread-safe JSON-lines writer for one run.

    ``target`` is a path (appended to, parent directories created), ``"-"`` for stderr, an open
    text stream, or None to discard everything (library use without a log).
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | IO[str] | None,
        *,
        run_id: str = "",
        redactor: Redactor | None = None,
    ) -> None:
        self.run_id = run_id
        self.redactor = redactor or Redactor()
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._owns_stream = False
        self._stream: IO[str] | None
        self.path: Path | None = None
        if target is None:
            self._stream = None
        elif isinstance(target, (str, os.PathLike)):
            if str(target) == "-":
                self._stream = sys.stderr
            else:
                self.path = Path(target)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._stream = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
                self._owns_stream = True
        else:
            self._stream = target
        self.closed = False
        self.write_failed = False

    # -- writing ------------------------------------------------------------------------

    def event(
        self,
        phase: str,
        event: str,
        *,
        line: int | None = None,
        sku: str | None = None,
        id: int | None = None,  # the store's product id, named as in its JSON
        route: str | None = None,
        status: int | None = None,
        code: str | None = None,
        attempts: int | None = None,
        duration: float | None = None,
        fields: Sequence[str] | None = None,
        message: str | None = None,
        level: str = "info",
    ) -> None:
        """One event. Only these keys exist, so no payload or response can slip in."""
        record: dict[str, Any] = {
            "ts": now_iso(),
            "run": self.run_id,
            "level": level,
            "phase": phase,
            "event": event,
        }
        optional: dict[str, Any] = {
            "line": line,
            "sku": sku,
            "id": id,
            "route": route,
            "status": status,
            "code": code,
            "attempts": attempts,
            "duration": None if duration is None else round(duration, 4),
            "fields": list(fields) if fields is not None else None,
            "message": message,
        }
        record.update({k: v for k, v in optional.items() if v is not None})
        self._write(record)

    def summary(
        self,
        *,
        outcome: str,
        exit_code: int,
        counts: Mapping[str, int | float | str] | None = None,
        message: str | None = None,
    ) -> None:
        """The last line of a run: outcome, exit code, counts and total duration."""
        record: dict[str, Any] = {
            "ts": now_iso(),
            "run": self.run_id,
            "level": "info" if exit_code == 0 else "error",
            "phase": "summary",
            "event": "summary",
            "outcome": outcome,
            "exit_code": int(exit_code),
            "counts": dict(counts or {}),
            "duration": round(time.monotonic() - self._started, 3),
        }
        if message is not None:
            record["message"] = message
        self._write(record)

    def _write(self, record: dict[str, Any]) -> None:
        if self._stream is None:
            return
        clean = {
            key: value if key in _OWN_KEYS else self.redactor.value(value)
            for key, value in record.items()
        }
        text = json.dumps(clean, ensure_ascii=False, separators=(", ", ": "), default=str)
        with self._lock:
            if self.closed or self._stream is None:
                return
            try:
                self._stream.write(text + "\n")
                self._stream.flush()
            except (OSError, ValueError) as error:
                # A full disk must not stop a half-applied import: say so once, go on without.
                if not self.write_failed:
                    self.write_failed = True
                    sys.stderr.write(f"warning: the run log stopped being written: {error}\n")

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            if self._owns_stream and self._stream is not None:
                self._stream.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_log(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All records of a JSON-lines log (a torn last line from a killed run is skipped)."""
    records: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as handle:
        for text in handle:
            text = text.strip()
            if not text:
                continue
            try:
                records.append(json.loads(text))
            except ValueError:
                continue
    return records
