"""Issue 14 #17: plain ``pytest`` in a clone collects the suite (not only ``python -m pytest``).

``python -m pytest`` puts the working directory on ``sys.path``; the ``pytest`` script does
not, so ``from tests.catalog.helpers import …`` failed to collect until the pytest
configuration put the repository root there (``pythonpath``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_pytest_script_collects_tests_that_import_the_tests_package() -> None:
    script = Path(sys.executable).parent / "pytest"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    env.update({"PYTHONDONTWRITEBYTECODE": "1"})
    # Only collect (fast); tests/catalog and tests/importing import helpers as `tests.…`.
    targets = ["tests/catalog/test_cli.py", "tests/importing/test_cli_import.py"]
    completed = subprocess.run(
        [str(script), "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *targets],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "ModuleNotFoundError" not in output
    assert "error" not in output.splitlines()[-1].lower(), output
