"""The exception tree users see.

Every error a user can cause carries enough coordinates (file, line, mapping key, option) to
act on, and the exit code the CLI should end with. The CLI prints ``str(error)`` and exits with
``error.exit_code``; library users catch by type.
"""

from __future__ import annotations

from pathlib import Path

from bulkio.exitcodes import ExitCode
from bulkio.scrub import scrub


class BulkioError(Exception):
    """Base of all errors bulkio raises on purpose."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        # Messages may quote a store's answer, which may echo the request's credentials.
        if self.hint:
            return scrub(f"{self.message}\n  hint: {self.hint}")
        return scrub(self.message)


class UsageError(BulkioError):
    """A bad option or combination of options."""


class InputError(BulkioError):
    """A source file that cannot be read as a whole (encoding, syntax, missing column)."""

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f":{line}"
        if column is not None:
            where += f" (column {column!r})"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = str(path)
        self.line = line
        self.column = column


class MappingError(BulkioError):
    """A mapping file that is malformed or inconsistent; names the file and the key."""

    def __init__(
        self, path: str | Path, key: str | None, message: str, *, hint: str | None = None
    ) -> None:
        where = str(path) if key is None else f"{path}: [{key}]"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = str(path)
        self.key = key


class SafetyLimitError(BulkioError):
    """A safety limit stopped the run before any write."""

    exit_code = ExitCode.SAFETY_LIMIT


class LockedError(BulkioError):
    """Another run holds the lock for this store and mapping."""

    exit_code = ExitCode.LOCKED
