"""Site URLs as users type them, and the two forms of the WordPress REST API root.

Users give the address they see in a browser (``https://shop.example.com``, maybe with a
trailing slash, ``/wp-json`` or a sub-directory). WordPress serves its REST API either under
``/wp-json/`` (pretty permalinks) or, with plain permalinks, at ``/?rest_route=/``; which one
works is discovered once per client (see :mod:`bulkio.store.discovery`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from bulkio.errors import UsageError

WC_NAMESPACE = "wc/v3"

ApiForm = Literal["pretty", "rest_route"]

_TRAILING_API = re.compile(r"(/index\.php)?(/wp-json(/.*)?)?$")


def normalise_site_url(url: str) -> str:
    """``" https://Shop.example.com/wp-json/ "`` → ``"https://shop.example.com"``.

    Keeps a sub-directory install's path (``https://example.com/shop``); drops the query
    string, fragment, trailing slashes and anything from ``/wp-json`` on.
    """
    text = url.strip()
    if not text:
        raise UsageError("the store URL is empty (option --url)")
    if "://" not in text:
        raise UsageError(
            f"store URL {text!r} has no scheme (option --url)",
            hint=f"write https://{text} (or http:// for a local test store)",
        )
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UsageError(f"store URL {text!r} must start with https:// or http:// (option --url)")
    if not parts.hostname:
        raise UsageError(f"store URL {text!r} has no host name (option --url)")
    if parts.username or parts.password:
        raise UsageError(
            "the store URL must not contain credentials (option --url)",
            hint="give the key and secret with --key/--secret, environment or a profile",
        )
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    default_port = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    path = _TRAILING_API.sub("", parts.path.rstrip("/")).rstrip("/")
    return urlunsplit((scheme, netloc, path, "", ""))


@dataclass(frozen=True)
class ApiRoot:
    """Where the REST API of one site answers, and the site address WordPress reports.

    ``site`` is the normalised URL the user typed (requests go there); ``home`` is the ``home``
    of the ``/wp-json/`` index (OAuth signatures are computed over it); ``namespaces`` as listed
    by the index (empty when the index was not readable).
    """

    site: str
    form: ApiForm
    home: str | None = None
    namespaces: tuple[str, ...] = field(default=())

    def url(self, route: str, namespace: str = WC_NAMESPACE) -> tuple[str, dict[str, str]]:
        """``("products")`` → (URL, extra query params) for a route under ``namespace``."""
        full = "/" + "/".join(p for p in (namespace.strip("/"), route.strip("/")) if p)
        if self.form == "pretty":
            return f"{self.site}/wp-json{full}", {}
        return f"{self.site}/", {"rest_route": full}

    @property
    def index_url(self) -> tuple[str, dict[str, str]]:
        if self.form == "pretty":
            return f"{self.site}/wp-json/", {}
        return f"{self.site}/", {"rest_route": "/"}

    @property
    def has_woocommerce(self) -> bool:
        return WC_NAMESPACE in self.namespaces


def signing_base_url(request_url: str, site: str, home: str | None) -> str:
    """The URL WooCommerce computes OAuth signatures over, for a request sent to ``request_url``.

    The server takes the request path relative to its own home path and prefixes it with the
    ``home`` it believes in, using the scheme the request arrived with (``get_home_url($path,
    is_ssl() ? 'https' : 'http')``); no query string. When the user's URL differs from ``home``
    (a proxy, a missing port, a different host name), signing over the typed URL fails.
    """
    request = urlsplit(request_url)
    scheme = request.scheme
    site_path = urlsplit(site).path.rstrip("/")
    path = request.path
    if site_path and path.startswith(site_path):
        path = path[len(site_path) :]
    relative = path.lstrip("/")
    base = home if home else site
    home_parts = urlsplit(base.rstrip("/"))
    home_url = urlunsplit((scheme, home_parts.netloc, home_parts.path, "", ""))
    return f"{home_url}/{relative}" if relative else home_url
