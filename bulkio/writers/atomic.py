"""Export files written so that readers only ever see them complete.

The writing itself (temporary file, fsync, rename, directory fsync, permissions from the umask)
is :mod:`bulkio.atomicfile`, shared with the state files; this module adds the export's checks
(an existing file needs ``--overwrite``, the directory must exist).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from bulkio.atomicfile import atomic_path
from bulkio.errors import UsageError


class OutputExistsError(UsageError):
    """The output file exists and ``--overwrite`` was not given."""


def check_writable(target: Path, *, overwrite: bool) -> None:
    """Fail early (before any fetching) when the target exists or its directory is missing."""
    if target.exists() and not overwrite:
        raise OutputExistsError(
            f"{target}: the output file exists",
            hint="pass --overwrite to replace it, or choose another -o",
        )
    if target.is_dir():
        raise UsageError(f"{target}: is a directory; give a file name with -o")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{target}: the directory {parent} does not exist", hint="create it first")


@contextlib.contextmanager
def atomic_output(target: str | os.PathLike[str], *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes ``target`` in one rename.

    Without ``overwrite`` the final step refuses to replace a file that appeared meanwhile.
    The file gets the usual permissions (``0666`` minus the umask; a replaced file keeps its
    own): :func:`bulkio.atomicfile.atomic_path` does the writing.
    """
    target_path = Path(target)
    check_writable(target_path, overwrite=overwrite)
    try:
        with atomic_path(target_path, overwrite=overwrite) as temp_path:
            yield temp_path
    except FileExistsError:
        raise OutputExistsError(
            f"{target_path}: the output file appeared while exporting",
            hint="pass --overwrite to replace it",
        ) from None
