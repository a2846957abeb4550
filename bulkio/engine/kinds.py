"""Resource kinds: what differs between importing products and importing stock, chosen once.

A kind reads the feed, plans it against the store, applies the plan and re-checks a saved
plan; everything around it (the safety guard, printing, reports, run state) is the same for
every kind (:mod:`bulkio.engine.run`).

* :data:`PRODUCT` — ``resource = "product"`` (and ``"variation"``) mappings: the catalog
  planner (feed items with their variations, terms by name or path, attributes, images),
  seen by the rest of the run through :mod:`bulkio.engine.view`.
* :data:`STOCK` — ``resource = "stock"`` mappings: the fast stock planner (products and
  variations by SKU, stock fields only; :mod:`bulkio.stock`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bulkio.apply import ApplyResult, ItemOutcome, apply_plan, check_plan
from bulkio.catalog.apply import CatalogResult, apply_catalog_plan
from bulkio.catalog.feed import CatalogFeed, read_feed
from bulkio.catalog.plan import CatalogPlan
from bulkio.catalog.planfile import plan_to_json
from bulkio.catalog.run import CatalogRun, plan_from_feed
from bulkio.catalog.sliced import SLICE_ITEMS, SlicedFeed, plan_sliced, read_sliced, slicing_refused
from bulkio.engine.view import add_trashed_creates, apply_result, is_plain, plan_view
from bulkio.errors import MappingError
from bulkio.plan.model import Plan
from bulkio.plan.stock_state import fetch_stock_state
from bulkio.records import RecordSet, build_records
from bulkio.stock import build_stock_plan, check_stock_plan

Progress = Callable[[int], None]
Bar = Callable[[str, int | None, str], Any]
"""``bar(description, total, unit)`` → a context manager yielding ``advance(n)``."""
OnOutcome = Callable[[ItemOutcome], None]


@dataclass
class Feed:
    """A feed read by its kind, before the store is read."""

    source: str
    rows: int
    warnings: list[str] = field(default_factory=list)
    records: RecordSet | None = None
    """Stock feeds: the validated rows."""
    catalog: CatalogFeed | None = None
    """Product feeds: items with their variations."""
    data: Any = None
    """Record kinds (customers, coupons, orders): their rows
    (:class:`bulkio.migrate.rows.RecordRows`)."""
    sliced: SlicedFeed | None = None
    """Product feeds of independent rows: the items in slices (:mod:`bulkio.catalog.sliced`);
    ``catalog`` then holds the whole-feed facts without the items."""


@dataclass
class Planned:
    """A feed planned against a store."""

    plan: Plan
    """What every step after planning reads (the printer, limits, reports, saved plans)."""
    feed: Feed
    catalog: CatalogPlan | None = None
    """Product plans: the catalog plan the product kind applies."""
    catalog_result: CatalogResult | None = None
    """Product plans, once applied: terms, attributes, products and variations written."""
    messages: list[str] = field(default_factory=list)
    """Record kinds: what the plan wants said (e.g. the account e-mails a run turns off)."""

    @property
    def notes(self) -> list[str]:
        notes = list(self.catalog.notes) if self.catalog is not None else []
        return [*notes, *self.messages]


class Kind(Protocol):
    name: str

    def read(self, mapping: Any, source: Path, *, bar: Bar) -> Feed: ...

    def plan(
        self, client: Any, mapping: Any, feed: Feed, *, store_url: str, concurrency: int, bar: Bar
    ) -> Planned: ...

    def apply(
        self,
        client: Any,
        planned: Planned,
        *,
        concurrency: int,
        batch_size: int,
        progress: Progress | None,
        on_outcome: OnOutcome | None,
        prior: list[ItemOutcome] | None = None,
    ) -> ApplyResult: ...

    def check_saved(
        self, client: Any, plan: Plan, *, concurrency: int
    ) -> tuple[Plan, list[ItemOutcome]]: ...

    def saved_text(self, planned: Planned, *, mapping: Any, store_url: str) -> str: ...


def _rows_read(advance: Progress) -> Progress:
    done = 0

    def hook(rows_read: int) -> None:
        nonlocal done
        if rows_read > done:
            advance(rows_read - done)
            done = rows_read

    return hook


class ProductKind:
    """Products with their variations, planned by the catalog planner."""

    name = "product"
    slice_items: int | None = None
    """Items per slice of a sliced feed (None: :data:`bulkio.catalog.sliced.SLICE_ITEMS`);
    0 plans every feed whole (tests compare both ways)."""

    def read(self, mapping: Any, source: Path, *, bar: Bar) -> Feed:
        """Feeds of independent products are read in slices (:mod:`bulkio.catalog.sliced`:
        the same plan, a fraction of the memory); the others whole."""
        sliced = self.slice_items != 0 and not slicing_refused(mapping)
        with bar("reading the feed", None, "row") as advance:
            if sliced:
                size = self.slice_items or SLICE_ITEMS
                parts = read_sliced(mapping, source, progress=_rows_read(advance), slice_items=size)
                head = parts.header
                return Feed(
                    str(source), head.total, list(head.warnings), catalog=head, sliced=parts
                )
            catalog = read_feed(mapping, source, progress=_rows_read(advance))
        return Feed(str(source), catalog.total, list(catalog.warnings), catalog=catalog)

    def plan(
        self, client: Any, mapping: Any, feed: Feed, *, store_url: str, concurrency: int, bar: Bar
    ) -> Planned:
        assert feed.catalog is not None
        if feed.sliced is not None:
            with bar("planning: reading the store", feed.sliced.item_count, "sku") as progress:
                plan = plan_sliced(
                    client,
                    feed.sliced,
                    mapping_path=str(mapping.path),
                    on_trashed=getattr(mapping.target, "on_trashed", None) or "restore",
                    concurrency=concurrency,
                    progress=progress,
                    group_skus=self.slice_items or SLICE_ITEMS,
                )
            run = CatalogRun(feed.catalog, plan)
        else:
            skus = sum(1 + len(item.variations) for item in feed.catalog.items)
            with bar("planning: reading the store", skus, "sku") as progress:
                run = plan_from_feed(
                    client, mapping, feed.catalog, concurrency=concurrency, progress=progress
                )
        planned = self.view(
            Planned(Plan(), feed, catalog=run.plan), mapping=mapping, store_url=store_url
        )
        if getattr(mapping.target, "on_trashed", None) == "create":
            add_trashed_creates(client, planned.plan, concurrency=concurrency)
        return planned

    def view(self, planned: Planned, *, mapping: Any, store_url: str) -> Planned:
        """``planned`` with its plan view made (again) from its catalog plan."""
        assert planned.catalog is not None
        planned.plan = plan_view(
            planned.catalog,
            mapping=mapping,
            source=planned.feed.source,
            store_url=store_url,
            feed_rows=None,
        )
        return planned

    def apply(
        self,
        client: Any,
        planned: Planned,
        *,
        concurrency: int,
        batch_size: int,
        progress: Progress | None,
        on_outcome: OnOutcome | None,
        prior: list[ItemOutcome] | None = None,
    ) -> ApplyResult:
        assert planned.catalog is not None
        done = apply_catalog_plan(
            client,
            planned.catalog,
            concurrency=concurrency,
            batch_size=batch_size,
            progress=progress,
        )
        planned.catalog_result = done
        result = apply_result(done, planned.plan, prior=prior)
        for outcome in result.outcomes:
            if on_outcome is not None:
                on_outcome(outcome)
        return result

    def check_saved(
        self, client: Any, plan: Plan, *, concurrency: int
    ) -> tuple[Plan, list[ItemOutcome]]:
        return check_plan(client, plan, concurrency=concurrency)

    def saved_text(self, planned: Planned, *, mapping: Any, store_url: str) -> str:
        """A plan that writes items one by one is saved as it is shown (``bulkio-plan/1``,
        applied item by item with a freshness check); one that creates terms, attributes or
        variations first is saved as a catalog plan (planned again at apply time from the
        unchanged feed, writing only what was shown)."""
        assert planned.catalog is not None
        if is_plain(planned.catalog):
            return planned.plan.to_json()
        return plan_to_json(
            planned.catalog, source=planned.feed.source, mapping=mapping.path, store_url=store_url
        )


class StockKind:
    """Stock fields of products and variations found by SKU."""

    name = "stock"

    def read(self, mapping: Any, source: Path, *, bar: Bar) -> Feed:
        with bar("reading the feed", None, "row") as advance:
            records = build_records(mapping, source, progress=_rows_read(advance))
        rows = records.frame.height + len(records.rejected)
        return Feed(str(source), rows, list(records.warnings), records=records)

    def plan(
        self, client: Any, mapping: Any, feed: Feed, *, store_url: str, concurrency: int, bar: Bar
    ) -> Planned:
        assert feed.records is not None
        skus = feed.records.frame["sku"].to_list()
        with bar("planning: reading the store", len(skus), "sku") as progress:
            state, _report = fetch_stock_state(
                client, skus, concurrency=concurrency, progress=progress
            )
        plan = build_stock_plan(mapping, feed.records, state, store_url=store_url)
        return Planned(plan, feed)

    def apply(
        self,
        client: Any,
        planned: Planned,
        *,
        concurrency: int,
        batch_size: int,
        progress: Progress | None,
        on_outcome: OnOutcome | None,
        prior: list[ItemOutcome] | None = None,
    ) -> ApplyResult:
        return apply_plan(
            client,
            planned.plan,
            concurrency=concurrency,
            batch_size=batch_size,
            progress=progress,
            on_outcome=on_outcome,
            prior=prior or [],
        )

    def check_saved(
        self, client: Any, plan: Plan, *, concurrency: int
    ) -> tuple[Plan, list[ItemOutcome]]:
        return check_stock_plan(client, plan, concurrency=concurrency)

    def saved_text(self, planned: Planned, *, mapping: Any, store_url: str) -> str:
        return planned.plan.to_json()


PRODUCT = ProductKind()
STOCK = StockKind()
KINDS: dict[str, Kind] = {"product": PRODUCT, "variation": PRODUCT, "stock": STOCK}


def kind_for(mapping: Any) -> Kind:
    """The kind of a mapping's ``[target] resource``: products and stock here, record kinds
    (customer, coupon, order) from :mod:`bulkio.migrate`, imported when first named."""
    resource = str(getattr(getattr(mapping, "target", None), "resource", "product") or "product")
    kind = KINDS.get(resource) or _record_kind(resource)
    if kind is None:
        raise MappingError(
            getattr(mapping, "path", "mapping"),
            "target.resource",
            f"{resource!r} is not one of {', '.join(sorted(KINDS))}",
        )
    return kind


def kind_for_plan(plan: Plan) -> Kind:
    """The kind that re-checks a saved plan (its ``resource``)."""
    if plan.resource == "stock":
        return STOCK
    return _record_kind(plan.resource) or PRODUCT


def _record_kind(resource: str) -> Kind | None:
    from bulkio.migrate import record_kind

    return record_kind(resource)
