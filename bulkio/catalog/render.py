"""A catalog plan and result in the one diff format (:mod:`bulkio.plan.render`).

The catalog planner knows more than a flat plan says: which item is a variation of which
product, and which terms and attributes are created before any product. :func:`catalog_layout`
hands that to the shared printer, so a catalog dry run reads exactly like any other import
(``+ SKU TEE  (line 2) create product``, variations indented under it, ``+ category "…"
create`` first). Every value from the feed or the store goes through
:func:`bulkio.terminal.printable` there.
"""

from __future__ import annotations

from bulkio.catalog.apply import CatalogResult
from bulkio.catalog.changes import op_changes
from bulkio.catalog.plan import CatalogOp, CatalogPlan
from bulkio.plan.model import Plan, PlanItem
from bulkio.plan.render import Layout, Pending, Shape, render_diff, render_summary
from bulkio.terminal import printable

_NOUN = {"categories": "category", "tags": "tag", "brands": "brand"}


def _item(op: CatalogOp) -> PlanItem:
    return PlanItem(
        "create" if op.action == "create" else "update",
        op.line,
        op.sku,
        op.id,
        changes=op_changes(op),
    )


def catalog_layout(plan: CatalogPlan) -> Layout:
    """The catalog's writes in display order: terms and attributes first, then each product
    with its variations indented under it (a variation whose product is unchanged stands
    alone, still naming its product)."""
    pending = [Pending(_NOUN.get(t.resource, t.resource), t.label) for t in plan.terms]
    pending += [Pending("attribute", a.name) for a in plan.attributes]
    pending += [Pending("term", v.name, of=v.attribute_name) for v in plan.attribute_terms]
    entries: list[tuple[PlanItem, Shape]] = []
    for op in plan.products:
        if op.action in ("create", "update"):
            entries.append((_item(op), Shape("product")))
        for variation in op.variations:
            if variation.action in ("create", "update"):
                parent = op.sku or (f"#{op.id}" if op.id else None)
                entries.append((_item(variation), Shape("variation", parent, depth=1)))
    return Layout(entries, pending)


def _structured(plan: CatalogPlan) -> bool:
    """Whether the plan has more than flat products: variations, or terms and attributes to
    create first (a flat feed's summary and result need no breakdown)."""
    return bool(
        plan.terms
        or plan.attributes
        or plan.attribute_terms
        or any(op.variations for op in plan.products)
    )


def catalog_details(plan: CatalogPlan) -> str | None:
    """The summary's breakdown: products, variations, and what is created before them
    (None for a plan of flat products, whose counts the summary line says already)."""
    if not _structured(plan):
        return None
    c = plan.counts()
    text = "; ".join(
        f"{level}s: {c[level + '_create']} to create, {c[level + '_update']} to update, "
        f"{c[level + '_unchanged']} unchanged"
        for level in ("product", "variation")
    )
    first = [
        (c["terms"], "term(s)"),
        (c["attributes"], "global attribute(s)"),
        (c["attribute_terms"], "attribute term(s)"),
    ]
    created_first = ", ".join(f"{n} {what}" for n, what in first if n)
    if created_first:
        text += f"; created first: {created_first}"
    return text


def render_catalog_plan(
    plan: CatalogPlan,
    *,
    view: Plan | None = None,
    colour: bool = False,
    limit: int | None = None,
) -> str:
    """The catalog plan as every plan is shown: the diff, its notes and the summary line.

    ``view`` is the plan as the engine sees it (:func:`bulkio.engine.view.plan_view`: line
    unit, trashed SKUs, missing products, counts); without it, a plan of CSV lines."""
    view = view or _bare_view(plan)
    text = render_diff(view, colour=colour, limit=limit, layout=catalog_layout(plan))
    lines = [text] if text else []
    lines.extend(f"note: {printable(note)}" for note in plan.notes)
    lines.append(render_summary(view, details=catalog_details(plan)))
    return "\n".join(lines)


def _bare_view(plan: CatalogPlan) -> Plan:
    view = Plan(rejected=list(plan.rejected))
    for op in plan.every_product():
        for each in (op, *op.variations):
            group = {"create": view.creates, "update": view.updates}.get(each.action)
            (group if group is not None else view.unchanged).append(_item(each))
    return view


def render_catalog_result(result: CatalogResult) -> str:
    """The breakdown of an applied catalog run, after the common ``done:`` lines
    (:func:`bulkio.report.render_result`); failed items are listed with the other problems.
    Empty for a run of flat products (the ``done:`` line says it all)."""
    c = result.counts()
    if not (result.variations or any(c[k] for k in c if k.startswith(("term", "attribute")))):
        return ""
    lines = [
        f"products: {c['product_created']} created, {c['product_updated']} updated, "
        f"{c['product_failed']} failed; variations: {c['variation_created']} created, "
        f"{c['variation_updated']} updated, {c['variation_failed']} failed; terms created: "
        f"{c['terms_created']} (failed {c['terms_failed']}); global attributes / their terms "
        f"created: {c['attributes_created']} / {c['attribute_terms_created']} "
        f"(failed {c['attributes_failed']})"
    ]
    return "\n".join(lines)
