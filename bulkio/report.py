"""Tell people and machines what a run did: a terminal summary, a CSV of problem rows, JSON.

Rejected rows (invalid in the file, never sent), failed rows (the store refused them) and
refused rows (changed in the store since the plan) are the same kind of thing for a reader:
a feed line that did not reach the store, and why. They share one row shape, in the spirit of
frictionless' row errors: file, line, SKU, column, value, code, message.

The CSV is meant to be opened in a spreadsheet, so any cell that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading
apostrophe.

On the terminal, values from the feed or the store go through
:func:`bulkio.terminal.printable` (control characters escaped), and messages are shown whole:
their last words are usually the fix. XML rows are named by record and file line
(``feed.xml record 19 (line 212)``), CSV rows by file line (``feed.csv:19``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bulkio.apply import STORED_DIFFERENTLY, ApplyResult, ItemOutcome
from bulkio.plan.model import Plan, PlanRejection
from bulkio.terminal import printable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
REPORT_COLUMNS = ("kind", "file", "line", "sku", "column", "value", "code", "message")
DEFAULT_SHOWN = 20


@dataclass(frozen=True)
class ProblemRow:
    """One feed line that did not reach the store, and why."""

    kind: str  # rejected | failed | refused
    file: str
    line: int | None
    sku: str | None
    column: str | None
    value: str | None
    code: str
    message: str
    unit: str = "line"
    """What ``line`` counts: "line" (CSV file line) or "record" (XML record number)."""
    source_line: int | None = None
    """For XML records: the file line where the record starts (None when not known)."""

    def where(self) -> str:
        """``feed.csv:19``, or ``feed.xml record 19 (line 212)`` for XML records."""
        if self.unit == "record":
            place = f"record {self.line}"
            if self.source_line:
                place += f" (line {self.source_line})"
            return f"{self.file} {place}" if self.file else place
        return f"{self.file}:{self.line}" if self.file else f"line {self.line}"


def problem_rows(
    rejected: Iterable[PlanRejection],
    outcomes: Iterable[ItemOutcome] = (),
    *,
    file: str = "",
    unit: str = "line",
    source_lines: Mapping[int, int] | None = None,
) -> list[ProblemRow]:
    """Rejected rows and failed/refused outcomes as one list, in file-line order.

    ``unit`` is the plan's ``line_unit``; for XML (``"record"``), ``source_lines`` maps record
    numbers to the file lines they start on (:meth:`bulkio.records.RecordSet.source_lines`).
    """
    lines = source_lines or {}
    rows = [
        ProblemRow(
            "rejected",
            r.file or file,
            r.line,
            r.sku,
            r.column,
            r.value,
            r.code,
            r.message,
            unit,
            lines.get(r.line) if r.line is not None else None,
        )
        for r in rejected
    ]
    rows.extend(
        ProblemRow(
            o.outcome,
            file,
            o.line,
            o.sku,
            None,
            None,
            o.code or "error",
            o.message or "",
            unit,
            lines.get(o.line) if o.line is not None else None,
        )
        for o in outcomes
        if o.outcome in ("failed", "refused")
    )
    rows.sort(key=lambda row: (row.line is None, row.line or 0))
    return rows


def warning_rows(
    outcomes: Iterable[ItemOutcome],
    *,
    file: str = "",
    unit: str = "line",
    source_lines: Mapping[int, int] | None = None,
) -> list[ProblemRow]:
    """Rows that were written but that the store saved differently (they will come back)."""
    lines = source_lines or {}
    return [
        ProblemRow(
            "warning",
            file,
            o.line,
            o.sku,
            None,
            None,
            o.code or "",
            o.message or "",
            unit,
            lines.get(o.line) if o.line is not None else None,
        )
        for o in outcomes
        if o.code == STORED_DIFFERENTLY and o.outcome in ("created", "updated")
    ]


def render_warnings(
    rows: Sequence[ProblemRow], *, limit: int = DEFAULT_SHOWN, label: str = "SKU"
) -> str:
    """The written-but-stored-differently rows, for the terminal (``label``: what the key is
    called, as the diff calls it: SKU, e-mail, code, order number)."""
    if not rows:
        return ""
    lines = [f"{len(rows)} row(s) written, but the store kept other values:"]
    for row in rows[:limit]:
        where = printable(row.where())
        lines.append(f"  {where}  {label} {printable(row.sku or '?')}: {_message(row)}")
    if len(rows) > limit:
        lines.append(f"  … and {len(rows) - limit} more")
    return "\n".join(lines)


def formula_safe(text: str) -> str:
    """A cell value a spreadsheet will show as text, never evaluate."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def write_report_csv(path: str | Path, rows: Sequence[ProblemRow]) -> None:
    """Write problem rows as CSV (UTF-8 with BOM so Excel opens it right)."""
    Path(path).write_text(csv_text(rows), encoding="utf-8-sig", newline="")


def _short(text: str | None, width: int) -> str:
    """A value for the terminal: escaped, and cut (visibly) when long."""
    if text is None:
        return ""
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _message(row: ProblemRow) -> str:
    """The whole message, escaped; its record-line note dropped when the place says it."""
    message = row.message
    if row.unit == "record" and row.source_line:
        message = message.replace(f" (record starts on line {row.source_line})", "")
    return printable(message)


def render_problems(
    rows: Sequence[ProblemRow],
    *,
    limit: int = DEFAULT_SHOWN,
    report_path: str | None = None,
    label: str = "SKU",
) -> str:
    """The first ``limit`` problem rows for the terminal, then a pointer to the full list
    (``label``: what the key is called, as the diff calls it: SKU, e-mail, code, order
    number)."""
    if not rows:
        return ""
    lines = [f"{len(rows)} row(s) not applied:"]
    for row in rows[:limit]:
        where = printable(row.where())
        column = f" [{printable(row.column)}]" if row.column else ""
        value = f" value '{_short(row.value, 30)}'" if row.value not in (None, "") else ""
        lines.append(
            f"  {row.kind:<8} {where}  {label} {printable(row.sku or '?')}{column}{value}: "
            f"{printable(row.code)}: {_message(row)}"
        )
    if len(rows) > limit:
        more = f"… and {len(rows) - limit} more"
        more += f", see {report_path}" if report_path else ", see --report FILE.csv"
        lines.append("  " + more)
    elif report_path:
        lines.append(f"  (also written to {report_path})")
    return "\n".join(lines)


def render_result(result: ApplyResult) -> str:
    """The end-of-run summary: what happened, what it cost."""
    counts = result.counts()
    first = ", ".join(f"{name} {counts[name]}" for name in counts)
    second = (
        f"requests {result.requests} ({result.reads} reads, {result.writes} writes"
        + (f", {result.retries} retries" if result.retries else "")
        + f"), {result.seconds:.1f} s"
    )
    return f"done: {first}\n{second}"


def result_to_dict(
    plan: Plan | None,
    result: ApplyResult | None,
    *,
    dry_run: bool,
    source_lines: Mapping[int, int] | None = None,
) -> dict[str, Any]:
    """The JSON document ``--json`` prints: counts, cost, problem rows and the plan's items."""
    document: dict[str, Any] = {"dry_run": dry_run}
    if plan is not None:
        document["plan"] = plan.to_dict()
    if result is not None:
        document["result"] = {
            "counts": result.counts(),
            "requests": result.requests,
            "reads": result.reads,
            "writes": result.writes,
            "retries": result.retries,
            "seconds": round(result.seconds, 3),
            "batch_limit": result.batch_limit,
            "outcomes": [asdict(outcome) for outcome in result.outcomes],
        }
    file = (plan.source_path or "") if plan else ""
    unit = plan.line_unit if plan else "line"
    rows = problem_rows(
        plan.rejected if plan else (result.rejected if result else []),
        result.outcomes if result else (),
        file=file,
        unit=unit,
        source_lines=source_lines,
    )
    document["problems"] = [asdict(row) for row in rows]
    warnings = warning_rows(
        result.outcomes if result else (), file=file, unit=unit, source_lines=source_lines
    )
    document["warnings"] = [asdict(row) for row in warnings]
    return document


def csv_text(rows: Sequence[ProblemRow]) -> str:
    """The report CSV as a string (for tests and for printing)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        values = asdict(row)
        writer.writerow(
            [formula_safe("" if values[c] is None else str(values[c])) for c in REPORT_COLUMNS]
        )
    return buffer.getvalue()
