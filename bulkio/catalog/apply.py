"""Send a catalog plan: terms first (parents before children), then products, then variations.

Products and variations go through :func:`bulkio.apply.apply_plan` (chunking, concurrency, 413
shrinking, retried-batch reconciliation); variations carry their parent's id, so that function
writes them through ``products/<parent>/variations/batch``, grouped by parent — the same path
stock feeds use. A product that fails takes its variations with it (``parent-failed``); a
product whose category could not be created fails with the reason.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bulkio.apply import DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, ItemOutcome, apply_plan
from bulkio.catalog.attributes import AttributeCreation, create_attributes, substitute_attributes
from bulkio.catalog.plan import IMAGE_SOURCES_META, CatalogOp, CatalogPlan
from bulkio.catalog.terms import TermCreation, create_pending, is_placeholder
from bulkio.plan.model import Plan, PlanItem


@dataclass
class CatalogResult:
    terms: TermCreation
    attributes: AttributeCreation = field(default_factory=AttributeCreation)
    products: list[ItemOutcome] = field(default_factory=list)
    variations: list[ItemOutcome] = field(default_factory=list)
    links: list[ItemOutcome] = field(default_factory=list)
    """The second write of products whose upsells / cross-sells / grouped products name
    products this run created."""
    images: list[ItemOutcome] = field(default_factory=list)
    """Images the store could not fetch (code ``image-not-fetched``): the product or
    variation was written without them, and the next run tries them again."""
    requests: int = 0
    writes: int = 0
    seconds: float = 0.0

    @property
    def problems(self) -> list[ItemOutcome]:
        return [
            o
            for o in (*self.products, *self.variations, *self.links, *self.images)
            if o.outcome in ("failed", "refused")
        ]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {
            "terms_created": len(self.terms.created) + len(self.terms.existing),
            "terms_failed": len(self.terms.failed),
            "attributes_created": self.attributes.created,
            "attribute_terms_created": self.attributes.terms_created,
            "attributes_failed": len(self.attributes.failed) + len(self.attributes.terms_failed),
        }
        for level, outcomes in (("product", self.products), ("variation", self.variations)):
            for outcome in ("created", "updated", "failed"):
                counts[f"{level}_{outcome}"] = sum(1 for o in outcomes if o.outcome == outcome)
        return counts


def _substitute(payload: dict[str, Any], ids: dict[str, int]) -> tuple[dict[str, Any], str]:
    """Replace term placeholders by ids; the first placeholder without an id is returned."""
    result = dict(payload)
    for name in ("categories", "tags", "brands"):
        if name not in result:
            continue
        terms = []
        for term in result[name]:
            ref = term["id"]
            if is_placeholder(ref):
                if ref not in ids:
                    return result, ref
                ref = ids[ref]
            terms.append({"id": ref})
        result[name] = terms
    return result, ""


def _item(op: CatalogOp, payload: dict[str, Any], parent_id: int | None) -> PlanItem:
    if op.action == "update":
        payload = {"id": op.id, **payload}
    return PlanItem(
        "create" if op.action == "create" else "update",
        op.line,
        op.sku,
        op.id,
        op.base_modified,
        None,
        list(op.field_changes),
        payload,
        None,
        parent_id,
    )


def _sends(op: CatalogOp) -> bool:
    """Whether a product op has a first write (an update may only add links to new products)."""
    return op.action == "create" or bool(op.payload)


def _apply_links(
    client: Any, plan: CatalogPlan, result: CatalogResult, *, concurrency: int, batch_size: int
) -> None:
    """Upsells / cross-sells / grouped products naming products created in this run: now that
    those have ids, write the lists (one ``products/batch`` update per product)."""
    ids_by_sku = {
        o.sku.casefold(): o.id
        for o in result.products
        if o.outcome in ("created", "updated") and o.id is not None
    }
    link_plan = Plan(resource="product")
    for op in plan.products:
        if not op.links:
            continue
        product_id = op.id if op.id is not None else ids_by_sku.get(op.sku.casefold())
        if product_id is None:
            continue  # the product itself failed, and is reported
        payload: dict[str, Any] = {"id": product_id}
        missing = ""
        for name, refs in op.links.items():
            ids: list[int] = []
            for ref in refs:
                found = ref if isinstance(ref, int) else ids_by_sku.get(ref.casefold())
                if found is None:
                    missing = str(ref)
                    break
                ids.append(found)
            if missing:
                break
            payload[name] = ids
        if missing:
            result.links.append(
                ItemOutcome(
                    op.line,
                    op.sku,
                    "update",
                    "failed",
                    product_id,
                    "link-not-created",
                    f"{missing!r} was not created, so it cannot be linked",
                )
            )
            continue
        link_plan.updates.append(
            PlanItem("update", op.line, op.sku, product_id, None, None, [], payload, None, None)
        )
    if link_plan.writes:
        outcome = apply_plan(client, link_plan, concurrency=concurrency, batch_size=batch_size)
        result.links.extend(outcome.outcomes)


IMAGE_ERROR_SUFFIX = "_image_upload_error"
"""``woocommerce_product_image_upload_error`` (products), ``…variation_image…`` (variations):
the store could not fetch an image, and refused the whole item for it."""


def _without_failed_images(payload: dict[str, Any], message: str) -> tuple[dict[str, Any], str]:
    """The payload without the image(s) the store could not fetch (the ones its message
    names; all new ones when it names none), the remembered source list cut to what remains.
    Returns the payload and the URL(s) dropped ("" when there was nothing to drop)."""
    result = dict(payload)
    sources: list[str] = []
    for entry in result.get("meta_data") or ():
        if entry.get("key") == IMAGE_SOURCES_META:
            try:
                sources = list(json.loads(entry["value"]))
            except (ValueError, TypeError):
                sources = []
    if "image" in result:
        entries = [result["image"]] if result["image"] else []
    else:
        entries = list(result.get("images") or ())
    if len(sources) != len(entries):
        sources = [str(e.get("src", "")) for e in entries]
    named = [n for n, e in enumerate(entries) if e.get("src") and str(e["src"]) in message]
    failed = named or [n for n, e in enumerate(entries) if e.get("src")]
    if not failed:
        return result, ""
    kept = [
        (url, e) for n, (url, e) in enumerate(zip(sources, entries, strict=True)) if n not in failed
    ]
    if "image" in result:
        result["image"] = kept[0][1] if kept else {}
    else:
        result["images"] = [{**e, "position": n} for n, (_, e) in enumerate(kept)]
    result["meta_data"] = [
        {"key": IMAGE_SOURCES_META, "value": json.dumps([url for url, _ in kept])}
        if entry.get("key") == IMAGE_SOURCES_META
        else entry
        for entry in result.get("meta_data") or ()
    ]
    return result, ", ".join(sources[n] for n in failed)


def _apply_keeping_items(
    client: Any,
    plan: Plan,
    result: CatalogResult,
    *,
    concurrency: int,
    batch_size: int,
    sent: dict[int, PlanItem] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ItemOutcome]:
    """Apply a product or variation plan; an item the store refused only because it could
    not fetch one of its images is sent again without that image (and so on, once per
    image), so that a dead image URL never costs the product — nor, for a parent, its
    variations. Each dropped image is reported (``result.images``); the remembered source
    list holds only the images set, so the next run tries the others again."""
    items = {item.line: item for item in (*plan.creates, *plan.updates)}
    outcomes = {
        o.line: o
        for o in apply_plan(
            client, plan, concurrency=concurrency, batch_size=batch_size, progress=progress
        ).outcomes
    }
    for _ in range(20):  # one round per image at most (a product has few)
        retry = Plan(resource=plan.resource)
        for line, outcome in outcomes.items():
            item = items.get(line)
            if (
                item is None
                or outcome.outcome != "failed"
                or not (outcome.code or "").endswith(IMAGE_ERROR_SUFFIX)
            ):
                continue
            payload, dropped = _without_failed_images(item.payload, outcome.message or "")
            if not dropped:
                continue
            result.images.append(
                ItemOutcome(
                    line,
                    item.sku,
                    "image",
                    "failed",
                    item.id,
                    "image-not-fetched",
                    f"image {dropped} not set: {outcome.message} (the "
                    f"{'product' if item.parent_id is None else 'variation'} was written "
                    "without it; the next run tries it again)",
                )
            )
            items[line] = replace(item, payload=payload)
            (retry.creates if item.action == "create" else retry.updates).append(items[line])
        if not retry.writes:
            break
        again = apply_plan(client, retry, concurrency=concurrency, batch_size=batch_size)
        outcomes.update({o.line: o for o in again.outcomes})
    if sent is not None:
        sent.update(items)
    return list(outcomes.values())


def _src_urls(payload: dict[str, Any]) -> list[str]:
    entries = [payload["image"]] if payload.get("image") else list(payload.get("images") or ())
    return [str(entry["src"]) for entry in entries if isinstance(entry, dict) and entry.get("src")]


def _media_from_products(
    client: Any, sent: dict[int, PlanItem], outcomes: list[ItemOutcome], wanted: set[str]
) -> dict[str, int]:
    """URL → media id of the images this run's product writes downloaded, for the URLs in
    ``wanted`` (a variation showing its parent's image): one read of those products (100 a
    request) instead of a download, and a duplicate, per variation."""
    ids: dict[int, PlanItem] = {}
    for outcome in outcomes:
        item = sent.get(outcome.line)
        if (
            item is not None
            and outcome.id is not None
            and outcome.outcome in ("created", "updated")
            and wanted & set(_src_urls(item.payload))
        ):
            ids[outcome.id] = item
    found: dict[str, int] = {}
    chosen = sorted(ids)
    for start in range(0, len(chosen), 100):
        chunk = chosen[start : start + 100]
        answer = client.get(
            "products",
            params={"include": ",".join(map(str, chunk)), "_fields": "id,images", "per_page": 100},
        )
        for product in answer or ():
            item = ids.get(int(product.get("id") or 0))
            entries = list(item.payload.get("images") or ()) if item is not None else []
            held = list(product.get("images") or ())
            if len(entries) != len(held):
                continue
            for entry, image in zip(entries, held, strict=True):
                if entry.get("src") and image.get("id"):
                    found.setdefault(str(entry["src"]), int(image["id"]))
    return found


def _reuse_media(payload: dict[str, Any], media: dict[str, int]) -> dict[str, Any]:
    """The payload with each image ``src`` that ``media`` knows named by its media id."""
    image = payload.get("image")
    if isinstance(image, dict) and str(image.get("src", "")) in media:
        return {**payload, "image": {"id": media[str(image["src"])]}}
    images = payload.get("images")
    if isinstance(images, list) and any(str(e.get("src", "")) in media for e in images):
        named = [
            {"id": media[str(e["src"])], "position": e.get("position", n)}
            if str(e.get("src", "")) in media
            else e
            for n, e in enumerate(images)
        ]
        return {**payload, "images": named}
    return payload


def _split_shared_images(plan: Plan) -> tuple[Plan, Plan]:
    """Product writes in two waves: the second holds the items naming a new image URL an
    earlier item (in file order) names too, so that they can take the media the first wave
    downloaded instead of a copy each (WooCommerce's importer reuses media by source URL)."""
    first, second = Plan(resource=plan.resource), Plan(resource=plan.resource)
    owned: set[str] = set()
    for item in sorted(plan.writes, key=lambda i: i.line):
        urls = set(_src_urls(item.payload))
        wave = second if urls & owned else first
        owned |= urls
        (wave.creates if item.action == "create" else wave.updates).append(item)
    return first, second


def apply_catalog_plan(
    client: Any,
    plan: CatalogPlan,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> CatalogResult:
    """Create the terms and attributes, then write products, variations and links.
    ``progress`` hears the products and variations written (progress bars)."""
    started = time.monotonic()
    before_requests = client.stats.requests
    before_writes = client.stats.writes
    terms = create_pending(client, plan.terms, batch_size=batch_size)
    result = CatalogResult(terms)
    if plan.attributes or plan.attribute_terms:
        result.attributes = create_attributes(
            client, plan.attributes, plan.attribute_terms, batch_size=batch_size
        )
    attribute_ids = result.attributes.ids

    product_plan = Plan(resource="product")
    failed_terms: list[ItemOutcome] = []
    for op in plan.products:
        if op.action == "unchanged" or not _sends(op):
            continue
        payload, missing = _substitute(op.payload, terms.ids)
        if not missing:
            payload, missing = substitute_attributes(payload, attribute_ids)
        if missing:
            why = (
                terms.failed.get(missing)
                or result.attributes.failed.get(missing)
                or (f"{missing} not created")
            )
            failed_terms.append(
                ItemOutcome(op.line, op.sku, op.action, "failed", op.id, "term-not-created", why)
            )
            continue
        item = _item(op, payload, None)
        (product_plan.creates if op.action == "create" else product_plan.updates).append(item)
    sent: dict[int, PlanItem] = {}
    product_outcomes: list[ItemOutcome] = []
    first_wave, second_wave = _split_shared_images(product_plan)
    for wave in (first_wave, second_wave):
        if not wave.writes:
            continue
        if wave is second_wave:
            wanted = {url for item in wave.writes for url in _src_urls(item.payload)}
            media = _media_from_products(client, sent, product_outcomes, wanted)
            for item in wave.writes:
                item.payload = _reuse_media(item.payload, media)
        product_outcomes += _apply_keeping_items(
            client,
            wave,
            result,
            concurrency=concurrency,
            batch_size=batch_size,
            sent=sent,
            progress=progress,
        )
    outcomes = [*failed_terms, *product_outcomes]
    result.products = sorted(outcomes, key=lambda o: o.line)
    by_line = {o.line: o for o in outcomes}

    variation_plan = Plan(resource="product")
    for op in plan.products:
        parent_id = op.id
        if op.action != "unchanged" and _sends(op):
            outcome = by_line.get(op.line)
            if outcome is None or outcome.outcome not in ("created", "updated"):
                reason = outcome.message if outcome else "not sent"
                for variation in op.variations:
                    if variation.action != "unchanged":
                        result.variations.append(
                            ItemOutcome(
                                variation.line,
                                variation.sku,
                                variation.action,
                                "failed",
                                None,
                                "parent-failed",
                                f"parent {op.sku!r} failed: {reason}",
                            )
                        )
                continue
            parent_id = outcome.id
        for variation in op.variations:
            if variation.action == "unchanged":
                continue
            payload, missing = substitute_attributes(dict(variation.payload), attribute_ids)
            if missing:
                result.variations.append(
                    ItemOutcome(
                        variation.line,
                        variation.sku,
                        variation.action,
                        "failed",
                        variation.id,
                        "term-not-created",
                        result.attributes.failed.get(missing, f"{missing} not created"),
                    )
                )
                continue
            item = _item(variation, payload, parent_id)
            (
                variation_plan.creates if variation.action == "create" else variation_plan.updates
            ).append(item)
    wanted = {url for item in variation_plan.writes for url in _src_urls(item.payload)}
    if wanted and sent:
        media = _media_from_products(client, sent, product_outcomes, wanted)
        if media:
            for item in variation_plan.writes:
                item.payload = _reuse_media(item.payload, media)
    if variation_plan.writes:
        result.variations.extend(
            _apply_keeping_items(
                client,
                variation_plan,
                result,
                concurrency=concurrency,
                batch_size=batch_size,
                progress=progress,
            )
        )
    result.images.sort(key=lambda o: o.line)
    result.variations.sort(key=lambda o: o.line)
    _apply_links(client, plan, result, concurrency=concurrency, batch_size=batch_size)
    result.requests = client.stats.requests - before_requests
    result.writes = client.stats.writes - before_writes
    result.seconds = time.monotonic() - started
    return result
