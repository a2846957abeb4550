"""Variation names in the WooCommerce product layout, as the real stores title variations
(measured on 7.9 and 11.0.1: tests/realstore/test_export_products.py)."""

from __future__ import annotations

from bulkio.export.products import variation_title


def attrs(*pairs: tuple[str, str]) -> dict[str, object]:
    return {"attributes": [{"name": name, "option": option} for name, option in pairs]}


def test_one_or_two_attributes_are_named_after_the_parent() -> None:
    assert variation_title("Hoodie", attrs(("Color", "Blue"), ("Logo", "Yes"))) == (
        "Hoodie - Blue, Yes"
    )
    assert variation_title("Tee", attrs(("Size", "S"))) == "Tee - S"


def test_three_attributes_or_a_long_name_among_two_give_the_parents_name() -> None:
    assert variation_title("Tee", attrs(("Color", "Blue"), ("Logo", "Yes"), ("Size", "S"))) == "Tee"
    assert variation_title("Tee", attrs(("Shirt size", "S"), ("Color", "Blue"))) == "Tee"


def test_the_rest_api_name_of_11_is_not_taken_as_the_title() -> None:
    variation = {"name": "Blue", **attrs(("Color", "Blue"))}  # what 11.x answers
    assert variation_title("Hoodie", variation) == "Hoodie - Blue"
