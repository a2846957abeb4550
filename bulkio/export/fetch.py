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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bulkio.errors import UsageError
from bulkio.store import Page, StoreClient, WooError

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
class FetchStats:
    """What a fetch did; filled in while :func:`iter_orders` runs."""

    pages: int = 0
    total_reported: int = 0
    orders: int = 0
    reconciled: int = 0
    """Orders recovered by the consistency check (rows that shifted between pages)."""
    seconds: float = 0.0


@dataclass
class FetchResult:
    orders: list[dict[str, Any]]
    pages: int
    total_reported: int
    reconciled: int = 0
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
    """All orders matching ``query`` with only ``fields``, as a list sorted by id (see
    :func:`iter_orders`, which streams them instead)."""
    stats = FetchStats()
    orders = list(
        iter_orders(client, query, fields, concurrency=concurrency, on_page=on_page, stats=stats)
    )
    orders.sort(key=lambda order: int(order["id"]))
    return FetchResult(orders, stats.pages, stats.total_reported, stats.reconciled, stats.seconds)


def iter_orders(
    client: StoreClient,
    query: Any,
    fields: Iterable[str],
    *,
    concurrency: int | None = None,
    on_page: Callable[[int, int], None] | None = None,
    stats: FetchStats | None = None,
    route: str = ROUTE,
) -> Iterator[dict[str, Any]]:
    """Yield every order matching ``query`` exactly once, with only ``fields``, page by page.

    ``route`` = ``products`` reads products the same way (``query`` then is a
    :class:`~bulkio.export.products.ProductQuery`: anything with ``params()`` and ``matches()``).

    Orders come in id order, except any recovered by the consistency check, which come last.
    Only the ids seen are kept, so memory stays flat however many orders there are.
    ``concurrency`` (default: the client's ``max_concurrency``) = pages in flight; 1 reads page
    after page. ``on_page(done, total)`` is called after each page (progress bars).
    """
    started = time.perf_counter()
    stats = stats if stats is not None else FetchStats()
    wanted = sorted(set(fields) | {"id", "date_created_gmt", "date_modified_gmt"})
    params = {**query.params(), "_fields": ",".join(wanted)}
    workers = max(1, concurrency or client.max_concurrency)
    seen: set[int] = set()
    totals: set[int] = set()

    def fresh(items: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            order_id = int(item.get("id") or 0)
            if not order_id or order_id in seen:
                continue
            seen.add(order_id)
            if query.matches(item):
                stats.orders += 1
                yield item

    first = _first_page(client, params, route)
    total_pages = first.total_pages
    stats.pages = 1
    stats.total_reported = first.total if first.total is not None else 0
    if first.total is not None:
        totals.add(first.total)
    if on_page:
        on_page(1, total_pages or 1)
    yield from fresh(first.items)
    if total_pages is None:
        # No X-WP-TotalPages header: read on until a short page.
        page, number = first, 1
        while len(page.items) >= PER_PAGE:
            number += 1
            page = client.get_page(route, params, page=number, per_page=PER_PAGE)
            stats.pages = number
            if on_page:
                on_page(number, number)
            yield from fresh(page.items)
    elif total_pages > 1:
        for page in _pages_in_order(client, params, range(2, total_pages + 1), workers, route):
            stats.pages += 1
            if page.total is not None:
                totals.add(page.total)
            if on_page:
                on_page(stats.pages, total_pages)
            yield from fresh(page.items)
    if len(totals) > 1 or (first.total is not None and len(seen) < first.total):
        for items in _reconcile(client, params, seen, workers, route):
            before = stats.orders
            yield from fresh(items)
            stats.reconciled += stats.orders - before
    stats.seconds = time.perf_counter() - started


_OPTION_OF_PARAM = {
    "status": "--status",
    "customer": "--customer",
    "after": "--after",
    "before": "--before",
    "modified_after": "--modified-after",
    "modified_before": "--modified-before",
    "type": "--type",
    "category": "--category",
}


def _first_page(client: StoreClient, params: dict[str, Any], route: str = ROUTE) -> Page:
    """Page 1; a filter the store refuses (an unknown status) is a usage error, not a store
    failure: it names the option and the store's own explanation."""
    try:
        return client.get_page(route, params, page=1, per_page=PER_PAGE)
    except WooError as error:
        if error.code != "rest_invalid_param":
            raise
        problems = (error.data or {}).get("params") or {}
        if not isinstance(problems, dict) or not problems:
            raise
        parts = [f"{_OPTION_OF_PARAM.get(name, name)}: {text}" for name, text in problems.items()]
        # The hint for the option the store refused (it was always the one about statuses).
        hint = "statuses are the store's slugs, e.g. completed, processing, on-hold"
        if not any(name == "status" for name in problems):
            hint = "check the option's value against `bulkio export … --help`"
            if any("after" in name or "before" in name for name in problems):
                hint = "dates are 2026-01-31 or 2026-01-31T08:00[+01:00]; check the year"
        raise UsageError("the store refused the filter — " + "; ".join(parts), hint=hint) from None


def _pages_in_order(
    client: StoreClient,
    params: dict[str, Any],
    numbers: Iterable[int],
    workers: int,
    route: str = ROUTE,
) -> Iterator[Page]:
    """Pages in order, ``workers`` requests in flight and a bounded window of pages ahead."""
    numbers = list(numbers)
    if workers == 1:
        for number in numbers:
            yield client.get_page(route, params, page=number, per_page=PER_PAGE)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bulkio-export")
    pending: deque[Future[Page]] = deque()
    queue = iter(numbers)
    try:
        for number in queue:
            pending.append(
                pool.submit(client.get_page, route, params, page=number, per_page=PER_PAGE)
            )
            if len(pending) >= workers * 2:
                break
        while pending:
            page = pending.popleft().result()
            for number in queue:
                pending.append(
                    pool.submit(client.get_page, route, params, page=number, per_page=PER_PAGE)
                )
                break
            yield page
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _reconcile(
    client: StoreClient,
    params: dict[str, Any],
    seen: set[int],
    workers: int,
    route: str = ROUTE,
) -> Iterator[list[dict[str, Any]]]:
    """List the matching ids again until a listing is self-consistent; yield what was missed."""
    id_params = {**params, "_fields": "id"}
    for _ in range(_MAX_RECONCILE_ROUNDS):
        first = client.get_page(route, id_params, page=1, per_page=PER_PAGE)
        pages = [first]
        last = first.total_pages or 1
        if last > 1:
            pages += list(_pages_in_order(client, id_params, range(2, last + 1), workers, route))
        ids = {int(item["id"]) for page in pages for item in page.items if item.get("id")}
        missing = sorted(ids - seen)
        for start in range(0, len(missing), PER_PAGE):
            chunk = ",".join(str(order_id) for order_id in missing[start : start + PER_PAGE])
            page = client.get_page(route, {**params, "include": chunk}, page=1, per_page=PER_PAGE)
            yield page.items
        stable = len({page.total for page in pages}) == 1 and len(ids) == (first.total or len(ids))
        if stable and not missing:
            return
