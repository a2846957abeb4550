"""What a coupon feed needs from the store: coupons by code, the trash, product ids by SKU,
category ids by path, and the site's timezone.

Reads only. Each read takes the cheaper of two ways (one request per code, or paging the whole
listing) because shops hold anything from ten coupons to hundreds of thousands of single-use
codes, and a feed anything from one code to all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from bulkio.catalog.terms import TermIndex, name_key
from bulkio.migrate.coupons_values import coupon_key, site_timezone
from bulkio.plan.state import chunk_skus

PER_PAGE = 100
COUPON_PARAMS = {"context": "edit", "orderby": "id", "order": "asc"}


@dataclass
class CouponState:
    """The store's coupons for a feed's codes (keys as :func:`coupon_key` makes them)."""

    live: dict[str, dict[str, Any]] = field(default_factory=dict)
    """key → the coupon holding it (any status but the trash)."""
    twins: dict[str, list[int]] = field(default_factory=dict)
    """key → ids, when more than one live coupon holds it (WooCommerce then applies the newest
    published one; bulkio does not guess which one the feed means)."""
    trashed: dict[str, dict[str, Any]] = field(default_factory=dict)
    """key → a coupon in the trash holding it (keys no live coupon holds)."""


def _add(found: dict[str, list[dict[str, Any]]], coupon: dict[str, Any]) -> None:
    key = coupon_key(coupon.get("code"))
    held = found.setdefault(key, [])
    if all(int(c["id"]) != int(coupon["id"]) for c in held):
        held.append(coupon)


def _listing(
    client: Any,
    keys: Sequence[str],
    params: dict[str, Any],
    one: Callable[[str], list[dict[str, Any]]],
    concurrency: int,
    cost: int = 1,
) -> dict[str, list[dict[str, Any]]]:
    """Coupons holding ``keys``: the first page of the listing, then either the other pages
    or a look-up per code still missing (``cost`` requests at most), whichever takes fewer."""
    wanted = set(keys)
    found: dict[str, list[dict[str, Any]]] = {}
    first = client.get_page("coupons", params, page=1, per_page=PER_PAGE)
    for coupon in first.items:
        if coupon_key(coupon.get("code")) in wanted:
            _add(found, coupon)
    pages = first.total_pages or 1
    missing = [key for key in keys if key not in found]
    if pages <= 1 or not missing:
        return found
    if pages - 1 <= cost * len(missing):
        for page in client.iter_pages("coupons", params, per_page=PER_PAGE):
            for coupon in page:
                if coupon_key(coupon.get("code")) in wanted:
                    _add(found, coupon)
        return found
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for answer in pool.map(one, missing):
            for coupon in answer:
                if coupon_key(coupon.get("code")) in wanted:
                    _add(found, coupon)
    return found


def read_coupons(client: Any, keys: Sequence[str], *, concurrency: int = 4) -> CouponState:
    """The live coupons holding ``keys``, then the trash for keys none holds.

    ``GET coupons?code=`` finds only a *published* coupon (``wc_get_coupon_id_by_code``), and
    never one in the trash (nor with ``status=trash``). A code it misses is searched by text
    among the other statuses (a draft holding the code is the coupon the row means: updated,
    left a draft — not a second, published coupon beside it), then in the trash.
    """
    state = CouponState()
    keys = list(dict.fromkeys(keys))
    if not keys:
        return state

    def by_code(key: str) -> list[dict[str, Any]]:
        found = list(client.get("coupons", params={**COUPON_PARAMS, "code": key}))
        if found:
            return found
        params = {**COUPON_PARAMS, "search": key, "per_page": PER_PAGE}
        return [c for c in client.get("coupons", params=params) if coupon_key(c["code"]) == key]

    live = _listing(client, keys, dict(COUPON_PARAMS), by_code, concurrency, cost=2)
    for key, coupons in live.items():
        state.live[key] = coupons[0]
        if len(coupons) > 1:
            state.twins[key] = sorted(int(c["id"]) for c in coupons)
    missing = [key for key in keys if key not in state.live]
    if not missing:
        return state
    trash_params = {**COUPON_PARAMS, "status": "trash"}

    def in_trash(key: str) -> list[dict[str, Any]]:
        params = {**trash_params, "search": key, "per_page": PER_PAGE}
        return list(client.get("coupons", params=params))

    for key, coupons in _listing(client, missing, trash_params, in_trash, concurrency).items():
        state.trashed[key] = max(coupons, key=lambda c: int(c["id"]))
    return state


def find_coupons(client: Any, keys: Sequence[str], *, concurrency: int = 4) -> dict[str, Any]:
    """Live coupons by key (saved plans' creates, reconciling creates the store refused)."""
    return read_coupons(client, keys, concurrency=concurrency).live


def product_ids(client: Any, skus: Sequence[str], *, concurrency: int = 4) -> dict[str, int]:
    """lower-cased SKU → id of the product or variation holding it (not in the trash).

    ``products?sku=a,b`` finds variations too (a coupon may name a single variation); a
    catalog page would not, so SKUs are always looked up, 100 and ~1,500 characters a request.
    """
    unique = list(dict.fromkeys(s for s in skus if s))
    if not unique:
        return {}
    params = {"_fields": "id,sku,parent_id,status", "per_page": PER_PAGE}

    def look(chunk: list[str]) -> list[dict[str, Any]]:
        return list(client.get("products", params={**params, "sku": ",".join(chunk)}))

    found: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for answer in pool.map(look, chunk_skus(unique)):
            for product in answer:
                sku = str(product.get("sku") or "").lower()
                if sku and product.get("status") != "trash":
                    found.setdefault(sku, int(product["id"]))
    return found


def product_skus(client: Any, ids: Sequence[int]) -> dict[int, str]:
    """id → SKU of the products among ``ids`` (``products?include=``, 100 a request), to name
    the ids a store coupon holds in the plan. Variations are not listed by that route (they
    stay shown by id); ids of deleted products are simply not found."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), PER_PAGE):
        chunk = ids[start : start + PER_PAGE]
        params = {
            "include": ",".join(map(str, chunk)),
            "_fields": "id,sku",
            "per_page": PER_PAGE,
            "status": "any",
        }
        for product in client.get("products", params=params):
            if product.get("sku"):
                found[int(product["id"])] = str(product["sku"])
    return found


def category_index(client: Any) -> TermIndex:
    """Every product category, by parent and name (one read per 100 categories)."""
    return TermIndex.load(client, "categories")


def category_id(index: TermIndex, path: Sequence[str]) -> int | None:
    """The id of the category at ``path`` (names from the top, compared as WordPress does:
    entities decoded, without case), or None: bulkio never creates categories for coupons."""
    parent = 0
    for name in path:
        found = index.by_parent_name.get((parent, name_key(name)))
        if found is None:
            return None
        parent = found
    return parent or None


def read_site_timezone(client: Any) -> tzinfo:
    """The store's timezone from the ``/wp-json/`` index (``timezone_string``, else
    ``gmt_offset``); UTC when the index does not say."""
    root = client.api_root
    url, params = root.index_url
    response = client.send("GET", url, params=params, auth=None, route="(index)")
    try:
        index = response.json()
    except ValueError:
        index = {}
    return site_timezone(index if isinstance(index, dict) else {})


def read_coupon_ids(
    client: Any, ids: Sequence[int], *, concurrency: int = 4
) -> dict[int, dict[str, Any]]:
    """Coupons by id in ``edit`` context, live ones and the trash (``include=`` lists of 100)."""
    found: dict[int, dict[str, Any]] = {}
    unique = list(dict.fromkeys(ids))
    chunks = [unique[i : i + PER_PAGE] for i in range(0, len(unique), PER_PAGE)]

    def read(job: tuple[list[int], str]) -> list[dict[str, Any]]:
        chunk, status = job
        params = {"include": ",".join(map(str, chunk)), "context": "edit", "status": status}
        out: list[dict[str, Any]] = []
        for page in client.iter_pages("coupons", params, per_page=PER_PAGE):
            out.extend(page)
        return out

    jobs = [(chunk, status) for chunk in chunks for status in ("any", "trash")]
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(jobs) or 1))) as pool:
        for records in pool.map(read, jobs):
            for record in records:
                found[int(record["id"])] = record
    return found
