"""A catalog plan seen as a :class:`~bulkio.plan.model.Plan`, and its result as an
:class:`~bulkio.apply.ApplyResult`.

The product kind plans with the catalog planner (terms, attributes, variations, images); the
printer, the safety limits, the missing-product policy, the reports and saved plans read a
plan as creates / updates / unchanged / rejected items with canonical field changes. The view
gives them that, products and variations alike (a variation's price drop counts like a
product's). Its items share their ``payload`` dicts with the catalog ops, so what the safety
layer adds to a create (the managed marker) is what the catalog apply sends.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bulkio.apply import ApplyResult, ItemOutcome, trash_refused
from bulkio.catalog.apply import CatalogResult
from bulkio.catalog.changes import op_changes
from bulkio.catalog.plan import CatalogOp, CatalogPlan, UnchangedProducts
from bulkio.fields import field_spec
from bulkio.plan.diff import file_sha256
from bulkio.plan.model import Plan, PlanItem, TrashedSku
from bulkio.plan.state import read_products

STORE_DOWN = "not sent, the store stopped answering"
"""How :mod:`bulkio.apply` words the items it could not send because the store went away."""


def _item(op: CatalogOp, parent_id: int | None) -> PlanItem:
    action = op.action if op.action in ("create", "update") else "unchanged"
    payload = op.payload
    if action == "update" and op.id is not None and "id" not in payload:
        payload.setdefault("id", op.id)
    return PlanItem(
        action,  # type: ignore[arg-type]
        op.line,
        op.sku,
        op.id,
        op.base_modified,
        None,
        op_changes(op) if action != "unchanged" else [],
        payload,
        None,
        parent_id,
    )


def add_trashed_creates(client: Any, plan: Plan, *, concurrency: int) -> None:
    """``on_trashed = "create"``: list the feed's new products whose SKU a trashed product
    holds (the diff says so; a store that refuses the create gets the way out named)."""
    skus = [item.sku for item in plan.creates if item.parent_id is None and item.sku]
    if not skus:
        return
    line = {item.sku.casefold(): item.line for item in plan.creates}
    for product in read_products(client, skus, "id,sku", status="trash", concurrency=concurrency):
        sku = str(product.get("sku") or "")
        if sku.casefold() in line and not any(t.sku == sku for t in plan.trashed):
            plan.trashed.append(TrashedSku(sku, line[sku.casefold()], int(product["id"]), "create"))


def is_plain(plan: CatalogPlan) -> bool:
    """Whether a plan writes each item by itself, with nothing to create first or resolve
    later (no terms, attributes, variations, links, images): such a plan is saved and applied
    exactly like a stock plan, item by item with a freshness check."""
    if plan.terms or plan.attributes or plan.attribute_terms:
        return False
    for op in plan.products:
        if op.variations or op.links or "images" in op.payload:
            return False
        if any(
            isinstance(term, dict) and isinstance(term.get("id"), str)
            for name in ("categories", "tags")
            for term in op.payload.get(name) or ()
        ):
            return False
    return True


def _add_unchanged(plan: Plan, columns: UnchangedProducts, start: int, end: int) -> int:
    """Rows ``start:end`` of a catalog plan's unchanged columns into the flat plan's
    unchanged items, without an item (or an op) per row; returns ``end``."""
    if end > start:
        whole = start == 0 and end == len(columns)
        plan.unchanged.add_columns(
            columns.lines if whole else columns.lines[start:end],
            columns.skus if whole else columns.skus[start:end],
            columns.ids if whole else columns.ids[start:end],
            columns.modified if whole else columns.modified[start:end],
        )
    return end


def plan_view(
    catalog: CatalogPlan,
    *,
    mapping: Any,
    source: str | Path,
    store_url: str | None,
    feed_rows: int | None,
) -> Plan:
    """The plan the printer, limits, reports and saved plans read (see the module doc)."""
    unit = (
        "record" if getattr(getattr(mapping, "source", None), "format", "csv") == "xml" else "line"
    )
    mapping_path = getattr(mapping, "path", None)
    plan = Plan(
        resource="product",
        line_unit=unit,
        owned_fields=list(getattr(mapping, "owned_fields", []) or []),
        rejected=list(catalog.rejected),
        mapping_path=None if mapping_path is None else str(mapping_path),
        mapping_hash=file_sha256(mapping_path),
        source_path=str(source),
        source_hash=file_sha256(source),
        store_url=store_url,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        feed_rows=feed_rows,
    )
    groups: dict[str, Any] = {
        "create": plan.creates,
        "update": plan.updates,
        "unchanged": plan.unchanged,
    }
    owns_type = "type" in plan.owned_fields
    columns = catalog.unchanged_products
    taken = 0
    for op in catalog.products:
        # The unchanged products kept as columns go in as columns, in line order with the
        # ops (before an op of the same line, as CatalogPlan.every_product merges them).
        taken = _add_unchanged(plan, columns, taken, bisect_left(columns.lines, op.line, taken))
        if op.action == "create" and op.payload.get("type") == "simple" and not owns_type:
            del op.payload["type"]  # what WooCommerce creates anyway: only owned fields are sent
        groups.get(op.action, plan.unchanged).append(_item(op, None))
        for variation in op.variations:
            groups.get(variation.action, plan.unchanged).append(_item(variation, op.id))
    _add_unchanged(plan, columns, taken, len(columns))
    # Products taken back from the trash (on_trashed = "restore"): the plan's "restore" change.
    for op in catalog.products:
        restore = next((c for c in op.changes if c.field == "restore"), None)
        if restore is not None and op.id is not None:
            plan.trashed.append(TrashedSku(op.sku, op.line, op.id, "restore"))
            for item in plan.updates:
                if item.id == op.id and item.parent_id is None:
                    item.base_status = "trash"
    # A saved plan's check reads back every field the plan writes (type, manage_stock, …).
    for item in plan.writes:
        for change in item.changes:
            if field_spec(change.field) is not None and change.field not in plan.owned_fields:
                plan.owned_fields.append(change.field)
    return plan


def apply_result(
    catalog_result: CatalogResult, view: Plan, *, prior: list[ItemOutcome] | None = None
) -> ApplyResult:
    """Every written item's outcome (products, variations, links, images; terms and global
    attributes that could not be created), as the flat printer and reports read them."""
    outcomes: list[ItemOutcome] = list(prior or [])
    outcomes += [*catalog_result.products, *catalog_result.variations]
    outcomes += [o for o in catalog_result.links if o.outcome in ("failed", "refused")]
    outcomes += catalog_result.images
    for key, why in catalog_result.terms.failed.items():
        outcomes.append(
            ItemOutcome(0, "", "create", "failed", None, "term-not-created", f"{key}: {why}")
        )
    for name, why in catalog_result.attributes.failed.items():
        outcomes.append(
            ItemOutcome(0, "", "create", "failed", None, "attribute-not-created", f"{name}: {why}")
        )
    # on_trashed = "create" on a store that refuses a second product with a trashed SKU.
    held_in_trash = {t.sku.casefold(): t.trashed_id for t in view.trashed if t.decision == "create"}
    for index, outcome in enumerate(outcomes):
        trashed_id = held_in_trash.get(outcome.sku.casefold()) if outcome.sku else None
        if trashed_id is not None and outcome.action == "create" and outcome.outcome == "failed":
            outcomes[index] = replace(
                outcome, message=trash_refused(outcome.message or "", trashed_id)
            )
    result = ApplyResult(
        outcomes=outcomes,
        unchanged=len(view.unchanged),
        rejected=list(view.rejected),
        requests=catalog_result.requests,
        writes=catalog_result.writes,
        seconds=catalog_result.seconds,
    )
    result.store_unreachable = any(
        o.outcome == "failed" and (o.message or "").startswith(STORE_DOWN) for o in outcomes
    )
    return result
