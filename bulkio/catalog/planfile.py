"""Saved catalog plans: ``--plan-out PLAN.json`` now, ``bulkio catalog apply PLAN.json`` later.

A catalog plan refers to things that do not exist yet (terms, attributes, parents of new
variations), so it is not replayed blindly. Applying a saved plan plans again from the same
feed and mapping (both must be unchanged: their SHA-256 is in the plan) against the store as
it is now, and then writes only what the saved plan showed:

* an item whose fresh write is exactly the saved one is written;
* an item the store already holds as planned (nothing to write now) is counted done, so
  applying a plan twice is harmless;
* an item whose write differs from the saved one (someone changed it in the store in
  between) is refused and reported, never overwritten;
* an item the saved plan did not have is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkio.apply import ItemOutcome
from bulkio.catalog.plan import CatalogOp, CatalogPlan
from bulkio.errors import InputError, UsageError
from bulkio.plan.diff import file_sha256

FORMAT = "bulkio-catalog-plan/1"


def is_catalog_plan(text: str) -> bool:
    """Whether a saved plan's text is a catalog plan (``bulkio apply`` dispatches on it)."""
    try:
        document = json.loads(text)
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("format") == FORMAT


def _key(op: CatalogOp) -> str:
    return f"{op.level}:{op.sku.casefold()}:{op.parent_sku.casefold()}"


def _entry(op: CatalogOp) -> dict[str, Any]:
    return {
        "action": op.action,
        "line": op.line,
        "sku": op.sku,
        "level": op.level,
        "parent": op.parent_sku,
        "id": op.id,
        "changes": [[c.field, c.old, c.new] for c in op.changes],
        "payload": op.payload,
    }


def plan_to_json(
    plan: CatalogPlan, *, source: str | Path, mapping: str | Path, store_url: str
) -> str:
    ops = [*plan.products, *plan.all_variations()]
    document = {
        "format": FORMAT,
        "store_url": store_url,
        "source": str(Path(source).resolve()),
        "source_sha256": file_sha256(source),
        "mapping": str(Path(mapping).resolve()),
        "mapping_sha256": file_sha256(mapping),
        "counts": plan.counts(),
        "terms": [t.label for t in plan.terms],
        "attributes": [a.name for a in plan.attributes],
        "items": {_key(op): _entry(op) for op in ops if op.action != "unchanged"},
    }
    return json.dumps(document, indent=1, ensure_ascii=False, default=str)


@dataclass
class SavedPlan:
    path: str
    store_url: str
    source: str
    source_sha256: str | None
    mapping: str
    mapping_sha256: str | None
    items: dict[str, dict[str, Any]]


def load_saved_plan(path: str | Path) -> SavedPlan:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(path, f"cannot read the catalog plan: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else None
        raise InputError(
            path,
            f"not a catalog plan (format {found!r})",
            hint="catalog plans come from `bulkio catalog import … --plan-out PLAN.json`; "
            "product plans are applied with `bulkio apply`",
        )
    return SavedPlan(
        str(path),
        str(document.get("store_url", "")),
        str(document["source"]),
        document.get("source_sha256"),
        str(document["mapping"]),
        document.get("mapping_sha256"),
        dict(document.get("items") or {}),
    )


def check_inputs(saved: SavedPlan, store_url: str) -> None:
    """The plan must be applied to its store, from the same feed and mapping, unchanged."""
    if saved.store_url.rstrip("/") != store_url.rstrip("/"):
        raise UsageError(
            f"{saved.path} was made against {saved.store_url}, not {store_url}",
            hint="apply a plan to the store it was made for (--url / --profile)",
        )
    for what, path, digest in (
        ("feed", saved.source, saved.source_sha256),
        ("mapping", saved.mapping, saved.mapping_sha256),
    ):
        now = file_sha256(path)
        if now is None:
            raise InputError(path, f"the plan's {what} is gone", hint="plan again")
        if now != digest:
            raise InputError(path, f"the {what} changed since the plan was made", hint="plan again")


def restrict_to_saved(plan: CatalogPlan, saved: SavedPlan) -> list[ItemOutcome]:
    """Keep in ``plan`` only the writes the saved plan showed; return refusals and done items."""
    outcomes: list[ItemOutcome] = []

    def judge(op: CatalogOp) -> bool:
        """False when ``op`` is refused (it is then left out of the plan)."""
        entry = saved.items.get(_key(op))
        if op.action == "unchanged":
            if entry is not None:
                outcomes.append(
                    ItemOutcome(
                        op.line,
                        op.sku,
                        entry["action"],
                        "unchanged",
                        op.id,
                        "already-applied",
                        "the store already holds the planned values",
                    )
                )
            return True
        # Same write *from the same old values*: a record edited in between differs in old.
        fresh = json.loads(json.dumps(_entry(op), default=str))
        if entry is not None and all(
            entry.get(name) == fresh[name] for name in ("action", "payload", "changes")
        ):
            return True
        why = (
            "not in the saved plan (the store changed since)"
            if entry is None
            else "changed in the store since the plan was made; plan again to see it"
        )
        outcomes.append(
            ItemOutcome(op.line, op.sku, op.action, "refused", op.id, "changed-since-plan", why)
        )
        op.action = "unchanged"
        return False

    for product in plan.every_product():
        new_parent = product.id is None
        if not judge(product) and new_parent:
            for variation in product.variations:
                if variation.action != "unchanged":
                    outcomes.append(
                        ItemOutcome(
                            variation.line,
                            variation.sku,
                            variation.action,
                            "refused",
                            None,
                            "parent-refused",
                            f"parent {product.sku!r} was refused",
                        )
                    )
                    variation.action = "unchanged"
            continue
        for variation in product.variations:
            if variation.action != "unchanged" or _key(variation) in saved.items:
                judge(variation)
    return outcomes
