"""A small HTTP server on 127.0.0.1 serving generated images, for product image tests.

The real stores have no internet (every outgoing request fails at once, except to 127.0.0.1),
so a test serves its own images: real PNG and JPEG files (a few hundred bytes, one colour per
path, so two URLs are two different images), generated on the fly. Paths ending in ``.png``
get a PNG, ``.jpg`` / ``.jpeg`` a JPEG; a path containing ``missing`` answers 404 (an image
the store cannot fetch). The server counts requests per path, runs in a daemon thread, and
stops when the ``with`` block ends (or after ``lifetime`` seconds at most).

Ports: WordPress downloads only from ports 80, 443 and 8080 (``wp_http_validate_url``; the
``http_allowed_safe_ports`` filter, which the test stores do not set, would widen that), so the
server takes the first of those that is free on 127.0.0.1 (plain HTTP, whatever the number).
Three servers can run at once; a fourth waits for one to stop, up to ``wait`` seconds.
"""

from __future__ import annotations

import hashlib
import http.server
import struct
import threading
import time
import zlib
from collections import Counter
from types import TracebackType


def png_bytes(seed: str, size: int = 24) -> bytes:
    """A ``size`` × ``size`` RGB PNG of one colour derived from ``seed``."""
    red, green, blue = hashlib.sha256(seed.encode()).digest()[:3]
    row = b"\x00" + bytes((red, green, blue)) * size
    raw = row * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# A baseline JPEG of one 8x8 grey block (every pixel the same grey level): the luminance DC
# coefficient is the only one, so the entropy-coded data is a DC difference and an EOB.
_DQT = bytes([0xFF, 0xDB, 0x00, 0x43, 0x00]) + bytes([1] * 64)
_SOF = bytes([0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00])
# Huffman tables: DC class 0 table 0 with the single code "0" → category 8;
# AC class 1 table 0 with the single code "0" → EOB (0x00).
_DHT_DC = bytes([0xFF, 0xC4, 0x00, 0x14, 0x00, 1] + [0] * 15 + [8])
_DHT_AC = bytes([0xFF, 0xC4, 0x00, 0x14, 0x10, 1] + [0] * 15 + [0])
_SOS = bytes([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00])


def jpeg_bytes(seed: str) -> bytes:
    """An 8 × 8 grey JPEG whose grey level derives from ``seed``."""
    # A DC coefficient of 128..255 (category 8, written as its 8 bits) with a quantiser of 1:
    # greys of about 144..160, one per seed.
    dc = 128 + hashlib.sha256(seed.encode()).digest()[0] % 128
    bits = "0"  # DC Huffman code (category 8)
    bits += format(dc, "08b")
    bits += "0"  # AC: EOB
    bits += "1" * (-len(bits) % 8)  # pad with ones
    data = bytearray(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))
    stuffed = bytearray()
    for byte in data:
        stuffed.append(byte)
        if byte == 0xFF:
            stuffed.append(0x00)
    return b"\xff\xd8" + _DQT + _SOF + _DHT_DC + _DHT_AC + _SOS + bytes(stuffed) + b"\xff\xd9"


class ImageServer:
    """``with ImageServer() as images: images.url("a/red.png")``."""

    PORTS = (80, 8080, 443)

    def __init__(self, lifetime: float = 900.0, wait: float = 600.0) -> None:
        self.hits: Counter[str] = Counter()
        self.failing: set[str] = set()
        """Paths (``/a/b.png``) answered 404 for now: an image that comes back later."""
        self.lifetime = lifetime
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits[path] += 1
                lower = path.lower()
                if "missing" in lower or path in server.failing:
                    self.send_error(404)
                    return
                if lower.endswith(".png"):
                    body, kind = png_bytes(path), "image/png"
                elif lower.endswith((".jpg", ".jpeg")):
                    body, kind = jpeg_bytes(path), "image/jpeg"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self._server = self._bind(Handler, wait)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True

    def _bind(self, handler: type, wait: float) -> http.server.ThreadingHTTPServer:
        deadline = time.monotonic() + wait
        while True:
            for port in self.PORTS:
                try:
                    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
                except OSError:
                    continue
            if time.monotonic() > deadline:
                raise RuntimeError(f"no free port among {self.PORTS} on 127.0.0.1")
            time.sleep(1.0)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def start(self) -> ImageServer:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ImageServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
