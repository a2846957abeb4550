"""Read orders from the store: only the needed fields, pages in parallel, nothing lost.

* ``orderby=id&order=asc`` (the orders endpoint accepts ``date, id, include, title, slug,
  modified``): a stable order in which new orders land at the end instead of shifting pages.
* The first page tells how many pages there are; the rest are fetched concurrently (bounded by
  the client's ``max_concurrency``).
* Date filters are sent in UTC with ``dates_are_gmt=true`` (without it WooCommerce reads them in
  the store's time zone). WordPress's ``after``/``before`` are exclusive; bulkio asks for one
  second more on each side and cuts the exact half-open range ``[start, end)`` itself, so the
  result does not depend on how a server treats the boundary second.
* Pages are checked against each other: every page reports ``X-WP-Total``; if the total moved
  while paging (an order was trashed, or modified out of a "modified" window), rows may have
  shifted between pages. Then the ids are listed again (``_fields=id``, cheap) and any order not
  yet seen is fetched by id, so a shift never becomes a gap. Duplicates are dropped by id.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bulkio.store import Page, StoreClient

PER_PAGE = 100
ROUTE = "orders"
_MAX_RECONCILE_ROUNDS = 4


@dataclass(frozen=True)
class TimeRange:
    """A half-open UTC range ``[start, end)``; either end may be open (None)."""

    start: datetime | None = None
    end: datetime | None = None

    def contains(self, moment: datetime | None) -> bool:
        if moment is None:
            return self.start is None and self.end is None
        if self.start is not None and moment < self.start:
            return False
        return not (self.end is not None and moment >= self.end)

    def intersect(self, other: TimeRange) -> TimeRange:
        starts = [m for m in (self.start, other.start) if m is not None]
        ends = [m for m in (self.end, other.end) if m is not None]
        return TimeRange(max(starts) if starts else None, min(ends) if ends else None)

    @property
    def empty(self) -> bool:
        return self.start is not None and self.end is not None and self.start >= self.end


@dataclass(frozen=True)
class OrderQuery:
    """Which orders to export (all filters combine with AND)."""

    statuses: tuple[str, ...] = ()
    created: TimeRange = field(default_factory=TimeRange)
    modified: TimeRange = field(default_factory=TimeRange)
    customer: int | None = None

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"orderby": "id", "order": "asc"}
        if self.statuses:
            params["status"] = ",".join(self.statuses)
        if self.customer is not None:
            params["customer"] = self.customer
        dated = False
        for prefix, window in (("", self.created), ("modified_", self.modified)):
            if window.start is not None:
                params[f"{prefix}after"] = _wire(window.start - timedelta(seconds=1))
                dated = True
            if window.end is not None:
                params[f"{prefix}before"] = _wire(window.end + timedelta(seconds=1))
                dated = True
        if dated:
            params["dates_are_gmt"] = "true"
        return params

    def matches(self, order: dict[str, Any]) -> bool:
        """The exact client-side cut of the date windows (see the module docstring)."""
        for window, name in (
            (self.created, "date_created_gmt"),
            (self.modified, "date_modified_gmt"),
        ):
            bounded = window.start is not None or window.end is not None
            if bounded and not window.contains(parse_gmt(order.get(name))):
                return False
        return True


@dataclass
class FetchResult:
    orders: list[dict[str, Any]]
    pages: int
    total_reported: int
    reconciled: int = 0
    """Orders recovered by the consistency check (rows that shifted between pages)."""
    seconds: float = 0.0


def _wire(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_gmt(value: object) -> datetime | None:
    """A ``*_gmt`` field (no zone suffix) as an aware UTC datetime."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def server_now(client: StoreClient) -> datetime:
    """The store's clock (HTTP ``Date`` header of a one-order listing), whole seconds, UTC.

    Incremental windows are cut on the store's clock, not this machine's, so clock skew
    between the two cannot open a gap. Falls back to the local clock if no header came.
    """
    response = client.request("GET", ROUTE, params={"per_page": 1, "_fields": "id"})
    header = response.headers.get("date")
    if header:
        try:
            return email.utils.parsedate_to_datetime(header).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC).replace(microsecond=0)


def fetch_orders(
    client: StoreClient,
    query: OrderQuery,
    fields: Iterable[str],
    *,
    concurrency: int | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> FetchResult:
    """All orders matching ``query`` with only ``fields``, sorted by id, each exactly once.

    ``concurrency`` (default: the client's ``max_concurrency``) = pages in flight; 1 fetches
    page after page. ``on_page(done, total)`` is called after each page (progress bars).
    """
    started = time.perf_counter()
    wanted = sorted(set(fields) | {"id", "date_created_gmt", "date_modified_gmt"})
    params = {**query.params(), "_fields": ",".join(wanted)}
    first = client.get_page(ROUTE, params, page=1, per_page=PER_PAGE)
    total_pages = (
        first.total_pages
        if first.total_pages is not None
        else (1 if len(first.items) < PER_PAGE else None)
    )
    pages: list[Page] = [first]
    if on_page:
        on_page(1, total_pages or 1)
    if total_pages is None:
        # No X-WP-TotalPages header: read on until a short page.
        page_number = 1
        while len(pages[-1].items) >= PER_PAGE:
            page_number += 1
            pages.append(client.get_page(ROUTE, params, page=page_number, per_page=PER_PAGE))
            if on_page:
                on_page(page_number, page_number)
        total_pages = page_number
    elif total_pages > 1:
        workers = max(1, min(concurrency or client.max_concurrency, total_pages - 1))
        pages += _fetch_pages(
            client, params, range(2, total_pages + 1), workers, on_page, total_pages
        )

    orders: dict[int, dict[str, Any]] = {}
    for page in pages:
        _merge(orders, page.items)
    totals = {page.total for page in pages if page.total is not None}
    reported = first.total if first.total is not None else len(orders)
    reconciled = 0
    if len(totals) > 1 or (first.total is not None and len(orders) < first.total):
        reconciled = _reconcile(client, params, orders, concurrency or client.max_concurrency)
    result = [order for _, order in sorted(orders.items()) if query.matches(order)]
    return FetchResult(
        orders=result,
        pages=total_pages,
        total_reported=reported,
        reconciled=reconciled,
        seconds=time.perf_counter() - started,
    )


def _fetch_pages(
    client: StoreClient,
    params: dict[str, Any],
    numbers: Iterable[int],
    workers: int,
    on_page: Callable[[int, int], None] | None,
    total_pages: int,
) -> list[Page]:
    numbers = list(numbers)
    if workers == 1:
        pages = []
        for done, number in enumerate(numbers, start=2):
            pages.append(client.get_page(ROUTE, params, page=number, per_page=PER_PAGE))
            if on_page:
                on_page(done, total_pages)
        return pages
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bulkio-export") as pool:
        futures = [
            pool.submit(client.get_page, ROUTE, params, page=n, per_page=PER_PAGE) for n in numbers
        ]
        pages = []
        try:
            for done, future in enumerate(futures, start=2):
                pages.append(future.result())
                if on_page:
                    on_page(done, total_pages)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return pages


def _merge(orders: dict[int, dict[str, Any]], items: Iterable[dict[str, Any]]) -> None:
    """Add items by id; when an order comes twice keep the most recently modified version."""
    for item in items:
        order_id = int(item.get("id") or 0)
        if not order_id:
            continue
        seen = orders.get(order_id)
        if seen is None or str(item.get("date_modified_gmt") or "") >= str(
            seen.get("date_modified_gmt") or ""
        ):
            orders[order_id] = item


def _reconcile(
    client: StoreClient, params: dict[str, Any], orders: dict[int, dict[str, Any]], workers: int
) -> int:
    """List the matching ids again until a listing is self-consistent; fetch what was missed."""
    recovered = 0
    id_params = {**params, "_fields": "id"}
    for _ in range(_MAX_RECONCILE_ROUNDS):
        first = client.get_page(ROUTE, id_params, page=1, per_page=PER_PAGE)
        pages = [first]
        if (first.total_pages or 1) > 1:
            pages += _fetch_pages(
                client, id_params, range(2, (first.total_pages or 1) + 1), workers, None, 0
            )
        ids = {int(item["id"]) for page in pages for item in page.items if item.get("id")}
        missing = sorted(ids - orders.keys())
        for start in range(0, len(missing), PER_PAGE):
            chunk = missing[start : start + PER_PAGE]
            page = client.get_page(
                ROUTE, {**params, "include": ",".join(map(str, chunk))}, page=1, per_page=PER_PAGE
            )
            before = len(orders)
            _merge(orders, page.items)
            recovered += len(orders) - before
        stable = len({page.total for page in pages}) == 1 and len(ids) == (first.total or len(ids))
        if stable and not missing:
            break
    return recovered
