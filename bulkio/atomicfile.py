"""Write a file so that readers only ever see it complete: the one atomic-write helper.

The data goes to a hidden temporary file in the target's directory (same filesystem, so the
rename is atomic), is flushed and fsync'ed, renamed onto the target, and the directory is
fsync'ed so the rename itself survives a power cut. A crash, a Ctrl-C or an error leaves no half
file under the target name; an interrupted temporary file is removed when the error propagates
(a ``kill -9`` may leave one ``.<name>.*.tmp`` file behind, never a partial target).

Permissions: a new file gets what ``open()`` would give it, ``0666`` minus the umask, so the
SFTP or accounting user who collects an export can read it where the umask allows; a file that
is replaced keeps its permission bits. ``private=True`` (state files, which the user alone needs)
keeps a new file ``0600`` whatever the umask.

This module imports nothing from bulkio: every layer (exports, run state, export state) uses it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

PRIVATE_MODE = 0o600


def current_umask() -> int:
    """The process umask, read without changing it where the system allows (Linux)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o077)  # elsewhere: set and restore (a brief, harmless window)
    os.umask(mask)
    return mask


def new_file_mode(*, private: bool = False) -> int:
    """The mode a new file gets: ``0666 & ~umask``, or ``0600`` when private."""
    return PRIVATE_MODE if private else 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_path(
    target: str | os.PathLike[str], *, overwrite: bool = True, private: bool = False
) -> Iterator[Path]:
    """Yield a temporary path to write; when the block ends without error it becomes ``target``.

    ``overwrite=False`` refuses to replace a file that appeared meanwhile: FileExistsError
    (``os.link`` is the no-clobber rename).
    """
    target_path = Path(target)
    directory = target_path.parent if str(target_path.parent) else Path(".")
    fd, temp_name = tempfile.mkstemp(prefix=f".{target_path.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    temp_path = Path(temp_name)
    try:
        mode = new_file_mode(private=private)
        with contextlib.suppress(FileNotFoundError):
            if overwrite and not private:
                mode = stat.S_IMODE(target_path.stat().st_mode)  # a replaced file keeps its mode
        os.chmod(temp_path, mode)
        yield temp_path
        with open(temp_path, "rb+") as handle:
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp_path, target_path)
        else:
            try:
                os.link(temp_path, target_path)
            except FileExistsError:
                raise
            except OSError:
                # Filesystems without hard links: a plain rename after a last check.
                if target_path.exists():
                    raise FileExistsError(str(target_path)) from None
                os.replace(temp_path, target_path)
            else:
                temp_path.unlink()
        fsync_directory(directory)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp_path.unlink()


def write_atomically(
    target: str | os.PathLike[str],
    data: str | bytes,
    *,
    private: bool = False,
    encoding: str = "utf-8",
) -> None:
    """Replace ``target`` with ``data`` (text is encoded with ``encoding``) atomically."""
    payload = data.encode(encoding) if isinstance(data, str) else data
    with atomic_path(target, private=private) as temp_path:
        temp_path.write_bytes(payload)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
