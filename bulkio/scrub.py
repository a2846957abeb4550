"""One scrubber for every text that leaves bulkio: no key or secret reaches a person or a file.

Stores echo requests back more often than one would think: PHP fatal-error pages, debug
plugins and some proxies answer with the request line (``?consumer_key=ck_…&consumer_secret=
cs_…``), its headers (``Authorization: Basic …``) or OAuth parameters, and bulkio shows such
answers in its error messages. Rather than trusting every message to be careful, the active
credentials are registered here once (:func:`register_credentials`, called for every
:class:`bulkio.config.ConnectionSettings`) and every output path runs its text through
:func:`scrub`: the CLI's stdout and stderr (:class:`ScrubbedStream`), run logs
(:class:`bulkio.runlog.Redactor`), reports and plans.

What is removed:

* each registered key and secret, and the forms a request carries them in: URL-encoded
  (``quote`` and ``quote_plus``) and inside HTTP Basic's ``base64(key:secret)``;
* whatever looks like a WooCommerce key (``ck_``/``cs_`` + hex), ``consumer_secret=``,
  ``oauth_signature=`` style parameters, ``Authorization`` header values and credentials in
  URLs, even when not registered.
"""

from __future__ import annotations

import base64
import re
import sys
import threading
from typing import IO, Any
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"

KEY_SHAPE = re.compile(r"\b(c[ks])_[0-9A-Fa-f]{16,}")
SECRET_PARAMS = re.compile(
    r"(?i)\b(oauth_signature|oauth_consumer_key|oauth_token|oauth_nonce|consumer_key|"
    r"consumer_secret|api_key|apikey|access_token|password|passwd|secret)"
    r"(\s*[=:]\s*|\"\s*:\s*\"|%3D)([^&\s\"',;]+)"
)
AUTH_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization)(\"?\s*[:=]\s*\"?)([^\"\r\n]+)")
AUTH_SCHEME = re.compile(r"(?i)\b(basic|bearer|oauth|digest)\s+[A-Za-z0-9+/=._~%,\"-]{8,}")
URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@:]+:[^/\s@]*@")
EMAIL = re.compile(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b")
SUSPECT = re.compile(r"(?i)c[ks]_|[=:@%/]|\s")
"""Every pattern above needs one of these; most strings (SKUs, codes, event names) have none
and skip the patterns entirely, which keeps scrubbing cheap on 100,000-row runs."""

MIN_SECRET_LENGTH = 6
"""Shorter values would blank out ordinary words; WooCommerce keys are 43 characters."""

_lock = threading.Lock()
_known: tuple[str, ...] = ()


def secret_forms(key: str | None, secret: str | None) -> set[str]:
    """Every form in which a request may carry ``key`` and ``secret``."""
    forms: set[str] = set()
    for value in (key, secret):
        if value and len(value) >= MIN_SECRET_LENGTH:
            forms.update({value, quote(value, safe=""), quote_plus(value)})
    if key and secret:
        basic = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
        forms.update({basic, basic.rstrip("=")})
    return forms


def register_credentials(key: str | None, secret: str | None) -> None:
    """Remember credentials in use by this process: :func:`scrub` removes them from then on."""
    global _known
    forms = secret_forms(key, secret)
    if not forms:
        return
    with _lock:
        if forms <= set(_known):
            return
        _known = tuple(sorted({*_known, *forms}, key=len, reverse=True))


def scrub(text: str, extra: tuple[str, ...] = (), *, mask_email: bool = False) -> str:
    """``text`` without registered credentials (and ``extra`` values), key-shaped tokens,
    secret parameters, ``Authorization`` values and URL credentials; e-mail addresses too when
    ``mask_email`` (logs, which must not hold personal data)."""
    for value in (*extra, *_known):
        if value in text:
            text = text.replace(value, REDACTED)
    if not SUSPECT.search(text):
        return text
    text = URL_USERINFO.sub(rf"\1{REDACTED}@", text)
    text = AUTH_HEADER.sub(rf"\1\2{REDACTED}", text)
    text = AUTH_SCHEME.sub(rf"\1 {REDACTED}", text)
    text = SECRET_PARAMS.sub(rf"\1\2{REDACTED}", text)
    text = KEY_SHAPE.sub(rf"\1_{REDACTED}", text)
    if mask_email:
        text = EMAIL.sub("[email]", text)
    return text


def echo_unscrubbed(text: str) -> None:
    """Print ``text`` and a newline past the console scrubber: only for credentials meant to be
    shown, the throwaway keys of a sandbox store (``bulkio sandbox``), which a user copies."""
    stream = sys.stdout
    target = stream.inner if isinstance(stream, ScrubbedStream) else stream
    target.write(text + "\n")
    target.flush()


class ScrubbedStream:
    """A text stream that scrubs whatever is written through it (the CLI's stdout/stderr).

    It has no ``buffer``: a writer looking for the raw bytes underneath (as click does for a
    stream it finds incompatible) finds none and keeps writing through the scrubber.
    """

    def __init__(self, inner: IO[str]) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("ScrubbedStream takes text")
        self._inner.write(scrub(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._inner, "isatty", lambda: False)())

    def fileno(self) -> int:
        return int(self._inner.fileno())

    @property
    def encoding(self) -> str | None:
        return getattr(self._inner, "encoding", None)

    @property
    def errors(self) -> str | None:
        return getattr(self._inner, "errors", None)

    @property
    def inner(self) -> IO[str]:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self._inner, name)
