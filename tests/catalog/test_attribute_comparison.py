"""How product attributes compare, as WooCommerce's experimental fashion sample showed on both
real stores: a re-run planned ``Color: Beige|Green → Green|Beige`` (the store answers a global
attribute's terms in its own order) and ``(none) → Size:`` (an attribute without values is not
kept) on every run."""

from __future__ import annotations

from bulkio.catalog.plan import _attribute_rows


def test_global_attribute_options_compare_as_a_set_local_ones_in_order() -> None:
    sent = [{"id": 3, "name": "Color", "options": ["Green", "Beige"], "visible": True}]
    held = [{"id": 3, "name": "Color", "options": ["Beige", "Green"], "visible": True}]
    assert _attribute_rows(sent) == _attribute_rows(held)
    local_sent = [{"id": 0, "name": "Cut", "options": ["Slim", "Wide"], "visible": True}]
    local_held = [{"id": 0, "name": "Cut", "options": ["Wide", "Slim"], "visible": True}]
    assert _attribute_rows(local_sent) != _attribute_rows(local_held)


def test_an_attribute_without_values_is_not_compared() -> None:
    assert _attribute_rows([{"id": 4, "name": "Size", "options": [], "visible": True}]) == []
