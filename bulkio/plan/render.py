"""Show a Plan to a person: a readable diff (``sku  field: old → new``) and summary counts.

Colour comes from ``click.style`` and is only used when the caller says the output is a
terminal; the words alone must carry the meaning (``+`` create, ``~`` update). Text from the
feed or the store (SKUs, values, notes) goes through :func:`bulkio.terminal.printable`, so
control characters are shown escaped and every item keeps to its lines.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from bulkio.fields import CanonicalValue
from bulkio.plan.model import Plan, PlanItem
from bulkio.terminal import printable

MAX_VALUE_CHARS = 60


def show_value(value: CanonicalValue) -> str:
    """A canonical value as a person reads it: quoted text, ∅ for unset, term ids as a set."""
    if value is None:
        return "∅"
    if type(value).__name__ == "Shown":  # already written for people (bulkio.engine.view)
        return printable(str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return "{" + ", ".join(str(v) for v in value) + "}"
    text = printable(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return f'"{text}"'


def _item_lines(item: PlanItem, colour: bool, unit: str = "line") -> Iterator[str]:
    def style(text: str, **kwargs: object) -> str:
        return click.style(text, **kwargs) if colour else text  # type: ignore[arg-type]

    sku = printable(item.sku)
    if item.action == "create":
        head = style(f"+ {sku}", fg="green", bold=True)
        yield f"{head}  ({unit} {item.line}) create"
    else:
        head = style(f"~ {sku}", fg="yellow", bold=True)
        yield f"{head}  ({unit} {item.line}) update #{item.id}"
    if item.note:
        yield "    " + style(f"note: {printable(item.note)}", fg="magenta")
    for change in item.changes:
        if item.action == "create":
            yield f"    {change.field}: {style(show_value(change.new), fg='green')}"
        else:
            old = style(show_value(change.old), fg="red")
            new = style(show_value(change.new), fg="green")
            yield f"    {change.field}: {old} → {new}"


def render_diff(plan: Plan, *, colour: bool = False, limit: int | None = None) -> str:
    """The creates and updates of a plan as text; ``limit`` caps the number of items shown."""
    items = sorted(plan.writes, key=lambda item: item.line)
    shown = items if limit is None else items[:limit]
    lines: list[str] = []
    for item in shown:
        lines.extend(_item_lines(item, colour, plan.line_unit))
    if len(items) > len(shown):
        lines.append(
            f"… and {len(items) - len(shown)} more changes "
            "(see them all with --dry-run, or save them with --plan-out)"
        )
    if plan.trashed:
        lines.append("")
        lines.append("SKUs held by products in the store's trash:")
        for entry in plan.trashed:
            what = (
                f"restore #{entry.trashed_id} and update it"
                if entry.decision == "restore"
                else f"create a new product (trashed #{entry.trashed_id} keeps the SKU too)"
            )
            lines.append(f"  {printable(entry.sku)} ({plan.line_unit} {entry.line}): {what}")
    if plan.missing:
        lines.append("")
        lines.append("Managed products missing from the feed:")
        shown_missing = plan.missing if limit is None else plan.missing[:limit]
        for entry in shown_missing:
            action = "move to the trash" if entry.policy == "delete" else f"set {entry.policy}"
            changes = ", ".join(
                f"{c.field}: {show_value(c.old)} → {show_value(c.new)}" for c in entry.changes
            )
            lines.append(f"  - {printable(str(entry.sku))} #{entry.id}: {action} ({changes})")
        if len(plan.missing) > len(shown_missing):
            lines.append(f"  … and {len(plan.missing) - len(shown_missing)} more")
    return "\n".join(lines)


def render_summary(plan: Plan) -> str:
    """One line of counts: what the plan would do."""
    counts = plan.counts()
    parts = [
        f"{counts['create']} to create",
        f"{counts['update']} to update",
        f"{counts['unchanged']} unchanged",
        f"{counts['rejected']} rejected",
    ]
    if counts["trashed"]:
        parts.append(f"{counts['trashed']} SKU(s) found in the trash")
    if plan.missing:
        deletes = sum(1 for entry in plan.missing if entry.policy == "delete")
        hides = len(plan.missing) - deletes
        if hides:
            parts.append(f"{hides} missing from the feed to hide")
        if deletes:
            parts.append(f"{deletes} missing from the feed to delete")
    return "plan: " + ", ".join(parts)
