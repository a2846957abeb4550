"""Opening source files: plain or gzip-compressed (``feed.csv.gz``, ``feed.xml.gz``).

Suppliers often ship large feeds compressed; reading them as they are saves a step in every
cron job. Compression is recognised by the gzip magic bytes, not only by the name.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import BinaryIO

from bulkio.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path) -> bool:
    """Whether the file starts with the gzip magic bytes."""
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def open_source(path: str | Path) -> BinaryIO:
    """Open a source file for reading bytes, decompressing gzip transparently.

    A missing or unreadable file is an InputError naming it.
    """
    source = Path(path)
    try:
        if is_gzip(source):
            return gzip.open(source, "rb")  # type: ignore[return-value]
        return source.open("rb")
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a directory, not a file") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read the file: {exc.strerror}") from None


def read_source_bytes(path: str | Path) -> bytes:
    """The whole (decompressed) content of a source file."""
    with open_source(path) as handle:
        try:
            return handle.read()
        except (OSError, EOFError) as exc:  # a truncated or corrupt .gz
            raise InputError(str(path), f"cannot decompress the file: {exc}") from None
