"""Compare a feed's desired state with the store's state and produce a :class:`Plan`.

The comparison is columnar: the desired frame is joined to the store frame on SKU and each owned
field becomes one boolean "changed" column (``desired is not null and desired != store``;
a null desired value means "leave the store's value"). Only rows with a change, and creates,
are visited in Python, to build their payloads with :func:`bulkio.fields.to_payload`.

Fields the mapping does not own are never read, compared or written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from bulkio.fields import (
    TEXT_FIELDS,
    CanonicalValue,
    FieldSpec,
    canonicalise,
    same_value,
    stored_text,
    to_payload,
)
from bulkio.plan.model import FieldChange, Plan, PlanItem, PlanRejection, TrashDecision, TrashedSku
from bulkio.plan.state import VARIATION_STATUS, owned_specs, polars_dtype

STORE_PREFIX = "__store_"
CHANGED_PREFIX = "__changed_"
KEY = "__sku_key"
RESTORED_STATUS = "publish"
"""Status a restored trashed product gets when the mapping does not own ``status``: the same
status WooCommerce gives a product created through the API."""


def file_sha256(path: str | Path | None) -> str | None:
    """Hex SHA-256 of a file (for plan provenance); None when there is no such file."""
    if path is None:
        return None
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def _on_trashed(mapping: Any) -> TrashDecision:
    target = getattr(mapping, "target", None)
    decision = getattr(target, "on_trashed", None) or "restore"
    return "create" if decision == "create" else "restore"


def rejection_from_error(error: Any) -> PlanRejection:
    """A mapping's row error (:class:`bulkio.records.RowError`) as a plan rejection."""
    value = getattr(error, "value", None)
    return PlanRejection(
        file=str(getattr(error, "file", "") or ""),
        line=getattr(error, "line", None),
        sku=getattr(error, "sku", None),
        column=getattr(error, "column", None),
        value=None if value is None else str(value),
        code=str(getattr(error, "code", "invalid")),
        message=str(getattr(error, "message", error)),
    )


def new_plan(
    mapping: Any,
    records: Any,
    *,
    resource: str,
    owned_fields: list[str],
    source_path: str | None,
    store_url: str | None,
    now: datetime | None,
    line_unit: str = "line",
) -> Plan:
    """An empty plan carrying its provenance (mapping and feed paths with their SHA-256, store,
    time) and the feed's rejected rows: what every plan starts from, products and stock alike."""
    mapping_path = getattr(mapping, "path", None)
    return Plan(
        resource=resource,
        line_unit=line_unit,
        owned_fields=owned_fields,
        rejected=[rejection_from_error(error) for error in getattr(records, "rejected", [])],
        mapping_path=None if mapping_path is None else str(mapping_path),
        mapping_hash=file_sha256(mapping_path),
        source_path=source_path,
        source_hash=file_sha256(source_path),
        store_url=store_url,
        created_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
    )


def _reject_rows(
    plan: Plan, rows: pl.DataFrame, code: str, message: Callable[[dict[str, Any]], str]
) -> None:
    """Reject each desired row (``_line``, ``sku``, …) on its SKU with ``message(row)``."""
    for row in rows.iter_rows(named=True):
        plan.rejected.append(
            PlanRejection(
                file=plan.source_path or "",
                line=row["_line"],
                sku=row["sku"],
                column="sku",
                value=row["sku"],
                code=code,
                message=message(row),
            )
        )


def _normalised(expr: pl.Expr, spec: FieldSpec) -> pl.Expr:
    # Term lists are sets: order and repeats never count as a change.
    if spec.kind == "terms":
        return expr.list.unique().list.sort()
    return expr


def _desired_frame(frame: pl.DataFrame, specs: Sequence[FieldSpec]) -> pl.DataFrame:
    columns: list[pl.Expr] = [
        pl.col("_line").cast(pl.Int64),
        pl.col("sku").cast(pl.String),
    ]
    for spec in specs:
        if spec.name in frame.columns:
            columns.append(pl.col(spec.name).cast(polars_dtype(spec)))
        else:
            columns.append(pl.lit(None, dtype=polars_dtype(spec)).alias(spec.name))
    return frame.select(columns)


def _python_value(value: Any) -> CanonicalValue:
    if isinstance(value, list):
        return tuple(sorted(set(int(v) for v in value)))
    return value  # type: ignore[no-any-return]


def _same(spec: FieldSpec, old: CanonicalValue, new: CanonicalValue) -> bool:
    """A last, exact check in Python on changed cells (:func:`bulkio.fields.same_value`)."""
    return same_value(spec, old, new)


def _changes(
    row: dict[str, Any], specs: Sequence[FieldSpec], prefix: str = STORE_PREFIX
) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for spec in specs:
        if row.get(CHANGED_PREFIX + spec.name) is False:
            # The frame comparison found this cell equal (or left): the exact re-check below
            # could only agree, and canonicalising both sides of every cell of every updated
            # row was most of build_plan's time (bench/RESULTS.md, "Profiling").
            continue
        new = _python_value(row[spec.name])
        if new is None:
            continue
        old = _python_value(row.get(prefix + spec.name))
        if old is not None and _same(spec, old, new):
            continue
        if old is None and spec.kind != "int" and new == canonicalise(spec, None):
            continue
        changes.append(FieldChange(spec.name, old, new))
    return changes


def build_plan(
    mapping: Any,
    records: Any,
    state: pl.DataFrame,
    *,
    store_url: str | None = None,
    now: datetime | None = None,
) -> Plan:
    """Join desired and store state on SKU and classify every row.

    ``records`` is a :class:`bulkio.records.RecordSet` (``frame``, ``rejected``, ``source``);
    ``state`` comes from :func:`bulkio.plan.fetch_store_state`. Rows whose SKU two live products
    hold at once are rejected (``duplicate_sku_in_store``): bulkio cannot know which is meant.

    Stock mappings are planned by :func:`bulkio.stock.build_stock_plan` (the engine's stock
    kind, :mod:`bulkio.engine.kinds`), not here.
    """
    specs = owned_specs(mapping.owned_fields)
    names = [spec.name for spec in specs]
    source_path = getattr(records, "source", None)
    plan = new_plan(
        mapping,
        records,
        resource=str(getattr(getattr(mapping, "target", None), "resource", "product")),
        line_unit=str(getattr(records, "unit", "line") or "line"),
        owned_fields=["sku", *names],
        source_path=None if source_path is None else str(source_path),
        store_url=store_url,
        now=now,
    )
    desired = _desired_frame(records.frame, specs)
    # The match key: SKUs compare ignoring case, as WooCommerce's lookups do.
    desired = desired.with_columns(pl.col("sku").str.to_lowercase().alias(KEY))
    store = state.select(
        pl.col("sku").str.to_lowercase().alias(KEY),
        *[pl.col(c).alias(STORE_PREFIX + c) for c in state.columns],
    )
    # Make sure every owned field has a store column (state built by an older fetch or by hand).
    for spec in specs:
        if STORE_PREFIX + spec.name not in store.columns:
            store = store.with_columns(
                pl.lit(None, dtype=polars_dtype(spec)).alias(STORE_PREFIX + spec.name)
            )
    is_trash = pl.col(STORE_PREFIX + "status") == "trash"
    is_variation = pl.col(STORE_PREFIX + "status") == VARIATION_STATUS
    variations = store.filter(is_variation)
    store = store.filter(~is_variation)
    live = store.filter(~is_trash)
    trash = (
        store.filter(is_trash)
        .sort(STORE_PREFIX + "id", descending=True)
        .unique(KEY, keep="first", maintain_order=True)
    )

    held_twice = (
        live.group_by(KEY)
        .agg(pl.col(STORE_PREFIX + "id").sort().alias("ids"))
        .filter(pl.col("ids").list.len() > 1)
    )
    if held_twice.height:
        ids_by_key = dict(zip(held_twice[KEY], held_twice["ids"].to_list(), strict=True))
        _reject_rows(
            plan,
            desired.filter(pl.col(KEY).is_in(list(ids_by_key))),
            "duplicate_sku_in_store",
            lambda row: (
                "the store holds this SKU on more than one product "
                f"({', '.join(f'#{i}' for i in ids_by_key[row[KEY]])}); "
                "merge or re-SKU them in the store, then run again"
            ),
        )
        desired = desired.filter(~pl.col(KEY).is_in(list(ids_by_key)))
        live = live.filter(~pl.col(KEY).is_in(list(ids_by_key)))

    if variations.height:
        held = variations.filter(~pl.col(KEY).is_in(live[KEY].implode()))
        parents = dict(zip(held[KEY], held[STORE_PREFIX + "id"], strict=True))
        _reject_rows(
            plan,
            desired.filter(pl.col(KEY).is_in(list(parents))),
            "sku_is_variation",
            lambda row: (
                f"this SKU belongs to variation #{parents[row[KEY]]}; a product "
                "mapping cannot write variations (a stock mapping can update their stock)"
            ),
        )
        desired = desired.filter(~pl.col(KEY).is_in(list(parents)))

    joined = desired.join(live, on=KEY, how="left")
    changed_columns = [
        (
            pl.col(spec.name).is_not_null()
            & _normalised(pl.col(spec.name), spec).ne_missing(
                _normalised(pl.col(STORE_PREFIX + spec.name), spec)
            )
        ).alias(CHANGED_PREFIX + spec.name)
        for spec in specs
    ]
    any_changed = (
        pl.any_horizontal([pl.col(CHANGED_PREFIX + n) for n in names]) if names else pl.lit(False)
    )
    joined = joined.with_columns(changed_columns).with_columns(any_changed.alias("__any"))
    found = pl.col(STORE_PREFIX + "id").is_not_null()

    same = joined.filter(found & ~pl.col("__any"))
    plan.unchanged.add_columns(  # as columns: no item per unchanged row
        same["_line"].to_list(), same["sku"].to_list(), same[STORE_PREFIX + "id"].to_list()
    )
    del same

    for row in joined.filter(found & pl.col("__any")).iter_rows(named=True):
        item = _update_item(row, specs)
        if item.changes:
            plan.updates.append(item)
        else:
            plan.unchanged.append(item)

    creates = joined.filter(~found).select("_line", "sku", KEY, *names)
    if creates.height:
        decision = _on_trashed(mapping)
        with_trash = creates.join(trash, on=KEY, how="left")
        for row in with_trash.iter_rows(named=True):
            trashed_id = row.get(STORE_PREFIX + "id")
            if trashed_id is None:
                plan.creates.append(_create_item(row, specs))
                continue
            plan.trashed.append(TrashedSku(row["sku"], row["_line"], trashed_id, decision))
            if decision == "restore":
                plan.updates.append(_restore_item(row, specs))
            else:
                item = _create_item(row, specs)
                item.note = (
                    f"SKU also held by trashed product #{trashed_id}; restoring that one "
                    "later would leave two products with this SKU"
                )
                plan.creates.append(item)

    plan.creates.sort(key=lambda item: item.line)
    plan.updates.sort(key=lambda item: item.line)
    plan.unchanged.sort()  # by line, without making an item per row
    return plan


def unpredictable_text_note(changes: Sequence[FieldChange]) -> str | None:
    """A dry-run note for texts whose markup WordPress filters in a way bulkio cannot predict
    (an HTML comment, a ``style`` attribute, an unknown tag): they are compared without the
    markup, so a re-run does not rewrite them, and the user should know why."""
    fields = [
        c.field
        for c in changes
        if c.field in TEXT_FIELDS and isinstance(c.new, str) and stored_text(c.new) is None
    ]
    if not fields:
        return None
    return (
        f"{', '.join(fields)}: WordPress filters this markup in a way bulkio cannot predict; "
        "the store may keep it differently, and re-runs compare the text without its markup"
    )


def _update_item(row: dict[str, Any], specs: Sequence[FieldSpec]) -> PlanItem:
    changes = _changes(row, specs)
    product_id = int(row[STORE_PREFIX + "id"])
    payload = {"id": product_id, **to_payload({c.field: c.new for c in changes})}
    return PlanItem(
        action="update" if changes else "unchanged",
        line=row["_line"],
        sku=row["sku"],
        id=product_id,
        base_modified=row.get(STORE_PREFIX + "date_modified_gmt"),
        base_status=row.get(STORE_PREFIX + "status"),
        changes=changes,
        payload=payload if changes else {},
        note=unpredictable_text_note(changes),
    )


def _restore_item(row: dict[str, Any], specs: Sequence[FieldSpec]) -> PlanItem:
    changes = [c for c in _changes(row, specs) if c.field != "status"]
    wanted_status = row.get("status") if "status" in row else None
    changes.insert(0, FieldChange("status", "trash", wanted_status or RESTORED_STATUS))
    product_id = int(row[STORE_PREFIX + "id"])
    return PlanItem(
        action="update",
        line=row["_line"],
        sku=row["sku"],
        id=product_id,
        base_modified=row.get(STORE_PREFIX + "date_modified_gmt"),
        base_status="trash",
        changes=changes,
        payload={"id": product_id, **to_payload({c.field: c.new for c in changes})},
        note=f'restores trashed product #{product_id} (mapping: on_trashed = "restore")',
    )


def _create_item(row: dict[str, Any], specs: Sequence[FieldSpec]) -> PlanItem:
    values: dict[str, CanonicalValue] = {"sku": row["sku"]}
    changes: list[FieldChange] = []
    for spec in specs:
        value = _python_value(row.get(spec.name))
        # A new product has no value to clear: empty texts and lists would only add noise.
        if value is None or value == "" or value == ():
            continue
        values[spec.name] = value
        changes.append(FieldChange(spec.name, None, value))
    return PlanItem(
        action="create",
        line=row["_line"],
        sku=row["sku"],
        changes=changes,
        payload=to_payload(values),
        note=unpredictable_text_note(changes),
    )
