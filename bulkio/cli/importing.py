"""What ``bulkio import``, ``bulkio catalog import`` and ``bulkio apply`` print, and their
exit codes: the library (:mod:`bulkio.engine`) runs, this module shows its result.

Output discipline (a nightly cron job is the main user): the diff and the summary go to
stdout; with ``--quiet`` a clean run prints nothing at all and problems go to stderr; ``--json``
prints one JSON document on stdout and nothing else. Progress bars go to stderr, only on a
terminal, only for runs long enough to need them.

Every plan is shown by the one printer (:mod:`bulkio.plan.render`): flat product feeds,
catalogs with terms, attributes and variations (laid out by :mod:`bulkio.catalog.render`),
stock feeds, saved plans, and the customer, coupon and order plans alike. The ``--json``
document carries ``schema`` (``bulkio.import/1``, ``bulkio.apply/1``, ``bulkio.catalog.import/1``,
``bulkio.catalog.apply/1``; docs/cli.md) and ``ok``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from bulkio.apply import DEFAULT_BATCH_SIZE, ApplyResult
from bulkio.catalog.render import catalog_details, catalog_layout, render_catalog_result
from bulkio.cli.common import output_file_in_existing_dir
from bulkio.cli.connection import client_from_options, concurrency_option_list
from bulkio.cli.jsonout import document as json_doc
from bulkio.cli.progress import progress_bar
from bulkio.cli.safety_options import SafetyCli
from bulkio.engine import Hooks, ImportResult, SavedApply, apply_plan, run_import
from bulkio.errors import BulkioError, InputError
from bulkio.htmlreport import write_html_report
from bulkio.plan import Plan, render_diff, render_summary
from bulkio.plan.render import KEY_LABELS
from bulkio.report import (
    problem_rows,
    render_problems,
    render_result,
    render_warnings,
    result_to_dict,
    warning_rows,
    write_report_csv,
)
from bulkio.terminal import printable, use_colour

DIFF_SHOWN_WHEN_APPLYING = 50


class Output:
    """Where each kind of output goes, given ``--quiet`` and ``--json``."""

    def __init__(self, *, quiet: bool, as_json: bool, command: str = "import") -> None:
        self.quiet = quiet
        self.as_json = as_json
        self.command = command
        """The JSON document's schema name (``import``, ``apply``, ``catalog.import`` …)."""
        self.colour = use_colour()

    def text(self, message: str = "") -> None:
        """Normal output: stdout, unless quiet or JSON."""
        if not self.quiet and not self.as_json:
            click.echo(message)

    def problem(self, message: str) -> None:
        """Something a person should read: stdout normally, stderr when quiet, never in JSON."""
        if self.as_json or not message:
            return
        click.echo(message, err=self.quiet)

    def warn(self, message: str) -> None:
        click.echo(message, err=True)

    @contextmanager
    def bar(self, desc: str, total: int | None, unit: str) -> Iterator[Callable[[int], object]]:
        """A bar on stderr for a long step (:mod:`bulkio.cli.progress`: counts and rates, only
        on a terminal or with BULKIO_PROGRESS=1, never with --quiet or --json)."""
        with progress_bar(desc, total, unit, quiet=self.quiet, as_json=self.as_json) as advance:
            yield advance


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
    """``--report --json --max-concurrency --concurrency --batch-size -q`` (import, catalog
    import, apply)."""
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
            "--report-html",
            "report_html",
            type=click.Path(dir_okay=False, path_type=Path),
            callback=output_file_in_existing_dir,
            help="Also write the run report as one self-contained HTML page (counts, price "
            "changes, biggest changes, problems, limits, timings; a copy is kept in the run "
            "directory of every applied run).",
        ),
        click.option(
            "--json", "as_json", is_flag=True, help="Print one JSON document instead of text."
        ),
        *concurrency_option_list(),
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


def record_lines_for(plan: Plan, result: ApplyResult | None, records: Any = None) -> dict[int, int]:
    """For an XML feed: the file line of each record a problem will be reported for.

    From the records just read, or (a saved plan, a product feed) from the feed file read
    again when it is still there; {} for CSV feeds, whose lines are file lines already.
    """
    if plan.line_unit != "record":
        return {}
    wanted = {r.line for r in plan.rejected if r.line is not None}
    wanted |= {o.line for o in (result.outcomes if result else ()) if o.line is not None}
    if not wanted:
        return {}
    if records is not None:
        return dict(records.source_lines(wanted))
    if not plan.source_path or not plan.mapping_path:
        return {}
    from bulkio.mapping import load_mapping
    from bulkio.sources.xml import record_source_lines

    try:
        mapping = load_mapping(plan.mapping_path)
        return record_source_lines(plan.source_path, mapping.source, wanted)
    except (BulkioError, OSError):
        return {}  # the feed or mapping changed or went away: records without their lines


def show_plan(out: Output, result: ImportResult) -> None:
    """The ``on_plan`` hook: the diff, the plan's notes and the summary line."""
    if result.check:
        out.text(result.check)
    limit = None if result.dry_run else DIFF_SHOWN_WHEN_APPLYING
    out.text(plan_text(result, colour=out.colour, limit=limit))


def plan_text(result: ImportResult, *, colour: bool, limit: int | None = None) -> str:
    """A planned run as the one printer shows every plan: the diff (a catalog plan laid out
    with its terms, attributes and variations), the notes, the summary line."""
    catalog = result.catalog
    layout = catalog_layout(catalog) if catalog is not None else None
    lines = [render_diff(result.plan, colour=colour, limit=limit, layout=layout)]
    lines += [f"note: {printable(note)}" for note in result.notes]
    details = catalog_details(catalog) if catalog is not None else None
    lines.append(render_summary(result.plan, details=details))
    return "\n".join(line for line in lines if line)


def json_document(
    result: ImportResult, source_lines: dict[int, int], command: str = "import"
) -> dict[str, Any]:
    """The ``--json`` document (``bulkio.<command>/1``, docs/cli.md): ``ok`` and the exit
    code, the plan, the result, problems and warnings; for product mappings also the catalog
    counts (``plan.product_create`` …, ``result.product_created`` …), the whole run's
    requests (``stats``) and the plan's notes."""
    code = result.exit_code
    body = result_to_dict(
        result.plan, result.applied, dry_run=result.dry_run, source_lines=source_lines
    )
    document = json_doc(command, {"ok": code == 0, "exit_code": code, **body})
    document["mapping_warnings"] = list(result.mapping_warnings)
    document["feed_warnings"] = list(result.feed_warnings)
    document["notes"] = list(result.notes)
    if result.stats:
        document["stats"] = {k: result.stats[k] for k in ("requests", "reads", "writes")}
    if result.catalog is not None:
        document["plan"].update(result.catalog.counts())
    if result.catalog_result is not None and "result" in document:
        document["result"].update(result.catalog_result.counts())
    if result.stopped is not None:
        document["stopped_by_limits"] = result.stopped.message
    return document


def report_and_exit(
    out: Output,
    result: ImportResult,
    *,
    report_path: Path | None,
    report_html: Path | None = None,
    plan_out: Path | None = None,
) -> NoReturn:
    """Problem rows to the report, the screen or the JSON document; exit with the run's code
    (a limit stop raises its error after the rejected rows are listed: exit 3)."""
    plan, applied = result.plan, result.applied
    paths = result.run.paths if result.run is not None else None
    if paths is not None and not result.dry_run and result.stopped is None:
        report_path = report_path or paths.report_file
    file, unit = plan.source_path or "", plan.line_unit
    source_lines = record_lines_for(plan, applied, result.records)
    outcomes = applied.outcomes if applied else ()
    rows = problem_rows(plan.rejected, outcomes, file=file, unit=unit, source_lines=source_lines)
    warnings = warning_rows(outcomes, file=file, unit=unit, source_lines=source_lines)
    if report_path is not None:
        write_report_csv(report_path, [*rows, *warnings])
    document = json_document(result, source_lines, out.command)
    html_copy = paths.html_report_file if paths is not None and not result.dry_run else None
    for page in (report_html, html_copy):
        if page is not None:
            write_html_report(document, page)
    if out.as_json:
        click.echo(json.dumps(document, ensure_ascii=False, default=str))
    elif result.stopped is None:
        _text_end(out, result, plan_out)
    label = KEY_LABELS.get(plan.resource, "key")
    shown_report = str(report_path) if report_path else None
    out.problem(render_problems(rows, report_path=shown_report, label=label))
    if result.stopped is not None:
        if out.as_json:  # the document says so already (ok false, stopped_by_limits): one only
            click.echo(f"error: {printable(str(result.stopped), keep_newlines=True)}", err=True)
            sys.exit(int(result.stopped.exit_code))
        raise result.stopped
    out.problem(render_warnings(warnings, label=label))
    if applied is not None:
        out.text(render_result(applied))
        breakdown = render_catalog_result(result.catalog_result) if result.catalog_result else ""
        if breakdown:
            out.text(breakdown)
    sys.exit(result.exit_code)


def _text_end(out: Output, result: ImportResult, plan_out: Path | None) -> None:
    if result.dry_run:
        out.text(
            "dry run: nothing was written"
            + (" (no terms or attributes either)." if _creates_first(result) else ".")
            + (f" Apply this plan with: bulkio apply {plan_out}" if plan_out else "")
        )
        return
    if result.plan.missing and result.run is not None:
        out.text(result.run.missing_line())
    elif result.missing:
        done = sum(1 for o in result.missing if o.outcome == "updated")
        out.text(
            f"missing from the feed: {done} of {len(result.missing)} hidden or moved to the trash"
        )


def _creates_first(result: ImportResult) -> bool:
    catalog = result.catalog
    return catalog is not None and bool(
        catalog.terms or catalog.attributes or catalog.attribute_terms
    )


def hooks_for(out: Output) -> Hooks:
    def feed_warnings(warnings: list[str]) -> None:
        for warning in warnings:
            out.problem(f"warning: {printable(warning)}")

    return Hooks(
        bar=out.bar,
        on_feed=feed_warnings,
        on_plan=lambda result: show_plan(out, result),
        warn=out.warn,
    )


def import_file(
    file: Path,
    mapping_path: Path,
    *,
    dry_run: bool,
    plan_out: Path | None,
    report_path: Path | None,
    as_json: bool,
    concurrency: int | None,
    batch_size: int,
    quiet: bool,
    safety: SafetyCli,
    connection: dict[str, Any],
    report_html: Path | None = None,
    command: str = "import",
) -> None:
    """One import run as the commands ``import`` and ``catalog import`` make it: print, exit."""
    from bulkio.mapping import load_mapping

    out = Output(quiet=quiet, as_json=as_json, command=command)
    if not file.is_file():
        raise InputError(file, "no such file", hint="check the path of the feed to import")
    mapping = load_mapping(mapping_path)
    for warning in mapping.warnings:  # e.g. stock_status where stock may be managed
        out.problem(f"warning: {printable(warning)}")
    options = safety.resolve(mapping)  # limits, missing policy, lock and log options
    with client_from_options(**connection, concurrency=concurrency) as client:
        result = run_import(
            client,
            mapping,
            file,
            dry_run=dry_run,
            options=options,
            concurrency=concurrency,
            batch_size=batch_size,
            plan_out=plan_out,
            hooks=hooks_for(out),
        )
    report_and_exit(
        out, result, report_path=report_path, report_html=report_html, plan_out=plan_out
    )


def apply_saved(
    plan_path: Path,
    saved: SavedApply,
    *,
    report_path: Path | None,
    as_json: bool,
    quiet: bool,
    connection: dict[str, Any],
    report_html: Path | None = None,
    command: str = "apply",
) -> None:
    """``bulkio apply`` and ``bulkio catalog apply``: apply, print, exit."""
    out = Output(quiet=quiet, as_json=as_json, command=command)
    with client_from_options(**connection, concurrency=saved.concurrency) as client:
        result = apply_plan(client, plan_path, options=saved, hooks=hooks_for(out))
    report_and_exit(out, result, report_path=report_path, report_html=report_html)
