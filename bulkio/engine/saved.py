"""``bulkio.apply_plan``: apply a plan saved with ``run_import(..., plan_out=…)``.

Two forms of saved plan, told apart by their ``format``:

* ``bulkio-plan/1`` (stock plans, and product plans that write items one by one): every item
  the plan touches is read again first — one changed in the store since the plan is refused,
  one already holding the planned values counts as unchanged — and the rest is written exactly
  as shown, with the plan's missing-product actions (each re-checked).
* ``bulkio-catalog-plan/1`` (product plans that create terms, attributes or variations first):
  planned again from the unchanged feed and mapping, writing only what the saved plan showed
  (:mod:`bulkio.catalog.planfile`).

Both run under the store + mapping run lock ``run_import`` takes, and both are checked against
the safety limits first (the mapping's ``[limits]`` saved in the plan ← the caller's).
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bulkio.apply import DEFAULT_BATCH_SIZE, ItemOutcome
from bulkio.apply import apply_plan as apply_items
from bulkio.catalog.planfile import FORMAT as CATALOG_FORMAT
from bulkio.catalog.planfile import check_inputs, load_saved_plan, restrict_to_saved
from bulkio.engine.kinds import PRODUCT, Planned, kind_for_plan
from bulkio.engine.run import Hooks, ImportResult, _open_client, finish_stats, pool_width
from bulkio.errors import BulkioError, InputError, SafetyLimitError, UsageError
from bulkio.mapping import load_mapping
from bulkio.plan.model import Plan
from bulkio.safeguard import GuardedRun, RunOptions, apply_saved_missing
from bulkio.safety import Limits, feed_rows, resolve_limits
from bulkio.store.redact import redact_url


@dataclass
class SavedApply:
    """Where and how a saved plan is applied (defaults as ``bulkio apply``'s)."""

    limits: dict[str, Any] = field(default_factory=dict)
    """Limit overrides (``max_price_drop`` = "60%" …; None = not given)."""
    no_limits: bool = False
    runs_dir: str | Path | None = None
    wait_lock: float = 0.0
    concurrency: int | None = None
    """Threads sending at once; None: the client's ``max_concurrency`` (its adaptive ceiling)."""
    batch_size: int = DEFAULT_BATCH_SIZE


def saved_format(text: str) -> str | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document.get("format") if isinstance(document, dict) else None


def apply_plan(
    store: Any,
    plan_path: str | Path,
    *,
    options: SavedApply | None = None,
    hooks: Hooks | None = None,
) -> ImportResult:
    """Apply the plan saved at ``plan_path`` to ``store`` (a StoreClient or
    ConnectionSettings); return what happened (``result.check`` says what the re-read found).

    Raises :class:`bulkio.errors.BulkioError` for an unreadable plan, a plan made for another
    store, a changed feed (catalog plans), a held lock; a limit breach sets ``result.stopped``.
    """
    options = options or SavedApply()
    hooks = hooks or Hooks()
    plan_path = Path(plan_path)
    try:
        text = plan_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(plan_path, f"cannot read the plan: {exc.strerror or exc}") from None
    if saved_format(text) == CATALOG_FORMAT:
        return _apply_catalog(store, plan_path, options, hooks)
    return _apply_items(store, Plan.from_json(text, path=str(plan_path)), plan_path, options, hooks)


def _limits(plan: Plan, plan_path: Path, options: SavedApply) -> Limits:
    """Defaults ← the mapping's ``[limits]`` saved in the plan ← the caller's overrides.

    A plan saved before plans carried the ``[limits]`` table falls back to the mapping file
    itself when it is still there. Limits given to the import that made the plan do not carry
    over: an unattended apply is checked as an unattended import would be.
    """
    table = plan.mapping_limits
    mapping_name = plan.mapping_path or str(plan_path)
    if table is None and plan.mapping_path and Path(plan.mapping_path).is_file():
        try:
            table = dict(load_mapping(Path(plan.mapping_path)).limits)
        except BulkioError:
            table = None
    return resolve_limits(
        table or {}, options.limits, no_limits=options.no_limits, mapping_path=mapping_name
    )


def _guard(
    client: Any, mapping_path: str | Path, limits: Limits, options: SavedApply, label: str
) -> GuardedRun:
    """The guard of ``run_import`` for the same store and mapping: its lock (a plan applied by
    hand must not interleave with the nightly import of the same feed), a run log, the limits,
    and the feed's row count saved for the next run's min_rows check. The missing-product
    actions a saved plan carries were approved when it was made (no policy check here)."""
    return GuardedRun(
        None,
        mapping_path,
        redact_url(client.site),
        RunOptions(limits=limits, runs_dir=options.runs_dir, wait_lock=options.wait_lock),
        secrets=(client.settings.key, client.settings.secret),
        source=label,
    )


def check_line(plan: Plan, fresh: Plan, dropped: list[ItemOutcome]) -> str:
    """One line on what the re-read of the store found."""
    done = sum(1 for o in dropped if o.outcome == "unchanged")
    refused = sum(1 for o in dropped if o.outcome == "refused")
    return (
        f"checked {len(plan.writes)} planned writes against the store: "
        f"{len(fresh.writes)} still to apply, {done} already applied, "
        f"{refused} changed since the plan (refused)"
    )


def _apply_items(
    store: Any, plan: Plan, plan_path: Path, options: SavedApply, hooks: Hooks
) -> ImportResult:
    started = time.monotonic()
    limits = _limits(plan, plan_path, options)
    result = ImportResult(kind_for_plan(plan).name, replace(plan, rejected=[]), False)
    with _open_client(store, options.concurrency) as client:
        store_url = redact_url(client.site)
        if plan.store_url and plan.store_url.rstrip("/") != store_url.rstrip("/"):
            raise UsageError(
                f"{plan_path} was made against {plan.store_url}, not {store_url}",
                hint="apply a plan to the store it was made for (--url / --profile), "
                "or make a new plan against this store",
            )
        guard = _guard(client, plan.mapping_path or plan_path, limits, options, f"plan {plan_path}")
        try:
            with guard as run:
                run.observe(client)
                run.rows = plan.row_count()
                run.check(plan)  # before the store is read again or written: exit 3
                _check_and_apply(client, run, plan, result, options, hooks)
                finish_stats(result.applied, client, started)  # type: ignore[arg-type]
                run.finish(result.applied, missing_outcomes=result.missing)
                result.run, result.stats = run, client.stats.snapshot()
        except SafetyLimitError as error:
            result.stopped = error
    return result


def _check_and_apply(
    client: Any,
    run: GuardedRun,
    plan: Plan,
    result: ImportResult,
    options: SavedApply,
    hooks: Hooks,
) -> None:
    """Re-read what the plan touches, then write what is still to do (and its missing-product
    actions, each re-checked)."""
    width = pool_width(client, options.concurrency)
    kind = kind_for_plan(plan)
    with hooks.bar("checking the plan: reading the store", len(plan.writes), "row") as advance:
        fresh, refused = kind.check_saved(client, plan, concurrency=width)
        advance(len(plan.writes))
    # Rejected rows were reported when the plan was made; applying does not repeat them.
    result.plan = replace(fresh, rejected=[])
    result.check = check_line(plan, fresh, refused)
    if hooks.on_plan is not None:
        hooks.on_plan(result)
    # Record kinds may set the store up around the writes (customers: the new-account e-mail
    # off while creating, as the plan said).
    applying = getattr(kind, "applying", None)
    around = applying(client, result.plan) if applying else contextlib.nullcontext()
    # A kind may send its writes its own way (orders: creates without retries, each followed
    # by its second write); the others go through the one batch applier.
    send = getattr(kind, "apply_saved", None) or apply_items
    with hooks.bar("applying", len(fresh.writes), "row") as progress, around:
        applied = send(
            client,
            result.plan,
            concurrency=width,
            batch_size=options.batch_size,
            progress=progress,
            prior=refused,
            on_outcome=run.on_outcome,
        )
    missing = apply_saved_missing(
        client, fresh, log=run.log, concurrency=width, batch_size=options.batch_size
    )
    applied.outcomes.extend(o for o in missing if o.outcome in ("failed", "refused"))
    result.applied, result.missing = applied, missing


def _apply_catalog(store: Any, plan_path: Path, options: SavedApply, hooks: Hooks) -> ImportResult:
    """Plan again from the saved plan's unchanged feed; write only what it showed."""
    started = time.monotonic()
    saved = load_saved_plan(plan_path)
    mapping = load_mapping(Path(saved.mapping))
    limits = resolve_limits(
        dict(mapping.limits), options.limits, no_limits=options.no_limits, mapping_path=mapping.path
    )
    with _open_client(store, options.concurrency) as client:
        store_url = redact_url(client.site)
        check_inputs(saved, store_url)
        guard = _guard(client, mapping.path, limits, options, f"plan {plan_path}")
        made: list[ImportResult] = []
        try:
            with guard as run:
                run.observe(client)
                _replan_and_apply(client, run, mapping, saved, store_url, options, hooks, made)
                result = made[0]
                finish_stats(result.applied, client, started)  # type: ignore[arg-type]
                run.finish(result.applied, missing_outcomes=[])
                result.stats = client.stats.snapshot()
        except SafetyLimitError as error:
            if not made:
                raise
            made[0].stopped = error
    return made[0]


def _replan_and_apply(
    client: Any,
    run: GuardedRun,
    mapping: Any,
    saved: Any,
    store_url: str,
    options: SavedApply,
    hooks: Hooks,
    made: list[ImportResult],
) -> None:
    feed = PRODUCT.read(mapping, Path(saved.source), bar=hooks.bar)
    width = pool_width(client, options.concurrency)
    planned: Planned = PRODUCT.plan(
        client, mapping, feed, store_url=store_url, concurrency=width, bar=hooks.bar
    )
    assert planned.catalog is not None
    prior = restrict_to_saved(planned.catalog, saved)
    refused = [o for o in prior if o.outcome == "refused"]
    fresh = PRODUCT.view(planned, mapping=mapping, store_url=store_url).plan
    result = ImportResult(
        PRODUCT.name,
        fresh,
        False,
        feed_warnings=list(feed.warnings),
        notes=planned.notes,
        catalog=planned.catalog,
        run=run,
    )
    made.append(result)
    result.check = (
        f"planned again from {saved.source}: {len(fresh.writes)} writes as saved, "
        f"{sum(1 for o in prior if o.outcome == 'unchanged')} already applied, "
        f"{len(refused)} changed since the plan (refused)"
    )
    if hooks.on_plan is not None:
        hooks.on_plan(result)
    run.rows = feed_rows(fresh)
    run.check(fresh)  # exit 3 before any write
    result.applied = PRODUCT.apply(
        client,
        planned,
        concurrency=width,
        batch_size=options.batch_size,
        progress=None,
        on_outcome=run.on_outcome,
        prior=refused,
    )
    result.catalog_result = planned.catalog_result
