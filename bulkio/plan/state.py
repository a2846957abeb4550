"""Read the store's current state for a feed's SKUs, spending as few requests as possible.

Two ways to find N SKUs among a catalog of T live products (100 items a page):

* **by SKU**: ``GET products?sku=a,b,c…`` in chunks of at most 100 SKUs and about 1,500
  characters of URL-encoded SKU list: ``ceil(N / 100)`` requests (more for long SKUs);
* **by catalog**: page through every product: ``ceil(T / 100)`` requests.

The rule: one chunk of SKUs is always fetched directly (nothing can beat one request). Otherwise
a 1-item request reads ``X-WP-Total`` and the cheaper strategy wins; ties go to SKU chunks, which
transfer less. A feed whose SKUs contain a comma cannot be looked up by SKU list (the store
splits on commas), so it always pages the catalog. The same rule, against the trash's own
total, finds the SKUs held by trashed products.

Only the fields the mapping owns are asked for (``_fields``), and the result is a polars frame
of *canonical* values (:func:`bulkio.fields.canonical_from_store`), ready for the diff.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import quote

import polars as pl

from bulkio.errors import MappingError
from bulkio.fields import FieldSpec, canonical_from_store, field_spec, store_fields_param

PER_PAGE = 100
MAX_SKUS_PER_REQUEST = 100
MAX_SKU_PARAM_CHARS = 1500

Strategy = Literal["none", "sku", "catalog"]


class Page(Protocol):
    items: list[dict[str, Any]]
    total: int
    total_pages: int


class ReadClient(Protocol):
    """The part of :class:`bulkio.store.StoreClient` the state fetch uses."""

    def get_page(
        self,
        route: str,
        *,
        params: dict[str, Any] | None = ...,
        page: int = ...,
        per_page: int = ...,
    ) -> Any: ...

    def iter_pages(
        self, route: str, *, params: dict[str, Any] | None = ..., per_page: int = ...
    ) -> Iterator[list[dict[str, Any]]]: ...

    def request(self, method: str, route: str, *, params: dict[str, Any] | None = ...) -> Any: ...


ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class FetchPlan:
    """How a set of SKUs will be read, and what it costs (for logs, docs and tests)."""

    strategy: Strategy
    requests: int
    chunks: list[list[str]]
    total: int | None = None
    """Products the store counted (``X-WP-Total``) when the rule probed it, if it did."""


def owned_specs(owned_fields: Iterable[str]) -> list[FieldSpec]:
    """Specs of the owned fields other than ``sku`` (the join key), in mapping order."""
    specs: list[FieldSpec] = []
    seen: set[str] = set()
    for name in owned_fields:
        if name == "sku" or name in seen:
            continue
        spec = field_spec(name)
        if spec is None:
            raise KeyError(f"unknown field {name!r}")
        specs.append(spec)
        seen.add(name)
    return specs


def polars_dtype(spec: FieldSpec) -> pl.DataType:
    """The polars dtype holding a field's canonical values."""
    if spec.kind == "int":
        return pl.Int64()
    if spec.kind == "bool":
        return pl.Boolean()
    if spec.kind == "terms":
        return pl.List(pl.Int64())
    return pl.String()


def chunk_skus(skus: Sequence[str], *, max_chars: int | None = None) -> list[list[str]]:
    """Split SKUs into lists that each fit one sane ``?sku=`` query parameter: at most
    :data:`MAX_SKUS_PER_REQUEST` SKUs and ``max_chars`` (default :data:`MAX_SKU_PARAM_CHARS`)
    URL-encoded characters; a SKU longer than that still gets a list of its own."""
    if max_chars is None:
        max_chars = MAX_SKU_PARAM_CHARS
    chunks: list[list[str]] = []
    current: list[str] = []
    length = 0
    for sku in skus:
        encoded = len(quote(sku, safe="")) + 3  # the %2C separator
        if current and (len(current) >= MAX_SKUS_PER_REQUEST or length + encoded > max_chars):
            chunks.append(current)
            current, length = [], 0
        current.append(sku)
        length += encoded
    if current:
        chunks.append(current)
    return chunks


def unique_skus(skus: Iterable[str]) -> list[str]:
    """Non-empty SKUs once each, compared ignoring case: the first spelling, in feed order."""
    return list({sku.lower(): sku for sku in reversed(list(skus)) if sku}.values())[::-1]


def read_sku_chunks(
    client: ReadClient,
    chunks: Sequence[list[str]],
    wanted: set[str],
    params: dict[str, Any],
    *,
    concurrency: int = 4,
    progress: ProgressCallback | None = None,
) -> list[dict[str, Any]]:
    """Look each chunk up as ``GET products?sku=a,b,…`` (``concurrency`` chunks at a time).

    Returns the items whose :func:`sku_key` is in ``wanted`` (lower-case SKUs), in chunk order;
    the store's SKU search also answers near matches, which are dropped. ``progress`` is told
    each chunk's SKU count as its answer is taken.
    """

    def read_chunk(chunk: list[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        chunk_params = {**params, "sku": ",".join(chunk)}
        for items in client.iter_pages("products", params=chunk_params, per_page=PER_PAGE):
            out.extend(item for item in items if sku_key(item) in wanted)
        return out

    found: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for chunk, items in zip(chunks, pool.map(read_chunk, chunks), strict=True):
            found.extend(items)
            if progress:
                progress(len(chunk))
    return found


def _status_params(status: str | None) -> dict[str, Any]:
    return {} if status is None else {"status": status}


def plan_fetch(client: ReadClient, skus: Sequence[str], *, status: str | None = None) -> FetchPlan:
    """Choose the cheaper way to read ``skus`` (see the module docstring for the rule)."""
    if not skus:
        return FetchPlan("none", 0, [])
    chunks = chunk_skus(skus)
    needs_catalog = any("," in sku for sku in skus)
    if len(chunks) == 1 and not needs_catalog:
        return FetchPlan("sku", 1, chunks)
    probe = client.get_page(
        "products", params={"_fields": "id", **_status_params(status)}, page=1, per_page=1
    )
    if probe.total is None:  # no X-WP-Total header: SKU chunks are the safe choice
        return FetchPlan("sku", 1 + len(chunks), chunks)
    catalog_pages = math.ceil(int(probe.total) / PER_PAGE)
    if catalog_pages == 0:  # nothing there (an empty store or trash): nothing more to ask
        return FetchPlan("none", 1, [])
    if needs_catalog or catalog_pages < len(chunks):
        return FetchPlan("catalog", 1 + catalog_pages, [], int(probe.total))
    return FetchPlan("sku", 1 + len(chunks), chunks)


def read_products(
    client: ReadClient,
    skus: Sequence[str],
    fields_param: str,
    *,
    status: str | None = None,
    concurrency: int = 4,
    progress: ProgressCallback | None = None,
    fetch: FetchPlan | None = None,
) -> list[dict[str, Any]]:
    """The products (raw JSON) holding any of ``skus``, read the cheaper way, each once.
    ``fetch``: the way already chosen for these SKUs (:func:`plan_fetch`; not asked again).

    A product seen twice (a page boundary moved under a concurrent write: a product restored
    from the trash or deleted while paging) is kept once: the same id twice is not two products
    holding one SKU, which the plan would reject as ``duplicate_sku_in_store``.
    """
    if fetch is None:
        fetch = plan_fetch(client, skus, status=status)
    if fetch.strategy == "none":
        return []
    base = {"_fields": fields_param, **_status_params(status)}
    # SKUs match case-insensitively, as in WooCommerce's own lookups (MySQL collation).
    wanted = {sku.lower() for sku in skus}
    found: list[dict[str, Any]] = []
    if fetch.strategy == "catalog":
        seen: set[int] = set()
        for attempt in range(2):
            for items in client.iter_pages("products", params=base, per_page=PER_PAGE):
                matched = [item for item in items if sku_key(item) in wanted]
                found.extend(matched)
                seen.update(int(item["id"]) for item in items)
                if progress and attempt == 0:
                    progress(len(matched))
            # Fewer products than the store counted: some were passed over while the catalog
            # changed under the pages (a product deleted or trashed moves the rest back by one).
            # One more pass finds them; what is still missing was deleted meanwhile.
            if fetch.total is None or len(seen) >= fetch.total:
                break
    else:
        found = read_sku_chunks(
            client, fetch.chunks, wanted, base, concurrency=concurrency, progress=progress
        )
    return once_by_id(found)


def once_by_id(products: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``products`` without repeats of an id (first seen wins), in order."""
    return list({int(item["id"]): item for item in reversed(list(products))}.values())[::-1]


VARIATION_STATUS = "variation"
"""Marker in the state frame's ``status`` column for a SKU held by a variation."""


def is_variation(product: dict[str, Any]) -> bool:
    """True for a variation as ``products?sku=`` returns it (``parent_id`` set)."""
    return product.get("type") == "variation" or bool(product.get("parent_id") or 0)


def sku_key(product: dict[str, Any]) -> str:
    """A product's SKU as the match key: WooCommerce compares SKUs ignoring case."""
    return str(product.get("sku") or "").lower()


def state_frame(products: Iterable[dict[str, Any]], specs: Sequence[FieldSpec]) -> pl.DataFrame:
    """Raw product JSON → frame of id, sku, status, date_modified_gmt and canonical fields."""
    columns: dict[str, list[Any]] = {
        "id": [],
        "sku": [],
        "status": [],
        "date_modified_gmt": [],
    }
    specs = [spec for spec in specs if spec.name not in columns]
    for spec in specs:
        columns[spec.name] = []
    for product in products:
        columns["id"].append(int(product["id"]))
        columns["sku"].append(str(product.get("sku") or ""))
        columns["status"].append(str(product.get("status") or ""))
        columns["date_modified_gmt"].append(product.get("date_modified_gmt"))
        for spec in specs:
            value = canonical_from_store(spec, product)
            columns[spec.name].append(list(value) if isinstance(value, tuple) else value)
    schema: dict[str, pl.DataType] = {
        "id": pl.Int64(),
        "sku": pl.String(),
        "status": pl.String(),
        "date_modified_gmt": pl.String(),
    }
    for spec in specs:
        schema[spec.name] = polars_dtype(spec)
    return pl.DataFrame(columns, schema=schema)


VERSIONED_FIELDS = {"global_unique_id": "9.2"}
"""Fields only newer WooCommerce versions have → the version that brought them. A store that
lacks one ignores it on write (WordPress drops unknown body parameters) and never returns it, so
a feed owning it would plan the same write on every run: such a mapping is refused up front."""


def check_store_has_fields(
    client: ReadClient, owned_fields: Iterable[str], *, mapping_path: str | None = None
) -> None:
    """Raise :class:`MappingError` when the store's product schema lacks an owned field.

    Costs one small ``OPTIONS products`` request, and only when the mapping owns a field from
    :data:`VERSIONED_FIELDS`.
    """
    needed = [name for name in owned_fields if name in VERSIONED_FIELDS]
    if not needed:
        return
    answer = client.request("OPTIONS", "products", params={"_fields": "schema"})
    properties = (answer.json().get("schema") or {}).get("properties") or {}
    for name in needed:
        if name not in properties:
            raise MappingError(
                mapping_path or "<mapping>",
                f"fields.{name}",
                f"this store's WooCommerce has no {name} (it arrived in WooCommerce "
                f"{VERSIONED_FIELDS[name]}); the value would be dropped on every write",
                hint="update WooCommerce, or map the column to a meta field instead "
                '(e.g. "meta:_gtin") and leave this field out',
            )


def fetch_store_state(
    client: ReadClient,
    mapping: Any,
    skus: Sequence[str],
    *,
    concurrency: int = 4,
    progress: ProgressCallback | None = None,
) -> pl.DataFrame:
    """The store's state for ``skus``: live products, plus trashed ones for SKUs not found live.

    Returns a frame with ``id, sku, status, date_modified_gmt`` and one column per owned field
    (canonical values). Trashed products have ``status == "trash"``; a SKU can appear on more
    than one row (a live product and trashed ones, or a duplicate the store already holds).

    Stock mappings (``resource = "stock"``) read products *and* variations instead, through
    :func:`bulkio.plan.stock_state.fetch_stock_state` (the engine's stock kind).
    """
    specs = owned_specs(mapping.owned_fields)
    names = [spec.name for spec in specs]
    check_store_has_fields(client, names, mapping_path=getattr(mapping, "path", None))
    fields_param = store_fields_param([*names, "status", "parent_id"])
    unique = unique_skus(skus)
    live = read_products(client, unique, fields_param, concurrency=concurrency, progress=progress)
    for product in live:
        # A SKU lookup also finds variations (products?sku= searches both post types); a
        # product feed must not write them through products/batch. The plan rejects such rows.
        if is_variation(product):
            product["status"] = VARIATION_STATUS
    live_skus = {sku_key(product) for product in live}
    missing = [sku for sku in unique if sku.lower() not in live_skus]
    trashed = read_products(client, missing, fields_param, status="trash", concurrency=concurrency)
    for product in trashed:
        product["status"] = "trash"
    return state_frame([*live, *trashed], specs)
