"""Stock feeds: a warehouse file of SKU → quantity turned into the smallest set of stock writes.

A ``resource = "stock"`` mapping owns only :data:`bulkio.fields.STOCK_FIELDS`. Its plan is a
normal :class:`bulkio.plan.Plan` (``resource = "stock"``), so dry run, ``--plan-out``,
``bulkio apply``, reports and exit codes work as for products; what differs:

* SKUs resolve to simple (or variable) products *and* variations
  (:mod:`bulkio.plan.stock_state`); a variation's plan item carries its ``parent_id`` and is
  sent through ``products/<parent>/variations/batch``.
* Nothing is ever created: a SKU the store does not hold is a rejected row (``unknown-sku``).
* Several lines with one SKU (one per warehouse) are summed (``[target] duplicates = "sum"``,
  the default for stock mappings) or rejected (``"reject"``). If any line of a summed SKU is
  rejected, the SKU is held back: a partial sum would understate the stock.
* Quantities only count where the item manages stock: a quantity for an item that does not
  (and that the feed does not switch on with ``manage_stock``) is rejected, since WooCommerce
  would silently ignore it; ``stock_status`` is only compared for items that do not manage
  stock, since WooCommerce derives it from the quantity otherwise.
* A negative quantity passes only where backorders are allowed (the row's ``backorders``, else
  the store's), and only when the mapping owns ``backorders`` at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import polars as pl

from bulkio.apply import batch_route
from bulkio.fields import FIELDS, CanonicalValue, canonicalise, to_payload
from bulkio.plan.diff import new_plan
from bulkio.plan.model import FieldChange, Plan, PlanItem, PlanRejection
from bulkio.plan.state import sku_key
from bulkio.plan.stock_state import (
    STOCK_READ_FIELDS,
    fetch_stock_state,
    read_stock_items,
    stock_chunks,
)

STOCK_ERROR_CODES: dict[str, str] = {
    "unknown-sku": "no product or variation in the store holds this SKU (a stock feed never "
    "creates products)",
    "duplicate_sku_in_store": "several store items hold this SKU",
    "conflicting-duplicates": "lines with the same SKU disagree on a field that cannot be summed",
    "sum-incomplete": "another line of the same SKU was rejected, so the sum would be wrong",
    "negative-number": "a negative quantity where backorders are not allowed",
    "stock-not-managed": "the item does not manage stock, so WooCommerce would ignore a quantity",
}
"""Row problems a stock plan adds to the mapping's own (:data:`bulkio.records.ERROR_CODES`)."""

ORDER = ("manage_stock", "backorders", "stock_quantity", "stock_status")
"""Compared in this order (the payload order follows): what makes a quantity valid first."""

KEY = "__key"


def is_stock_mapping(mapping: Any) -> bool:
    return getattr(getattr(mapping, "target", None), "resource", None) == "stock"


# -- desired state -----------------------------------------------------------------------------


def _rejection(
    source: str, line: int, sku: str, column: str, value: Any, code: str, message: str
) -> PlanRejection:
    return PlanRejection(
        file=source,
        line=line,
        sku=sku,
        column=column,
        value=None if value is None else str(value),
        code=code,
        message=message,
    )


def _lines_text(lines: Sequence[int]) -> str:
    return ", ".join(str(line) for line in lines)


def desired_stock(
    records: Any, owned: Sequence[str], *, summing: bool = True
) -> tuple[list[dict[str, Any]], list[PlanRejection]]:
    """One desired entry per SKU (case-insensitive): summed quantities, agreeing other fields.

    ``summing`` (``duplicates = "sum"``): a SKU with a rejected line is held back entirely.
    Returns ``(entries, rejections)``; an entry is ``{"sku", "line", "lines", field: value}``.
    """
    source = str(getattr(records, "source", "") or "")
    frame: pl.DataFrame = records.frame
    names = [name for name in ORDER if name in owned]
    rejected_keys: dict[str, int] = {}
    for error in getattr(records, "rejected", []) if summing else ():
        if error.sku:
            rejected_keys.setdefault(str(error.sku).strip().lower(), int(error.line))
    columns = ["_line", "sku", *[n for n in names if n in frame.columns]]
    grouped = (
        frame.select(columns)
        .with_columns(pl.col("sku").str.to_lowercase().alias(KEY))
        .sort("_line")
        .group_by(KEY, maintain_order=True)
        .agg(pl.all())
    )
    entries: list[dict[str, Any]] = []
    rejections: list[PlanRejection] = []
    for row in grouped.iter_rows(named=True):
        lines: list[int] = row["_line"]
        sku: str = row["sku"][0]
        if row[KEY] in rejected_keys:
            bad = rejected_keys[row[KEY]]
            rejections.extend(
                _rejection(
                    source,
                    line,
                    sku,
                    "sku",
                    sku,
                    "sum-incomplete",
                    f"not sent: line {bad} of the same SKU was rejected, so its sum would be "
                    "wrong; fix that line and run again",
                )
                for line in lines
            )
            continue
        entry: dict[str, Any] = {"sku": sku, "line": lines[0], "lines": lines}
        conflict: tuple[str, list[Any]] | None = None
        for name in names:
            values = [v for v in row.get(name, []) if v is not None]
            if name == "stock_quantity":
                entry[name] = sum(values) if values else None
                continue
            distinct = list(dict.fromkeys(values))
            if len(distinct) > 1:
                conflict = (name, distinct)
                break
            entry[name] = distinct[0] if distinct else None
        if conflict is not None:
            name, distinct = conflict
            rejections.extend(
                _rejection(
                    source,
                    line,
                    sku,
                    name,
                    value,
                    "conflicting-duplicates",
                    f"lines {_lines_text(lines)} hold SKU {sku!r} with different {name} values "
                    f"({', '.join(map(str, distinct))}); quantities are summed, {name} must agree",
                )
                for line, value in zip(lines, row[name], strict=True)
            )
            continue
        entries.append(entry)
    return entries, rejections


# -- plan ------------------------------------------------------------------------------------


def _store_manage(value: str | None) -> bool | str:
    return "parent" if value == "parent" else value == "true"


def build_stock_plan(
    mapping: Any,
    records: Any,
    state: pl.DataFrame,
    *,
    store_url: str | None = None,
    now: datetime | None = None,
) -> Plan:
    """Compare a stock feed with the store's stock (:func:`fetch_stock_state`) → Plan."""
    owned = [name for name in mapping.owned_fields if name != "sku"]
    source_path = str(getattr(records, "source", "") or "")
    plan = new_plan(
        mapping,
        records,
        resource="stock",
        owned_fields=["sku", *owned],
        source_path=source_path or None,
        store_url=store_url,
        now=now,
        line_unit=str(getattr(records, "unit", "line") or "line"),  # XML feeds: "record"
    )
    summing = getattr(getattr(mapping, "target", None), "duplicates", "sum") == "sum"
    held_back = {
        str(error.sku).strip().lower()
        for error in (getattr(records, "rejected", []) if summing else ())
        if error.sku
    }
    quick, rest = _quickly_unchanged(records.frame, state, owned, held_back)
    plan.unchanged.add_columns(*quick)
    rest_records = SimpleNamespace(
        frame=rest, rejected=getattr(records, "rejected", []), source=source_path
    )
    entries, rejections = desired_stock(rest_records, owned, summing=summing)
    plan.rejected.extend(rejections)
    keys = {entry["sku"].lower() for entry in entries}
    by_key: dict[str, list[dict[str, Any]]] = {}
    candidates = state.filter(pl.col("sku").str.to_lowercase().is_in(list(keys)))
    for item in candidates.iter_rows(named=True):
        by_key.setdefault(str(item["sku"]).lower(), []).append(item)
    for entry in entries:
        held = by_key.get(entry["sku"].lower(), [])
        outcome = _plan_entry(entry, held, owned, source_path)
        if isinstance(outcome, list):
            plan.rejected.extend(outcome)
        elif outcome.action == "update":
            plan.updates.append(outcome)
        else:
            plan.unchanged.append(outcome)
    plan.rejected.sort(key=lambda r: (r.line or 0, r.code))
    plan.updates.sort(key=lambda item: item.line)
    plan.unchanged.sort()  # by line, without making an item per row
    return plan


def _quickly_unchanged(
    frame: pl.DataFrame, state: pl.DataFrame, owned: Sequence[str], held_back: set[str]
) -> tuple[tuple[list[int], list[str], list[int | None]], pl.DataFrame]:
    """The bulk of a nightly feed, found in columns: rows that plainly change nothing.

    A row qualifies when its SKU is on no other row and held by exactly one store item that
    manages stock, and every owned value is empty or equal to the store's (``stock_status`` is
    derived for such items). Returns those rows as unchanged items and the rest of the frame,
    which goes through the full per-row rules. The rows come back as columns (line, SKU,
    store id) that go into the plan's unchanged items without an item each.
    """
    store_columns = ["id", "manage_stock", "stock_quantity", "backorders"]
    store = (
        state.with_columns(pl.col("sku").str.to_lowercase().alias(KEY))
        .filter(pl.len().over(KEY) == 1)
        .select(KEY, *[pl.col(c).alias("__store_" + c) for c in store_columns])
    )
    desired = frame.with_columns(pl.col("sku").str.to_lowercase().alias(KEY)).filter(
        (pl.len().over(KEY) == 1) & ~pl.col(KEY).is_in(list(held_back))
    )
    joined = desired.join(store, on=KEY, how="inner")
    same = pl.col("__store_manage_stock") == "true"
    if "stock_quantity" in owned and "stock_quantity" in frame.columns:
        quantity = pl.col("stock_quantity")
        same &= quantity.is_null() | (
            (quantity >= 0) & (quantity == pl.col("__store_stock_quantity")).fill_null(False)
        )
    if "backorders" in owned and "backorders" in frame.columns:
        same &= pl.col("backorders").is_null() | (
            pl.col("backorders") == pl.col("__store_backorders")
        )
    if "manage_stock" in owned and "manage_stock" in frame.columns:
        same &= pl.col("manage_stock").is_null() | pl.col("manage_stock")
    quick = joined.filter(same).select("_line", "sku", "__store_id")
    columns = (quick["_line"].to_list(), quick["sku"].to_list(), quick["__store_id"].to_list())
    rest = frame.filter(~pl.col("_line").is_in(quick["_line"].implode()))
    return columns, rest


def _quantity_problem(
    quantity: Any, item: dict[str, Any], manage: Any, backorders: str, summed: str
) -> tuple[str, str] | None:
    """(code, message) when the store would not take ``quantity`` for ``item``; else None."""
    if quantity is None:
        return None
    if manage == "parent":
        return (
            "stock-not-managed",
            f"{_describe(item)}: its stock is managed by the parent product "
            f"#{item['parent_id']}; put the parent's SKU in the feed instead",
        )
    if manage is not True:
        return (
            "stock-not-managed",
            f"{_describe(item)} does not manage stock, so WooCommerce would ignore a "
            "quantity; set manage_stock in the mapping (e.g. manage_stock = "
            "{ value = true }) or turn stock management on in the store",
        )
    if quantity < 0 and backorders == "no":
        return (
            "negative-number",
            f"stock_quantity {quantity}{summed} is negative but {_describe(item)} does not "
            "allow backorders",
        )
    return None


def _stock_changes(
    entry: dict[str, Any],
    item: dict[str, Any],
    owned: Sequence[str],
    manage: Any,
    store_manage: bool | str,
) -> list[FieldChange]:
    """The owned stock fields whose feed value differs from the item's."""
    changes: list[FieldChange] = []
    for name in ORDER:
        if name not in owned:
            continue
        new = entry.get(name)
        if new is None:
            continue
        if name == "stock_status" and manage is True:
            continue  # derived by WooCommerce from quantity and backorders
        if name == "manage_stock":
            old: CanonicalValue = store_manage if store_manage == "parent" else bool(store_manage)
        else:
            old = item[name]
        if old != "parent" and canonicalise(FIELDS[name], old) == canonicalise(FIELDS[name], new):
            continue
        changes.append(FieldChange(name, old, new))
    return changes


def _plan_entry(
    entry: dict[str, Any], held: list[dict[str, Any]], owned: Sequence[str], source: str
) -> PlanItem | list[PlanRejection]:
    sku, lines = entry["sku"], entry["lines"]
    summed = f" (sum of lines {_lines_text(lines)})" if len(lines) > 1 else ""

    def reject(column: str, value: Any, code: str, message: str) -> list[PlanRejection]:
        return [_rejection(source, line, sku, column, value, code, message) for line in lines]

    if not held:
        return reject(
            "sku",
            sku,
            "unknown-sku",
            "no product or variation in the store holds this SKU; a stock feed never creates "
            "products (import it with a product mapping first, or fix the SKU)",
        )
    if len(held) > 1:
        ids = ", ".join(f"#{item['id']}" for item in held)
        return reject(
            "sku",
            sku,
            "duplicate_sku_in_store",
            f"the store holds this SKU on more than one item ({ids}); fix the store first",
        )
    item = held[0]
    store_manage = _store_manage(item["manage_stock"])
    wanted_manage = entry.get("manage_stock")
    manage = store_manage if wanted_manage is None else wanted_manage
    backorders = entry.get("backorders") or item["backorders"] or "no"
    problem = _quantity_problem(entry.get("stock_quantity"), item, manage, backorders, summed)
    if problem is not None:
        return reject("stock_quantity", entry.get("stock_quantity"), *problem)
    changes = _stock_changes(entry, item, owned, manage, store_manage)
    parent = int(item["parent_id"] or 0) or None
    note = (f"sum of lines {_lines_text(lines)}" if summed else None) or None
    plan_item = PlanItem(
        action="update" if changes else "unchanged",
        line=entry["line"],
        sku=sku,
        id=int(item["id"]),
        base_modified=item["date_modified_gmt"],
        changes=changes,
        payload={"id": int(item["id"]), **to_payload({c.field: c.new for c in changes})}
        if changes
        else {},
        note=note if changes else None,
        parent_id=parent,
    )
    return plan_item


def _describe(item: dict[str, Any]) -> str:
    if int(item["parent_id"] or 0):
        return f"variation #{item['id']} of product #{item['parent_id']}"
    return f"product #{item['id']}"


# -- apply plan.json: re-read first ------------------------------------------------------------


def check_stock_plan(client: Any, plan: Plan, *, concurrency: int = 4) -> tuple[Plan, list[Any]]:
    """:func:`bulkio.apply.check_plan` for stock plans: re-read the items by SKU.

    One SKU lookup finds products and variations alike (``ceil(updates / 100)`` requests). An
    item already holding the planned values is ``unchanged``; one modified since the plan (an
    order took stock, somebody edited it) is refused; an item gone or re-SKU'd is refused.
    """
    from bulkio.apply import ItemOutcome, recheck_update

    items, _report = read_stock_items(
        client, [item.sku for item in plan.updates], concurrency=concurrency
    )
    by_id = {int(item["id"]): item for item in items}
    outcomes: list[ItemOutcome] = []
    keep: list[PlanItem] = []
    for item in plan.updates:
        current = by_id.get(item.id or 0)
        if current is not None and sku_key(current) != item.sku.lower():
            current = None  # re-SKU'd: the item the plan meant is gone
        dropped = recheck_update(
            item,
            current,
            _remaining,
            gone=f"#{item.id} no longer holds SKU {item.sku!r} in the store; make a new plan",
            changed_note=", e.g. an order took stock",
        )
        if dropped is None:
            keep.append(item)
        else:
            outcomes.append(dropped)
    return replace(plan, updates=keep, creates=[]), outcomes


def _remaining(changes: Sequence[FieldChange], current: dict[str, Any]) -> list[FieldChange]:
    left: list[FieldChange] = []
    for change in changes:
        spec = FIELDS[change.field]
        if canonicalise(spec, current.get(change.field)) != canonicalise(spec, change.new):
            left.append(change)
    return left


__all__ = [
    "STOCK_ERROR_CODES",
    "STOCK_READ_FIELDS",
    "batch_route",
    "build_stock_plan",
    "check_stock_plan",
    "desired_stock",
    "fetch_stock_state",
    "is_stock_mapping",
    "stock_chunks",
]
