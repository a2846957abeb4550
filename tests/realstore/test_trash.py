"""A feed SKU held by a product in the trash, on both real versions.

WooCommerce 7.9 lets a new product take a trashed product's SKU (the store then holds two);
11.0.1 refuses it (``woocommerce_rest_product_not_created``, "already present in the lookup
table"). bulkio's default (``on_trashed = "restore"``) brings the trashed product back on both;
``on_trashed = "create"`` creates a second product where the store allows it and, where it does
not, fails the row with a reason and what to do — never a silent loss or a crash.
"""

from __future__ import annotations

from pathlib import Path

from tests.realstore.helpers import bulkio_json, write
from tests.realstore.refstore import RealStore

MAPPING = """
[source]
format = "csv"

[target]
resource = "product"
on_trashed = "{on_trashed}"

[fields]
sku = "SKU"
name = "Name"
regular_price = {{ column = "Price", type = "money" }}
"""


def trash(store: RealStore, product_id: int) -> None:
    answer = store.http.delete(f"products/{product_id}")  # no force: to the trash
    answer.raise_for_status()
    assert store.get(f"products/{product_id}", context="edit")["status"] == "trash"


def test_default_restores_the_trashed_product(store_env: RealStore, tmp_path: Path) -> None:
    store = store_env
    sku = store.prefix("TR") + "1"
    mapping = write(tmp_path / "m.toml", MAPPING.format(on_trashed="restore"))
    feed = write(tmp_path / "f.csv", f"SKU,Name,Price\n{sku},Eimer,4.5\n")
    code, first = bulkio_json("import", str(feed), "-m", str(mapping))
    assert code == 0, first
    product_id = store.by_sku(sku)["id"]
    trash(store, product_id)

    code, second = bulkio_json("import", str(feed), "-m", str(mapping))
    assert code == 0, second
    restored = store.get(f"products/{product_id}", context="edit")
    assert restored["status"] == "publish" and restored["sku"] == sku
    assert len(store.get("products", sku=sku, status="any")) == 1
    code, third = bulkio_json("import", str(feed), "-m", str(mapping))
    assert code == 0 and third["result"]["writes"] == 0, third


def test_on_trashed_create(store_env: RealStore, tmp_path: Path) -> None:
    store = store_env
    sku = store.prefix("TC") + "1"
    mapping = write(tmp_path / "m.toml", MAPPING.format(on_trashed="create"))
    feed = write(tmp_path / "f.csv", f"SKU,Name,Price\n{sku},Eimer,4.5\n")
    assert bulkio_json("import", str(feed), "-m", str(mapping))[0] == 0
    old_id = store.by_sku(sku)["id"]
    trash(store, old_id)

    code, second = bulkio_json("import", str(feed), "-m", str(mapping))
    live = store.get("products", sku=sku, context="edit")
    if store.major >= 11:
        # The store refuses: the row fails with the reason and the way out; nothing is created.
        assert code == 1, second
        (problem,) = second["problems"]
        assert problem["sku"] == sku and problem["kind"] == "failed"
        assert f"#{old_id}" in problem["message"] and "restore" in problem["message"]
        assert live == []
    else:
        assert code == 0, second
        assert [item["id"] for item in live] != [old_id] and len(live) == 1
        code, third = bulkio_json("import", str(feed), "-m", str(mapping))
        assert code == 0 and third["result"]["writes"] == 0, third
