"""Write a file so that readers only ever see it complete.

The data goes to a hidden temporary file in the target's directory (same filesystem, so the
rename is atomic), is flushed and fsync'ed, and is then renamed onto the target. A crash, a
Ctrl-C or an error leaves no half file under the target name for a downstream system to pick up;
an interrupted temporary file is removed when the error propagates (a ``kill -9`` may leave one
``.<name>.*.tmp`` file behind, never a partial target).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

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

    Without ``overwrite`` the final step refuses to replace a file that appeared meanwhile
    (``os.link`` is the no-clobber rename).
    """
    target_path = Path(target)
    check_writable(target_path, overwrite=overwrite)
    directory = target_path.parent if str(target_path.parent) else Path(".")
    fd, temp_name = tempfile.mkstemp(prefix=f".{target_path.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    temp_path = Path(temp_name)
    try:
        yield temp_path
        with open(temp_path, "rb+") as handle:
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp_path, target_path)
        else:
            try:
                os.link(temp_path, target_path)
            except FileExistsError:
                raise OutputExistsError(
                    f"{target_path}: the output file appeared while exporting",
                    hint="pass --overwrite to replace it",
                ) from None
            except OSError:
                # Filesystems without hard links: a plain rename after a last check.
                if target_path.exists():
                    raise OutputExistsError(f"{target_path}: the output file exists") from None
                os.replace(temp_path, target_path)
            else:
                temp_path.unlink()
        _fsync_directory(directory)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp_path.unlink()


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
