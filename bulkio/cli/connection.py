"""Store connection options shared by every command that talks to a store.

Usage in a command module::

    @click.command()
    @store_options
    def export(**options):
        with client_from_options(**options) as client:
            ...

``client_from_options`` also accepts (and ignores) keys that are not connection options, so a
command can pass its whole ``**kwargs``; use :func:`connection_kwargs` to split them if needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bulkio.cli.common import FiniteFloatRange
from bulkio.config import (
    AUTH_MODES,
    DEFAULT_MAX_CONCURRENCY,
    ENV_CONFIG,
    ENV_KEY,
    ENV_PROFILE,
    ENV_SECRET,
    ENV_URL,
    ConnectionSettings,
    config_file_warnings,
    default_config_path,
    resolve_settings,
)
from bulkio.store import StoreClient

F = TypeVar("F", bound=Callable[..., Any])

MAX_CONCURRENCY_CAP = 64
"""The highest ``--max-concurrency``/``--concurrency`` accepted: more requests in flight than
this helps no WooCommerce host and looks like an attack to its firewall."""

STORE_OPTION_NAMES = (
    "url",
    "key",
    "secret",
    "profile",
    "config_path",
    "auth",
    "ca_bundle",
    "insecure",
    "timeout",
    "debug_http",
)

INSECURE_WARNING = (
    "WARNING: --insecure: TLS certificates are NOT verified. Anyone between you and the store "
    "can read your API secret and change the data. Use --ca-bundle for a private CA instead."
)


def store_options(func: F) -> F:
    """Add ``--url --key --secret --profile --config --auth --ca-bundle --insecure --timeout``
    and ``--debug-http``."""
    options = [
        click.option(
            "--url",
            envvar=ENV_URL,
            show_envvar=True,
            metavar="URL",
            help="Store address as you open it in a browser, e.g. https://shop.example.com "
            "(the API root is found by itself).",
        ),
        click.option(
            "--key",
            envvar=ENV_KEY,
            show_envvar=True,
            metavar="CK",
            show_default=False,
            help="REST API consumer key (ck_…).",
        ),
        click.option(
            "--secret",
            envvar=ENV_SECRET,
            show_envvar=True,
            metavar="CS",
            show_default=False,
            help="REST API consumer secret (cs_…). Prefer the environment variable or a "
            "profile: command-line arguments are visible to other users of the machine.",
        ),
        click.option(
            "--profile",
            envvar=ENV_PROFILE,
            show_envvar=True,
            metavar="NAME",
            help="Named profile from the config file.",
        ),
        click.option(
            "--config",
            "config_path",
            envvar=ENV_CONFIG,
            show_envvar=True,
            metavar="FILE",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Config file with profiles [default: ~/.config/bulkio/config.toml].",
        ),
        click.option(
            "--auth",
            type=click.Choice(AUTH_MODES),
            default=None,
            help="auto (default): Basic over HTTPS, OAuth 1.0a over HTTP; query: keys in the "
            "query string over HTTPS, for hosts that strip the Authorization header.",
        ),
        click.option(
            "--ca-bundle",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="PEM file of CA certificates to trust (stores with a private CA); also "
            "$BULKIO_CA_BUNDLE.",
        ),
        click.option(
            "--insecure",
            is_flag=True,
            default=False,
            help="Do not verify TLS certificates. Dangerous; prints a warning on every run.",
        ),
        click.option(
            "--debug-http",
            is_flag=True,
            default=False,
            envvar="BULKIO_DEBUG_HTTP",
            help="Log every HTTP request and retry to stderr (URLs without credentials).",
        ),
        click.option(
            "--timeout",
            type=FiniteFloatRange(min=0.1, max=86400),
            default=None,
            metavar="SECONDS",
            help="Seconds to wait for each answer [default: 60].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def concurrency_options(func: F) -> F:
    """``--max-concurrency N`` (adaptive ceiling) and ``--concurrency N`` (fixed) for every
    command that talks to a store; both land in the command's keyword arguments and go to
    :func:`client_from_options` from there.

    The default is adaptive: the client starts at 4 requests in flight, raises the number while
    the store's throughput rises and backs off on 429/503/timeouts and slow answers
    (``bulkio.store.limiter``), never above ``--max-concurrency``. ``--concurrency`` fixes the
    number instead, for people who know their host (e.g. 2 on shared hosting that refuses a
    third request)."""
    for option in reversed(concurrency_option_list()):
        func = option(func)
    return func


def concurrency_option_list() -> list[Callable[[F], F]]:
    """The two options of :func:`concurrency_options`, for a command's own option list."""
    return [
        click.option(
            "--max-concurrency",
            "max_concurrency",
            type=click.IntRange(1, MAX_CONCURRENCY_CAP),
            default=None,
            metavar="N",
            help="Most requests in flight at once; bulkio tunes the number up to this by "
            f"itself from the store's answers [default: {DEFAULT_MAX_CONCURRENCY}, or the "
            "profile's max_concurrency].",
        ),
        click.option(
            "--concurrency",
            "concurrency",
            type=click.IntRange(1, MAX_CONCURRENCY_CAP),
            default=None,
            metavar="N",
            help="Exactly N requests in flight, no tuning (for a host whose limit you know).",
        ),
    ]


def enable_http_debug_log() -> None:
    """Send ``bulkio.store`` debug lines (redacted URLs, status, timing, retries) to stderr."""
    logger = logging.getLogger("bulkio.store")
    if not any(getattr(h, "_bulkio_debug", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handler._bulkio_debug = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def connection_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    """The connection options out of a command's keyword arguments."""
    return {name: options[name] for name in STORE_OPTION_NAMES if name in options}


def settings_from_options(
    *, require_credentials: bool = True, **options: Any
) -> ConnectionSettings:
    """Resolve options + environment + profile; warn loudly about --insecure and open files."""
    kwargs = connection_kwargs(options)
    if kwargs.pop("debug_http", False):
        enable_http_debug_log()
    for extra in ("max_attempts", "max_concurrency"):
        if options.get(extra) is not None:
            kwargs[extra] = options[extra]
    settings = resolve_settings(require_credentials=require_credentials, **kwargs)
    if settings.insecure:
        click.secho(INSECURE_WARNING, err=True, fg="red", bold=True)
    config = options.get("config_path") or default_config_path()
    for warning in config_file_warnings(Path(config)):
        click.secho(f"warning: {warning}", err=True, fg="yellow")
    return settings


def client_from_options(**options: Any) -> StoreClient:
    """A :class:`StoreClient` from ``@store_options`` values (other keys are ignored).

    ``max_concurrency`` (the adaptive ceiling), ``concurrency`` (a fixed number in flight; wins
    over the ceiling) and ``max_attempts`` may be given too. The client's ``max_concurrency``
    is then the width a caller's thread pool needs (the limiter gates the threads).
    """
    fixed = options.get("concurrency")
    settings = settings_from_options(**{k: v for k, v in options.items() if k != "concurrency"})
    if fixed is not None:
        return StoreClient(settings, fixed_concurrency=int(fixed))
    return StoreClient(settings, max_concurrency=options.get("max_concurrency"))
