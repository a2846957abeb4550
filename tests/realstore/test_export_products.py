"""Product exports name variations as WooCommerce keeps them, on both versions.

WooCommerce's exporter writes a variation's stored title (``Hoodie - Blue, Yes``); the REST API
does not give it (7.9 has no variation ``name``, 11.x answers ``Blue, Yes``), so bulkio makes it
from the parent's name and the values. Checked against the title each store holds.
"""

from __future__ import annotations

from bulkio.export.products import variation_title
from tests.realstore.refstore import RealStore

SHAPES = {
    "two": [("Color", ["Blue", "Red"]), ("Logo", ["Yes", "No"])],
    "one": [("Size", ["S", "M"])],
    "three": [("Color", ["Blue"]), ("Logo", ["Yes"]), ("Size", ["S"])],
    "long-name": [("Shirt size", ["S"]), ("Color", ["Blue"])],
}


def test_variation_names_match_the_stored_titles(store: RealStore) -> None:
    prefix = store.prefix("VN")
    for label, attributes in SHAPES.items():
        parent = store.post(
            "products",
            {
                "name": f"Hoodie {label}",
                "type": "variable",
                "sku": f"{prefix}{label}",
                "attributes": [
                    {"name": name, "options": options, "variation": True, "visible": True}
                    for name, options in attributes
                ],
            },
        )
        variation = store.post(
            f"products/{parent['id']}/variations",
            {
                "sku": f"{prefix}{label}-1",
                "regular_price": "10",
                "attributes": [{"name": name, "option": opts[0]} for name, opts in attributes],
            },
        )
        held = store.get(f"products/{parent['id']}/variations/{variation['id']}", context="edit")
        title = store.wp_php(f'echo get_post_field("post_title", {variation["id"]});')
        assert variation_title(parent["name"], held) == title.strip(), label
