"""Reading a mapping file: the one TOML loader for import and export mappings.

Both kinds are read the same way, so they cannot drift apart: the path resolved (a shipped
mapping can be named from anywhere, :mod:`bulkio.shipped`), UTF-8 with or without a byte order
mark (Windows editors save one), and every problem a :class:`MappingError` naming the file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bulkio.errors import MappingError


def read_mapping_toml(path: str | Path) -> tuple[dict[str, Any], Path]:
    """The parsed TOML of a mapping file and the file it was read from.

    Raises MappingError (exit 2) for a missing or unreadable file, text that is not UTF-8 and
    TOML syntax errors (with the line and column tomllib reports).
    """
    from bulkio.shipped import resolve_mapping_path, shipped_names_hint

    mapping_path = resolve_mapping_path(path)
    try:
        raw = mapping_path.read_bytes()
    except FileNotFoundError:
        raise MappingError(
            path, None, "mapping file not found", hint=shipped_names_hint()
        ) from None
    except IsADirectoryError:
        raise MappingError(path, None, "is a directory, not a mapping file") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise MappingError(path, None, f"cannot read the mapping file: {reason}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MappingError(
            mapping_path,
            None,
            f"a mapping file must be UTF-8 text (byte {exc.start} is not)",
            hint="save it as UTF-8 in your editor",
        ) from None
    try:
        return tomllib.loads(text), mapping_path
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(
            mapping_path, None, f"not valid TOML: {exc}", hint="check quotes and brackets"
        ) from None


def peek_mapping_toml(path: str | Path) -> dict[str, Any] | None:
    """The parsed TOML of a mapping file, or None when it cannot be read or parsed (for
    deciding which loader should report the problem)."""
    try:
        return read_mapping_toml(path)[0]
    except MappingError:
        return None
