"""XML feeds → a polars frame, streamed: memory stays flat whatever the file size.

``lxml.etree.iterparse`` walks the file; when a record element (``[source] record``, e.g.
``/catalog/item``) ends, each field path is evaluated relative to it, then the element is
cleared and its finished siblings are deleted, so only one record is ever held. Values are
collected in batches of :data:`BATCH_ROWS` records into frames of ``List(String)`` columns (a
path can match several elements: repeated ``<category>`` children become a list).

Hardened parser: no DTD loading, no entity resolution, no network, no huge-tree mode. A
DOCTYPE that declares entities (the "billion laughs" and external-entity attacks need one) is
refused outright with an InputError, before any record is read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
from lxml import etree

from bulkio.errors import InputError
from bulkio.mapping.model import SourceOptions
from bulkio.sources.frame import LINE, SOURCE_LINE, SourceFrame

BATCH_ROWS = 10_000
_STEP = re.compile(r"^(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*|\*)$")


class RecordPathError(ValueError):
    """A ``record`` path bulkio cannot follow while streaming."""


def parse_record_path(record: str, namespaces: dict[str, str]) -> tuple[bool, list[str]]:
    """``"/catalog/item"`` → (anywhere=False, ["catalog", "item"]) with tags in Clark notation.

    Supported: absolute paths of element names (``/a/b``), ``//b`` or ``//a/b`` (at any depth),
    ``prefix:name`` for declared namespaces and ``*``. Predicates are not: filter rows with
    ``[[filters]]`` instead.
    """
    text = record.strip()
    if not text.startswith("/"):
        raise RecordPathError(f"{record!r} must start with / (an absolute path like /catalog/item)")
    anywhere = text.startswith("//")
    body = text[2:] if anywhere else text[1:]
    steps: list[str] = []
    for step in body.split("/"):
        match = _STEP.match(step)
        if not match:
            raise RecordPathError(
                f"{record!r}: {step!r} is not an element name; record paths are plain element "
                "names separated by / (use [[filters]] to select records by content)"
            )
        prefix, local = match.groups()
        if prefix:
            if prefix not in namespaces:
                raise RecordPathError(
                    f"{record!r}: namespace prefix {prefix!r} is not declared in "
                    "[source.namespaces]"
                )
            steps.append(f"{{{namespaces[prefix]}}}{local}")
        else:
            steps.append(local)
    return anywhere, steps


def check_field_path(path: str, namespaces: dict[str, str]) -> None:
    """Raise ValueError if ``path`` is not a usable XPath relative to a record element."""
    if path.strip().startswith("/"):
        raise ValueError(
            f"{path!r} is absolute; field paths are relative to the record element "
            '(e.g. "name", "@id", "price[@currency=\'EUR\']")'
        )
    try:
        compiled = etree.XPath(path, namespaces=namespaces)
        compiled(etree.Element("record"))
    except etree.XPathError as exc:
        raise ValueError(f"{path!r} is not a valid XPath: {exc}") from None


def _texts(result: Any) -> list[str]:
    """XPath results as text: elements by their text content, attributes by value."""
    if isinstance(result, list):
        texts: list[str] = []
        for item in result:
            if isinstance(item, etree._Element):
                texts.append("".join(item.itertext()))
            else:
                texts.append(str(item))
        return texts
    if isinstance(result, bool):
        return ["true" if result else "false"]
    if isinstance(result, float):
        return [str(int(result)) if result.is_integer() else repr(result)]
    return [str(result)]


def read_xml(
    path: str | Path,
    options: SourceOptions,
    paths: list[str],
    *,
    max_rows: int | None = None,
) -> SourceFrame:
    """Stream the record elements of an XML file into a frame (see the module docstring)."""
    name = str(path)
    if not Path(path).is_file():
        raise InputError(name, "file not found")
    assert options.record is not None
    anywhere, steps = parse_record_path(options.record, options.namespaces)
    compiled = {
        field_path: etree.XPath(field_path, namespaces=options.namespaces, smart_strings=False)
        for field_path in paths
    }
    batches: list[pl.DataFrame] = []
    lines: list[int] = []
    source_lines: list[int] = []
    values: dict[str, list[list[str]]] = {field_path: [] for field_path in paths}
    stack: list[str] = []
    record_depth: int | None = None
    seen_paths: dict[str, None] = {}
    count = 0

    def flush() -> None:
        if not lines:
            return
        columns = [
            pl.Series(LINE, lines, dtype=pl.Int64),
            pl.Series(SOURCE_LINE, source_lines, dtype=pl.Int64),
        ]
        columns += [
            pl.Series(f"\x00{i}", values[p], dtype=pl.List(pl.String)) for i, p in enumerate(paths)
        ]
        frame = pl.DataFrame(columns)
        frame.columns = [LINE, SOURCE_LINE, *paths]
        batches.append(frame)
        lines.clear()
        source_lines.clear()
        for column in values.values():
            column.clear()

    def matches() -> bool:
        if anywhere:
            tail = stack[-len(steps) :]
            return len(tail) == len(steps) and all(
                step in ("*", tag) for step, tag in zip(steps, tail, strict=True)
            )
        return len(stack) == len(steps) and all(
            step in ("*", tag) for step, tag in zip(steps, stack, strict=True)
        )

    context = etree.iterparse(
        name,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked_doctype = False
    try:
        for event, element in context:
            if event == "start":
                if not checked_doctype:
                    _refuse_entities(element, name)
                    checked_doctype = True
                stack.append(element.tag)
                if len(seen_paths) < 20 and len(stack) <= 3:
                    seen_paths.setdefault("/" + "/".join(_prefixed(t, options) for t in stack))
                if record_depth is None and matches():
                    record_depth = len(stack)
                continue
            if record_depth == len(stack):
                count += 1
                lines.append(count)
                source_lines.append(element.sourceline or 0)
                for field_path, xpath in compiled.items():
                    values[field_path].append(_texts(xpath(element)))
                record_depth = None
                _release(element)
                if len(lines) >= BATCH_ROWS:
                    flush()
                if max_rows is not None and count >= max_rows:
                    break
            elif record_depth is None:
                _release(element)
            stack.pop()
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        message = str(exc.msg) if getattr(exc, "msg", None) else str(exc)
        raise InputError(name, f"not well-formed XML: {message}", line=line) from None
    flush()
    if not batches:
        hint = None
        if seen_paths:
            hint = "paths in the file: " + ", ".join(list(seen_paths)[:8])
        raise InputError(
            name,
            f"no element matches the record path {options.record!r}",
            hint=hint,
        )
    frame = pl.concat(batches) if len(batches) > 1 else batches[0]
    return SourceFrame(frame=frame, path=name, columns=list(paths), format="xml")


def _prefixed(tag: str, options: SourceOptions) -> str:
    """A Clark-notation tag as the mapping would write it (prefix:name if declared)."""
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        for prefix, known in options.namespaces.items():
            if known == uri:
                return f"{prefix}:{local}"
        return f"{{{uri}}}{local}"
    return tag


def _release(element: Any) -> None:
    """Free a finished element and the finished siblings before it (flat memory)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _refuse_entities(root: Any, path: str) -> None:
    """Refuse a document whose DOCTYPE declares entities (entity bombs, external entities)."""
    docinfo = root.getroottree().docinfo
    dtd = docinfo.internalDTD
    if dtd is not None and list(dtd.entities()):
        raise InputError(
            path,
            "the DOCTYPE declares entities; bulkio refuses them (they enable entity-expansion "
            "bombs and reading local files through external entities)",
            line=1,
            hint="ask the supplier for a feed without a DTD, or remove the <!DOCTYPE …> block",
        )
