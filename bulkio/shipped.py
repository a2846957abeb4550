"""The mapping files and sample feeds that ship with bulkio, found from anywhere.

They are package data (``bulkio/_shipped/``, read through :mod:`importlib.resources`), so an
installed wheel has them as much as a clone does. In the repository ``bulkio/_shipped/mappings``
and ``bulkio/_shipped/samples`` are links to the top-level ``mappings/`` and ``samples/``
folders, which stay the files people read and edit.

A shipped mapping is addressable by name wherever a command takes ``-m``:
``export-accounting``, ``export-accounting.toml`` or ``accounting`` (an export mapping's name
without ``export-``), and ``mappings/export-accounting.toml`` as the documentation writes it,
also outside a clone. A file that exists under the given path always wins.
"""

from __future__ import annotations

import atexit
import contextlib
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

MAPPINGS_DIR = "mappings"
SAMPLES_DIR = "samples"
_EXPORT_PREFIX = "export-"
_extracted = contextlib.ExitStack()  # only used when bulkio runs from a zip (never in a wheel)
atexit.register(_extracted.close)


@dataclass(frozen=True)
class ShippedMapping:
    """One mapping file that ships with bulkio."""

    name: str
    """The file name without ``.toml`` (``export-accounting``): what ``-m`` accepts."""
    path: Path
    kind: str
    """``import`` (``[fields]``) or ``export`` (``[[columns]]``)."""
    description: str
    """The file's first comment line."""


def _folder(name: str) -> Traversable:
    return resources.files("bulkio").joinpath("_shipped", name)


def _as_path(entry: Traversable) -> Path:
    if isinstance(entry, Path):
        return entry.resolve()  # in a clone: the top-level folder the link points to
    return _extracted.enter_context(resources.as_file(entry))


def _describe(path: Path) -> tuple[str, str]:
    """(kind, first comment line) of a mapping file, without validating it."""
    text = path.read_text(encoding="utf-8-sig")
    description = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            description = stripped.lstrip("#").strip()
            if description:
                break
        elif stripped:
            break
    is_export = any(line.startswith(("[[columns]]", "[output]")) for line in text.splitlines())
    return ("export" if is_export else "import"), description


def shipped_mappings() -> list[ShippedMapping]:
    """Every shipped mapping, by name."""
    folder = _folder(MAPPINGS_DIR)
    if not folder.is_dir():
        return []
    found = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".toml"):
            continue
        path = _as_path(entry)
        kind, description = _describe(path)
        found.append(ShippedMapping(entry.name.removesuffix(".toml"), path, kind, description))
    return found


def shipped_mapping(name: str) -> Path | None:
    """The shipped mapping called ``name`` (``export-accounting``, ``export-accounting.toml``,
    ``accounting``), or None."""
    stem = name.removesuffix(".toml")
    folder = _folder(MAPPINGS_DIR)
    for candidate in (stem, _EXPORT_PREFIX + stem):
        entry = folder.joinpath(candidate + ".toml")
        if "/" not in candidate and entry.is_file():
            return _as_path(entry)
    return None


def sample_path(name: str) -> Path:
    """A shipped sample feed (``supplier-products.csv``); FileNotFoundError if not shipped."""
    entry = _folder(SAMPLES_DIR).joinpath(name)
    if not entry.is_file():
        raise FileNotFoundError(f"no shipped sample named {name!r}")
    return _as_path(entry)


def resolve_mapping_path(path: str | Path) -> Path:
    """The file ``-m PATH`` means: PATH when it exists, else the shipped mapping it names.

    A bare name (``accounting``) or a path into a folder called ``mappings`` whose file is a
    shipped mapping's (``mappings/export-accounting.toml`` outside a clone) is the shipped
    file; anything else is returned unchanged (and is then "not found" where it is read).
    """
    given = Path(path)
    if given.exists():
        return given
    text = str(path)
    bare = "/" not in text and "\\" not in text
    if bare or given.parent.name == MAPPINGS_DIR:
        found = shipped_mapping(given.name)
        if found is not None:
            return found
    return given


def shipped_names_hint() -> str:
    """A hint naming the shipped mappings, for "mapping file not found" errors."""
    names = [mapping.name for mapping in shipped_mappings()]
    if not names:
        return "check the -m/--mapping path"
    return (
        "check the -m/--mapping path; shipped mappings can be named from anywhere: "
        + ", ".join(names)
        + " (bulkio mapping list)"
    )
