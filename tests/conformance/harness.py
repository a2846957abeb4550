"""What the recorder and the replay share: templates, sending a step, reading values out.

A recording is a list of cases; a case is a list of steps run in order against one store. A
step names its request (``method``, ``route`` under ``wc/v3/``, ``params``, ``body``, the
``scheme`` and the ``auth`` to use) and what was recorded from the real answer: ``status``, the
error ``code``, selected ``values`` (by path) and ``headers``.

Templates, so that one recording replays anywhere:

* ``{P}`` in any string: the case's unique prefix (SKUs, names), made fresh at record time,
  ``{pl}`` the same in lower case (slugs); ``{HOME}`` the store's address;
* ``{IMG}``: the base URL of a loopback image server (:func:`image_server`) the run starts;
* ``{name}`` in a route, and ``{"$ref": "name"}`` as a value (in a body or an expected
  value): an id saved by an earlier step of the case (``save``).

Paths are dotted (``create.0.error.code``); ``*`` maps the rest of the path over a list,
``#`` is a list's length. An expected ``{"$absent": true}`` means the key is not in the answer.

Never any key or secret in a recording: ``auth`` names a kind of credentials, the runner holds
the keys.
"""

from __future__ import annotations

import contextlib
import struct
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.sandbox.oauth import sign

ABSENT = {"$absent": True}

AUTH_KINDS = (
    "rw",  # read/write key, HTTP Basic (over HTTPS)
    "ro",  # read-only key, HTTP Basic
    "none",  # no credentials at all
    "wrong_secret",  # the read/write key with a secret that is not its own
    "unknown_key",  # a key the store never issued
    "query",  # consumer_key / consumer_secret in the query string
    "oauth",  # OAuth 1.0a one-legged, HMAC-SHA256 (meant for plain HTTP)
    "oauth_wrong",  # the same, signed with a wrong secret
)


@dataclass
class Target:
    """Where a step is sent: a store's two addresses and its keys (never recorded)."""

    https_url: str
    http_url: str
    rw: tuple[str, str]
    ro: tuple[str, str]
    verify: Any = True
    sandbox: Any = None  # a bulkio Sandbox: one HTTP port, HTTPS emulated per request

    def base(self, scheme: str) -> str:
        if self.sandbox is not None:
            # The sandbox serves plain HTTP and treats it as HTTPS when told to, per request.
            self.sandbox.assume_https = scheme == "https"
            return self.sandbox.url
        return self.https_url if scheme == "https" else self.http_url


def fill(value: Any, names: Mapping[str, Any]) -> Any:
    """Replace templates in a request value (``{P}``, ``{IMG}``, ``{"$ref": …}``)."""
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace("{" + name + "}", str(replacement))
        return value
    if isinstance(value, dict):
        if set(value) == {"$ref"}:
            return names[value["$ref"]]
        return {key: fill(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, names) for item in value]
    return value


def templatize(value: Any, names: Mapping[str, str]) -> Any:
    """The reverse of :func:`fill` for strings: put ``{P}``/``{IMG}`` back into a value read
    from an answer (``names`` maps the template name to the text used in this run)."""
    if isinstance(value, str):
        # Longest first, so a prefix inside the image URL cannot win over the URL.
        for name, text in sorted(names.items(), key=lambda pair: -len(pair[1])):
            if text:
                value = value.replace(text, "{" + name + "}")
        return value
    if isinstance(value, dict):
        return {key: templatize(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [templatize(item, names) for item in value]
    return value


def pick(data: Any, path: str) -> Any:
    """The value at a dotted path, :data:`ABSENT` when a key is missing."""
    if path in ("", "."):
        return data
    head, _, rest = path.partition(".")
    if head == "*":
        if not isinstance(data, list):
            return ABSENT
        return [pick(item, rest) for item in data]
    if head == "#":
        return len(data) if isinstance(data, list | dict) else ABSENT
    if isinstance(data, list):
        if not head.isdigit() or int(head) >= len(data):
            return ABSENT
        return pick(data[int(head)], rest)
    if isinstance(data, dict):
        if head not in data:
            return ABSENT
        return pick(data[head], rest)
    return ABSENT


def send(target: Target, step: Mapping[str, Any], names: Mapping[str, Any]) -> httpx.Response:
    """Send one step's request to ``target`` with the step's kind of credentials."""
    scheme = step.get("scheme", "https")
    route = fill(step["route"], names)
    url = f"{target.base(scheme)}/wp-json/wc/v3/{route}"
    params = {key: str(value) for key, value in fill(step.get("params") or {}, names).items()}
    body = fill(step.get("body"), names)
    method = step.get("method", "GET")
    auth_kind = step.get("auth", "rw")
    auth: tuple[str, str] | None = None
    if auth_kind == "rw":
        auth = target.rw
    elif auth_kind == "ro":
        auth = target.ro
    elif auth_kind == "wrong_secret":
        auth = (target.rw[0], _other_secret(target.rw[1]))
    elif auth_kind == "unknown_key":
        auth = ("ck_never_issued_" + "z" * 27, target.rw[1])
    elif auth_kind == "query":
        params = {**params, "consumer_key": target.rw[0], "consumer_secret": target.rw[1]}
    elif auth_kind in ("oauth", "oauth_wrong"):
        secret = target.rw[1] if auth_kind == "oauth" else _other_secret(target.rw[1])
        params = sign(method, url, params, target.rw[0], secret)
    elif auth_kind != "none":
        raise ValueError(f"unknown auth kind {auth_kind!r}")
    with httpx.Client(verify=target.verify, timeout=120) as client:
        return client.request(
            method, url, params=params, json=body, auth=auth if auth is not None else None
        )


def _other_secret(secret: str) -> str:
    """A secret of the right shape that is not ``secret`` (its last character changed)."""
    return secret[:-1] + ("1" if secret[-1] != "1" else "2")


# -- a loopback image server --------------------------------------------------------------------


def png_bytes(size: int = 8) -> bytes:
    """A small valid PNG (a grey square), made here so no binary lands in the repository."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes([128]) * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class _ImageHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.endswith(".png") and "missing" not in path:
            self._answer(200, png_bytes(), "image/png")
        elif path.endswith(".txt"):
            self._answer(200, b"not an image\n", "text/plain")
        else:
            self._answer(404, b"<html><body>Not Found</body></html>", "text/html")

    do_HEAD = do_GET

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextlib.contextmanager
def image_server(port: int = 0) -> Iterator[str]:
    """Serve ``/<anything>.png`` (a PNG), ``/<anything>.txt`` (text) and 404 otherwise, on
    127.0.0.1; yields the base URL. ``…missing….png`` answers 404.

    WordPress downloads only from ports 80, 443 and 8080 (``http_allowed_safe_ports``) unless
    the URL has the site's own host and port, so the recorder serves on 8080.
    """
    server = ThreadingHTTPServer(("127.0.0.1", port), _ImageHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
