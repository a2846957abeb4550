"""The safety steps around one import run, in one place the CLI (or a Python job) wraps a run in.

:class:`GuardedRun` is a context manager that, in order:

1. creates the run directory (:mod:`bulkio.runs`) and opens the run log (:mod:`bulkio.runlog`),
   with the connection's key and secret registered for redaction;
2. takes the run lock for this store and mapping (:mod:`bulkio.runlock`) — not for dry runs,
   which write nothing;
3. :meth:`GuardedRun.prepare` adds the missing-product actions to the plan
   (:mod:`bulkio.plan.missing`) and the ``manages`` meta marker to every create;
4. :meth:`GuardedRun.check` checks the plan against the safety limits (:mod:`bulkio.safety`)
   and raises :class:`~bulkio.errors.SafetyLimitError` (exit 3) before any write;
5. logs every HTTP exchange (status, attempt, duration) and every row's outcome while the plan
   is applied; :meth:`GuardedRun.apply_missing` applies the missing-product actions;
6. on exit writes the summary line, saves the feed's row count for the next run's min-rows
   check (after a completed, non-dry run), prunes old run directories and releases the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from bulkio.errors import BulkioError, SafetyLimitError, UsageError
from bulkio.exitcodes import ExitCode
from bulkio.plan.missing import (
    Manages,
    check_policy,
    fetch_managed,
    manages_from_mapping,
    plan_missing,
)
from bulkio.plan.model import MissingItem
from bulkio.runlock import RunLock
from bulkio.runlog import Redactor, RunLog
from bulkio.runs import (
    DEFAULT_KEEP_RUNS,
    RunPaths,
    RunState,
    load_state,
    now_iso,
    prune_runs,
    save_state,
    start_run,
)
from bulkio.safety import (
    DEFAULT_LIMITS,
    LimitBreach,
    Limits,
    SafetyLimitsBroken,
    check_limits,
    feed_rows,
    limits_as_dict,
    resolve_limits,
)

ALREADY_TRASHED = "woocommerce_rest_already_trashed"


@dataclass
class RunOptions:
    """Everything the safety layer needs from the command line (or a Python caller)."""

    limits: Limits = DEFAULT_LIMITS
    allow_delete: bool = False
    runs_dir: str | Path | None = None
    log_file: str | Path | None = None
    """``None`` = ``log.jsonl`` in the run directory; ``"-"`` = stderr; else a path (appended)."""
    wait_lock: float = 0.0
    keep_runs: int = DEFAULT_KEEP_RUNS

    @classmethod
    def resolve(
        cls,
        mapping: Any,
        *,
        limit_options: Mapping[str, Any] | None = None,
        no_limits: bool = False,
        **options: Any,
    ) -> RunOptions:
        """Defaults ← the mapping's ``[limits]`` ← CLI limit options (``None`` = not given)."""
        limits = resolve_limits(
            getattr(mapping, "limits", None) or {},
            limit_options or {},
            no_limits=no_limits,
            mapping_path=str(getattr(mapping, "path", "mapping")),
        )
        return cls(limits=limits, **options)


class _ObservedStats:
    """Wraps the client's :class:`~bulkio.store.stats.RequestStats` to log each exchange.

    Installed on the client for the run; everything else still reads the same counters.
    """

    def __init__(self, inner: Any, log: RunLog) -> None:
        self._inner = inner
        self._log = log
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def record(
        self, method: str, route: str, status: int | None, seconds: float, *, retry: bool
    ) -> None:
        self._inner.record(method, route, status, seconds, retry=retry)
        # One request's attempts run one after another on one thread: count them there.
        attempt = (getattr(self._local, "attempt", 0) + 1) if retry else 1
        self._local.attempt = attempt
        trouble = status is None or status == 429 or status >= 500
        self._log.event(
            "http",
            "no_answer" if status is None else "request",
            route=f"{method.upper()} {route}",
            status=status,
            attempts=attempt,
            duration=seconds,
            level="warning" if trouble else "info",
        )


@dataclass
class GuardedRun:
    """One guarded import run (see the module docstring). Use as a context manager."""

    mapping: Any
    mapping_path: str | Path
    store_url: str
    options: RunOptions = field(default_factory=RunOptions)
    dry_run: bool = False
    secrets: Sequence[str | None] = ()
    source: str | None = None

    paths: RunPaths | None = field(default=None, init=False)
    log: RunLog = field(init=False)
    previous: RunState | None = field(default=None, init=False)
    manages: Manages | None = field(default=None, init=False)
    policy: str = field(default="ignore", init=False)
    rows: int | None = field(default=None, init=False)
    counts: dict[str, int] = field(default_factory=dict, init=False)
    exit_code: int | None = field(default=None, init=False)
    breaches: list[LimitBreach] = field(default_factory=list, init=False)
    _lock: RunLock | None = field(default=None, init=False)
    _changed_fields: dict[tuple[int, str], list[str]] = field(default_factory=dict, init=False)
    _client: Any = field(default=None, init=False)
    _client_stats: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        target = getattr(self.mapping, "target", None)
        self.policy = str(getattr(target, "missing", "ignore") or "ignore")
        self.manages = manages_from_mapping(self.mapping)
        # Before anything is read or locked: a delete policy without --allow-delete, or a
        # policy without a managed scope, stops here (exit 2).
        check_policy(
            self.policy,
            self.manages,
            allow_delete=self.options.allow_delete,
            mapping_path=str(self.mapping_path),
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> GuardedRun:
        marker = None
        if self.manages is not None and self.manages.kind == "meta":
            marker = f"{self.manages.meta_key}={self.manages.marker}"
        paths = start_run(self.store_url, self.mapping_path, self.options.runs_dir, marker=marker)
        self.paths = paths
        redactor = Redactor(self.secrets)
        target: Any = self.options.log_file if self.options.log_file is not None else paths.log_file
        try:
            self.log = RunLog(target, run_id=paths.run_id, redactor=redactor)
        except OSError as error:
            raise UsageError(
                f"cannot write the run log {target}: {error.strerror or error}",
                hint="give --log-file a writable path (or '-' for stderr)",
            ) from None
        try:
            if not self.dry_run:
                lock = RunLock(paths.lock_file, run_id=paths.run_id, wait=self.options.wait_lock)
                lock.acquire()
                self._lock = lock
                prune_runs(paths.series_dir, self.options.keep_runs, protect=paths.run_dir)
            self.previous = load_state(paths.state_file)
            self.log.event(
                "start",
                "dry_run" if self.dry_run else "start",
                message=f"import {self.source or ''} with {Path(self.mapping_path).name} "
                f"into {self.store_url}; missing = {self.policy}; limits: "
                + "; ".join(self.options.limits.describe()),
            )
        except BaseException as error:
            self._summary_for(error)
            self._close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                code = self.exit_code if self.exit_code is not None else int(ExitCode.OK)
                self._summary(code)
            else:
                self._summary_for(exc)
        finally:
            self._close()

    def _close(self) -> None:
        if self._client is not None and self._client_stats is not None:
            self._client.stats = self._client_stats
            self._client = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        self.log.close()

    # -- steps --------------------------------------------------------------------------------

    def observe(self, client: Any) -> None:
        """Log every HTTP exchange ``client`` makes during the run (status, attempt, time)."""
        stats = getattr(client, "stats", None)
        if stats is None or isinstance(stats, _ObservedStats):
            return
        self._client, self._client_stats = client, stats
        client.stats = _ObservedStats(stats, self.log)

    def prepare(self, plan: Any, client: Any, records: Any = None) -> list[MissingItem]:
        """Add the missing-product actions to ``plan.missing`` and the managed marker to
        every create. ``records`` gives the feed's SKUs, rejected rows included."""
        rejected = list(getattr(plan, "rejected", ()))
        self.rows = feed_rows(plan)
        for rejection in rejected:
            self.log.event(
                "read",
                "rejected",
                line=rejection.line,
                sku=rejection.sku,
                code=rejection.code,
                message=(f"{rejection.column}: " if rejection.column else "") + rejection.message,
                level="warning",
            )
        if self.manages is not None:
            marker = self.manages.create_payload().get("meta_data", [])
            for item in plan.creates:
                if marker:
                    metas = [
                        m
                        for m in item.payload.get("meta_data", [])
                        if m.get("key") != self.manages.meta_key
                    ]
                    item.payload["meta_data"] = [*metas, *marker]
        items: list[MissingItem] = []
        if self.policy != "ignore" and self.manages is not None:
            feed_skus = _feed_skus(plan, records)
            managed = fetch_managed(client, self.manages)
            items = plan_missing(
                managed,
                feed_skus,
                self.policy,
                allow_delete=self.options.allow_delete,
                manages=self.manages,
            )
        plan.missing = items
        for item in [*plan.creates, *plan.updates]:
            self._changed_fields[(item.line, item.sku)] = [c.field for c in item.changes]
        counts = dict(plan.counts()) if hasattr(plan, "counts") else {}
        counts["missing"] = len(items)
        self.log.event(
            "plan",
            "planned",
            message=", ".join(f"{k}={v}" for k, v in counts.items()) + f"; feed rows={self.rows}",
        )
        return items

    def check(self, plan: Any) -> None:
        """Enforce the limits; log and raise :class:`SafetyLimitsBroken` (exit 3) on a breach."""
        previous_rows = self.previous.feed_rows if self.previous else None
        self.breaches = check_limits(plan, self.options.limits, previous_rows, rows=self.rows)
        for breach in self.breaches:
            self.log.event(
                "limits", "breach", code=breach.limit, message=breach.describe(), level="error"
            )
        if self.breaches:
            raise SafetyLimitsBroken(self.breaches, dry_run=self.dry_run)

    def on_outcome(self, outcome: Any) -> None:
        """``apply_plan(on_outcome=…)`` hook: one log line per row written (or not)."""
        failed = outcome.outcome in ("failed", "refused")
        self.log.event(
            "apply",
            str(outcome.outcome),
            line=outcome.line or None,
            sku=outcome.sku,
            id=outcome.id,
            code=outcome.code,
            fields=self._changed_fields.get((outcome.line, outcome.sku)),
            message=outcome.message if (failed or outcome.code) else None,
            level="error" if failed else "info",
        )

    def apply_missing(self, client: Any, plan: Any, **apply_options: Any) -> list[Any]:
        """Apply ``plan.missing``: hides through ``products/batch`` updates, deletes one by one
        to the trash (``DELETE products/<id>`` without ``force``). Returns their outcomes
        (:class:`bulkio.apply.ItemOutcome`), already logged."""
        items: list[MissingItem] = list(getattr(plan, "missing", None) or [])
        return apply_missing_items(client, items, self.log, **apply_options)

    def finish(self, result: Any, *, missing_outcomes: Sequence[Any] = ()) -> int:
        """Record the result's counts and decide the exit code (0, 1, or 4 when the store
        stopped answering). Call before leaving the ``with`` block."""
        counts: dict[str, int] = dict(result.counts()) if hasattr(result, "counts") else {}
        failed_missing = sum(1 for o in missing_outcomes if o.outcome in ("failed", "refused"))
        counts["hidden"] = sum(
            1 for o in missing_outcomes if o.action != "delete" and o.outcome == "updated"
        )
        counts["deleted"] = sum(
            1 for o in missing_outcomes if o.action == "delete" and o.outcome == "updated"
        )
        counts["missing_failed"] = failed_missing
        for name in ("requests", "reads", "writes", "retries"):
            value = getattr(result, name, None)
            if isinstance(value, int):
                counts[name] = value
        self.counts = counts
        if getattr(result, "store_unreachable", False):
            self.exit_code = int(ExitCode.STORE_UNREACHABLE)
        elif (
            getattr(result, "rejected", None) or getattr(result, "problems", None) or failed_missing
        ):
            self.exit_code = int(ExitCode.PARTIAL)
        else:
            self.exit_code = int(ExitCode.OK)
        return self.exit_code

    def missing_line(self) -> str:
        """One line for the terminal: what happened to products missing from the feed."""
        parts = [f"{self.counts.get('hidden', 0)} set to {self.policy}"]
        if self.policy == "delete":
            parts = [f"{self.counts.get('deleted', 0)} moved to the trash"]
        if self.counts.get("missing_failed"):
            parts.append(f"{self.counts['missing_failed']} failed")
        return "missing from the feed: " + ", ".join(parts)

    # -- the summary ------------------------------------------------------------------------

    def _summary_for(self, error: BaseException) -> None:
        if isinstance(error, SystemExit):
            code = error.code if isinstance(error.code, int) else (0 if error.code is None else 1)
            self._summary(code)
        elif isinstance(error, SafetyLimitError):
            self._summary(int(ExitCode.SAFETY_LIMIT), "stopped by safety limits; nothing written")
        elif isinstance(error, BulkioError):
            self._summary(int(error.exit_code), str(error).splitlines()[0])
        elif isinstance(error, KeyboardInterrupt):
            self._summary(int(ExitCode.INTERRUPTED), "interrupted")
        else:
            self._summary(1, f"internal error: {type(error).__name__}")

    def _summary(self, code: int, message: str | None = None) -> None:
        outcome = {
            0: "ok",
            1: "partial",
            2: "input_error",
            3: "safety_limit",
            4: "store_unreachable",
            5: "locked",
            130: "interrupted",
        }.get(code, "error")
        if self.dry_run and code in (0, 1):
            outcome = "dry_run"
        counts: dict[str, int | float | str] = dict(self.counts)
        if self.rows is not None:
            counts["feed_rows"] = self.rows
        self.log.summary(outcome=outcome, exit_code=code, counts=counts, message=message)
        if (
            code in (ExitCode.OK, ExitCode.PARTIAL)
            and not self.dry_run
            and self.rows is not None
            and self.paths is not None
            and self._lock is not None
        ):
            try:
                save_state(
                    self.paths.state_file,
                    RunState(feed_rows=self.rows, finished_at=now_iso(), run_id=self.paths.run_id),
                )
            except OSError as error:
                # the import itself is done; only next run's min-rows baseline is missing
                self.log.event("summary", "state_not_saved", message=str(error), level="warning")

    def limits_json(self) -> dict[str, Any]:
        return limits_as_dict(self.options.limits)


def apply_missing_items(
    client: Any, items: Sequence[MissingItem], log: RunLog, **apply_options: Any
) -> list[Any]:
    """Hides through ``products/batch`` updates (via :func:`bulkio.apply.apply_plan`), deletes
    one by one to the trash; each outcome logged in phase ``missing``."""
    from bulkio.apply import ItemOutcome, apply_plan
    from bulkio.plan.model import Plan, PlanItem
    from bulkio.store import AuthenticationError, StoreError

    hides = [item for item in items if not item.is_delete]
    deletes = [item for item in items if item.is_delete]
    outcomes: list[Any] = []
    if hides:
        hide_plan = Plan(
            owned_fields=["sku", "status", "stock_status", "stock_quantity"],
            updates=[
                PlanItem(
                    "update",
                    0,
                    item.sku,
                    id=item.id,
                    base_modified=item.base_modified,
                    base_status=item.base_status,
                    changes=list(item.changes),
                    payload=dict(item.payload),
                    note=f"missing from the feed: {item.policy}",
                )
                for item in hides
            ],
        )
        policy_of = {item.id: item.policy for item in hides}
        result = apply_plan(client, hide_plan, **apply_options)
        for outcome in result.outcomes:
            ok = outcome.outcome in ("updated", "unchanged")
            log.event(
                "missing",
                "hide" if ok else str(outcome.outcome),
                sku=outcome.sku,
                id=outcome.id,
                code=outcome.code,
                fields=[
                    "status" if policy_of.get(outcome.id or 0) in ("draft", "private") else "stock"
                ],
                message=f"missing from the feed → {policy_of.get(outcome.id or 0)}"
                + (f": {outcome.message}" if outcome.message and not ok else ""),
                level="info" if ok else "error",
            )
        outcomes.extend(result.outcomes)
    for item in deletes:
        started = time.monotonic()
        try:
            client.delete(f"products/{item.id}")
            outcome = ItemOutcome(0, item.sku, "delete", "updated", item.id)
        except AuthenticationError:
            raise
        except StoreError as error:
            code = str(getattr(error, "code", "") or type(error).__name__)
            if code == ALREADY_TRASHED:
                # a retried DELETE whose first attempt was committed: already done
                outcome = ItemOutcome(0, item.sku, "delete", "unchanged", item.id, code)
            else:
                message = str(getattr(error, "woo_message", "") or error)
                outcome = ItemOutcome(0, item.sku, "delete", "failed", item.id, code, message)
        log.event(
            "missing",
            "delete" if outcome.outcome != "failed" else "failed",
            sku=item.sku,
            id=item.id,
            code=outcome.code,
            duration=time.monotonic() - started,
            message="missing from the feed → trash"
            + (f": {outcome.message}" if outcome.message else ""),
            level="error" if outcome.outcome == "failed" else "info",
        )
        outcomes.append(outcome)
    return outcomes


def apply_saved_missing(
    client: Any, plan: Any, *, log: RunLog | None = None, **apply_options: Any
) -> list[Any]:
    """Apply a saved plan's missing-product actions (``bulkio apply PLAN.json``), checked first.

    Each product is read again: one modified in the store since the plan was made is refused,
    not overwritten (unless it already is in the planned state: then it is ``unchanged``); one
    that is gone is refused. The rest are applied as :meth:`GuardedRun.apply_missing` does.
    Returns every item's :class:`bulkio.apply.ItemOutcome`.
    """
    from bulkio.apply import ItemOutcome

    items: list[MissingItem] = list(getattr(plan, "missing", None) or [])
    if not items:
        return []
    current: dict[int, dict[str, Any]] = {}
    ids = [item.id for item in items]
    for start in range(0, len(ids), 100):
        params = {
            "include": ",".join(str(i) for i in ids[start : start + 100]),
            "_fields": "id,sku,status,stock_status,manage_stock,stock_quantity,date_modified_gmt",
        }
        for page in client.iter_pages("products", params=params, per_page=100):
            for product in page:
                current[int(product["id"])] = product
    keep: list[MissingItem] = []
    outcomes: list[Any] = []
    for item in items:
        product = current.get(item.id)
        action = "delete" if item.is_delete else "update"
        if product is None:
            outcomes.append(
                ItemOutcome(
                    0,
                    item.sku,
                    action,
                    "refused",
                    item.id,
                    "gone",
                    f"product #{item.id} is no longer in the store (or in the trash)",
                )
            )
        elif product.get("date_modified_gmt") == item.base_modified:
            keep.append(item)
        elif not item.is_delete and all(
            product.get(key) == value for key, value in item.payload.items() if key != "id"
        ):
            outcomes.append(
                ItemOutcome(0, item.sku, action, "unchanged", item.id, "already_applied")
            )
        else:
            outcomes.append(
                ItemOutcome(
                    0,
                    item.sku,
                    action,
                    "refused",
                    item.id,
                    "changed_since_plan",
                    "changed in the store since the plan was made; not hidden or deleted, "
                    "make a new plan",
                )
            )
    outcomes.extend(apply_missing_items(client, keep, log or RunLog(None), **apply_options))
    return outcomes


def _feed_skus(plan: Any, records: Any) -> Iterator[str]:
    """Every SKU the feed names (rejected rows' too), streamed: the missing-product policy
    keeps only those of managed products (a set of a million feed SKUs cost some 100 MB)."""
    frame = getattr(records, "frame", None)
    if frame is not None and "sku" in getattr(frame, "columns", ()):
        yield from (str(s) for s in frame["sku"] if s)
    for group in (plan.creates, plan.updates):
        yield from (item.sku for item in group if item.sku)
    yield from (sku for sku in plan.unchanged.skus() if sku)  # no item made per row
    for rejection in getattr(plan, "rejected", ()):
        if getattr(rejection, "sku", None):
            yield str(rejection.sku)
    for rejection in getattr(records, "rejected", ()) or ():
        if getattr(rejection, "sku", None):
            yield str(rejection.sku)
