"""Product images through ``bulkio catalog import`` on real WooCommerce (both versions).

Images come from a local HTTP server (:mod:`tests.realstore.imageserver`); the store downloads
them into its media library. Checked: images are created once and never sent again while the
feed's list is unchanged (no write, no download); a changed list replaces them in the feed's
order, downloading only the new URL; an image the store cannot fetch does not cost the product
(WooCommerce refuses the whole item for it, and with a variable parent all its variations):
bulkio writes the item without that image, reports it on its row, and the next run tries again.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.realstore.helpers import bulkio_json, meta, modified
from tests.realstore.imageserver import ImageServer
from tests.realstore.refstore import RealStore

COLUMNS = [
    "Type", "SKU", "Name", "Published", "Regular price", "Images", "Parent",
    "Attribute 1 name", "Attribute 1 value(s)", "Attribute 1 global",
]  # fmt: skip


pytestmark = pytest.mark.usefixtures("normal_face")


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="bulkio-images-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def feed(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def image_names(item: dict[str, Any]) -> list[str]:
    """The media files' names, without the ``-1`` WordPress adds to a name already taken (a
    refused item leaves the images fetched before the failing one in the media library)."""
    found = item.get("images") or ([item["image"]] if item.get("image") else [])
    names = [str(image.get("src", "")).rsplit("/", 1)[-1].rsplit(".", 1)[0] for image in found]
    return [re.sub(r"-\d+$", "", name) for name in names]


def test_images_created_once_replaced_in_order_and_not_resent(
    store_env: RealStore, images: ImageServer, folder: Path
) -> None:
    store = store_env
    p = store.prefix("IMG")
    tag = p.rstrip("-").lower()
    a, b, c = (images.url(f"{tag}/{tag}-{n}.png") for n in ("a", "b", "c"))
    v1 = images.url(f"{tag}/{tag}-v1.jpg")
    rows = [
        {"Type": "simple", "SKU": p + "S", "Name": "Framed", "Published": "1",
         "Regular price": "10", "Images": f"{a}, {b}"},
        {"Type": "simple", "SKU": p + "S2", "Name": "Framed twin", "Published": "1",
         "Regular price": "11", "Images": a},
        {"Type": "variable", "SKU": p + "V", "Name": "Poster", "Published": "1",
         "Images": c, "Attribute 1 name": "Size", "Attribute 1 value(s)": "S, M",
         "Attribute 1 global": "0"},
        {"Type": "variation", "SKU": p + "V-S", "Parent": p + "V", "Published": "1",
         "Regular price": "5", "Images": v1, "Attribute 1 name": "Size",
         "Attribute 1 value(s)": "S", "Attribute 1 global": "0"},
        {"Type": "variation", "SKU": p + "V-M", "Parent": p + "V", "Published": "1",
         "Regular price": "6", "Images": c, "Attribute 1 name": "Size",
         "Attribute 1 value(s)": "M", "Attribute 1 global": "0"},
    ]  # fmt: skip
    path = feed(folder / "feed.csv", rows)
    code, first = bulkio_json("catalog", "import", str(path))
    assert code == 0, first
    products = store.by_skus([p + "S", p + "V"])
    assert image_names(products[p + "S"]) == [f"{tag}-a", f"{tag}-b"]
    # Two products of one run naming the same new URL share its media: downloaded once.
    twin = store.by_sku(p + "S2")
    assert twin is not None and twin["images"][0]["id"] == products[p + "S"]["images"][0]["id"]
    assert images.hits[f"/{tag}/{tag}-a.png"] == 1
    assert image_names(products[p + "V"]) == [f"{tag}-c"]
    variations = {v["sku"]: v for v in store.variations(int(products[p + "V"]["id"]))}
    assert image_names(variations[p + "V-S"]) == [f"{tag}-v1"]
    # A variation showing its parent's image takes the parent's media: downloaded once.
    assert variations[p + "V-M"]["image"]["id"] == products[p + "V"]["images"][0]["id"]
    assert images.hits[f"/{tag}/{tag}-c.png"] == 1
    held = {sku: [i["id"] for i in item["images"]] for sku, item in products.items()}
    downloads = sum(images.hits.values())

    code, again = bulkio_json("catalog", "import", str(path))
    assert code == 0 and again["stats"]["writes"] == 0, again
    assert sum(images.hits.values()) == downloads  # nothing fetched again
    assert modified(store.by_skus([p + "S", p + "V"])) == modified(products)

    # New order and one new image: replaced in the feed's order; a and b keep their media.
    d = images.url(f"{tag}/{tag}-d.png")
    rows[0]["Images"] = f"{b}, {d}, {a}"
    # A new product naming an image another product already holds takes that media.
    rows.append(
        {"Type": "simple", "SKU": p + "T", "Name": "Frame", "Published": "1",
         "Regular price": "3", "Images": a}
    )  # fmt: skip
    path = feed(folder / "feed.csv", rows)
    code, third = bulkio_json("catalog", "import", str(path))
    assert code == 0, third
    changed = store.by_sku(p + "S")
    assert changed is not None
    assert image_names(changed) == [f"{tag}-b", f"{tag}-d", f"{tag}-a"]
    ids = [i["id"] for i in changed["images"]]
    assert (ids[0], ids[2]) == (held[p + "S"][1], held[p + "S"][0])
    assert images.hits[f"/{tag}/{tag}-a.png"] == 1 and images.hits[f"/{tag}/{tag}-d.png"] == 1
    newcomer = store.by_sku(p + "T")
    assert newcomer is not None and newcomer["images"][0]["id"] == held[p + "S"][0]
    code, fourth = bulkio_json("catalog", "import", str(path))
    assert code == 0 and fourth["stats"]["writes"] == 0, fourth


def test_an_image_the_store_cannot_fetch_does_not_cost_the_product(
    store_env: RealStore, images: ImageServer, folder: Path
) -> None:
    store = store_env
    p = store.prefix("IMF")
    tag = p.rstrip("-").lower()
    good, later = images.url(f"{tag}/{tag}-good.png"), images.url(f"{tag}/{tag}-later.png")
    parent_image = images.url(f"{tag}/{tag}-parent.png")
    images.failing.update({f"/{tag}/{tag}-later.png", f"/{tag}/{tag}-parent.png"})
    rows = [
        {"Type": "simple", "SKU": p + "S", "Name": "Mug", "Published": "1",
         "Regular price": "8", "Images": f"{good}, {later}"},
        {"Type": "variable", "SKU": p + "V", "Name": "Cap", "Published": "1",
         "Images": parent_image, "Attribute 1 name": "Colour",
         "Attribute 1 value(s)": "Red, Blue", "Attribute 1 global": "0"},
        {"Type": "variation", "SKU": p + "V-R", "Parent": p + "V", "Published": "1",
         "Regular price": "5", "Attribute 1 name": "Colour", "Attribute 1 value(s)": "Red",
         "Attribute 1 global": "0"},
        {"Type": "variation", "SKU": p + "V-B", "Parent": p + "V", "Published": "1",
         "Regular price": "5", "Attribute 1 name": "Colour", "Attribute 1 value(s)": "Blue",
         "Attribute 1 global": "0"},
    ]  # fmt: skip
    path = feed(folder / "feed.csv", rows)
    code, first = bulkio_json("catalog", "import", str(path))
    assert code == 1, first  # written, with problems to look at
    assert first["result"]["product_created"] == 2 and first["result"]["product_failed"] == 0
    assert first["result"]["variation_created"] == 2, first
    problems = {(row["sku"], row["code"]) for row in first["problems"]}
    assert problems == {(p + "S", "image-not-fetched"), (p + "V", "image-not-fetched")}, first
    assert any(later in row["message"] for row in first["problems"])
    products = store.by_skus([p + "S", p + "V"])
    assert image_names(products[p + "S"]) == [f"{tag}-good"]
    assert image_names(products[p + "V"]) == []
    assert len(store.variations(int(products[p + "V"]["id"]))) == 2

    # Still unavailable: tried again, reported again, nothing else written twice.
    tried = images.hits[f"/{tag}/{tag}-later.png"]
    code, second = bulkio_json("catalog", "import", str(path))
    assert code == 1 and images.hits[f"/{tag}/{tag}-later.png"] > tried, second
    assert second["plan"]["variation_update"] == 0, second

    # Back: the next run sets it, after the good one (kept, not downloaded again).
    images.failing.clear()
    good_hits = images.hits[f"/{tag}/{tag}-good.png"]
    code, third = bulkio_json("catalog", "import", str(path))
    assert code == 0, third
    products = store.by_skus([p + "S", p + "V"])
    assert image_names(products[p + "S"]) == [f"{tag}-good", f"{tag}-later"]
    assert image_names(products[p + "V"]) == [f"{tag}-parent"]
    assert images.hits[f"/{tag}/{tag}-good.png"] == good_hits
    assert meta(products[p + "S"], "_bulkio_image_sources") is not None
    code, fourth = bulkio_json("catalog", "import", str(path))
    assert code == 0 and fourth["stats"]["writes"] == 0, fourth
