"""Products (and their variations) → output rows, through the same engine as orders.

A product export mapping (``resource = "products"``) uses the order mappings' vocabulary
(``[[columns]]`` with field/value/template/compute/map/type, ``[output]`` formatting), so
:class:`ProductRowBuilder` only changes what a field path means: the cell conversion, money
formatting, maps and defaults are :class:`~bulkio.export.rows.RowBuilder`'s, and the rows go to
the same writers (:func:`bulkio.writers.write_rows`: atomic, formula-safe).

A variation row takes the fields a variation does not have (categories, tags, short
description, featured, …) from its parent, so "categories joined" fills every row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bulkio.catalog.terms import TermIndex, name_key
from bulkio.errors import UsageError
from bulkio.export.fetch import FetchStats, TimeRange, iter_orders, parse_gmt
from bulkio.export.mapping import ExportMapping
from bulkio.export.product_fields import PRODUCT_DATE_FIELDS, TERM_LISTS, product_field_type
from bulkio.export.rows import Row, RowBuilder, _meta
from bulkio.store import StoreClient

PRODUCT_TYPES = ("simple", "grouped", "external", "variable")
PRODUCT_STATUSES = ("any", "draft", "pending", "private", "publish", "future", "trash")
VARIATION_CHUNK = 100
"""Products read ahead while their variations are fetched (memory stays bounded)."""


@dataclass(frozen=True)
class ProductQuery:
    """Which products to export (filters combine with AND); the variations of a selected
    variable product all come along."""

    status: str | None = None
    type: str | None = None
    category: int | None = None
    modified: TimeRange = field(default_factory=TimeRange)

    def params(self) -> dict[str, Any]:
        """``orderby=id`` (stable: new products land at the end instead of shifting pages)."""
        params: dict[str, Any] = {"orderby": "id", "order": "asc"}
        if self.status:
            params["status"] = self.status
        if self.type:
            params["type"] = self.type
        if self.category is not None:
            params["category"] = self.category
        if self.modified.start is not None:
            params["modified_after"] = _wire(self.modified.start - timedelta(seconds=1))
        if self.modified.end is not None:
            params["modified_before"] = _wire(self.modified.end + timedelta(seconds=1))
        if self.modified.start is not None or self.modified.end is not None:
            params["dates_are_gmt"] = "true"
        return params

    def matches(self, product: dict[str, Any]) -> bool:
        """The exact half-open cut of the modified window (the store's bounds are exclusive)."""
        window = self.modified
        if window.start is None and window.end is None:
            return True
        return window.contains(parse_gmt(product.get("date_modified_gmt")))


def _wire(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%S"))


def resolve_category(categories: TermIndex, text: str) -> int:
    """``--category``: an id, a name, or a path (``Clothing > Shirts``), matched like the
    catalog import matches names (without case, entities decoded)."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    path = tuple(part.strip() for part in value.split(">") if part.strip())
    if len(path) == 1:
        found = [
            term_id
            for (_, key), term_id in categories.by_parent_name.items()
            if key == name_key(path[0])
        ]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            choices = ", ".join(" > ".join(categories.path_of(t)) for t in sorted(found))
            raise UsageError(
                f"--category {text!r} names several categories: {choices}",
                hint="give the path (Parent > Child) or the category id",
            )
    elif path:
        parent = 0
        for name in path:
            term = categories.by_parent_name.get((parent, name_key(name)))
            if term is None:
                break
            parent = term
        else:
            return parent
    raise UsageError(
        f"--category {text!r}: the store has no such category",
        hint="give a category name, a path like 'Clothing > Shirts', or an id",
    )


class ProductRowBuilder(RowBuilder):
    """Turns products and variations into rows as a product export mapping says."""

    record_name = "product"

    def __init__(self, mapping: ExportMapping, categories: TermIndex | None = None) -> None:
        super().__init__(mapping)
        self.categories = categories
        self.parents: dict[int, dict[str, Any]] = {}

    def field_type(self, path: str) -> str | None:
        return product_field_type(path)

    def rows_of(self, order: dict[str, Any]) -> Iterator[Row]:
        record = order
        if record.get("type") != "variation":
            self.parents[int(record.get("id") or 0)] = record
        yield Row(int(record.get("id") or 0), None, self._cells(record, None, None))

    def forget(self, product_id: int) -> None:
        """A parent's variations are written: it is no longer needed for fallbacks."""
        self.parents.pop(product_id, None)

    def lookup(
        self,
        path: str,
        order: dict[str, Any],
        kind: str | None,
        line: dict[str, Any] | None,
        *,
        joined: bool,
    ) -> object:
        record = order
        head, _, rest = path.partition(".")
        parent = (
            self.parents.get(int(record.get("parent_id") or 0))
            if record.get("type") == "variation"
            else None
        )
        if path == "parent_sku":
            return parent.get("sku") if parent else None
        if path.startswith("meta:"):
            return _meta(record.get("meta_data"), path[5:])
        if path == "attributes":
            return [_attribute_text(a) for a in record.get("attributes") or ()]
        if head == "images" and "images" not in record and "image" in record:
            image = record.get("image")
            record = {"images": [image] if isinstance(image, dict) and image else []}
        elif parent is not None and head not in record:
            record = parent  # a field variations lack: the parent's
        if head == "dimensions":
            return (record.get("dimensions") or {}).get(rest)
        if head in TERM_LISTS:
            entries = [e for e in record.get(head) or () if isinstance(e, dict)]
            if rest:
                return [e.get(rest) for e in entries]
            return [self._entry_text(head, e) for e in entries]
        if path in PRODUCT_DATE_FIELDS:
            return self._date(record, path)
        return record.get(path)

    def _entry_text(self, head: str, entry: dict[str, Any]) -> str:
        if head == "images":
            return str(entry.get("src") or "")
        if head == "categories" and self.categories is not None:
            found = self.categories.path_of(int(entry.get("id") or 0))
            if found:
                return " > ".join(found)
        return str(entry.get("name") or "")


def _attribute_text(attribute: dict[str, Any]) -> str:
    name = str(attribute.get("name") or "")
    if "option" in attribute:
        return f"{name}: {attribute.get('option') or ''}"
    return f"{name}: {', '.join(str(o) for o in attribute.get('options') or ())}"


@dataclass(frozen=True)
class ProductExportResult:
    output: Path
    format: str
    products: int
    variations: int
    rows: int
    requests: int
    seconds: float


def export_products_with_mapping(
    client: StoreClient,
    mapping: ExportMapping,
    output: str | Path,
    *,
    fmt: str | None = None,
    query: ProductQuery | None = None,
    overwrite: bool = False,
    concurrency: int | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> ProductExportResult:
    """Export the products ``query`` selects (and, unless ``variations = "skip"``, each
    variable product's variations right after it) to ``output`` as ``mapping`` says.

    Products are read 100 a page, pages concurrently, ``orderby=id``; variations are read for
    up to :data:`VARIATION_CHUNK` products at a time, ``concurrency`` parents at once. The file
    appears only when complete; CSV/XLSX text cells cannot run as formulas.
    """
    from bulkio import writers

    if mapping.resource != "products":
        raise UsageError(
            f"{mapping.path}: an order export mapping cannot export products",
            hint='set resource = "products" in the mapping, or use bulkio export orders',
        )
    started = time.perf_counter()
    target = Path(output)
    chosen = writers.choose_format(target, fmt, mapping.output.format)
    writers.check_writable(target, overwrite=overwrite)
    requests_before = client.stats.requests
    workers = max(1, concurrency or client.max_concurrency)
    fields = mapping.store_fields()
    reads_categories = any(
        path.split(".", 1)[0] == "categories" and "." not in path
        for column in mapping.columns
        for path in column.paths
    )
    categories = TermIndex.load(client, "categories") if reads_categories else None
    builder = ProductRowBuilder(mapping, categories)
    with_variations = mapping.output.variations == "rows"
    counts = {"products": 0, "variations": 0}
    stats = FetchStats()

    def read_variations(parent_id: int) -> list[dict[str, Any]]:
        params = {"orderby": "id", "order": "asc", "_fields": ",".join(fields)}
        found: list[dict[str, Any]] = []
        for page in client.iter_pages(f"products/{parent_id}/variations", params=params):
            found.extend(page)
        return found

    def records(pool: ThreadPoolExecutor) -> Iterator[dict[str, Any]]:
        products = iter_orders(
            client,
            query or ProductQuery(),
            fields,
            concurrency=concurrency,
            on_page=on_page,
            stats=stats,
            route="products",
        )
        for chunk in _chunks((p for p in products if p.get("type") != "variation"), workers):
            parents = [int(p["id"]) for p in chunk if p.get("type") == "variable"]
            found: dict[int, list[dict[str, Any]]] = {}
            if with_variations and parents:
                found = dict(zip(parents, pool.map(read_variations, parents), strict=True))
            for product in chunk:
                counts["products"] += 1
                yield product
                for variation in found.get(int(product["id"]), ()):
                    counts["variations"] += 1
                    variation.setdefault("type", "variation")
                    variation.setdefault("parent_id", int(product["id"]))
                    yield variation
                builder.forget(int(product["id"]))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bulkio-variations") as pool:
        rows = writers.write_rows(
            target, chosen, mapping, builder.rows(records(pool)), overwrite=overwrite
        )
    return ProductExportResult(
        output=target,
        format=chosen,
        products=counts["products"],
        variations=counts["variations"],
        rows=rows,
        requests=client.stats.requests - requests_before,
        seconds=time.perf_counter() - started,
    )


def _chunks(items: Iterable[dict[str, Any]], workers: int) -> Iterator[list[dict[str, Any]]]:
    """Groups of products whose variations are read together (at least ``workers`` at once)."""
    size = max(VARIATION_CHUNK, workers)
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
