"""The Plan: what an import would do to the store, item by item, as plain data.

A plan is the hinge between looking and touching. ``bulkio import --dry-run`` stops after
building one; ``--plan-out`` saves it; ``bulkio apply plan.json`` sends exactly what it says.
Each item remembers the store's ``date_modified_gmt`` it was computed against, so apply can
refuse to overwrite a record somebody changed in between.

The JSON form is versioned (``format``); :meth:`Plan.from_json` refuses formats it does not
know rather than guessing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from bulkio.errors import InputError
from bulkio.fields import CanonicalValue, field_spec
from bulkio.plan.item import Action as Action
from bulkio.plan.item import FieldChange as FieldChange
from bulkio.plan.item import PlanItem as PlanItem
from bulkio.plan.unchanged import UnchangedItems

PLAN_FORMAT = "bulkio-plan/1"

TrashDecision = Literal["restore", "create"]


@dataclass(frozen=True)
class TrashedSku:
    """A feed SKU held by a product in the store's trash, and what the plan does about it."""

    sku: str
    line: int
    trashed_id: int
    decision: TrashDecision


MISSING_POLICIES: tuple[str, ...] = ("ignore", "draft", "private", "out-of-stock", "delete")
"""``[target] missing`` policies (:mod:`bulkio.plan.missing` plans them)."""


@dataclass
class MissingItem:
    """One managed store record absent from the feed, and what the policy does to it."""

    policy: str
    """``draft``, ``private``, ``out-of-stock`` or ``delete``."""
    id: int
    sku: str
    base_modified: str | None = None
    base_status: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    """For hides: the ``products/batch`` update object (with ``id``); for delete: ``{"id"}``."""
    line: int = 0
    """Always 0: the record is not in the file (kept so reports can treat items alike)."""

    @property
    def is_delete(self) -> bool:
        return self.policy == "delete"

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "id": self.id,
            "sku": self.sku,
            "base_modified": self.base_modified,
            "base_status": self.base_status,
            "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in self.changes],
            "payload": self.payload,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MissingItem:
        policy = str(data["policy"])
        if policy not in MISSING_POLICIES or policy == "ignore":
            raise ValueError(f"unknown missing policy {policy!r}")
        payload = data.get("payload") or {}
        if not isinstance(payload, dict):
            raise ValueError("payload must be an object")
        return cls(
            policy=policy,
            id=int(data["id"]),
            sku=str(data.get("sku") or ""),
            base_modified=data.get("base_modified"),
            base_status=data.get("base_status"),
            changes=[
                FieldChange(str(c["field"]), _value(c.get("old")), _value(c.get("new")))
                for c in data.get("changes") or []
            ],
            payload=payload,
        )


def _value(value: Any) -> CanonicalValue:
    if value is None or isinstance(value, str | int | bool):
        return value
    raise ValueError(f"unexpected value {value!r}")


@dataclass(frozen=True)
class PlanRejection:
    """A feed row that will not be sent (mirrors ``bulkio.records.RowError``)."""

    file: str
    line: int | None
    sku: str | None
    column: str | None
    value: str | None
    code: str
    message: str


@dataclass
class Plan:
    """Creates, updates, unchanged and rejected rows of one feed against one store."""

    resource: str = "product"
    line_unit: str = "line"
    """What ``PlanItem.line`` counts: file ``line`` (CSV) or ``record`` number (XML)."""
    owned_fields: list[str] = field(default_factory=list)
    creates: list[PlanItem] = field(default_factory=list)
    updates: list[PlanItem] = field(default_factory=list)
    unchanged: UnchangedItems = field(default_factory=UnchangedItems)
    """Kept as columns (:mod:`bulkio.plan.unchanged`: most of a big feed is unchanged, and an
    item each cost about 400 bytes); read and added to as a list of items."""
    rejected: list[PlanRejection] = field(default_factory=list)
    trashed: list[TrashedSku] = field(default_factory=list)
    missing: list[Any] = field(default_factory=list)
    """Store records the feed manages but no longer lists, and what the ``[target] missing``
    policy does to them (:class:`bulkio.plan.missing.MissingItem`; added by the safety layer)."""
    mapping_path: str | None = None
    mapping_hash: str | None = None
    source_path: str | None = None
    source_hash: str | None = None
    store_url: str | None = None
    created_at: str | None = None
    feed_rows: int | None = None
    """Rows of the feed the plan was made from, rejected ones included (saved in the JSON so
    ``bulkio apply`` can re-check min_rows_share); None = count the plan's own rows."""
    mapping_limits: dict[str, Any] | None = None
    """The mapping's ``[limits]`` table as written, saved so ``bulkio apply`` re-checks the
    same limits (None: a plan saved before plans carried them)."""
    options: dict[str, Any] = field(default_factory=dict)
    """Kind-specific decisions the plan was shown with and must be applied with (record kinds:
    e.g. customers' ``account_emails``); saved as ``options`` when not empty."""

    def __post_init__(self) -> None:
        if not isinstance(self.unchanged, UnchangedItems):  # a list of items, as before
            self.unchanged = UnchangedItems(self.unchanged)

    @property
    def writes(self) -> list[PlanItem]:
        """The items apply sends: creates first (their SKUs must exist before anything else)."""
        return [*self.creates, *self.updates]

    @property
    def has_changes(self) -> bool:
        return bool(self.creates or self.updates or self.missing)

    def row_count(self) -> int:
        """Rows of the feed: :attr:`feed_rows` when known, else every row the plan lists."""
        if self.feed_rows is not None:
            return self.feed_rows
        return len(self.creates) + len(self.updates) + len(self.unchanged) + len(self.rejected)

    def counts(self) -> dict[str, int]:
        return {
            "create": len(self.creates),
            "update": len(self.updates),
            "unchanged": len(self.unchanged),
            "rejected": len(self.rejected),
            "trashed": len(self.trashed),
            "missing": len(self.missing),
        }

    # -- JSON ---------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        mapping: dict[str, Any] = {"path": self.mapping_path, "sha256": self.mapping_hash}
        if self.mapping_limits is not None:
            mapping["limits"] = dict(self.mapping_limits)
        return {
            "format": PLAN_FORMAT,
            "created_at": self.created_at,
            "store_url": self.store_url,
            "mapping": mapping,
            "source": {"path": self.source_path, "sha256": self.source_hash},
            "feed_rows": self.row_count(),
            "resource": self.resource,
            "line_unit": self.line_unit,
            "owned_fields": list(self.owned_fields),
            "counts": self.counts(),
            "creates": [_item_to_dict(item) for item in self.creates],
            "updates": [_item_to_dict(item) for item in self.updates],
            "unchanged": [[line, sku, id_] for line, sku, id_ in self.unchanged.rows()],
            "rejected": [vars(rejection) for rejection in self.rejected],
            "trashed": [vars(entry) for entry in self.trashed],
            "missing": [item.to_dict() for item in self.missing],
            **({"options": dict(self.options)} if self.options else {}),
        }

    def to_json(self, *, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, *, path: str = "<plan>") -> Plan:
        """Load a plan saved by :meth:`to_json`; an InputError names what is wrong."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not a JSON plan: {exc.msg}", line=exc.lineno) from exc
        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise InputError(
                path,
                f"not a bulkio plan of format {PLAN_FORMAT!r} (found {found!r})",
                hint="make the plan with `bulkio import FILE -m MAPPING --plan-out PLAN.json`",
            )
        try:
            return cls(
                resource=data.get("resource", "product"),
                line_unit=str(data.get("line_unit") or "line"),
                owned_fields=list(data.get("owned_fields") or []),
                creates=[_item_from_dict(d, "create") for d in data.get("creates") or []],
                updates=[_item_from_dict(d, "update") for d in data.get("updates") or []],
                unchanged=_unchanged_from_json(data.get("unchanged") or []),
                rejected=[PlanRejection(**d) for d in data.get("rejected") or []],
                trashed=[TrashedSku(**d) for d in data.get("trashed") or []],
                missing=[MissingItem.from_dict(d) for d in data.get("missing") or []],
                mapping_path=(data.get("mapping") or {}).get("path"),
                mapping_hash=(data.get("mapping") or {}).get("sha256"),
                source_path=(data.get("source") or {}).get("path"),
                source_hash=(data.get("source") or {}).get("sha256"),
                store_url=data.get("store_url"),
                created_at=data.get("created_at"),
                feed_rows=None if data.get("feed_rows") is None else int(data["feed_rows"]),
                mapping_limits=_limits_from_json((data.get("mapping") or {}).get("limits")),
                options=dict(data.get("options") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(path, f"malformed plan entry: {exc}") from exc


def _unchanged_from_json(rows: list[Any]) -> UnchangedItems:
    """A saved plan's ``[line, sku, id]`` rows, straight into columns."""
    lines: list[int] = []
    skus: list[str] = []
    ids: list[int | None] = []
    for line, sku, id_ in rows:
        lines.append(int(line))
        skus.append(str(sku))
        ids.append(None if id_ is None else int(id_))
    unchanged = UnchangedItems()
    unchanged.add_columns(lines, skus, ids)
    return unchanged


def _limits_from_json(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("mapping.limits must be an object")
    return dict(value)


def _jsonable(value: CanonicalValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _item_to_dict(item: PlanItem) -> dict[str, Any]:
    out: dict[str, Any] = {"line": item.line, "sku": item.sku}
    if item.id is not None:
        out["id"] = item.id
        out["base_modified"] = item.base_modified
        if item.base_status is not None:
            out["base_status"] = item.base_status
    out["changes"] = [
        {"field": c.field, "old": _jsonable(c.old), "new": _jsonable(c.new)} for c in item.changes
    ]
    out["payload"] = item.payload
    if item.note:
        out["note"] = item.note
    if item.parent_id is not None:
        out["parent_id"] = item.parent_id
    return out


def _canonical_from_json(name: str, value: Any) -> CanonicalValue:
    spec = field_spec(name)
    if spec is not None and spec.kind == "terms" and isinstance(value, list):
        return tuple(int(v) for v in value)
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return tuple(value)  # record kinds' lists (coupon e-mail restrictions, …)
    if value is None or isinstance(value, str | int | bool):
        return value
    raise ValueError(f"unexpected value {value!r} for field {name!r}")


def _item_from_dict(data: dict[str, Any], action: Action) -> PlanItem:
    changes = [
        FieldChange(
            c["field"],
            _canonical_from_json(c["field"], c["old"]),
            _canonical_from_json(c["field"], c["new"]),
        )
        for c in data.get("changes") or []
    ]
    payload = data["payload"]
    if not isinstance(payload, dict):
        raise ValueError("payload must be an object")
    if action == "update" and not isinstance(payload.get("id"), int):
        raise ValueError(f"update of SKU {data.get('sku')!r} has no integer id in its payload")
    return PlanItem(
        action=action,
        line=int(data["line"]),
        sku=str(data["sku"]),
        id=data.get("id"),
        base_modified=data.get("base_modified"),
        base_status=data.get("base_status"),
        changes=changes,
        payload=payload,
        note=data.get("note"),
        parent_id=None if data.get("parent_id") is None else int(data["parent_id"]),
    )
