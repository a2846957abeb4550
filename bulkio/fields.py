"""The WooCommerce fields bulkio can own, and how each is compared and written.

This registry is the contract between the mapping side (which turns source cells into
*canonical* values) and the plan side (which reads the store's JSON into the same canonical
values and compares). Canonical values are plain Python scalars chosen so that equality means
"the store would not change":

* ``text``  – ``str`` ("" for empty)
* ``money`` / ``decimal`` – ``str`` from :func:`canonical_decimal` ("12.5" and "12.50" both become
  "12.50" for money); "" for empty
* ``int``   – ``int`` or ``None`` (WooCommerce's ``stock_quantity`` is null when unset)
* ``bool``  – ``bool``
* ``enum``  – ``str``, one of ``FieldSpec.choices``
* ``terms`` – ``tuple[int, ...]`` of term ids, sorted (term lists are compared as sets)
* ``meta``  – ``str`` (meta values are compared as text)

Field names are WooCommerce's own (``regular_price``), with three prefixed families:
``meta:<key>`` (an entry of ``meta_data``), ``dimensions.<length|width|height>`` and, in later
issues, ``attribute:<name>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Kind = Literal["text", "money", "decimal", "int", "bool", "enum", "terms", "meta"]
Resource = Literal["product", "variation", "stock"]

CanonicalValue = str | int | bool | tuple[int, ...] | None


@dataclass(frozen=True)
class FieldSpec:
    """One field the store knows: its kind, allowed values and where it applies."""

    name: str
    kind: Kind
    choices: tuple[str, ...] = ()
    resources: tuple[Resource, ...] = ("product", "variation")
    clearable: bool = True
    """Whether ``empty = "clear"`` makes sense (an empty text, price, list or meta value)."""

    @property
    def is_meta(self) -> bool:
        return self.kind == "meta"


_PV: tuple[Resource, ...] = ("product", "variation")
_ALL: tuple[Resource, ...] = ("product", "variation", "stock")
_P: tuple[Resource, ...] = ("product",)

PRODUCT_STATUSES = ("draft", "pending", "private", "publish")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")

FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        FieldSpec("sku", "text", resources=_ALL, clearable=False),
        FieldSpec("name", "text", resources=_P, clearable=False),
        FieldSpec("type", "enum", ("simple", "variable", "grouped", "external"), _P, False),
        FieldSpec("status", "enum", PRODUCT_STATUSES, _PV, False),
        FieldSpec("regular_price", "money"),
        FieldSpec("sale_price", "money"),
        FieldSpec("description", "text"),
        FieldSpec("short_description", "text", resources=_P),
        FieldSpec("stock_quantity", "int", resources=_ALL, clearable=False),
        FieldSpec("manage_stock", "bool", resources=_ALL, clearable=False),
        FieldSpec("stock_status", "enum", STOCK_STATUSES, _ALL, False),
        FieldSpec("backorders", "enum", ("no", "notify", "yes"), _ALL, False),
        FieldSpec("weight", "decimal"),
        FieldSpec("dimensions.length", "decimal"),
        FieldSpec("dimensions.width", "decimal"),
        FieldSpec("dimensions.height", "decimal"),
        FieldSpec(
            "catalog_visibility", "enum", ("visible", "catalog", "search", "hidden"), _P, False
        ),
        FieldSpec("featured", "bool", resources=_P, clearable=False),
        FieldSpec("tax_status", "enum", ("taxable", "shipping", "none"), _PV, False),
        FieldSpec("tax_class", "text"),
        FieldSpec("categories", "terms", resources=_P),
        FieldSpec("tags", "terms", resources=_P),
        FieldSpec("menu_order", "int", resources=_PV, clearable=False),
        FieldSpec("slug", "text", resources=_P, clearable=False),
        FieldSpec("global_unique_id", "text"),
        FieldSpec("low_stock_amount", "int", resources=_PV),
        FieldSpec("sold_individually", "bool", resources=_P, clearable=False),
        FieldSpec("reviews_allowed", "bool", resources=_P, clearable=False),
        FieldSpec("purchase_note", "text", resources=_P),
        FieldSpec("external_url", "text", resources=_P),
        FieldSpec("button_text", "text", resources=_P),
        FieldSpec("date_on_sale_from", "text"),
        FieldSpec("date_on_sale_to", "text"),
        FieldSpec("shipping_class", "text"),
        FieldSpec("virtual", "bool", resources=_PV, clearable=False),
        FieldSpec("downloadable", "bool", resources=_PV, clearable=False),
        FieldSpec("download_limit", "int", resources=_PV, clearable=False),
        FieldSpec("download_expiry", "int", resources=_PV, clearable=False),
    )
}

SALE_DATE_FIELDS = ("date_on_sale_from", "date_on_sale_to")
"""Sale window bounds, in the site's time: canonical text ``YYYY-MM-DDTHH:MM:SS`` (what the REST
API answers), so ``2026-01-05``, ``2026-01-05 0:00:00`` and the API's own form compare equal."""

STOCK_FIELDS = ("sku", "stock_quantity", "stock_status", "backorders", "manage_stock")
"""The only fields a ``resource = "stock"`` mapping may own: a stock feed never touches more."""


def field_spec(name: str) -> FieldSpec | None:
    """The spec for a field name, including ``meta:<key>`` names; None when unknown."""
    if name.startswith("meta:") and len(name) > len("meta:"):
        return FieldSpec(name, "meta")
    return FIELDS.get(name)


def canonical_decimal(value: str | Decimal, *, min_places: int = 0) -> str:
    """Canonical text of a decimal: no exponent, no trailing zeros beyond ``min_places``.

    ``canonical_decimal("12.5", min_places=2) == "12.50" == canonical_decimal("12.500", 2)``.
    Raises ``ValueError`` for text that is not a plain decimal number.
    """
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return ""
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    else:
        number = value
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    exponent = number.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    places = max(min_places, -exponent)
    return f"{number:.{places}f}"


def canonical_sale_date(value: str) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` for a date, a date and time (``T`` or space, hour with or without
    its leading zero, seconds optional) or "" for empty. Raises ``ValueError`` otherwise."""
    text = value.strip()
    if text == "":
        return ""
    match = _SALE_DATE.match(text)
    if match is None:
        raise ValueError(f"not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS): {value!r}")
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise ValueError(f"not a date: {value!r} ({exc})") from exc
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


_SALE_DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?$"
)


def canonical_from_store(spec: FieldSpec, resource: dict[str, Any]) -> CanonicalValue:
    """Read a field out of a product/variation JSON object as the store returned it."""
    name = spec.name
    if spec.kind == "meta":
        key = name[len("meta:") :]
        for entry in resource.get("meta_data") or ():
            if entry.get("key") == key:
                value = entry.get("value")
                return "" if value is None else str(value)
        return ""
    if name.startswith("dimensions."):
        raw: Any = (resource.get("dimensions") or {}).get(name.split(".", 1)[1], "")
    else:
        raw = resource.get(name)
    return canonicalise(spec, raw)


def canonicalise(spec: FieldSpec, raw: Any) -> CanonicalValue:
    """Bring a value in WooCommerce's JSON shape (or already canonical) to canonical form."""
    kind = spec.kind
    if kind == "text" and spec.name in SALE_DATE_FIELDS and raw not in (None, ""):
        try:
            return canonical_sale_date(str(raw))
        except ValueError:
            return str(raw)
    if kind in ("text", "enum", "meta"):
        return "" if raw is None else str(raw)
    if kind == "money":
        return "" if raw in (None, "") else canonical_decimal(str(raw), min_places=2)
    if kind == "decimal":
        return "" if raw in (None, "") else canonical_decimal(str(raw))
    if kind == "int":
        return None if raw in (None, "") else int(raw)
    if kind == "bool":
        return bool(raw)
    if kind == "terms":
        ids: list[int] = []
        for term in raw or ():
            ids.append(int(term["id"]) if isinstance(term, dict) else int(term))
        return tuple(sorted(set(ids)))
    raise AssertionError(f"unknown kind {kind}")


def to_payload(values: dict[str, CanonicalValue]) -> dict[str, Any]:
    """Turn canonical values keyed by field name into a WooCommerce write payload.

    Only the given fields appear: an owned-but-unchanged field is simply not passed in.
    """
    payload: dict[str, Any] = {}
    meta: list[dict[str, Any]] = []
    dimensions: dict[str, str] = {}
    for name, value in values.items():
        spec = field_spec(name)
        if spec is None:
            raise KeyError(f"unknown field {name!r}")
        if spec.kind == "meta":
            meta.append({"key": name[len("meta:") :], "value": value})
        elif name.startswith("dimensions."):
            dimensions[name.split(".", 1)[1]] = str(value)
        elif spec.kind == "terms":
            assert isinstance(value, tuple)
            payload[name] = [{"id": term_id} for term_id in value]
        elif name in SALE_DATE_FIELDS and isinstance(value, str):
            payload[name] = canonicalise(spec, value)  # the API takes only full date-times
        else:
            payload[name] = value
    if meta:
        payload["meta_data"] = meta
    if dimensions:
        payload["dimensions"] = dimensions
    return payload


def store_fields_param(names: list[str]) -> str:
    """The ``_fields`` query value that returns just what is needed to compare ``names``."""
    wanted = {"id", "sku", "date_modified_gmt"}
    for name in names:
        if name.startswith("meta:"):
            wanted.add("meta_data")
        elif name.startswith("dimensions."):
            wanted.add("dimensions")
        else:
            wanted.add(name)
    return ",".join(sorted(wanted))
