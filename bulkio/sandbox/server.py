"""The HTTP side of the sandbox: a threaded server on 127.0.0.1 and the :class:`Sandbox` handle."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from bulkio.sandbox.auth import Authenticator, KeyRing, RequestFacts, permission_error
from bulkio.sandbox.errors import ApiError
from bulkio.sandbox.faults import FaultPlan, FaultState, WorkerGate
from bulkio.sandbox.images import png_bytes
from bulkio.sandbox.routes import WRITE_METHODS, Answer, Api, Call
from bulkio.sandbox.store import IMAGE_MODES, Store
from bulkio.sandbox.versions import DEFAULT as DEFAULT_VERSION
from bulkio.sandbox.versions import WooVersion

UPLOADS = "/wp-content/uploads/sandbox/"
REDACTED_PARAMS = ("consumer_secret", "oauth_signature", "consumer_key", "oauth_consumer_key")


@dataclass
class LoggedRequest:
    """One request the sandbox received (secrets redacted)."""

    method: str
    path: str
    route: str  # "/wc/v3/products/batch", "/" for the index, "" for non-REST
    query: dict[str, str]
    status: int | None  # None when the connection was dropped without an answer
    batch_items: int = 0
    item_counts: dict[str, int] = field(default_factory=dict)
    duration: float = 0.0
    error_code: str | None = None
    fault: str | None = None  # the fault(s) that fired, e.g. "503", "drop_after_commit"
    auth: str = ""  # "oauth1", "basic_auth" or "" (anonymous)
    committed: bool = False  # the handler ran (a write request changed the store)
    started: float = 0.0  # time.monotonic() when the request arrived
    body: bytes | None = None  # raw request body, only when Sandbox.capture_bodies is on

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    sandbox: Sandbox

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm
        # and delayed ACKs add ~40 ms to every response on loopback.
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        context = self.sandbox._ssl_context
        if context is not None:
            try:
                request = context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        self.sandbox._track(request, True)
        try:
            super().finish_request(request, client_address)
        finally:
            self.sandbox._track(request, False)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (timeouts, dropped connections) are normal here; stay quiet.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    timeout = 120
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.sandbox._handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET


def php_json(data: Any) -> bytes:
    """JSON as WordPress's ``wp_json_encode`` writes it: ASCII with ``\\uXXXX`` escapes and
    escaped slashes (``"https:\\/\\/…"``). Any JSON parser reads it the same; clients that
    match raw text do not."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


def _is_json_type(content_type: str) -> bool:
    """``wp_is_json_media_type``: application/json or any ``+json`` type."""
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def _read_body(handler: _Handler) -> bytes:
    """The request body, sent with Content-Length or chunked."""
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        parts: list[bytes] = []
        while True:
            size_line = handler.rfile.readline(1024)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(handler.rfile.read(size))
            handler.rfile.readline(1024)
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


class Sandbox:
    """A local WooCommerce REST API on 127.0.0.1, for tests, demos and rehearsals.

    Use as a context manager or with :meth:`start`/:meth:`stop`. ``db_path=None`` keeps the
    store in memory; a path persists it (and its API keys) between runs.
    """

    def __init__(
        self,
        db_path: str | None = None,
        batch_limit: int = 100,
        tls: bool = False,
        assume_https: bool = False,
        seed_products: int = 0,
        seed_orders: int = 0,
        seed: int = 1,
        faults: FaultPlan | None = None,
        *,
        port: int = 0,
        home: str | None = None,
        rest_route_only: bool = False,
        rest_route_auth: bool = True,
        gmt_offset: float = 0.0,
        clock: Callable[[], datetime] | None = None,
        seed_cache: str | None = None,
        max_body_bytes: int | None = None,
        wc_version: str = DEFAULT_VERSION,
        images: str = "online",
        image_ports: Iterable[int] = (),
    ) -> None:
        self.version = WooVersion(wc_version)
        if images not in IMAGE_MODES:
            raise ValueError(f"images must be one of {IMAGE_MODES}, not {images!r}")
        self.images = images
        self.image_ports = tuple(image_ports)
        self.db_path = db_path
        self.batch_limit = batch_limit
        self.tls = tls
        self.assume_https = assume_https
        self.seed_products = seed_products
        self.seed_orders = seed_orders
        self.seed = seed
        self.port = port
        self.home_override = home
        self.rest_route_only = rest_route_only
        self.rest_route_auth = rest_route_auth
        self.gmt_offset = gmt_offset
        self.clock = clock
        self.seed_cache = seed_cache
        self.max_body_bytes = max_body_bytes
        self.url = ""
        self.home = ""
        self.ca_cert_path: str | None = None
        self.keys: dict[str, tuple[str, str]] = {}
        self._faults = FaultState(faults or FaultPlan())
        self._gate = WorkerGate()
        self._gate.limit = self._faults.plan.workers
        self.capture_bodies = False
        """Opt-in: keep each request's raw body in the log (tests that inspect write bodies)."""
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[Any] = set()
        self._connections_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._tmpdir: str | None = None
        self.store: Store | None = None
        self.api: Api | None = None
        self.authenticator: Authenticator | None = None
        self.keyring: KeyRing | None = None

    def __repr__(self) -> str:
        state = self.url or "not started"
        return (
            f"<Sandbox {state} WooCommerce {self.version.text} batch_limit={self.batch_limit} "
            f"db={self.db_path or ':memory:'}>"
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._stopping.clear()
        if self.tls and self._ssl_context is None:
            self._ssl_context = self._make_tls_context()
        server = _Server(("127.0.0.1", self.port), _Handler, bind_and_activate=True)
        server.sandbox = self
        port = server.server_address[1]
        try:
            scheme = "https" if self.tls else "http"
            self.url = f"{scheme}://127.0.0.1:{port}"
            self.home = (self.home_override or self.url).rstrip("/")
            self.store = Store(
                self.db_path,
                home=self.home,
                gmt_offset_hours=self.gmt_offset,
                clock=self.clock,
                version=self.version,
                images=self.images,
                image_ports=self.image_ports,
            )
            self.api = Api(self.store, batch_limit=self.batch_limit)
            if self.seed_products or self.seed_orders:
                self._seed()
            self.keyring = KeyRing(self.store.db)
            for permission in ("read_write", "read", "write"):
                key = self.keyring.first_with(permission) or self.keyring.add(permission)
                self.keys[permission] = (key.consumer_key, key.consumer_secret)
            self.authenticator = Authenticator(self.keyring, self.home)
        except BaseException:
            server.server_close()
            raise
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox:{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def _seed(self) -> None:
        """Seed an empty store, from the seed cache when one is configured and warm."""
        from bulkio.sandbox.seed import cache_path, seed_store

        store = self.db
        has = store.db.scalar
        products = 0 if has("SELECT 1 FROM posts WHERE kind = 'product'") else self.seed_products
        orders = 0 if has("SELECT 1 FROM posts WHERE kind = 'shop_order'") else self.seed_orders
        fresh = products == self.seed_products and orders == self.seed_orders
        cache = self.seed_cache or os.environ.get("BULKIO_SANDBOX_SEED_CACHE") or None
        use_cache = bool(cache) and fresh and self.db_path is None
        if use_cache and cache:
            os.makedirs(cache, exist_ok=True)
            path = cache_path(cache, products=products, orders=orders, seed=self.seed)
            if os.path.exists(path):
                store.restore_from(path)
                return
        # A persistent store is seeded once: what it holds already is left alone.
        seed_store(store, products=products, orders=orders, seed=self.seed)
        if use_cache and cache:
            store.save_to(path)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._connections_lock:
            for connection in list(self._connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.store is not None:
            self.store.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
            self._ssl_context = None
            self.ca_cert_path = None

    def _make_tls_context(self) -> ssl.SSLContext:
        try:
            import trustme
        except ImportError as error:
            raise RuntimeError(
                "Sandbox(tls=True) needs the 'trustme' package to make a throwaway certificate "
                "authority: pip install trustme (it is in bulkio's [test] extra)"
            ) from error
        authority = trustme.CA()
        certificate = authority.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        self._tmpdir = tempfile.mkdtemp(prefix="bulkio-sandbox-")
        self.ca_cert_path = os.path.join(self._tmpdir, "ca.pem")
        authority.cert_pem.write_to_path(self.ca_cert_path)
        return context

    def _track(self, connection: Any, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    # -- test helpers -------------------------------------------------------------------------

    @property
    def faults(self) -> FaultPlan:
        return self._faults.plan

    @faults.setter
    def faults(self, plan: FaultPlan | None) -> None:
        self._faults = FaultState(plan or FaultPlan())
        self._gate.limit = self._faults.plan.workers
        self._gate.peak = self._gate.active

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def writes(self, *, committed: bool | None = None) -> int:
        """Write requests (POST/PUT/PATCH/DELETE) received; ``committed=True``: those that ran."""
        return sum(
            1
            for entry in self.request_log
            if entry.is_write and (committed is None or entry.committed == committed)
        )

    @property
    def peak_concurrency(self) -> int:
        """The most requests the sandbox was serving at once (queued ones not counted)."""
        return self._gate.peak

    def reads(self) -> int:
        return sum(1 for entry in self.request_log if entry.method in ("GET", "HEAD"))

    def add_key(self, permission: str = "read_write") -> tuple[str, str]:
        """Create one more API key pair with ``read``, ``write`` or ``read_write`` permission."""
        key = self._require_keyring().add(permission)
        return key.consumer_key, key.consumer_secret

    @property
    def db(self) -> Store:
        """The store, for direct reads and setup in tests."""
        if self.store is None:
            raise RuntimeError("the sandbox is not started")
        return self.store

    def _require_keyring(self) -> KeyRing:
        if self.keyring is None:
            raise RuntimeError("the sandbox is not started")
        return self.keyring

    def products(self, *, status: str | None = None) -> list[dict[str, Any]]:
        """All products (not variations) as the API answers them, oldest first."""
        from bulkio.sandbox.products import product_responses

        store = self.db
        where, args = "kind = 'product'", []
        if status is not None:
            where += " AND status = ?"
            args.append(status)
        rows = store.db.query(f"SELECT * FROM posts WHERE {where} ORDER BY id", args)  # noqa: S608
        return product_responses(store, rows, image_positions=True)

    def product(self, product_id: int) -> dict[str, Any]:
        from bulkio.sandbox.products import get_product

        return get_product(self.db, product_id, image_positions=True)

    def product_by_sku(self, sku: str, *, include_trash: bool = False) -> dict[str, Any] | None:
        """The product or variation holding ``sku`` (live ones first), or None."""
        from bulkio.sandbox.products import get_product

        store = self.db
        rows = store.db.query(
            "SELECT id FROM posts WHERE sku = ? AND kind IN ('product','product_variation') "  # noqa: S608
            + ("" if include_trash else "AND status != 'trash' ")
            + "ORDER BY status = 'trash', id LIMIT 1",
            (sku,),
        )
        return get_product(store, int(rows[0]["id"]), image_positions=True) if rows else None

    def variations(self, product_id: int) -> list[dict[str, Any]]:
        from bulkio.sandbox.products import variation_response

        rows = self.db.db.query(
            "SELECT * FROM posts WHERE kind = 'product_variation' AND parent_id = ? ORDER BY id",
            (product_id,),
        )
        return [variation_response(self.db, row) for row in rows]

    def create_product(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Create a product directly (no HTTP, not logged), as a batch item would."""
        from bulkio.sandbox.products import create_product

        return create_product(self.db, payload, strict=False)

    def orders(self, *, status: str | None = None) -> list[dict[str, Any]]:
        """All orders as the API answers them, oldest first."""
        from bulkio.sandbox.orders import order_response

        where, args = "kind = 'shop_order'", []
        if status is not None:
            where += " AND status = ?"
            args.append(status)
        rows = self.db.db.query(f"SELECT * FROM posts WHERE {where} ORDER BY id", args)  # noqa: S608
        return [order_response(self.db, row) for row in rows]

    def create_order(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Create an order directly (no HTTP, not logged), as a batch item would."""
        from bulkio.sandbox.orders import create_order

        return create_order(self.db, payload, strict=False)

    def terms(self, resource: str = "categories") -> list[dict[str, Any]]:
        """All ``categories`` or ``tags`` as the API answers them, by id."""
        from bulkio.sandbox.terms import TAXONOMIES, term_responses

        rows = self.db.db.query(
            "SELECT * FROM terms WHERE taxonomy = ? ORDER BY id", (TAXONOMIES[resource],)
        )
        return term_responses(self.db, resource, rows)

    def count(self, kind: str = "product", *, include_trash: bool = False) -> int:
        """How many ``product``/``product_variation``/``shop_order`` rows the store holds."""
        sql = "SELECT COUNT(*) FROM posts WHERE kind = ?" + (  # noqa: S608
            "" if include_trash else " AND status != 'trash'"
        )
        return int(self.db.db.scalar(sql, (kind,)) or 0)

    # -- request handling ---------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        started = time.monotonic()
        method = handler.command.upper()
        parts = urlsplit(handler.path)
        path = parts.path or "/"
        query_pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = dict(query_pairs)
        # WordPress lets a POST say what it means, for clients that cannot send PUT/DELETE.
        override = handler.headers.get("X-HTTP-Method-Override") or query.get("_method")
        if method == "POST" and override:
            method = override.upper()
        route = self._route_of(path, query)
        entry = LoggedRequest(
            method=method,
            path=path,
            route=route or "",
            query={k: ("***" if k in REDACTED_PARAMS else v) for k, v in query.items()},
            status=None,
            started=started,
        )
        declared = int(handler.headers.get("Content-Length") or 0)
        if self.max_body_bytes is not None and declared > self.max_body_bytes:
            # The web server in front of PHP refuses it (nginx client_max_body_size): an HTML
            # 413, not WooCommerce's JSON one, and the connection is closed.
            entry.status = 413
            handler.close_connection = True
            page = (
                b"<html><head><title>413 Request Entity Too Large</title></head><body>"
                b"<center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx"
                b"</center></body></html>"
            )
            self._send(handler, 413, page, "text/html", [("Connection", "close")], method, entry)
            return
        raw_body = _read_body(handler)
        if self.capture_bodies and raw_body:
            entry.body = raw_body
        if not self._gate.acquire(self._stopping):
            self._drop(handler, entry)
            return
        try:
            self._serve(handler, method, path, query_pairs, raw_body, route, entry)
        finally:
            self._gate.release()
            self._record(entry)

    def _record(self, entry: LoggedRequest) -> None:
        """Log a request once, before its answer goes out (so a client never outruns the log)."""
        with self._log_lock:
            if entry.duration:
                return
            entry.duration = max(time.monotonic() - entry.started, 1e-9)
            self._log.append(entry)

    def _route_of(self, path: str, query: dict[str, str]) -> str | None:
        """The REST route of a request, or None when it is not a REST request."""
        if path in ("/", "/index.php") and "rest_route" in query:
            return "/" + query["rest_route"].strip("/") if query["rest_route"].strip("/") else "/"
        if self.rest_route_only:
            return None
        for prefix in ("/wp-json", "/index.php/wp-json"):
            if path == prefix or path.startswith(prefix + "/"):
                rest = path[len(prefix) :].strip("/")
                return "/" + rest if rest else "/"
        return None

    def _serve(
        self,
        handler: _Handler,
        method: str,
        path: str,
        query_pairs: list[tuple[str, str]],
        raw_body: bytes,
        route: str | None,
        entry: LoggedRequest,
    ) -> None:
        state = self._faults
        short_route = (route or "").removeprefix("/wc/v3/").removeprefix("/wc/v3")
        decision = state.decide(method, short_route) if route else state.decide(method, "")
        if decision.fired:
            entry.fault = ",".join(decision.fired)
        plan = state.plan
        if decision.latency and self._stopping.wait(decision.latency):
            self._drop(handler, entry)
            return
        if plan.per_request and state.spend(plan.per_request, self._stopping):
            self._drop(handler, entry)
            return
        if decision.answer_status is not None:
            entry.status = decision.answer_status
            self._send_fault(handler, decision.answer_status, decision.retry_after, method, entry)
            return
        if decision.timeout is not None and not decision.timeout.commit:
            self._stopping.wait(decision.timeout.seconds)
            self._drop(handler, entry)
            return
        if route is None and path.startswith(UPLOADS):
            image = self._uploaded_image(path)
            if image is not None:
                entry.status = 200
                self._send(handler, 200, image, "image/png", [], method, entry)
                return
        if route is None:
            entry.status = 404
            self._send(
                handler,
                404,
                b"<html><body><h1>Not Found</h1></body></html>",
                "text/html; charset=UTF-8",
                [],
                method,
                entry,
            )
            return
        answer, auth_method = self._answer(method, path, query_pairs, raw_body, route, handler)
        entry.auth = auth_method
        entry.status = answer.status
        entry.batch_items = answer.items
        entry.item_counts = answer.item_counts
        entry.committed = answer.status < 400 or bool(answer.items and answer.status == 200)
        if isinstance(answer.body, dict) and "code" in answer.body and answer.status >= 400:
            entry.error_code = str(answer.body["code"])
        if answer.rows and plan.per_read_item:
            state.spend(answer.rows * plan.per_read_item, self._stopping)
        if decision.timeout is not None:
            self._stopping.wait(decision.timeout.seconds)
            entry.status = None
            self._drop(handler, entry)
            return
        if decision.drop_after_commit:
            entry.status = None
            self._drop(handler, entry)
            return
        body = b"" if answer.body is None else php_json(answer.body)
        self._send(
            handler,
            answer.status,
            body,
            "application/json; charset=UTF-8",
            answer.headers,
            method,
            entry,
        )

    def _answer(
        self,
        method: str,
        path: str,
        query_pairs: list[tuple[str, str]],
        raw_body: bytes,
        route: str,
        handler: _Handler,
    ) -> tuple[Answer, str]:
        api, authenticator = self.api, self.authenticator
        assert api is not None and authenticator is not None
        content_type = (handler.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        form_pairs: list[tuple[str, str]] = []
        body: Any = None
        try:
            if raw_body and content_type == "application/x-www-form-urlencoded":
                form_pairs = parse_qsl(raw_body.decode("utf-8", "replace"), keep_blank_values=True)
            elif raw_body.strip() and _is_json_type(content_type):
                # WordPress reads a JSON body only when the request says it is JSON; anything
                # else is ignored (a batch sent as text/plain does nothing and answers []).
                try:
                    body = json.loads(raw_body)
                except ValueError as error:
                    raise ApiError(
                        "rest_invalid_json",
                        "Invalid JSON body passed.",
                        400,
                        json_error_code=4,
                        json_error_message=str(error),
                    ) from None
            is_wc = route.startswith("/wc/") or route.startswith("/wc-")
            via_rest_route = "rest_route" in dict(query_pairs)
            auth_method = ""
            key = None
            if is_wc and not (via_rest_route and not self.rest_route_auth):
                facts = RequestFacts(
                    method=method,
                    path=path,
                    query=query_pairs,
                    form=form_pairs,
                    headers={k.lower(): v for k, v in handler.headers.items()},
                    is_https=self.tls or self.assume_https,
                )
                result = authenticator.authenticate(facts)
                auth_method = result.method if result.key else ""
                if result.error is not None:
                    answer = Answer(result.error.status, result.error.body())
                    if result.method == "basic_auth":
                        answer.headers.append(
                            (
                                "WWW-Authenticate",
                                'Basic realm="WooCommerce API. Use a consumer key in the username '
                                'field and a consumer secret in the password field."',
                            )
                        )
                    return answer, ""
                key = result.key
                if key is not None:
                    denied = permission_error(key, method)
                    if denied is not None:
                        return Answer(denied.status, denied.body()), auth_method
            if route in ("/", "/wc/v3") and method in ("GET", "HEAD"):
                return Answer(
                    200, api.index(self.home, None if route == "/" else "wc/v3")
                ), auth_method
            params: dict[str, Any] = dict(query_pairs)
            params.pop("rest_route", None)
            params.update(dict(form_pairs))
            if isinstance(body, dict):
                params.update(body)
            call = Call(
                method=method,
                route=route,
                params=params,
                body=body,
                query_pairs=query_pairs,
                authenticated=key is not None,
                collection_url=self._collection_url,
                on_item=self._on_item,
            )
            return api.dispatch(call), auth_method
        except ApiError as error:
            return Answer(error.status, error.body()), ""

    def _uploaded_image(self, path: str) -> bytes | None:
        """The media library's file for ``/wp-content/uploads/sandbox/<id>-<name>``: a small
        image while the attachment exists (so a store's own image URLs can be downloaded, by
        this or another sandbox, as from a real store)."""
        name = path[len(UPLOADS) :]
        head = name.split("-", 1)[0]
        if not head.isdigit() or self.store is None:
            return None
        found = self.store.db.scalar(
            "SELECT 1 FROM posts WHERE id = ? AND kind = 'attachment'", (int(head),)
        )
        return png_bytes() if found else None

    def _on_item(self) -> None:
        state = self._faults
        state.spend(state.item_seconds(), self._stopping)

    def _collection_url(self, route: str, pairs: list[tuple[str, str]]) -> str:
        if self.rest_route_only:
            # rest_url() with plain permalinks: home + "/index.php?rest_route=" + the raw route.
            query = urlencode(pairs)
            return f"{self.home}/index.php?rest_route={route}" + (f"&{query}" if query else "")
        return f"{self.home}/wp-json{route}" + (f"?{urlencode(pairs)}" if pairs else "")

    def _send_fault(
        self,
        handler: _Handler,
        status: int,
        retry_after: int | None,
        method: str,
        entry: LoggedRequest,
    ) -> None:
        headers = [("Retry-After", str(retry_after))] if retry_after is not None else []
        if status == 500:
            body = json.dumps(
                {
                    "code": "internal_server_error",
                    "message": "<p>There has been a critical error on this website.</p>",
                    "data": {"status": 500},
                    "additional_errors": [],
                }
            ).encode()
            self._send(
                handler, status, body, "application/json; charset=UTF-8", headers, method, entry
            )
            return
        reason = {
            429: "Too Many Requests",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }.get(status, "Error")
        title = f"{status} {reason}"
        page = f"<html><head><title>{title}</title></head><body><h1>{reason}</h1></body></html>"
        encoded = page.encode()
        self._send(handler, status, encoded, "text/html; charset=UTF-8", headers, method, entry)

    def _send(
        self,
        handler: _Handler,
        status: int,
        body: bytes,
        content_type: str,
        headers: list[tuple[str, str]],
        method: str,
        entry: LoggedRequest,
    ) -> None:
        self._record(entry)
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.send_header("X-Robots-Tag", "noindex")
            handler.send_header("X-Content-Type-Options", "nosniff")
            handler.send_header(
                "Access-Control-Expose-Headers", "X-WP-Total, X-WP-TotalPages, Link"
            )
            for name, value in headers:
                handler.send_header(name, value)
            handler.end_headers()
            if method != "HEAD":
                handler.wfile.write(body)
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True

    def _drop(self, handler: _Handler, entry: LoggedRequest) -> None:
        """Close the connection without a response (timeouts, lost answers)."""
        entry.status = None
        self._record(entry)
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)
