"""One row of a plan: what an import does with it, and the field changes it shows.

Its own module because both the plan (:mod:`bulkio.plan.model`) and the columns that keep a
plan's unchanged rows (:mod:`bulkio.plan.unchanged`) make items, and the plan holds those
columns: kept here, neither of the two needs the other to build one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bulkio.fields import CanonicalValue

Action = Literal["create", "update", "unchanged"]


@dataclass(frozen=True)
class FieldChange:
    """One owned field that differs: the store's canonical value and the feed's."""

    field: str
    old: CanonicalValue
    new: CanonicalValue


@dataclass
class PlanItem:
    """One feed row and what the plan does with it.

    ``payload`` is the exact JSON object for ``products/batch`` (``create`` or ``update``; an
    update payload carries ``id``). ``base_modified`` is the store's ``date_modified_gmt`` when
    the plan was made (None for creates).
    """

    action: Action
    line: int
    sku: str
    id: int | None = None
    base_modified: str | None = None
    base_status: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    parent_id: int | None = None
    """Stock plans: the parent product of a variation (written through
    ``products/<parent_id>/variations/batch``); None for products."""
