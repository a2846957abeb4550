"""``bulkio import FILE -m MAPPING`` and ``bulkio apply PLAN.json``: thin wiring over the library.

Output discipline (a nightly cron job is the main user): the diff and the summary go to
stdout; with ``--quiet`` a clean run prints nothing at all and problems go to stderr; ``--json``
prints one JSON document on stdout and nothing else. Progress bars go to stderr, only on a
terminal, only for runs long enough to need them.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from tqdm import tqdm

from bulkio.apply import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CONCURRENCY,
    ApplyResult,
    ItemOutcome,
    apply_plan,
    check_plan,
)
from bulkio.cli.common import handle_errors, output_file_in_existing_dir
from bulkio.cli.connection import client_from_options, store_options
from bulkio.cli.safety_options import (
    LIMIT_OPTIONS,
    SafetyCli,
    limit_value_options,
    safety_options,
)
from bulkio.errors import InputError, SafetyLimitError, UsageError
from bulkio.exitcodes import ExitCode
from bulkio.plan import Plan, build_plan, fetch_store_state, render_diff, render_summary
from bulkio.report import (
    problem_rows,
    render_problems,
    render_result,
    render_warnings,
    result_to_dict,
    warning_rows,
    write_report_csv,
)
from bulkio.runlock import RunLock
from bulkio.runs import RunState, load_state, now_iso, save_state, series_dir
from bulkio.safeguard import GuardedRun, apply_saved_missing
from bulkio.safety import Limits, enforce_limits, resolve_limits
from bulkio.store import StoreClient
from bulkio.store.redact import redact_url
from bulkio.terminal import printable

if TYPE_CHECKING:
    from bulkio.records import RecordSet

DIFF_SHOWN_WHEN_APPLYING = 50


class Output:
    """Where each kind of output goes, given ``--quiet`` and ``--json``."""

    def __init__(self, *, quiet: bool, as_json: bool) -> None:
        self.quiet = quiet
        self.as_json = as_json
        self.colour = sys.stdout.isatty()

    def text(self, message: str = "") -> None:
        """Normal output: stdout, unless quiet or JSON."""
        if not self.quiet and not self.as_json:
            click.echo(message)

    def problem(self, message: str) -> None:
        """Something a person should read: stdout normally, stderr when quiet, never in JSON."""
        if self.as_json or not message:
            return
        click.echo(message, err=self.quiet)

    @contextmanager
    def bar(self, desc: str, total: int | None, unit: str) -> Iterator[Callable[[int], None]]:
        """A tqdm bar on stderr for long steps (shown after a second; never when piped)."""
        disabled = self.quiet or self.as_json or not sys.stderr.isatty()
        with tqdm(
            total=total,
            desc=desc,
            unit=unit,
            file=sys.stderr,
            disable=disabled,
            delay=1.0,
            leave=False,
            dynamic_ncols=True,
        ) as progress:
            yield progress.update


def rows_read_hook(advance: Callable[[int], object]) -> Callable[[int], None]:
    """Turn a bar's ``update(n more)`` into a hook hearing the rows read so far."""
    done = 0

    def hook(rows_read: int) -> None:
        nonlocal done
        if rows_read > done:
            advance(rows_read - done)
            done = rows_read

    return hook


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--report",
            "report_path",
            type=click.Path(dir_okay=False, path_type=Path),
            callback=output_file_in_existing_dir,
            help="Write rejected, failed and refused rows (file line, SKU, column, value, code, "
            "reason) to this CSV file.",
        ),
        click.option(
            "--json", "as_json", is_flag=True, help="Print one JSON document instead of text."
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 16),
            default=DEFAULT_CONCURRENCY,
            show_default=True,
            help="Requests in flight at once (batch writes and page reads).",
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(1, 100),
            default=DEFAULT_BATCH_SIZE,
            show_default=True,
            help="Items per batch request; lower it for stores on weak hosting (a store that "
            "refuses a size with HTTP 413 makes bulkio shrink by itself).",
        ),
        click.option(
            "-q", "--quiet", is_flag=True, help="No progress, no diff; a clean run prints nothing."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _finish_stats(result: ApplyResult, client: StoreClient, started: float) -> None:
    """Count the whole run's requests (reads of the store state included), not just apply's."""
    stats = client.stats
    result.requests, result.reads = stats.requests, stats.reads
    result.writes, result.retries = stats.writes, stats.retries
    result.seconds = time.monotonic() - started


def record_lines_for(
    plan: Plan, result: ApplyResult | None, records: RecordSet | None = None
) -> dict[int, int]:
    """For an XML feed: the file line of each record a problem will be reported for.

    From the records just read, or (a saved plan) from the feed file read again when it is
    still there; {} for CSV feeds, whose lines are file lines already.
    """
    if plan.line_unit != "record":
        return {}
    wanted = {r.line for r in plan.rejected if r.line is not None}
    wanted |= {o.line for o in (result.outcomes if result else ()) if o.line is not None}
    if not wanted:
        return {}
    if records is not None:
        return records.source_lines(wanted)
    if not plan.source_path or not plan.mapping_path:
        return {}
    from bulkio.errors import BulkioError
    from bulkio.mapping import load_mapping
    from bulkio.sources.xml import record_source_lines

    try:
        mapping = load_mapping(plan.mapping_path)
        return record_source_lines(plan.source_path, mapping.source, wanted)
    except (BulkioError, OSError):
        return {}  # the feed or mapping changed or went away: records without their lines


def _report_and_exit(
    out: Output,
    plan: Plan,
    result: ApplyResult | None,
    *,
    dry_run: bool,
    report_path: Path | None,
    records: RecordSet | None = None,
    notes: dict[str, list[str]] | None = None,
) -> None:
    """Problem rows to the report, the screen or the JSON document; exit with the run's code.

    ``notes`` (``--json`` only): extra lists for the document, e.g. the feed's warnings.
    """
    file, unit = plan.source_path or "", plan.line_unit
    source_lines = record_lines_for(plan, result, records)
    outcomes = result.outcomes if result else ()
    rows = problem_rows(plan.rejected, outcomes, file=file, unit=unit, source_lines=source_lines)
    warnings = warning_rows(outcomes, file=file, unit=unit, source_lines=source_lines)
    if report_path is not None:
        write_report_csv(report_path, [*rows, *warnings])
    if out.as_json:
        document = result_to_dict(plan, result, dry_run=dry_run, source_lines=source_lines)
        document.update(notes or {})
        click.echo(json.dumps(document, ensure_ascii=False))
    else:
        out.problem(render_problems(rows, report_path=str(report_path) if report_path else None))
        out.problem(render_warnings(warnings))
        if result is not None:
            out.text(render_result(result))
    if result is not None and result.store_unreachable:
        sys.exit(int(ExitCode.STORE_UNREACHABLE))
    sys.exit(int(ExitCode.PARTIAL if rows else ExitCode.OK))


def _guarded_run(
    mapping: Any,
    mapping_path: Path,
    client: StoreClient,
    run_options: Any,
    *,
    dry_run: bool,
    file: Path,
) -> GuardedRun:
    """The run lock, run log and limits of one import of ``file`` into ``client``'s store."""
    return GuardedRun(
        mapping,
        mapping_path,
        redact_url(client.site),
        run_options,
        dry_run=dry_run,
        secrets=(client.settings.key, client.settings.secret),
        source=str(file),
    )


def _check_summary(plan: Plan, fresh: Plan, dropped: list[ItemOutcome]) -> str:
    """One line on what the re-read of the store found."""
    done = sum(1 for o in dropped if o.outcome == "unchanged")
    refused = sum(1 for o in dropped if o.outcome == "refused")
    return (
        f"checked {len(plan.writes)} planned writes against the store: "
        f"{len(fresh.writes)} still to apply, {done} already applied, "
        f"{refused} changed since the plan (refused)"
    )


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-m",
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mapping file (TOML) saying how the file's columns become product fields.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--plan-out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=output_file_in_existing_dir,
    help="Save the plan as JSON (apply it later with `bulkio apply PLAN.json`).",
)
@common_options
@safety_options
@store_options
@handle_errors
def import_command(
    file: Path,
    mapping_path: Path,
    dry_run: bool,
    plan_out: Path | None,
    report_path: Path | None,
    as_json: bool,
    concurrency: int,
    batch_size: int,
    quiet: bool,
    safety: SafetyCli,
    **connection: Any,
) -> None:
    """Import FILE into the store as MAPPING says: plan, show the diff, write the difference.

    Only the fields the mapping owns are compared and written; rows already matching the store
    cost no write. Invalid rows are reported (file line, column, reason) and never sent.

    \b
    Exit codes: 0 all applied or nothing to do; 1 some rows rejected, failed or refused;
    2 usage, mapping or input error (nothing written); 3 stopped by a safety limit (nothing
    written); 4 store unreachable or key refused; 5 another run of this store and mapping holds
    the lock. Unattended runs: see docs/cron.md.
    """
    from bulkio.mapping import load_mapping
    from bulkio.records import build_records

    started = time.monotonic()
    out = Output(quiet=quiet, as_json=as_json)
    if not file.is_file():
        raise InputError(file, "no such file", hint="check the path of the feed to import")
    mapping = load_mapping(mapping_path)
    for warning in mapping.warnings:  # e.g. stock_status where stock may be managed
        out.problem(f"warning: {printable(warning)}")
    run_options = safety.resolve(mapping)  # limits, missing policy, lock and log options
    from bulkio.catalog.detect import is_catalog_feed  # WooCommerce product CSV: docs/catalog.md

    if is_catalog_feed(mapping, file):
        from bulkio.cli.catalog import run_catalog_import

        # The same run lock and run log as product feeds, and the same safety limits (the
        # missing policy does not look at catalog plans yet).
        with (
            client_from_options(**connection) as probe,
            _guarded_run(mapping, mapping_path, probe, run_options, dry_run=dry_run, file=file),
        ):
            run_catalog_import(
                file,
                mapping,
                dry_run=dry_run,
                as_json=as_json,
                quiet=quiet,
                concurrency=concurrency,
                batch_size=batch_size,
                report_path=report_path,
                limits=run_options.limits,
                hold_lock=False,
                plan_out=plan_out,  # applied with `bulkio catalog apply`
                **connection,
            )
        return
    with out.bar("reading the feed", None, "row") as advance:
        records = build_records(mapping, file, progress=rows_read_hook(advance))
    # E.g. a column empty in every row: a mistyped name or XML path never writes its field,
    # and with empty = "clear" it clears the field on every product.
    for warning in records.warnings:
        out.problem(f"warning: {printable(warning)}")
    notes = {"mapping_warnings": list(mapping.warnings), "feed_warnings": records.warnings}
    with (
        client_from_options(**connection, max_concurrency=concurrency) as client,
        _guarded_run(mapping, mapping_path, client, run_options, dry_run=dry_run, file=file) as run,
    ):
        run.observe(client)
        skus = records.frame["sku"].to_list()
        with out.bar("planning: reading the store", len(skus), "sku") as progress:
            state = fetch_store_state(
                client, mapping, skus, concurrency=concurrency, progress=progress
            )
        plan = build_plan(mapping, records, state, store_url=redact_url(client.site))
        run.prepare(plan, client, records)  # missing-product actions, feed marker on creates
        # What `bulkio apply` needs to re-check the limits: the feed's rows and [limits].
        plan.feed_rows, plan.mapping_limits = run.rows, dict(mapping.limits)
        plan_json: str | None = None  # made once, written to --plan-out and/or the run dir
        if plan_out is not None:
            plan_json = plan.to_json()
            plan_out.write_text(plan_json, encoding="utf-8")
        out.text(
            render_diff(
                plan,
                colour=out.colour,
                limit=None if dry_run else DIFF_SHOWN_WHEN_APPLYING,
            )
        )
        out.text(render_summary(plan))
        try:
            run.check(plan)  # safety limits: SafetyLimitError (exit 3) before any write
        except SafetyLimitError as error:
            # The rejected rows are part of why a feed looks wrong: list them (and write the
            # --report) before the stop's message, as a run that went on would.
            source_lines = record_lines_for(plan, None, records)
            rows = problem_rows(
                plan.rejected,
                file=plan.source_path or "",
                unit=plan.line_unit,
                source_lines=source_lines,
            )
            if report_path is not None:
                write_report_csv(report_path, rows)
            if out.as_json:  # the stopped plan, as the text output shows it (docs/cron.md)
                document = result_to_dict(plan, None, dry_run=dry_run, source_lines=source_lines)
                document.update(notes)
                document["stopped_by_limits"] = error.message
                click.echo(json.dumps(document, ensure_ascii=False))
            else:
                report = str(report_path) if report_path else None
                out.problem(render_problems(rows, report_path=report))
            raise
        if not dry_run and run.paths is not None:
            run.paths.plan_file.write_text(plan_json or plan.to_json(), encoding="utf-8")
            report_path = report_path or run.paths.report_file
        if dry_run:
            out.text(
                "dry run: nothing was written."
                + (f" Apply this plan with: bulkio apply {plan_out}" if plan_out else "")
            )
            _report_and_exit(
                out,
                plan,
                None,
                dry_run=True,
                report_path=report_path,
                records=records,
                notes=notes,
            )
        with out.bar("applying", len(plan.writes), "row") as progress:
            result = apply_plan(
                client,
                plan,
                concurrency=concurrency,
                batch_size=batch_size,
                progress=progress,
                on_outcome=run.on_outcome,
            )
        missing = run.apply_missing(client, plan, concurrency=concurrency, batch_size=batch_size)
        result.outcomes.extend(o for o in missing if o.outcome in ("failed", "refused"))
        _finish_stats(result, client, started)
        run.finish(result, missing_outcomes=missing)
    if plan.missing:
        out.text(run.missing_line())
    _report_and_exit(
        out, plan, result, dry_run=False, report_path=report_path, records=records, notes=notes
    )


def limit_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``bulkio import``'s limit options (``--max-…``, ``--no-limits``) for ``bulkio apply``."""
    options = limit_value_options()
    options.append(
        click.option(
            "--no-limits",
            is_flag=True,
            help="Turn every safety limit off for this apply (nothing else does).",
        )
    )
    for option in reversed(options):
        func = option(func)
    return func


def _saved_plan_limits(
    plan: Plan, plan_path: Path, cli_limits: dict[str, Any], no_limits: bool
) -> Limits:
    """Defaults ← the mapping's ``[limits]`` saved in the plan ← this command's options.

    A plan saved before plans carried the ``[limits]`` table falls back to the mapping file
    itself when it is still there. Limits given to the ``import`` that made the plan do not
    carry over: an unattended apply is checked as an unattended import would be.
    """
    table = plan.mapping_limits
    mapping_name = plan.mapping_path or str(plan_path)
    if table is None and plan.mapping_path and Path(plan.mapping_path).is_file():
        from bulkio.errors import BulkioError
        from bulkio.mapping import load_mapping

        try:
            table = dict(load_mapping(Path(plan.mapping_path)).limits)
        except BulkioError:
            table = None
    return resolve_limits(table or {}, cli_limits, no_limits=no_limits, mapping_path=mapping_name)


@click.command("apply")
@click.argument("plan_path", metavar="PLAN.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where runs keep their lock (the same as `bulkio import`'s) "
    "[default: $BULKIO_HOME/runs or ./.bulkio/runs].",
)
@click.option(
    "--wait-lock",
    type=click.FloatRange(min=0),
    default=0.0,
    metavar="SECONDS",
    help="Wait this long for a running import of the same store and mapping [default: 0].",
)
@common_options
@limit_options
@store_options
@handle_errors
def apply_command(
    plan_path: Path,
    runs_dir: Path | None,
    wait_lock: float,
    report_path: Path | None,
    as_json: bool,
    concurrency: int,
    batch_size: int,
    quiet: bool,
    no_limits: bool,
    **options: Any,
) -> None:
    """Apply a plan saved with `bulkio import … --plan-out PLAN.json`, exactly as it was shown.

    Catalog plans (`bulkio catalog import … --plan-out`, or `bulkio import` of a WooCommerce
    product CSV) are applied the `bulkio catalog apply` way: planned again from the unchanged
    feed, writing only what the plan showed.

    Every record the plan touches is read again first: a product changed in the store since
    the plan was made is refused and reported, never overwritten; a row already holding the
    planned values is counted as unchanged (so applying a plan twice is harmless).

    The plan is checked against the safety limits first, as `bulkio import` checks it: the
    mapping's [limits] saved in the plan, overridden only by this command's --max-… options or
    --no-limits; min_rows_share compares the plan's feed with the last successful run of the
    same store and mapping.

    \b
    Exit codes: 0 all applied; 1 some rows refused or failed; 2 unreadable plan or wrong store;
    3 stopped by a safety limit (nothing written); 4 store unreachable or key refused;
    5 another run of this store and mapping holds the lock.
    """
    cli_limits = {name: options.pop(name, None) for name, _ in LIMIT_OPTIONS}
    connection = options
    started = time.monotonic()
    out = Output(quiet=quiet, as_json=as_json)
    try:
        text = plan_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(plan_path, f"cannot read the plan: {exc.strerror or exc}") from None
    from bulkio.catalog.planfile import is_catalog_plan

    if is_catalog_plan(text):  # saved by a catalog import: `bulkio catalog apply`'s path
        from bulkio.cli.catalog import apply_saved_catalog_plan

        apply_saved_catalog_plan(
            plan_path,
            limits=cli_limits,
            no_limits=no_limits,
            runs_dir=runs_dir,
            wait_lock=wait_lock,
            report_path=report_path,
            as_json=as_json,
            quiet=quiet,
            concurrency=concurrency,
            batch_size=batch_size,
            **connection,
        )
        return
    plan = Plan.from_json(text, path=str(plan_path))
    limits = _saved_plan_limits(plan, plan_path, cli_limits, no_limits)
    with client_from_options(**connection, max_concurrency=concurrency) as client:
        store_url = redact_url(client.site)
        if plan.store_url and plan.store_url.rstrip("/") != store_url.rstrip("/"):
            raise UsageError(
                f"{plan_path} was made against {plan.store_url}, not {store_url}",
                hint="apply a plan to the store it was made for (--url / --profile), "
                "or make a new plan against this store",
            )
        # The same lock as `bulkio import` with the plan's mapping: a plan applied by hand must
        # not interleave with the nightly import of the same feed.
        lock_dir = series_dir(store_url, plan.mapping_path or plan_path, runs_dir)
        lock_dir.mkdir(parents=True, exist_ok=True)
        with RunLock(lock_dir / "lock", run_id=f"apply {plan_path.name}", wait=wait_lock):
            # The limits, before the store is read again or written: exit 3 on a breach.
            state_file = lock_dir / "state.json"
            previous = load_state(state_file)
            rows = plan.row_count()
            enforce_limits(plan, limits, previous.feed_rows if previous else None, rows=rows)
            _apply_saved_plan(
                out,
                client,
                plan,
                concurrency,
                batch_size,
                started,
                report_path,
                on_done=lambda: _save_feed_rows(state_file, rows, plan_path),
            )


def _save_feed_rows(state_file: Path, rows: int, plan_path: Path) -> None:
    """The applied plan's feed is the last successful run's: the next min_rows baseline."""
    try:
        save_state(
            state_file, RunState(feed_rows=rows, finished_at=now_iso(), run_id=f"apply {plan_path}")
        )
    except OSError as error:
        click.echo(f"warning: could not save {state_file}: {error.strerror or error}", err=True)


def _apply_saved_plan(
    out: Output,
    client: StoreClient,
    plan: Plan,
    concurrency: int,
    batch_size: int,
    started: float,
    report_path: Path | None,
    on_done: Callable[[], None] | None = None,
) -> None:
    """Re-read what the plan touches, apply the rest, report, exit (under the run lock)."""
    fresh, refused = check_plan(client, plan, concurrency=concurrency)
    out.text(_check_summary(plan, fresh, refused))
    # Rejected rows were reported when the plan was made; applying it does not repeat them.
    fresh = replace(fresh, rejected=[])
    plan = replace(plan, rejected=[])
    out.text(render_diff(fresh, colour=out.colour, limit=DIFF_SHOWN_WHEN_APPLYING))
    out.text(render_summary(fresh))
    with out.bar("applying", len(fresh.writes), "row") as progress:
        result = apply_plan(
            client,
            fresh,
            concurrency=concurrency,
            batch_size=batch_size,
            progress=progress,
            prior=refused,
        )
    # The plan's missing-product actions (hide / trash), each re-checked against the store.
    missing = apply_saved_missing(client, fresh, concurrency=concurrency, batch_size=batch_size)
    result.outcomes.extend(o for o in missing if o.outcome in ("failed", "refused"))
    if missing:
        done = sum(1 for o in missing if o.outcome == "updated")
        out.text(f"missing from the feed: {done} of {len(missing)} hidden or moved to the trash")
    _finish_stats(result, client, started)
    if on_done is not None and not result.store_unreachable:
        on_done()
    _report_and_exit(out, plan, result, dry_run=False, report_path=report_path)


COMMANDS: list[click.Command] = [import_command, apply_command]
