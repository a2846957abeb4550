"""One catalog import, as the CLI and library users run it: feed → state → plan (→ apply)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkio.catalog.apply import CatalogResult, apply_catalog_plan
from bulkio.catalog.attributes import AttributeIndex
from bulkio.catalog.feed import CatalogFeed, convert_units, read_feed, resolve_shipping_classes
from bulkio.catalog.plan import CatalogPlan, build_catalog_plan
from bulkio.catalog.state import fetch_catalog_state
from bulkio.catalog.terms import TermIndex
from bulkio.mapping import load_mapping
from bulkio.mapping.model import Mapping


@dataclass
class CatalogRun:
    feed: CatalogFeed
    plan: CatalogPlan
    result: CatalogResult | None = None


def plan_catalog(
    client: Any, mapping: Mapping, source: str | Path, *, concurrency: int = 4
) -> CatalogRun:
    """Read the feed and the store (terms once, products by SKU, variations per parent)."""
    feed = read_feed(mapping, source)
    if feed.units:
        convert_units(feed, store_units(client, {kind for kind in _unit_kinds(feed)}))
    if any(i.shipping_class for item in feed.items for i in (item, *item.variations)):
        classes: list[dict[str, Any]] = []
        params = {"_fields": "id,name,slug", "orderby": "id", "order": "asc"}
        for page in client.iter_pages("products/shipping_classes", params=params, per_page=100):
            classes.extend(page)
        resolve_shipping_classes(feed, classes)
    categories = TermIndex.load(client, "categories")
    tags = TermIndex.load(client, "tags")
    global_names = sorted({a.name for item in feed.items for a in item.attributes if a.is_global})
    attributes = AttributeIndex.load(client, global_names)
    on_trashed = getattr(mapping.target, "on_trashed", None) or "restore"
    state = fetch_catalog_state(client, feed, concurrency=concurrency, on_trashed=on_trashed)
    return CatalogRun(feed, build_catalog_plan(feed, state, categories, tags, attributes))


UNIT_SETTINGS = {"weight": "woocommerce_weight_unit", "dimension": "woocommerce_dimension_unit"}


def _unit_kinds(feed: CatalogFeed) -> list[str]:
    return sorted({"weight" if name == "weight" else "dimension" for name in feed.units})


def store_units(client: Any, kinds: set[str]) -> dict[str, str]:
    """The store's weight / dimension units, from its product settings (one read:
    ``settings/products``); a unit the store does not tell (no such route, no permission) is
    left out."""
    from bulkio.store import WooError

    try:
        answer = client.get("settings/products")
    except WooError:
        return {}
    values = {
        str(entry.get("id")): entry.get("value")
        for entry in (answer if isinstance(answer, list) else [])
        if isinstance(entry, dict)
    }
    units: dict[str, str] = {}
    for kind in sorted(kinds):
        value = values.get(UNIT_SETTINGS[kind])
        if isinstance(value, str) and value:
            units[kind] = value
    return units


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
        mapping = load_mapping(mapping)
    run = plan_catalog(client, mapping, source, concurrency=concurrency)
    if not dry_run and run.plan.has_changes:
        run.result = apply_catalog_plan(
            client, run.plan, concurrency=concurrency, batch_size=batch_size
        )
    return run
