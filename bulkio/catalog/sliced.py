"""Sliced planning of product feeds whose rows are independent products.

:func:`bulkio.catalog.feed.read_feed` keeps one feed item per row and
:func:`bulkio.catalog.plan.plan_feed` keeps the store's answer for every feed SKU until the plan
is made: a million-record feed held 3 GB (bench/RESULTS.md, Client cost). When no row needs
another row (no ``group_by`` / ``parent``, no linked products, no values with their own
units, no term lists sent only on create, SKUs unique) a feed can be planned slice by slice
instead, with the same plan, requests and messages:

* :func:`read_sliced` streams the source piece by piece: each piece's records are cast and
  checked (the records stage's whole-feed checks — duplicate SKUs, columns empty in every
  row — run at the end, on what it keeps), and its rows become feed items at once, kept in
  slices (written to a temporary file once the feed is large). What the plan needs of the
  whole feed is kept small: each item's line, SKU and shipping class, and the global
  attribute names.
* :func:`plan_sliced` reads what ``plan_feed`` reads before the state, in the same order;
  chooses the way to read the products once for every SKU of the feed (the same rule, the
  same probe); then reads them a group of SKU chunks at a time (the very chunks the
  whole-feed read would send), plans that group's items against its answers and drops both.
  Feed SKUs no live product holds are looked up in the trash once, at the end, as the
  whole-feed read does, and their items planned then. Before a group is planned, the rows
  the store certainly holds as the feed has them are found on columns
  (:mod:`bulkio.catalog.columnar_unchanged`) and kept as unchanged products at once; only the
  others go through the per-row planner (``columnar=False`` plans every row there, the
  reference the tests hold the columns to). Images another product already holds
  are named by media id; the few updates that sent an image URL a later group turned out to
  hold are planned again at the end with every group's images known.

The result is a :class:`~bulkio.catalog.plan.CatalogPlan` equal to the whole-feed one
(tests/catalog/test_sliced.py plans every shipped sample and random feeds both ways).
"""

from __future__ import annotations

import array
import contextlib
import dataclasses
import operator
import pickle
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from bulkio.catalog.attributes import AttributeIndex
from bulkio.catalog.columnar_unchanged import split_unchanged
from bulkio.catalog.feed import (
    CatalogFeed,
    FeedItem,
    _Reader,
    _resolve,
    convert_units,
    paused_gc,
    resolve_shipping_classes,
    shipping_class_known,
    shipping_slugs,
)
from bulkio.catalog.plan import (
    LINK_LABELS,
    CatalogOp,
    CatalogPlan,
    UnchangedProducts,
    _defaults,
    _product_attributes,
    _unpredictable_texts,
    build_catalog_plan,
    check_store_supports,
    held_media,
    store_units,
    unpredictable_note,
)
from bulkio.catalog.state import PRODUCT_FIELDS, CatalogState, _as_variation
from bulkio.catalog.terms import TermIndex
from bulkio.errors import MappingError
from bulkio.mapping.model import Mapping
from bulkio.plan.model import PlanRejection
from bulkio.plan.state import (
    PER_PAGE,
    FetchPlan,
    is_variation,
    once_by_id,
    plan_fetch,
    read_products,
    read_sku_chunks,
    sku_key,
)
from bulkio.records import (
    RecordSet,
    RowError,
    _RecordsBuilder,
    fit_fields,
    resolve_columns,
    strip_formula_apostrophes,
)
from bulkio.sources import LINE, iter_source
from bulkio.sources.frame import RowsRead

SLICE_ITEMS = 5_000
"""Feed items per slice (a multiple of the 100 SKUs a lookup carries)."""
SPILL_ITEMS = 20_000
"""Items (and products of a paged catalog) kept in memory; the slices after them wait in a
temporary file (written as tuples of their fields: pickling the slotted dataclass itself is
twice as slow)."""
_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(FeedItem)))
TERM_LISTS = ("categories", "tags", "brands")
KEY_SCHEMA = {"line": pl.Int64, "sku": pl.String, "shipping_class": pl.String}


def slicing_refused(mapping: Mapping) -> str:
    """Why the feed cannot be planned in slices ("" when it can): what makes a row depend on
    other rows of the feed."""
    target = mapping.target
    if target.resource != "product":
        return f'resource = "{target.resource}" (variations grouped by their parent)'
    if target.group_by or target.parent:
        return "rows are grouped into variable products (group_by / parent)"
    if target.duplicates != "reject":
        return f'duplicates = "{target.duplicates}"'
    links = [name for name in LINK_LABELS if name in mapping.lists]
    if links:
        return f"linked products ({', '.join(links)}) name other rows"
    if any(rule.unit == "in-value" for rule in mapping.fields.values()):
        return 'unit = "in-value" (one conversion count for the whole feed)'
    if any(mapping.lists[name].on == "create" for name in TERM_LISTS if name in mapping.lists):
        return 'term lists sent only on create (on = "create")'
    return ""


@dataclass
class SlicedFeed:
    """A product feed read by :func:`read_sliced`: the whole-feed facts in :attr:`header`
    (its ``items`` stay empty) and the items in slices."""

    header: CatalogFeed
    slices: list[list[FeedItem] | Path] = field(default_factory=list)
    keys: pl.DataFrame = field(default_factory=pl.DataFrame)
    """One row per item in feed order: ``line``, ``sku``, ``shipping_class`` (duplicates of
    an earlier SKU already left out)."""
    global_names: list[tuple[int, str]] = field(default_factory=list)
    """(line, name) of every global attribute an item gives."""
    dropped: set[int] = field(default_factory=set)
    """Lines whose items are not the feed's: rows the records stage rejected as duplicates
    after their piece was read."""
    spill_dir: Path | None = None

    @property
    def item_count(self) -> int:
        return self.keys.height

    def items(self) -> Iterator[list[FeedItem]]:
        """Each slice's items, in feed order (duplicates left out), handed out once: a slice
        held in memory is let go as it is handed out (the plan keeps what it needs)."""
        for index, part in enumerate(self.slices):
            items: list[FeedItem]
            if isinstance(part, Path):
                # Written by this process into its own private directory (mkdtemp: 0700).
                with open(part, "rb") as handle, paused_gc():
                    items = [FeedItem(*row) for row in pickle.load(handle)]  # noqa: S301
            else:
                items, self.slices[index] = part, []
            if self.dropped:
                items = [item for item in items if item.line not in self.dropped]
            yield items

    def close(self) -> None:
        """Remove the slices written to disk (also done when the feed is collected)."""
        if self.spill_dir is not None:
            shutil.rmtree(self.spill_dir, ignore_errors=True)
            self.spill_dir = None


class _Slices:
    """Items cut into slices; past :data:`SPILL_ITEMS` the slices go to a temporary file."""

    def __init__(self, feed: SlicedFeed, slice_items: int, spill_items: int) -> None:
        self.feed = feed
        self.size = slice_items
        self.spill_items = spill_items
        self.pending: list[FeedItem] = []
        self.held = 0

    def add(self, items: list[FeedItem]) -> None:
        self.pending.extend(items)
        while len(self.pending) >= self.size:
            self.cut(self.pending[: self.size])
            self.pending = self.pending[self.size :]

    def cut(self, items: list[FeedItem]) -> None:
        if self.held + len(items) <= self.spill_items:
            self.feed.slices.append(items)
            self.held += len(items)
            return
        if self.feed.spill_dir is None:
            self.feed.spill_dir = Path(tempfile.mkdtemp(prefix="bulkio-slices-"))
            weakref.finalize(self.feed, shutil.rmtree, self.feed.spill_dir, True)
        path = self.feed.spill_dir / f"{len(self.feed.slices):06d}.pickle"
        with open(path, "wb") as handle, paused_gc():  # tuples of a slice: no cycles
            pickle.dump([_FIELDS(item) for item in items], handle, pickle.HIGHEST_PROTOCOL)
        self.feed.slices.append(path)

    def finish(self) -> None:
        if self.pending:
            self.cut(self.pending)
            self.pending = []


def read_sliced(
    mapping: Mapping,
    path: str | Path,
    *,
    progress: RowsRead | None = None,
    slice_items: int = SLICE_ITEMS,
    spill_items: int = SPILL_ITEMS,
) -> SlicedFeed:
    """Read a feed :func:`slicing_refused` accepts, piece by piece (see the module doc). The
    header's rejected rows, warnings and totals are :func:`~bulkio.catalog.feed.read_feed`'s."""
    pieces = iter_source(path, mapping.source, paths=mapping.source_columns, progress=progress)
    if mapping.source.strip_formula_apostrophe:
        pieces = (strip_formula_apostrophes(piece) for piece in pieces)
    first = next(pieces)
    try:
        layout = _resolve(mapping, list(first.columns))
        records_mapping = fit_fields(
            layout.mapping, list(first.columns), is_xml=first.format == "xml"
        ).mapping
        columns = resolve_columns(records_mapping, first)
    except MappingError:
        for _ in pieces:  # a file that cannot be read at all says so first
            pass
        raise
    builder = _RecordsBuilder(records_mapping, first, columns)
    fields = list(records_mapping.fields)
    reader = _Reader(mapping, layout, str(path))
    feed = SlicedFeed(header=CatalogFeed(str(path), [], [], 0))
    slices = _Slices(feed, slice_items, spill_items)
    key_parts: list[pl.DataFrame] = []
    piece: Any = first
    del first
    while piece is not None:
        builder.add(piece)
        accepted = builder.accepted[-1]
        # The records stage keeps every accepted row's values for its duplicate check; here
        # only what that check reads is kept (the values become this piece's items).
        builder.accepted[-1] = accepted.select(
            pl.col(name) if name not in fields or name == "sku" else pl.lit(None).alias(name)
            for name in accepted.columns
        )
        values = RecordSet(accepted.select([LINE, *fields]), [], str(path), fields=fields)
        del accepted
        reader.unit = "line" if builder.source.format == "csv" else "record"
        with paused_gc():
            by_line = dict(values.iter_rows())
            del values
            for row in piece.frame.iter_rows(named=True):
                row_values = by_line.pop(int(row[LINE]), None)
                if row_values is not None:
                    reader.row(row, row_values)
            items = reader.finish()
            reader.products = []
        # Kept as columns: Python lists of every item's line and SKU held some 110 MB at
        # 1,000,000 records (the SKU strings outlive their items, which go to disk).
        key_parts.append(
            pl.DataFrame(
                {
                    "line": [item.line for item in items],
                    "sku": [item.sku for item in items],
                    "shipping_class": [item.shipping_class for item in items],
                },
                schema=KEY_SCHEMA,
            )
        )
        for item in items:
            feed.global_names.extend((item.line, a.name) for a in item.attributes if a.is_global)
        slices.add(items)
        del items, by_line
        piece = next(pieces, None)
    slices.finish()
    records = builder.finish()
    feed.dropped = {error.line for error in records.rejected if error.code == "duplicate-sku"}
    keys = pl.concat(key_parts) if key_parts else pl.DataFrame(schema=KEY_SCHEMA)
    del key_parts
    if feed.dropped:
        keys = keys.filter(~pl.col("line").is_in(sorted(feed.dropped)))
        feed.global_names = [(line, n) for line, n in feed.global_names if line not in feed.dropped]
    feed.keys = keys
    rejected = list(records.rejected)
    rejected += [error for error in reader.rejected if error.line not in feed.dropped]
    rejected.sort(key=lambda error: error.line)
    warnings = list(records.warnings)
    if layout.absent:
        warnings.append(
            f"{path}: no column {', '.join(repr(c) for c in layout.absent)}: "
            "those fields are left as the store has them"
        )
    brands = mapping.lists.get("brands")
    feed.header = CatalogFeed(
        str(path),
        [],
        rejected,
        records.total,
        warnings,
        layout.units,
        resource="product",
        brands_key=brands.key if brands is not None else "",
        list_columns={name: cols[0] for name, (_, cols) in layout.lists.items()},
        owned_fields=tuple(layout.mapping.fields),
        value_units={},
    )
    return feed


class _Planner:
    """The plan of a sliced feed, made group by group (see :func:`plan_sliced`)."""

    def __init__(
        self,
        feed: SlicedFeed,
        categories: TermIndex,
        tags: TermIndex,
        attributes: AttributeIndex,
        brands: TermIndex | None,
        *,
        columnar: bool = True,
    ) -> None:
        self.feed = feed
        self.columnar = columnar
        """Whether the rows the store certainly holds as the feed has them are found on
        columns (:mod:`bulkio.catalog.columnar_unchanged`) before the planner sees the rest."""
        self.categories = categories
        self.tags = tags
        self.attributes = attributes
        self.brands = brands
        self.media: dict[str, int] = {}
        self.ordered = bool(
            {"categories", "tags", "brands"} & set(feed.header.list_columns) or feed.global_names
        )
        """Whether planning creates terms or global attribute values (whose order is the
        feed's); without, a group's found items are planned in one go."""
        self.ops: list[CatalogOp] = []
        """The ops that are more than an unchanged product."""
        self.unchanged = UnchangedProducts()
        self.rejected: list[PlanRejection] = []
        self.notes: list[str] = []
        self.unsure: list[tuple[str, str]] = []
        self.deferred: list[FeedItem] = []
        self.replan: list[tuple[int, FeedItem, dict[str, Any], list[str]]] = []
        """(index in ``ops``, item, store product, image URLs sent as URLs) of updates whose
        images may be held by a product a later group reads."""

    def hold_media(self, state: CatalogState) -> None:
        """Add a group's images to the media map, first holder first (as
        :func:`bulkio.catalog.plan.store_media` walks the whole state)."""
        for product in state.products.values():
            if product.get("status") != "trash":
                for url, media_id in held_media(product, variation=False).items():
                    self.media.setdefault(url, media_id)

    def _plan_part(self, items: list[FeedItem], state: CatalogState) -> CatalogPlan:
        """Plan some of the feed's items against the store state of their group, with the
        terms, attributes and media known for the whole feed (both the slices and the
        re-planned updates go through here, so they are planned alike)."""
        return build_catalog_plan(
            CatalogFeed(self.feed.header.source, items, [], 0),
            state,
            self.categories,
            self.tags,
            self.attributes,
            self.brands,
            media=self.media,
            text_notes=False,
        )

    def plan_items(self, items: list[FeedItem], state: CatalogState) -> None:
        """Plan items whose products are in ``state`` (found, a variation's, or new for
        good), keeping the changes and the rejections."""
        if not items:
            return
        plan = self._plan_part(items, state)
        self.rejected.extend(plan.rejected)
        self.notes.extend(plan.notes)
        by_sku = {item.sku.casefold(): item for item in items}
        for op in plan.products:
            if UnchangedProducts.fits(op):
                self.unchanged.add(op)  # a few columns instead of the op
                continue
            sent = [
                str(entry["src"])
                for entry in op.payload.get("images") or ()
                if isinstance(entry, dict) and "src" in entry
            ]
            if op.action == "update" and sent:
                store = state.products.get(op.sku.casefold())
                item = by_sku.get(op.sku.casefold())
                if store is not None and item is not None:
                    self.replan.append((len(self.ops), item, store, sent))
            self.ops.append(op)

    def resolve_terms(self, item: FeedItem) -> None:
        """The term and global attribute look-ups ``build_catalog_plan`` makes for an item, in
        its order: an item planned after the trash read takes its place in the order of the
        terms and attribute values to create."""
        if item.categories:
            for path in item.categories:
                self.categories.resolve(path)
        if item.tags:
            for name in item.tags:
                self.tags.resolve((name,))
        if item.brands and self.brands is not None:
            for path in item.brands:
                self.brands.resolve(path)
        if item.attributes:
            _product_attributes(item, self.attributes)
            _defaults(item.attributes, self.attributes)

    def group(self, items: list[FeedItem], state: CatalogState, *, new_state: bool = True) -> None:
        """One group: its items in feed order, the ones found planned in runs, the ones no
        live product holds kept for after the trash read. ``new_state``: ``state`` is this
        group's own (its images join the media map)."""
        if new_state:
            self.hold_media(state)
        if self.columnar and state.products:
            # Unchanged rows need no op, no term or attribute look-up and no note: taking them
            # out first leaves the planner the same work on the others, in the same order.
            found, items = split_unchanged(items, state.products)
            self.unchanged.extend(found.lines, found.skus, found.ids, found.modified)
        run: list[FeedItem] = []
        for item in items:
            key = item.sku.casefold()
            if item.sku and key not in state.products and key not in state.variation_skus:
                if self.ordered:
                    # Its terms and attribute values take their place in the order of those
                    # to create: the items before it are planned first.
                    self.plan_items(run, state)
                    run = []
                    self.resolve_terms(item)
                self.deferred.append(item)
            else:
                run.append(item)
        self.plan_items(run, state)
        # After the plan compared these texts (fields.stored_text keeps its answers a while).
        self.unsure += _unpredictable_texts(CatalogFeed("", items, [], 0))

    def finish(self, trash: CatalogState) -> CatalogPlan:
        """The items left for the trash read, the updates to plan again with every image
        known, and the plan put together in feed order."""
        deferred, self.deferred = self.deferred, []
        self.plan_items(deferred, trash)
        for index, item, store, sent in self.replan:
            if not any(url in self.media for url in sent):
                continue
            state = CatalogState(products={item.sku.casefold(): store})
            state.by_id[int(store["id"])] = store
            again = self._plan_part([item], state)
            self.ops[index] = again.products[0]
        header = self.feed.header
        brands = self.brands
        term_reads = self.categories.reads + self.tags.reads + (brands.reads if brands else 0)
        plan = CatalogPlan(header.source, term_reads=term_reads)
        plan.rejected = [
            PlanRejection(e.file, e.line, e.sku, e.column, e.value, e.code, e.message)
            for e in header.rejected
        ]
        plan.rejected += self.rejected
        plan.rejected.sort(key=lambda r: r.line or 0)
        self.ops.sort(key=lambda op: op.line)
        plan.products = self.ops
        self.unchanged.sort()
        plan.unchanged_products = self.unchanged
        plan.notes = list(self.notes)
        if self.unsure:
            plan.notes.append(unpredictable_note(self.unsure))
        plan.terms = [*self.categories.pending.values(), *self.tags.pending.values()]
        if brands is not None:
            plan.terms += list(brands.pending.values())
        plan.attributes = list(self.attributes.pending.values())
        plan.attribute_terms = list(self.attributes.pending_terms.values())
        return plan


def _state_of(products: list[dict[str, Any]]) -> CatalogState:
    """The state of the products a lookup found (as :func:`fetch_catalog_state` files them)."""
    state = CatalogState()
    for product in products:
        if is_variation(product):
            key = str(product.get("sku", "")).casefold()
            state.variation_skus[key] = int(product.get("parent_id") or 0)
            state.variation_records[key] = _as_variation(product)
            continue
        state.by_id[int(product["id"])] = product
        if product.get("sku"):
            state.products[str(product["sku"]).casefold()] = product
    return state


def _items(feed: SlicedFeed, keep: Callable[[FeedItem], bool]) -> Iterator[FeedItem]:
    for items in feed.items():
        for item in items:
            if keep(item):
                yield item


def _take(stream: Iterator[FeedItem], skus: int, *, count_all: bool = False) -> list[FeedItem]:
    """The next items of ``stream`` up to and including the ``skus``-th one with a SKU (all
    items count with ``count_all``); fewer at the end."""
    items: list[FeedItem] = []
    while skus:
        item = next(stream, None)
        if item is None:
            break
        items.append(item)
        if item.sku or count_all:
            skus -= 1
    return items


class _Buckets:
    """Products found by paging the catalog, filed by the group of the feed SKU they hold;
    past :data:`SPILL_ITEMS` products in memory they wait in files, one per group."""

    def __init__(self, spill: int | None = None) -> None:
        self.memory: dict[int, list[dict[str, Any]]] = {}
        self.held = 0
        self.spill = SPILL_ITEMS if spill is None else spill
        self.dir: Path | None = None

    def add(self, group: int, product: dict[str, Any]) -> None:
        self.memory.setdefault(group, []).append(product)
        self.held += 1
        if self.held >= self.spill:
            if self.dir is None:
                self.dir = Path(tempfile.mkdtemp(prefix="bulkio-products-"))
                weakref.finalize(self, shutil.rmtree, self.dir, True)
            for number, products in self.memory.items():
                with open(self.dir / f"{number:06d}.pickle", "ab") as handle, paused_gc():
                    pickle.dump(products, handle, protocol=pickle.HIGHEST_PROTOCOL)
            self.memory.clear()
            self.held = 0

    def take(self, group: int) -> list[dict[str, Any]]:
        """The group's products in the order the pages gave them, each id once."""
        products: list[dict[str, Any]] = []
        path = self.dir / f"{group:06d}.pickle" if self.dir is not None else None
        if path is not None and path.exists():
            with open(path, "rb") as handle, paused_gc():
                while True:
                    try:
                        products += pickle.load(handle)  # noqa: S301 (this process's own file)
                    except EOFError:
                        break
            path.unlink()
        products += self.memory.pop(group, [])
        return once_by_id(products)

    def close(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


def _page_catalog(
    client: Any,
    fetch: FetchPlan,
    skus: list[str],
    group_skus: int,
    planner: _Planner,
    progress: Callable[[int], None] | None,
) -> _Buckets:
    """:func:`bulkio.plan.state.read_products`'s catalog paging (the same pages, the same
    second pass when products were passed over), each product holding a feed SKU filed by
    its group, and every image held added to the media map in page order (as the whole-feed
    state has them)."""
    keys = pl.DataFrame(
        {
            "key": [sku.lower() for sku in skus],
            "group": pl.int_range(len(skus), dtype=pl.Int64, eager=True) // group_skus,
        },
        schema={"key": pl.String, "group": pl.Int64},
    ).sort("key")
    sorted_keys, groups = keys["key"], keys["group"]
    del keys
    buckets = _Buckets()
    seen = array.array("q")
    base = {"_fields": PRODUCT_FIELDS}
    last = max(0, len(sorted_keys) - 1)
    for attempt in range(2):
        for items in client.iter_pages("products", params=base, per_page=PER_PAGE):
            seen.extend(int(item["id"]) for item in items)
            if not items or not len(sorted_keys):
                continue
            page_keys = pl.Series([sku_key(item) for item in items], dtype=pl.String)
            at = sorted_keys.search_sorted(page_keys, side="left").clip(0, last)
            hits = (sorted_keys.gather(at) == page_keys).fill_null(False).to_list()
            found = groups.gather(at).to_list()
            matched = 0
            for item, hit, group in zip(items, hits, found, strict=True):
                if hit:
                    matched += 1
                    buckets.add(int(group), item)
                    if item.get("status") != "trash" and not is_variation(item):
                        for url, media_id in held_media(item, variation=False).items():
                            planner.media.setdefault(url, media_id)
            if progress and attempt == 0:
                progress(matched)
        if fetch.total is None or pl.Series(seen, dtype=pl.Int64).n_unique() >= fetch.total:
            break
    return buckets


def plan_sliced(
    client: Any,
    feed: SlicedFeed,
    *,
    mapping_path: str = "",
    on_trashed: str = "restore",
    concurrency: int = 4,
    progress: Callable[[int], None] | None = None,
    group_skus: int = SLICE_ITEMS,
    columnar: bool = True,
) -> CatalogPlan:
    """The plan of a sliced feed: the plan, requests and messages of
    :func:`bulkio.catalog.plan.plan_feed` on the whole feed, holding one group of items and
    their products at a time (see the module doc). ``group_skus``: SKUs read per group (whole
    chunks of the whole-feed read). ``columnar=False`` plans every row in Python (the
    reference the columnar comparison is tested against)."""
    from bulkio.mapping.units import field_kind

    header = feed.header
    source = mapping_path or header.source
    check_store_supports(client, header, source)
    brands = None
    if header.brands_key:
        brands = TermIndex.load_brands(client, source, header.brands_key)
    units: dict[str, str] | None = None
    if header.units:
        units = store_units(client, {field_kind(name) for name in header.units})
        convert_units(header, units)  # its warnings; the items are converted slice by slice
    keys = feed.keys
    classes: list[dict[str, Any]] | None = None
    if keys.height and (keys["shipping_class"] != "").any():
        classes = []
        params = {"_fields": "id,name,slug", "orderby": "id", "order": "asc"}
        for page in client.iter_pages("products/shipping_classes", params=params, per_page=100):
            classes.extend(page)
    categories = TermIndex.load(client, "categories")
    tags = TermIndex.load(client, "tags")
    global_names = sorted({name for _, name in feed.global_names})
    attributes = AttributeIndex.load(client, global_names)
    slugs = shipping_slugs(classes) if classes is not None else None
    if slugs is not None:
        known = [shipping_class_known(cell, slugs) for cell in keys["shipping_class"]]
        keys = keys.filter(pl.Series(known, dtype=pl.Boolean))
    skus = [sku for sku in keys["sku"].to_list() if sku]
    fetch = plan_fetch(client, skus)
    rejected: list[RowError] = []

    def slices() -> Iterator[FeedItem]:
        for items in feed.items():
            part = CatalogFeed(header.source, items, [], 0, units=header.units)
            if units is not None:
                convert_units(part, units)
            if classes is not None:
                resolve_shipping_classes(part, classes)
                rejected.extend(part.rejected)
            yield from part.items

    planner = _Planner(feed, categories, tags, attributes, brands, columnar=columnar)
    stream = slices()
    # No cyclic collection while the plan grows (as while rows become items: each collection
    # walks every op made so far; nothing here makes reference cycles).
    with paused_gc():
        return _plan_groups(
            client,
            feed,
            fetch,
            skus,
            stream,
            planner,
            rejected,
            on_trashed,
            concurrency,
            progress,
            group_skus,
        )


def _plan_groups(
    client: Any,
    feed: SlicedFeed,
    fetch: FetchPlan,
    skus: list[str],
    stream: Iterator[FeedItem],
    planner: _Planner,
    rejected: list[RowError],
    on_trashed: str,
    concurrency: int,
    progress: Callable[[int], None] | None,
    group_skus: int,
) -> CatalogPlan:
    """The groups of :func:`plan_sliced`: read, plan, drop; then the trash read."""
    header = feed.header
    count = len(skus)
    if fetch.strategy != "catalog":
        skus.clear()  # the chunks hold what is still to read (and let it go group by group)
    if fetch.strategy == "sku":
        base = {"_fields": PRODUCT_FIELDS}
        chunks = fetch.chunks
        per_group = max(1, group_skus // PER_PAGE)
        for start in range(0, len(chunks), per_group):
            group_chunks = chunks[start : start + per_group]
            chunks[start : start + per_group] = [[] for _ in group_chunks]
            items = _take(stream, sum(len(chunk) for chunk in group_chunks))
            lower = {sku.lower() for chunk in group_chunks for sku in chunk}
            found = read_sku_chunks(
                client, group_chunks, lower, base, concurrency=concurrency, progress=progress
            )
            del group_chunks, lower
            planner.group(items, _state_of(once_by_id(found)))
        rest = list(stream)
        if rest:
            planner.group(rest, CatalogState())
    elif fetch.strategy == "catalog":
        buckets = _page_catalog(client, fetch, skus, group_skus, planner, progress)
        skus.clear()
        try:
            for group in range(-(-count // group_skus)):
                items = _take(stream, group_skus)
                planner.group(items, _state_of(buckets.take(group)), new_state=False)
        finally:
            buckets.close()
        rest = list(stream)
        if rest:
            planner.group(rest, CatalogState(), new_state=False)
    else:  # nothing to read: an empty store
        while True:
            items = _take(stream, group_skus, count_all=True)
            if not items:
                break
            planner.group(items, CatalogState())
    missing = [item.sku for item in planner.deferred if item.sku]
    trash = CatalogState()
    if missing:
        for product in read_products(
            client, missing, PRODUCT_FIELDS, status="trash", concurrency=concurrency
        ):
            key = str(product.get("sku") or "").casefold()
            if is_variation(product) or not key or key in trash.trashed:
                continue
            product["status"] = "trash"
            trash.trashed[key] = product
            if on_trashed == "restore":
                trash.products[key] = product
                trash.by_id[int(product["id"])] = product
    if rejected:
        header.rejected = sorted([*header.rejected, *rejected], key=lambda error: error.line)
    plan = planner.finish(trash)
    with contextlib.suppress(Exception):
        feed.close()
    return plan
