"""The shipped Google Merchant Center mapping on real WooCommerce: one command turns the sample
feed into variable products (Size/Color), simple products, categories from g:product_type,
GTINs with their leading zero, brands and images — and a second run writes nothing.

The sample (samples/google-merchant.xml) is made this test's own: every g:id and
g:item_group_id gets a fresh SKU prefix, every GTIN a number no other product holds (the
store refuses duplicates; the leading zero stays), every image URL points at the loopback
image server (the stores have no internet). Categories, brands and the global attributes
Size/Color are shared with earlier runs on purpose: they are matched, not created again.

WooCommerce 7.9 has neither brands (9.6) nor global_unique_id (9.2): the shipped mapping is
refused before anything is written, naming both; the same mapping without brands and with the
GTIN in a meta field (what its header comment tells a 7.9 user to do) imports and settles.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.realstore.helpers import bulkio, bulkio_json, meta, modified, write
from tests.realstore.imageserver import ImageServer
from tests.realstore.refstore import RealStore

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "google-merchant.xml"
ATOM_SAMPLE = ROOT / "samples" / "google-merchant-atom.xml"
SHIPPED = ROOT / "mappings" / "google-merchant.toml"
G = "{http://base.google.com/ns/1.0}"
MEDIA = "https://shop.example.com/media/"
GROUPS = {"OXF": 6, "LIN": 4, "TEE": 8, "HOOD": 3}
SIMPLE = ["MUG-ENM", "BELT-LTH", "SOCK-MER", "CAP-KNT", "TOTE-CNV", "SCARF-CSH", "NAPK-LIN"]
REJECTED = {"UMB-TRV": "wrong-currency", "LACE-WAX": "invalid-number"}
STOCK_STATUS = {"in stock": "instock", "out of stock": "outofstock"} | dict.fromkeys(
    ("preorder", "backorder"), "onbackorder"
)

pytestmark = pytest.mark.usefixtures("normal_face")


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="bulkio-feeds-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def has_brands(store: RealStore) -> bool:
    """``brands`` on products (the product_brand taxonomy) from WooCommerce 9.6."""
    return store.major >= 10 or store.wc_version >= "9.6"


def own_feed(
    path: Path, prefix: str, images: ImageServer, sample: Path = SAMPLE
) -> dict[str, dict[str, list[str]]]:
    """Write the sample with this test's SKUs, GTINs and image URLs; return its items (g:id →
    element name without prefix → texts) as written."""
    tag = prefix.rstrip("-").lower()
    seed = int(tag[-8:], 16) % 10**9
    tree = etree.parse(str(sample))
    items: dict[str, dict[str, list[str]]] = {}
    records = [e for e in tree.getroot().iter() if etree.QName(e).localname in ("item", "entry")]
    for number, item in enumerate(records):
        for child in item:
            name = str(child.tag)
            if name in (G + "id", G + "item_group_id"):
                child.text = prefix + (child.text or "")
            elif name == G + "gtin":
                child.text = f"0{seed:09d}{number:03d}"
            elif name in (G + "image_link", G + "additional_image_link"):
                child.text = images.url(f"{tag}/" + (child.text or "").removeprefix(MEDIA))
        found: dict[str, list[str]] = {}
        for child in item:  # <g:title> and <title> alike under "title"
            found.setdefault(etree.QName(child).localname, []).append(child.text or "")
        items[found["id"][0]] = found
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
    return items


def image_names(item: dict[str, Any]) -> list[str]:
    """Media file names, without the ``-1`` WordPress adds to a name an earlier run took."""
    found = item.get("images") or ([item["image"]] if item.get("image") else [])
    names = [str(image.get("src", "")).rsplit("/", 1)[-1].rsplit(".", 1)[0] for image in found]
    return [re.sub(r"-\d+$", "", name) for name in names]


def stem(url: str) -> str:
    return url.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def category_paths(store: RealStore, item: dict[str, Any]) -> set[str]:
    terms = {t["id"]: t for t in store.iter_all("products/categories")}

    def path(term_id: int) -> str:
        term, names = terms[term_id], []
        while True:
            names.append(html.unescape(term["name"]))
            if not term["parent"]:
                return " > ".join(reversed(names))
            term = terms[term["parent"]]

    return {path(int(entry["id"])) for entry in item["categories"]}


def everything(store: RealStore, prefix: str) -> dict[str, dict[str, Any]]:
    """Every product and variation of this test, by SKU; a variation with its parent's SKU
    under "_group" (7.9 answers no parent_id)."""
    products = store.by_skus([prefix + sku for sku in [*GROUPS, *SIMPLE]])
    found = dict(products)
    for group in GROUPS:
        for variation in store.variations(int(products[prefix + group]["id"])):
            found[variation["sku"]] = {**variation, "_group": prefix + group}
    return found


def assert_imported(
    store: RealStore, prefix: str, items: dict[str, dict[str, list[str]]], gtin: str
) -> dict[str, dict[str, Any]]:
    """What the store holds is what the feed says; ``gtin`` is where the GTIN went."""
    held = everything(store, prefix)
    assert len(held) == len(GROUPS) + len(SIMPLE) + sum(GROUPS.values())
    for group, count in GROUPS.items():
        parent = held[prefix + group]
        first = next(i for i in items.values() if i.get("item_group_id") == [prefix + group])
        assert parent["type"] == "variable" and parent["name"] == first["title"][0]
        attributes = {a["name"]: a for a in parent["attributes"]}
        for name, element in (("Size", "size"), ("Color", "color")):
            values = [
                i[element][0] for i in items.values() if i.get("item_group_id") == [prefix + group]
            ]
            # A global attribute's terms come back in the store's term order, not the feed's.
            assert sorted(attributes[name]["options"]) == sorted(set(values))
            assert attributes[name]["variation"] and attributes[name]["id"]  # global: pa_…
        assert category_paths(store, parent) == set(first["product_type"])
        urls = first["image_link"] + first.get("additional_image_link", [])
        assert image_names(parent) == [stem(url) for url in urls]
        assert sum(1 for v in held.values() if v.get("_group") == prefix + group) == count
    for sku, item in items.items():
        if sku.removeprefix(prefix) in REJECTED:
            assert sku not in held
            continue
        stored = held[sku]
        assert float(stored["regular_price"]) == float(item["price"][0].split()[0]), sku
        assert stored["stock_status"] == STOCK_STATUS[item["availability"][0]], sku
        if "gtin" in item:
            value = stored["global_unique_id"] if gtin == "global_unique_id" else meta(stored, gtin)
            assert value == item["gtin"][0] and value.startswith("0"), sku
        if "_group" in stored:
            assert [stored["_group"]] == item["item_group_id"], sku
            picked = {a["name"]: a["option"] for a in stored["attributes"]}
            assert picked == {"Size": item["size"][0], "Color": item["color"][0]}, sku
            assert image_names(stored) == [stem(item["image_link"][0])], sku
        else:
            urls = item["image_link"] + item.get("additional_image_link", [])
            assert image_names(stored) == [stem(url) for url in urls], sku
            assert category_paths(store, stored) == set(item["product_type"]), sku
    return held


def first_import(feed: Path, mapping: str, folder: Path, prefix: str) -> None:
    """Import; exit 1 because the two bad items are rejected (reported with their codes)."""
    report = folder / "report.csv"
    code, first = bulkio_json("import", str(feed), "-m", mapping, "--report", str(report))
    assert code == 1, first
    with open(report, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rejected = {(r["sku"], r["code"]) for r in rows if r["kind"] == "rejected"}
    assert rejected == {(prefix + sku, code) for sku, code in REJECTED.items()}


def test_google_feed_imports_and_settles(
    store_env: RealStore, images: ImageServer, folder: Path
) -> None:
    store = store_env
    if not has_brands(store):
        pytest.skip("brands need WooCommerce 9.6; the 7.9 test below covers this store")
    prefix = store.prefix("GMC")
    feed = folder / "products.xml"
    items = own_feed(feed, prefix, images)

    first_import(feed, "google-merchant", folder, prefix)
    held = assert_imported(store, prefix, items, "global_unique_id")
    assert [b["name"] for b in held[prefix + "OXF"]["brands"]] == ["Nordlicht"]
    assert [html.unescape(b["name"]) for b in held[prefix + "MUG-ENM"]["brands"]] == [
        "Kettle & Crane"
    ]
    downloads = sum(images.hits.values())

    code, again = bulkio_json("import", str(feed), "-m", "google-merchant")
    assert code == 1 and again["result"]["writes"] == 0, again
    assert modified(everything(store, prefix)) == modified(held)
    assert sum(images.hits.values()) == downloads  # no image fetched again


def test_google_atom_feed_imports_and_settles(
    store_env: RealStore, images: ImageServer, folder: Path
) -> None:
    """The Atom flavour (default namespace) through google-merchant-atom: one command."""
    store = store_env
    if not has_brands(store):
        pytest.skip("brands need WooCommerce 9.6")
    prefix = store.prefix("GMA")
    feed = folder / "products.atom"
    items = own_feed(feed, prefix, images, ATOM_SAMPLE)
    code, first = bulkio_json("import", str(feed), "-m", "google-merchant-atom")
    assert code == 0, first
    skus = [prefix + sku for sku in ("POLO", "CAP-BSB", "BTL-STL")]
    held = store.by_skus(skus)
    polo = held[prefix + "POLO"]
    assert (polo["type"], polo["name"]) == ("variable", "Piqué Polo Shirt")  # Atom <title>
    assert "<em>two-button</em>" in polo["description"]  # Atom <summary>, CDATA
    assert image_names(polo) == ["polo-navy", "polo-detail"]
    assert category_paths(store, polo) == {"Apparel & Accessories > Clothing > Shirts"}
    variations = {v["sku"]: v for v in store.variations(int(polo["id"]))}
    assert set(variations) == {sku for sku, item in items.items() if "item_group_id" in item}
    for sku, variation in variations.items():
        assert variation["global_unique_id"] == items[sku]["gtin"][0], sku
        picked = {a["name"]: a["option"] for a in variation["attributes"]}
        assert picked == {"Size": items[sku]["size"][0], "Color": items[sku]["color"][0]}
    assert held[prefix + "CAP-BSB"]["name"] == "Baseball Cap"  # <g:title>
    assert [html.unescape(b["name"]) for b in held[prefix + "BTL-STL"]["brands"]] == [
        "Kettle & Crane"
    ]
    before = {**modified(held), **modified(variations)}

    code, again = bulkio_json("import", str(feed), "-m", "google-merchant-atom")
    assert code == 0 and again["result"]["writes"] == 0, again
    after = store.by_skus(skus)
    assert {
        **modified(after),
        **modified({v["sku"]: v for v in store.variations(int(polo["id"]))}),
    } == before


def test_an_older_store_refuses_brands_and_imports_without_them(
    store_env: RealStore, images: ImageServer, folder: Path
) -> None:
    store = store_env
    if has_brands(store):
        pytest.skip("this store has brands (WooCommerce >= 9.6)")
    prefix = store.prefix("GMO")
    feed = folder / "products.xml"
    items = own_feed(feed, prefix, images)

    code, _out, err = bulkio("import", str(feed), "-m", "google-merchant")
    assert code == 2, err
    assert "google-merchant.toml" in err and "brands" in err and "9.6" in err
    assert "global_unique_id" in err
    assert store.by_skus([prefix + sku for sku in [*GROUPS, *SIMPLE]]) == {}

    # What the mapping's header tells a 7.9 user: without brands, the GTIN in a meta field.
    text = SHIPPED.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^brands = .*\n", "", text)
    text = re.sub(r"(?m)^global_unique_id = .*$", '"meta:gtin" = "g:gtin"', text)
    assert "brands =" not in text and '"meta:gtin"' in text
    mapping = write(folder / "google-merchant-79.toml", text)
    first_import(feed, str(mapping), folder, prefix)
    held = assert_imported(store, prefix, items, "gtin")

    code, again = bulkio_json("import", str(feed), "-m", str(mapping))
    assert code == 1 and again["result"]["writes"] == 0, again
    assert modified(everything(store, prefix)) == modified(held)
