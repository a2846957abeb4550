"""Safety limits and the run lock for catalog imports (the same ones flat imports use).

The limits (:mod:`bulkio.safety`) read a plan as creates / updates / unchanged / rejected
items with canonical field changes; :func:`limit_view` gives them that view of a catalog plan,
products and variations alike (a variation's price drop counts like a product's). The lock is
the one ``bulkio import`` takes for the same store and mapping, so a catalog import and a flat
import of one store never run at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkio.catalog.plan import CatalogOp, CatalogPlan
from bulkio.plan.model import FieldChange, PlanRejection
from bulkio.runlock import RunLock
from bulkio.runs import series_dir
from bulkio.safety import Limits, enforce_limits


@dataclass
class _Item:
    sku: str
    line: int
    changes: list[FieldChange]


@dataclass
class LimitView:
    creates: list[_Item] = field(default_factory=list)
    updates: list[_Item] = field(default_factory=list)
    unchanged: list[_Item] = field(default_factory=list)
    rejected: list[PlanRejection] = field(default_factory=list)


def limit_view(plan: CatalogPlan) -> LimitView:
    view = LimitView(rejected=list(plan.rejected))
    ops: list[CatalogOp] = [*plan.products, *plan.all_variations()]
    for op in ops:
        item = _Item(op.sku, op.line, list(op.field_changes))
        {"create": view.creates, "update": view.updates}.get(op.action, view.unchanged).append(item)
    return view


def check_catalog_limits(plan: CatalogPlan, limits: Limits) -> None:
    """Raise :class:`bulkio.errors.SafetyLimitError` (exit 3) when the plan breaks a limit."""
    enforce_limits(limit_view(plan), limits)


@contextmanager
def catalog_lock(
    store_url: str, mapping_path: str | Path, runs_dir: str | Path | None, *, wait: float = 0.0
) -> Iterator[None]:
    """Hold the store + mapping lock (``<runs dir>/<store>/<mapping>/lock``) for the block."""
    lock = RunLock(series_dir(store_url, mapping_path, runs_dir) / "lock", wait=wait)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def resolve(safety: Any, mapping: Any) -> tuple[Limits, Any, float]:
    """(limits, runs_dir, wait_lock) from :class:`bulkio.cli.safety_options.SafetyCli`."""
    if safety is None:
        from bulkio.safety import DEFAULT_LIMITS

        return DEFAULT_LIMITS, None, 0.0
    options = safety.resolve(mapping)
    return options.limits, options.runs_dir, options.wait_lock
