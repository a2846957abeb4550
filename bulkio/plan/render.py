"""The one printer of plans: every command shows what it would do in the same diff format.

::

    + category "Clothing > Shirts"  create
    + SKU TEE  (line 2) create product
        name: "Tee"
      + SKU TEE-RED-S  (line 3) create variation of TEE
          regular_price: "9.99"
    ~ SKU A-1  (line 7) update product #12
        regular_price: "12.50" → "13.00"
    ~ e-mail jane@example.com  (line 4) update customer #31
        last_name: "Doe" → "Roe"

One line per item (``+`` create, ``~`` update), the item's key labelled by what it is (SKU,
e-mail, code, order number: :data:`KEY_LABELS`), where it is in the file, then one indented
line per field: ``field: value`` for a create, ``field: old → new`` for an update. Things
created before the items (terms, attributes, attribute terms) come first, in the same style.
Imports of flat feeds, catalogs with variations, stock feeds, saved plans and the customer,
coupon and order plans all go through :func:`render_diff`; a caller that knows more about
its items (the catalog planner: which item is a variation of which parent) passes a
:class:`Layout`.

Colour comes from ``click.style`` and only when the caller says so (a terminal without
``NO_COLOR``, :func:`bulkio.terminal.use_colour`); the words alone carry the meaning. Text from
the feed or the store (keys, values, notes) goes through :func:`bulkio.terminal.printable`,
so control characters are shown escaped and every item keeps to its lines, and values longer
than :data:`MAX_VALUE_CHARS` are cut the same way everywhere (``…`` at the end).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import click

from bulkio.fields import CanonicalValue
from bulkio.plan.model import Plan, PlanItem
from bulkio.terminal import printable

MAX_VALUE_CHARS = 60
"""Longest value shown in a diff line (after escaping); longer ones end in ``…``."""

KEY_LABELS = {
    "product": "SKU",
    "variation": "SKU",
    "stock": "SKU",
    "customer": "e-mail",
    "coupon": "code",
    "order": "order number",
}
"""What an item's match key is called, by the plan's resource."""


class Shown(str):
    """A change value already written for people (catalog changes that are not one canonical
    field: terms by name, attributes, images, meta): the diff prints it as it is, cut like any
    other value."""


def cut(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, the last one ``…`` when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_value(value: CanonicalValue) -> str:
    """A canonical value as a person reads it: quoted text, ∅ for unset, term ids as a set."""
    if value is None:
        return "∅"
    if isinstance(value, Shown):  # already written for people
        return cut(printable(str(value)))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return cut("{" + ", ".join(str(v) for v in value) + "}")
    return f'"{cut(printable(value))}"'


@dataclass(frozen=True)
class Pending:
    """Something created before the items: a category, tag or brand (``kind``), a global
    attribute, or a term of one (``of`` names the attribute)."""

    kind: str
    name: str
    of: str | None = None


@dataclass(frozen=True)
class Shape:
    """How one item is introduced: ``noun`` (product, variation, customer …), the key of its
    parent (``of TEE``) and how deep it is indented (variations under their product)."""

    noun: str
    parent: str | None = None
    depth: int = 0


@dataclass
class Layout:
    """The items to show in display order with their shapes, and what is created first."""

    entries: list[tuple[PlanItem, Shape]]
    pending: list[Pending] = field(default_factory=list)


def item_shape(plan: Plan, item: PlanItem) -> Shape:
    """The shape of an item of a flat plan: products and variations by their parent id (the
    stock planner and saved plans), other resources by name."""
    if plan.resource in ("product", "variation", "stock"):
        if item.parent_id is not None:
            return Shape("variation", f"#{item.parent_id}")
        return Shape("product")
    return Shape(plan.resource)


def flat_layout(plan: Plan) -> Layout:
    """The writes of a plan in file order, each shaped by :func:`item_shape`."""
    items = sorted(plan.writes, key=lambda item: item.line)
    return Layout([(item, item_shape(plan, item)) for item in items])


Style = Callable[..., str]


def _styler(colour: bool) -> Style:
    def style(text: str, **kwargs: object) -> str:
        return click.style(text, **kwargs) if colour else text  # type: ignore[arg-type]

    return style


def pending_lines(pending: Sequence[Pending], *, colour: bool = False) -> list[str]:
    """``+ category "Clothing > Shirts"  create`` for each thing created before the items."""
    style = _styler(colour)
    lines = []
    for entry in pending:
        what = f'{entry.kind} "{printable(entry.name)}"'
        if entry.of is not None:
            what += f' of attribute "{printable(entry.of)}"'
        lines.append(f"{style('+ ' + what, fg='green', bold=True)}  create")
    return lines


def item_lines(
    item: PlanItem,
    shape: Shape,
    *,
    label: str,
    unit: str = "line",
    colour: bool = False,
) -> Iterator[str]:
    """The head line of one item and one line per changed field."""
    style = _styler(colour)
    indent = "  " * shape.depth
    key = f"{label} {printable(item.sku)}" if item.sku else f"(no {label})"
    where = f"({unit} {item.line})"
    parent = f" of {printable(shape.parent)}" if shape.parent else ""
    if item.action == "create":
        head = style(f"+ {key}", fg="green", bold=True)
        yield f"{indent}{head}  {where} create {shape.noun}{parent}"
    else:
        head = style(f"~ {key}", fg="yellow", bold=True)
        ident = f" #{item.id}" if item.id is not None else ""
        yield f"{indent}{head}  {where} update {shape.noun}{ident}{parent}"
    if item.note:
        yield f"{indent}    " + style(f"note: {printable(item.note)}", fg="magenta")
    for change in item.changes:
        name = printable(change.field)
        if item.action == "create":
            yield f"{indent}    {name}: {style(show_value(change.new), fg='green')}"
        else:
            old = style(show_value(change.old), fg="red")
            new = style(show_value(change.new), fg="green")
            yield f"{indent}    {name}: {old} → {new}"


def missing_lines(entry: Any, *, label: str, noun: str, colour: bool = False) -> Iterator[str]:
    """A managed record the feed no longer lists, as an item of the diff: ``~`` for a hide
    (``set private``, ``set draft``, ``set out-of-stock``) with its field lines, ``-`` for a
    move to the trash (a delete, for records without a trash)."""
    style = _styler(colour)
    key = f"{label} {printable(str(entry.sku))}" if entry.sku else f"(no {label})"
    if entry.policy == "delete":
        head = style(f"- {key}", fg="red", bold=True)
        # products go to the trash; other records (customers …) have none: deleted
        if noun == "product":
            what = f"move product #{entry.id} to the trash"
        else:
            what = f"delete {noun} #{entry.id}"
        yield f"{head}  (missing from the feed) {what}"
        return
    head = style(f"~ {key}", fg="yellow", bold=True)
    yield f"{head}  (missing from the feed) set {entry.policy}, {noun} #{entry.id}"
    for change in entry.changes:
        old = style(show_value(change.old), fg="red")
        new = style(show_value(change.new), fg="green")
        yield f"    {printable(change.field)}: {old} → {new}"


def render_diff(
    plan: Plan,
    *,
    colour: bool = False,
    limit: int | None = None,
    layout: Layout | None = None,
) -> str:
    """What a plan would do, as text; ``limit`` caps the number of items shown."""
    layout = layout or flat_layout(plan)
    label = KEY_LABELS.get(plan.resource, "key")
    lines = pending_lines(layout.pending, colour=colour)
    entries = layout.entries
    shown = entries if limit is None else entries[:limit]
    for item, shape in shown:
        lines.extend(item_lines(item, shape, label=label, unit=plan.line_unit, colour=colour))
    if len(entries) > len(shown):
        lines.append(
            f"… and {len(entries) - len(shown)} more changes "
            "(see them all with --dry-run, or save them with --plan-out)"
        )
    if plan.trashed:
        lines.append("")
        lines.append(f"{label}s held by products in the store's trash:")
        for entry in plan.trashed:
            what = (
                f"restore #{entry.trashed_id} and update it"
                if entry.decision == "restore"
                else f"create a new product (trashed #{entry.trashed_id} keeps the {label} too)"
            )
            lines.append(
                f"  {label} {printable(entry.sku)}  ({plan.line_unit} {entry.line}): {what}"
            )
    if plan.missing:
        lines.append("")
        noun = item_shape(plan, PlanItem("update", 0, "")).noun
        lines.append(f"Managed {noun}s missing from the feed:")
        shown_missing = plan.missing if limit is None else plan.missing[:limit]
        for entry in shown_missing:
            lines.extend(missing_lines(entry, label=label, noun=noun, colour=colour))
        if len(plan.missing) > len(shown_missing):
            lines.append(f"… and {len(plan.missing) - len(shown_missing)} more")
    return "\n".join(lines)


def render_summary(plan: Plan, *, details: str | None = None) -> str:
    """One line of counts: what the plan would do (``details``: a breakdown the caller adds,
    e.g. the catalog's products / variations / terms)."""
    counts = plan.counts()
    parts = [
        f"{counts['create']} to create",
        f"{counts['update']} to update",
        f"{counts['unchanged']} unchanged",
        f"{counts['rejected']} rejected",
    ]
    if counts["trashed"]:
        label = KEY_LABELS.get(plan.resource, "key")
        parts.append(f"{counts['trashed']} {label}(s) found in the trash")
    if plan.missing:
        deletes = sum(1 for entry in plan.missing if entry.policy == "delete")
        hides = len(plan.missing) - deletes
        if hides:
            parts.append(f"{hides} missing from the feed to hide")
        if deletes:
            parts.append(f"{deletes} missing from the feed to delete")
    line = "plan: " + ", ".join(parts)
    return f"{line} ({details})" if details else line
