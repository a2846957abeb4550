"""Catalog plan: terms to create, then products, then variations — each with its field diff.

Comparison is canonical (:mod:`bulkio.fields`) for plain fields; terms as sets of ids;
attributes by name without case (options in order, visible, used for variations); images by
the source URLs bulkio remembers in the product meta ``_bulkio_image_sources`` (WooCommerce
answers with its own media-library URLs, so the sent URLs are not in its answer).

Payloads may hold term placeholders (``{"id": "$term:categories:clothing"}``) and
variations of products still to be created have no parent id yet: apply resolves both.
"""

from __future__ import annotations

import array
import heapq
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from bulkio.catalog.attributes import AttributeIndex, PendingAttribute, PendingAttributeTerm
from bulkio.catalog.feed import Attribute, CatalogFeed, FeedItem, attribute_key
from bulkio.catalog.state import CatalogState
from bulkio.catalog.terms import PendingTerm, TermIndex, TermRef, is_placeholder, name_key
from bulkio.fields import (
    TEXT_FIELDS,
    CanonicalValue,
    canonical_from_store,
    field_spec,
    same_value,
    stored_text,
)
from bulkio.plan.model import FieldChange, PlanRejection
from bulkio.plan.unchanged import StrColumn, line_order

IMAGE_SOURCES_META = "_bulkio_image_sources"
LINK_LABELS = {
    "upsell_ids": "upsells",
    "cross_sell_ids": "cross-sells",
    "grouped_products": "grouped products",
}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class CatalogOp:
    action: str
    """"create", "update" or "unchanged"."""
    level: str
    """"product" or "variation"."""
    line: int
    sku: str
    id: int | None = None
    parent_sku: str = ""
    parent_id: int | None = None
    changes: list[Change] = field(default_factory=list)
    field_changes: list[FieldChange] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    base_modified: str | None = None
    variations: list[CatalogOp] = field(default_factory=list)
    links: dict[str, list[int | str]] = field(default_factory=dict)
    """Upsells / cross-sells / grouped products naming products this run creates: ids, and
    SKUs that apply turns into ids once those products exist (a second write)."""


@dataclass
class UnchangedProducts:
    """Products a plan leaves as the store holds them, kept as columns (line, SKU, id, the
    store's modification date) instead of a :class:`CatalogOp` each: most of a big nightly
    feed is unchanged, and an op with its empty lists and dicts costs about 600 bytes (the
    sliced planner, :mod:`bulkio.catalog.sliced`, keeps its unchanged products here)."""

    lines: array.array[int] = field(default_factory=lambda: array.array("q"))
    skus: StrColumn = field(default_factory=StrColumn)
    """One UTF-8 string with offsets (a list of ``str`` cost ~65 bytes a SKU)."""
    ids: array.array[int] = field(default_factory=lambda: array.array("q"))
    modified: list[str | None] = field(default_factory=list)
    dates: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Each modification date once (products written by one import share them)."""

    def __len__(self) -> int:
        return len(self.lines)

    @staticmethod
    def fits(op: CatalogOp) -> bool:
        """Whether ``op`` is nothing but an unchanged product (no variations, no links)."""
        return (
            op.action == "unchanged"
            and op.level == "product"
            and op.id is not None
            and not op.parent_sku
            and op.parent_id is None
            and not (op.changes or op.field_changes or op.payload or op.variations or op.links)
        )

    def add(self, op: CatalogOp) -> None:
        assert op.id is not None
        self.lines.append(op.line)
        self.skus.append(op.sku)
        self.ids.append(op.id)
        date = op.base_modified
        self.modified.append(None if date is None else self.dates.setdefault(date, date))

    def extend(
        self, lines: list[int], skus: list[str], ids: list[int], modified: list[str | None]
    ) -> None:
        """Add products found unchanged on columns
        (:func:`bulkio.catalog.columnar_unchanged.split_unchanged`): no op is made for them."""
        self.lines.extend(lines)
        self.skus.extend(skus)
        self.ids.extend(ids)
        dates = self.dates
        self.modified.extend(None if d is None else dates.setdefault(d, d) for d in modified)

    def sort(self) -> None:
        """In line order (products are added as their group is planned)."""
        order = line_order(self.lines)  # a polars column: no Python int per row
        if order is None:
            return
        self.lines = array.array("q", (self.lines[i] for i in order))
        self.skus = self.skus.take(order)
        self.ids = array.array("q", (self.ids[i] for i in order))
        self.modified = [self.modified[i] for i in order]

    def ops(self) -> Iterator[CatalogOp]:
        """Each as the op the plan made for it, in the order kept."""
        for line, sku, product_id, modified in zip(
            self.lines, self.skus, self.ids, self.modified, strict=True
        ):
            yield CatalogOp(
                "unchanged", "product", line, sku, id=product_id, base_modified=modified
            )


@dataclass
class CatalogPlan:
    source: str
    terms: list[PendingTerm] = field(default_factory=list)
    attributes: list[PendingAttribute] = field(default_factory=list)
    attribute_terms: list[PendingAttributeTerm] = field(default_factory=list)
    products: list[CatalogOp] = field(default_factory=list)
    rejected: list[PlanRejection] = field(default_factory=list)
    term_reads: int = 0
    notes: list[str] = field(default_factory=list)
    """What the plan could not be sure of, for people to read (shown in dry runs and JSON)."""
    unchanged_products: UnchangedProducts = field(default_factory=UnchangedProducts)
    """Unchanged products kept as columns, not in :attr:`products` (the sliced planner's);
    :meth:`every_product` gives them back as ops, in line order with the others."""

    def every_product(self) -> Iterator[CatalogOp]:
        """:attr:`products` and the unchanged products kept as columns, in line order."""
        if not len(self.unchanged_products):
            yield from self.products
            return
        yield from heapq.merge(self.products, self.unchanged_products.ops(), key=lambda op: op.line)

    def all_variations(self) -> list[CatalogOp]:
        return [v for product in self.products for v in product.variations]

    def counts(self) -> dict[str, int]:
        counts = {
            "terms": len(self.terms),
            "attributes": len(self.attributes),
            "attribute_terms": len(self.attribute_terms),
        }
        for level, ops in (("product", self.products), ("variation", self.all_variations())):
            for action in ("create", "update", "unchanged"):
                counts[f"{level}_{action}"] = sum(1 for op in ops if op.action == action)
        counts["product_unchanged"] += len(self.unchanged_products)
        counts["rejected"] = len(self.rejected)
        return counts

    @property
    def has_changes(self) -> bool:
        ops = [*self.products, *self.all_variations()]
        if self.terms or self.attributes or self.attribute_terms:
            return True
        return any(op.action != "unchanged" for op in ops)


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    return str(value)


def held_media(resource: dict[str, Any] | None, *, variation: bool) -> dict[str, int]:
    """URL → media id of the images a product (or variation) holds from the feed URLs bulkio
    remembered for it (``_bulkio_image_sources``, in the order the images are held)."""
    if resource is None:
        return {}
    remembered = _meta_value(resource, IMAGE_SOURCES_META)
    try:
        known = json.loads(remembered) if remembered else None
    except ValueError:
        return {}
    if variation:
        held = [resource["image"]] if resource.get("image") else []
    else:
        held = list(resource.get("images") or ())
    found: dict[str, int] = {}
    if isinstance(known, list) and len(known) == len(held):
        for url, image in zip(known, held, strict=True):
            if isinstance(image, dict) and image.get("id"):
                found.setdefault(str(url), int(image["id"]))
    return found


def store_media(state: CatalogState) -> dict[str, int]:
    """URL → media id over every product and variation the plan read (see :func:`held_media`)."""
    found: dict[str, int] = {}
    for product in state.products.values():
        if product.get("status") != "trash":
            for url, media_id in held_media(product, variation=False).items():
                found.setdefault(url, media_id)
    for variations in state.variations.values():
        for variation in variations:
            for url, media_id in held_media(variation, variation=True).items():
                found.setdefault(url, media_id)
    return found


def _meta_value(resource: dict[str, Any] | None, key: str) -> str | None:
    for entry in (resource or {}).get("meta_data") or ():
        if entry.get("key") == key:
            value = entry.get("value")
            return "" if value is None else str(value)
    return None


NEW_VARIATION_DEFAULTS: dict[str, CanonicalValue] = {"tax_class": "parent"}
"""What a variation created through the API holds when a field is not sent, where that is not
empty: its tax class is "parent" (WooCommerce's importer, and an empty cell, mean "" = the
standard rate), so "" must be sent."""


def _same(name: str, old: CanonicalValue, new: CanonicalValue) -> bool:
    """Whether the store's value (canonical) already is the feed's: numbers compare as numbers
    (the feed keeps a price as written, ``20``, the canonical form is ``20.00``), names and
    descriptions as :func:`bulkio.fields.text_key` predicts the store keeps them."""
    spec = field_spec(name)
    if old == new or spec is None:
        return old == new
    # Names and descriptions as WordPress will keep them (``&`` → ``&amp;``, …), or without
    # their markup where bulkio cannot predict that (bulkio.fields.same_value).
    return same_value(spec, old, new)


class _Differ:
    def __init__(
        self,
        item_values: dict[str, CanonicalValue],
        store: dict[str, Any] | None,
        new_defaults: dict[str, CanonicalValue] | None = None,
    ):
        self.new_defaults = new_defaults or {}
        self.store = store
        self.payload: dict[str, Any] = {}
        self.changes: list[Change] = []
        self.field_changes: list[FieldChange] = []
        self.meta: list[dict[str, Any]] = []
        self.values = item_values

    def plain(self, skip: set[str]) -> None:
        manage = self.values.get("stock_quantity") is not None or (
            self.store is not None and bool(self.store.get("manage_stock"))
        )
        wanted = dict(self.values)
        if self.values.get("stock_quantity") is not None:
            wanted["manage_stock"] = True
        for name, new in wanted.items():
            if name in skip or name.startswith("meta:"):
                continue
            if name == "stock_status" and manage:
                continue  # derived by WooCommerce from the quantity
            spec = field_spec(name)
            if spec is None:
                continue
            if spec.kind == "terms":
                if isinstance(new, tuple):  # term ids (type = "int")
                    self.terms(name, list(new), [f"#{term_id}" for term_id in new])
                continue
            old = canonical_from_store(spec, self.store) if self.store is not None else None
            if self.store is not None and _same(name, old, new):
                continue
            if self.store is None and (new is None or new == self.new_defaults.get(name, "")):
                continue  # a new item starts with that value anyway
            self.field_changes.append(FieldChange(name, old, new))
            self.changes.append(Change(name, _show(old), _show(new)))
            if name.startswith("dimensions."):
                self.payload.setdefault("dimensions", {})[name.split(".", 1)[1]] = new
            else:
                self.payload[name] = new

    def meta_entries(self, meta: dict[str, str]) -> None:
        for key, new in meta.items():
            old = _meta_value(self.store, key)
            if old == new:
                continue
            self.meta.append({"key": key, "value": new})
            self.changes.append(Change(f"meta:{key}", _show(old), _show(new)))

    def terms(self, name: str, refs: list[TermRef], labels: list[str]) -> None:
        ids = [ref for ref in refs if isinstance(ref, int)]
        pending = any(is_placeholder(ref) for ref in refs)
        held = (self.store or {}).get(name) or ()
        old = tuple(sorted({int(t["id"]) if isinstance(t, dict) else int(t) for t in held}))
        new = tuple(sorted(set(ids)))
        if self.store is not None and not pending and old == new:
            return
        unique: list[TermRef] = []
        for ref in refs:
            if ref not in unique:
                unique.append(ref)
        self.payload[name] = [{"id": ref} for ref in unique]
        old_names = [t.get("name", "") for t in (self.store or {}).get(name) or ()]
        self.changes.append(Change(name, ", ".join(old_names) or "(none)", ", ".join(labels)))
        if not pending:
            self.field_changes.append(FieldChange(name, old, new))

    def images(
        self, urls: list[str], *, variation: bool, media: dict[str, int] | None = None
    ) -> None:
        """``media``: URL → media id of images other products already hold from that URL (a
        URL named again is not downloaded again, as WooCommerce's importer does)."""
        remembered = _meta_value(self.store, IMAGE_SOURCES_META)
        try:
            known = json.loads(remembered) if remembered else None
        except ValueError:
            known = None
        if self.store is not None:
            held = self.store.get("image") if variation else self.store.get("images")
            count = (1 if held else 0) if variation else len(held or ())
            if known == urls and count == len(urls):
                return
        # Images already copied from a URL are named by their media id, so that a new order
        # or one more image does not download (and duplicate) the others again.
        uploaded = {**(media or {}), **held_media(self.store, variation=variation)}
        entries = [{"id": uploaded[url]} if url in uploaded else {"src": url} for url in urls]
        if variation:
            self.payload["image"] = entries[0] if entries else {}
        else:
            self.payload["images"] = [{**entry, "position": n} for n, entry in enumerate(entries)]
        self.meta.append({"key": IMAGE_SOURCES_META, "value": json.dumps(urls)})
        old = f"{len(known)} from the feed" if known else "none recorded"
        self.changes.append(Change("images", old, f"{len(urls)}: {', '.join(urls)}"))

    def downloads(self, wanted: list[tuple[str, str]]) -> None:
        """Downloadable files compared as (name, URL) in order; a file already held keeps its
        id, so customers who bought it keep their download permission."""
        held = list((self.store or {}).get("downloads") or ())
        have = [(str(d.get("name", "")), str(d.get("file", ""))) for d in held]
        if self.store is not None and have == wanted:
            return
        ids = {str(d.get("file", "")): d.get("id") for d in held if d.get("id")}
        self.payload["downloads"] = [
            {**({"id": ids[url]} if url in ids else {}), "name": name, "file": url}
            for name, url in wanted
        ]
        self.changes.append(
            Change(
                "downloads",
                ", ".join(url for _, url in have) or "(none)",
                ", ".join(url for _, url in wanted) or "(none)",
            )
        )

    def finish(self) -> dict[str, Any]:
        if self.meta:
            self.payload["meta_data"] = self.meta
        return self.payload


def _attribute_rows(
    attributes: list[dict[str, Any]],
) -> list[tuple[str, tuple[str, ...], bool, bool, bool]]:
    """Attributes as compared: name, options (entities decoded), visible, variation, global.

    A global attribute's options are its terms, which the store answers in its own order
    (``Green, Beige`` is given back as ``Beige, Green``): compared as a set. A local one keeps
    the order written. An attribute without options is not kept by the store at all."""
    rows = []
    for a in attributes:
        options = [name_key(str(o)) for o in a.get("options") or ()]
        if not options:
            continue
        is_global = bool(a.get("id"))
        rows.append(
            (
                attribute_key(str(a.get("name", ""))),
                tuple(sorted(options) if is_global else options),
                bool(a.get("visible")),
                bool(a.get("variation")),
                is_global,
            )
        )
    return sorted(rows)


def _product_attributes(item: FeedItem, index: AttributeIndex) -> list[dict[str, Any]]:
    used = {a.key for v in item.variations for a in v.attributes}
    result = []
    for position, attribute in enumerate(item.attributes):
        if not attribute.options:
            continue  # WooCommerce keeps no attribute without a value (the fashion sample's socks)
        entry: dict[str, Any] = {
            "name": attribute.name,
            "position": position,
            "visible": attribute.visible,
            "variation": item.kind == "variable" and attribute.key in used,
            "options": list(attribute.options),
        }
        if attribute.is_global:
            entry = {"id": index.need(attribute.name, attribute.options), **entry}
        result.append(entry)
    return result


def _defaults(attributes: list[Attribute], index: AttributeIndex) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for attribute in attributes:
        if not attribute.default:
            continue
        entry: dict[str, Any] = {"name": attribute.name, "option": attribute.default}
        if attribute.is_global:
            entry = {"id": index.need(attribute.name, [attribute.default]), **entry}
        found.append(entry)
    return found


def _term_labels(index: TermIndex, paths: list[tuple[str, ...]]) -> list[str]:
    return [" > ".join(path) for path in paths]


def build_catalog_plan(
    feed: CatalogFeed,
    state: CatalogState,
    categories: TermIndex,
    tags: TermIndex,
    attributes: AttributeIndex | None = None,
    brands: TermIndex | None = None,
    *,
    media: dict[str, int] | None = None,
    text_notes: bool = True,
) -> CatalogPlan:
    """The plan for ``feed`` against the store's ``state``. ``brands`` must be given (loaded
    with :func:`bulkio.catalog.terms.load_brands`) when the feed reads brands.

    ``media`` (URL → media id of images other products hold) defaults to what ``state``
    holds; the sliced planner (:mod:`bulkio.catalog.sliced`) passes what every slice read so
    far holds. ``text_notes=False`` leaves the note on unpredictable markup to the caller
    (the sliced planner says it once for the whole feed)."""
    index = attributes if attributes is not None else AttributeIndex()
    term_reads = categories.reads + tags.reads + (brands.reads if brands is not None else 0)
    plan = CatalogPlan(feed.source, term_reads=term_reads)
    for error in feed.rejected:
        plan.rejected.append(
            PlanRejection(
                error.file,
                error.line,
                error.sku,
                error.column,
                error.value,
                error.code,
                error.message,
            )
        )

    def reject(item: FeedItem, code: str, message: str) -> None:
        plan.rejected.append(
            PlanRejection(feed.source, item.line, item.sku, "SKU", item.sku, code, message)
        )

    feed_skus = {item.sku.casefold() for item in feed.items if item.sku}
    if media is None:
        media = store_media(state)
    if feed.resource == "variation":
        _plan_variation_rows(feed, state, plan, index, media)
        plan.rejected.sort(key=lambda r: r.line or 0)
        return plan
    for item in feed.items:
        store: dict[str, Any] | None
        if item.parent_ref.lower().startswith("id:") and not item.sku:
            pid = item.parent_ref[3:]
            store = state.by_id.get(int(pid)) if pid.isdigit() else None
            if store is None:
                for v in [item, *item.variations]:
                    reject(v, "unknown-parent", f"Parent {item.parent_ref!r} is not in the store")
                continue
        else:
            store = state.products.get(item.sku.casefold())
        if store is None and item.sku.casefold() in state.variation_skus:
            reason = "this SKU belongs to a variation in the store, not to a product"
            reject(item, "sku_is_variation", reason)
            for v in item.variations:
                reject(v, "parent-rejected", f"parent {item.sku!r} was rejected: {reason}")
            continue
        if store is not None:
            item = without_create_only(item)
        differ = _Differ(item.values, store)
        skip = {"sku"} if store is not None else set()
        if item.kind == "variable":
            # WooCommerce derives a variable product's stock status and prices from its
            # variations (sync on save): comparing them would never settle.
            skip |= {"stock_status", "regular_price", "sale_price"}
        differ.plain(skip=skip)
        if store is not None and store.get("status") == "trash" and "status" not in differ.payload:
            # A product restored from the trash (on_trashed = "restore"): published, as a
            # product created through the API would be, unless the feed says otherwise.
            differ.payload["status"] = "publish"
            differ.changes.append(Change("status", "'trash'", "'publish'"))
        if store is not None and store.get("status") == "trash":
            differ.changes.insert(
                0, Change("restore", f"#{store.get('id')} in the trash", "restored, updated")
            )
        if store is None and "sku" not in differ.payload and item.sku:
            differ.payload["sku"] = item.sku
        if item.kind in ("simple", "variable", "external", "grouped") and (
            store is None or store.get("type") != item.kind
        ):
            differ.payload["type"] = item.kind
            differ.changes.append(
                Change("type", _show((store or {}).get("type")), _show(item.kind))
            )
        pending_links, unknown = _links(item, store, state, feed_skus, differ)
        for name, ref in unknown:
            # WooCommerce's importer drops such a link and saves the product; so does bulkio,
            # saying so (the link is written on a later run once that product exists).
            column = feed.list_columns.get(name) or LINK_LABELS[name]
            plan.notes.append(
                f"{feed.source}:{item.line} SKU {item.sku!r}: {column} names "
                f"{ref!r}, which is neither in the store nor an accepted product of this file: "
                "left out of the link list (unknown-link)"
            )
        if item.categories:
            refs = [categories.resolve(path) for path in item.categories]
            differ.terms("categories", refs, _term_labels(categories, item.categories))
        if item.tags:
            refs = [tags.resolve((name,)) for name in item.tags]
            differ.terms("tags", refs, list(item.tags))
        if item.brands:
            if brands is None:
                raise ValueError("the feed reads brands: pass the store's brands (load_brands)")
            refs = [brands.resolve(path) for path in item.brands]
            differ.terms("brands", refs, _term_labels(brands, item.brands))
        if item.attributes:
            wanted = _product_attributes(item, index)
            if store is None or _attribute_rows(wanted) != _attribute_rows(
                store.get("attributes") or []
            ):
                differ.payload["attributes"] = wanted
                differ.changes.append(
                    Change(
                        "attributes",
                        _show_attributes(store.get("attributes") if store else None),
                        _show_attributes(wanted),
                    )
                )
            defaults = _defaults(item.attributes, index)
            have = sorted(
                (attribute_key(d.get("name", "")), name_key(str(d.get("option", ""))))
                for d in (store or {}).get("default_attributes") or ()
            )
            want = sorted((attribute_key(d["name"]), name_key(d["option"])) for d in defaults)
            if (store is None and defaults) or (store is not None and have != want):
                differ.payload["default_attributes"] = defaults
                differ.changes.append(Change("default_attributes", str(have), str(want)))
        if item.images is not None:
            differ.images(item.images, variation=False, media=media)
        if item.downloads is not None:
            differ.downloads(item.downloads)
        differ.meta_entries(item.meta)
        payload = differ.finish()
        action = (
            "create" if store is None else ("update" if payload or pending_links else "unchanged")
        )
        op = CatalogOp(
            action,
            "product",
            item.line,
            item.sku or item.parent_ref,
            id=None if store is None else int(store["id"]),
            changes=differ.changes,
            field_changes=differ.field_changes,
            payload=payload,
            base_modified=(store or {}).get("date_modified_gmt"),
            links=pending_links,
        )
        existing = state.variations.get(op.id or 0, [])
        by_sku = {str(v.get("sku", "")).casefold(): v for v in existing if v.get("sku")}
        by_options = {_combination(v.get("attributes") or []): v for v in existing}
        for variation in item.variations:
            held = by_sku.get(variation.sku.casefold()) if variation.sku else None
            if held is None:
                held = by_options.get(
                    _combination(
                        [
                            {"name": a.name, "option": a.options[0] if a.options else ""}
                            for a in variation.attributes
                        ]
                    )
                )
            if held is None and variation.sku.casefold() in state.variation_skus:
                reject(
                    variation,
                    "sku_taken",
                    "the SKU belongs to a variation of another product in the store",
                )
                continue
            if held is not None:
                variation = without_create_only(variation)
            op.variations.append(_variation_op(variation, held, item, index, media))
        plan.products.append(op)
    unsure = _unpredictable_texts(feed) if text_notes else []
    if unsure:
        plan.notes.append(unpredictable_note(unsure))
    plan.terms = [*categories.pending.values(), *tags.pending.values()]
    if brands is not None:
        plan.terms += list(brands.pending.values())
    plan.attributes = list(index.pending.values())
    plan.attribute_terms = list(index.pending_terms.values())
    plan.rejected.sort(key=lambda r: r.line or 0)
    return plan


def without_create_only(item: FeedItem) -> FeedItem:
    """The item as compared with an existing product or variation: the fields the mapping
    sends only on create (``on = "create"``) left out."""
    skip = item.create_only
    if not skip:
        return item
    return replace(
        item,
        values={k: v for k, v in item.values.items() if k not in skip},
        meta={k: v for k, v in item.meta.items() if f"meta:{k}" not in skip},
        categories=None if "categories" in skip else item.categories,
        tags=None if "tags" in skip else item.tags,
        brands=None if "brands" in skip else item.brands,
        images=None if "images" in skip else item.images,
        links={k: v for k, v in item.links.items() if k not in skip},
        shipping_class="" if "shipping_class" in skip else item.shipping_class,
    )


def _plan_variation_rows(
    feed: CatalogFeed,
    state: CatalogState,
    plan: CatalogPlan,
    index: AttributeIndex,
    media: dict[str, int],
) -> None:
    """``resource = "variation"``: each row updates the store's variation with its SKU (its
    parent found from the store's SKU lookup). Nothing is created: a SKU held by a product is
    ``not-a-variation``, one nobody holds ``variation-not-found``."""
    by_parent: dict[int, CatalogOp] = {}
    for item in feed.items:
        key = item.sku.casefold()
        held = state.variation_records.get(key)
        if held is None:
            product = state.products.get(key)
            if product is not None:
                code, message = (
                    "not-a-variation",
                    f"SKU {item.sku!r} belongs to a {product.get('type') or ''} product "
                    f"(#{product.get('id')}), not to a variation; a variation mapping only "
                    'updates variations (use resource = "product" for products)',
                )
            else:
                code, message = (
                    "variation-not-found",
                    f"no variation in the store has SKU {item.sku!r}; a variation mapping "
                    "never creates anything (import the product and its variations with "
                    'resource = "product" first)',
                )
            plan.rejected.append(
                PlanRejection(feed.source, item.line, item.sku, "SKU", item.sku, code, message)
            )
            continue
        parent_id = int(held.get("parent_id") or state.variation_skus.get(key) or 0)
        op = by_parent.get(parent_id)
        if op is None:
            parent = state.by_id.get(parent_id)
            parent_sku = str((parent or {}).get("sku") or "") or f"id:{parent_id}"
            op = CatalogOp("unchanged", "product", item.line, parent_sku, id=parent_id)
            by_parent[parent_id] = op
            plan.products.append(op)
        stub = FeedItem(item.line, op.sku, "variable", {}, attributes=[])
        op.variations.append(_variation_op(without_create_only(item), held, stub, index, media))
    plan.attributes = list(index.pending.values())
    plan.attribute_terms = list(index.pending_terms.values())


def unpredictable_note(unsure: list[tuple[str, str]]) -> str:
    """The plan's note on names and descriptions compared without their markup."""
    shown = ", ".join(f"{sku} {name}" for sku, name in unsure[:5])
    more = f" and {len(unsure) - 5} more" if len(unsure) > 5 else ""
    return (
        f"{len(unsure)} text(s) carry markup whose stored form bulkio cannot predict "
        f"(an HTML comment, a style attribute, a tag or attribute it does not know): "
        f"{shown}{more}. They are compared without their markup, so a change to the "
        "markup alone is not written."
    )


def _unpredictable_texts(feed: CatalogFeed) -> list[tuple[str, str]]:
    """(SKU, field) of names and descriptions :func:`bulkio.fields.stored_text` cannot
    predict WordPress's form of (compared without markup: see ``fields.text_key``)."""
    found: list[tuple[str, str]] = []
    for item in feed.items:
        for one in (item, *item.variations):
            for name in TEXT_FIELDS:
                value = one.values.get(name)
                if isinstance(value, str) and value and stored_text(value) is None:
                    found.append((one.sku, name))
    return found


def _links(
    item: FeedItem,
    store: dict[str, Any] | None,
    state: CatalogState,
    feed_skus: set[str],
    differ: _Differ,
) -> tuple[dict[str, list[int | str]], list[tuple[str, str]]]:
    """Upsells, cross-sells and grouped products: SKUs (or ``id:<n>``) → product ids, compared
    as sets. Lists naming only known products go into the payload; lists naming products this
    run creates are returned (apply writes them once those exist). The second value lists the
    (field, reference) pairs that name no product at all: they are left out of the lists."""
    pending: dict[str, list[int | str]] = {}
    unknown: list[tuple[str, str]] = []
    for name, refs in item.links.items():
        resolved: list[int | str] = []
        for ref in refs:
            held = state.products.get(ref.casefold())
            if ref.lower().startswith("id:") and ref[3:].isdigit():
                resolved.append(int(ref[3:]))
            elif held is not None:
                resolved.append(int(held["id"]))
            elif ref.casefold() in feed_skus:
                resolved.append(ref)
            else:
                unknown.append((name, ref))
        resolved = list(dict.fromkeys(resolved))
        old = sorted(int(i) for i in (store or {}).get(name) or ())
        if all(isinstance(ref, int) for ref in resolved):
            if sorted(int(ref) for ref in resolved) == old:
                continue
            differ.payload[name] = resolved
        else:
            pending[name] = resolved
        known = [ref for ref in refs if (name, ref) not in unknown]
        differ.changes.append(Change(name, ", ".join(map(str, old)) or "(none)", ", ".join(known)))
    return pending, unknown


def _flagged(attributes: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """A variation's attributes as compared: name, option, and whether it is global. An
    attribute without an option means "any" and is left out: the store does not return it."""
    return sorted(
        (
            attribute_key(str(a.get("name", ""))),
            name_key(str(a.get("option", ""))),
            bool(a.get("id")),
        )
        for a in attributes
        if str(a.get("option") or "").strip()
    )


def _combination(attributes: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    """A variation's attribute values as matched ("any" left out, as the store answers)."""
    return tuple(
        sorted(
            (attribute_key(str(a.get("name", ""))), name_key(str(a.get("option", ""))))
            for a in attributes
            if str(a.get("option") or "").strip()
        )
    )


def _show_attributes(attributes: list[dict[str, Any]] | None) -> str:
    if not attributes:
        return "(none)"
    return "; ".join(
        f"{a.get('name')}: {'|'.join(map(str, a.get('options') or ()))}" for a in attributes
    )


def _variation_op(
    item: FeedItem,
    store: dict[str, Any] | None,
    parent: FeedItem,
    index: AttributeIndex,
    media: dict[str, int] | None = None,
) -> CatalogOp:
    differ = _Differ(item.values, store, NEW_VARIATION_DEFAULTS)
    # SKUs match without case; a variation matched by its attributes may get a new SKU.
    same_sku = store is not None and str(store.get("sku") or "").casefold() == item.sku.casefold()
    differ.plain(skip={"sku"} if same_sku or not item.sku else set())
    if store is None and item.sku and "sku" not in differ.payload:
        differ.payload["sku"] = item.sku
    declared = {a.key: a for a in parent.attributes}
    wanted: list[dict[str, Any]] = []
    for given in item.attributes:
        attribute = declared.get(given.key, given)
        entry: dict[str, Any] = {
            "name": attribute.name,
            "option": given.options[0] if given.options else "",
        }
        if attribute.is_global:
            entry = {"id": index.ref(attribute.name), **entry}
        wanted.append(entry)
    current = store.get("attributes") or [] if store is not None else []
    if (store is None or item.attributes) and (
        store is None or _flagged(wanted) != _flagged(current)
    ):
        differ.payload["attributes"] = wanted
        differ.changes.append(
            Change(
                "attributes",
                ", ".join(
                    f"{a.get('name')}={a.get('option')}"
                    for a in (store or {}).get("attributes") or ()
                )
                or "(none)",
                ", ".join(f"{a['name']}={a['option']}" for a in wanted),
            )
        )
    if item.images is not None:
        differ.images(item.images[:1], variation=True, media=media)
    if item.downloads is not None:
        differ.downloads(item.downloads)
    differ.meta_entries(item.meta)
    payload = differ.finish()
    action = "create" if store is None else ("update" if payload else "unchanged")
    return CatalogOp(
        action,
        "variation",
        item.line,
        item.sku,
        id=None if store is None else int(store["id"]),
        parent_sku=parent.sku or parent.parent_ref,
        changes=differ.changes,
        field_changes=differ.field_changes,
        payload=payload,
        base_modified=(store or {}).get("date_modified_gmt"),
    )


UNIT_SETTINGS = {"weight": "woocommerce_weight_unit", "dimension": "woocommerce_dimension_unit"}


def store_units(client: Any, kinds: set[str]) -> dict[str, str]:
    """The store's weight / dimension units, from its product settings (one read:
    ``settings/products``); a unit the store does not tell (no such route, no permission) is
    left out."""
    from bulkio.store.errors import WooError

    try:
        answer = client.get("settings/products")
    except WooError:
        return {}
    values = {
        str(entry.get("id")): entry.get("value")
        for entry in (answer if isinstance(answer, list) else [])
        if isinstance(entry, dict)
    }
    units: dict[str, str] = {}
    for kind in sorted(kinds):
        value = values.get(UNIT_SETTINGS[kind])
        if isinstance(value, str) and value:
            units[kind] = value
    return units


VERSIONED = {"global_unique_id": "9.2", "brands": "9.6"}
"""Fields only newer WooCommerce versions have → the version that brought them."""


def check_store_supports(client: Any, feed: CatalogFeed, mapping_path: str) -> None:
    """Refuse, before anything is read or written for the feed, a mapping owning fields the
    store's WooCommerce does not have (one ``OPTIONS products`` request, only when the mapping
    owns such a field): the store would drop them on every write and never settle. One
    MappingError (exit 2) names every such mapping key."""
    from bulkio.errors import MappingError
    from bulkio.store.errors import WooError

    keys = {name: f"fields.{name}" for name in feed.owned_fields if name in VERSIONED}
    if feed.brands_key and feed.resource == "product":
        keys["brands"] = feed.brands_key
    if not keys:
        return
    try:
        answer = client.request("OPTIONS", "products", params={"_fields": "schema"}).json()
    except (WooError, ValueError):
        return  # no schema to tell: brands are still checked by their route
    properties = ((answer or {}).get("schema") or {}).get("properties") or {}
    lacking = [name for name in keys if name not in properties]
    if not lacking:
        return
    said = "; ".join(
        f"[{keys[name]}]: {name} arrived in WooCommerce {VERSIONED[name]}" for name in lacking
    )
    raise MappingError(
        mapping_path,
        keys[lacking[0]],
        f"this store's WooCommerce is older than the mapping needs — {said}; the store would "
        "drop these values on every write",
        hint="update WooCommerce, or remove "
        + ", ".join(keys[name] for name in lacking)
        + ' from the mapping (a GTIN can go to a meta field instead, e.g. "meta:_gtin")',
    )


def plan_feed(
    client: Any,
    feed: CatalogFeed,
    *,
    mapping_path: str = "",
    on_trashed: str = "restore",
    concurrency: int = 4,
    progress: Callable[[int], None] | None = None,
) -> CatalogPlan:
    """Everything the plan of a read feed needs from the store, then the plan: units
    (converted in place), shipping classes by name, brands (refused up front — UsageError
    naming the mapping key — on a store without ``products/brands``), categories, tags,
    global attributes, products and variations."""
    from bulkio.catalog.feed import convert_units, resolve_shipping_classes
    from bulkio.catalog.state import fetch_catalog_state
    from bulkio.mapping.units import field_kind

    check_store_supports(client, feed, mapping_path or feed.source)
    brands = None
    if feed.brands_key and feed.resource == "product":
        brands = TermIndex.load_brands(client, mapping_path or feed.source, feed.brands_key)
    if feed.units or feed.value_units:
        kinds = {field_kind(name) for name in (*feed.units, *feed.value_units)}
        convert_units(feed, store_units(client, kinds))
    everything = [one for item in feed.items for one in (item, *item.variations)]
    if any(one.shipping_class for one in everything):
        classes: list[dict[str, Any]] = []
        params = {"_fields": "id,name,slug", "orderby": "id", "order": "asc"}
        for page in client.iter_pages("products/shipping_classes", params=params, per_page=100):
            classes.extend(page)
        resolve_shipping_classes(feed, classes)
    needs_terms = feed.resource == "product"
    categories = TermIndex.load(client, "categories") if needs_terms else TermIndex("categories")
    tags = TermIndex.load(client, "tags") if needs_terms else TermIndex("tags")
    global_names = sorted({a.name for one in everything for a in one.attributes if a.is_global})
    attributes = AttributeIndex.load(client, global_names)
    state = fetch_catalog_state(
        client, feed, concurrency=concurrency, on_trashed=on_trashed, progress=progress
    )
    from bulkio.catalog.feed import paused_gc

    with paused_gc():  # each collection would walk every op and store answer held so far
        return build_catalog_plan(feed, state, categories, tags, attributes, brands)
