"""Export a seeded catalog in WooCommerce's layout, import it into an empty store, compare."""

from __future__ import annotations

import csv
import html
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bulkio.catalog.run import import_catalog
from bulkio.export.products import export_products
from bulkio.fields import canonical_decimal
from bulkio.sandbox import Sandbox
from tests.catalog.helpers import MAPPING, client_for

PRODUCT_FIELDS = (
    "type",
    "name",
    "status",
    "featured",
    "catalog_visibility",
    "short_description",
    "description",
    "tax_status",
    "tax_class",
    "manage_stock",
    "stock_quantity",
    "stock_status",
    "backorders",
    "weight",
    "dimensions",
    "regular_price",
    "sale_price",
    "menu_order",
    "global_unique_id",
    "low_stock_amount",
    "sold_individually",
    "reviews_allowed",
    "purchase_note",
    "external_url",
    "button_text",
    "date_on_sale_from",
    "date_on_sale_to",
    "virtual",
    "downloadable",
    "download_limit",
    "download_expiry",
    "shipping_class",
)
VARIATION_FIELDS = (
    "status",
    "description",
    "tax_status",
    "tax_class",
    "manage_stock",
    "stock_quantity",
    "stock_status",
    "backorders",
    "weight",
    "dimensions",
    "regular_price",
    "sale_price",
    "menu_order",
    "global_unique_id",
    "low_stock_amount",
    "date_on_sale_from",
    "date_on_sale_to",
    "virtual",
    "downloadable",
    "download_limit",
    "download_expiry",
    "shipping_class",
)
CLASSES = ("Bulky & Heavy", "Letter")


def _number(value: Any) -> Any:
    """Weights and sizes compare as numbers: "0.50" and "0.5" are one weight to the store
    (bulkio writes canonical decimals, :func:`bulkio.fields.canonical_decimal`)."""
    return canonical_decimal(value) if isinstance(value, str) else value


def _category_paths(sb: Sandbox) -> Callable[[dict[str, Any]], list[str]]:
    terms = {t["id"]: t for t in sb.terms("categories")}

    def path(term_id: int) -> str:
        term = terms[term_id]
        name = html.unescape(term["name"])
        return (path(term["parent"]) + " > " if term["parent"] else "") + name

    return lambda product: sorted(path(c["id"]) for c in product["categories"])


def _snapshot(sb: Sandbox, image_sources: dict[str, list[str]] | None) -> dict[str, Any]:
    """Everything the format carries, keyed by SKU, ids left out."""
    paths = _category_paths(sb)
    shot: dict[str, Any] = {}
    sku_of = {p["id"]: p["sku"] for p in sb.products()}
    for product in sb.products():
        if product["type"] == "variation":
            continue
        entry = {name: product[name] for name in PRODUCT_FIELDS}
        for name in ("upsell_ids", "cross_sell_ids", "grouped_products"):
            entry[name] = sorted(sku_of[i] for i in product[name])
        entry["downloads"] = [(d["name"], d["file"]) for d in product["downloads"]]
        entry["weight"] = _number(entry["weight"])
        entry["dimensions"] = {k: _number(v) for k, v in entry["dimensions"].items()}
        entry["categories"] = paths(product)
        entry["tags"] = sorted(html.unescape(t["name"]) for t in product["tags"])
        entry["attributes"] = [
            (a["name"], a["options"], a["visible"], a["variation"], bool(a["id"]))
            for a in product["attributes"]
        ]
        entry["default_attributes"] = [
            (d["name"], d["option"]) for d in product["default_attributes"]
        ]
        entry["meta"] = {
            m["key"]: m["value"] for m in product["meta_data"] if not m["key"].startswith("_")
        }
        # The second store copies the images: compare the URLs they were copied from.
        srcs = [i["src"] for i in product["images"]]
        entry["images"] = image_sources.get(product["sku"], srcs) if image_sources else srcs
        variations = {}
        for variation in sb.variations(product["id"]) if product["type"] == "variable" else []:
            ventry = {name: variation[name] for name in VARIATION_FIELDS}
            ventry["weight"] = _number(ventry["weight"])
            ventry["downloads"] = [(d["name"], d["file"]) for d in variation["downloads"]]
            ventry["attributes"] = sorted((a["name"], a["option"]) for a in variation["attributes"])
            variations[variation["sku"]] = ventry
        entry["variations"] = variations
        shot[product["sku"]] = entry
    return shot


def _differences(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    found = []
    for sku in sorted(set(left) | set(right)):
        if sku not in left or sku not in right:
            found.append(f"{sku}: only in {'source' if sku in left else 'copy'}")
            continue
        for name in sorted(set(left[sku]) | set(right[sku])):
            if left[sku].get(name) != right[sku].get(name):
                found.append(f"{sku}.{name}: {left[sku].get(name)!r} != {right[sku].get(name)!r}")
    return found


def test_round_trip_through_the_woocommerce_layout(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    source = sandbox_factory(seed_products=60, seed=7)
    source.store.units = {"weight": "kg", "dimension": "cm"}  # metric (11.x: lbs, in)
    with client_for(source) as client:
        # Give the seeded catalog what the seed lacks: images, meta, a default attribute,
        # an ampersand, a newline, a formula-looking name.
        products = [p for p in source.products() if p["type"] != "variation"]
        simple = [p for p in products if p["type"] == "simple"]
        variable = [p for p in products if p["type"] == "variable"]
        assert len(variable) >= 3 and len(simple) >= 10
        client.put(
            f"products/{simple[0]['id']}",
            {
                "images": [
                    {"src": "https://img.example.com/a.jpg"},
                    {"src": "https://img.example.com/b.jpg"},
                ],
                "meta_data": [{"key": "material", "value": "oak, oiled"}],
                "name": "=Fish & Chips",
                "description": "Line one\nline two",
                "global_unique_id": "4006381333931",
                "manage_stock": True,
                "stock_quantity": 12,
                "low_stock_amount": 3,
                "sold_individually": True,
                "reviews_allowed": False,
                "purchase_note": "-Thanks, oil it yearly.\nKeep dry.",
                "menu_order": 4,
                "date_on_sale_from": "2026-03-01T00:00:00",
                "date_on_sale_to": "2026-03-31T23:59:59",
            },
        )
        client.put(
            f"products/{simple[2]['id']}",
            {
                "type": "external",
                "external_url": "https://partner.example.com/item?id=7&ref=shop",
                "button_text": "Buy at Partner, Inc.",
            },
        )
        # Links between products: both ends are new in the copy, one pair points both ways.
        client.put(
            f"products/{simple[0]['id']}",
            {
                "upsell_ids": [simple[3]["id"], variable[0]["id"]],
                "cross_sell_ids": [simple[3]["id"]],
            },
        )
        client.put(f"products/{simple[3]['id']}", {"cross_sell_ids": [simple[0]["id"]]})
        client.put(
            f"products/{simple[4]['id']}",
            {"type": "grouped", "grouped_products": [simple[5]["id"], simple[6]["id"]]},
        )
        client.put(
            f"products/{simple[7]['id']}",
            {
                "virtual": True,
                "downloadable": True,
                "download_limit": 5,
                "download_expiry": 30,
                "downloads": [
                    {"name": "Manual, 2nd edition", "file": "https://files.example.com/m.pdf"},
                    {"name": "=Sheet", "file": "https://files.example.com/s.xlsx"},
                ],
            },
        )
        client.put(f"products/{simple[8]['id']}", {"virtual": True})
        slugs = [client.post("products/shipping_classes", {"name": n})["slug"] for n in CLASSES]
        client.put(f"products/{simple[9]['id']}", {"shipping_class": slugs[0]})
        first_variation = source.variations(variable[1]["id"])[0]
        client.put(
            f"products/{variable[1]['id']}/variations/{first_variation['id']}",
            {
                "global_unique_id": "9780306406157",
                "low_stock_amount": 2,
                "date_on_sale_to": "2027-01-15T09:05:00",
                "virtual": True,
                "shipping_class": slugs[1],
                "downloadable": True,
                "downloads": [{"name": "Pattern", "file": "https://files.example.com/p.pdf"}],
            },
        )
        client.put(
            f"products/{variable[0]['id']}",
            {
                "images": [{"src": "https://img.example.com/v.jpg"}],
                "default_attributes": [
                    {"name": "Color", "option": variable[0]["attributes"][0]["options"][0]}
                ],
            },
        )
        material = client.post("products/attributes", {"name": "Material"})  # a global one
        client.put(
            f"products/{simple[1]['id']}",
            {
                "attributes": [
                    {"id": material["id"], "options": ["Oak", "Pine & Fir"], "visible": True}
                ],
            },
        )
        client.post("products/categories", {"name": "Garden & Patio"})  # unused: not exported
        output = tmp_path / "catalog.csv"
        exported = export_products(client, output)
    assert exported.products == len(products)
    assert exported.variations == sum(len(source.variations(p["id"])) for p in variable)
    with open(output, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:6] == ["ID", "Type", "SKU", "GTIN, UPC, EAN, or ISBN", "Name", "Published"]
    assert {"Sold individually?", "Allow customer reviews?", "External URL"} <= set(header)
    assert "Attribute 1 value(s)" in header and "Meta: material" in header
    # The name as the store keeps it (WordPress stores "&" as "&amp;", and WooCommerce's
    # exporter writes the stored name too): formula-escaped either way.
    exported_text = output.read_text(encoding="utf-8-sig")
    assert "'=Fish & Chips" in exported_text or "'=Fish &amp; Chips" in exported_text

    # The exported image URLs are the source sandbox's media, on its own port: a sandbox that
    # checks ports as WordPress does (80, 443, 8080) is told to take that one too.
    takes_ports = "image_ports" in inspect.signature(Sandbox.__init__).parameters
    port = int(source.url.rsplit(":", 1)[1])
    target = sandbox_factory(**({"image_ports": [port]} if takes_ports else {}))
    target.store.units = dict(source.store.units)  # the same units at both ends
    with client_for(target) as client:
        for name in CLASSES:  # bulkio names existing classes; it does not create them
            client.post("products/shipping_classes", {"name": name})
        first = import_catalog(client, MAPPING, output)
        assert not first.plan.rejected, first.plan.rejected[:3]
        assert first.result is not None and not first.result.problems
        target.clear_log()
        second = import_catalog(client, MAPPING, output)
    assert not second.plan.has_changes and target.writes() == 0

    sources = {}
    for product in target.products():
        for meta in product.get("meta_data") or ():
            if meta["key"] == "_bulkio_image_sources":
                sources[product["sku"]] = json.loads(meta["value"])
    left, right = _snapshot(source, None), _snapshot(target, sources)
    assert len(left) == len(products)
    assert left[simple[1]["sku"]]["attributes"] == [
        ("Material", ["Oak", "Pine &amp; Fir"], True, False, True)
    ]
    carried = left[simple[0]["sku"]]
    assert (carried["sold_individually"], carried["reviews_allowed"]) == (True, False)
    assert carried["purchase_note"].startswith("-Thanks") and carried["low_stock_amount"] == 3
    assert left[simple[2]["sku"]]["button_text"] == "Buy at Partner, Inc."
    assert carried["upsell_ids"] == sorted([simple[3]["sku"], variable[0]["sku"]])
    assert left[simple[3]["sku"]]["cross_sell_ids"] == [simple[0]["sku"]]
    assert left[simple[4]["sku"]]["grouped_products"] == [simple[5]["sku"], simple[6]["sku"]]
    assert carried["date_on_sale_to"] == "2026-03-31T23:59:59"
    assert "2026-03-31 23:59:59" in output.read_text(encoding="utf-8-sig")
    assert [
        left[simple[7]["sku"]][n]
        for n in ("virtual", "downloadable", "download_limit", "download_expiry")
    ] == [True, True, 5, 30]
    assert "simple, downloadable, virtual" in output.read_text(encoding="utf-8-sig")
    carried_variation = left[variable[1]["sku"]]["variations"][first_variation["sku"]]
    assert carried_variation["virtual"] is True
    assert carried_variation["shipping_class"] == slugs[1] == "letter"
    assert left[simple[9]["sku"]]["shipping_class"] == slugs[0] != ""
    assert ",Bulky & Heavy," in output.read_text(encoding="utf-8-sig")
    assert carried_variation["downloads"] == [("Pattern", "https://files.example.com/p.pdf")]
    assert left[simple[7]["sku"]]["downloads"][0] == (
        "Manual, 2nd edition",
        "https://files.example.com/m.pdf",
    )
    assert carried_variation["low_stock_amount"] == 2
    assert carried_variation["date_on_sale_to"] == "2027-01-15T09:05:00"
    differences = _differences(left, right)
    assert differences == [], "\n".join(differences[:40])
