"""Categories and tags by name: read once per run, missing ones planned and created in order.

Names match the way WordPress matches them when it refuses a duplicate (``wp_insert_term`` /
``term_exists``): without case, within the same parent for categories (a hierarchical
taxonomy) and across the taxonomy for tags. The REST API answers names as stored, i.e. with
HTML entities (``Shirts &amp; Tops``), so names are compared after decoding entities.

A term the store lacks gets a *placeholder* (``"$term:categories:clothing>shirts"``) in plan
payloads; apply creates the terms (parents before children, batched) and swaps the
placeholders for the new ids. A create answered with ``term_exists`` (someone else created it
meanwhile, or a retried batch already did) takes the id from ``data.resource_id``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PLACEHOLDER = "$term:"
HIERARCHICAL = ("categories", "brands")
"""Taxonomies whose terms have parents (product_cat, product_brand); tags are flat."""
TermRef = int | str
"""A term id, or a placeholder for a term apply will create."""


def name_key(name: str) -> str:
    return " ".join(html.unescape(name).split()).casefold()


@dataclass
class PendingTerm:
    key: str
    """The placeholder: ``$term:<resource>:<path of name keys joined by '>'>``."""
    resource: str
    name: str
    parent: TermRef
    depth: int
    label: str
    """The path as people read it: ``Clothing > Shirts``."""


@dataclass
class TermIndex:
    """All terms of one taxonomy (``categories`` or ``tags``) as read from the store."""

    resource: str
    by_parent_name: dict[tuple[int, str], int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    parents: dict[int, int] = field(default_factory=dict)
    pending: dict[str, PendingTerm] = field(default_factory=dict)
    reads: int = 0

    @property
    def hierarchical(self) -> bool:
        return self.resource in HIERARCHICAL

    def add(self, term: dict[str, Any]) -> None:
        term_id = int(term["id"])
        parent = int(term.get("parent") or 0) if self.hierarchical else 0
        name = str(term.get("name", ""))
        self.names[term_id] = html.unescape(name)
        self.parents[term_id] = parent
        self.by_parent_name.setdefault((parent, name_key(name)), term_id)

    @classmethod
    def load(cls, client: Any, resource: str) -> TermIndex:
        """Every term, page by page (``_fields=id,name,parent,slug``): one read per 100 terms."""
        index = cls(resource)
        params = {"_fields": "id,name,parent,slug", "orderby": "id", "order": "asc"}
        for items in client.iter_pages(f"products/{resource}", params=params, per_page=100):
            index.reads += 1
            for term in items:
                index.add(term)
        return index

    @classmethod
    def load_brands(cls, client: Any, mapping_path: str, key: str) -> TermIndex:
        """The store's brands (``products/brands``, WooCommerce 9.6 and later). A store without
        that route cannot take brands: a UsageError naming the mapping key, before anything
        is read or written for the feed."""
        from bulkio.errors import UsageError
        from bulkio.store.errors import WooError

        try:
            return cls.load(client, "brands")
        except WooError as exc:
            if exc.status not in (404, 400) and exc.code != "rest_no_route":
                raise
            raise UsageError(
                f"{mapping_path}: [{key}]: this store has no brands (products/brands answered "
                f"{exc.status} {exc.code}); brands are part of WooCommerce from version 9.6",
                hint="update WooCommerce to 9.6 or later, or remove the brands key from the "
                "mapping",
            ) from None

    def path_of(self, term_id: int) -> tuple[str, ...]:
        """The names from the root down to ``term_id`` (entities decoded)."""
        path: list[str] = []
        seen: set[int] = set()
        while term_id and term_id not in seen and term_id in self.names:
            seen.add(term_id)
            path.append(self.names[term_id])
            term_id = self.parents.get(term_id, 0)
        return tuple(reversed(path))

    def resolve(self, path: tuple[str, ...]) -> TermRef:
        """The id of the term at ``path``, or a placeholder for the one(s) to create."""
        if not self.hierarchical:
            path = (" > ".join(path),) if len(path) > 1 else path
        parent: TermRef = 0
        keys: list[str] = []
        for depth, name in enumerate(path):
            keys.append(name_key(name))
            if isinstance(parent, int):
                found = self.by_parent_name.get((parent, name_key(name)))
                if found is not None:
                    parent = found
                    continue
            key = f"{PLACEHOLDER}{self.resource}:{'>'.join(keys)}"
            if key not in self.pending:
                label = " > ".join(part.strip() for part in path[: depth + 1])
                self.pending[key] = PendingTerm(
                    key, self.resource, name.strip(), parent, depth, label
                )
            parent = key
        return parent

    def created(self, pending: PendingTerm, term_id: int) -> None:
        parent = pending.parent if isinstance(pending.parent, int) else 0
        self.add({"id": term_id, "name": pending.name, "parent": parent})


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PLACEHOLDER)


@dataclass
class TermCreation:
    ids: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    """placeholder → why it could not be created."""
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    """Placeholders answered with ``term_exists`` (someone else created them first)."""


def create_pending(
    client: Any,
    pending: list[PendingTerm],
    *,
    batch_size: int = 100,
    on_created: Callable[[PendingTerm, int], None] | None = None,
) -> TermCreation:
    """Create the terms in ``pending``: level by level (parents first), batched."""
    result = TermCreation()
    by_depth: dict[tuple[str, int], list[PendingTerm]] = {}
    for term in pending:
        by_depth.setdefault((term.resource, term.depth), []).append(term)
    for (resource, _depth), terms in sorted(by_depth.items(), key=lambda kv: kv[0][1]):
        ready: list[tuple[PendingTerm, dict[str, Any]]] = []
        for term in terms:
            parent = term.parent
            if isinstance(parent, str):
                if parent in result.failed:
                    result.failed[term.key] = (
                        f"its parent could not be created: {result.failed[parent]}"
                    )
                    continue
                parent = result.ids[parent]
            body: dict[str, Any] = {"name": term.name}
            if resource in HIERARCHICAL:
                body["parent"] = parent
            ready.append((term, body))
        for start in range(0, len(ready), batch_size):
            chunk = ready[start : start + batch_size]
            answer = client.batch(f"products/{resource}", create=[body for _, body in chunk])
            for (term, _body), item in zip(chunk, answer.create, strict=True):
                term_id: int | None = None
                if item.ok and item.data.get("id"):
                    term_id = int(item.data["id"])
                    result.created.append(term.key)
                elif item.error is not None and item.error.code == "term_exists":
                    found = (item.error.data or {}).get("resource_id")
                    if found:
                        term_id = int(found)
                        result.existing.append(term.key)
                if term_id is None:
                    message = item.error.message if item.error is not None else "no id answered"
                    result.failed[term.key] = f"{term.label}: {message}"
                    continue
                result.ids[term.key] = term_id
                if on_created is not None:
                    on_created(term, term_id)
    return result
