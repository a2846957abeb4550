"""CSV files → a polars frame of text with the physical file line of every record.

Why the stdlib's C ``csv`` parser splits the records and polars holds the columns: polars' CSV
reader is faster, but it cannot say on which *file line* a record starts once a quoted field
spans lines, it fills short rows with nulls silently and drops no hint of where a bad quote is.
The ``csv`` module gives all three in one pass (about 0.2 s per 100,000 rows here), and the
columns it yields go straight into a polars frame where all further work is columnar.

Everything is read as text (an EAN "00123" stays "00123"); casting is the mapping's job.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from bulkio.errors import InputError
from bulkio.mapping.model import SourceOptions
from bulkio.sources.files import read_source_bytes
from bulkio.sources.frame import LINE, RowsRead, SourceFrame

CHUNK_ROWS = 50_000
PROGRESS_ROWS = 10_000
"""Rows between two calls of a progress hook (a bar that moves about ten times a second)."""
_EXCEL_SEP = re.compile(r"sep=(.)(?:\r\n|\n|\r)")
FIELD_SIZE_LIMIT = 16 * 1024 * 1024
"""Largest single cell accepted (16 MiB of text); the csv module's own default is 128 KiB,
which a long HTML description can exceed."""


def decode_bytes(data: bytes, encoding: str, path: str) -> str:
    """Decode a whole file; an undecodable byte is an InputError naming its line.

    A UTF-8 byte order mark is honoured whatever the mapping says (a file that starts with one
    is UTF-8), and removed. ``encoding = "auto"``: a BOM decides (UTF-8 / UTF-16), else UTF-8
    if the whole file is valid UTF-8, else cp1252 (Windows' Western European encoding, which
    is what a non-UTF-8 European supplier file almost always is).
    """
    if encoding == "auto":
        return _decode_auto(data, path)
    codec = codecs.lookup(encoding).name
    if data.startswith(codecs.BOM_UTF8) or codec == "utf-8":
        codec = "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and "16" not in codec:
        # Excel's "Unicode text": read as cp1252 it was "contains a NUL byte" on line 1.
        raise InputError(
            path,
            f"the file is UTF-16 (it starts with a UTF-16 byte order mark), but [source] "
            f"encoding is {encoding!r}",
            line=1,
            hint='set [source] encoding = "utf-16" (or "auto") in the mapping',
        )
    if codec in _WESTERN_SINGLE_BYTE:
        _refuse_utf8_read_as_single_byte(data, encoding, path)
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.end].hex(" ")
        hint = (
            'the file is probably not UTF-8; try [source] encoding = "cp1252" (Windows) '
            'or "latin-1"'
            if codec.startswith("utf")
            else f"check [source] encoding (now {encoding!r})"
        )
        raise InputError(
            path, f"byte(s) {bad} cannot be decoded as {encoding}", line=line, hint=hint
        ) from None


_WESTERN_SINGLE_BYTE = frozenset({"cp1252", "iso8859-1", "iso8859-15", "latin-1"})
"""Codecs that decode *any* byte, so a UTF-8 file read with them never fails — it just turns
every "ü" into "Ã¼" and the import would write that mojibake into the shop."""
_NON_ASCII = re.compile(rb"[\x80-\xff]+")


def _refuse_utf8_read_as_single_byte(data: bytes, encoding: str, path: str) -> None:
    """A file with non-ASCII text that is valid UTF-8 is UTF-8: refuse to read it as cp1252.

    Real cp1252/latin-1 text is practically never valid UTF-8 (its accented letters are lone
    high bytes), so this catches the supplier who switched their export to UTF-8 without a
    BOM, before a single product name is corrupted.
    """
    first = _NON_ASCII.search(data)
    if first is None:
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return
    line = data.count(b"\n", 0, first.start()) + 1
    start = data.rfind(b"\n", 0, first.start()) + 1
    word = data[max(start, first.start() - 12) : first.end() + 12]
    raise InputError(
        path,
        f"the file is UTF-8 (e.g. {word.decode('utf-8', 'replace')!r}), but [source] "
        f"encoding is {encoding!r}, which would read it as "
        f"{word.decode('cp1252', 'replace')!r}",
        line=line,
        hint='set [source] encoding = "utf-8" (or "auto") in the mapping',
    )


_BINARY_FORMATS = (
    (b"PK\x03\x04", "an Excel workbook (XLSX) or another ZIP archive", "save it as CSV in Excel "),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (XLS)", "save it as CSV in Excel "),
    (b"PAR1", "a Parquet file", "export it as CSV "),
)
"""Files users hand to a CSV import by mistake; decoding them gave "byte 9d cannot be decoded
as cp1252 — check [source] encoding", which sends them hunting for the wrong problem."""


def _refuse_binary_formats(data: bytes, path: str) -> None:
    for magic, what, fix in _BINARY_FORMATS:
        if data.startswith(magic):
            raise InputError(
                path,
                f"this is {what}, not a CSV text file",
                line=1,
                hint=f"{fix}(UTF-8, with the delimiter your mapping's [source] names) and "
                "import that file",
            )


def _decode_auto(data: bytes, path: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_bytes(data, "utf-16", path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            path,
            f"the encoding could not be recognised (neither UTF-8 nor cp1252: byte(s) "
            f"{data[exc.start : exc.end].hex(' ')})",
            line=line,
            hint='set [source] encoding explicitly, e.g. "latin-1" or "cp1250"',
        ) from None


def read_csv(
    path: str | Path,
    options: SourceOptions,
    *,
    max_rows: int | None = None,
    progress: RowsRead | None = None,
) -> SourceFrame:
    """Read a CSV file into text columns named by its header, plus ``_line``.

    Raises InputError (naming the file and line) for an empty file, a file with a header but
    no rows, duplicate or empty header names, ragged rows, NUL bytes and unterminated quotes.
    ``max_rows`` stops after that many data rows (for previews). ``progress`` is called with
    the rows read so far every :data:`PROGRESS_ROWS` rows and once at the end.
    """
    chunks = list(iter_csv(path, options, max_rows=max_rows, progress=progress))
    frame = pl.concat([chunk.frame for chunk in chunks]) if len(chunks) > 1 else chunks[0].frame
    return SourceFrame(frame=frame, path=str(path), columns=chunks[0].columns, format="csv")


def iter_csv(
    path: str | Path,
    options: SourceOptions,
    *,
    max_rows: int | None = None,
    progress: RowsRead | None = None,
) -> Iterator[SourceFrame]:
    """:func:`read_csv` chunk by chunk: frames of up to :data:`CHUNK_ROWS` rows, in file order.

    The same checks and errors as :func:`read_csv`; a problem in the file surfaces when the
    reader reaches it, after the chunks before it were yielded (a consumer that must not act
    on a partly read file keeps what it builds until the iterator is exhausted).
    """
    name = str(path)
    data = read_source_bytes(path)
    _refuse_binary_formats(data, name)
    text = decode_bytes(data, options.encoding, name)
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(
            name,
            "contains a NUL byte: this is not a text CSV file (or its encoding is wrong, "
            "e.g. UTF-16)",
            line=text.count("\n", 0, nul) + 1,
        )
    if not text.strip():
        raise InputError(name, "the file is empty: expected a header row", line=1)

    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    skipped_lines = 0
    excel_hint = _EXCEL_SEP.match(text)
    if excel_hint:
        # Excel's "sep=;" first line says which delimiter the file uses; it is not the header.
        if excel_hint.group(1) != options.delimiter:
            raise InputError(
                name,
                f"the file declares sep={excel_hint.group(1)} but the mapping says delimiter = "
                f"{options.delimiter!r}",
                line=1,
                hint=f'set [source] delimiter = "{excel_hint.group(1)}"',
            )
        text = text[excel_hint.end() :]
        skipped_lines = 1
    # The chunks yielded below are transformed while this generator waits: the raw bytes go
    # now, and the lines are cut from the decoded text as the reader asks for them (an
    # io.StringIO would hold a second, 4-bytes-per-character copy of the whole file).
    del data, excel_hint
    reader = csv.reader(
        _lines(text),
        delimiter=options.delimiter,
        quotechar=options.quote,
        doublequote=True,
        strict=True,
    )
    header: list[str] | None = None
    columns: list[list[str]] = []
    lines: list[int] = []
    read = 0
    # The hook is checked against a counter, not called per row: the loop stays as it was.
    next_report = PROGRESS_ROWS if progress is not None else -1

    def flush() -> SourceFrame:
        # Python strings cost ~60 bytes each; moving them into polars every CHUNK_ROWS rows
        # keeps a million-row file from holding tens of millions of them at once.
        assert header is not None
        frame = pl.DataFrame(
            [pl.Series(LINE, lines, dtype=pl.Int64)]
            + [pl.Series(f"\x00{i}", column, dtype=pl.String) for i, column in enumerate(columns)]
        )
        frame.columns = [LINE, *header]
        lines.clear()
        for column in columns:
            column.clear()
        return SourceFrame(frame=frame, path=name, columns=header, format="csv")

    last_line = skipped_lines
    start = 1
    try:
        for record in reader:
            start = last_line + 1
            last_line = reader.line_num + skipped_lines
            if not record or (len(record) == 1 and not record[0].strip() and header):
                continue  # blank line (a single-column file has no blank values to lose)
            if header is None:
                header = _check_header(record, name, start)
                columns = [[] for _ in header]
                continue
            if len(record) > len(header) and not "".join(record[len(header) :]).strip():
                del record[len(header) :]  # a trailing delimiter ("a;b;") adds an empty field
            if len(record) != len(header):
                raise InputError(
                    name,
                    f"this row has {len(record)} fields but the header has {len(header)}",
                    line=start,
                    hint=f"check the delimiter ({options.delimiter!r}) and quoting of this line",
                )
            lines.append(start)
            for column, value in zip(columns, record, strict=True):
                column.append(value)
            read += 1
            if read == next_report:
                assert progress is not None  # next_report is -1 without a hook
                progress(read)
                next_report += PROGRESS_ROWS
            if len(lines) >= CHUNK_ROWS:
                yield flush()
            if max_rows is not None and read >= max_rows:
                break
    except csv.Error as exc:
        message = str(exc)
        if "field larger than field limit" in message:
            raise InputError(
                name,
                f"a cell is larger than {FIELD_SIZE_LIMIT // (1024 * 1024)} MiB",
                line=last_line + 1,
                hint="usually a quote that is never closed; check the quoting near this line",
            ) from None
        if "unexpected end of data" in message:
            raise InputError(
                name,
                f"a quoted field starting on this line is never closed ({options.quote} missing)",
                line=last_line + 1,
                hint="a quote inside a quoted field must be doubled",
            ) from None
        raise InputError(
            name,
            f"bad quoting: {message}",
            line=reader.line_num + skipped_lines,
            hint="a quote inside a quoted field must be doubled; check [source] quote",
        ) from None
    assert header is not None
    if not read:
        raise InputError(name, "the file has a header but no rows", line=last_line)
    if progress is not None and read != next_report - PROGRESS_ROWS:
        progress(read)  # the last partial chunk
    if lines:
        yield flush()


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
"""One line with its line break, which may be \\n, \\r\\n or \\r (what ``io.StringIO(text,
newline="")`` yields line by line, which the csv module needs to see quoted line breaks)."""


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` as the csv reader reads them, cut one at a time."""
    for match in _LINE.finditer(text):
        yield match.group()


def _check_header(record: list[str], path: str, line: int) -> list[str]:
    header = [cell.strip() for cell in record]
    while len(header) > 1 and not header[-1]:
        header.pop()  # "SKU;Name;" – exports that end every line with the delimiter
    seen: dict[str, int] = {}
    for position, cell in enumerate(header, start=1):
        if not cell:
            raise InputError(
                path,
                f"header field {position} is empty: every column needs a name",
                line=line,
            )
        if cell in seen:
            raise InputError(
                path,
                f"column {cell!r} appears twice in the header (fields {seen[cell]} and {position})",
                line=line,
                hint="rename one of them; bulkio cannot tell them apart",
            )
        seen[cell] = position
    return header
