"""Products missing from the feed: what the ``[target] missing`` policy does with them.

A feed that stops listing a product usually means the supplier discontinued it. The mapping
says what to do: ``ignore`` (the default), ``draft``, ``private``, ``out-of-stock`` or
``delete`` (to the trash; needs ``--allow-delete`` as well).

The policy only ever reaches the records the feed **manages**, never the whole store::

    [target]
    missing = "draft"
    manages = { meta = "_bulkio_feed" }          # products bulkio created with this mapping
    # manages = { meta = "_bulkio_feed", value = "supplier-a" }   # explicit marker value
    # manages = { category = 12 }                # everything in category 12
    # manages = { tag = 5 }                      # everything tagged 5

With ``meta``, bulkio writes ``_bulkio_feed = <mapping id>`` (the mapping file's stem unless
``value`` says otherwise) on every product it creates; hand-made products never carry it and are
never touched. A product without a SKU cannot be matched to a feed row and is never touched
either.

The pure part (:func:`plan_missing`) takes the managed records and the feed's SKUs and returns
one :class:`MissingItem` per record to change; records already in the target state produce
nothing, so planning again after applying gives an empty list. The actions are shown in the
plan and bound by the safety limits (``max_hide``, ``max_changes``, ``max_change_share``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from bulkio.errors import MappingError, UsageError
from bulkio.plan.model import MISSING_POLICIES, FieldChange, MissingItem

MissingPolicy = Literal["ignore", "draft", "private", "out-of-stock", "delete"]
DEFAULT_MARKER_KEY = "_bulkio_feed"
MANAGED_FIELDS = "id,sku,status,stock_status,manage_stock,stock_quantity,date_modified_gmt"


@dataclass(frozen=True)
class Manages:
    """Which store records a feed manages: a meta marker, a category or a tag."""

    kind: Literal["meta", "category", "tag"]
    meta_key: str = DEFAULT_MARKER_KEY
    marker: str = ""
    """For ``meta``: the value bulkio writes and looks for (the mapping id)."""
    term_id: int = 0

    @classmethod
    def parse(
        cls,
        raw: Any,
        *,
        mapping_path: str,
        key: str = "target.manages",
        feed: str | None = None,
    ) -> Manages:
        """Read ``[target] manages`` (a TOML inline table); MappingError names the key.

        The meta marker's value defaults to the feed's id (``[target] feed``, else the mapping
        file's stem), the same id that keys the feed's lock and state.
        """
        default_marker = feed or Path(mapping_path).stem or "bulkio"
        if isinstance(raw, str):
            # manages = "meta" → the default marker key
            raw = {"meta": DEFAULT_MARKER_KEY} if raw == "meta" else {raw: None}
        if not isinstance(raw, dict):
            raise MappingError(
                mapping_path,
                key,
                'must be a table: { meta = "_bulkio_feed" }, { category = ID } or { tag = ID }',
            )
        kinds = [k for k in ("meta", "category", "tag") if k in raw]
        unknown = sorted(set(raw) - {"meta", "category", "tag", "value"})
        if unknown:
            raise MappingError(mapping_path, key, f"unknown key(s): {', '.join(unknown)}")
        if len(kinds) != 1:
            raise MappingError(
                mapping_path, key, "give exactly one of meta, category or tag", hint=_HINT
            )
        kind = kinds[0]
        if kind == "meta":
            meta_key = raw["meta"]
            if not isinstance(meta_key, str) or not meta_key.strip():
                raise MappingError(mapping_path, f"{key}.meta", "must be a meta key (text)")
            marker = raw.get("value", default_marker)
            if not isinstance(marker, str) or not marker.strip():
                raise MappingError(mapping_path, f"{key}.value", "must be non-empty text")
            return cls("meta", meta_key=meta_key.strip(), marker=marker.strip())
        if "value" in raw:
            raise MappingError(mapping_path, f"{key}.value", "only makes sense with meta")
        term = raw[kind]
        if isinstance(term, bool) or not isinstance(term, int) or term <= 0:
            raise MappingError(
                mapping_path, f"{key}.{kind}", f"must be a {kind} id (a positive whole number)"
            )
        return cls(kind, term_id=term)  # type: ignore[arg-type]

    def describe(self) -> str:
        if self.kind == "meta":
            return f"products with meta {self.meta_key} = {self.marker!r}"
        return f"products in {self.kind} {self.term_id}"

    def list_params(self) -> dict[str, str]:
        """Query parameters narrowing ``GET products`` to (a superset of) the managed records."""
        fields = MANAGED_FIELDS
        if self.kind == "meta":
            return {"_fields": fields + ",meta_data"}
        if self.kind == "category":
            return {"_fields": fields + ",categories", "category": str(self.term_id)}
        return {"_fields": fields + ",tags", "tag": str(self.term_id)}

    def holds(self, product: dict[str, Any]) -> bool:
        """Whether a product (JSON) is managed (checked client-side too: never trust a filter
        the store might ignore)."""
        if self.kind == "meta":
            for entry in product.get("meta_data") or ():
                if entry.get("key") == self.meta_key and str(entry.get("value")) == self.marker:
                    return True
            return False
        terms = product.get("categories" if self.kind == "category" else "tags")
        if terms is None:
            return False
        return any(_term_id(term) == self.term_id for term in terms)

    def create_payload(self) -> dict[str, Any]:
        """What a create must carry for the new product to be managed (the meta marker)."""
        if self.kind == "meta":
            return {"meta_data": [{"key": self.meta_key, "value": self.marker}]}
        return {}


_HINT = 'e.g. manages = { meta = "_bulkio_feed" } (products bulkio created) or { category = 12 }'


def _term_id(term: Any) -> int | None:
    try:
        return int(term["id"] if isinstance(term, dict) else term)
    except (KeyError, TypeError, ValueError):
        return None


def manages_from_mapping(mapping: Any) -> Manages | None:
    """The mapping's ``[target] manages``, parsed, or None when it has none.

    Accepts an already parsed :class:`Manages` or the raw TOML value.
    """
    target = getattr(mapping, "target", None)
    raw = getattr(target, "manages", None)
    if raw is None or isinstance(raw, Manages):
        return raw
    return Manages.parse(
        raw,
        mapping_path=str(getattr(mapping, "path", "mapping")),
        feed=getattr(target, "feed", None),
    )


def check_policy(
    policy: str, manages: Manages | None, *, allow_delete: bool, mapping_path: str = "mapping"
) -> None:
    """Refuse a policy that would act without a managed scope, or delete without the flag.

    Called before anything is read from the store.
    """
    if policy not in MISSING_POLICIES:
        raise MappingError(
            mapping_path, "target.missing", f"must be one of {', '.join(MISSING_POLICIES)}"
        )
    if policy == "ignore":
        return
    if manages is None:
        raise MappingError(
            mapping_path,
            "target.missing",
            f'missing = "{policy}" needs [target] manages, so that only the records this feed '
            "manages are touched, never everything in the store",
            hint=_HINT,
        )
    if policy == "delete" and not allow_delete:
        raise UsageError(
            f'{mapping_path}: [target.missing] = "delete" moves products missing from the feed '
            "to the trash; that needs --allow-delete on the command line as well",
            hint='add --allow-delete, or use missing = "draft" to hide them instead',
        )


def plan_missing(
    managed: Iterable[dict[str, Any]],
    feed_skus: Iterable[str],
    policy: str,
    *,
    allow_delete: bool = False,
    manages: Manages | None = None,
) -> list[MissingItem]:
    """The actions for managed store records whose SKU the feed does not have.

    ``managed`` is product JSON (``id, sku, status, stock_status, manage_stock,
    stock_quantity, date_modified_gmt`` and, with ``manages``, what :meth:`Manages.holds`
    reads). ``feed_skus`` must include the SKUs of *rejected* rows too: a row with a bad price
    still says the product exists. Records already in the target state give no action.
    """
    if policy == "ignore":
        return []
    if policy == "delete" and not allow_delete:
        raise UsageError('missing = "delete" needs --allow-delete', hint='or use missing = "draft"')
    if policy not in MISSING_POLICIES:
        raise ValueError(f"unknown missing policy {policy!r}")
    # WooCommerce matches SKUs without regard to case; so does this (fewer hides, never more).
    # Only the managed SKUs are kept as a set, the feed's streamed past it: a feed of a
    # million SKUs is far bigger than the few products a feed manages and no longer lists.
    managed = list(managed)
    held = {str(product.get("sku") or "").lower() for product in managed} - {""}
    in_feed = {key for key in (sku.lower() for sku in feed_skus if sku) if key in held}
    del held
    items: list[MissingItem] = []
    seen: set[int] = set()
    for product in managed:
        product_id = int(product["id"])
        sku = str(product.get("sku") or "")
        status = str(product.get("status") or "")
        if product_id in seen or not sku or sku.lower() in in_feed or status == "trash":
            continue
        if manages is not None and not manages.holds(product):
            continue
        seen.add(product_id)
        item = _action(policy, product, product_id, sku, status)
        if item is not None:
            items.append(item)
    items.sort(key=lambda item: (item.sku, item.id))
    return items


def _action(
    policy: str, product: dict[str, Any], product_id: int, sku: str, status: str
) -> MissingItem | None:
    base = {
        "id": product_id,
        "sku": sku,
        "base_modified": product.get("date_modified_gmt"),
        "base_status": status or None,
    }
    if policy in ("draft", "private"):
        if status == policy:
            return None
        return MissingItem(
            policy,
            changes=[FieldChange("status", status, policy)],
            payload={"id": product_id, "status": policy},
            **base,  # type: ignore[arg-type]
        )
    if policy == "out-of-stock":
        if product.get("manage_stock") is True:
            # WooCommerce derives stock_status from the quantity when it manages stock.
            quantity = product.get("stock_quantity")
            if quantity is not None and int(quantity) <= 0:
                return None
            return MissingItem(
                policy,
                changes=[FieldChange("stock_quantity", quantity, 0)],
                payload={"id": product_id, "stock_quantity": 0},
                **base,  # type: ignore[arg-type]
            )
        stock_status = str(product.get("stock_status") or "")
        if stock_status == "outofstock":
            return None
        return MissingItem(
            policy,
            changes=[FieldChange("stock_status", stock_status, "outofstock")],
            payload={"id": product_id, "stock_status": "outofstock"},
            **base,  # type: ignore[arg-type]
        )
    # delete: to the trash (apply sends DELETE without force, never the batch's permanent one)
    return MissingItem(
        "delete",
        changes=[FieldChange("status", status, "trash")],
        payload={"id": product_id},
        **base,  # type: ignore[arg-type]
    )


class PagingClient(Protocol):
    def iter_pages(
        self, route: str, *, params: dict[str, Any] | None = ..., per_page: int = ...
    ) -> Iterator[list[dict[str, Any]]]: ...


def fetch_managed(client: PagingClient, manages: Manages) -> list[dict[str, Any]]:
    """The store's live (not trashed) products this feed manages, with the fields the
    missing policy needs.

    Category and tag scopes are filtered by the store; a meta marker cannot be filtered through
    wc/v3, so the catalog is paged (``_fields`` keeps the pages small) and filtered here.
    """
    found: list[dict[str, Any]] = []
    for items in client.iter_pages("products", params=manages.list_params(), per_page=100):
        found.extend(item for item in items if manages.holds(item))
    return found
