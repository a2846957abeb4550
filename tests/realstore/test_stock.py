"""Stock feeds on real WooCommerce: products and variations by SKU, a re-run writes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.realstore.helpers import bulkio_json, modified, write
from tests.realstore.refstore import REPO, RealStore


def make_catalog(store: RealStore, prefix: str) -> tuple[list[str], list[str], int]:
    """Two simple products and a variable shirt with three variations, made through the API."""
    simple = [f"{prefix}S{n}" for n in range(2)]
    store.post(
        "products/batch",
        {
            "create": [
                {"name": f"Simple {sku}", "sku": sku, "regular_price": "5", "manage_stock": True}
                for sku in simple
            ]
        },
    )
    parent = store.post(
        "products",
        {
            "name": f"Shirt {prefix}",
            "type": "variable",
            "sku": f"{prefix}SHIRT",
            "attributes": [
                {"name": "Size", "options": ["S", "M", "L"], "variation": True, "visible": True}
            ],
        },
    )
    variations = [f"{prefix}SHIRT-{size}" for size in ("S", "M", "L")]
    store.post(
        f"products/{parent['id']}/variations/batch",
        {
            "create": [
                {
                    "sku": sku,
                    "regular_price": "20",
                    "manage_stock": True,
                    "attributes": [{"name": "Size", "option": sku.rsplit("-", 1)[1]}],
                }
                for sku in variations
            ]
        },
    )
    return simple, variations, int(parent["id"])


def test_stock_feed_for_products_and_variations(store_env: RealStore, tmp_path: Path) -> None:
    store = store_env
    prefix = store.prefix("ST")
    simple, variations, parent_id = make_catalog(store, prefix)
    # One line per warehouse: the mapping sums them (duplicates = "sum").
    lines = ["warehouse;sku;qty;updated"]
    quantities = {simple[0]: 5, simple[1]: 0, variations[0]: 40, variations[1]: 7, variations[2]: 3}
    for sku, qty in quantities.items():
        lines.append(f"MAIN;{sku};{qty};2026-11-25 02:00")
    lines.append(f"EAST;{variations[0]};2;2026-11-25 02:00")
    feed = write(tmp_path / "stock.csv", "\n".join(lines) + "\n")
    mapping = str(REPO / "mappings" / "stock-csv.toml")

    code, first = bulkio_json("import", str(feed), "-m", mapping, "--no-limits")
    assert code == 0, first
    assert first["result"]["counts"]["updated"] == 5
    held = {v["sku"]: v for v in store.variations(parent_id)}
    assert held[variations[0]]["stock_quantity"] == 42
    assert held[variations[0]]["manage_stock"] is True
    assert held[variations[1]]["stock_quantity"] == 7
    products = store.by_skus(simple)
    assert products[simple[0]]["stock_quantity"] == 5
    assert products[simple[1]]["stock_status"] == "outofstock"
    before = modified(products) | {sku: str(v["date_modified_gmt"]) for sku, v in held.items()}

    code, again = bulkio_json("import", str(feed), "-m", mapping)
    assert code == 0, again
    assert again["result"]["writes"] == 0, again["plan"]
    after_variations = {v["sku"]: str(v["date_modified_gmt"]) for v in store.variations(parent_id)}
    assert modified(store.by_skus(simple)) | after_variations == before

    # 2 % of a real feed changes overnight: here one variation; exactly one write follows.
    write(feed, "\n".join(lines).replace(f"MAIN;{variations[2]};3", f"MAIN;{variations[2]};9"))
    code, third = bulkio_json("import", str(feed), "-m", mapping, "--no-limits")
    assert code == 0 and third["result"]["counts"]["updated"] == 1, third
    assert {v["sku"]: v for v in store.variations(parent_id)}[variations[2]]["stock_quantity"] == 9
