"""The catalog planner as the short form the catalog tests use: feed → plan (→ apply).

Users run ``bulkio.run_import`` (:mod:`bulkio.engine`), which plans product mappings with
:func:`bulkio.catalog.plan.plan_feed` too and adds the safety guard, reports and saved plans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkio.catalog.apply import CatalogResult, apply_catalog_plan
from bulkio.catalog.feed import CatalogFeed, read_feed
from bulkio.catalog.plan import CatalogPlan, plan_feed
from bulkio.mapping import load_product_mapping
from bulkio.mapping.model import Mapping


@dataclass
class CatalogRun:
    feed: CatalogFeed
    plan: CatalogPlan
    result: CatalogResult | None = None


def plan_from_feed(
    client: Any,
    mapping: Mapping,
    feed: CatalogFeed,
    *,
    concurrency: int = 4,
    progress: Callable[[int], None] | None = None,
) -> CatalogRun:
    """Plan a feed already read (units, shipping classes, brands, terms, attributes,
    products and their variations, as :func:`bulkio.catalog.plan.plan_feed` reads them);
    ``progress`` hears the SKUs looked up in the store."""
    on_trashed = getattr(mapping.target, "on_trashed", None) or "restore"
    plan = plan_feed(
        client,
        feed,
        mapping_path=str(mapping.path),
        on_trashed=on_trashed,
        concurrency=concurrency,
        progress=progress,
    )
    return CatalogRun(feed, plan)


def plan_catalog(
    client: Any, mapping: Mapping, source: str | Path, *, concurrency: int = 4
) -> CatalogRun:
    """Read the feed and the store (terms once, products by SKU, variations per parent)."""
    return plan_from_feed(client, mapping, read_feed(mapping, source), concurrency=concurrency)


def import_catalog(
    client: Any,
    mapping: Mapping | str | Path,
    source: str | Path,
    *,
    dry_run: bool = False,
    concurrency: int = 4,
    batch_size: int = 100,
) -> CatalogRun:
    if not isinstance(mapping, Mapping):
        mapping = load_product_mapping(mapping)
    run = plan_catalog(client, mapping, source, concurrency=concurrency)
    if not dry_run and run.plan.has_changes:
        run.result = apply_catalog_plan(
            client, run.plan, concurrency=concurrency, batch_size=batch_size
        )
    return run
