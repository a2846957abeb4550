"""A catalog op's changes as canonical field changes, the way every plan shows them.

The catalog planner records two kinds of change: canonical ones (``field_changes``: one field
of :mod:`bulkio.fields`, compared as the flat planner compares it) and changes written for
people (``changes``: terms by name, attributes, images, meta). The plan view
(:mod:`bulkio.engine.view`), the safety limits and the printer (:mod:`bulkio.plan.render`)
read both as :class:`~bulkio.plan.model.FieldChange` lists; this is the one conversion.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from bulkio.fields import CanonicalValue
from bulkio.plan.model import FieldChange
from bulkio.plan.render import Shown

if TYPE_CHECKING:
    from bulkio.catalog.plan import CatalogOp


def shown_value(text: str) -> CanonicalValue:
    """A catalog change value (written for people: ``'text'``, ``(none)``, lists) back as a
    value the diff shows like any other; what is not one plain value stays as written."""
    if text in ("(none)", ""):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return Shown(text)
    if isinstance(value, str) and not text.endswith("...'"):
        return value
    return Shown(text)


def op_changes(op: CatalogOp) -> list[FieldChange]:
    """The changes of one product or variation op, canonical ones first."""
    canonical = {change.field for change in op.field_changes}
    # A new simple product is what WooCommerce creates anyway: not worth a diff line.
    changes = [
        c
        for c in op.field_changes
        if not (op.action == "create" and c.field == "type" and c.new == "simple")
    ]
    for change in op.changes:
        # "restore" (a trashed product taken back) is the plan's trashed list, not a field.
        if change.field in canonical or change.field == "restore":
            continue
        new = shown_value(change.new)
        if op.action == "create" and change.field == "type" and new == "simple":
            continue
        changes.append(FieldChange(change.field, shown_value(change.old), new))
    return changes
