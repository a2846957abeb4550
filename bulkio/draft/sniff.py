"""Look at a feed file and say how to read it: CSV dialect and number style, or XML structure.

Everything here reads a *sample* (the first :data:`SAMPLE_ROWS` rows or records) and returns
plain data with the reason for each decision, so the drafted mapping can say why it chose what
it chose. Nothing here knows about store fields; :mod:`bulkio.draft.guess` does that.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from bulkio.errors import InputError
from bulkio.sources.files import open_source, read_source_bytes

SAMPLE_ROWS = 200
"""Rows (CSV) or records (XML) looked at: enough to see every style a file uses."""
SAMPLE_BYTES = 8 * 1024 * 1024
"""At most this much of a CSV file is decoded for sniffing."""
DELIMITERS = (",", ";", "\t", "|")
_EXCEL_SEP = re.compile(r"sep=(.)\r?\n")


@dataclass
class Column:
    """One CSV column or XML field path with the sample values seen in it."""

    name: str
    values: list[str] = field(default_factory=list)
    """Non-empty cell texts of the sample (XML: several matches of a path joined by ``\\x1f``)."""
    rows: int = 0
    """Rows (records) of the sample: ``len(values)`` of them had something in this column."""
    repeats: bool = False
    """XML: the path matched several elements in one record (a list)."""
    attributes: dict[str, Counter[str]] = field(default_factory=dict)
    """XML elements: the values of their own attributes (``currency`` → {"EUR": 10})."""

    @property
    def filled(self) -> int:
        return len(self.values)


@dataclass
class NumberStyle:
    decimal: str = "."
    thousands: str = ""
    why: str = "no numbers with a decimal or thousands separator in the sample"


@dataclass
class CsvSniff:
    path: str
    encoding: str
    encoding_why: str
    delimiter: str
    delimiter_why: str
    quote: str
    quoted: bool
    excel_sep_line: bool
    header: list[str]
    columns: list[Column]
    rows: int
    numbers: NumberStyle
    header_case: str
    header_case_why: str


@dataclass
class XmlSniff:
    path: str
    record: str
    record_why: str
    namespaces: dict[str, str]
    records: int
    columns: list[Column]
    root: str


# -- CSV -------------------------------------------------------------------------------------


def sniff_encoding(data: bytes) -> tuple[str, str]:
    """(encoding for ``[source] encoding``, why)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", "the file starts with a UTF-8 byte order mark"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "the file starts with a UTF-16 byte order mark (Excel's Unicode text)"
    head = data[:4096]
    if head and head.count(0) * 4 >= len(head):
        # ASCII text in UTF-16 without a BOM: every other byte is NUL.
        even_nuls = head[0::2].count(0)
        odd_nuls = head[1::2].count(0)
        if odd_nuls > even_nuls:
            return "utf-16-le", "every other byte is NUL (UTF-16 little-endian, no byte order mark)"
        return "utf-16-be", "every other byte is NUL (UTF-16 big-endian, no byte order mark)"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not _truncated_utf8(data, exc):
            undefined = set(data) & {0x81, 0x8D, 0x8F, 0x90, 0x9D}
            if undefined:
                return "latin-1", (
                    "not UTF-8, and holds bytes cp1252 does not define "
                    f"({', '.join(f'{b:02x}' for b in sorted(undefined))})"
                )
            return "cp1252", (
                f"not valid UTF-8 (byte {data[exc.start]:02x} at offset {exc.start}); "
                "Windows' Western European encoding"
            )
    if re.search(rb"[\x80-\xff]", data):
        return "utf-8", "valid UTF-8 with non-ASCII characters"
    return "utf-8", "plain ASCII (UTF-8 reads it)"


def _truncated_utf8(data: bytes, exc: UnicodeDecodeError) -> bool:
    """A sample cut in the middle of a multi-byte character is still UTF-8."""
    return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"


def decode_sample(data: bytes, encoding: str) -> str:
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    return data.decode(codec, errors="replace")


def sniff_delimiter(text: str) -> tuple[str, str]:
    """The delimiter that splits the first lines into the same number (> 1) of fields."""
    lines = text.splitlines()[:50]
    best: tuple[int, int, str] | None = None
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        except csv.Error:
            continue
        rows = [row for row in rows if any(cell.strip() for cell in row)][:-1] or rows[:1]
        if not rows:
            continue
        counts = Counter(len(_trim_trailing(row)) for row in rows)
        width, agree = counts.most_common(1)[0]
        if width < 2:
            continue
        score = (agree, width)
        if best is None or score > best[:2]:
            best = (agree, width, delimiter)
    if best is None:
        return ",", "no delimiter splits the lines into columns; a single column"
    agree, width, delimiter = best
    return delimiter, f"splits {agree} of the first lines into {width} columns"


def _trim_trailing(row: list[str]) -> list[str]:
    while row and not row[-1].strip():
        row = row[:-1]
    return row


def sniff_csv(path: str | Path, *, rows: int = SAMPLE_ROWS) -> CsvSniff:
    name = str(path)
    data = read_source_bytes(path)[:SAMPLE_BYTES]
    if not data.strip():
        raise InputError(name, "the file is empty: nothing to draft a mapping from", line=1)
    encoding, encoding_why = sniff_encoding(data)
    text = decode_sample(data, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    excel = _EXCEL_SEP.match(text)
    if excel:
        delimiter = excel.group(1)
        delimiter_why = f"the file's first line says sep={delimiter} (Excel)"
        body = text[excel.end() :]
    else:
        body = text
        delimiter, delimiter_why = sniff_delimiter(body)
    quote = '"'
    reader = csv.reader(io.StringIO(body), delimiter=delimiter, quotechar=quote)
    header: list[str] | None = None
    table: list[list[str]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip() for cell in _trim_trailing(row)]
                continue
            table.append(row)
            if len(table) >= rows:
                break
    except csv.Error as exc:
        if not table:
            raise InputError(name, f"cannot read the file as CSV: {exc}") from None
    if header is None:
        raise InputError(name, "no header row found", line=1)
    columns = [Column(name) for name in header]
    for row in table:
        for index, column in enumerate(columns):
            column.rows += 1
            if index < len(row) and row[index].strip():
                column.values.append(row[index].strip())
    quoted = bool(re.search(rf'(^|{re.escape(delimiter)})"', body[:65536], re.MULTILINE))
    lowered = [h.lower() for h in header]
    if len(set(lowered)) == len(lowered):
        header_case, header_case_why = (
            "insensitive",
            "the mapping keeps working when the exporting program changes the case of a header",
        )
    else:
        header_case, header_case_why = "exact", "two headers differ only by case"
    return CsvSniff(
        path=name,
        encoding=encoding,
        encoding_why=encoding_why,
        delimiter=delimiter,
        delimiter_why=delimiter_why,
        quote=quote,
        quoted=quoted,
        excel_sep_line=bool(excel),
        header=header,
        columns=columns,
        rows=len(table),
        numbers=sniff_numbers(columns, delimiter),
        header_case=header_case,
        header_case_why=header_case_why,
    )


# -- numbers and dates -------------------------------------------------------------------------

_COMMA_DECIMAL = re.compile(r"^[-+]?\d+,\d+$")
_DOT_GROUPS_COMMA = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+,\d+$")
_COMMA_GROUPS_DOT = re.compile(r"^[-+]?\d{1,3}(,\d{3})+\.\d+$")
_SPACE_GROUPS = re.compile(r"^[-+]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$")
_APOS_GROUPS = re.compile(r"^[-+]?\d{1,3}('\d{3})+(\.\d+)?$")
_DOT_DECIMAL = re.compile(r"^[-+]?\d+\.\d+$")
_DOT_GROUPS = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+$")
_COMMA_GROUPS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+$")
_CURRENCY = re.compile(r"^\s*(?:[A-Z]{3}|[€$£])?\s*(.*?)\s*(?:[A-Z]{3}|[€$£])?\s*$")


def number_text(value: str) -> str:
    """A cell without a currency code or symbol around it (``"19,99 EUR"`` → ``"19,99"``)."""
    match = _CURRENCY.match(value)
    return match.group(1) if match else value


def sniff_numbers(columns: list[Column], delimiter: str) -> NumberStyle:
    """Decimal and thousands separators from the numbers in the sample.

    Unambiguous forms decide (``1.299,00``, ``12,50``, ``1,299.00``, ``12.50``); ``1.234``
    alone could be either, so it only counts as a thousands dot once the decimal is known
    to be a comma (a semicolon-separated file is the European style unless its numbers say
    otherwise).
    """
    votes: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for column in columns:
        for value in column.values[:SAMPLE_ROWS]:
            text = number_text(value)
            if _DOT_GROUPS_COMMA.match(text):
                votes[","] += 2
                groups["."] += 1
                examples.setdefault(",", value)
                examples.setdefault("thousands .", value)
            elif _COMMA_GROUPS_DOT.match(text):
                votes["."] += 2
                groups[","] += 1
                examples.setdefault(".", value)
                examples.setdefault("thousands ,", value)
            elif _SPACE_GROUPS.match(text):
                groups[" "] += 1
                examples.setdefault("thousands  ", value)
                if "," in text:
                    votes[","] += 1
                    examples.setdefault(",", value)
                elif "." in text:
                    votes["."] += 1
                    examples.setdefault(".", value)
            elif _APOS_GROUPS.match(text):
                groups["'"] += 1
                examples.setdefault("thousands '", value)
                if "." in text:
                    votes["."] += 1
                    examples.setdefault(".", value)
            elif _COMMA_DECIMAL.match(text) and not _COMMA_GROUPS.match(text):
                votes[","] += 1
                examples.setdefault(",", value)
            elif _DOT_DECIMAL.match(text) and not _DOT_GROUPS.match(text):
                votes["."] += 1
                examples.setdefault(".", value)
            elif _DOT_GROUPS.match(text):
                groups["ambiguous ."] += 1
                examples.setdefault("ambiguous .", value)
            elif _COMMA_GROUPS.match(text):
                groups["ambiguous ,"] += 1
                examples.setdefault("ambiguous ,", value)
    if votes[","] > votes["."]:
        decimal = ","
        why = f"numbers like {examples[',']!r} use a decimal comma"
    elif votes["."] > 0:
        decimal = "."
        why = f"numbers like {examples['.']!r} use a decimal point"
    elif delimiter == ";" and (groups["ambiguous ."] or groups["ambiguous ,"]):
        decimal = ","
        why = "semicolon-separated, the European style (no number in the sample decides)"
    else:
        return NumberStyle()
    thousands = ""
    if decimal == "," and (groups["."] or groups["ambiguous ."]):
        thousands = "."
    elif decimal == "." and (groups[","] or groups["ambiguous ,"]):
        thousands = ","
    elif groups[" "]:
        thousands = " "
    elif groups["'"]:
        thousands = "'"
    if thousands:
        key = next(k for k in (f"thousands {thousands}", f"ambiguous {thousands}") if k in examples)
        why += f"; {examples[key]!r} groups thousands with {thousands!r}"
    return NumberStyle(decimal, thousands, why)


DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
)


def sniff_date_format(values: list[str]) -> str | None:
    """The one strftime format every sample value fits (day-first wins a tie, as in Europe)."""
    sample = [v.strip() for v in values[:SAMPLE_ROWS] if v.strip()]
    if not sample or not all(re.match(r"^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}", v) for v in sample):
        return None
    for form in DATE_FORMATS:
        try:
            for value in sample:
                datetime.strptime(value, form)
        except ValueError:
            continue
        return form
    return None


# -- XML --------------------------------------------------------------------------------------

KNOWN_PREFIXES = {
    "http://base.google.com/ns/1.0": "g",
    "http://www.w3.org/2005/Atom": "atom",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/rss/1.0/": "rss",
    "http://search.yahoo.com/mrss/": "media",
    "http://purl.org/rss/1.0/modules/content/": "content",
}


def _safe_parser_events(path: str | Path, limit: int) -> Any:
    handle = open_source(path)
    return handle, etree.iterparse(
        handle,
        events=("start", "end", "start-ns"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def sniff_xml(path: str | Path, *, records: int = SAMPLE_ROWS) -> XmlSniff:
    name = str(path)
    head = read_source_bytes(path)[:65536]
    if b"<!ENTITY" in head or re.search(rb"<!DOCTYPE\s+\S+\s+(SYSTEM|PUBLIC)", head):
        raise InputError(
            name,
            "the DOCTYPE declares entities or points at an external DTD; bulkio refuses such feeds",
            hint="remove the <!DOCTYPE …> block (the feed does not need it)",
        )
    namespaces: dict[str, str] = {}  # uri → prefix
    counts: Counter[tuple[str, ...]] = Counter()
    has_children: set[tuple[str, ...]] = set()
    stack: list[str] = []
    handle, events = _safe_parser_events(path, records)
    elements_seen = 0
    root_tag = ""
    try:
        for event, item in events:
            if event == "start-ns":
                prefix, uri = item
                namespaces.setdefault(uri, prefix or "")
                continue
            if event == "start":
                if stack:
                    has_children.add(tuple(stack))
                else:
                    root_tag = item.tag
                stack.append(item.tag)
                counts[tuple(stack)] += 1
                elements_seen += 1
            else:
                stack.pop()
                if elements_seen > 50_000:
                    break
    except etree.XMLSyntaxError as exc:
        if elements_seen == 0:
            raise InputError(name, f"not well-formed XML: {exc}") from None
    finally:
        handle.close()
    prefixes = _assign_prefixes(namespaces)
    record_path, why = _pick_record(counts, has_children)
    record = "/" + "/".join(_prefixed(tag, prefixes) for tag in record_path)
    columns, count = _record_columns(path, record_path, prefixes, records)
    return XmlSniff(
        path=name,
        record=record,
        record_why=why,
        namespaces={prefix: uri for uri, prefix in prefixes.items()},
        records=count,
        columns=columns,
        root=_prefixed(root_tag, prefixes),
    )


def _assign_prefixes(namespaces: dict[str, str]) -> dict[str, str]:
    """uri → prefix for every namespace; a default namespace gets a prefix of its own
    (``[source] record`` and field paths need one, as in XPath)."""
    taken = {prefix for prefix in namespaces.values() if prefix}
    result: dict[str, str] = {}
    for uri, prefix in namespaces.items():
        if uri == "http://www.w3.org/XML/1998/namespace":
            continue
        if not prefix:
            prefix = KNOWN_PREFIXES.get(uri, "ns")
            base, n = prefix, 1
            while prefix in taken:
                prefix = f"{base}{n}"
                n += 1
            taken.add(prefix)
        result[uri] = prefix
    return result


def _prefixed(tag: str, prefixes: dict[str, str]) -> str:
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        return f"{prefixes[uri]}:{local}"
    return tag


def _pick_record(
    counts: Counter[tuple[str, ...]], has_children: set[tuple[str, ...]]
) -> tuple[tuple[str, ...], str]:
    """The shallowest repeated element that has child elements (or attributes only): items."""
    repeated = [p for p, n in counts.items() if n >= 2 and p in has_children]
    if not repeated:
        repeated = [p for p, n in counts.items() if n >= 2]
    if repeated:
        best = min(repeated, key=lambda p: (len(p), -counts[p]))
        return best, f"the shallowest element that repeats ({counts[best]} times in the sample)"
    parents = [p for p in counts if p in has_children and len(p) > 1]
    if parents:
        best = min(parents, key=len)
        return best, "the only element with children below the root (one record)"
    root = min(counts, key=len)
    return root, "the file has a single element"


def _record_columns(
    path: str | Path, record: tuple[str, ...], prefixes: dict[str, str], limit: int
) -> tuple[list[Column], int]:
    columns: dict[str, Column] = {}
    handle = open_source(path)
    count = 0
    try:
        stack: list[str] = []
        for event, element in etree.iterparse(
            handle,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            remove_comments=True,
            remove_pis=True,
        ):
            if event == "start":
                stack.append(element.tag)
                continue
            here = tuple(stack)
            stack.pop()
            if here != record:
                continue
            count += 1
            seen: dict[str, list[str]] = {}
            _collect(element, "", prefixes, seen, columns, depth=0)
            for name, values in seen.items():
                column = columns[name]
                column.values.append("\x1f".join(values))
                column.repeats = column.repeats or len(values) > 1
            element.clear()
            if count >= limit:
                break
    except etree.XMLSyntaxError:
        if count == 0:
            raise
    finally:
        handle.close()
    for column in columns.values():
        column.rows = count
        column.values = [v for v in column.values if v.replace("\x1f", "").strip()]
    return list(columns.values()), count


def _collect(
    element: Any,
    base: str,
    prefixes: dict[str, str],
    seen: dict[str, list[str]],
    columns: dict[str, Column],
    depth: int,
) -> None:
    for attribute, value in element.attrib.items():
        name = f"{base}@{_prefixed(attribute, prefixes)}"
        _add(columns, seen, name, value)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = base + _prefixed(child.tag, prefixes)
        if len(child) == 0 or depth >= 3:
            text = "".join(child.itertext()).strip()
            column = _add(columns, seen, name, text)
            for attribute, value in child.attrib.items():
                column.attributes.setdefault(_prefixed(attribute, prefixes), Counter())[value] += 1
                _add(columns, seen, f"{name}/@{_prefixed(attribute, prefixes)}", value)
        else:
            _collect(child, name + "/", prefixes, seen, columns, depth + 1)


def _add(columns: dict[str, Column], seen: dict[str, list[str]], name: str, value: str) -> Column:
    column = columns.setdefault(name, Column(name))
    seen.setdefault(name, []).append(value.strip())
    return column


def is_xml(path: str | Path) -> bool:
    """Whether the (possibly gzip-compressed) file looks like XML rather than CSV."""
    with open_source(path) as handle:
        head = handle.read(2048)
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head.startswith(bom):
            if bom == codecs.BOM_UTF8:
                head = head[len(bom) :]
            else:
                head = head.decode("utf-16", errors="ignore").encode("utf-8")
            break
    return head.lstrip().startswith(b"<")
