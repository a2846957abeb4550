"""Global attributes (``pa_`` taxonomies) by name, and their terms, created before products.

The feed names a global attribute by its label (``Attribute 1 global = 1``, name ``Color``).
The store's attributes are read once (``products/attributes`` answers all of them at once),
and the terms of each attribute the feed uses (``products/attributes/<id>/terms``, 100 a
page). Attributes and terms the store lacks are planned as placeholders (``$attr:color``)
and created by apply — attributes first, then their terms, batched — before any product
refers to them. Names match without case and after decoding HTML entities, as terms do; a
create answered with ``term_exists`` takes ``resource_id``, one answered with a slug clash
re-reads the attribute list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bulkio.catalog.terms import name_key

ATTRIBUTE_PLACEHOLDER = "$attr:"


def is_attribute_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(ATTRIBUTE_PLACEHOLDER)


@dataclass
class PendingAttribute:
    key: str
    name: str


@dataclass
class PendingAttributeTerm:
    attribute: int | str
    """The attribute's id, or its placeholder."""
    attribute_name: str
    name: str


@dataclass
class AttributeIndex:
    ids: dict[str, int] = field(default_factory=dict)
    """name key (label or ``pa_`` slug) → attribute id."""
    terms: dict[int, set[str]] = field(default_factory=dict)
    """attribute id → name keys of its terms."""
    pending: dict[str, PendingAttribute] = field(default_factory=dict)
    pending_terms: dict[tuple[str, str], PendingAttributeTerm] = field(default_factory=dict)
    reads: int = 0

    @classmethod
    def load(cls, client: Any, names: list[str]) -> AttributeIndex:
        """Read the store's attributes, and the terms of those among ``names`` (labels)."""
        index = cls()
        if not names:
            return index
        index.add_attributes(client.get("products/attributes"))
        index.reads += 1
        wanted = {index.ids[name_key(n)] for n in names if name_key(n) in index.ids}
        for attribute_id in sorted(wanted):
            found: set[str] = set()
            params = {"_fields": "id,name,slug", "orderby": "id", "order": "asc"}
            route = f"products/attributes/{attribute_id}/terms"
            for page in client.iter_pages(route, params=params, per_page=100):
                index.reads += 1
                found.update(name_key(str(term.get("name", ""))) for term in page)
            index.terms[attribute_id] = found
        return index

    def add_attributes(self, attributes: list[dict[str, Any]]) -> None:
        for attribute in attributes:
            attribute_id = int(attribute["id"])
            self.ids.setdefault(name_key(str(attribute.get("name", ""))), attribute_id)
            self.ids.setdefault(name_key(str(attribute.get("slug", ""))), attribute_id)

    def ref(self, name: str) -> int | str:
        key = name_key(name)
        if key in self.ids:
            return self.ids[key]
        placeholder = f"{ATTRIBUTE_PLACEHOLDER}{key}"
        self.pending.setdefault(placeholder, PendingAttribute(placeholder, name.strip()))
        return placeholder

    def need(self, name: str, options: list[str]) -> int | str:
        """The attribute's id (or placeholder), planning any of ``options`` it lacks."""
        ref = self.ref(name)
        known = self.terms.get(ref, set()) if isinstance(ref, int) else set()
        for option in options:
            key = name_key(option)
            if key in known or (str(ref), key) in self.pending_terms:
                continue
            self.pending_terms[(str(ref), key)] = PendingAttributeTerm(ref, name.strip(), option)
        return ref


@dataclass
class AttributeCreation:
    ids: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    created: int = 0
    terms_created: int = 0
    terms_failed: list[str] = field(default_factory=list)


def create_attributes(
    client: Any,
    pending: list[PendingAttribute],
    terms: list[PendingAttributeTerm],
    *,
    batch_size: int = 100,
) -> AttributeCreation:
    result = AttributeCreation()
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        answer = client.batch("products/attributes", create=[{"name": p.name} for p in chunk])
        clashed: list[PendingAttribute] = []
        for wanted, item in zip(chunk, answer.create, strict=True):
            if item.ok and item.data.get("id"):
                result.ids[wanted.key] = int(item.data["id"])
                result.created += 1
            else:
                clashed.append(wanted)
        if clashed:  # made meanwhile (or by a retried batch): find it by name / slug
            index = AttributeIndex()
            index.add_attributes(client.get("products/attributes"))
            for wanted in clashed:
                found = index.ids.get(name_key(wanted.name))
                if found is None:
                    result.failed[wanted.key] = f"attribute {wanted.name!r} could not be created"
                else:
                    result.ids[wanted.key] = found
    by_attribute: dict[int, list[PendingAttributeTerm]] = {}
    for term in terms:
        ref = term.attribute
        attribute_id = ref if isinstance(ref, int) else result.ids.get(ref)
        if attribute_id is None:
            result.terms_failed.append(f"{term.attribute_name}: {term.name}")
            continue
        by_attribute.setdefault(attribute_id, []).append(term)
    for attribute_id, wanted_terms in by_attribute.items():
        for start in range(0, len(wanted_terms), batch_size):
            term_chunk = wanted_terms[start : start + batch_size]
            answer = client.batch(
                f"products/attributes/{attribute_id}/terms",
                create=[{"name": term.name} for term in term_chunk],
            )
            for term, item in zip(term_chunk, answer.create, strict=True):
                if item.ok or (item.error is not None and item.error.code == "term_exists"):
                    result.terms_created += int(item.ok)
                else:
                    result.terms_failed.append(f"{term.attribute_name}: {term.name}")
    return result


def substitute_attributes(
    payload: dict[str, Any], ids: dict[str, int]
) -> tuple[dict[str, Any], str]:
    """Swap attribute placeholders for ids in ``attributes`` / ``default_attributes``."""
    result = dict(payload)
    for name in ("attributes", "default_attributes"):
        if name not in result:
            continue
        items = []
        for attribute in result[name]:
            ref = attribute.get("id")
            if is_attribute_placeholder(ref):
                if ref not in ids:
                    return result, str(ref)
                attribute = {**attribute, "id": ids[str(ref)]}
            items.append(attribute)
        result[name] = items
    return result, ""
