"""Mapping + source file → the desired state of each row, and the rows that were rejected.

:func:`build_records` is the hand-over point to the plan: its frame holds, per accepted row,
the file line, the SKU and the canonical value (:mod:`bulkio.fields`) of every owned field,
null meaning "leave the store's value". Rejected rows never reach that frame; each problem is a
:class:`RowError` with a stable ``code`` (like frictionless' error codes), listed with file,
line, SKU, column and value.

Row checks (beyond each field's own cast): the SKU is present; the same SKU (compared without
case, as WooCommerce does) twice in one file rejects the *later* rows and names the first line;
a sale price above the regular price (both in the row) is rejected.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from bulkio.errors import MappingError
from bulkio.fields import CanonicalValue
from bulkio.mapping.model import FieldRule, Mapping
from bulkio.mapping.numbers import INT64_MAX, INT64_MIN, MONEY_MAX_PLACES
from bulkio.mapping.transforms import (
    CompiledField,
    SourceColumns,
    Stages,
    compile_field,
    skip_mask,
)
from bulkio.sources import LINE, SOURCE_LINE, RowsRead, SourceFrame, iter_source

ERROR_CODES: dict[str, str] = {
    "missing-sku": "the row has no SKU, so it cannot be matched to a store record",
    "duplicate-sku": "the SKU already appeared on an earlier line of the file",
    "sku-too-long": "a SKU longer than WooCommerce's SKU lookup column holds",
    "sku-changed-by-store": "a SKU the store would keep in another form (sanitize_text_field)",
    "invalid-number": "not a number (check the decimal and thousands separators)",
    "negative-number": "a number that must not be negative",
    "too-precise": f"a price with more than {MONEY_MAX_PLACES} decimal places",
    "too-large": "a whole number beyond what the store can hold (64 bits)",
    "not-an-integer": "not a whole number",
    "invalid-bool": "not one of the true/false words",
    "invalid-date": "not a date in the mapping's format",
    "invalid-choice": "not one of the values WooCommerce accepts for this field",
    "invalid-term-id": "not a list of positive whole-number term ids",
    "multiple-values": "an XML path matched several elements for a single-value field",
    "sale-above-regular": "the sale price is above the regular price",
    "wrong-currency": "a price in another currency than the mapping's currency",
}
"""Every row error code, with what it means. Codes are stable: scripts may rely on them."""

ERROR_PREFIX = "\x00error:"
RAW_PREFIX = "\x00raw:"
FIRST_LINE = "\x00first_line"
SKU_HASH = "\x00sku_hash"


@dataclass(frozen=True)
class RowError:
    """One problem with one row: where, what value, which code, and a message for people."""

    file: str
    line: int
    """1-based physical file line (CSV) or record number (XML, see ``unit``)."""
    sku: str | None
    column: str
    """The source column / XML path / template the value came from."""
    value: str | None
    code: str
    message: str
    field: str = ""
    """The WooCommerce field the value was meant for ("" for row-level problems)."""
    unit: str = "line"
    """"line" or "record": what ``line`` counts."""
    source_line: int | None = None
    """XML records: the file line the record starts on (also said in ``message``)."""

    def __str__(self) -> str:
        message = self.message
        if self.unit == "line":
            where = f"{self.file}:{self.line}"
        else:
            where = f"{self.file} record {self.line}"
            if self.source_line:
                where += f" (line {self.source_line})"
                message = message.replace(f" (record starts on line {self.source_line})", "")
        sku = f" SKU {self.sku!r}" if self.sku else ""
        column = f" column {self.column!r}" if self.column else ""
        return f"{where}:{sku}{column}: {message} [{self.code}]"

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON and CSV reports."""
        return asdict(self)


@dataclass
class RecordSet:
    """The result of :func:`build_records` (see the module docstring)."""

    frame: pl.DataFrame
    rejected: list[RowError]
    source: str
    skipped: int = 0
    """Rows dropped by the mapping's filters (not errors)."""
    total: int = 0
    """Data rows read from the source (accepted + rejected + skipped)."""
    fields: list[str] = field(default_factory=list)
    """The owned field names, i.e. the frame's value columns."""
    unit: str = "line"
    """What ``_line`` counts: "line" (CSV file lines) or "record" (XML records)."""
    warnings: list[str] = field(default_factory=list)
    """Things worth a look that are not errors, e.g. a column empty in every row."""
    record_lines: pl.DataFrame | None = None
    """XML only: ``_line`` (record number) → ``_source_line`` (the file line it starts on),
    for every record read; see :meth:`source_lines`."""

    def source_lines(self, records: Iterable[int]) -> dict[int, int]:
        """The file lines where these XML records start ({} for CSV, whose lines are lines)."""
        wanted = sorted({int(record) for record in records})
        if self.record_lines is None or not wanted:
            return {}
        found = self.record_lines.filter(pl.col(LINE).is_in(wanted))
        return {
            int(line): int(source_line) for line, source_line in found.iter_rows() if source_line
        }

    @property
    def rejected_lines(self) -> list[int]:
        """The distinct lines (records) that were rejected, in order."""
        return sorted({error.line for error in self.rejected})

    def iter_rows(self) -> Iterator[tuple[int, dict[str, CanonicalValue]]]:
        """(line, {field: canonical value}) per accepted row, leaving out null (= leave) values.

        Term lists come back as sorted tuples, as :func:`bulkio.fields.canonicalise` makes them.
        """
        names = [LINE, *self.fields]
        frame = self.frame.select(names)
        lists = {n for n, dtype in frame.schema.items() if isinstance(dtype, pl.List)}
        fields = self.fields
        for row in frame.iter_rows():
            # A dict comprehension per row (no per-value branches): this runs once per row of
            # every product feed (bulkio.catalog.feed.read_feed).
            values: dict[str, CanonicalValue] = {
                name: value
                for name, value in zip(fields, row[1:], strict=True)
                if value is not None
            }
            for name in lists.intersection(values):
                values[name] = tuple(values[name])  # type: ignore[arg-type]
            yield int(row[0]), values


def build_records(
    mapping: Mapping,
    source_path: str | Path,
    *,
    max_rows: int | None = None,
    progress: RowsRead | None = None,
) -> RecordSet:
    """Read ``source_path`` as the mapping says and turn it into validated records.

    Raises InputError for files that cannot be read as a whole, MappingError for a mapping
    that names a column the file does not have; bad *rows* never raise, they are rejected.
    ``progress`` is called with the rows (records) read so far, once per chunk of rows and
    once at the end (a progress bar's hook; validation itself is columnar and quick).

    The file is read piece by piece (CSV chunks, XML batches) and each piece is turned into
    canonical values as it arrives, so the source text and the transforms' intermediate
    columns of only one piece are held at a time (see :func:`records_from_pieces`).
    """
    pieces = iter_source(
        source_path,
        mapping.source,
        paths=mapping.source_columns,
        max_rows=max_rows,
        progress=progress,
    )
    if mapping.source.strip_formula_apostrophe:
        pieces = (strip_formula_apostrophes(piece) for piece in pieces)
    return records_from_pieces(mapping, pieces)


def strip_formula_apostrophes(source: SourceFrame) -> SourceFrame:
    """``[source] strip_formula_apostrophe``: the apostrophe before a cell starting with
    ``= + - @`` dropped, in every text column (once: ``''=x`` keeps one)."""
    frame = source.frame
    text_columns = [c for c, dtype in frame.schema.items() if dtype == pl.String and c != LINE]
    frame = frame.with_columns(pl.col(c).str.replace(r"^'([=+\-@])", "$1") for c in text_columns)
    return replace(source, frame=frame)


def resolve_columns(mapping: Mapping, source: SourceFrame) -> SourceColumns:
    """Match every column the mapping reads to the file's header (exact or ignoring case).

    A missing column is a MappingError naming the mapping key, the column and the file, and
    listing the columns the file has.
    """
    if source.format == "xml":
        return SourceColumns({path: path for path in mapping.source_columns}, is_xml=True)
    header = source.columns
    # Unicode-normalised names: a header saved on macOS spells "Größe" with combining marks
    # (NFD) and looks identical to the mapping's "Größe" (NFC) without being equal.
    by_exact = {_nfc(name): name for name in header}
    by_lower: dict[str, list[str]] = {}
    for name in header:
        by_lower.setdefault(_nfc(name).lower(), []).append(name)
    resolved: dict[str, str] = {}
    for key, column in _column_uses(mapping):
        if column in resolved:
            continue
        if _nfc(column) in by_exact:
            resolved[column] = by_exact[_nfc(column)]
            continue
        candidates = by_lower.get(_nfc(column).lower(), [])
        if mapping.source.header_case == "insensitive" and candidates:
            if len(candidates) > 1:
                raise MappingError(
                    mapping.path,
                    key,
                    f"column {column!r} matches {', '.join(map(repr, candidates))} in "
                    f"{source.path} when case is ignored",
                    hint='rename one of them in the file or use header_case = "exact"',
                )
            resolved[column] = candidates[0]
            continue
        close = difflib.get_close_matches(column, header, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else None
        if candidates and mapping.source.header_case == "exact":
            hint = (
                f'the file has {candidates[0]!r}; fix the case or set header_case = "insensitive"'
            )
        raise MappingError(
            mapping.path,
            key,
            f"column {column!r} is not in {source.path}; its columns are: "
            + ", ".join(repr(name) for name in header),
            hint=hint,
        )
    return SourceColumns(resolved, is_xml=False)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _column_uses(mapping: Mapping) -> list[tuple[str, str]]:
    uses: list[tuple[str, str]] = []
    for rule in mapping.fields.values():
        where = f"{rule.key}.column" if rule.column is not None else f"{rule.key}.template"
        uses.extend((where, column) for column in rule.source_columns)
    uses.extend((f"{flt.key}.column", flt.column) for flt in mapping.filters)
    return uses


@dataclass
class FittedFields:
    """The mapping's plain fields fitted to one file's header (:func:`fit_fields`)."""

    mapping: Mapping
    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Weight / dimension field → (the column read, its unit)."""
    absent: list[str] = field(default_factory=list)
    """Columns the mapping names but the file lacks (``missing_columns = "leave"``)."""


def fit_fields(mapping: Mapping, header: list[str], *, is_xml: bool = False) -> FittedFields:
    """``{unit}`` columns resolved to the header that has them (``Weight ({unit})`` → ``Weight
    (lbs)``, unit ``lbs``), and with ``[source] missing_columns = "leave"`` the fields whose
    columns the file lacks left out (the SKU never is). Otherwise a missing column stays in,
    and :func:`resolve_columns` names it."""
    from bulkio.mapping.units import field_kind, unit_kind, unit_name

    leave = mapping.source.missing_columns == "leave"
    insensitive = mapping.source.header_case == "insensitive"
    have = {_nfc(c).casefold() if insensitive else _nfc(c) for c in header}
    fields = dict(mapping.fields)
    fitted = FittedFields(mapping)
    for name, rule in mapping.fields.items():
        if rule.unit_placeholder and not is_xml:
            head, tail = (re.escape(part) for part in (rule.column or "").split("{unit}", 1))
            regex = re.compile(f"^{head}(?P<unit>.+?){tail}$", re.IGNORECASE)
            found = None
            for column in header:
                match = regex.match(column)
                if match and unit_kind(unit_name(match["unit"])) == field_kind(name):
                    found = (column, unit_name(match["unit"]))
                    break
            if found is None:
                fitted.absent.append(rule.column or "")
                if leave:
                    del fields[name]
                continue
            fields[name] = replace(rule, column=found[0])
            fitted.units[name] = found
            continue
        if leave and name != "sku" and not is_xml:
            wanted = rule.source_columns
            missing = [
                c for c in wanted if (_nfc(c).casefold() if insensitive else _nfc(c)) not in have
            ]
            if missing:
                fitted.absent.extend(c for c in missing if c not in fitted.absent)
                del fields[name]
                continue
        if rule.unit and rule.unit != "in-value" and rule.column is not None:
            fitted.units[name] = (rule.column, rule.unit)
    if fields != mapping.fields:
        fitted.mapping = replace(mapping, fields=fields)
    return fitted


def records_from_source(mapping: Mapping, source: SourceFrame) -> RecordSet:
    """Apply filters, casts and row checks to an already-read source frame."""
    return records_from_pieces(mapping, [source])


def records_from_pieces(mapping: Mapping, pieces: Iterable[SourceFrame]) -> RecordSet:
    """Apply filters, casts and row checks to a source read in pieces (:func:`iter_source`).

    Each piece is filtered, cast and checked as it arrives and only what the result needs is
    kept: the canonical values of its accepted rows (with the raw SKU, and the record's start
    line for XML, in case a later piece makes it a duplicate) and its few rejected rows whole.
    The only whole-feed checks – duplicate SKUs, and columns empty in every row – run on
    that small state once all pieces are in, so the result is exactly that of the whole file
    in one piece.
    """
    pieces = iter(pieces)
    first = next(pieces)
    mapping = fit_fields(mapping, list(first.columns), is_xml=first.format == "xml").mapping
    try:
        columns = resolve_columns(mapping, first)
    except MappingError:
        # A file that cannot be read at all says so first (the reader's InputError), as when
        # the whole file was read before its columns were looked at.
        for _ in pieces:
            pass
        raise
    builder = _RecordsBuilder(mapping, first, columns)
    builder.add(first)
    del first
    for piece in pieces:
        builder.add(piece)
    return builder.finish()


class _RecordsBuilder:
    """The state :func:`records_from_pieces` carries from piece to piece."""

    def __init__(self, mapping: Mapping, source: SourceFrame, columns: SourceColumns) -> None:
        self.mapping = mapping
        self.source = source
        self.columns = columns
        self.repeats_allowed = mapping.target.duplicates == "sum"
        self.stages = Stages()
        self.compiled = [
            compile_field(rule, mapping.source, columns, self.stages)
            for rule in mapping.fields.values()
        ]
        self.has_source_line = SOURCE_LINE in source.frame.columns
        exprs: list[pl.Expr] = [pl.col(LINE)]
        if self.has_source_line:
            exprs.append(pl.col(SOURCE_LINE))
        for item in self.compiled:
            exprs.append(item.value.alias(item.rule.name))
            exprs.append(item.error.cast(pl.String).alias(ERROR_PREFIX + item.rule.name))
            exprs.append(item.raw.cast(pl.String).alias(RAW_PREFIX + item.rule.name))
        self.exprs = exprs
        error_columns = [ERROR_PREFIX + item.rule.name for item in self.compiled]
        self.rejected_mask = pl.any_horizontal(
            [pl.col(name).is_not_null() for name in error_columns]
        )
        # What an accepted row keeps: its values, and what a duplicate-SKU error would show.
        kept = [LINE, *mapping.fields]
        if self.has_source_line:
            kept.append(SOURCE_LINE)  # messages and problem lists name the record's file line
        if not self.repeats_allowed:
            kept += [RAW_PREFIX + "sku", SKU_HASH]
        self.kept = kept
        self.empty_checks = _EmptyColumns(mapping, columns, self.compiled)
        self.accepted: list[pl.DataFrame] = []
        self.bad: list[pl.DataFrame] = []
        self.total = 0
        self.skipped = 0

    def add(self, piece: SourceFrame) -> None:
        """Filter, cast and check one piece; keep its accepted values and rejected rows."""
        mapping = self.mapping
        frame = piece.frame
        self.total += frame.height
        if mapping.filters:
            keep = frame.select((~skip_mask(mapping.filters, self.columns)).alias("keep"))
            if not keep["keep"].all():  # (a filter that skips nothing copies nothing)
                frame = frame.filter(keep["keep"])
            self.skipped += piece.frame.height - frame.height
        staged = self.stages.apply(frame)
        del frame
        self.empty_checks.add(staged)
        work = staged.select(self.exprs)
        del staged
        work = _check_sku(work)
        if "regular_price" in mapping.fields and "sale_price" in mapping.fields:
            work = _check_sale_price(work)
        owns_backorders = "stock_quantity" in mapping.fields and "backorders" in mapping.fields
        if owns_backorders and mapping.target.resource != "stock":
            work = _check_negative_stock(work)
        if not self.repeats_allowed:
            work = work.with_columns(pl.col("sku").str.to_lowercase().hash().alias(SKU_HASH))
        # A filtered string column still points into the text buffers of the whole piece;
        # copying the strings of the few rejected rows lets those buffers go with the piece.
        rejected = work.select(self.rejected_mask.alias("rejected")).get_column("rejected")
        bad = work.filter(rejected)
        self.bad.append(bad.with_columns(pl.col(pl.String) + pl.lit("")))
        # A piece without rejected rows keeps its columns as they are (no copy through a mask).
        accepted = work.filter(~rejected) if bad.height else work
        self.accepted.append(accepted.select(self.kept))

    def finish(self) -> RecordSet:
        """The whole-feed checks (duplicate SKUs, empty columns) and the record set."""
        mapping = self.mapping
        pieces, self.accepted = self.accepted, []
        bad = pl.concat(self.bad) if len(self.bad) > 1 else self.bad[0]
        self.bad = []
        if not self.repeats_allowed:
            pieces, bad = _check_duplicate_skus(pieces, bad)
        # Pieces are put together without copying (``rechunk=False``): a copy of the
        # finished frame would double the peak for nothing.
        accepted = pl.concat(pieces, rechunk=False) if len(pieces) > 1 else pieces[0]
        del pieces
        rejected = _collect_errors(
            bad.filter(self.rejected_mask), self.compiled, self.source, mapping
        )
        record_lines = None
        if self.has_source_line:
            # A record is either accepted or rejected (a duplicate leaves the accepted pieces
            # as it joins the rejected rows), so the two never share a line: put together
            # without copying. (``unique`` here built a hash table of every record: +150 MB
            # at the end of reading 1,000,000 XML records, the dry run's peak.)
            record_lines = pl.concat(
                [accepted.select(LINE, SOURCE_LINE), bad.select(LINE, SOURCE_LINE)],
                rechunk=False,
            )
        return RecordSet(
            record_lines=record_lines,
            warnings=self.empty_checks.warnings(self.source),
            frame=accepted.select([LINE, *mapping.fields]),
            rejected=rejected,
            source=self.source.path,
            skipped=self.skipped,
            total=self.total,
            fields=list(mapping.fields),
            unit="line" if self.source.format == "csv" else "record",
        )


def _check_duplicate_skus(
    pieces: list[pl.DataFrame], bad: pl.DataFrame
) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """duplicate-sku across the whole feed: later lines rejected, the first line named.

    The first line of a SKU counts every row that has it, rejected ones too (a later row with
    the same SKU is a duplicate even when the first one had a bad price). Returns the
    accepted pieces without the duplicates (only a piece that had one is copied) and the
    rejected rows with them (and ``FIRST_LINE``).
    """
    sku = pl.col("sku")
    keys = pl.concat(
        [
            *(piece.select(LINE, "sku", SKU_HASH) for piece in pieces),
            bad.select(LINE, "sku", SKU_HASH),
        ]
    )
    # Only rows whose lower-cased SKU *hashes* like another row's can repeat a SKU: the 64-bit
    # hash kept per row finds them without a window over every SKU string of the feed (hash
    # collisions just add candidates; the exact comparison below decides).
    # (Found by sorting the hashes: ``is_duplicated`` builds a hash table ten times larger.)
    ordered = keys[SKU_HASH].sort()
    repeated_hashes = ordered.filter((ordered == ordered.shift(1)).fill_null(False))
    del ordered
    maybe_repeated = pl.col(SKU_HASH).is_in(repeated_hashes.implode()) & sku.is_not_null()
    candidates = keys.filter(maybe_repeated)
    del keys
    first_line = pl.col(LINE).min().over(sku.str.to_lowercase())
    repeats = (
        candidates.with_columns(first_line.alias(FIRST_LINE))
        .filter(pl.col(LINE) != pl.col(FIRST_LINE))
        .select(LINE, FIRST_LINE)
    )
    del candidates
    error = pl.col(ERROR_PREFIX + "sku")
    bad = bad.join(repeats, on=LINE, how="left", maintain_order="left").with_columns(
        pl.when(error.is_null() & pl.col(FIRST_LINE).is_not_null())
        .then(pl.lit("duplicate-sku"))
        .otherwise(error)
        .alias(ERROR_PREFIX + "sku")
    )
    if repeats.is_empty():
        return pieces, bad
    repeated = pl.col(LINE).is_in(repeats[LINE].implode())
    kept: list[pl.DataFrame] = []
    later: list[pl.DataFrame] = [bad]
    for piece in pieces:
        hits = piece.select(repeated.alias("hit"))["hit"]
        if not hits.any():
            kept.append(piece)
            continue
        later.append(
            piece.filter(hits)
            .join(repeats, on=LINE, how="left", maintain_order="left")
            .with_columns(pl.lit("duplicate-sku").alias(ERROR_PREFIX + "sku"))
        )
        kept.append(piece.filter(~hits))
    return kept, pl.concat(later, how="diagonal_relaxed")


class _EmptyColumns:
    """Columns / XML paths that are empty in every row: usually a wrong name or path.

    Checked piece by piece (a column is empty in the feed if it is in every piece), on the
    frame with the transforms' stages added: a column a field already trimmed is not trimmed
    again.
    """

    def __init__(
        self, mapping: Mapping, columns: SourceColumns, compiled: list[CompiledField]
    ) -> None:
        uses: dict[str, list[FieldRule]] = {}
        for rule in mapping.fields.values():
            for column in rule.source_columns:
                uses.setdefault(column, []).append(rule)
        self.uses = uses
        self.names = list(uses)
        trimmed = {item.rule.column: item.trimmed for item in compiled if item.trimmed is not None}
        checks = []
        for i, name in enumerate(self.names):
            cells = columns.text(name)
            checks.append(cells.is_null().all().alias(f"\x00none{i}"))
            stripped = trimmed.get(name)
            if stripped is None:
                stripped = cells.str.strip_chars()
            empty = (stripped.fill_null("") == "").all()
            checks.append(empty.alias(f"\x00empty{i}"))
        self.checks = checks
        self.flags = [True] * (2 * len(self.names))
        self.height = 0

    def add(self, frame: pl.DataFrame) -> None:
        if frame.is_empty() or not self.names:
            return
        self.height += frame.height
        row = frame.select(self.checks).row(0)
        self.flags = [seen and bool(now) for seen, now in zip(self.flags, row, strict=True)]

    def warnings(self, source: SourceFrame) -> list[str]:
        if not self.height:
            return []
        flags = self.flags
        warnings: list[str] = []
        unit = "row" if source.format == "csv" else "record"
        rows = f"{self.height} {unit}{'s' if self.height != 1 else ''}"
        for i, name in enumerate(self.names):
            matched_nothing, is_empty = flags[2 * i], flags[2 * i + 1]
            if not is_empty:
                continue
            keys = ", ".join(rule.key for rule in self.uses[name])
            if source.format == "xml" and matched_nothing:
                text = f"path {name!r} ({keys}) matched nothing in the {rows} read"
                text += "; check the path and its namespace prefixes"
            else:
                kind = "path" if source.format == "xml" else "column"
                text = f"{kind} {name!r} ({keys}) is empty in the {rows} read"
            clearing = [rule.name for rule in self.uses[name] if rule.empty == "clear"]
            if clearing:
                text += f' (with empty = "clear", these rows clear {", ".join(clearing)})'
            warnings.append(text)
        return warnings


MAX_SKU_CHARS = 100
"""WooCommerce's ``wc_product_meta_lookup.sku`` is ``varchar(100)``: a longer SKU (typically a
shifted or runaway column) could never be matched again, and cannot even be looked up by URL."""


SKU_THE_STORE_CHANGES = r"%[0-9A-Fa-f]{2}|<|[\t\r\n]|  |^\s|\s$"
"""What WooCommerce's ``wc_clean`` (WordPress's ``sanitize_text_field``) changes in a SKU before
storing it, measured on 7.9 and 11.0.1: ``A%41B`` is kept as ``AB``, ``A  B`` as ``A B``,
``A<b>x</b>`` as ``Ax``, ``A<B`` as ``A&lt;B``, a tab is refused. Such a row could never be
matched to the product it creates: every run would plan it again as a create."""


def _check_sku(work: pl.DataFrame) -> pl.DataFrame:
    """missing-sku, sku-too-long and sku-changed-by-store, row by row (duplicates:
    :func:`_check_duplicate_skus`).

    With ``duplicates = "sum"`` (stock mappings) repeated SKUs stay in the frame; the stock
    plan sums them (:mod:`bulkio.stock`).
    """
    sku = pl.col("sku")
    error = pl.col(ERROR_PREFIX + "sku")
    return work.with_columns(
        pl.when(error.is_not_null())
        .then(error)
        .when(sku.is_null())
        .then(pl.lit("missing-sku"))
        .when(sku.str.len_chars() > MAX_SKU_CHARS)
        .then(pl.lit("sku-too-long"))
        .when(sku.str.contains(SKU_THE_STORE_CHANGES))
        .then(pl.lit("sku-changed-by-store"))
        .otherwise(error)
        .alias(ERROR_PREFIX + "sku")
    )


def _check_sale_price(work: pl.DataFrame) -> pl.DataFrame:
    regular = pl.col("regular_price")
    sale = pl.col("sale_price")
    both = regular.is_not_null() & sale.is_not_null() & (regular != "") & (sale != "")
    above = both & (sale.cast(pl.Float64, strict=False) > regular.cast(pl.Float64, strict=False))
    error = pl.col(ERROR_PREFIX + "sale_price")
    return work.with_columns(
        pl.when(error.is_null() & above)
        .then(pl.lit("sale-above-regular"))
        .otherwise(error)
        .alias(ERROR_PREFIX + "sale_price")
    )


BACKORDERS_ALLOWING_NEGATIVE_STOCK = ("notify", "yes")


def _check_negative_stock(work: pl.DataFrame) -> pl.DataFrame:
    """Negative stock only on rows whose own backorders value allows it (product mappings)."""
    quantity = pl.col("stock_quantity").cast(pl.Int64, strict=False)
    allowed = pl.col("backorders").is_in(BACKORDERS_ALLOWING_NEGATIVE_STOCK).fill_null(False)
    error = pl.col(ERROR_PREFIX + "stock_quantity")
    return work.with_columns(
        pl.when(error.is_null() & (quantity < 0).fill_null(False) & ~allowed)
        .then(pl.lit("negative-number"))
        .otherwise(error)
        .alias(ERROR_PREFIX + "stock_quantity")
    )


def _collect_errors(
    bad: pl.DataFrame, compiled: list[CompiledField], source: SourceFrame, mapping: Mapping
) -> list[RowError]:
    """RowErrors for the (few) rejected rows: Python only touches rows that failed."""
    errors: list[RowError] = []
    if bad.is_empty():
        return errors
    unit = "line" if source.format == "csv" else "record"
    has_source_line = SOURCE_LINE in bad.columns
    for item in compiled:
        name = item.rule.name
        rows = bad.filter(pl.col(ERROR_PREFIX + name).is_not_null())
        for row in rows.iter_rows(named=True):
            code = row[ERROR_PREFIX + name]
            raw = row[RAW_PREFIX + name]
            sku = row[RAW_PREFIX + "sku"]
            message = error_message(code, item.rule, mapping, raw=raw, row=row)
            source_line = int(row[SOURCE_LINE]) if has_source_line and row[SOURCE_LINE] else None
            if source_line:
                message += f" (record starts on line {source_line})"
            errors.append(
                RowError(
                    file=source.path,
                    line=int(row[LINE]),
                    sku=(sku.strip() or None) if isinstance(sku, str) else None,
                    column=item.label,
                    value=raw,
                    code=code,
                    message=message,
                    field=name,
                    unit=unit,
                    source_line=source_line,
                )
            )
    errors.sort(key=lambda error: (error.line, error.field != "sku"))
    return errors


def error_message(
    code: str, rule: FieldRule, mapping: Mapping, *, raw: str | None, row: dict[str, Any]
) -> str:
    """The human sentence for a row error code."""
    name = rule.name
    shown = repr(raw) if raw is not None else "empty"
    options = mapping.source
    if code == "missing-sku":
        return (
            "no SKU: the SKU is how rows are matched to store records, so this row cannot be used"
        )
    if code == "sku-too-long":
        return (
            f"the SKU is {len(raw or '')} characters long; WooCommerce holds at most "
            f"{MAX_SKU_CHARS} (a shifted column or a broken quote?)"
        )
    if code == "sku-changed-by-store":
        return (
            f"the store would not keep SKU {raw!r} as written (WordPress removes %-codes, "
            "tags, tabs, line breaks, repeated and outer spaces from SKUs), so this row could "
            "never be matched to its product; fix the SKU in the feed"
        )
    if code == "duplicate-sku":
        return (
            f"SKU {raw!r} already appears on line {row[FIRST_LINE]}; only that first row is "
            "used (SKUs are compared ignoring case, as WooCommerce does)"
        )
    if code == "invalid-number":
        separators = f"decimal separator {options.decimal!r}"
        if options.thousands:
            separators += f", thousands separator {options.thousands!r}"
        return f"{name}: {shown} is not a number ({separators})"
    if code == "negative-number":
        if name == "stock_quantity" and "backorders" in mapping.fields:
            return (
                f"{name}: {shown} is negative, but this row's backorders is "
                f"{row.get('backorders') or 'empty'!r}; negative stock needs backorders "
                f"{' or '.join(map(repr, BACKORDERS_ALLOWING_NEGATIVE_STOCK))}"
            )
        return f"{name}: {shown} must not be negative"
    if code == "too-precise":
        return f"{name}: {shown} has more than {MONEY_MAX_PLACES} decimal places"
    if code == "too-large":
        return (
            f"{name}: {shown} is too large (a whole number the store can hold is between "
            f"{INT64_MIN} and {INT64_MAX})"
        )
    if code == "not-an-integer":
        return f"{name}: {shown} is not a whole number"
    if code == "invalid-bool":
        return (
            f"{name}: {shown} is neither a true word ({', '.join(rule.true_words)}) nor a "
            f"false word ({', '.join(rule.false_words)})"
        )
    if code == "invalid-date":
        return f"{name}: {shown} is not a date in the format {rule.date_format or '%Y-%m-%d'!r}"
    if code == "invalid-choice":
        return (
            f"{name}: {shown} is not one of {', '.join(rule.spec.choices)}"
            " (a map in the mapping can translate the file's values)"
        )
    if code == "invalid-term-id":
        return f"{name}: {shown} is not a list of term ids (positive whole numbers)"
    if code == "multiple-values":
        return f"{name}: the path matched several elements ({shown}) but {name} takes one value"
    if code == "wrong-currency":
        return (
            f"{name}: {shown} is not in {rule.currency} (the mapping's currency); the row is "
            "left out rather than importing a price in the wrong currency"
        )
    if code == "sale-above-regular":
        return (
            f"sale_price {row.get('sale_price') or shown} is above regular_price "
            f"{row.get('regular_price')}"
        )
    return f"{name}: {shown}: {ERROR_CODES.get(code, code)}"
