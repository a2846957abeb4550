"""``bulkio init``: draft a working mapping from a feed file.

:func:`draft_mapping` sniffs the file (:mod:`~bulkio.draft.sniff`), proposes a store field per
column (:mod:`~bulkio.draft.guess`), renders commented TOML (:mod:`~bulkio.draft.write`) and
checks the result exactly as ``bulkio mapping validate --sample`` does (:func:`sample_check`)
before anything is written. A draft that does not load is a bug in the drafting, reported as
such; rows the sample rejects are data problems and are listed, not hidden.

    from bulkio.draft import draft_mapping, write_mapping
    result = draft_mapping("feed.csv", mapping_path="feed.toml")
    print(result.text)                      # the commented mapping
    write_mapping(result, "feed.toml")      # refuses to overwrite unless force=True
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bulkio.draft.guess import Draft, Guesser
from bulkio.draft.sniff import CsvSniff, XmlSniff, is_xml, sniff_csv, sniff_xml
from bulkio.draft.vocabulary import WAREHOUSE_WORDS, WOOCOMMERCE_HEADERS, normalise
from bulkio.draft.write import FIELD_ORDER, comment, render
from bulkio.errors import BulkioError, InputError, UsageError
from bulkio.mapping import Mapping
from bulkio.mapping.load import parse_mapping
from bulkio.records import RecordSet, RowError, build_records

if TYPE_CHECKING:
    from bulkio.catalog.feed import CatalogFeed

__all__ = [
    "DraftBug",
    "DraftResult",
    "SampleCheck",
    "draft_mapping",
    "sample_check",
    "uses_catalog_vocabulary",
    "write_mapping",
]

CHECK_ROWS = 200
"""Rows of the feed the drafted mapping is checked on (``mapping validate --sample --rows``)."""
RESOURCES = ("product", "stock")
FIELD_RANK = {name: rank for rank, name in enumerate(FIELD_ORDER)}


class DraftBug(BulkioError):
    """The drafted mapping does not load: a bug in ``bulkio init``, never the user's fault."""


@dataclass
class DraftResult:
    feed: str
    mapping_path: str
    draft: Draft
    text: str
    mapping: Mapping
    records: SampleCheck
    sniff: CsvSniff | XmlSniff
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``bulkio init --json`` document body (docs/cli.md, schema bulkio.init/1)."""
        draft = self.draft
        return {
            "feed": self.feed,
            "mapping": self.mapping_path,
            "format": draft.format,
            "layout": draft.layout,
            "resource": self.mapping.target.resource,
            "source": draft.source,
            "target": draft.target,
            "fields": [
                {"field": g.field, "column": g.column, "options": g.options, "why": g.why}
                for g in draft.fields
            ],
            "attributes": [
                {"name": a.name, "column": a.column, "variation": a.variation, "why": a.why}
                for a in draft.attributes
            ],
            "filters": [
                {"column": f.column, "skip": f.values, "why": f.why} for f in draft.filters
            ],
            "unmapped": [{"column": c, "note": n} for c, n in draft.unmapped],
            "check": {
                "rows_read": self.records.total,
                "accepted": self.records.accepted,
                "rejected": [e.to_dict() for e in self.records.rejected],
                "skipped": self.records.skipped,
                "warnings": [*self.mapping.warnings, *self.records.warnings],
            },
        }


@dataclass
class SampleCheck:
    """What reading the first rows of a file with a mapping found."""

    source: str
    total: int
    accepted: int
    rejected: list[RowError]
    skipped: int
    warnings: list[str]
    records: RecordSet | None = None
    """The rows as records (mappings without catalog vocabulary)."""
    feed: CatalogFeed | None = None
    """The rows as catalog items (mappings that group rows, read attributes, terms …)."""

    @property
    def rejected_lines(self) -> set[int]:
        return {error.line for error in self.rejected if error.line is not None}


def uses_catalog_vocabulary(mapping: Mapping) -> bool:
    """Whether a mapping needs the catalog reader: grouping, parents, attributes, term or
    image lists, meta patterns or downloads."""
    target = mapping.target
    return bool(
        getattr(target, "group_by", None)
        or getattr(target, "parent", None)
        or getattr(target, "type_column", None)
        or getattr(mapping, "attributes", ())
        or getattr(mapping, "lists", {})
        or getattr(mapping, "meta_patterns", ())
        or getattr(mapping, "downloads", None)
    )


def sample_check(mapping: Mapping, sample: str | Path, rows: int) -> SampleCheck:
    """What ``bulkio mapping validate MAPPING --sample FILE --rows N`` checks: the mapping's
    columns exist in the file and its first ``rows`` rows read (bad rows are rejected)."""
    if uses_catalog_vocabulary(mapping) and mapping.target.resource != "stock":
        from bulkio.catalog.feed import read_feed

        feed = read_feed(mapping, sample)  # the whole file: grouping needs every row
        return SampleCheck(
            source=feed.source,
            total=feed.total,
            accepted=len(feed.items) + feed.variation_count,
            rejected=list(feed.rejected),
            skipped=0,
            warnings=list(feed.warnings),
            feed=feed,
        )
    records = build_records(mapping, sample, max_rows=rows)
    return SampleCheck(
        source=records.source,
        total=records.total,
        accepted=records.frame.height,
        rejected=list(records.rejected),
        skipped=records.skipped,
        warnings=list(records.warnings),
        records=records,
    )


def draft_mapping(
    feed: str | Path,
    *,
    mapping_path: str | Path = "mapping.toml",
    resource: str | None = None,
    sku_column: str | None = None,
    rows: int = CHECK_ROWS,
) -> DraftResult:
    """Draft, render and check a mapping for ``feed`` (nothing is written)."""
    feed_name = str(feed)
    if resource is not None and resource not in RESOURCES:
        raise UsageError(f"--resource {resource!r}: expected one of {', '.join(RESOURCES)}")
    path = Path(feed)
    if not path.exists():
        raise InputError(feed_name, "file not found", hint="check the path of the feed file")
    if path.is_dir():
        raise InputError(feed_name, "is a directory, not a feed file")
    sniff: CsvSniff | XmlSniff = sniff_xml(path) if is_xml(path) else sniff_csv(path)
    if (sniff.rows if isinstance(sniff, CsvSniff) else sniff.records) == 0:
        raise InputError(
            feed_name,
            "the file has no rows (records) after its header: nothing to guess from",
            hint="run bulkio init on a file with data (an export of a few products is enough)",
        )
    if not sniff.columns:
        raise InputError(
            feed_name,
            "no fields found in the records"
            + (f" ({sniff.record})" if isinstance(sniff, XmlSniff) else ""),
            hint="a feed needs one element (or column) per record with its fields inside",
        )
    layout = _known_layout(sniff.header) if isinstance(sniff, CsvSniff) else None
    if isinstance(sniff, CsvSniff) and layout is not None and resource != "stock":
        draft = _layout_draft(sniff, feed_name, layout)
    else:
        draft = _guess_draft(sniff, resource=resource, sku_column=sku_column)
    text = render(draft, feed_path=feed_name, mapping_path=str(mapping_path))
    try:
        data = tomllib.loads(text)
        mapping = parse_mapping(data, str(mapping_path))
    except (tomllib.TOMLDecodeError, BulkioError) as exc:
        raise DraftBug(
            f"the mapping drafted for {feed_name} does not load: {exc}",
            hint="this is a bug in `bulkio init`; please report it with the file's first lines",
        ) from exc
    try:
        records = sample_check(mapping, path, rows)
    except InputError:
        raise  # the file itself (a bad quote further down, …): the user's to fix, said as such
    except BulkioError as exc:
        raise DraftBug(
            f"the mapping drafted for {feed_name} does not read the file: {exc}",
            hint="this is a bug in `bulkio init`; please report it with the file's first lines",
        ) from exc
    return DraftResult(
        feed=feed_name,
        mapping_path=str(mapping_path),
        draft=draft,
        text=text,
        mapping=mapping,
        records=records,
        sniff=sniff,
    )


def write_mapping(result: DraftResult, path: str | Path, *, force: bool = False) -> None:
    """Write the drafted mapping; an existing file is kept unless ``force``."""
    target = Path(path)
    if target.exists() and not force:
        raise UsageError(
            f"{target}: the file already exists; nothing was written",
            hint="choose another name with -o FILE, or pass --force to replace it",
        )
    if target.is_dir():
        raise UsageError(f"{target}: is a directory", hint="give a file name with -o FILE")
    try:
        target.write_text(result.text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"{target}: cannot write the mapping: {exc.strerror}",
            hint="check that the folder exists and is writable, or choose another -o FILE",
        ) from None


# -- the ordinary draft ------------------------------------------------------------------------


def _guess_draft(
    sniff: CsvSniff | XmlSniff, *, resource: str | None, sku_column: str | None
) -> Draft:
    guesser = Guesser(sniff, resource=resource, sku_column=sku_column)
    guesser.run()
    if "sku" not in guesser.fields:
        names = ", ".join(repr(c.name) for c in sniff.columns[:30])
        raise UsageError(
            f"{sniff.path}: no column looks like a SKU (the key bulkio matches rows by)",
            hint=f"name it with --sku COLUMN; the file's columns: {names}",
        )
    source: dict[str, Any]
    why: dict[str, str]
    if isinstance(sniff, CsvSniff):
        source = {"format": "csv", "encoding": sniff.encoding, "delimiter": sniff.delimiter}
        why = {"encoding": sniff.encoding_why, "delimiter": sniff.delimiter_why}
        if sniff.numbers.decimal != "." or sniff.numbers.thousands:
            source["decimal"] = sniff.numbers.decimal
            why["decimal"] = sniff.numbers.why
            if sniff.numbers.thousands:
                source["thousands"] = sniff.numbers.thousands
        else:
            why["header_case"] = ""
        source["header_case"] = sniff.header_case
        why["header_case"] = sniff.header_case_why
    else:
        source = {"format": "xml", "record": sniff.record}
        why = {"record": f"{sniff.record}: {sniff.record_why}"}
        if sniff.namespaces:
            source["namespaces"] = dict(sniff.namespaces)
    target: dict[str, Any] = {"resource": guesser.resource}
    target_why: dict[str, str] = {}
    if guesser.resource == "stock":
        target_why["resource"] = (
            "the file is SKUs and stock only: a stock feed (nothing else in the store is "
            "read or written)"
            if resource is None
            else "--resource stock"
        )
        skus = guesser.fields["sku"]
        column = next(c for c in sniff.columns if c.name == skus.column)
        repeated = len(column.values) - len(set(column.values))
        mapped = {g.column for g in guesser.fields.values()}
        warehouse = next(
            (
                c.name
                for c in sniff.columns
                if c.name not in mapped and any(w in normalise(c.name) for w in WAREHOUSE_WORDS)
            ),
            None,
        )
        summed = repeated > 0 and (warehouse is not None or repeated * 10 >= len(column.values))
        target["duplicates"] = "sum" if summed else "reject"
        if summed:
            target_why["duplicates"] = (
                f"{repeated} SKU line(s) repeat"
                + (f", one per {warehouse!r}" if warehouse else "")
                + ": their quantities add up"
            )
        elif repeated:
            target_why["duplicates"] = (
                f"{repeated} SKU line(s) repeat, with no warehouse column: a repeat is "
                'rejected (set "sum" if the lines are stock of several places)'
            )
        else:
            target_why["duplicates"] = (
                "each SKU appears once in the sample: a repeat would be an error"
            )
    else:
        target_why["resource"] = (
            "--resource product" if resource else "products (and their variations)"
        )
        if guesser.group_by is not None:
            target["group_by"] = guesser.group_by[0]
            target_why["group_by"] = guesser.group_by[1]
        target["missing"] = "ignore"
        target_why["missing"] = "products the file does not list are left alone"
    notes = []
    if isinstance(sniff, XmlSniff):
        notes.append(f"{sniff.records} records read to draft this mapping.")
    else:
        notes.append(f"{sniff.rows} rows read to draft this mapping.")
    return Draft(
        feed=sniff.path,
        format="xml" if isinstance(sniff, XmlSniff) else "csv",
        source=source,
        source_why=why,
        target=target,
        target_why=target_why,
        fields=sorted(
            guesser.fields.values(), key=lambda g: (FIELD_RANK.get(g.field, 99), g.field)
        ),
        attributes=guesser.attributes,
        filters=guesser.filters,
        unmapped=guesser.unmapped(),
        notes=notes,
        rows=sniff.rows if isinstance(sniff, CsvSniff) else sniff.records,
    )


# -- WooCommerce's own layout ------------------------------------------------------------------

_UNIT_HEADER = re.compile(r"^(Weight|Length|Width|Height) \(([^)]*)\)$")


def _is_woocommerce(header: list[str]) -> bool:
    known = sum(1 for name in header if name in WOOCOMMERCE_HEADERS or _UNIT_HEADER.match(name))
    return "SKU" in header and known >= 6


@dataclass(frozen=True)
class Layout:
    """A shop system's own export, read by a shipped mapping."""

    name: str
    label: str
    mapping: str | None
    """The shipped mapping that reads it; None: not something bulkio init drafts for."""
    refusal: str = ""


def _known_layout(header: list[str]) -> Layout | None:
    names = set(header)
    if _is_woocommerce(header):
        return Layout("woocommerce", "WooCommerce's own product CSV", "woocommerce-core")
    if {"Handle", "Variant SKU", "Option1 Name", "Variant Price"} <= names:
        return Layout("shopify", "Shopify's product export", "shopify-products")
    if {"Customer ID", "First Name", "Last Name", "Email"} <= names:
        return Layout(
            "shopify-customers",
            "Shopify's customer export",
            None,
            "customers are not products: import it with the shipped shopify-customers mapping "
            "(bulkio import FILE -m shopify-customers; docs/migrations.md)",
        )
    if {"Code", "Amount"} <= names and names & {"Valid until", "Usage limit", "Allowed emails"}:
        return Layout(
            "coupons",
            "a coupon list",
            None,
            "coupons are not products: import it with the shipped coupons-csv mapping "
            "(bulkio import FILE -m coupons-csv; docs/coupons-import.md)",
        )
    if {"Financial Status", "Lineitem sku", "Lineitem quantity"} <= names:
        return Layout(
            "shopify-orders",
            "Shopify's order export",
            None,
            "order history is not a product feed: bulkio init drafts product and stock mappings",
        )
    return None


def _layout_draft(sniff: CsvSniff, feed: str, layout: Layout) -> Draft:
    """A shop system's own product CSV: its shipped mapping, fitted to the file's columns."""
    from bulkio.shipped import shipped_mapping

    if layout.mapping is None:
        raise UsageError(
            f"{feed}: this is {layout.label}; {layout.refusal}",
            hint="see docs/migrations.md for moving customers and orders",
        )
    shipped = shipped_mapping(layout.mapping)
    if shipped is None:
        raise UsageError(
            f"the shipped mapping {layout.mapping} is missing (a broken installation?)",
            hint="reinstall bulkio",
        )
    text = shipped.read_text(encoding="utf-8")
    header = set(sniff.header)
    changes: list[str] = []
    # A literal unit header ("Weight (kg)") the file writes in another unit ("Weight (lbs)").
    for name in sniff.header:
        match = _UNIT_HEADER.match(name)
        if match and f'"{name}"' not in text:
            kind = match.group(1)
            found = re.search(rf'"{kind} \(([^)]*)\)"', text)
            if found and "{unit}" not in found.group(0):
                text = text.replace(found.group(0), f'"{name}"')
                changes.append(f"{found.group(0)} → {name!r}")
    body = _fit_fields(text, header, changes)
    lines = [
        comment(
            f"Drafted by `bulkio init` from {feed}: {layout.label} (recognised by its column "
            f"names), so this is the shipped mapping {layout.mapping}, fitted to the file's "
            "columns."
        ),
        f"# `-m {layout.mapping}` reads such files as well; keep this copy to change it.",
    ]
    lines += [comment(change) for change in changes]
    lines.append("")
    return Draft(
        feed=feed,
        format="csv",
        source={},
        source_why={},
        target={},
        target_why={},
        layout=layout.name,
        notes=[layout.label],
        text="\n".join(lines) + body,
        unmapped=[],
        rows=sniff.rows,
    )


def _fit_fields(text: str, header: set[str], changes: list[str]) -> str:
    """Comment out the one-line ``[fields]`` entries whose column the file does not have (the
    mapping then reads the same whether or not it leaves missing columns alone)."""
    out: list[str] = []
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        if section == "[fields]" and stripped and not stripped.startswith(("#", "[")):
            try:
                entry = tomllib.loads(stripped)
            except tomllib.TOMLDecodeError:
                out.append(line)
                continue
            ((name, value),) = entry.items()
            column = value if isinstance(value, str) else value.get("column")
            if isinstance(column, str) and "{" not in column and column not in header:
                out.append(f"# not in this file: {line}")
                changes.append(f"fields.{name}: the file has no column {column!r}")
                continue
        out.append(line)
    return "\n".join(out) + "\n"
