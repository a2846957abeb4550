"""WooCommerce REST API key authentication, as ``class-wc-rest-authentication.php`` does it.

Over HTTPS (or a sandbox told to treat its HTTP as HTTPS): ``consumer_key``/``consumer_secret``
query parameters, then HTTP Basic. Otherwise, or when those did not authenticate: OAuth 1.0a
one-legged signatures (HMAC-SHA1/SHA256, 15-minute timestamp window, nonces not reused).
An unknown key over Basic is *not* an error (the request just runs unauthenticated and meets
the endpoint's own permission error), exactly as on a real store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, unquote_plus, urlsplit

from bulkio.sandbox.db import Database
from bulkio.sandbox.errors import ApiError

PERMISSIONS = ("read", "write", "read_write")
NONCE_WINDOW = 15 * 60


def new_key_pair() -> tuple[str, str]:
    """A fresh random ``ck_…``/``cs_…`` pair (40 hex characters each, like WooCommerce)."""
    return "ck_" + secrets.token_hex(20), "cs_" + secrets.token_hex(20)


@dataclass
class ApiKey:
    key_id: int
    consumer_key: str
    consumer_secret: str
    permissions: str
    nonces: dict[str, float] = field(default_factory=dict)


@dataclass
class AuthResult:
    """Who the request runs as (``key`` None = anonymous) and any authentication error."""

    key: ApiKey | None = None
    error: ApiError | None = None
    method: str = ""


def _auth_error(message: str) -> ApiError:
    return ApiError("woocommerce_rest_authentication_error", message, 401)


def rfc3986(text: str) -> str:
    """PHP's ``rawurlencode``."""
    return quote(text, safe="-._~")


class KeyRing:
    """The store's API keys (persisted with the store) and their used nonces (in memory)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._by_key: dict[str, ApiKey] = {}
        for row in db.query("SELECT * FROM api_keys ORDER BY key_id"):
            self._remember(
                ApiKey(
                    int(row["key_id"]),
                    row["consumer_key"],
                    row["consumer_secret"],
                    row["permissions"],
                )
            )

    def _remember(self, key: ApiKey) -> None:
        self._by_key[key.consumer_key] = key

    def add(self, permissions: str, description: str = "sandbox") -> ApiKey:
        if permissions not in PERMISSIONS:
            raise ValueError(
                f"permission must be one of {', '.join(PERMISSIONS)}, not {permissions!r}"
            )
        consumer_key, consumer_secret = new_key_pair()
        cursor = self.db.execute(
            "INSERT INTO api_keys(description, permissions, consumer_key, consumer_secret) "
            "VALUES (?,?,?,?)",
            (description, permissions, consumer_key, consumer_secret),
        )
        key = ApiKey(int(cursor.lastrowid or 0), consumer_key, consumer_secret, permissions)
        with self._lock:
            self._remember(key)
        return key

    def first_with(self, permissions: str) -> ApiKey | None:
        for key in self._by_key.values():
            if key.permissions == permissions:
                return key
        return None

    def find(self, consumer_key: str) -> ApiKey | None:
        return self._by_key.get(consumer_key.strip())

    def use_nonce(self, key: ApiKey, nonce: str, timestamp: int) -> bool:
        """Record a nonce; False when it was already used inside the window."""
        now = time.time()
        with self._lock:
            for old, seen in list(key.nonces.items()):
                if seen < now - NONCE_WINDOW:
                    del key.nonces[old]
            if nonce in key.nonces:
                return False
            key.nonces[nonce] = float(timestamp)
            return True


@dataclass
class RequestFacts:
    """What authentication needs to know about one HTTP request."""

    method: str
    path: str  # the URL path as sent, e.g. /wp-json/wc/v3/products
    query: list[tuple[str, str]]  # decoded query pairs in order
    form: list[tuple[str, str]]  # decoded form-body pairs (application/x-www-form-urlencoded)
    headers: Mapping[str, str]  # lower-cased names
    is_https: bool


def parse_oauth_header(header: str) -> dict[str, str]:
    if not header.startswith("OAuth "):
        return {}
    params: dict[str, str] = {}
    for match in re.finditer(r'(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))', header):
        raw = match.group(3) if match.group(3) else (match.group(4) or "")
        params[match.group(1)] = unquote_plus(raw)
    return params


def _php_params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """PHP's ``$_GET``: the last value of a repeated name wins."""
    result: dict[str, str] = {}
    for name, value in pairs:
        result[name] = value
    return result


def signature_base_url(home: str, path: str, is_https: bool) -> str:
    """``get_home_url(null, $request_path, scheme)`` after stripping the home path prefix."""
    parts = urlsplit(home)
    home_path = parts.path.rstrip("/")
    wp_base = home_path + "/"
    request_path = path
    if request_path.startswith(wp_base):
        request_path = request_path[len(wp_base) :]
    scheme = "https" if is_https else "http"
    url = f"{scheme}://{parts.netloc}{home_path}"
    if request_path:
        url += "/" + request_path.lstrip("/")
    return url


def oauth_signature(
    method: str, base_url: str, params: Mapping[str, str], secret: str, algorithm: str
) -> str:
    """The signature WooCommerce expects: standard OAuth 1.0a base string, ``secret&`` key."""
    ordered = sorted(params.items(), key=lambda item: item[0].encode())
    joined = "%26".join(rfc3986(f"{rfc3986(name)}={rfc3986(value)}") for name, value in ordered)
    base = f"{method.upper()}&{rfc3986(base_url)}&{joined}"
    digest = hashlib.sha256 if algorithm == "sha256" else hashlib.sha1
    return base64.b64encode(
        hmac.new(f"{secret}&".encode(), base.encode(), digest).digest()
    ).decode()


class Authenticator:
    def __init__(self, keys: KeyRing, home: str) -> None:
        self.keys = keys
        self.home = home

    def authenticate(self, facts: RequestFacts) -> AuthResult:
        basic = self._basic(facts) if facts.is_https else AuthResult()
        if basic.key is not None:
            return basic
        oauth = self._oauth(facts)
        if oauth.key is not None or oauth.error is not None:
            return oauth
        return basic

    def _basic(self, facts: RequestFacts) -> AuthResult:
        query = _php_params(facts.query)
        consumer_key = consumer_secret = ""
        if query.get("consumer_key") and query.get("consumer_secret"):
            consumer_key, consumer_secret = query["consumer_key"], query["consumer_secret"]
        header = facts.headers.get("authorization", "")
        if not consumer_key and header[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(header[6:].strip()).decode("utf-8", "replace")
            except ValueError:
                decoded = ""
            user, _, password = decoded.partition(":")
            if user and password:
                consumer_key, consumer_secret = user, password
        if not consumer_key or not consumer_secret:
            return AuthResult(method="basic_auth")
        key = self.keys.find(consumer_key)
        if key is None:
            return AuthResult(method="basic_auth")
        if not hmac.compare_digest(key.consumer_secret.encode(), consumer_secret.encode()):
            return AuthResult(error=_auth_error("Consumer secret is invalid."), method="basic_auth")
        return AuthResult(key=key, method="basic_auth")

    def _oauth(self, facts: RequestFacts) -> AuthResult:
        params = {**_php_params(facts.query), **_php_params(facts.form)}
        header_params = parse_oauth_header(facts.headers.get("authorization", "").strip())
        params.update(header_params)
        required = (
            "oauth_consumer_key",
            "oauth_timestamp",
            "oauth_nonce",
            "oauth_signature",
            "oauth_signature_method",
        )
        missing = [name for name in required if not params.get(name)]
        if len(missing) == len(required):
            return AuthResult()
        if missing:
            noun = "parameter" if len(missing) == 1 else "parameters"
            return AuthResult(
                error=ApiError(
                    "woocommerce_rest_authentication_missing_parameter",
                    f"Missing OAuth {noun} {', '.join(missing)}",
                    401,
                ),
                method="oauth1",
            )
        key = self.keys.find(params["oauth_consumer_key"])
        if key is None:
            return AuthResult(error=_auth_error("Consumer key is invalid."), method="oauth1")
        provided = unquote(params.pop("oauth_signature").replace(" ", "+"))
        method = params["oauth_signature_method"]
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return AuthResult(
                error=_auth_error("Invalid signature - signature method is invalid."),
                method="oauth1",
            )
        base_url = signature_base_url(self.home, facts.path, facts.is_https)
        expected = oauth_signature(
            facts.method,
            base_url,
            params,
            key.consumer_secret,
            method.removeprefix("HMAC-").lower(),
        )
        if not hmac.compare_digest(expected.encode(), provided.encode()):
            return AuthResult(
                error=_auth_error("Invalid signature - provided signature does not match."),
                method="oauth1",
            )
        try:
            timestamp = int(params["oauth_timestamp"])
        except ValueError:
            timestamp = 0
        now = int(time.time())
        if timestamp < now - NONCE_WINDOW or timestamp > now + NONCE_WINDOW:
            return AuthResult(error=_auth_error("Invalid timestamp."), method="oauth1")
        if not self.keys.use_nonce(key, params["oauth_nonce"], timestamp):
            return AuthResult(
                error=_auth_error("Invalid nonce - nonce has already been used."), method="oauth1"
            )
        return AuthResult(key=key, method="oauth1")


def permission_error(key: ApiKey, method: str) -> ApiError | None:
    """``check_permissions``: a read key may not write, a write key may not read."""
    if method in ("GET", "HEAD"):
        if key.permissions not in ("read", "read_write"):
            return _auth_error("The API key provided does not have read permissions.")
    elif method in ("POST", "PUT", "PATCH", "DELETE"):
        if key.permissions not in ("write", "read_write"):
            return _auth_error("The API key provided does not have write permissions.")
    elif method != "OPTIONS":
        return _auth_error("Unknown request method.")
    return None
