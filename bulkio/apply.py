"""Send a Plan's creates and updates through ``products/batch`` and account for every row.

* Chunks of at most the server's batch limit (100 to start; a 413 halves it for the rest of
  the run), several chunks in flight at once (``concurrency`` threads sharing one client).
* Each per-item result is matched back to its feed line. A chunk that fails as a whole (after
  the client's own retries) is bisected until the failing items are isolated and the others
  applied.
* Reconcile, don't replay: a create answered ``product_invalid_sku`` means a product with that
  SKU exists now (an earlier attempt was committed but its answer lost, or a killed run got that
  far). It is looked up by SKU; when it already holds the planned values the row is done, when
  it differs the create becomes an update of that product. A duplicate is never created.
* :func:`check_plan` is the guard ``bulkio apply plan.json`` runs first: records changed in the
  store since the plan was made are refused, not overwritten.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bulkio.fields import (
    CanonicalValue,
    canonical_from_store,
    field_spec,
    same_value,
    store_fields_param,
    to_payload,
)
from bulkio.plan.model import FieldChange, Plan, PlanItem, PlanRejection
from bulkio.plan.state import PER_PAGE, chunk_skus, is_variation, read_products, sku_key
from bulkio.store import AuthenticationError, BatchTooLarge, StoreError, TransportError, WooError

DEFAULT_BATCH_SIZE = 100
DEFAULT_CONCURRENCY = 4
MIN_SPREAD_CHUNK = 25
DEFAULT_TARGET_SECONDS = 20.0
"""Longest a batch request should take; well under the 30-60 s after which PHP or a proxy
commonly gives up on a request."""

Outcome = Literal["created", "updated", "unchanged", "failed", "refused"]
ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class ItemOutcome:
    """What happened to one planned write, with the feed line it came from."""

    line: int
    sku: str
    action: str
    outcome: Outcome
    id: int | None = None
    code: str | None = None
    message: str | None = None


@dataclass
class ApplyResult:
    """Every planned write's outcome plus the run's cost."""

    outcomes: list[ItemOutcome] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[PlanRejection] = field(default_factory=list)
    requests: int = 0
    reads: int = 0
    writes: int = 0
    retries: int = 0
    seconds: float = 0.0
    batch_limit: int = DEFAULT_BATCH_SIZE
    store_unreachable: bool = False
    """The store stopped answering during the run; rows not sent are marked failed."""

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.outcomes if item.outcome == outcome)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.count("created"),
            "updated": self.count("updated"),
            "unchanged": self.unchanged + self.count("unchanged"),
            "rejected": len(self.rejected),
            "failed": self.count("failed"),
            "refused": self.count("refused"),
        }

    @property
    def problems(self) -> list[ItemOutcome]:
        return [item for item in self.outcomes if item.outcome in ("failed", "refused")]

    @property
    def complete(self) -> bool:
        """True when nothing was rejected, failed or refused."""
        return not self.rejected and not self.problems


class _Stats:
    """Snapshot of ``client.stats`` so a result reports only this run's requests."""

    NAMES = ("requests", "reads", "writes", "retries")

    def __init__(self, client: Any) -> None:
        self.client = client
        self.start = self._now()

    def _now(self) -> dict[str, int]:
        stats = getattr(self.client, "stats", None)
        return {name: int(getattr(stats, name, 0) or 0) for name in self.NAMES}

    def into(self, result: ApplyResult) -> None:
        now = self._now()
        for name in self.NAMES:
            setattr(result, name, getattr(result, name) + now[name] - self.start[name])


def _error_fields(error: Any) -> tuple[str, str]:
    if isinstance(error, WooError):
        return error.code or "error", error.woo_message or str(error)
    if isinstance(error, dict):
        return str(error.get("code") or "error"), str(error.get("message") or error)
    return type(error).__name__, str(error)


class _Applier:
    def __init__(
        self,
        client: Any,
        plan: Plan,
        *,
        batch_size: int,
        progress: ProgressCallback | None,
        on_outcome: Callable[[ItemOutcome], None] | None = None,
        target_seconds: float = DEFAULT_TARGET_SECONDS,
    ) -> None:
        self.target_seconds = target_seconds
        self.on_outcome = on_outcome
        self.client = client
        self.plan = plan
        self.limit = max(1, batch_size)
        self.progress = progress
        self.lock = threading.Lock()
        self.outcomes: list[ItemOutcome] = []
        self.store_down: StoreError | None = None
        self.stopping = False
        """Set on Ctrl-C: requests already sent finish, no new one starts."""
        self.fields_param = store_fields_param([*written_fields(plan), "status", "parent_id"])
        self.trashed = {t.sku.lower(): t.trashed_id for t in plan.trashed}

    # -- bookkeeping ------------------------------------------------------------------------

    def _record(self, items: Sequence[ItemOutcome]) -> None:
        with self.lock:
            self.outcomes.extend(items)
        if self.on_outcome:
            for item in items:
                self.on_outcome(item)
        if self.progress and items:
            self.progress(len(items))

    def _fail(self, ops: Sequence[PlanItem], error: Any, prefix: str = "") -> None:
        code, message = _error_fields(error)
        self._record(
            [
                ItemOutcome(op.line, op.sku, op.action, "failed", op.id, code, prefix + message)
                for op in ops
            ]
        )

    # -- sending ----------------------------------------------------------------------------

    def send(self, ops: Sequence[PlanItem]) -> None:
        """Send ``ops`` (any size): split to the limit, shrink on 413, bisect on failure."""
        if not ops or self.stopping:
            return
        if self.store_down is not None:
            self._fail(ops, self.store_down, "not sent, the store stopped answering: ")
            return
        limit = self.limit
        if len(ops) > limit:
            # Even parts (100 over a limit of 77: 50 + 50, not 77 + 23), so that no short
            # request trails at the end of the run.
            parts = -(-len(ops) // limit)
            size = -(-len(ops) // parts)
            for start in range(0, len(ops), size):
                self.send(ops[start : start + size])
            return
        creates = [op for op in ops if op.action == "create"]
        updates = [op for op in ops if op.action != "create"]
        started = time.monotonic()
        try:
            result = self.client.batch(
                batch_route(ops[0], self.plan.resource),
                create=[op.payload for op in creates],
                update=[op.payload for op in updates],
            )
        except BatchTooLarge as error:
            if len(ops) == 1:
                self._fail(ops, error)
                return
            told = getattr(error, "limit", None)  # "Unable to accept more than N items"
            new_limit = told if isinstance(told, int) and 0 < told < len(ops) else len(ops) // 2
            with self.lock:
                self.limit = max(1, min(self.limit, new_limit))
            self.send(ops)
            return
        except AuthenticationError:
            raise
        except StoreError as error:
            self._whole_chunk_failed(ops, error)
            return
        served = getattr(self.client, "last_served_seconds", None)
        waited_out = served if isinstance(served, float) else time.monotonic() - started
        self._pace(len(ops), waited_out)
        self._match(creates, list(result.create or []), updates, list(result.update or []))

    def _pace(self, items: int, seconds: float) -> None:
        """Keep batches under ``target_seconds``: a store (or a proxy in front of it) that
        times out long requests goes on saving while the client gives up, so chunks are sized
        by the time they take, not by the 100-item limit alone."""
        if items > 1 and seconds > self.target_seconds:
            fitting = max(1, int(items * self.target_seconds / seconds))
            with self.lock:
                self.limit = min(self.limit, fitting)

    def _whole_chunk_failed(self, ops: Sequence[PlanItem], error: StoreError) -> None:
        if isinstance(error, TransportError) and not self._store_answers():
            # The store is down, not this chunk: splitting would only multiply dead requests.
            with self.lock:
                self.store_down = self.store_down or error
            self._fail(ops, error, "not sent, the store stopped answering: ")
            return
        if isinstance(error, TransportError) or getattr(error, "status", None) in (502, 504):
            # No answer in time (or a gateway gave up): smaller chunks for the rest of the run.
            with self.lock:
                self.limit = max(1, min(self.limit, len(ops) // 2))
        if len(ops) == 1:
            self._fail(ops, error)
            return
        middle = len(ops) // 2
        self.send(ops[:middle])
        self.send(ops[middle:])

    def _store_answers(self) -> bool:
        """After a chunk got no answer: is the store up (so the chunk itself is the problem)?"""
        if self.store_down is not None:
            return False
        try:
            route = batch_route(PlanItem("create", 0, ""), self.plan.resource)
            self.client.get_page(route, {"_fields": "id"}, page=1, per_page=1)
        except AuthenticationError:
            raise
        except StoreError:
            return False
        return True

    def _match(
        self,
        creates: list[PlanItem],
        create_results: list[Any],
        updates: list[PlanItem],
        update_results: list[Any],
    ) -> None:
        done: list[ItemOutcome] = []
        taken_skus: list[PlanItem] = []
        for ops, results, outcome in (
            (creates, create_results, "created"),
            (updates, update_results, "updated"),
        ):
            if len(results) != len(ops):
                self._fail(
                    ops,
                    {
                        "code": "bad_batch_response",
                        "message": f"the store answered {len(results)} results "
                        f"for {len(ops)} items; check the product in the store",
                    },
                )
                continue
            for op, item in zip(ops, results, strict=True):
                if item.ok:
                    data = item.data or {}
                    product_id = data.get("id", op.id)
                    code, note = _stored_differently(op.changes, data)
                    done.append(
                        ItemOutcome(op.line, op.sku, op.action, outcome, product_id, code, note)  # type: ignore[arg-type]
                    )
                elif (
                    op.action == "create"
                    and self.plan.resource in PRODUCT_RESOURCES
                    and _error_fields(item.error)[0] == "product_invalid_sku"
                ):
                    taken_skus.append(op)
                else:
                    code, message = _error_fields(item.error)
                    if op.action == "create" and op.sku.lower() in self.trashed:
                        message = trash_refused(message, self.trashed[op.sku.lower()])
                    done.append(
                        ItemOutcome(op.line, op.sku, op.action, "failed", op.id, code, message)
                    )
        self._record(done)
        if taken_skus:
            self._reconcile(taken_skus)

    # -- reconcile, don't replay --------------------------------------------------------------

    def _reconcile(self, ops: list[PlanItem]) -> None:
        """Creates whose SKU exists now: done when equal, an update when not, never a duplicate."""
        try:
            found = read_products(self.client, [op.sku for op in ops], self.fields_param)
        except AuthenticationError:
            raise
        except StoreError as error:
            self._fail(ops, error, "SKU exists in the store and it could not be read back: ")
            return
        by_sku: dict[str, dict[str, Any]] = {}
        for product in found:
            if not is_variation(product):
                by_sku.setdefault(sku_key(product), product)
        done: list[ItemOutcome] = []
        follow_up: list[PlanItem] = []
        for op in ops:
            held = by_sku.get(op.sku.lower())
            if held is None:
                done.append(
                    ItemOutcome(
                        op.line,
                        op.sku,
                        op.action,
                        "failed",
                        None,
                        "product_invalid_sku",
                        "the store refuses this SKU but no product holds it; "
                        "a variation probably uses it",
                    )
                )
                continue
            product_id = int(held["id"])
            remaining = _differences(op.changes, held)
            if not remaining:
                done.append(
                    ItemOutcome(
                        op.line,
                        op.sku,
                        op.action,
                        "created",
                        product_id,
                        "reconciled",
                        f"already in the store as #{product_id} with the planned values "
                        "(an earlier attempt was committed)",
                    )
                )
                continue
            follow_up.append(
                replace(
                    op,
                    action="update",
                    id=product_id,
                    changes=remaining,
                    payload={"id": product_id, **to_payload({c.field: c.new for c in remaining})},
                    note=f"SKU already held by #{product_id}; updated instead of duplicated",
                )
            )
        self._record(done)
        self.send(follow_up)


def trash_refused(message: str, trashed_id: int) -> str:
    """Why a create of a SKU held by a trashed product failed, and the ways out.

    WooCommerce 7.9 lets a new product take a trashed product's SKU; newer stores (11.0.1 here)
    refuse it ("already present in the lookup table"), so ``on_trashed = "create"`` cannot work
    there without first emptying the trash of that product.
    """
    return (
        f"{message} — trashed product #{trashed_id} still holds this SKU and this store "
        'refuses a second product with it: set on_trashed = "restore" in the mapping to bring '
        f"#{trashed_id} back, or delete #{trashed_id} permanently from the trash, then run again"
    )


def _differences(changes: Sequence[FieldChange], product: dict[str, Any]) -> list[FieldChange]:
    """The planned changes a store product does not already have (canonical comparison)."""
    remaining: list[FieldChange] = []
    for change in changes:
        spec = field_spec(change.field)
        if spec is None:
            continue
        current: CanonicalValue = canonical_from_store(spec, product)
        if not same_value(spec, current, change.new):
            remaining.append(FieldChange(change.field, current, change.new))
    return remaining


STORED_DIFFERENTLY = "stored_differently"


def _stored_differently(
    changes: Sequence[FieldChange], saved: dict[str, Any]
) -> tuple[str | None, str | None]:
    """Compare what the store answers it saved with what was sent.

    A store that keeps another value than the one sent (WooCommerce derives ``stock_status``
    from the quantity when it manages stock, plugins rewrite fields) would show the same change
    on every run; saying so once, with the values, is how a user finds the cause.
    """
    drift: list[str] = []
    for change in changes:
        top = change.field.split(".", 1)[0]
        if change.field.startswith("meta:"):
            top = "meta_data"
        if top not in saved:
            continue  # the answer does not show the field: nothing to compare
        spec = field_spec(change.field)
        if spec is None:
            continue
        stored = canonical_from_store(spec, saved)
        if not same_value(spec, stored, change.new):
            drift.append(f"{change.field}: sent {change.new!r}, stored {stored!r}")
    if not drift:
        return None, None
    return STORED_DIFFERENTLY, "the store kept other values than sent (the next run will " + (
        "try again): " + "; ".join(drift)
    )


def written_fields(plan: Plan) -> list[str]:
    """The fields a re-read must show to compare with the plan: those it owns, and any other
    field one of its items changes (a catalog plan's items carry ``type``, ``manage_stock``…)."""
    names = list(plan.owned_fields)
    for item in plan.writes:
        for change in item.changes:
            if change.field not in names and field_spec(change.field) is not None:
                names.append(change.field)
    return names


PRODUCT_RESOURCES = ("product", "variation", "stock")
"""Plans written to ``products/batch``; the product reads after a failed create (reconcile by
SKU) are theirs alone."""
RECORD_ROUTES = {"customer": "customers", "coupon": "coupons", "order": "orders"}
"""Record kinds (:mod:`bulkio.migrate`): plan resource → the collection written in batches."""


def batch_route(item: PlanItem, resource: str = "product") -> str:
    """Where an item is written (``<route>/batch``): by the plan's resource — ``customers``,
    ``coupons``, ``orders`` — else ``products`` or, for a variation (stock plans), its
    parent's ``products/<parent>/variations``."""
    if resource in RECORD_ROUTES:
        return RECORD_ROUTES[resource]
    parent = getattr(item, "parent_id", None)
    return f"products/{parent}/variations" if parent else "products"


def spread_chunk_size(items: int, limit: int, concurrency: int) -> int:
    """Chunk size that keeps every worker busy on small runs.

    The store saves a batch's items one after another in one PHP worker, so 100 updates in one
    batch take ~100 × 30 ms while three other workers idle. Below ``limit × concurrency`` items
    the work is spread over ``concurrency`` chunks, but never below ``MIN_SPREAD_CHUNK`` items
    (each request also costs the store a bootstrap).
    """
    if items <= 0:
        return max(1, limit)
    spread = -(-items // max(1, concurrency))
    return max(1, min(limit, max(spread, MIN_SPREAD_CHUNK)))


def live_concurrency(client: Any, concurrency: int) -> int:
    """How many writes the client lets through at once right now (its adaptive limit, which
    starts at 4 and tunes itself), at most ``concurrency``: small runs are spread over that
    many chunks, not over the width of the thread pool (up to 16 threads wait at the gate)."""
    limit = getattr(client, "write_limit", None)
    if isinstance(limit, int) and limit >= 1:
        return min(limit, max(1, concurrency))
    return max(1, concurrency)


def apply_plan(
    client: Any,
    plan: Plan,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback | None = None,
    prior: Sequence[ItemOutcome] = (),
    on_outcome: Callable[[ItemOutcome], None] | None = None,
    target_seconds: float = DEFAULT_TARGET_SECONDS,
) -> ApplyResult:
    """Send ``plan``'s creates and updates; return every row's outcome and the run's cost.

    ``prior`` outcomes (refusals from :func:`check_plan`) are included in the result as is.
    Batches that take longer than ``target_seconds`` make the following ones smaller.
    ``on_outcome`` is called (from worker threads) as each row's outcome becomes known, e.g.
    to write a run log; ``progress`` with the number of rows just finished.
    Raises :class:`bulkio.store.AuthenticationError` when the store refuses the key: nothing
    more is sent then.
    """
    started = time.monotonic()
    stats = _Stats(client)
    applier = _Applier(
        client,
        plan,
        batch_size=batch_size,
        progress=progress,
        on_outcome=on_outcome,
        target_seconds=target_seconds,
    )
    ops = plan.writes
    size = spread_chunk_size(len(ops), applier.limit, live_concurrency(client, concurrency))
    # One batch route per chunk: variations (stock plans) go to their parent's variations/batch.
    groups: dict[int | None, list[PlanItem]] = {}
    for op in ops:
        groups.setdefault(op.parent_id, []).append(op)
    chunks = [group[i : i + size] for group in groups.values() for i in range(0, len(group), size)]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(applier.send, chunk) for chunk in chunks]
        try:
            for future in futures:
                future.result()
        except BaseException:
            applier.stopping = True
            for future in futures:
                future.cancel()
            raise
    result = ApplyResult(
        outcomes=sorted([*prior, *applier.outcomes], key=lambda item: item.line),
        unchanged=len(plan.unchanged),
        rejected=list(plan.rejected),
        batch_limit=applier.limit,
        store_unreachable=applier.store_down is not None,
    )
    stats.into(result)
    result.seconds = time.monotonic() - started
    return result


def check_plan(
    client: Any, plan: Plan, *, concurrency: int = DEFAULT_CONCURRENCY
) -> tuple[Plan, list[ItemOutcome]]:
    """Re-read what a saved plan touches; drop and report what changed since it was made.

    * an update whose product already holds the planned values is ``unchanged`` (a plan
      applied twice, or a re-run after a crash); otherwise one whose ``date_modified_gmt``
      moved since the plan is refused;
    * an update whose product is gone is refused;
    * a create whose SKU appeared meanwhile is ``unchanged`` when the product holds the planned
      values, refused otherwise (make a new plan to update it).

    Returns the plan still to apply and the outcomes of the dropped items. Stock plans are
    checked by :func:`bulkio.stock.check_stock_plan` (products and variations by SKU);
    :func:`bulkio.engine.apply_plan` picks the check by the plan's kind.
    """
    fields_param = store_fields_param([*written_fields(plan), "status", "parent_id"])
    by_id = _read_by_ids(
        client,
        [item.id for item in plan.updates if item.id is not None],
        fields_param,
        concurrency=concurrency,
    )
    restores = [item.id for item in plan.updates if item.base_status == "trash" and item.id]
    if restores:
        by_id.update(
            _read_by_ids(client, restores, fields_param, status="trash", concurrency=concurrency)
        )
    by_sku: dict[str, dict[str, Any]] = {}
    if plan.creates:
        for product in read_products(
            client, [item.sku for item in plan.creates], fields_param, concurrency=concurrency
        ):
            if not is_variation(product):
                by_sku.setdefault(sku_key(product), product)

    outcomes: list[ItemOutcome] = []
    keep_updates: list[PlanItem] = []
    for item in plan.updates:
        dropped = recheck_update(
            item,
            by_id.get(item.id or 0),
            _differences,
            gone=f"product #{item.id} no longer exists in the store; make a new plan",
        )
        if dropped is None:
            keep_updates.append(item)
        else:
            outcomes.append(dropped)
    keep_creates: list[PlanItem] = []
    for item in plan.creates:
        existing = by_sku.get(item.sku.lower())
        dropped = recheck_create(
            item,
            existing,
            _differences,
            code="sku_appeared",
            appeared=f"a product with this SKU (#{(existing or {}).get('id')})",
        )
        if dropped is None:
            keep_creates.append(item)
        else:
            outcomes.append(dropped)
    return replace(plan, creates=keep_creates, updates=keep_updates), outcomes


def recheck_update(
    item: PlanItem,
    current: dict[str, Any] | None,
    still_to_change: Callable[[Sequence[FieldChange], dict[str, Any]], list[FieldChange]],
    *,
    gone: str,
    changed_note: str = "",
) -> ItemOutcome | None:
    """Is a saved plan's update still safe to send? ``None`` when it is, else why it is dropped.

    ``current`` is the item as the store holds it now (None: gone, refused with ``gone``);
    ``still_to_change`` says which planned changes it does not hold yet (none: ``unchanged``,
    already applied); otherwise a ``date_modified_gmt`` that moved since the plan refuses it
    (``changed_note`` names a likely cause). Shared by product and stock plans.
    """
    if current is None:
        return ItemOutcome(item.line, item.sku, "update", "refused", item.id, "gone", gone)
    if not still_to_change(item.changes, current):
        # Checked first: an earlier apply may have landed within the same second as the
        # plan's read, leaving date_modified_gmt (1 s resolution) unchanged.
        return ItemOutcome(
            item.line,
            item.sku,
            "update",
            "unchanged",
            item.id,
            "already_applied",
            "already holds the planned values",
        )
    if current.get("date_modified_gmt") == item.base_modified:
        return None
    return ItemOutcome(
        item.line,
        item.sku,
        "update",
        "refused",
        item.id,
        "changed_since_plan",
        f"changed in the store since the plan was made (modified "
        f"{item.base_modified} → {current.get('date_modified_gmt')}){changed_note}; not "
        "overwritten, make a new plan",
    )


def recheck_create(
    item: PlanItem,
    existing: dict[str, Any] | None,
    still_to_change: Callable[[Sequence[FieldChange], dict[str, Any]], list[FieldChange]],
    *,
    code: str,
    appeared: str,
) -> ItemOutcome | None:
    """Is a saved plan's create still safe to send? ``None`` when nothing holds its key yet.

    ``existing`` is the record that holds the key now: one that already holds the planned
    values is ``unchanged`` (the plan applied before, or a run killed after the store saved
    it); any other is refused with ``code`` — ``appeared`` names it ("a product with this SKU
    (#12)") — rather than overwritten. The twin of :func:`recheck_update`, shared by product
    and record plans.
    """
    if existing is None:
        return None
    if not still_to_change(item.changes, existing):
        return ItemOutcome(
            item.line,
            item.sku,
            "create",
            "unchanged",
            int(existing["id"]),
            "already_applied",
            "already in the store with the planned values",
        )
    return ItemOutcome(
        item.line,
        item.sku,
        "create",
        "refused",
        int(existing["id"]),
        code,
        f"{appeared} appeared in the store since the plan was made; not overwritten, make a "
        "new plan",
    )


def _read_by_ids(
    client: Any,
    ids: Sequence[int],
    fields_param: str,
    *,
    status: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> dict[int, dict[str, Any]]:
    """The products with these ids (``include=`` lists of 100), ``concurrency`` lists at a time;
    answers are merged in list order, as one-by-one reading would."""
    unique = list(dict.fromkeys(ids))
    chunks = [unique[start : start + PER_PAGE] for start in range(0, len(unique), PER_PAGE)]

    def read_chunk(chunk: list[int]) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "include": ",".join(str(i) for i in chunk),
            "_fields": fields_param,
        }
        if status:
            params["status"] = status
        out: list[dict[str, Any]] = []
        for items in client.iter_pages("products", params=params, per_page=PER_PAGE):
            out.extend(items)
        return out

    found: dict[int, dict[str, Any]] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(chunks)))) as pool:
        for products in pool.map(read_chunk, chunks):
            for product in products:
                found[int(product["id"])] = product
    return found


__all__ = [
    "ApplyResult",
    "ItemOutcome",
    "apply_plan",
    "batch_route",
    "check_plan",
    "chunk_skus",
    "recheck_create",
    "recheck_update",
]
