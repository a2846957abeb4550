"""One run at a time per store and mapping.

A nightly cron job that overruns must not fight the next night's job over the same products.
The lock is an OS file lock (``flock``) on ``<runs dir>/<store>/<mapping>/lock``: the kernel
releases it when the holding process ends for any reason — exit, crash, ``kill -9``, OOM — so a
dead run never leaves it stuck and there is no stale-lock cleanup to get wrong. The file also
records who holds it (pid, host, start time, command), only to make the message useful.

The lock file is never deleted: deleting a flock'ed file lets a second process lock a new
inode while the first still holds the old one.

``flock`` works on local filesystems; on NFS it may be emulated or absent, so keep the runs dir
local (the default ``./.bulkio/runs`` or ``$BULKIO_HOME``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from bulkio.errors import LockedError
from bulkio.runs import now_iso

_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class LockHolder:
    """What the lock file says about the run holding it (best effort: it may be empty)."""

    pid: int | None
    host: str
    started_at: str
    command: str
    run_id: str

    @classmethod
    def from_text(cls, text: str) -> LockHolder:
        try:
            data: dict[str, Any] = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError:
            data = {}
        pid = data.get("pid")
        return cls(
            pid=pid if isinstance(pid, int) else None,
            host=str(data.get("host", "")),
            started_at=str(data.get("started_at", "")),
            command=str(data.get("command", "")),
            run_id=str(data.get("run_id", "")),
        )

    def describe(self) -> str:
        if self.pid is None:
            return "another bulkio process (it is still starting)"
        where = f" on {self.host}" if self.host else ""
        since = f", started {self.started_at}" if self.started_at else ""
        return f"bulkio process {self.pid}{where}{since}"


class RunLock:
    """An exclusive, non-blocking (or briefly waiting) lock; a context manager.

    >>> with RunLock(paths.lock_file, run_id=paths.run_id):
    ...     run_the_import()

    Raises :class:`~bulkio.errors.LockedError` (exit code 5) naming the holder when another
    process holds it after ``wait`` seconds (0 = fail at once, the right thing for cron: the
    next scheduled run will catch up).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, run_id: str = "", wait: float = 0.0
    ) -> None:
        self.path = Path(path)
        self.run_id = run_id
        self.wait = max(0.0, wait)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            raise RuntimeError("RunLock is not re-entrant")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + self.wait
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise self._locked_error() from None
                    time.sleep(min(_POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            self._write_holder(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            # Empty the file before unlocking so nobody reads a finished run as the holder.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _write_holder(self, fd: int) -> None:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": now_iso(),
            "run_id": self.run_id,
            # argv[0] only: the rest could hold --secret on a careless command line.
            "command": Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "",
        }
        data = (json.dumps(info) + "\n").encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)

    def read_holder(self) -> LockHolder:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        return LockHolder.from_text(text)

    def _locked_error(self) -> LockedError:
        holder = self.read_holder()
        waited = f" (waited {self.wait:g} s)" if self.wait else ""
        hint = (
            "wait for it to finish, or let the next scheduled run catch up; "
            "use --wait-lock SECONDS to wait for it."
        )
        if holder.pid is not None:
            hint += (
                f" If you are sure it hangs, stop it (kill {holder.pid}); the lock is freed "
                "the moment that process ends — never delete the lock file."
            )
        return LockedError(
            f"another run for this store and mapping is in progress: {holder.describe()}"
            f"{waited}; lock file {self.path}",
            hint=hint,
        )
