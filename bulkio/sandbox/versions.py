"""Which WooCommerce the sandbox plays: the differences measured between real versions.

The sandbox knows two versions from recordings of real stores (``tests/conformance``):
11.0.1 (on WordPress 7.1, the default) and 7.9.0 (on WordPress 6.1). Another version number is
accepted and placed by comparison: a rule seen on 11.0.1 but not on 7.9.0 switches on at the
version named here, which is WooCommerce's release of the feature where known and otherwise a
guess between the two (marked so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT = "11.0.1"
KNOWN = {"11.0.1": "7.1", "7.9.0": "6.1.9"}
"""Measured WooCommerce versions and the WordPress each reference store runs."""


def _parts(text: str) -> tuple[int, ...]:
    numbers = [int(part) for part in re.findall(r"\d+", text)[:3]]
    if not numbers:
        raise ValueError(f"not a WooCommerce version: {text!r} (e.g. 11.0.1 or 7.9.0)")
    return tuple(numbers + [0] * (3 - len(numbers)))


@dataclass(frozen=True)
class WooVersion:
    """A WooCommerce version and the behaviour that goes with it."""

    text: str = DEFAULT

    def __post_init__(self) -> None:
        _parts(self.text)  # reject nonsense early

    @property
    def parts(self) -> tuple[int, ...]:
        return _parts(self.text)

    def at_least(self, other: str) -> bool:
        return self.parts >= _parts(other)

    @property
    def wordpress(self) -> str:
        """The WordPress version paired with it (the reference stores' pairs)."""
        return KNOWN.get(self.text) or ("7.1" if self.at_least("9.0") else "6.1.9")

    @property
    def gtin(self) -> bool:
        """``global_unique_id`` on products and variations (WooCommerce 9.2)."""
        return self.at_least("9.2")

    @property
    def default_units(self) -> dict[str, str]:
        """The weight and dimension units of a fresh store: kg / cm on 7.9 (fixed defaults);
        lbs / in on 11.0.1, whose settings take their defaults from the US locale
        (``$locale_info['US']``; both measured, conformance case unit-settings). Versions in
        between follow 11.0.1 from 9.0 on (where the sandbox places them beside it)."""
        if self.at_least("9.0"):
            return {"weight": "lbs", "dimension": "in"}
        return {"weight": "kg", "dimension": "cm"}

    @property
    def brands(self) -> bool:
        """``brands`` on products (the product_brand taxonomy joined core in 9.6)."""
        return self.at_least("9.6")

    @property
    def trashed_sku_blocks_create(self) -> bool:
        """A create whose SKU a trashed product holds fails ("already present in the lookup
        table"); 7.9 creates it. (Measured on 7.9.0 and 11.0.1; switched on from 9.0 here, a
        guess.)"""
        return self.at_least("9.0")

    @property
    def variation_name(self) -> bool:
        """Variations answer ``name`` (their attribute values) and attribute ``slug``s.
        (Measured on 11.0.1, absent on 7.9.0; from 9.0 here, a guess.)"""
        return self.at_least("9.0")

    @property
    def product_orderby(self) -> tuple[str, ...]:
        """``orderby`` values ``GET /products`` accepts, in the order (repeats included) its
        schema lists them: the ``rest_invalid_param`` message names them so."""
        base = ("date", "id", "include", "title", "slug", "modified", "popularity", "rating")
        if self.at_least("9.0"):  # measured on 11.0.1; the point between is a guess
            return (
                *base,
                *("post__in", "price", "sales", "menu_order", "random"),
                *("popularity", "rating", "menu_order", "price", "popularity", "rating"),
            )
        return (*base, "menu_order", "price", "popularity", "rating")

    @property
    def modern_kses(self) -> bool:
        """WordPress's newer kses (7.1 measured, 6.1.9 not; from 6.7 here, a guess): attribute
        values come back double-quoted (``alt='q'`` → ``alt="q"``), ``hidden`` is an allowed
        global attribute, and a ``target`` link no longer gets ``rel="noopener"`` added."""
        return _parts(self.wordpress) >= (6, 7, 0)

    @property
    def link_target_hints(self) -> bool:
        """``_links.self`` carries ``targetHints.allow`` (WordPress 6.7)."""
        return _parts(self.wordpress) >= (6, 7, 0)
