"""``StoreClient``: the one HTTP client every other module uses to talk to a store.

It owns connection reuse, authentication, API-root discovery, retries with backoff, the global
concurrency limit, pagination, batch calls and request statistics, and turns error answers into
typed exceptions. It knows nothing about products or orders beyond route names.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from bulkio import __version__
from bulkio.config import ConnectionSettings, mask_key
from bulkio.errors import UsageError
from bulkio.store.auth import make_auth
from bulkio.store.discovery import discover
from bulkio.store.errors import (
    KEY_IGNORED_CODES,
    AuthenticationError,
    StoreError,
    TransportError,
    UnexpectedResponse,
    WooError,
    error_from_response,
    keys_ignored_on_rest_route,
    snippet_of,
    woo_error,
)
from bulkio.store.limiter import (
    OVERLOAD_STATUSES,
    ConcurrencyController,
    ConcurrencyLimiter,
)
from bulkio.store.redact import redact_url
from bulkio.store.retry import RETRYABLE_EXCEPTIONS, RetryPolicy
from bulkio.store.stats import RequestStats
from bulkio.store.urls import WC_NAMESPACE, ApiRoot, normalise_site_url, signing_base_url

log = logging.getLogger("bulkio.store")

MAX_PER_PAGE = 100

STORED_CONTEXT_ROUTES = ("products",)
"""Reads of these routes (and their sub-routes: variations, terms) ask for ``context=edit``.

The default ``view`` context *renders* content (``wpautop`` and ``wptexturize`` on descriptions:
``"Einfach"`` comes back as ``"<p>Einfach</p>\n"``), so a feed compared against it would
"change" every product on every run. ``edit`` returns what the store holds, which is what an
import compares and what WooCommerce's own exporter writes.
"""


def read_params(route: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``params`` plus the defaults every read of ``route`` needs (see
    :data:`STORED_CONTEXT_ROUTES`); a caller's own ``context`` wins."""
    query = dict(params or {})
    if route.split("/", 1)[0] in STORED_CONTEXT_ROUTES and "context" not in query:
        query["context"] = "edit"
    return query


_DEFAULT_AUTH = object()

SLOW_ANSWER_SHARE = 0.75
"""An answer slower than this share of the request timeout counts as an overload for the
adaptive limit (the store is about to time out)."""
LATENCY_CAP_SHARE = 0.5
"""The adaptive limit takes no step up that would bring the answers' mean latency past this
share of the timeout (:attr:`bulkio.store.limiter.ConcurrencyController.latency_cap`)."""


@dataclass(frozen=True)
class Page:
    """One page of a listing, with WordPress's totals (``None`` when the headers were absent)."""

    items: list[dict[str, Any]]
    page: int
    per_page: int
    total: int | None
    total_pages: int | None


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one item of a batch request, in the position it was sent."""

    index: int
    ok: bool
    data: dict[str, Any]
    error: WooError | None = None

    @property
    def id(self) -> int | None:
        value = self.data.get("id")
        return value if isinstance(value, int) else None


@dataclass(frozen=True)
class BatchResult:
    """Per-item results of ``POST …/batch``; a failed item does not fail the others."""

    create: list[ItemResult] = field(default_factory=list)
    update: list[ItemResult] = field(default_factory=list)
    delete: list[ItemResult] = field(default_factory=list)

    @property
    def items(self) -> list[ItemResult]:
        return [*self.create, *self.update, *self.delete]

    @property
    def errors(self) -> list[ItemResult]:
        return [item for item in self.items if not item.ok]

    @property
    def ok(self) -> bool:
        return not self.errors


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(_query_value(v) for v in value)
    return str(value)


def _int_header(response: httpx.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


def _is_rest_answer(response: httpx.Response) -> bool:
    """Whether an answer comes from WordPress's REST API: JSON on success, or a JSON error
    with a ``code`` (what :func:`bulkio.store.discovery.root_from_probes` accepts from the
    index). A web server's 404 page, a redirect or a front page served for an unknown path
    is none of these."""
    if "json" not in response.headers.get("content-type", "").lower():
        return False
    if response.is_success:
        return True
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("code"), str)


_NOT_TLS_CODES = ("WRONG_VERSION_NUMBER", "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE")


def _is_plain_http_answer(error: Exception) -> bool:
    """OpenSSL's answer when the other end is not TLS (``WRONG_VERSION_NUMBER``; OpenSSL
    3.2+ may say ``PACKET_LENGTH_TOO_LONG`` or ``RECORD_LAYER_FAILURE`` instead)."""
    seen: BaseException | None = error
    while seen is not None:
        text = str(seen)
        if any(code in text for code in _NOT_TLS_CODES):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _is_tls_failure(error: Exception) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


_UNKNOWN_HOST = (
    "name or service not known",
    "nodename nor servname",
    "no address associated",
    "getaddrinfo failed",
    "name resolution",
)
_REFUSED = ("connection refused", "errno 111", "[winerror 10061]")


def connect_failure(error: Exception) -> str | None:
    """``"unknown-host"``, ``"refused"`` or None: what a failed connection really was.

    A name that does not resolve will not resolve on the next attempt either (retrying it only
    makes a cron job slower to fail); a refused connection means nothing listens there. Neither
    is cured by a longer ``--timeout``, the hint a timeout deserves.
    """
    seen: BaseException | None = error
    while seen is not None:
        text = str(seen).lower()
        unresolved = isinstance(seen, socket.gaierror) or any(w in text for w in _UNKNOWN_HOST)
        if unresolved and "temporary failure" not in text:  # EAI_AGAIN: worth another try
            return "unknown-host"
        if isinstance(seen, ConnectionRefusedError) or any(word in text for word in _REFUSED):
            return "refused"
        seen = seen.__cause__ or seen.__context__
    return None


class StoreClient:
    """A thread-safe client for one store's ``wc/v3`` REST API.

    Requests in flight across all threads using this client are gated by two
    :class:`~bulkio.store.limiter.ConcurrencyLimiter` (reads, writes). By default each tunes
    itself between 1 and ``max_concurrency`` (the settings' value when not given); with
    ``fixed_concurrency=N`` both are a fixed N (``max_concurrency`` is then N too). Callers
    size their thread pools by :attr:`max_concurrency`: threads beyond the current limit wait.
    ``transport``, ``sleep``, ``clock`` and ``random`` are seams for tests.
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        max_concurrency: int | None = None,
        fixed_concurrency: int | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        random: Callable[[], float] | None = None,
        api_root: ApiRoot | None = None,
    ) -> None:
        self.settings = settings
        self.site = normalise_site_url(settings.url)
        self.max_concurrency = fixed_concurrency or max_concurrency or settings.max_concurrency
        if self.max_concurrency < 1:
            raise UsageError(f"max_concurrency must be at least 1, not {self.max_concurrency}")
        self.adaptive = fixed_concurrency is None
        self.limiters = {
            kind: (
                ConcurrencyLimiter(
                    ConcurrencyController(
                        self.max_concurrency, latency_cap=settings.timeout * LATENCY_CAP_SHARE
                    ),
                    name=kind,
                    slow=settings.timeout * SLOW_ANSWER_SHARE,
                )
                if self.adaptive
                else ConcurrencyLimiter(fixed=self.max_concurrency, name=kind)
            )
            for kind in ("reads", "writes")
        }
        scheme = self.site.split(":", 1)[0]
        mode = settings.effective_auth
        if mode in ("basic", "query") and scheme != "https":
            raise UsageError(
                f"--auth {mode} sends the secret readably, so bulkio only uses it over HTTPS; "
                f"{self.site} is plain HTTP",
                hint="use the store's https:// address, or --auth oauth (the default for http://)",
            )
        self.auth_mode = mode
        policy_kwargs: dict[str, Any] = {}
        if random is not None:
            policy_kwargs["random"] = random
        self.retry = RetryPolicy(
            max_attempts=settings.max_attempts,
            backoff_base=settings.backoff_base,
            backoff_max=settings.backoff_max,
            retry_after_max=settings.retry_after_max,
            clock=clock,
            **policy_kwargs,
        )
        self._sleep = sleep
        self._clock = clock
        self.stats = RequestStats()
        self._local = threading.local()
        self._semaphore = threading.BoundedSemaphore(self.max_concurrency)
        self._root = api_root
        self._root_lock = threading.Lock()
        self._auth: httpx.Auth | None = None
        if settings.key and settings.secret:
            self._auth = make_auth(
                mode, settings.key, settings.secret, signing_url=self._signing_url, clock=clock
            )
        verify: ssl.SSLContext | bool
        if isinstance(settings.verify, str):
            verify = ssl.create_default_context(cafile=settings.verify)
        else:
            verify = settings.verify
        if settings.insecure:
            log.warning("TLS certificate verification is OFF for %s (--insecure)", self.site)
        self._http = httpx.Client(
            verify=verify,
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": f"bulkio/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(
                max_connections=self.max_concurrency + 2,
                max_keepalive_connections=self.max_concurrency + 2,
            ),
        )

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> StoreClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"StoreClient(site={self.site!r}, key={mask_key(self.settings.key)!r}, "
            f"auth={self.auth_mode!r}, max_concurrency={self.max_concurrency})"
        )

    @property
    def last_served_seconds(self) -> float | None:
        """How long this thread's last answered request took from the moment the limiter let
        it through: the store's time, without the wait at the gate (a caller pacing its batch
        sizes must not count the other threads' turns as the store's slowness)."""
        return getattr(self._local, "served", None)

    @property
    def write_limit(self) -> int:
        """Writes the client lets through at once right now (the adaptive limit, or the fixed
        number): what a caller spreads a small run over."""
        return self.limiters["writes"].limit

    # -- API root --------------------------------------------------------------------------

    @property
    def api_root(self) -> ApiRoot:
        """The discovered API root (``/wp-json/`` or ``?rest_route=``); discovered once."""
        if self._root is None:
            with self._root_lock:
                if self._root is None:
                    self._root = discover(self._discovery_get, self.site)
                    log.debug(
                        "API root of %s: %s form, home=%s",
                        self.site,
                        self._root.form,
                        self._root.home,
                    )
        return self._root

    def _request_at_usual_root(
        self, method: str, route: str, namespace: str, params: Mapping[str, Any] | None
    ) -> httpx.Response | None:
        """The first read, sent to ``/wp-json/`` without discovering the API root first.

        Discovery (``GET /wp-json/``) is a round trip before any work, and on a real store the
        index is a megabyte of route descriptions: a fifth of a 1,000-order export (issue
        15). Nearly every site answers at ``/wp-json/``, and the first read's own answer
        proves it as well as the index would: WordPress's REST API answers JSON, or a JSON
        error with a ``code`` (a refused key then gets the same message it gets after
        discovery). Anything else (an HTML page, a redirect, a 404 from the web server) is
        ignored, and the request goes the long way: discovery, then the discovered root.
        Only reads (nothing is written at a wrong address) and not with OAuth, whose
        signature needs the ``home`` only the index reports. The root found this way has no
        ``home`` and no ``namespaces``; :mod:`bulkio.doctor` reads the index itself.
        """
        usual = ApiRoot(site=self.site, form="pretty")
        url, extra = usual.url(route, namespace)
        response = self.send(method, url, params={**extra, **(params or {})}, route=route)
        if not _is_rest_answer(response):
            log.debug(
                "%s did not answer as WordPress's REST API (HTTP %d); discovering its API root",
                redact_url(response.request.url),
                response.status_code,
            )
            return None
        with self._root_lock:
            if self._root is None:
                self._root = usual
                log.debug("API root of %s: pretty form, shown by its first answer", self.site)
        return response

    def _discovery_get(self, url: str, params: dict[str, str]) -> httpx.Response:
        return self.send("GET", url, params=params, auth=None, route="(index)")

    def _signing_url(self, request_url: str) -> str:
        root = self._root
        return signing_base_url(request_url, self.site, root.home if root else None)

    def _scrub(self, text: str) -> str:
        """Mask the key and secret should a lower layer's message ever echo them."""
        for value in (self.settings.secret, self.settings.key):
            if value:
                text = text.replace(value, "***")
        return text

    # -- the one place requests are sent -----------------------------------------------------

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        auth: Any = _DEFAULT_AUTH,
        route: str | None = None,
        max_attempts: int | None = None,
    ) -> httpx.Response:
        """Send one request with retries; return the final answer whatever its status.

        Raises :class:`TransportError` when no answer came after all attempts, and
        :class:`UsageError` when the auth scheme refuses the URL (Basic over HTTP).
        """
        request_auth = self._auth if auth is _DEFAULT_AUTH else auth
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        attempts = max_attempts or self.retry.max_attempts
        label = route or url
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            limiter = self.limiters["reads" if method in ("GET", "HEAD") else "writes"]
            ticket = limiter.acquire()
            served = time.perf_counter()
            answered: int | None = None
            try:
                with self._semaphore:
                    response = self._http.request(
                        method, url, params=query or None, json=json_body, auth=request_auth
                    )
                answered = response.status_code
            except RETRYABLE_EXCEPTIONS as error:
                limiter.release(ticket, overloaded=True)
                elapsed = time.perf_counter() - started
                self.stats.record(method, label, None, elapsed, retry=attempt > 1)
                shown = f"{method} {redact_url(httpx.URL(url, params=query))}"
                if _is_tls_failure(error) and not _is_plain_http_answer(error):
                    raise TransportError(
                        f"TLS certificate of {self.site} could not be verified — {shown}",
                        attempts=attempt,
                        cause=type(error).__name__,
                        hint="for a private CA give --ca-bundle FILE; never use --insecure "
                        "against a real store",
                    ) from None
                if _is_plain_http_answer(error):
                    # An https:// URL for a server that speaks plain HTTP on that port: the
                    # certificate advice above would send the user the wrong way.
                    raise TransportError(
                        f"{self.site} does not speak HTTPS on this port (the TLS handshake got "
                        f"a plain-HTTP answer) — {shown}",
                        attempts=attempt,
                        cause=type(error).__name__,
                        hint="check the URL: the store's https:// address usually has no port; "
                        "a local test store is http://",
                    ) from None
                failure = connect_failure(error)
                host = httpx.URL(url).host
                if failure == "unknown-host":
                    raise TransportError(
                        f"cannot find the store's host {host!r}: the name does not resolve "
                        f"(DNS) — {shown}",
                        attempts=attempt,
                        cause="unknown-host",
                        hint="check the spelling of the URL; on this machine `getent hosts "
                        f"{host}` must print an address",
                    ) from None
                if attempt >= attempts:
                    if failure == "refused":
                        raise TransportError(
                            f"connection refused by {httpx.URL(url).netloc.decode()} after "
                            f"{attempt} attempt(s): nothing listens there — {shown}",
                            attempts=attempt,
                            cause="refused",
                            hint="check the URL's port and scheme (https:// is port 443) and "
                            "that the web server is running",
                        ) from None
                    slow = isinstance(error, httpx.TimeoutException)
                    raise TransportError(
                        f"no answer from the store after {attempt} attempt(s): "
                        f"{type(error).__name__}: {self._scrub(str(error)) or 'connection failed'}"
                        f" — {shown}",
                        attempts=attempt,
                        cause=type(error).__name__,
                        hint="check the URL and that the site is up"
                        + ("; raise --timeout if the store is slow" if slow else ""),
                    ) from None
                delay = self.retry.delay(attempt)
                log.info(
                    "%s failed (%s), attempt %d/%d; retrying in %.2f s",
                    shown,
                    type(error).__name__,
                    attempt,
                    attempts,
                    delay,
                )
                self._sleep(delay)
                continue
            except httpx.HTTPError as error:  # not worth retrying: bad URL, broken encoding
                limiter.release(ticket)
                self.stats.record(
                    method, label, None, time.perf_counter() - started, retry=attempt > 1
                )
                raise TransportError(
                    f"request failed: {type(error).__name__}: {self._scrub(str(error))} — {method} "
                    f"{redact_url(httpx.URL(url, params=query))}",
                    attempts=attempt,
                    cause=type(error).__name__,
                ) from None
            except BaseException:
                limiter.release(ticket)
                raise
            limiter.release(
                ticket, items=_work_items(json_body), overloaded=answered in OVERLOAD_STATUSES
            )
            self._local.served = time.perf_counter() - served
            elapsed = time.perf_counter() - started
            self.stats.record(method, label, response.status_code, elapsed, retry=attempt > 1)
            log.debug(
                "%s %s → %d in %.3f s (attempt %d)",
                method,
                redact_url(response.request.url),
                response.status_code,
                elapsed,
                attempt,
            )
            if self.retry.should_retry_status(response.status_code) and attempt < attempts:
                delay = self.retry.delay(attempt, response.headers.get("retry-after"))
                log.info(
                    "%s %s → %d, attempt %d/%d; retrying in %.2f s",
                    method,
                    redact_url(response.request.url),
                    response.status_code,
                    attempt,
                    attempts,
                    delay,
                )
                self._sleep(delay)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def request(
        self,
        method: str,
        route: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        namespace: str = WC_NAMESPACE,
    ) -> httpx.Response:
        """Send to a route relative to ``wc/v3/``; raise a typed error on a non-2xx answer."""
        response = None
        if self._root is None and method in ("GET", "HEAD") and self.auth_mode != "oauth":
            response = self._request_at_usual_root(method, route, namespace, params)
        if response is None:
            url, extra = self.api_root.url(route, namespace)
            response = self.send(
                method, url, params={**extra, **(params or {})}, json_body=json_body, route=route
            )
        if not response.is_success:
            error = error_from_response(response)
            if (
                isinstance(error, AuthenticationError)
                and error.code not in KEY_IGNORED_CODES
                and self.api_root.form == "rest_route"
                and self._auth is not None
            ):
                error = keys_ignored_on_rest_route(error)
            if response.status_code in self.retry.statuses and self.retry.max_attempts > 1:
                error.hint = (
                    f"the store still answered {response.status_code} after "
                    f"{self.retry.max_attempts} attempts; it may be overloaded — try later or "
                    "with less concurrency"
                )
            raise error
        return response

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return json.loads(response.content)
        except ValueError:
            raise UnexpectedResponse(
                f"store answered HTTP {response.status_code} with a body that is not JSON: "
                f"{snippet_of(response.content[:2000].decode('utf-8', 'replace'))!r} — "
                f"{response.request.method} {redact_url(response.request.url)}",
                status=response.status_code,
                hint="a plugin may print warnings or HTML into API answers (PHP notices with "
                "WP_DEBUG_DISPLAY on are the usual cause)",
            ) from None

    # -- the public API -------------------------------------------------------------------------

    def get(self, route: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET a route; returns the decoded JSON body (product routes as stored: read_params)."""
        return self._json(self.request("GET", route, params=read_params(route, params)))

    def post(self, route: str, body: Any, params: Mapping[str, Any] | None = None) -> Any:
        return self._json(self.request("POST", route, params=params, json_body=body))

    def put(self, route: str, body: Any, params: Mapping[str, Any] | None = None) -> Any:
        return self._json(self.request("PUT", route, params=params, json_body=body))

    def delete(self, route: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._json(self.request("DELETE", route, params=params))

    def get_page(
        self,
        route: str,
        params: Mapping[str, Any] | None = None,
        *,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
    ) -> Page:
        """One page of a listing, with ``X-WP-Total`` / ``X-WP-TotalPages``."""
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise UsageError(f"per_page must be between 1 and {MAX_PER_PAGE}, not {per_page}")
        query = {**read_params(route, params), "page": page, "per_page": per_page}
        response = self.request("GET", route, params=query)
        items = self._json(response)
        if not isinstance(items, list):
            raise UnexpectedResponse(
                f"expected a list from GET {route}, got {type(items).__name__}",
                status=response.status_code,
            )
        return Page(
            items=items,
            page=page,
            per_page=per_page,
            total=_int_header(response, "x-wp-total"),
            total_pages=_int_header(response, "x-wp-totalpages"),
        )

    def iter_pages(
        self,
        route: str,
        params: Mapping[str, Any] | None = None,
        *,
        per_page: int = MAX_PER_PAGE,
        max_pages: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield every page's items in page order.

        The first page tells ``X-WP-TotalPages``; the rest are fetched concurrently (at most
        ``max_concurrency`` at a time, a bounded window ahead of the consumer). Without the
        header, pages are read one after another until a short page.

        Pages are ordered by ``id`` unless ``params`` name an ``orderby``: WordPress's default
        (by date, no tie-breaker) lets MariaDB order products created in the same second
        differently on each page, so concurrent pages would repeat some items and skip others.
        """
        params = dict(params or {})
        if "orderby" not in params:
            params.update(orderby="id", order="asc")
        first = self.get_page(route, params, page=1, per_page=per_page)
        if first.items:
            yield first.items
        last = first.total_pages
        if last is None:
            page, items = 1, first.items
            while len(items) >= per_page and (max_pages is None or page < max_pages):
                page += 1
                items = self.get_page(route, params, page=page, per_page=per_page).items
                if items:
                    yield items
            return
        if max_pages is not None:
            last = min(last, max_pages)
        if last <= 1:
            return
        workers = min(self.max_concurrency, last - 1)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bulkio-page")
        pending: deque[Future[Page]] = deque()
        next_page = 2
        try:
            while pending or next_page <= last:
                while next_page <= last and len(pending) < workers * 2:
                    pending.append(
                        pool.submit(self.get_page, route, params, page=next_page, per_page=per_page)
                    )
                    next_page += 1
                result = pending.popleft().result()
                if result.items:
                    yield result.items
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)

    def batch(
        self,
        route: str,
        *,
        create: Iterable[dict[str, Any]] = (),
        update: Iterable[dict[str, Any]] = (),
        delete: Iterable[int] = (),
    ) -> BatchResult:
        """``POST {route}/batch``; per-item results in the order sent.

        Raises :class:`BatchTooLarge` (HTTP 413) when the store takes fewer items per request.
        """
        body: dict[str, list[Any]] = {}
        for name, part in (("create", create), ("update", update), ("delete", delete)):
            items = list(part)
            if items:
                body[name] = items
        if not body:
            return BatchResult()
        response = self.request("POST", f"{route.strip('/')}/batch", json_body=body)
        answer = self._json(response)
        if not isinstance(answer, dict):
            raise UnexpectedResponse(
                f"expected an object from POST {route}/batch, got {type(answer).__name__}",
                status=response.status_code,
            )
        parts: dict[str, list[ItemResult]] = {}
        for name, sent in body.items():
            received = answer.get(name)
            received = received if isinstance(received, list) else []
            parts[name] = [
                _item_result(i, received[i] if i < len(received) else None)
                for i in range(len(sent))
            ]
        return BatchResult(**parts)


def _work_items(body: Any) -> int:
    """The work a request asks of the store: a batch's items, else 1."""
    if isinstance(body, dict):
        count = sum(len(v) for k, v in body.items() if k in _BATCH_KEYS and isinstance(v, list))
        return max(1, count)
    return 1


_BATCH_KEYS = ("create", "update", "delete")


def _item_result(index: int, item: Any) -> ItemResult:
    if not isinstance(item, dict):
        missing = woo_error(
            "bulkio_missing_item_result",
            "the store's batch answer has no result for this item",
            500,
        )
        return ItemResult(index, False, {}, missing)
    error = item.get("error")
    if isinstance(error, dict):
        raw_data = error.get("data")
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        raw_status = data.get("status")
        status = raw_status if isinstance(raw_status, int) else 400
        return ItemResult(
            index,
            False,
            item,
            woo_error(
                str(error.get("code", "unknown")), str(error.get("message", "")), status, data
            ),
        )
    return ItemResult(index, True, item)


__all__ = [
    "BatchResult",
    "ItemResult",
    "Page",
    "StoreClient",
    "StoreError",
]
