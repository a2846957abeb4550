"""XML feeds → a polars frame, streamed: memory stays flat whatever the file size.

``lxml.etree.iterparse`` walks the file; when a record element (``[source] record``, e.g.
``/catalog/item``) ends, the field paths are read from it — by one walk of its children for
the paths compiled into a :class:`~bulkio.sources.xml_plan.RecordPlan` (attributes, children,
nested children, attribute tests, alternatives), by XPath for the others — then the element
is cleared and its finished siblings are deleted, so only one record is ever held. Values are
collected in batches of :data:`BATCH_ROWS` records into frames of ``List(String)`` columns (a
path can match several elements: repeated ``<category>`` children become a list).

Hardened parser: no DTD loading, no entity resolution, no network, no huge-tree mode. A
DOCTYPE that declares entities (the "billion laughs" and external-entity attacks need one) or
points at an external DTD (``SYSTEM``/``PUBLIC``) is refused outright with an InputError,
before any record is read. With an external DTD (or a parameter entity in the internal one)
libxml2 cannot tell an undefined entity from one declared out of sight and keeps ``&name;`` as
an unresolved reference that would become literal text in a value: any such reference left in
a record is refused too, naming its line.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
from lxml import etree

from bulkio.errors import InputError
from bulkio.mapping.model import SourceOptions
from bulkio.sources.files import open_source
from bulkio.sources.frame import LINE, SOURCE_LINE, RowsRead, SourceFrame
from bulkio.sources.xml_plan import VALUE_SEPARATOR as VALUE_SEPARATOR
from bulkio.sources.xml_plan import RecordPlan, compile_path

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


def _element_text(element: Any) -> str:
    if len(element) == 0:
        return element.text or ""
    return "".join(element.itertext())


def _joined(result: Any) -> str | None:
    """XPath results as one text: elements by text content, attributes by value; None if none."""
    if result.__class__ is list:
        if not result:
            return None
        if len(result) == 1:
            item = result[0]
            if item.__class__ is str:
                return item
            if item.__class__ is _ELEMENT and len(item) == 0:  # the common case, inlined
                return item.text or ""
            return _text_of(item)
        return VALUE_SEPARATOR.join(
            item if item.__class__ is str else _text_of(item) for item in result
        )
    if isinstance(result, bool):
        return "true" if result else "false"
    if isinstance(result, float):
        return str(int(result)) if result.is_integer() else repr(result)
    return str(result)


_ELEMENT = etree._Element

EXSLT_REGEXP = "http://exslt.org/regular-expressions"


def _uses_regexp(path: str, namespaces: dict[str, str]) -> bool:
    """Whether a path may call EXSLT regular expressions (``re:test(...)``).

    lxml registers those functions on every evaluation when asked to, which costs about a
    quarter of a simple path's evaluation; only paths that can use them get them.
    """
    return "re:" in path or EXSLT_REGEXP in namespaces.values()


def _text_of(item: Any) -> str:
    if isinstance(item, etree._Element):
        return _element_text(item)
    return str(item)


def read_xml(
    path: str | Path,
    options: SourceOptions,
    paths: list[str],
    *,
    max_rows: int | None = None,
    progress: RowsRead | None = None,
    walker: bool = True,
) -> SourceFrame:
    """Stream the record elements of an XML file into a frame (see the module docstring).

    ``progress`` is called with the records read so far after each batch of
    :data:`BATCH_ROWS` and at the end.

    Each path becomes a String column: null when it matched nothing, several matches joined
    by :data:`VALUE_SEPARATOR`. ``walker=False`` evaluates every path with XPath (the
    reference the walker is tested against; see :mod:`bulkio.sources.xml_plan`).
    """
    batches = [
        batch.frame
        for batch in iter_xml(
            path, options, paths, max_rows=max_rows, progress=progress, walker=walker
        )
    ]
    frame = pl.concat(batches) if len(batches) > 1 else batches[0]
    return SourceFrame(frame=frame, path=str(path), columns=list(paths), format="xml")


def _compile(
    paths: list[str], namespaces: dict[str, str], walker: bool
) -> tuple[RecordPlan, list[tuple[int, Any]]]:
    """The walker's plan for the paths it can follow, and an XPath for each other path."""
    compiled = [compile_path(field_path, namespaces) if walker else None for field_path in paths]
    xpaths = [
        (
            column,
            etree.XPath(
                field_path,
                namespaces=namespaces,
                smart_strings=False,
                regexp=_uses_regexp(field_path, namespaces),
            ),
        )
        for column, field_path in enumerate(paths)
        if compiled[column] is None
    ]
    return RecordPlan(compiled), xpaths


def iter_xml(
    path: str | Path,
    options: SourceOptions,
    paths: list[str],
    *,
    max_rows: int | None = None,
    progress: RowsRead | None = None,
    walker: bool = True,
) -> Iterator[SourceFrame]:
    """:func:`read_xml` batch by batch: one frame of up to :data:`BATCH_ROWS` records at a time.

    A consumer that turns each batch into something smaller (the records step keeps only
    canonical values) never holds the whole feed's text. At least one batch is yielded, or
    InputError raised; errors in the file surface when the reader reaches them.
    """
    name = str(path)
    open_source(path).close()  # InputError for a missing or unreadable file
    assert options.record is not None
    anywhere, steps = parse_record_path(options.record, options.namespaces)
    _refuse_entity_prolog(Path(path), name)
    plan, xpaths = _compile(paths, options.namespaces, walker)
    source_lines: list[int] = []
    rows: list[list[str | None]] = []
    count = 0
    yielded = False

    def flush() -> SourceFrame:
        # One row list per record, transposed at C speed: no per-value Python work here.
        values = list(zip(*rows, strict=True)) if rows else [() for _ in paths]
        columns = [
            pl.Series(LINE, range(count - len(rows) + 1, count + 1), dtype=pl.Int64),
            pl.Series(SOURCE_LINE, source_lines, dtype=pl.Int64),
        ]
        columns += [
            pl.Series(f"\x00{i}", column, dtype=pl.String) for i, column in enumerate(values)
        ]
        frame = pl.DataFrame(columns)
        frame.columns = [LINE, SOURCE_LINE, *paths]
        if progress is not None:
            progress(count)
        source_lines.clear()
        rows.clear()
        return SourceFrame(frame=frame, path=name, columns=list(paths), format="xml")

    last = steps[-1]
    ancestors = list(reversed(steps[:-1]))
    record_values = plan.values
    # Plain files go to libxml2 by name (its own fast reader); gzip through Python's gzip.
    stream = open_source(path)
    context = etree.iterparse(
        stream if isinstance(stream, gzip.GzipFile) else name,
        events=("end",),
        tag=None if last == "*" else last,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked_doctype = False
    has_doctype = False
    known_parent: Any = _NO_PARENT
    try:
        for _event, element in context:
            if not checked_doctype:
                _refuse_entities(element, name)
                # Without a DOCTYPE libxml2 itself rejects undefined entities (syntax error);
                # only then can a record hold an unresolved reference worth looking for.
                has_doctype = bool(element.getroottree().docinfo.doctype)
                checked_doctype = True
            parent = element.getparent()
            first_under_parent = parent is not known_parent
            if first_under_parent:
                # Records share a parent: its ancestors are checked, and their finished
                # siblings released, once per parent rather than once per record.
                if not _has_ancestors(element, ancestors, anywhere):
                    continue
                known_parent = parent
            if not count:
                _check_prefixes(element, options, name)
            if has_doctype:
                _refuse_unresolved_entity(element, name)
            count += 1
            source_lines.append(element.sourceline or 0)
            row = record_values(element)
            for column, xpath in xpaths:
                row[column] = _joined(xpath(element))
            rows.append(row)
            if first_under_parent:
                _release(element)
            else:  # _release without the ancestors (see known_parent), inlined: every record
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del parent[0]
            if len(rows) >= BATCH_ROWS:
                yielded = True
                yield flush()
            if max_rows is not None and count >= max_rows:
                break
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        message = str(exc.msg) if getattr(exc, "msg", None) else str(exc)
        raise InputError(name, f"not well-formed XML: {message}", line=line) from None
    except (OSError, EOFError) as exc:  # a truncated or corrupt .gz
        raise InputError(name, f"cannot decompress the file: {exc}") from None
    finally:
        stream.close()
    if rows:
        yielded = True
        yield flush()
    if not yielded:
        raise InputError(
            name,
            f"no element matches the record path {options.record!r}",
            hint=_record_hint(name, options),
        )


def _check_prefixes(record: Any, options: SourceOptions, path: str) -> None:
    """Refuse a mapping whose namespace prefix the file binds to another URI.

    ``[source.namespaces] g = "http://base.google.com/ns/1.0"`` against a feed that declares
    ``xmlns:g="http://base.google.com/ns/2.0"`` (a typo, ``https``, a trailing ``/``) would read
    every ``g:`` path as empty: every row a missing SKU or a field quietly left alone. Checked on
    the first record, with the namespaces in scope there; a URI the file uses under any prefix
    is fine.
    """
    in_scope = {prefix: uri for prefix, uri in record.nsmap.items() if prefix}
    used = set(record.nsmap.values())
    for prefix, uri in options.namespaces.items():
        found = in_scope.get(prefix)
        if found is None or found == uri or uri in used:
            continue
        raise InputError(
            path,
            f"the mapping's namespace prefix {prefix!r} is {uri!r}, but the file binds "
            f"{prefix!r} to {found!r}: no {prefix}: path of the mapping would match anything",
            line=record.sourceline,
            hint=f'if the file is right, set [source.namespaces] {prefix} = "{found}"',
        )


def record_source_lines(
    path: str | Path, options: SourceOptions, records: Iterable[int]
) -> dict[int, int]:
    """The file lines where these records (1-based record numbers) start, read again from
    the file (for a saved plan, whose records are gone). Reads no values, stops after the
    last record wanted; records the file no longer has are left out."""
    wanted = {int(record) for record in records}
    found: dict[int, int] = {}
    if not wanted:
        return found
    last = max(wanted)
    for piece in iter_xml(path, options, [], max_rows=last):
        frame = piece.frame.filter(pl.col(LINE).is_in(sorted(wanted)))
        found.update((int(a), int(b)) for a, b in frame.select(LINE, SOURCE_LINE).iter_rows() if b)
    return found


def _has_ancestors(element: Any, ancestors: list[str], anywhere: bool) -> bool:
    """Whether the element's parents match the record path's leading steps (innermost first)."""
    parent = element.getparent()
    for step in ancestors:
        if parent is None or (step != "*" and parent.tag != step):
            return False
        parent = parent.getparent()
    return anywhere or parent is None


def _element_paths(path: str, options: SourceOptions, limit: int = 8) -> list[str]:
    """The first few distinct element paths (depth ≤ 3), for the "no record matched" hint."""
    seen: dict[str, None] = {}
    stack: list[str] = []
    stream = open_source(path)
    context = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for event, element in context:
            if event == "start":
                stack.append(_prefixed(element.tag, options))
                if len(stack) <= 3:
                    seen.setdefault("/" + "/".join(stack))
                    if len(seen) >= limit:
                        break
            else:
                stack.pop()
                element.clear()
    except (etree.XMLSyntaxError, OSError, EOFError):
        pass
    finally:
        stream.close()
    return list(seen)


WELL_KNOWN_PREFIXES = {
    "http://www.w3.org/2005/Atom": "atom",
    "http://purl.org/rss/1.0/": "rss",
    "http://base.google.com/ns/1.0": "g",
}
"""Prefixes suggested for namespaces feeds commonly use as their default (``xmlns="…"``)."""
_UNDECLARED = re.compile(r"^/\{([^}]*)\}")


def _record_hint(path: str, options: SourceOptions) -> str | None:
    """The hint for "no element matches the record path": the element paths the file has.

    Atom feeds (``<feed xmlns="http://www.w3.org/2005/Atom">``) put every unprefixed element
    in a default namespace; in XPath a name without a prefix means "no namespace", so
    ``/feed/entry`` matches nothing. When the root is in a namespace the mapping has no prefix
    for, the paths are shown with a suggested prefix, and the hint says what to declare and the
    record path rewritten with it.
    """
    seen = _element_paths(path, options)
    match = _UNDECLARED.match(seen[0]) if seen else None
    if match is None:
        return ("paths in the file: " + ", ".join(seen)) if seen else None
    uri = match.group(1)
    prefix = WELL_KNOWN_PREFIXES.get(uri, "ns")
    while prefix in options.namespaces:
        prefix += "x"
    seen = _element_paths(path, replace(options, namespaces={**options.namespaces, prefix: uri}))
    record = options.record or ""
    steps = [step for step in record.strip("/").split("/") if step]
    if steps and not any(":" in step for step in steps):
        rewritten = ("//" if record.startswith("//") else "/") + "/".join(
            step if step == "*" else f"{prefix}:{step}" for step in steps
        )
    else:
        rewritten = f"/{prefix}:…"
    return (
        f'the file\'s elements are in the namespace {uri} (its default namespace, xmlns="…"), '
        "and a name without a prefix means no namespace, as in XPath: declare a prefix, "
        f'[source.namespaces] {prefix} = "{uri}", then write record = "{rewritten}" and field '
        f'paths like "{prefix}:title". Paths in the file, with that prefix: ' + ", ".join(seen)
    )


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
    """Free a finished record and everything finished before it (flat memory).

    Deleting the earlier siblings of the record *and of each of its ancestors* also frees
    finished groups (``/catalog/group/item``) and non-record elements between records.
    The second and later records under one parent need only their own earlier siblings
    deleted (:func:`iter_xml` does that inline): the ancestors have no earlier siblings left,
    anything parsed since comes later in the document.
    """
    element.clear(keep_tail=False)
    node = element
    parent = node.getparent()
    while parent is not None:
        while node.getprevious() is not None:
            del parent[0]
        node, parent = parent, parent.getparent()


_NO_PARENT = object()
"""Stands for "no record read yet" where a parent is compared (None is a root's parent)."""


_PROLOG_BYTES = 1 << 20


def _refuse_entity_prolog(path: Path, name: str) -> None:
    """Refuse entity declarations in the prolog before the parser sees them.

    The prolog is everything before the first start tag; ``<!ENTITY`` can only be declared
    there. (A second check runs on the parsed DOCTYPE at the first record.)
    """
    with open_source(path) as handle:
        try:
            head = handle.read(_PROLOG_BYTES)
        except (OSError, EOFError) as exc:
            raise InputError(name, f"cannot decompress the file: {exc}") from None
    first_tag = re.search(rb"<[A-Za-z_:]", head)
    prolog = head if first_tag is None else head[: first_tag.start()]
    if b"<!ENTITY" in prolog:
        line = prolog[: prolog.index(b"<!ENTITY")].count(b"\n") + 1
        raise InputError(name, _ENTITY_MESSAGE, line=line, hint=_ENTITY_HINT)
    external = _EXTERNAL_DOCTYPE.search(prolog) or _PARAMETER_ENTITY_REF.search(prolog)
    if external is not None:
        line = prolog[: external.start()].count(b"\n") + 1
        raise InputError(name, _EXTERNAL_MESSAGE, line=line, hint=_ENTITY_HINT)


_EXTERNAL_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[^\s\[>]+\s+(?:SYSTEM|PUBLIC)\b")
_PARAMETER_ENTITY_REF = re.compile(rb"<!DOCTYPE[^\[>]*\[[^\]]*%[A-Za-z_:][\w.:-]*;")
"""``%name;`` in the internal subset: a declaration bulkio cannot see (undefined entities are
then silently dropped from attribute values by libxml2)."""
_EXTERNAL_MESSAGE = (
    "the DOCTYPE points at an external DTD (SYSTEM/PUBLIC, or a %parameter; entity); bulkio "
    "never fetches or reads it, and entities it may define would end up as literal text or "
    "vanish from values, so the feed is refused"
)


_ENTITY_MESSAGE = (
    "the DOCTYPE declares entities; bulkio refuses them (they enable entity-expansion "
    "bombs and reading local files through external entities)"
)
_ENTITY_HINT = "ask the supplier for a feed without a DTD, or remove the <!DOCTYPE …> block"


def _refuse_entities(root: Any, path: str) -> None:
    """Refuse a document whose DOCTYPE declares entities (entity bombs, external entities)."""
    docinfo = root.getroottree().docinfo
    dtd = docinfo.internalDTD
    if dtd is not None and list(dtd.entities()):
        raise InputError(path, _ENTITY_MESSAGE, line=1, hint=_ENTITY_HINT)
    if docinfo.system_url or docinfo.public_id:  # a prolog the byte check could not read
        raise InputError(path, _EXTERNAL_MESSAGE, line=1, hint=_ENTITY_HINT)


def _refuse_unresolved_entity(record: Any, path: str) -> None:
    """Refuse a record holding an entity reference the parser left unresolved (``&name;``)."""
    for entity in record.iter(etree.Entity):
        raise InputError(
            path,
            f"undefined entity &{entity.name}; (bulkio resolves only XML's own entities "
            "&amp; &lt; &gt; &quot; &apos; and character references like &#233;)",
            line=entity.sourceline or record.sourceline,
            hint="write the character itself (UTF-8) or a character reference instead",
        )
