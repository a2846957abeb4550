"""``bulkio.run_import``: one import run, for every kind of mapping.

source → mapping → feed → plan → (limits) → apply → result, inside the one safety guard
(:class:`bulkio.safeguard.GuardedRun`: run directory and log, lock, missing-product policy,
limits, run state). The resource kind (:mod:`bulkio.engine.kinds`) is chosen once from the
mapping. Nothing here prints: the CLI shows the plan from the ``on_plan`` hook and the result
it gets back.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bulkio.apply import DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, ApplyResult, ItemOutcome
from bulkio.catalog.apply import CatalogResult
from bulkio.catalog.plan import CatalogPlan
from bulkio.engine.kinds import Bar, Feed, Kind, kind_for
from bulkio.errors import InputError, SafetyLimitError
from bulkio.exitcodes import ExitCode
from bulkio.mapping import load_mapping
from bulkio.mapping.model import Mapping
from bulkio.migrate.mapping import RecordMapping
from bulkio.plan.model import Plan
from bulkio.records import RecordSet
from bulkio.safeguard import GuardedRun, RunOptions
from bulkio.safety import Limits
from bulkio.store import StoreClient
from bulkio.store.redact import redact_url


@contextlib.contextmanager
def no_bar(desc: str, total: int | None, unit: str) -> Iterator[Callable[[int], None]]:
    """The default progress: none."""
    yield lambda _n: None


@dataclass
class ImportResult:
    """What one run did (or, for a dry run or a stopped one, would do)."""

    kind: str
    plan: Plan
    """Creates, updates, unchanged, rejected, trashed and missing items (products and
    variations alike for product mappings); ``plan.to_json()`` is a saved plan."""
    dry_run: bool
    mapping_warnings: list[str] = field(default_factory=list)
    feed_warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the plan could not be sure of (texts whose stored form is unpredictable, …)."""
    catalog: CatalogPlan | None = None
    """Product mappings: the plan with its terms, attributes and variations."""
    catalog_result: CatalogResult | None = None
    """Product mappings, once applied: terms, attributes, products, variations, images."""
    applied: ApplyResult | None = None
    """None for a dry run or a run stopped before writing."""
    missing: list[ItemOutcome] = field(default_factory=list)
    """Outcomes of the missing-product policy (hide / trash)."""
    stopped: SafetyLimitError | None = None
    """Set when the safety limits stopped the run before any write (exit 3)."""
    stats: dict[str, Any] = field(default_factory=dict)
    """The whole run's requests (reads of the plan included): ``requests``, ``reads``, …"""
    saved_plan: str | None = None
    """The plan as saved (``plan_out``, and the run directory's ``plan.json``)."""
    check: str | None = None
    """Saved plans: what the re-read of the store found (one line)."""
    records: RecordSet | None = None
    run: GuardedRun | None = None

    @property
    def outcomes(self) -> list[ItemOutcome]:
        return list(self.applied.outcomes) if self.applied else []

    @property
    def rejected(self) -> list[Any]:
        return list(self.plan.rejected)

    @property
    def problems(self) -> list[Any]:
        """Rejected rows, then failed or refused writes."""
        return [*self.plan.rejected, *(self.applied.problems if self.applied else [])]

    def counts(self) -> dict[str, int]:
        return self.applied.counts() if self.applied else self.plan.counts()

    @property
    def exit_code(self) -> int:
        """0 done, 1 some rows rejected / failed / refused, 3 stopped by a limit, 4 the store
        stopped answering."""
        if self.stopped is not None:
            return int(ExitCode.SAFETY_LIMIT)
        if self.applied is not None and self.applied.store_unreachable:
            return int(ExitCode.STORE_UNREACHABLE)
        return int(ExitCode.PARTIAL if self.problems else ExitCode.OK)


@dataclass
class Hooks:
    """How a caller follows a run (the CLI prints from these; library users may ignore them)."""

    bar: Bar = no_bar
    warn: Callable[[str], None] = lambda _message: None
    """Something went wrong that does not change the run's outcome (e.g. state not saved)."""
    on_feed: Callable[[list[str]], None] | None = None
    """Called with the feed's warnings once it is read (before the store is)."""
    on_plan: Callable[[ImportResult], None] | None = None
    """Called with the planned (not yet limit-checked, not yet applied) result."""


def _open_client(target: Any, concurrency: int | None) -> contextlib.AbstractContextManager[Any]:
    if hasattr(target, "batch"):  # a StoreClient (or anything that talks like one)
        return contextlib.nullcontext(target)
    return StoreClient(target, max_concurrency=concurrency)


def pool_width(client: Any, concurrency: int | None) -> int:
    """Threads a run keeps sending with: the caller's number, else the client's ceiling.

    An adaptive client gates the threads with its own limit (``bulkio.store.limiter``), so the
    pool must be as wide as the limit may grow, not as the limit it starts at."""
    if concurrency:
        return concurrency
    return int(getattr(client, "max_concurrency", None) or DEFAULT_CONCURRENCY)


def _load(mapping: Mapping | RecordMapping | str | Path) -> Mapping | RecordMapping:
    if isinstance(mapping, Mapping | RecordMapping):
        return mapping
    return load_mapping(Path(mapping))


def run_import(
    store: Any,
    mapping: Mapping | RecordMapping | str | Path,
    source: str | Path,
    *,
    dry_run: bool = False,
    limits: Limits | None = None,
    options: RunOptions | None = None,
    concurrency: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    plan_out: str | Path | None = None,
    hooks: Hooks | None = None,
) -> ImportResult:
    """Import ``source`` into the store as ``mapping`` says; return what happened.

    ``store`` is a :class:`bulkio.store.StoreClient` or :class:`bulkio.config.ConnectionSettings`.
    ``options`` (:class:`bulkio.safeguard.RunOptions`: limits, missing policy's
    ``allow_delete``, runs directory, log file, lock wait) default to the mapping's own;
    ``limits`` replaces just the limits. ``concurrency``: threads sending at once (default: the
    client's ``max_concurrency``, the ceiling its adaptive limit tunes up to). Errors that stop
    a run before it plans (unreadable file or mapping, lock held, store unreachable) raise
    :class:`bulkio.errors.BulkioError` with their exit code; a limit breach does not raise:
    ``result.stopped`` is set and nothing was written.
    """
    hooks = hooks or Hooks()
    mapping = _load(mapping)
    source = Path(source)
    if not source.is_file():
        raise InputError(source, "no such file", hint="check the path of the feed to import")
    options = options or RunOptions.resolve(mapping)
    if limits is not None:
        options = replace(options, limits=limits)
    kind = kind_for(mapping)
    started = time.monotonic()
    feed = kind.read(mapping, source, bar=hooks.bar)
    if hooks.on_feed is not None:
        hooks.on_feed(list(feed.warnings))
    made: list[ImportResult] = []  # the result, once planned (a limit stop raises after it)
    try:
        with _open_client(store, concurrency) as client:
            guard = GuardedRun(
                mapping,
                mapping.path,
                redact_url(client.site),
                options,
                dry_run=dry_run,
                secrets=(client.settings.key, client.settings.secret),
                source=str(source),
            )
            with guard as run:
                run.observe(client)
                return _planned_run(
                    made,
                    client,
                    run,
                    kind,
                    mapping,
                    feed,
                    dry_run,
                    pool_width(client, concurrency),
                    batch_size,
                    plan_out,
                    hooks,
                    started,
                )
    except SafetyLimitError as error:
        if not made:
            raise
        made[0].stopped = error
        return made[0]


def _planned_run(
    made: list[ImportResult],
    client: Any,
    run: GuardedRun,
    kind: Kind,
    mapping: Mapping | RecordMapping,
    feed: Feed,
    dry_run: bool,
    concurrency: int,
    batch_size: int,
    plan_out: str | Path | None,
    hooks: Hooks,
    started: float,
) -> ImportResult:
    store_url = redact_url(client.site)
    planned = kind.plan(
        client, mapping, feed, store_url=store_url, concurrency=concurrency, bar=hooks.bar
    )
    plan = planned.plan
    run.prepare(plan, client, feed.records)  # missing-product actions, feed marker on creates
    # What `bulkio apply` needs to re-check the limits: the feed's rows and [limits].
    plan.feed_rows, plan.mapping_limits = run.rows, dict(mapping.limits)
    result = ImportResult(
        kind.name,
        plan,
        dry_run,
        mapping_warnings=list(mapping.warnings),
        feed_warnings=list(feed.warnings),
        notes=planned.notes,
        catalog=planned.catalog,
        records=feed.records,
        run=run,
    )
    made.append(result)
    if plan_out is not None or not dry_run:
        result.saved_plan = kind.saved_text(planned, mapping=mapping, store_url=store_url)
    if plan_out is not None:
        Path(plan_out).write_text(result.saved_plan or "", encoding="utf-8")
    if hooks.on_plan is not None:
        hooks.on_plan(result)
    try:
        run.check(plan)  # safety limits: SafetyLimitError (exit 3) before any write
    except SafetyLimitError as error:
        result.stopped = error
        raise
    if dry_run:
        run.exit_code = result.exit_code
        result.stats = client.stats.snapshot()
        return result
    if run.paths is not None:
        run.paths.plan_file.write_text(result.saved_plan or plan.to_json(), encoding="utf-8")
    with hooks.bar("applying", len(plan.writes), "row") as progress:
        applied = kind.apply(
            client,
            planned,
            concurrency=concurrency,
            batch_size=batch_size,
            progress=progress,
            on_outcome=run.on_outcome,
        )
    missing = run.apply_missing(client, plan, concurrency=concurrency, batch_size=batch_size)
    applied.outcomes.extend(o for o in missing if o.outcome in ("failed", "refused"))
    finish_stats(applied, client, started)
    run.finish(applied, missing_outcomes=missing)
    result.applied, result.missing = applied, missing
    result.catalog_result = planned.catalog_result
    result.stats = client.stats.snapshot()
    return result


def finish_stats(result: ApplyResult, client: Any, started: float) -> None:
    """Count the whole run's requests (reads of the store state included), not just apply's."""
    stats = client.stats
    result.requests, result.reads = stats.requests, stats.reads
    result.writes, result.retries = stats.writes, stats.retries
    result.seconds = time.monotonic() - started
