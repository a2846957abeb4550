"""The three ways WooCommerce accepts API keys, as httpx auth objects.

* :class:`BasicAuth` — key and secret as HTTP Basic credentials; HTTPS only.
* :class:`QueryKeyAuth` — ``consumer_key``/``consumer_secret`` query parameters; HTTPS only. For
  hosts whose web server strips the ``Authorization`` header before PHP sees it.
* :class:`OAuth1Auth` — OAuth 1.0a "one-legged" (no token) HMAC-SHA256 signatures in the query
  string; what WooCommerce demands over plain HTTP, where it ignores the other two.

The signature base string follows ``WC_REST_Authentication::check_oauth_signature`` (in
``includes/class-wc-rest-authentication.php``): the server reads the query string the way PHP
does (``parse_str``: ``a[]``/``a[b]`` become nested arrays, a repeated key keeps its last value),
sorts the top-level keys by byte order, RFC 3986-encodes keys and values, joins nested keys as
``key%5Bsub%5D``, and signs ``METHOD&enc(url)&enc(k=v)%26enc(k=v)…`` where ``url`` is the site's
``home`` plus the request path (see :func:`bulkio.store.urls.signing_base_url`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Generator
from typing import Union
from urllib.parse import parse_qsl, quote

import httpx

from bulkio.errors import UsageError

PhpValue = Union[str, "PhpArray"]
PhpArray = dict[str, PhpValue]


def rfc3986(text: str) -> str:
    """PHP ``rawurlencode``: everything but ``A-Za-z0-9-_.~`` percent-encoded (UTF-8)."""
    return quote(text, safe="~")


def _refuse_plain_http(request: httpx.Request, scheme_name: str) -> None:
    if request.url.scheme != "https":
        raise UsageError(
            f"refusing to send {scheme_name} credentials over plain HTTP to "
            f"{request.url.scheme}://{request.url.netloc.decode()} — anyone on the way could "
            "read the secret, and WooCommerce ignores them there anyway",
            hint="use the https:// address of the store, or --auth oauth (or auto) for a "
            "plain-HTTP test store",
        )


class BasicAuth(httpx.Auth):
    """HTTP Basic with the consumer key as user and the secret as password (HTTPS only)."""

    def __init__(self, key: str, secret: str) -> None:
        self._header = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        _refuse_plain_http(request, "Basic")
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BasicAuth(***)"


class QueryKeyAuth(httpx.Auth):
    """``?consumer_key=…&consumer_secret=…`` (HTTPS only): survives stripped auth headers."""

    def __init__(self, key: str, secret: str) -> None:
        self._key = key
        self._secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        _refuse_plain_http(request, "query-string")
        request.url = _append_query(
            request.url, [("consumer_key", self._key), ("consumer_secret", self._secret)]
        )
        yield request

    def __repr__(self) -> str:
        return "QueryKeyAuth(***)"


def _append_query(url: httpx.URL, pairs: list[tuple[str, str]]) -> httpx.URL:
    """Append already-known pairs to a URL's query, encoded the strict RFC 3986 way."""
    extra = "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in pairs)
    query = url.query.decode("ascii")
    return url.copy_with(query=(f"{query}&{extra}" if query else extra).encode("ascii"))


def php_parse_query(query: str) -> PhpArray:
    """Decode a query string into the structure PHP's ``parse_str`` gives ``$_GET``.

    ``a=1&a=2`` → ``{"a": "2"}``; ``a[]=1&a[]=2`` → ``{"a": {"0": "1", "1": "2"}}``;
    ``a[x][y]=1`` → nested; dots and spaces in top-level names become underscores.
    """
    result: PhpArray = {}
    for raw_key, value in parse_qsl(query, keep_blank_values=True):
        bracket = raw_key.find("[")
        if bracket > 0 and raw_key.endswith("]"):
            base = raw_key[:bracket]
            subkeys = raw_key[bracket + 1 : -1].split("][")
        else:
            base, subkeys = raw_key, []
        base = base.replace(".", "_").replace(" ", "_")
        if not subkeys:
            result[base] = value
            continue
        container: PhpArray = result
        key = base
        for sub in subkeys:
            existing = container.get(key)
            if not isinstance(existing, dict):
                existing = {}
                container[key] = existing
            container = existing
            if sub == "":
                numeric = [int(k) for k in container if k.lstrip("-").isdigit()]
                sub = str(max(numeric) + 1 if numeric else 0)
            key = sub
        container[key] = value
    return result


def _join_pairs(params: PhpArray, prefix: str = "") -> list[str]:
    pairs: list[str] = []
    for key, value in params.items():
        # Top-level keys arrive encoded; nested keys are used as they are (as the server does).
        name = f"{prefix}%5B{key}%5D" if prefix else key
        if isinstance(value, dict):
            pairs.extend(_join_pairs(value, name))
        else:
            pairs.append(rfc3986(f"{name}={value}"))
    return pairs


def _encode_values(value: PhpValue) -> PhpValue:
    if isinstance(value, dict):
        return {k: _encode_values(v) for k, v in value.items()}
    return rfc3986(value)


def oauth_base_string(method: str, base_url: str, params: PhpArray) -> str:
    """The string WooCommerce signs: ``METHOD&enc(base_url)&enc(k1=v1)%26enc(k2=v2)…``.

    ``params`` are the decoded query parameters (``oauth_signature`` excluded) as
    :func:`php_parse_query` returns them.
    """
    ordered = {
        rfc3986(key): _encode_values(params[key])
        for key in sorted(params, key=lambda k: k.encode("utf-8"))
    }
    return f"{method.upper()}&{rfc3986(base_url)}&{'%26'.join(_join_pairs(ordered))}"


def oauth_signature(base_string: str, secret: str, algorithm: str = "sha256") -> str:
    digest = hmac.new(f"{secret}&".encode(), base_string.encode(), getattr(hashlib, algorithm))
    return base64.b64encode(digest.digest()).decode("ascii")


class OAuth1Auth(httpx.Auth):
    """OAuth 1.0a one-legged HMAC-SHA256, parameters in the query string.

    ``signing_url`` maps the URL a request is sent to onto the URL the server will sign over
    (built from the site's reported ``home``). ``clock`` and ``nonce`` are injectable for tests.
    Each attempt (retries included) gets a fresh timestamp and nonce.
    """

    def __init__(
        self,
        key: str,
        secret: str,
        *,
        signing_url: Callable[[str], str] | None = None,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self._key = key
        self._secret = secret
        self._signing_url = signing_url or (lambda url: url)
        self._clock = clock
        self._nonce = nonce

    def sign(self, method: str, url: httpx.URL) -> list[tuple[str, str]]:
        """The oauth_* parameters (signature last) for a request to ``url``."""
        oauth = [
            ("oauth_consumer_key", self._key),
            ("oauth_nonce", self._nonce()),
            ("oauth_signature_method", "HMAC-SHA256"),
            ("oauth_timestamp", str(int(self._clock()))),
        ]
        params = php_parse_query(url.query.decode("ascii"))
        for name, value in oauth:
            params[name] = value
        plain_url = str(url.copy_with(query=None, fragment=None))
        base = oauth_base_string(method, self._signing_url(plain_url), params)
        return [*oauth, ("oauth_signature", oauth_signature(base, self._secret))]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = _append_query(request.url, self.sign(request.method, request.url))
        yield request

    def __repr__(self) -> str:
        return "OAuth1Auth(***)"


def make_auth(
    mode: str,
    key: str,
    secret: str,
    *,
    signing_url: Callable[[str], str] | None = None,
    clock: Callable[[], float] = time.time,
) -> httpx.Auth:
    """The auth object for ``basic``, ``query`` or ``oauth``."""
    if mode == "basic":
        return BasicAuth(key, secret)
    if mode == "query":
        return QueryKeyAuth(key, secret)
    if mode == "oauth":
        return OAuth1Auth(key, secret, signing_url=signing_url, clock=clock)
    raise UsageError(f"unknown auth mode {mode!r}")


__all__ = [
    "BasicAuth",
    "OAuth1Auth",
    "QueryKeyAuth",
    "make_auth",
    "oauth_base_string",
    "oauth_signature",
    "php_parse_query",
]
