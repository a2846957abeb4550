"""The sandbox's global attributes (products/attributes + terms) behave like WooCommerce's."""

from __future__ import annotations

from bulkio.sandbox import Sandbox
from tests.catalog.helpers import client_for


def test_attributes_terms_and_products_using_them(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        color = client.post("products/attributes", {"name": "Color"})
        assert color["slug"] == "pa_color" and color["type"] == "select"
        again = client.batch("products/attributes", create=[{"name": "color"}])
        assert again.create[0].error is not None
        assert again.create[0].error.code == "invalid_product_attribute_slug_already_exists"

        answer = client.batch(
            f"products/attributes/{color['id']}/terms",
            create=[{"name": "Red"}, {"name": "RED"}, {"name": "Black & White"}],
        )
        red = answer.create[0].data
        duplicate = answer.create[1].error
        assert duplicate is not None and duplicate.code == "term_exists"
        assert duplicate.data["resource_id"] == red["id"]
        assert answer.create[2].data["name"] == "Black &amp; White"

        product = client.post(
            "products",
            {
                "sku": "P",
                "name": "P",
                "type": "variable",
                "attributes": [{"id": color["id"], "options": ["red", "Blue"], "variation": True}],
                "default_attributes": [{"id": color["id"], "option": "blue"}],
            },
        )
        assert product["attributes"][0]["name"] == "Color"
        assert product["attributes"][0]["slug"] == "pa_color"
        assert product["attributes"][0]["options"] == ["Red", "Blue"]  # Blue created as a term
        assert product["default_attributes"] == [
            {"id": color["id"], "name": "Color", "option": "Blue"}
        ]
        variation = client.post(
            f"products/{product['id']}/variations",
            {"sku": "P-R", "attributes": [{"id": color["id"], "option": "red"}]},
        )
        assert variation["attributes"] == [
            {"id": color["id"], "name": "Color", "slug": "pa_color", "option": "Red"}
        ]
        names = [t["name"] for t in client.get(f"products/attributes/{color['id']}/terms")]
        assert names == ["Red", "Black &amp; White", "Blue"]
        assert client.get("products/attributes") == [color]
