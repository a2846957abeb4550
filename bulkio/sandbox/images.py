"""Image ``src`` URLs: which ones WordPress would download, and what failing looks like.

WooCommerce downloads every new ``src`` (``wc_rest_upload_image_from_url`` → ``download_url``)
before it saves the product; an image it cannot get fails the whole item, nothing is saved, and
the error is ``woocommerce_product_image_upload_error`` with WordPress's reason. Measured on the
reference stores (``tests/conformance``):

* ``wp_http_validate_url`` first: http/https only, a host, no user:password, and a port of 80,
  443 or 8080 (``http_allowed_safe_ports``), or the site's own host and port: else
  "A valid URL was not provided.";
* loopback URLs (127.0.0.1, localhost, ::1) are really fetched here: nothing listening is
  cURL error 7, a status other than 200 is its reason phrase ("Not Found"), a file that is not
  an image is "Invalid image: Sorry, you are not allowed to upload this file type.";
* any other host: ``online`` (the default) takes it without fetching, as a shop with internet
  would (tests and demos use made-up URLs); ``offline`` fails it the way the reference stores
  do (they have no internet).
"""

from __future__ import annotations

import http.client
import struct
import zlib
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from bulkio.sandbox.errors import ApiError
from bulkio.sandbox.store import Store

SAFE_PORTS = frozenset({80, 443, 8080})
LOOPBACK = ("127.0.0.1", "localhost", "::1")
IMAGE_EXTENSIONS = frozenset(
    [
        "jpg",
        "jpeg",
        "jpe",
        "gif",
        "png",
        "bmp",
        "tiff",
        "tif",
        "webp",
        "avif",
        "ico",
        "heic",
        "heif",
    ]
)
_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"RIFF", b"II*\x00", b"MM\x00*")
UPLOAD_ERROR = "woocommerce_product_image_upload_error"


def png_bytes(size: int = 8) -> bytes:
    """A small valid PNG (a grey square): what the sandbox serves for its uploaded images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes([128]) * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def _failure(src: str, reason: str) -> ApiError:
    return ApiError(UPLOAD_ERROR, f"Error getting remote image {src}. Error: {reason}", 400)


def _not_an_image() -> ApiError:
    return ApiError(
        UPLOAD_ERROR, "Invalid image: Sorry, you are not allowed to upload this file type.", 400
    )


def check_source(store: Store, src: str) -> ApiError | None:
    """What downloading ``src`` would end in: None for an image, else the item's error."""
    try:
        parts = urlsplit(src)
        port = parts.port
    except ValueError:
        return _failure(src, "A valid URL was not provided.")
    host = (parts.hostname or "").lower()
    home = urlsplit(store.home)
    same_site = host == (home.hostname or "").lower() and port == home.port
    if (
        parts.scheme.lower() not in ("http", "https")
        or not host
        or parts.username is not None
        or (port is not None and port not in SAFE_PORTS | store.image_ports and not same_site)
    ):
        return _failure(src, "A valid URL was not provided.")
    extension = parts.path.rsplit(".", 1)[-1].lower() if "." in parts.path else ""
    if not _is_loopback(host):
        if store.images == "offline":
            return _failure(src, f"refstore: no internet on this machine ({host})")
        return None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _fetch(src, parts.scheme.lower(), host, port, path, extension)


def _fetch(
    src: str, scheme: str, host: str, port: int | None, path: str, extension: str
) -> ApiError | None:
    port = port or (443 if scheme == "https" else 80)
    connection: http.client.HTTPConnection
    if scheme == "https":
        import ssl

        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(host, port, timeout=10, context=context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("GET", path, headers={"User-Agent": "WordPress (bulkio sandbox)"})
        response = connection.getresponse()
        body = response.read(64)
    except ConnectionRefusedError:
        return _failure(
            src,
            f"cURL error 7: Failed to connect to {host} port {port} after 0 ms: "
            "Couldn't connect to server",
        )
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        return _failure(src, f"cURL error 28: {error}")
    finally:
        connection.close()
    if response.status != 200:
        return _failure(src, response.reason or str(response.status))
    if extension not in IMAGE_EXTENSIONS or not body.startswith(_MAGIC):
        return _not_an_image()
    return None


def new_sources(payload: Mapping[str, Any], current: Iterable[Mapping[str, Any]] = ()) -> list[str]:
    """The ``src`` URLs of a payload's ``images`` (or variation ``image``) to download."""
    given = payload.get("images")
    if given is None and isinstance(payload.get("image"), dict):
        given = [payload["image"]]
    if not isinstance(given, list):
        return []
    return [
        str(image["src"])
        for image in given
        if isinstance(image, dict) and image.get("src") and not image.get("id")
    ]


def prefetch(store: Store, payload: Mapping[str, Any]) -> dict[str, ApiError | None]:
    """Check every new ``src`` of a payload before the store is locked (a download may take
    time; the answer is used where WooCommerce sets the images, so earlier errors win)."""
    return {src: check_source(store, src) for src in dict.fromkeys(new_sources(payload))}
