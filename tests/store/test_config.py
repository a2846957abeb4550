"""Connection settings: precedence, profiles, env-held secrets, redaction."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from bulkio.config import ConnectionSettings, config_file_warnings, mask_key, resolve_settings
from bulkio.errors import UsageError

# Generated per run, in the real shape (prefix + 40 hex), so no key-like literal is committed.
KEY = "ck_" + secrets.token_hex(18) + "1a2b"
SECRET = "cs_" + secrets.token_hex(20)


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_repr_and_str_never_show_secret_or_whole_key() -> None:
    settings = ConnectionSettings(url="https://shop.example.com", key=KEY, secret=SECRET)
    for text in (repr(settings), str(settings), f"{settings}"):
        assert SECRET not in text
        assert SECRET[3:12] not in text
        assert KEY not in text
        assert KEY[3:20] not in text
        assert "ck_…1a2b" in text


def test_mask_key_shapes() -> None:
    assert mask_key(KEY) == "ck_…1a2b"
    assert mask_key("short") == "…"
    assert mask_key(None) == "(none)"


def test_options_win_over_environment(tmp_path: Path) -> None:
    env = {"BULKIO_URL": "https://env.example", "BULKIO_KEY": "ck_env", "BULKIO_SECRET": "cs_env"}
    settings = resolve_settings(
        url="https://opt.example", key="ck_opt", env={**env, "XDG_CONFIG_HOME": str(tmp_path)}
    )
    assert settings.url == "https://opt.example"
    assert settings.key == "ck_opt"
    assert settings.secret == "cs_env"  # not given as option: environment fills it


def test_profile_with_secret_from_named_env_var(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        """
default_profile = "live"

[profiles.live]
url = "https://shop.example.com/"
key_env = "SHOP_KEY"
secret_env = "SHOP_SECRET"
auth = "query"
timeout = 90
max_attempts = 3

[profiles.staging]
url = "http://127.0.0.1:8080"
key = "ck_staging"
secret = "cs_staging"
""",
    )
    env = {"SHOP_KEY": KEY, "SHOP_SECRET": SECRET}
    live = resolve_settings(config_path=path, env=env)
    assert (live.url, live.key, live.secret, live.auth) == (
        "https://shop.example.com/",
        KEY,
        SECRET,
        "query",
    )
    assert live.timeout == 90.0 and live.max_attempts == 3 and live.profile == "live"
    staging = resolve_settings(config_path=path, profile="staging", env=env)
    assert staging.key == "ck_staging" and staging.effective_auth == "oauth"
    # BULKIO_PROFILE picks a profile too; explicit options still win over it
    chosen = resolve_settings(
        config_path=path, env={**env, "BULKIO_PROFILE": "staging"}, url="http://other:1"
    )
    assert chosen.profile == "staging" and chosen.url == "http://other:1"


def test_profile_env_var_missing_names_the_variable(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        '[profiles.live]\nurl = "https://s.example"\nkey = "ck_x"\nsecret_env = "SHOP_SECRET"\n',
    )
    with pytest.raises(UsageError) as caught:
        resolve_settings(config_path=path, profile="live", env={})
    assert "$SHOP_SECRET" in str(caught.value)
    assert "'live'" in str(caught.value)


def test_unknown_profile_lists_the_known_ones(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[profiles.a]\nurl = "https://a.example"\n')
    with pytest.raises(UsageError, match=r"no profile named 'b' \(profiles defined: a\)"):
        resolve_settings(config_path=path, profile="b", env={})


def test_unknown_key_in_profile_is_named(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[profiles.a]\nurl = "https://a.example"\nsecrte = "x"\n')
    with pytest.raises(UsageError, match=r"\[profiles.a\] unknown key\(s\): secrte"):
        resolve_settings(config_path=path, profile="a", env={})


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[profiles.a\nurl=")
    with pytest.raises(UsageError, match="not valid TOML") as caught:
        resolve_settings(config_path=path, env={})
    assert str(path) in str(caught.value)


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        resolve_settings(config_path=tmp_path / "nope.toml", url="https://a", env={})


def test_missing_default_config_is_fine(tmp_path: Path) -> None:
    settings = resolve_settings(
        url="https://a.example", key="ck_a", secret="cs_a", env={"XDG_CONFIG_HOME": str(tmp_path)}
    )
    assert settings.profile is None


def test_missing_url_and_credentials_say_what_to_do(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    with pytest.raises(UsageError, match="no store URL") as caught:
        resolve_settings(env=env)
    assert "--url" in str(caught.value)
    with pytest.raises(UsageError, match="no consumer secret"):
        resolve_settings(url="https://a", key="ck_a", env=env)
    relaxed = resolve_settings(url="https://a", env=env, require_credentials=False)
    assert not relaxed.has_credentials


def test_tls_options(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    base = {"url": "https://a", "key": "ck_a", "secret": "cs_a", "env": env}
    assert resolve_settings(**base).verify is True
    assert resolve_settings(**base, ca_bundle=ca).verify == str(ca)
    insecure = resolve_settings(**base, insecure=True)
    assert insecure.verify is False and insecure.insecure
    with pytest.raises(UsageError, match="contradict"):
        resolve_settings(**base, ca_bundle=ca, insecure=True)
    with pytest.raises(UsageError, match="does not exist"):
        resolve_settings(**base, ca_bundle=tmp_path / "missing.pem")
    with pytest.raises(UsageError, match="--insecure"):
        ConnectionSettings(url="https://a", verify=False)


def test_auth_mode_validated(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown auth mode 'digest'"):
        resolve_settings(
            url="https://a",
            key="k",
            secret="s",
            auth="digest",
            env={"XDG_CONFIG_HOME": str(tmp_path)},
        )


def test_effective_auth_follows_scheme() -> None:
    assert ConnectionSettings(url="https://a").effective_auth == "basic"
    assert ConnectionSettings(url="http://a").effective_auth == "oauth"
    assert ConnectionSettings(url="https://a", auth="query").effective_auth == "query"


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_world_readable_config_with_secret_warns(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[profiles.a]\nurl = "https://a"\nsecret = "cs_x"\n')
    assert config_file_warnings(path) == []
    path.chmod(0o644)
    warnings = config_file_warnings(path)
    assert len(warnings) == 1 and "chmod 600" in warnings[0]
    assert "cs_x" not in warnings[0]
