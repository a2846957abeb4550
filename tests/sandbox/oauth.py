"""A tiny OAuth 1.0a (one-legged, WooCommerce flavour) signer for the sandbox tests.

Written independently of bulkio's client so the sandbox is checked against the spec, not
against the code it is meant to test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import quote, urlsplit

import httpx


def _enc(text: str) -> str:
    return quote(text, safe="-._~")


def sign(
    method: str,
    url: str,
    params: dict[str, str],
    consumer_key: str,
    consumer_secret: str,
    *,
    algorithm: str = "HMAC-SHA256",
    timestamp: int | None = None,
    nonce: str | None = None,
    sign_url: str | None = None,
) -> dict[str, str]:
    """Return ``params`` plus the five oauth_* parameters, signed over ``sign_url or url``."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": algorithm,
    }
    all_params = {**params, **oauth}
    parts = urlsplit(sign_url or url)
    base_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    pairs = sorted((_enc(k), _enc(v)) for k, v in all_params.items())
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join([method.upper(), _enc(base_url), _enc(normalized)])
    digest = hashlib.sha256 if algorithm == "HMAC-SHA256" else hashlib.sha1
    signature = base64.b64encode(
        hmac.new(f"{consumer_secret}&".encode(), base.encode(), digest).digest()
    ).decode()
    return {**all_params, "oauth_signature": signature}


def oauth_get(
    client: httpx.Client,
    url: str,
    key: tuple[str, str],
    params: dict[str, str] | None = None,
    **options: str | int | None,
) -> httpx.Response:
    signed = sign("GET", url, params or {}, key[0], key[1], **options)  # type: ignore[arg-type]
    return client.get(url, params=signed)


def oauth_send(
    client: httpx.Client,
    method: str,
    url: str,
    key: tuple[str, str],
    json: object = None,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    signed = sign(method, url, params or {}, key[0], key[1])
    return client.request(method, url, params=signed, json=json)
