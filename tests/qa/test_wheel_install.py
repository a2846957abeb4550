"""Issue 14 #16: bulkio installed from a wheel (not a clone) has its mappings and samples.

A wheel is built from the project's files, installed into a fresh virtual environment, and run
from a directory outside the clone: ``bulkio demo`` (shipped sample feed and mappings),
``bulkio mapping list``, a shipped mapping named by name, and ``bulkio catalog import`` without
``-m`` (WooCommerce's layout, the shipped ``woocommerce-core`` mapping) against a sandbox.

The fresh environment gets bulkio's dependencies from the test environment through a ``.pth``
line (no downloads, and bulkio itself only from the wheel: the test environment's bulkio is an
editable install whose finder a ``.pth``-added directory does not run). Building the wheel
needs setuptools>=77 in pip's isolated build environment (from the package index or pip's
cache). About 10-20 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from bulkio.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE", "bulkio", "mappings", "samples")


def test_a_wheel_in_a_fresh_venv_runs_from_anywhere(tmp_path: Path, sandbox: Sandbox) -> None:
    """One test (one xdist worker builds the wheel once), one step per promise."""
    installed = _install_wheel(tmp_path / "build")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _check_runs_from_its_own_files(installed, outside)
    _check_demo(installed, outside)
    _check_mapping_list_and_names(installed, outside)
    _check_catalog_import_without_a_mapping(installed, outside, sandbox)


def _install_wheel(base: Path) -> Path:
    """The ``bin`` directory of a fresh venv holding bulkio installed from a built wheel."""
    source = base / "src"
    source.mkdir(parents=True)
    for name in PROJECT_FILES:  # a copy: parallel builds never share build/ or egg-info
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(
                origin,
                source / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        else:
            shutil.copy2(origin, source / name)
    dist = base / "dist"
    env = _clean_env()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        check=True,
        env=env,
        timeout=180,
    )
    (wheel,) = dist.glob("bulkio-*.whl")
    target = base / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # bulkio's dependencies from this environment (no network needed for them).
    Path(purelib, "_bulkio_test_deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        env=env,
        timeout=120,
    )
    return target / "bin"


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "BULKIO_"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _bulkio(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = _clean_env()
    env["XDG_CONFIG_HOME"] = str(cwd / "xdg")
    env["BULKIO_HOME"] = str(cwd / "home")
    env["TMPDIR"] = str(cwd)
    return subprocess.run(
        [str(bin_dir / "bulkio"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _check_runs_from_its_own_files(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "python"), "-c", "import bulkio; print(bulkio.__file__)"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(ROOT) not in where and str(installed.parent) in where


def _check_demo(installed: Path, tmp_path: Path) -> None:
    result = _bulkio(installed, tmp_path, "demo")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "the store logged 0 write requests" in result.stdout
    assert "The practice store is gone" in result.stdout
    assert str(ROOT) not in result.stdout


def _check_mapping_list_and_names(installed: Path, tmp_path: Path) -> None:
    listing = _bulkio(installed, tmp_path, "mapping", "list")
    assert listing.returncode == 0, listing.stderr
    names = [line.split()[0] for line in listing.stdout.splitlines() if line.strip()]
    for name in ("supplier-csv", "export-accounting", "woocommerce-core"):
        assert name in names
    assert str(ROOT) not in listing.stdout
    for name in ("accounting", "export-accounting", "mappings/export-accounting.toml"):
        validate = _bulkio(installed, tmp_path, "mapping", "validate", name)
        assert validate.returncode == 0, (name, validate.stderr)
        assert "valid (export of orders)" in validate.stdout


def _check_catalog_import_without_a_mapping(
    installed: Path, tmp_path: Path, sandbox: Sandbox
) -> None:
    feed = tmp_path / "catalog.csv"
    shutil.copy(ROOT / "samples" / "catalog-woocommerce.csv", feed)
    key, secret = sandbox.keys["read_write"]
    result = _bulkio(
        installed,
        tmp_path,
        "catalog",
        "import",
        str(feed),
        "--dry-run",
        *("--url", sandbox.url, "--key", key, "--secret", secret),
    )
    assert "mapping file not found" not in result.stderr
    assert result.returncode in (0, 1), result.stderr + result.stdout
    assert "products:" in result.stdout
