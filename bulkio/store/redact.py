"""Remove credentials from URLs before they reach a message or a log line."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

SECRET_PARAMS = frozenset({"consumer_key", "consumer_secret"})


def is_secret_param(name: str) -> bool:
    """Query parameters that carry credentials: the keys themselves and every ``oauth_*``."""
    return name in SECRET_PARAMS or name.startswith("oauth_")


def redact_url(url: str | httpx.URL) -> str:
    """The URL without user-info and without key, secret or OAuth query parameters."""
    parts = urlsplit(str(url))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = ""
    if parts.query:
        kept = [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not is_secret_param(name)
        ]
        query = urlencode(kept, safe="/,")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
