"""Weight and dimension units: the ones WooCommerce offers, and conversion between them.

A mapping names the file's unit with ``unit = "g"`` or reads it from the header with a
``{unit}`` placeholder (``"Weight ({unit})"``); the catalog feed converts values to the store's
units (``settings/products``) and says so.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

WEIGHT_UNITS = {"kg": "1", "g": "0.001", "lbs": "0.45359237", "oz": "0.028349523125"}
"""The weight units WooCommerce offers, in kilograms."""
DIMENSION_UNITS = {"m": "1", "cm": "0.01", "mm": "0.001", "in": "0.0254", "yd": "0.9144"}
"""The dimension units WooCommerce offers, in metres."""
UNIT_ALIASES = {"lb": "lbs", "pound": "lbs", "pounds": "lbs", "inch": "in", "inches": "in"}
CONVERTED_PLACES = 4
"""Decimals kept when a weight or dimension is converted to the store's unit."""
UNIT_FIELDS = ("weight", "dimensions.length", "dimensions.width", "dimensions.height")


def unit_name(label: str) -> str:
    """A unit as a header gives it (``lbs``, ``LB``, ``in``) → WooCommerce's option value."""
    text = label.strip().lower()
    return UNIT_ALIASES.get(text, text)


def unit_kind(unit: str) -> str:
    """ "weight", "dimension", or "" for a unit WooCommerce does not offer."""
    if unit in WEIGHT_UNITS:
        return "weight"
    if unit in DIMENSION_UNITS:
        return "dimension"
    return ""


def field_kind(name: str) -> str:
    """The unit kind a field is measured in: ``weight`` → "weight", dimensions → "dimension"."""
    return "weight" if name == "weight" else "dimension"


def convert_value(value: str, unit: str, store_unit: str) -> str:
    """A weight or dimension in ``unit`` → ``store_unit`` (both WooCommerce unit names),
    rounded to :data:`CONVERTED_PLACES` decimals, trailing zeros dropped."""
    from bulkio.fields import canonical_decimal

    if unit == store_unit or value == "":
        return value
    table = WEIGHT_UNITS if unit in WEIGHT_UNITS else DIMENSION_UNITS
    try:
        number = Decimal(value) * Decimal(table[unit]) / Decimal(table[store_unit])
    except (InvalidOperation, KeyError):
        return value
    rounded = number.quantize(Decimal(1).scaleb(-CONVERTED_PLACES))
    return canonical_decimal(rounded.normalize() if rounded else Decimal(0))
