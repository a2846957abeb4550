"""CSV files → a polars frame of text with the physical file line of every record.

Two readers, one result. **The fast path** (:func:`_fast_frame`): polars' native reader splits
the records, and a vectorised scan of the same bytes — in polars too, over the positions of the
quote, delimiter and newline bytes only — finds where each record starts (a newline ends a
record when an even number of quotes precede it), so every row keeps its *file line* even when
quoted cells span lines, and counts each record's fields, so a short or long row is never
filled or cut silently. It also checks that every quote stands where strict CSV allows it (a
field's first character, or closing before a delimiter or line end, or doubled). **The careful
path**: the stdlib's C ``csv`` parser, row by row, which knows the line of every problem. Any
file the scan finds irregular (a ragged row, a stray quote, a bare CR line break, a field-less
line that is not blank, leading blank lines, a single column) and every preview (``max_rows``)
goes the careful way, so errors name the same lines as they always did; regular files — almost
all of them — cost a few times polars' own read instead of a Python loop per row.

Everything is read as text (an EAN "00123" stays "00123"); casting is the mapping's job.
"""

from __future__ import annotations

import codecs
import csv
import functools
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
_WESTERN_TEXT = re.compile("[\u00a0-\u024f\u1e00-\u1eff\u2010-\u206f\u20a0-\u20cf]")
"""Latin-1 Supplement, Latin Extended-A/B and Additional, general punctuation, currency."""


def _refuse_utf8_read_as_single_byte(data: bytes, encoding: str, path: str) -> None:
    """A file with non-ASCII text that is valid UTF-8 is UTF-8: refuse to read it as cp1252.

    Real cp1252/latin-1 text is practically never valid UTF-8 (its accented letters are lone
    high bytes), so this catches the supplier who switched their export to UTF-8 without a
    BOM, before a single product name is corrupted. "Practically": a cp1252 letter followed
    by symbols can form valid UTF-8 by chance ("ß€" is the NKo digit U+07C0, "ä€€" a CJK
    ideograph); such a file is refused only when its UTF-8 reading has Western text in it
    (Latin letters beyond ASCII, typographic punctuation), which is what a UTF-8 export of a
    Western catalog has and a chance sequence has not.
    """
    first = _NON_ASCII.search(data)
    if first is None:
        return
    # Everything before the first non-ASCII byte is ASCII, so a piece starting there decodes
    # as the whole file would: an invalid sequence inside it settles the question without
    # decoding (and allocating) the whole file, which is what a real cp1252 file costs.
    try:
        data[first.start() : first.start() + 4096].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data":
            return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if not _WESTERN_TEXT.search(text):
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
    if not text or text.isspace():
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
    encoded = _utf8_bytes(data, options.encoding)
    if encoded is not None and excel_hint:
        encoded = encoded[len(excel_hint.group().encode()) :]
    del data, excel_hint
    if max_rows is None:
        fast = _fast_frame(text, options, name, skipped_lines, encoded=encoded)
        del encoded
        if fast is not None:
            del text
            yield from _fast_chunks(fast, name, progress)
            return
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


def _fast_chunks(
    frame: pl.DataFrame, name: str, progress: RowsRead | None
) -> Iterator[SourceFrame]:
    header = frame.columns[1:]
    total = frame.height
    if progress is not None:
        for read in range(PROGRESS_ROWS, total + 1, PROGRESS_ROWS):
            progress(read)
        if total % PROGRESS_ROWS:
            progress(total)
    for offset in range(0, total, CHUNK_ROWS):
        yield SourceFrame(
            frame=frame.slice(offset, CHUNK_ROWS), path=name, columns=header, format="csv"
        )


_NEWLINE, _CR = 10, 13
_BARE_CR = re.compile(rb"\r(?!\n)")


def _utf8_bytes(data: bytes, encoding: str) -> bytes | None:
    """The file's bytes when they already are the UTF-8 text :func:`decode_bytes` made of them
    (ASCII, or UTF-8 without its byte order mark), so the fast path need not encode the text
    again; None when they are not, or it is not certain (``encoding = "auto"``)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]  # a BOM makes decode_bytes read UTF-8
    codec = "utf-8" if encoding == "auto" else codecs.lookup(encoding).name
    if data.isascii() and _ascii_compatible(codec):
        return data
    if codec == "utf-8" and encoding != "auto":
        return data
    return None


@functools.cache
def _ascii_compatible(codec: str) -> bool:
    """Whether the codec reads every ASCII byte as that ASCII character (not UTF-16, EBCDIC)."""
    ascii_bytes = bytes(range(128))
    try:
        return ascii_bytes.decode(codec) == ascii_bytes.decode("ascii")
    except (UnicodeDecodeError, LookupError):
        return False


def _fast_frame(
    text: str,
    options: SourceOptions,
    name: str,
    skipped_lines: int,
    *,
    encoded: bytes | None = None,
) -> pl.DataFrame | None:
    """The whole file as ``_line`` + its columns, read by polars; None when the file needs the
    careful reader (see the module's docstring). Header errors are raised as the careful
    reader raises them. ``encoded``: ``text`` as UTF-8, when the caller has it already."""
    delimiter, quote = options.delimiter, options.quote
    if len(delimiter) != 1 or len(quote) != 1 or not (delimiter + quote).isascii():
        return None
    if delimiter in "\r\n" or quote in "\r\n" or delimiter == quote:
        return None
    data = text.encode("utf-8") if encoded is None else encoded
    if not data or _BARE_CR.search(data):
        return None  # bare CR line breaks: the careful reader counts them as lines
    d, q = ord(delimiter), ord(quote)
    size = len(data)
    raw = pl.Series("b", [data], dtype=pl.Binary).cast(pl.List(pl.UInt8)).explode()
    byte = pl.col("b")
    is_newline = byte == _NEWLINE
    # One pass over the quote, delimiter and newline bytes: which are inside quotes (an odd
    # number of quotes before), which newlines end a record, and running counts of newlines
    # and of delimiters outside quotes, read off at each record's end below.
    special = (
        raw.to_frame()
        .lazy()
        .with_row_index("pos")
        .filter((byte == q) | (byte == d) | is_newline)
        .with_columns(is_quote=byte == q)
        .with_columns(
            inside=((pl.col("is_quote").cum_sum() - pl.col("is_quote").cast(pl.UInt32)) % 2) == 1
        )
        .with_columns(delimiters=((byte == d) & ~pl.col("inside")).cum_sum())
        .collect()
    )
    quotes = special.filter(pl.col("is_quote")).select("pos", "inside")
    if quotes.height % 2:
        return None  # a quote never closed
    if quotes.height:
        at = quotes.get_column("pos").cast(pl.Int64)
        quotes = quotes.with_columns(
            prev=raw.gather((at - 1).clip(0, size - 1)), next=raw.gather((at + 1).clip(0, size - 1))
        )
        opening = ~pl.col("inside")  # an even number of quotes before it
        well_placed = quotes.select(
            pl.when(opening)
            .then(
                (pl.col("pos") == 0)
                | pl.col("prev").is_in([d, _NEWLINE, q])  # q: the second of a doubled pair
            )
            .otherwise((pl.col("pos") == size - 1) | pl.col("next").is_in([d, _CR, _NEWLINE, q]))
            .all()
        ).item()
        if not well_placed:
            return None
    total_delimiters = int(special.get_column("delimiters")[-1]) if special.height else 0
    ends = special.filter(is_newline & ~pl.col("inside")).select(
        pl.col("pos").cast(pl.Int64), "delimiters"
    )
    quoted_newlines = special.filter(is_newline & pl.col("inside")).get_column("pos")
    del quotes, raw, special
    # The newline ending record r is the k-th newline of the file → record r+1 starts on line
    # k+1, where k = r + 1 + the newlines inside quoted cells before it (few: counted by a
    # search among them); its fields are 1 + the delimiters outside quotes since the end of
    # record r.
    term = ends.get_column("pos")
    records = len(term) + (0 if len(term) and term[-1] == size - 1 else 1)
    starts = pl.concat([pl.Series([0], dtype=pl.Int64), term + 1])[:records]
    stops = pl.concat([term, pl.Series([size], dtype=pl.Int64)])[:records]
    newlines = pl.int_range(1, len(term) + 1, dtype=pl.Int64, eager=True)
    if len(quoted_newlines):
        newlines += quoted_newlines.cast(pl.Int64).search_sorted(term).cast(pl.Int64)
    lines = pl.concat([pl.Series([1], dtype=pl.Int64), newlines + 1])[:records]
    seen = ends.get_column("delimiters").cast(pl.Int64)
    seen = pl.concat([seen, pl.Series([total_delimiters], dtype=pl.Int64)])[:records]
    counts = seen - pl.concat([pl.Series([0], dtype=pl.Int64), seen])[:records] + 1
    del ends, seen
    lengths = stops - starts
    if records < 2 or lengths[0] == 0:
        return None  # no rows, or blank lines before the header: the careful reader says so
    first = data[starts[0] : stops[0]].decode("utf-8")
    record = next(csv.reader(_lines(first), delimiter=delimiter, quotechar=quote, strict=True), [])
    if len(record) != counts[0]:
        return None
    header = _check_header(record, name, skipped_lines + 1)
    width = counts[0]
    if width == 1:
        return None  # one column: a blank line and an empty value look alike
    odd = (counts != width).arg_true().to_list()
    for index in odd:
        piece = data[starts[index] : stops[index]]
        if counts[index] != 1 or piece.strip():
            return None  # a ragged row: the careful reader names its line
        # else a blank line, left out below
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            separator=delimiter,
            quote_char=quote,
            infer_schema=False,
            empty_string_is_null=False,
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if frame.height != records or frame.width != width:
        return None
    lines = lines + skipped_lines
    if odd:
        keep = pl.Series([True] * records)
        keep[[0, *odd]] = False
        frame, lines = frame.filter(keep), lines.filter(keep)
    else:  # only the header row goes: a slice, not a copy of every column
        frame, lines = frame.slice(1), lines.slice(1)
    if not frame.height:
        return None
    extra = frame.columns[len(header) :]
    if extra:  # "SKU;Name;" exports: the header's trailing empty fields must stay empty
        empty = frame.select(
            pl.all_horizontal(pl.col(c).str.strip_chars() == "" for c in extra).all()
        ).item()
        if not empty:
            return None
        frame = frame.drop(extra)
    frame.columns = header
    return frame.select(lines.alias(LINE).cast(pl.Int64), pl.all())


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
