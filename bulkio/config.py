"""Where bulkio finds the store and its credentials.

Settings come, in order of precedence, from explicit options (``--url``, ``--key``, …), from
environment variables (``BULKIO_URL``, ``BULKIO_KEY``, ``BULKIO_SECRET``), and from a named
profile in a TOML config file (``~/.config/bulkio/config.toml`` unless ``--config`` or
``BULKIO_CONFIG`` says otherwise). A profile may name the environment variables that hold its
key and secret, so the file itself never has to contain a secret::

    default_profile = "live"

    [profiles.live]
    url = "https://shop.example.com"
    key_env = "SHOP_KEY"
    secret_env = "SHOP_SECRET"

:class:`ConnectionSettings` never shows the secret, and shows at most the prefix and last four
characters of the key, in ``repr``/``str`` — settings end up in logs and tracebacks.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from bulkio.errors import UsageError
from bulkio.scrub import register_credentials

AuthMode = Literal["auto", "basic", "query", "oauth"]
AUTH_MODES: tuple[AuthMode, ...] = ("auto", "basic", "query", "oauth")

ENV_URL = "BULKIO_URL"
ENV_KEY = "BULKIO_KEY"
ENV_SECRET = "BULKIO_SECRET"  # noqa: S105 - a variable name, not a secret
ENV_PROFILE = "BULKIO_PROFILE"
ENV_CONFIG = "BULKIO_CONFIG"
ENV_CA_BUNDLE = "BULKIO_CA_BUNDLE"

DEFAULT_TIMEOUT = 60.0
"""Seconds to wait for an answer: generous, because a batch of 100 rich items can take 10 s+."""
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_MAX_CONCURRENCY = 16
"""The ceiling of the adaptive number of requests in flight (it starts at 4 and tunes itself,
``bulkio.store.limiter``)."""

PROFILE_KEYS = frozenset(
    {
        "url",
        "key",
        "secret",
        "key_env",
        "secret_env",
        "auth",
        "ca_bundle",
        "insecure",
        "timeout",
        "max_attempts",
        "max_concurrency",
        "backoff_base",
        "backoff_max",
        "retry_after_max",
    }
)


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$BULKIO_CONFIG``, else ``$XDG_CONFIG_HOME/bulkio/config.toml``, else ``~/.config/…``."""
    env = os.environ if env is None else env
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "bulkio" / "config.toml"


def mask_key(key: str | None) -> str:
    """Show enough of a consumer key to tell keys apart, never enough to use it: ``ck_…1a2b``."""
    if not key:
        return "(none)"
    prefix = key[:3] if key[:3] in ("ck_", "cs_") else ""
    if len(key) < 12:
        return f"{prefix}…"
    return f"{prefix}…{key[-4:]}"


@dataclass(frozen=True, repr=False)
class ConnectionSettings:
    """Everything needed to talk to one store. Immutable; derive variants with :meth:`replace`.

    ``verify`` is ``True`` (system CAs), a path to a CA bundle, or ``False`` only together with
    ``insecure=True`` — turning verification off is never implicit.
    """

    url: str
    key: str | None = None
    secret: str | None = None
    auth: AuthMode = "auto"
    verify: bool | str = True
    insecure: bool = False
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = 10.0
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    backoff_base: float = 0.5
    """First retry waits up to this many seconds; each further retry doubles the ceiling."""
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    """A server's ``Retry-After`` is honoured up to this many seconds."""
    profile: str | None = None
    """Name of the profile these settings came from (for messages only)."""
    source: str = field(default="options", compare=False)
    """Where the settings came from, for messages (``options``, ``profile 'live' in …``)."""

    def __post_init__(self) -> None:
        # From here on every output of this process removes them (bulkio.scrub).
        register_credentials(self.key, self.secret)
        if self.auth not in AUTH_MODES:
            raise UsageError(
                f"unknown auth mode {self.auth!r} (option --auth)",
                hint="use one of: " + ", ".join(AUTH_MODES),
            )
        if self.verify is False and not self.insecure:
            raise UsageError("TLS verification can only be turned off with --insecure")
        if self.insecure and self.verify is not False:
            object.__setattr__(self, "verify", False)
        if self.max_attempts < 1:
            raise UsageError(f"max_attempts must be at least 1, not {self.max_attempts}")
        if self.max_concurrency < 1:
            raise UsageError(f"max_concurrency must be at least 1, not {self.max_concurrency}")
        if self.timeout <= 0:
            raise UsageError(f"timeout must be positive, not {self.timeout} (option --timeout)")

    @property
    def scheme(self) -> str:
        return self.url.split(":", 1)[0].lower()

    @property
    def effective_auth(self) -> Literal["basic", "query", "oauth"]:
        """The scheme actually used: ``auto`` means Basic over HTTPS and OAuth 1.0a over HTTP."""
        if self.auth == "auto":
            return "basic" if self.scheme == "https" else "oauth"
        return self.auth

    @property
    def has_credentials(self) -> bool:
        return bool(self.key) and bool(self.secret)

    def replace(self, **changes: Any) -> ConnectionSettings:
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        return (
            f"ConnectionSettings(url={self.url!r}, key={mask_key(self.key)!r}, "
            f"secret={'***' if self.secret else None!r}, auth={self.auth!r}, "
            f"verify={self.verify!r}, timeout={self.timeout!r}, "
            f"max_attempts={self.max_attempts!r}, max_concurrency={self.max_concurrency!r}, "
            f"profile={self.profile!r})"
        )

    __str__ = __repr__


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(
            f"{path}: not valid TOML: {error}", hint="fix the file or point --config elsewhere"
        ) from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read config file: {error.strerror}") from None


def config_file_warnings(path: Path) -> list[str]:
    """Warnings about a config file that holds a secret yet others can read."""
    try:
        mode = path.stat().st_mode
        data = _read_config_file(path)
    except (OSError, UsageError):
        return []
    profiles = data.get("profiles", {})
    holds_secret = isinstance(profiles, dict) and any(
        isinstance(p, dict) and p.get("secret") for p in profiles.values()
    )
    if holds_secret and mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [
            f"{path} contains a consumer secret and is readable by other users; "
            f"run: chmod 600 {path}  (or use secret_env to keep the secret out of the file)"
        ]
    return []


def load_profile(
    path: Path, name: str | None, *, explicit: bool
) -> tuple[str | None, dict[str, Any]]:
    """Read profile ``name`` (or the file's ``default_profile``) from the config file.

    Returns ``(profile name, values)``; ``(None, {})`` when no profile applies. A missing file is
    fine unless it was named explicitly or a profile was asked for.
    """
    if not path.exists():
        if explicit:
            raise UsageError(f"config file {path} does not exist (option --config / {ENV_CONFIG})")
        if name:
            raise UsageError(
                f"profile {name!r} asked for, but there is no config file at {path}",
                hint="create it (see docs/connection.md) or give --config",
            )
        return None, {}
    data = _read_config_file(path)
    unknown_top = set(data) - {"default_profile", "profiles"}
    if unknown_top:
        raise UsageError(
            f"{path}: unknown top-level key(s): {', '.join(sorted(unknown_top))}",
            hint='the file holds default_profile = "name" and [profiles.NAME] tables',
        )
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise UsageError(f"{path}: [profiles] must be a table of [profiles.NAME] tables")
    if name is None:
        default = data.get("default_profile")
        if default is None:
            return None, {}
        if not isinstance(default, str):
            raise UsageError(f"{path}: default_profile must be a string")
        name = default
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise UsageError(
            f"{path}: no profile named {name!r} (profiles defined: {known})",
            hint="check --profile / BULKIO_PROFILE, or add a [profiles." + name + "] table",
        )
    values = profiles[name]
    if not isinstance(values, dict):
        raise UsageError(f"{path}: [profiles.{name}] must be a table")
    unknown = set(values) - PROFILE_KEYS
    if unknown:
        raise UsageError(
            f"{path}: [profiles.{name}] unknown key(s): {', '.join(sorted(unknown))}",
            hint="allowed: " + ", ".join(sorted(PROFILE_KEYS)),
        )
    return name, dict(values)


def _secret_from_profile(
    values: dict[str, Any], what: str, env: Mapping[str, str], path: Path, name: str
) -> str | None:
    env_name = values.get(f"{what}_env")
    if env_name is not None:
        if not isinstance(env_name, str) or not env_name:
            raise UsageError(f"{path}: [profiles.{name}] {what}_env must name a variable")
        value = env.get(env_name)
        if not value:
            raise UsageError(
                f"profile {name!r} ({path}) takes its {what} from ${env_name}, which is not set",
                hint=f"export {env_name}=… before running bulkio",
            )
        return value
    literal = values.get(what)
    if literal is not None and not isinstance(literal, str):
        raise UsageError(f"{path}: [profiles.{name}] {what} must be a string")
    return literal


def resolve_settings(
    *,
    url: str | None = None,
    key: str | None = None,
    secret: str | None = None,
    profile: str | None = None,
    config_path: str | Path | None = None,
    auth: str | None = None,
    ca_bundle: str | Path | None = None,
    insecure: bool | None = None,
    timeout: float | None = None,
    max_attempts: int | None = None,
    max_concurrency: int | None = None,
    env: Mapping[str, str] | None = None,
    require_credentials: bool = True,
) -> ConnectionSettings:
    """Combine options, environment and profile into :class:`ConnectionSettings`.

    Precedence per value: the argument, then ``BULKIO_*`` environment variables, then the
    profile, then defaults. Raises :class:`UsageError` naming the option, variable or file when
    something is missing or malformed.
    """
    env = os.environ if env is None else env
    explicit_config = config_path is not None or bool(env.get(ENV_CONFIG))
    path = Path(config_path).expanduser() if config_path else default_config_path(env)
    profile = profile or env.get(ENV_PROFILE) or None
    profile_name, values = load_profile(path, profile, explicit=explicit_config)

    if profile_name:
        profile_key = _secret_from_profile(values, "key", env, path, profile_name)
        profile_secret = _secret_from_profile(values, "secret", env, path, profile_name)
    else:
        profile_key = profile_secret = None

    def pick(given: Any, env_name: str | None, profile_value: Any) -> Any:
        if given is not None and given != "":
            return given
        if env_name and env.get(env_name):
            return env[env_name]
        return profile_value

    where = f"profile {profile_name!r} in {path}" if profile_name else "options"
    final_url = pick(url, ENV_URL, values.get("url"))
    if not final_url:
        raise UsageError(
            "no store URL given",
            hint=f"give --url https://your-shop.example, set {ENV_URL}, or choose a profile "
            f"with --profile (config file: {path})",
        )
    final_key = pick(key, ENV_KEY, profile_key)
    final_secret = pick(secret, ENV_SECRET, profile_secret)
    if require_credentials and not (final_key and final_secret):
        missing = " and ".join(
            n for n, v in (("key", final_key), ("secret", final_secret)) if not v
        )
        raise UsageError(
            f"no consumer {missing} for {final_url}",
            hint=f"give --key/--secret, set {ENV_KEY}/{ENV_SECRET}, or use a profile with "
            "key_env/secret_env (WooCommerce → Settings → Advanced → REST API creates keys)",
        )

    final_auth = pick(auth, None, values.get("auth")) or "auto"
    if final_auth not in AUTH_MODES:
        raise UsageError(
            f"unknown auth mode {final_auth!r} ({'--auth' if auth else where})",
            hint="use one of: " + ", ".join(AUTH_MODES),
        )
    final_insecure = bool(insecure) if insecure else bool(values.get("insecure", False))
    final_ca = pick(str(ca_bundle) if ca_bundle else None, ENV_CA_BUNDLE, values.get("ca_bundle"))
    if final_ca and final_insecure:
        raise UsageError("--ca-bundle and --insecure contradict each other; choose one")
    verify: bool | str = True
    if final_ca:
        ca_path = Path(str(final_ca)).expanduser()
        if not ca_path.is_file():
            raise UsageError(
                f"CA bundle {ca_path} does not exist (option --ca-bundle, {ENV_CA_BUNDLE} "
                f"or {where})"
            )
        verify = str(ca_path)
    if final_insecure:
        verify = False

    def number(given: Any, name: str, default: float, kind: type) -> Any:
        value = given if given is not None else values.get(name, default)
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise UsageError(f"{name} must be a number, not {value!r} ({where})") from None

    return ConnectionSettings(
        url=str(final_url).strip(),
        key=final_key,
        secret=final_secret,
        auth=cast(AuthMode, final_auth),
        verify=verify,
        insecure=final_insecure,
        timeout=number(timeout, "timeout", DEFAULT_TIMEOUT, float),
        max_attempts=number(max_attempts, "max_attempts", DEFAULT_MAX_ATTEMPTS, int),
        max_concurrency=number(max_concurrency, "max_concurrency", DEFAULT_MAX_CONCURRENCY, int),
        backoff_base=number(None, "backoff_base", 0.5, float),
        backoff_max=number(None, "backoff_max", 30.0, float),
        retry_after_max=number(None, "retry_after_max", 120.0, float),
        profile=profile_name,
        source=where,
    )
