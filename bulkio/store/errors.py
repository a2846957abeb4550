"""Typed errors for everything that can go wrong talking to a store.

Callers decide by type (``except BatchTooLarge``, ``except AuthenticationError``), never by
parsing strings. Every message names the request (method and a URL with credentials removed),
the HTTP status and WooCommerce's own error code, so a user can act on it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from bulkio.errors import BulkioError
from bulkio.exitcodes import ExitCode
from bulkio.scrub import scrub
from bulkio.store.redact import redact_url


class StoreError(BulkioError):
    """Base of all store errors: the store could not be reached, or refused us."""

    exit_code = ExitCode.STORE_UNREACHABLE


class TransportError(StoreError):
    """No usable answer after all attempts: timeouts, refused or dropped connections, TLS."""

    def __init__(
        self, message: str, *, attempts: int = 1, cause: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.attempts = attempts
        self.cause = cause


class UnexpectedResponse(StoreError):
    """An answer that is not WooCommerce JSON (an HTML error page from a proxy, a login page)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        snippet: str = "",
        content_type: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.snippet = snippet
        self.content_type = content_type


class WooError(StoreError):
    """A WooCommerce / WordPress REST error answer: ``{"code", "message", "data": {"status"}}``.

    Also used, without being raised, for per-item errors inside a batch answer.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int,
        data: dict[str, Any] | None = None,
        *,
        request: str | None = None,
        hint: str | None = None,
    ) -> None:
        text = f"{message} ({code}, HTTP {status})"
        if request:
            text += f" — {request}"
        super().__init__(text, hint=hint)
        self.code = code
        self.woo_message = message
        self.status = status
        self.data = data or {}
        self.request = request

    def __repr__(self) -> str:
        return scrub(
            f"{type(self).__name__}(code={self.code!r}, status={self.status}, "
            f"message={self.woo_message!r})"
        )


class AuthenticationError(WooError):
    """The store refused the credentials or their permissions (HTTP 401/403)."""


class NotFound(WooError):
    """No such route or resource (HTTP 404: ``rest_no_route``, ``…_invalid_id``)."""


class BatchTooLarge(WooError):
    """HTTP 413 on a batch: the store accepts fewer items per request. ``limit`` when known."""

    def __init__(self, *args: Any, limit: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = limit


PLAIN_PERMALINKS_ADVICE = (
    "WooCommerce before 11.1 does not accept API keys on the ?rest_route= form that Plain "
    "permalinks force: in WordPress go to Settings → Permalinks and choose any structure but "
    "Plain (e.g. 'Post name'), or update WooCommerce to 11.1 or later"
)

KEY_IGNORED_CODES = frozenset(
    {"woocommerce_rest_authentication_error", "woocommerce_rest_authentication_missing_parameter"}
)
"""401 codes that mean WooCommerce looked at the key; any other 401/403 means it saw none (the
endpoint's own "cannot list/create" permission error)."""


def _auth_hint(code: str, message: str) -> str:
    """What to do about a refused request, from WooCommerce's own words."""
    text = message.lower()
    if "does not have write permissions" in text:
        return (
            "the key is read-only (enough for exports, not for imports): give it Read/Write in "
            "WooCommerce → Settings → Advanced → REST API, or create a Read/Write key"
        )
    if "does not have read permissions" in text:
        return (
            "the key has Write permission only: give it Read/Write in WooCommerce → Settings → "
            "Advanced → REST API (bulkio reads before it writes)"
        )
    if "consumer secret is invalid" in text or "invalid signature" in text:
        return (
            "the consumer secret is wrong: copy it again (WooCommerce shows it only when the key "
            "is created) or create a new key"
        )
    if "consumer key is invalid" in text:
        return "the store does not know this key: revoked, mistyped, or from another site?"
    return "run `bulkio doctor` to find out why the store refuses these credentials"


def keys_ignored_on_rest_route(error: WooError) -> AuthenticationError:
    """The same refusal, explained: the API is only reachable at ``?rest_route=`` (Plain
    permalinks), where WooCommerce before 11.1 never looks at API keys, so every request is
    answered as if it came without credentials."""
    return AuthenticationError(
        error.code,
        "the store ignored the API keys: with Plain permalinks its API answers only at "
        f"?rest_route=, where WooCommerce before 11.1 does not accept keys (it said: "
        f"{error.woo_message.rstrip('.')})",
        error.status,
        error.data,
        request=error.request,
        hint=PLAIN_PERMALINKS_ADVICE,
    )


_LIMIT_RE = re.compile(r"more than (\d+) items")


def parse_batch_limit(message: str) -> int | None:
    """``"Unable to accept more than 100 items for this request."`` → 100."""
    match = _LIMIT_RE.search(message)
    return int(match.group(1)) if match else None


def snippet_of(text: str, length: int = 160) -> str:
    """A short single-line excerpt of a body, for messages (HTML tags stripped)."""
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    text = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def woo_error(
    code: str,
    message: str,
    status: int,
    data: dict[str, Any] | None = None,
    *,
    request: str | None = None,
) -> WooError:
    """Build the most specific :class:`WooError` subclass for an error answer or batch item."""
    if status == 413 or code == "woocommerce_rest_request_entity_too_large":
        return BatchTooLarge(
            code,
            message,
            status,
            data,
            request=request,
            limit=parse_batch_limit(message),
            hint="send fewer items per batch request",
        )
    if status in (401, 403):
        return AuthenticationError(
            code,
            message,
            status,
            data,
            request=request,
            hint=_auth_hint(code, message),
        )
    if status == 404:
        hint = None
        if code == "rest_no_route":
            hint = "is WooCommerce active on this site? `bulkio doctor` checks"
        return NotFound(code, message, status, data, request=request, hint=hint)
    return WooError(code, message, status, data, request=request)


def error_from_response(response: httpx.Response) -> StoreError:
    """Turn a non-2xx answer into the matching exception (not raised)."""
    request = f"{response.request.method} {redact_url(response.request.url)}"
    status = response.status_code
    content_type = response.headers.get("content-type", "")
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        message = body.get("message")
        return woo_error(
            body["code"],
            message if isinstance(message, str) else str(message),
            status,
            data,
            request=request,
        )
    text = response.content[:4000].decode("utf-8", "replace")
    snippet = snippet_of(text)
    reason = response.reason_phrase or ""
    return UnexpectedResponse(
        f"store answered HTTP {status} {reason} with "
        f"{content_type.split(';')[0] or 'no content type'} instead of WooCommerce JSON"
        f"{': ' + repr(snippet) if snippet else ''} — {request}",
        status=status,
        snippet=snippet,
        content_type=content_type,
        hint="a proxy, firewall, maintenance page or security plugin may be answering "
        "instead of WordPress; `bulkio doctor` checks the site",
    )
