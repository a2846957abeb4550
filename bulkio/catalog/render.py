"""The catalog plan and result as text people read (the dry-run output).

Every value from the feed or the store (SKUs, names, terms, changes, notes) goes through
:func:`bulkio.terminal.printable`: control characters are shown escaped, never written raw.
"""

from __future__ import annotations

from bulkio.catalog.apply import CatalogResult
from bulkio.catalog.plan import CatalogOp, CatalogPlan
from bulkio.terminal import printable

_NOUN = {"categories": "category", "tags": "tag", "brands": "brand"}


def _op_lines(op: CatalogOp, indent: str, *, verb: str) -> list[str]:
    if op.action == "unchanged":
        return []
    where = f"line {op.line}"
    ident = f" #{op.id}" if op.id else ""
    sku = printable(op.sku) if op.sku else "(no SKU)"
    lines = [f"{indent}{verb}{op.action} {op.level} {sku}{ident} ({where})"]
    for change in op.changes:
        field, old, new = (printable(str(part)) for part in (change.field, change.old, change.new))
        if op.action == "create":
            lines.append(f"{indent}    {field} = {new}")
        else:
            lines.append(f"{indent}    {field}: {old} → {new}")
    return lines


def render_catalog_plan(plan: CatalogPlan, *, dry_run: bool = True) -> str:
    verb = "would " if dry_run else ""
    lines: list[str] = []
    for term in plan.terms:
        lines.append(f"{verb}create {_NOUN[term.resource]} {printable(term.label)}")
    for attribute in plan.attributes:
        lines.append(f"{verb}create attribute {printable(attribute.name)}")
    for value in plan.attribute_terms:
        lines.append(
            f"{verb}create term {printable(value.name)} of attribute "
            f"{printable(value.attribute_name)}"
        )
    for op in plan.products:
        lines.extend(_op_lines(op, "", verb=verb))
        for variation in op.variations:
            lines.extend(_op_lines(variation, "  ", verb=verb))
    lines.extend(f"note: {printable(note)}" for note in plan.notes)
    lines.append(render_catalog_summary(plan))
    return "\n".join(lines)


def render_catalog_summary(plan: CatalogPlan) -> str:
    c = plan.counts()
    return (
        f"terms to create: {c['terms']}; global attributes / their terms to create: "
        f"{c['attributes']} / {c['attribute_terms']}; products: {c['product_create']} create, "
        f"{c['product_update']} update, {c['product_unchanged']} unchanged; variations: "
        f"{c['variation_create']} create, {c['variation_update']} update, "
        f"{c['variation_unchanged']} unchanged; rejected rows: {c['rejected']}"
    )


def render_catalog_result(result: CatalogResult) -> str:
    c = result.counts()
    lines = [
        f"terms created: {c['terms_created']} (failed {c['terms_failed']}); products: "
        f"{c['product_created']} created, {c['product_updated']} updated, "
        f"{c['product_failed']} failed; variations: {c['variation_created']} created, "
        f"{c['variation_updated']} updated, {c['variation_failed']} failed; "
        f"{result.requests} requests ({result.writes} writes) in {result.seconds:.1f} s"
    ]
    for key, why in result.terms.failed.items():
        lines.append(f"term not created: {printable(str(why))} ({printable(str(key))})")
    for outcome in result.problems:
        lines.append(
            f"failed line {outcome.line} SKU {printable(repr(outcome.sku))}: "
            f"{printable(str(outcome.message))} [{outcome.code}]"
        )
    return "\n".join(lines)
