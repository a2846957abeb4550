"""Shell completion scripts (click's _BULKIO_COMPLETE) and `bulkio --version`."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.cli import main

BULKIO = Path(sys.executable).with_name("bulkio")


def run_completion(variable: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "_BULKIO_COMPLETE": variable, **extra}
    return subprocess.run(
        [str(BULKIO)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _bulkio_completion bulkio"),
        ("zsh", "#compdef bulkio"),
        ("fish", "complete --no-files --command bulkio"),
    ],
)
def test_completion_script_for_each_shell(shell: str, marker: str) -> None:
    result = run_completion(f"{shell}_source")
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert "_BULKIO_COMPLETE" in result.stdout


def test_bash_completes_command_names() -> None:
    result = run_completion("bash_complete", COMP_WORDS="bulkio i", COMP_CWORD="1")
    assert result.returncode == 0, result.stderr
    words = {line.split(",", 1)[-1] for line in result.stdout.splitlines()}
    assert {"init", "import"} <= words


def test_version_comes_from_the_package_metadata() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"bulkio {metadata.version('bulkio')}\n"
