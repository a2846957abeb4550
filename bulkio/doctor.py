"""Store diagnostics behind ``bulkio doctor``: what works, what does not, and what to do.

Checks run in order and later ones are skipped when an earlier one makes them meaningless:

1. ``connection`` — the settings themselves (TLS verification, plain HTTP, auth mode).
2. ``site`` — the site answers at all (DNS, refused connection, TLS certificate).
3. ``api-root`` — ``/wp-json/`` (pretty permalinks) or only ``/?rest_route=/`` (Plain).
4. ``woocommerce`` — the ``wc/v3`` namespace is registered.
5. ``credentials`` — the keys authenticate; on failure the likely cause is worked out by trying
   the other ways WooCommerce accepts keys (wrong key, wrong secret, Basic over HTTP, a host
   that strips the Authorization header, OAuth clock skew, a ``home`` that differs from the
   URL used, keys not accepted on the ``rest_route`` form by WooCommerce before 11.1).
6. ``write`` — whether the key may write, without changing anything: ``POST products/batch``
   with ``{"delete": [0]}`` (the server skips id 0; a read-only key is refused before that).
7. ``batch-limit`` — 101 deletes of id 0: a 413 names the store's limit, a 200 means > 100.
8. ``latency`` — median round-trip time of a few small GETs.
9. ``clock`` — the server's ``Date`` header against the local clock (OAuth needs ±15 min).

Nothing here writes data. Each result carries a stable ``name``, a ``status`` (ok / warn / fail
/ skip), a one-line ``message`` and, unless all is well, ``advice``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from bulkio.config import ConnectionSettings, mask_key
from bulkio.errors import UsageError
from bulkio.exitcodes import ExitCode
from bulkio.store import ApiRoot, StoreClient, StoreError, TransportError, WooError
from bulkio.store.auth import OAuth1Auth
from bulkio.store.discovery import Probe, probe, root_from_probes
from bulkio.store.errors import PLAIN_PERMALINKS_ADVICE, error_from_response
from bulkio.store.urls import normalise_site_url, signing_base_url

Status = Literal["ok", "warn", "fail", "skip"]

READ_PROBE = {"per_page": 1, "_fields": "id"}
"""The cheapest authenticated read: one product id."""

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class CheckResult:
    """One line of the doctor's report."""

    name: str
    status: Status
    message: str
    advice: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def exit_code_for(results: list[CheckResult]) -> ExitCode:
    """``USAGE`` when the settings themselves are wrong (a URL without a scheme: nothing was
    sent, as for every other command), ``STORE_UNREACHABLE`` when any other check failed, else
    ``OK``."""
    failed = [r for r in results if r.status == "fail"]
    if any(r.data.get("usage_error") for r in failed):
        return ExitCode.USAGE
    return ExitCode.STORE_UNREACHABLE if failed else ExitCode.OK


@dataclass
class _Attempt:
    """An authenticated read tried one way: the answer or the error."""

    label: str
    ok: bool
    error: StoreError | None = None
    response: httpx.Response | None = None

    @property
    def woo(self) -> WooError | None:
        return self.error if isinstance(self.error, WooError) else None

    def says(self, text: str) -> bool:
        return self.woo is not None and text.lower() in self.woo.woo_message.lower()

    @property
    def unauthenticated(self) -> bool:
        """The store answered as if no key was sent (the key was ignored or unknown)."""
        return self.woo is not None and self.woo.code in (
            "woocommerce_rest_cannot_view",
            "rest_forbidden",
            "rest_cannot_view",
        )


class Doctor:
    """Runs the checks for one set of settings. Use :func:`diagnose`."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        latency_samples: int = 5,
        require_write: bool = False,
    ) -> None:
        # Diagnose quickly: one retry at most, and no long waits for a dead host.
        self.settings = settings.replace(
            max_attempts=min(2, settings.max_attempts),
            timeout=min(settings.timeout, 20.0),
            backoff_max=1.0,
            retry_after_max=2.0,
        )
        self.transport = transport
        self.clock = clock
        self.latency_samples = latency_samples
        self.require_write = require_write
        self.results: list[CheckResult] = []
        self.site = ""
        self.root: ApiRoot | None = None
        self.server_dates: list[tuple[float, float]] = []  # (server time, local time)
        self.read_seconds: list[float] = []
        self._clients: list[StoreClient] = []

    # -- helpers ---------------------------------------------------------------------------

    def add(
        self, name: str, status: Status, message: str, advice: str | None = None, **data: Any
    ) -> CheckResult:
        result = CheckResult(name, status, message, advice, data)
        self.results.append(result)
        return result

    def client(self, **changes: Any) -> StoreClient:
        client = StoreClient(
            self.settings.replace(**changes) if changes else self.settings,
            transport=self.transport,
            clock=self.clock,
            api_root=self.root,
            max_concurrency=1,
        )
        self._clients.append(client)
        return client

    def note_date(self, response: httpx.Response) -> None:
        header = response.headers.get("date")
        if not header:
            return
        try:
            server = parsedate_to_datetime(header).timestamp()
        except (TypeError, ValueError, IndexError):
            return
        self.server_dates.append((server, self.clock()))

    def try_read(self, label: str, client: StoreClient, auth: httpx.Auth | None = None) -> _Attempt:
        assert self.root is not None
        url, extra = self.root.url("products")
        try:
            started = time.perf_counter()
            if auth is None:
                response = client.send("GET", url, params={**extra, **READ_PROBE}, route="products")
            else:
                response = client.send(
                    "GET", url, params={**extra, **READ_PROBE}, auth=auth, route="products"
                )
            elapsed = time.perf_counter() - started
        except UsageError as error:
            return _Attempt(label, False, StoreError(error.message))
        except StoreError as error:
            return _Attempt(label, False, error)
        self.note_date(response)
        if response.is_success:
            self.read_seconds.append(elapsed)
            return _Attempt(label, True, response=response)
        return _Attempt(label, False, error_from_response(response), response)

    # -- the checks ------------------------------------------------------------------------

    def check_connection(self) -> bool:
        s = self.settings
        try:
            self.site = normalise_site_url(s.url)
        except UsageError as error:
            # A bad --url is a usage error: exit 2 (nothing sent), as for every other command.
            self.add("connection", "fail", error.message, error.hint, usage_error=True)
            return False
        scheme = self.site.split(":", 1)[0]
        host = urlsplit(self.site).hostname or ""
        described = (
            f"{self.site}, auth {s.effective_auth}"
            f"{' (auto)' if s.auth == 'auto' else ''}, key {mask_key(s.key)}"
        )
        if s.profile:
            described += f", profile {s.profile!r}"
        if not s.has_credentials:
            self.add(
                "connection",
                "fail",
                f"{described}: no consumer key/secret given",
                "give --key/--secret, BULKIO_KEY/BULKIO_SECRET or a profile; keys are made in "
                "WooCommerce → Settings → Advanced → REST API",
            )
            return True
        if s.insecure:
            self.add(
                "connection",
                "warn",
                f"{described}; TLS certificate verification is OFF (--insecure)",
                "use --ca-bundle with your CA's certificate instead of --insecure",
            )
        elif scheme == "http" and host not in LOOPBACK_HOSTS:
            self.add(
                "connection",
                "warn",
                f"{described}; plain HTTP: OAuth keeps the secret safe, but orders and "
                "customer data travel unencrypted",
                "use the store's https:// address if it has one",
            )
        else:
            tls = (
                ""
                if scheme == "http"
                else (
                    f", TLS verified with {s.verify}"
                    if isinstance(s.verify, str)
                    else ", TLS verified"
                )
            )
            self.add("connection", "ok", described + tls)
        return True

    def check_site_and_root(self) -> bool:
        client = self.client(auth="oauth" if self.site.startswith("http:") else "auto")

        def send(url: str, params: dict[str, str]) -> httpx.Response:
            return client.send("GET", url, params=params, auth=None, route="(index)")

        try:
            started = time.perf_counter()
            first = probe(send, self.site, "pretty")
            elapsed = time.perf_counter() - started
        except TransportError as error:
            self.add("site", "fail", error.message, error.hint, cause=error.cause)
            return False
        probes: list[Probe] = [first]
        if (first.status or 0) < 500 and not (first.is_index or first.is_rest_error):
            try:
                probes.append(probe(send, self.site, "rest_route"))
            except TransportError as error:
                self.add("site", "fail", error.message, error.hint, cause=error.cause)
                return False
        if not self.site_answer_is_healthy(first, elapsed, probes[1] if probes[1:] else None):
            return False
        try:
            self.root = root_from_probes(self.site, probes)
        except StoreError as error:
            self.add("api-root", "fail", error.message, error.hint)
            return False
        root = self.root
        home_note = ""
        if root.home and root.home.rstrip("/") != self.site:
            home_note = f"; WordPress calls itself {root.home} (OAuth signatures use that)"
        if root.form == "pretty":
            if root.home is None:
                self.add(
                    "api-root",
                    "warn",
                    f"{self.site}/wp-json/ is the API root, but its index is closed ({first.note})",
                    "a security plugin may hide the REST index; bulkio signs OAuth requests "
                    "over the URL you gave",
                    form=root.form,
                )
            else:
                self.add(
                    "api-root",
                    "ok",
                    f"{self.site}/wp-json/ (pretty permalinks){home_note}",
                    form=root.form,
                    home=root.home,
                )
        else:
            self.add(
                "api-root",
                "warn",
                f"only {self.site}/?rest_route=/ answers: the site uses Plain permalinks "
                f"(/wp-json/ → {first.note}){home_note}",
                "bulkio uses the ?rest_route= form; if the credentials check fails, "
                + PLAIN_PERMALINKS_ADVICE,
                form=root.form,
                home=root.home,
            )
        return True

    def site_answer_is_healthy(
        self, first: Probe, elapsed: float, second: Probe | None = None
    ) -> bool:
        """Judge the first answer of the site (``/wp-json/``): an error page is not "OK".

        WordPress's own REST answers (the index, or a REST error such as a closed index) and
        redirects are healthy; a 404 there is what Plain permalinks look like (the
        ``?rest_route=`` probe, ``second``, decides); a 5xx is a broken site, and another 4xx
        comes from something in front of WordPress.
        """
        status = first.status or 0
        timing = f"HTTP {status} in {elapsed:.2f} s"
        if status >= 500:
            self.add(
                "site",
                "fail",
                f"{self.site} answers with a server error ({timing}): {first.note}",
                "the site itself is broken right now: a PHP fatal error, the database down or "
                "the host overloaded — check the site in a browser and the server's error log",
                http_status=status,
                seconds=round(elapsed, 3),
            )
            return False
        if status >= 400 and not (first.is_index or first.is_rest_error):
            if status == 404 and second is not None and (second.is_index or second.is_rest_error):
                self.add(
                    "site",
                    "ok",
                    f"{self.site} answers ({timing} at /wp-json/; WordPress answers at "
                    "?rest_route=)",
                    seconds=round(elapsed, 3),
                )
                return True
            if status == 404:
                self.add(
                    "site",
                    "fail",
                    f"{self.site} answers, but neither {self.site}/wp-json/ nor "
                    f"?rest_route=/ is a WordPress REST API ({timing})",
                    "check that the URL is the WordPress site's address as you open it in a "
                    "browser (not the shop page, not a sub-folder it does not live in)",
                    http_status=status,
                    seconds=round(elapsed, 3),
                )
                return False
            self.add(
                "site",
                "fail",
                f"{self.site} refuses the request before WordPress does ({timing}): {first.note}",
                "something in front of WordPress answers: HTTP authentication on the site, a "
                "firewall or security plugin blocking API clients — allow /wp-json/ for this "
                "machine, or ask the host",
                http_status=status,
                seconds=round(elapsed, 3),
            )
            return False
        self.add("site", "ok", f"{self.site} answers ({timing})", seconds=round(elapsed, 3))
        return True

    def check_woocommerce(self) -> bool:
        root = self.root
        assert root is not None
        if root.has_woocommerce:
            others = [n for n in root.namespaces if n.startswith("wc/v")]
            self.add("woocommerce", "ok", f"WooCommerce REST API present ({', '.join(others)})")
            return True
        if not root.namespaces:
            self.add(
                "woocommerce",
                "warn",
                "could not read the API index, so wc/v3 could not be confirmed",
                None,
            )
            return True
        self.add(
            "woocommerce",
            "fail",
            "no wc/v3 namespace: WooCommerce is not active here, or its REST API is disabled",
            "activate WooCommerce (Plugins) and check the URL points at the shop's WordPress",
            namespaces=list(root.namespaces),
        )
        return False

    def check_credentials(self) -> bool:
        s = self.settings
        if not s.has_credentials:
            self.add("credentials", "skip", "no credentials to check")
            return False
        mode = s.effective_auth
        if mode in ("basic", "query") and self.site.startswith("http:"):
            oauth = self.try_read("oauth", self.client(auth="oauth"))
            advice = (
                "use the store's https:// address, or drop --auth "
                + mode
                + " (over http:// bulkio signs requests with OAuth 1.0a)"
            )
            if oauth.ok:
                advice += "; with OAuth these keys do work here"
            self.add(
                "credentials",
                "fail",
                f"--auth {mode} over plain HTTP is refused: it would send the secret readably, "
                "and WooCommerce ignores Basic/query keys on plain HTTP anyway",
                advice,
                cause="basic_over_http",
            )
            return False
        first = self.try_read(mode, self.client())
        if first.ok:
            self.add("credentials", "ok", f"keys authenticate ({_mode_name(mode)}); key can read")
            self._settle_plain_permalinks()
            return True
        cause, message, fix = self.explain(mode, first)
        self.add("credentials", "fail", message, fix, cause=cause)
        return False

    def _settle_plain_permalinks(self) -> None:
        """Keys work on the rest_route form (WooCommerce 11.1+): the warning becomes a note."""
        for position, result in enumerate(self.results):
            if result.name == "api-root" and result.data.get("form") == "rest_route":
                self.results[position] = CheckResult(
                    "api-root",
                    "ok",
                    result.message + "; this WooCommerce accepts keys there",
                    None,
                    result.data,
                )

    def explain(self, mode: str, first: _Attempt) -> tuple[str, str, str | None]:
        """(cause id, message, advice) for a failed authenticated read."""
        if first.woo is None:
            error = first.error
            return (
                "no_answer",
                f"the authenticated request failed: {error}",
                "see the message; `--auth query` helps when a firewall rejects Authorization "
                "headers",
            )
        if first.says("Consumer secret is invalid"):
            return (
                "wrong_secret",
                'the consumer key is known but the secret is wrong ("Consumer secret is invalid.")',
                "copy the secret again (WooCommerce shows it only when the key is created); if "
                "it is lost, create a new key",
            )
        if first.says("Consumer key is invalid"):
            return (
                "unknown_key",
                'the store does not know this consumer key ("Consumer key is invalid.")',
                "check the key: revoked, mistyped, or made on another site (staging vs live)?",
            )
        if first.says("Invalid timestamp"):
            skew = self.clock_skew()
            shown = f" your clock is {skew:+.0f} s off the server's;" if skew is not None else ""
            return (
                "clock_skew",
                f'OAuth timestamp refused ("Invalid timestamp."):{shown} the store accepts '
                "±15 minutes",
                "set the clock right (e.g. `timedatectl set-ntp true`) or use https:// with "
                "Basic auth, which needs no clock",
            )
        if first.says("does not have read permissions"):
            return (
                "write_only_key",
                "the key has Write permission only, so it cannot read the store",
                "edit the key in WooCommerce → Settings → Advanced → REST API and give it "
                "Read/Write (bulkio reads before it writes)",
            )
        if first.says("Invalid signature"):
            return self.explain_signature()
        if first.woo.code == "woocommerce_rest_authentication_missing_parameter":
            return (
                "oauth_params_lost",
                f"the store saw only part of the OAuth parameters ({first.woo.woo_message})",
                "a proxy may rewrite the query string; use https:// with Basic auth",
            )
        if first.unauthenticated:
            return self.explain_ignored_key(mode, first)
        return (
            "refused",
            f"the store refused the request: {first.woo}",
            "run again with --auth query or check the key's user role (administrator or shop "
            "manager)",
        )

    def explain_signature(self) -> tuple[str, str, str | None]:
        """Invalid signature: wrong secret, or the server signs over another address."""
        s = self.settings
        assert self.root is not None and s.key and s.secret
        root = self.root
        typed = self.site

        def reported(url: str) -> str:
            return signing_base_url(url, typed, root.home)

        def swap_scheme(url: str) -> str:
            scheme, rest = url.split(":", 1)
            return ("https" if scheme == "http" else "http") + ":" + rest

        candidates: list[tuple[str, Callable[[str], str]]] = []
        if root.home and root.home.rstrip("/") != typed:
            candidates.append(
                (f"the URL you gave ({typed})", lambda url: signing_base_url(url, typed, typed))
            )
        candidates.append(
            (
                f"the other scheme ({swap_scheme(root.home or typed)})",
                lambda url: swap_scheme(reported(url)),
            )
        )
        client = self.client(auth="oauth")
        for shown, signing in candidates:
            auth = OAuth1Auth(s.key, s.secret, signing_url=signing, clock=self.clock)
            if self.try_read(f"oauth over {shown}", client, auth=auth).ok:
                return (
                    "signature_address",
                    f"OAuth signatures only match when computed over {shown}, not over the "
                    f"address WordPress reports ({root.home or typed})",
                    "WordPress's Site Address (home) does not match how it is reached (a proxy "
                    "or a port): fix Settings → General → Site Address, or use https:// with "
                    "Basic auth",
                )
        detail = ""
        if root.home and root.home.rstrip("/") != typed:
            detail = (
                f" (bulkio signs over the site address WordPress reports, {root.home}, not {typed})"
            )
        return (
            "wrong_secret",
            'OAuth signature rejected ("Invalid signature - provided signature does not '
            f'match."): the consumer secret is most likely wrong{detail}',
            "copy the secret again (it is shown only when the key is created), or create a new key",
        )

    def explain_ignored_key(self, mode: str, first: _Attempt) -> tuple[str, str, str | None]:
        """The store answered as if no key was sent: find out why."""
        root = self.root
        assert root is not None
        plain = root.form == "rest_route"
        if mode == "oauth":
            if plain:
                return (
                    "rest_route_keys",
                    "the store ignored the keys on the ?rest_route= form "
                    f"({first.woo.code if first.woo else '?'})",
                    PLAIN_PERMALINKS_ADVICE,
                )
            return (
                "oauth_ignored",
                "the store answered as if no key was sent "
                f"({first.woo.code if first.woo else '?'})",
                "something between you and WordPress drops the query string; check proxies",
            )
        if mode == "basic":
            query = self.try_read("query", self.client(auth="query"))
            if query.ok:
                return (
                    "authorization_stripped",
                    "Basic auth is ignored but query-string keys work: the web server strips "
                    "the Authorization header before WordPress sees it",
                    'run with --auth query (or `auth = "query"` in the profile); or let '
                    "the header through (Apache: CGIPassAuth On)",
                )
            if query.says("Consumer secret is invalid"):
                return (
                    "wrong_secret",
                    "the consumer secret is wrong (and the web server also strips the "
                    "Authorization header, so Basic auth could not even say so)",
                    "copy the secret again, then use --auth query",
                )
            if not query.unauthenticated:
                cause, message, advice = self.explain("query", query)
                return cause, message, advice
        if plain:
            return (
                "rest_route_keys",
                "the store ignores API keys on the ?rest_route= form (Plain permalinks)",
                PLAIN_PERMALINKS_ADVICE,
            )
        # Over HTTPS an unknown key is silent on the Basic/query path; OAuth names it.
        oauth = self.try_read("oauth", self.client(auth="oauth"))
        if oauth.ok:
            return (
                "https_not_seen",
                "WordPress does not see these requests as HTTPS (TLS ends at a proxy), so it "
                "ignores Basic and query-string keys; OAuth signatures work",
                "use --auth oauth, or make WordPress see HTTPS (X-Forwarded-Proto handling / "
                "$_SERVER['HTTPS'] in wp-config.php)",
            )
        if oauth.says("Consumer key is invalid") or oauth.unauthenticated:
            return (
                "unknown_key",
                "the store does not know this consumer key (WooCommerce answers "
                '"cannot list resources" as if no key was sent)',
                "check the key: revoked, mistyped, or made on another site (staging vs live)?",
            )
        if oauth.says("Invalid signature") or oauth.says("secret is invalid"):
            return (
                "wrong_secret_or_stripped",
                "the key is known but was not accepted: the secret is probably wrong",
                "copy the secret again, or create a new key",
            )
        return (
            "unknown_key",
            "the store answered as if no key was sent "
            f"({first.woo.code if first.woo else '?'}): the key is probably unknown",
            "check the key: revoked, mistyped, or made on another site?",
        )

    def check_write(self) -> int | None:
        """Whether the key may write; returns the HTTP status of the no-op batch (or None)."""
        client = self.client()
        try:
            client.request("POST", "products/batch", json_body={"delete": [0]})
        except WooError as error:
            message = error.woo_message.lower()
            if "write permissions" in message:
                self.add(
                    "write",
                    "fail" if self.require_write else "warn",
                    "the key is read-only: exports work, imports will be refused",
                    "give the key Read/Write in WooCommerce → Settings → Advanced → REST API "
                    "(or create a new one)",
                    permission="read",
                )
                return None
            if error.status in (401, 403):
                self.add(
                    "write",
                    "fail" if self.require_write else "warn",
                    f"the key may not change products: {error.woo_message} ({error.code})",
                    "the key's WordPress user needs the Administrator or Shop manager role",
                    permission="user_role",
                )
                return None
            self.add("write", "warn", f"could not tell whether the key can write: {error}")
            return None
        except StoreError as error:
            self.add("write", "warn", f"could not tell whether the key can write: {error}")
            return None
        self.add(
            "write",
            "ok",
            "key can write (checked with an empty batch; nothing was changed)",
            permission="read_write",
        )
        return 200

    def check_batch_limit(self) -> None:
        client = self.client()
        try:
            client.request("POST", "products/batch", json_body={"delete": [0] * 101})
        except WooError as error:
            limit = getattr(error, "limit", None)
            if error.status == 413 and limit:
                status: Status = "ok" if limit >= 100 else "warn"
                advice = (
                    None
                    if limit >= 100
                    else f"bulkio sends at most {limit} items per batch to this store"
                )
                self.add(
                    "batch-limit",
                    status,
                    f"store accepts up to {limit} items per batch",
                    advice,
                    limit=limit,
                )
                return
            self.add("batch-limit", "skip", f"batch limit not learnt: {error.woo_message}")
            return
        except StoreError as error:
            self.add("batch-limit", "skip", f"batch limit not learnt: {error.message}")
            return
        self.add(
            "batch-limit",
            "ok",
            "store accepts more than 100 items per batch (bulkio sends up to 100)",
            limit=None,
        )

    def check_latency(self) -> None:
        client = self.client()
        for _ in range(max(0, self.latency_samples - len(self.read_seconds))):
            if not self.try_read("latency", client).ok:
                break
        if not self.read_seconds:
            self.add("latency", "skip", "no successful request to time")
            return
        median = statistics.median(self.read_seconds)
        fastest = min(self.read_seconds)
        message = (
            f"round trip {median * 1000:.0f} ms median, {fastest * 1000:.0f} ms best "
            f"({len(self.read_seconds)} small GETs)"
        )
        if median > 1.5:
            self.add(
                "latency",
                "warn",
                message + ": a slow store",
                "large imports will take long; keep --concurrency low and run them off-peak",
                median_ms=round(median * 1000, 1),
            )
        else:
            self.add("latency", "ok", message, median_ms=round(median * 1000, 1))

    def clock_skew(self) -> float | None:
        if not self.server_dates:
            return None
        server, local = self.server_dates[-1]
        return server - local

    def check_clock(self) -> None:
        skew = self.clock_skew()
        if skew is None:
            self.add("clock", "skip", "the server sent no Date header")
            return
        oauth = self.settings.effective_auth == "oauth"
        if abs(skew) > 15 * 60 and oauth:
            self.add(
                "clock",
                "fail",
                f"local clock is {skew:+.0f} s off the server's",
                "OAuth needs ±15 minutes: set the clock right (timedatectl set-ntp true)",
                skew_seconds=round(skew),
            )
        elif abs(skew) > 60:
            self.add(
                "clock",
                "warn",
                f"local clock is {skew:+.0f} s off the server's",
                "sync the clock (NTP); run logs and date filters use it",
                skew_seconds=round(skew),
            )
        else:
            self.add(
                "clock",
                "ok",
                f"local clock within {max(1, abs(round(skew)))} s of the server's",
                skew_seconds=round(skew),
            )

    def check_account_emails(self) -> None:
        """A customers import that turned the store's new-account e-mail off and was stopped
        before turning it back on leaves a marker (:mod:`bulkio.migrate.account_emails`)."""
        from bulkio.migrate.account_emails import left_off_note

        note = left_off_note(self.settings.url)
        if note is not None:
            self.add(
                "account-emails",
                "warn",
                "the store's new-account e-mail may still be off",
                note,
            )

    def run(self) -> list[CheckResult]:
        try:
            if not self.check_connection():
                return self.results
            if not self.check_site_and_root():
                return self.results
            if not self.check_woocommerce():
                return self.results
            if self.check_credentials():
                if self.check_write() is not None:
                    self.check_batch_limit()
                self.check_latency()
            self.check_clock()
            self.check_account_emails()
            return self.results
        finally:
            for client in self._clients:
                client.close()


def _mode_name(mode: str) -> str:
    return {
        "basic": "HTTP Basic over HTTPS",
        "query": "query-string keys over HTTPS",
        "oauth": "OAuth 1.0a signatures",
    }.get(mode, mode)


def diagnose(
    settings: ConnectionSettings,
    *,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], float] = time.time,
    latency_samples: int = 5,
    require_write: bool = False,
) -> list[CheckResult]:
    """Run every check against the store in ``settings``; never writes data."""
    return Doctor(
        settings,
        transport=transport,
        clock=clock,
        latency_samples=latency_samples,
        require_write=require_write,
    ).run()
