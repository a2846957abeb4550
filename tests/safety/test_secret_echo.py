"""A store whose error answers echo the request never gets bulkio to print the key or secret.

PHP fatal-error pages, debug plugins and some proxies answer with the request they received:
the request line (``?consumer_key=ck_…&consumer_secret=cs_…`` with query-string keys), the
``Authorization: Basic …`` header, OAuth parameters. bulkio quotes such answers in its error
messages; every text it prints or writes must come out scrubbed (issue 14, item 1). The server
below echoes everything, as HTML and as WooCommerce-shaped JSON errors, and every command that
talks to a store runs against it with each way of authenticating.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import trustme
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
KEY = "ck_" + "5e" * 20
SECRET = "cs_" + "a7" * 20


class EchoServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    style = "html"
    tls = False


class Echo(http.server.BaseHTTPRequestHandler):
    server: EchoServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        base = (
            f"https://{self.headers['Host']}"
            if self.server.tls
            else f"http://{self.headers['Host']}"
        )
        if self.path.split("?", 1)[0].rstrip("/") == "/wp-json":
            payload = {"namespaces": ["wc/v3"], "home": base, "url": base, "routes": {}}
            self._send(200, "application/json", json.dumps(payload))
            return
        echoed = f"request was {self.command} {self.path}\n{self.headers}\n{body}"
        if self.server.style == "html":
            page = f"<html><body><b>Fatal error</b>: {echoed}</body></html>"
            self._send(400, "text/html", page)
        else:
            error = {"code": "debug_echo", "message": echoed, "data": {"status": 400}}
            self._send(400, "application/json", json.dumps(error))

    def _send(self, status: int, kind: str, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = _answer


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def serve(tls: bool, style: str, ca: trustme.CA) -> tuple[EchoServer, str]:
    """An echoing store on a free loopback port (TLS with a throwaway CA when ``tls``)."""
    server = EchoServer(("127.0.0.1", 0), Echo)
    server.tls = tls
    server.style = style
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheme = "https" if tls else "http"
    return server, f"{scheme}://127.0.0.1:{server.server_address[1]}"


def forms() -> list[str]:
    basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    found = [basic, basic.rstrip("=")]
    for value in (KEY, SECRET):
        found += [value, value[3:], quote(value, safe=""), quote_plus(value)]
    return found


PRODUCT_MAPPING = """
[source]
format = "csv"
[target]
resource = "product"
[fields]
sku = "sku"
name = "name"
"""

STOCK_MAPPING = """
[source]
format = "csv"
[target]
resource = "stock"
[fields]
sku = "sku"
stock_quantity = { column = "qty", type = "int" }
"""


def saved_plan(tmp: Path, feed: Path, mapping: Path, url: str) -> Path:
    """A plan made against a sandbox holding the feed's product, re-addressed to ``url``: what
    ``bulkio apply`` would be handed after a dry run against that store."""
    plan = tmp / "plan.json"
    with Sandbox() as store:
        store.create_product({"name": "Old name", "sku": "A-1"})
        key, secret = store.keys["read_write"]
        args = ["import", str(feed), "-m", str(mapping), "--dry-run", "--plan-out", str(plan)]
        args += ["--url", store.url, "--key", key, "--secret", secret]
        done = CliRunner().invoke(main, args)
        assert done.exit_code == 0, done.output
    document = json.loads(plan.read_text(encoding="utf-8"))
    document["store_url"] = url
    plan.write_text(json.dumps(document), encoding="utf-8")
    return plan


def commands(tmp: Path, url: str) -> dict[str, list[str]]:
    product = tmp / "product.toml"
    product.write_text(PRODUCT_MAPPING, encoding="utf-8")
    stock = tmp / "stock.toml"
    stock.write_text(STOCK_MAPPING, encoding="utf-8")
    feed = tmp / "feed.csv"
    feed.write_text("sku,name,qty\nA-1,Eimer,3\n", encoding="utf-8")
    catalog = tmp / "wc.csv"
    catalog.write_text("Type,SKU,Name,Regular price\nsimple,C-1,Kanne,5\n", encoding="utf-8")
    return {
        "import": ["import", str(feed), "-m", str(product), "--report", str(tmp / "r.csv")],
        "import --json": ["import", str(feed), "-m", str(product), "--json"],
        "stock": ["import", str(feed), "-m", str(stock)],
        "catalog": ["catalog", "import", str(catalog)],
        "export orders": ["export", "orders", "-o", str(tmp / "orders.csv")],
        "export products": ["export", "products", "-o", str(tmp / "products.csv")],
        "doctor": ["doctor"],
        "doctor --json": ["doctor", "--json"],
        "import --debug-http": ["import", str(feed), "-m", str(product), "--debug-http"],
        "apply": ["apply", str(saved_plan(tmp, feed, product, url)), "--runs-dir", str(tmp)],
    }


@pytest.mark.parametrize("auth", ["basic", "query", "oauth"])
def test_no_command_prints_an_echoed_secret(auth: str, ca: trustme.CA, tmp_path: Path) -> None:
    server, url = serve(auth != "oauth", "html", ca)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    home = tmp_path / "home"
    env = {
        **os.environ,
        "BULKIO_URL": url,
        "BULKIO_KEY": KEY,
        "BULKIO_SECRET": SECRET,
        "BULKIO_HOME": str(home),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "PYTHONPATH": str(REPO),
    }
    env.pop("BULKIO_CONFIG", None)
    env.pop("BULKIO_PROFILE", None)
    if auth != "oauth":
        env["BULKIO_CA_BUNDLE"] = str(bundle)
    leaks: list[str] = []
    echoed = 0
    try:
        for number, (name, args) in enumerate(commands(tmp_path, url).items()):
            # Each command meets both kinds of echo over the three ways of authenticating.
            server.style = ("html", "json")[(number + len(auth)) % 2]
            done = subprocess.run(
                [sys.executable, "-m", "bulkio", *args, "--auth", auth],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                cwd=tmp_path,
            )
            output = done.stdout + done.stderr
            assert done.returncode != 0, (name, output)
            echoed += "request was" in output
            if name == "apply":  # the saved plan reached the store's echo, scrubbed
                assert "request was" in output, output
            leaks += [f"{name}: {form[:10]}…" for form in forms() if form in output]
    finally:
        server.shutdown()
        server.server_close()
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix != ".pem":
            data = path.read_text("utf-8", "replace")
            leaks += [f"{path.name}: {form[:10]}…" for form in forms() if form in data]
    assert leaks == []
    assert echoed >= 3  # the store's answers were shown (scrubbed), not hidden altogether


def test_library_errors_are_scrubbed_too() -> None:
    """Library users print exceptions themselves (Airflow task logs): the same scrubber."""
    from bulkio.config import ConnectionSettings
    from bulkio.store.errors import WooError

    ConnectionSettings(url="https://shop.example", key=KEY, secret=SECRET)
    basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    error = WooError(
        "debug_echo",
        f"request was GET /products?consumer_key={KEY}&x={quote(SECRET)} "
        f"Authorization: Basic {basic}",
        status=400,
    )
    text = str(error)
    assert "request was GET /products" in text
    assert [form for form in forms() if form in text] == []
