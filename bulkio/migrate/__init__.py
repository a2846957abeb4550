"""Record kinds of the one import engine: customers, coupons and orders (issue 17).

A record mapping (``[target] resource = "customer" | "coupon" | "order"``) is loaded by
:mod:`bulkio.migrate.mapping`, its feed read into validated rows by :mod:`bulkio.migrate.rows`,
and planned, applied and re-checked by the kind module named in :data:`KINDS` — each exposes
``KIND``, a :class:`bulkio.migrate.kind.RecordKind`. Modules are imported only when a mapping
names their resource, so a kind can be added by writing its module and one line here.
(The API for kind modules: /work/notes/migrate-api.md during development, docs/migrations.md.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bulkio.migrate.kind import RecordKind

KINDS: dict[str, str] = {
    "customer": "bulkio.migrate.customers",
    "coupon": "bulkio.migrate.coupons",
    "order": "bulkio.migrate.orders",
}
"""``[target] resource`` → the module whose ``KIND`` imports it."""

RESOURCES: tuple[str, ...] = tuple(KINDS)

ROUTES: dict[str, str] = {"customer": "customers", "coupon": "coupons", "order": "orders"}
"""The REST collection each record resource is read from and written to (``<route>/batch``)."""


def is_record_resource(resource: str | None) -> bool:
    return resource in KINDS


def record_kind(resource: str) -> RecordKind | None:
    """The kind importing ``resource``; None while its module is not written yet (the loader
    then says so, naming the mapping file)."""
    name = KINDS.get(resource)
    if name is None:
        return None
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
    kind: RecordKind = module.KIND
    return kind


__all__ = ["KINDS", "RESOURCES", "ROUTES", "is_record_resource", "record_kind"]
