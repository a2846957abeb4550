"""Products missing from a nightly feed, on real WooCommerce: only the feed's own products are
unpublished, once; the next run writes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.realstore.helpers import bulkio_json, meta, write
from tests.realstore.refstore import RealStore

MAPPING = """
[source]
format = "csv"

[target]
resource = "product"
missing = "draft"
manages = {{ meta = "_bulkio_feed", value = "{marker}" }}

[fields]
sku = "SKU"
name = "Name"
regular_price = {{ column = "Price", type = "money" }}
status = {{ value = "publish" }}

[limits]
max_hide = "off"
max_change_share = "off"
"""


def test_missing_products_are_drafted_once(store_env: RealStore, tmp_path: Path) -> None:
    store = store_env
    prefix = store.prefix("MS")
    mapping = write(tmp_path / "m.toml", MAPPING.format(marker=prefix))
    skus = [f"{prefix}{n}" for n in range(4)]
    rows = "".join(f"{sku},Teil {sku},{n + 1}.5\n" for n, sku in enumerate(skus))
    feed = write(tmp_path / "f.csv", "SKU,Name,Price\n" + rows)
    # A product made by hand, not by this feed: never touched.
    store.post("products", {"name": "Handmade", "sku": f"{prefix}HAND", "status": "publish"})

    code, first = bulkio_json("import", str(feed), "-m", str(mapping))
    assert code == 0, first
    held = store.by_skus(skus)
    assert all(meta(item, "_bulkio_feed") == prefix for item in held.values())

    write(feed, "SKU,Name,Price\n" + "".join(rows.splitlines(keepends=True)[:3]))
    code, second = bulkio_json("import", str(feed), "-m", str(mapping))
    assert code == 0, second
    held = store.by_skus([*skus, f"{prefix}HAND"])
    assert held[skus[3]]["status"] == "draft"
    assert held[f"{prefix}HAND"]["status"] == "publish"
    assert [held[sku]["status"] for sku in skus[:3]] == ["publish"] * 3

    code, third = bulkio_json("import", str(feed), "-m", str(mapping))
    assert code == 0 and third["result"]["writes"] == 0, third
