"""Google Merchant Center feeds (RSS 2.0 and Atom 1.0) through the shipped mappings, on the
sandbox over HTTP, the way a user runs them: ``bulkio import products.xml -m google-merchant``.

The sample (samples/google-merchant.xml) has four garments in sizes and colours, grouped by
g:item_group_id, seven simple products, one item priced in USD and one with a malformed price.
Expectations about single items are read from the sample with lxml (not through bulkio), so
every item's GTIN, price and availability is checked, not a hand-picked few.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bulkio.sandbox import Sandbox
from tests.feeds.conftest import (
    SAMPLES,
    attribute,
    brand_names,
    by_sku,
    category_paths,
    google_items,
    image_files,
    import_feed,
    report_rows,
)

RSS = SAMPLES / "google-merchant.xml"
ATOM = SAMPLES / "google-merchant-atom.xml"

GROUPS = {
    # group id: (name, sizes, colours, variation count)
    "OXF": ("Classic Oxford Shirt", ["S", "M", "L"], ["White", "Light Blue"], 6),
    "LIN": ("Linen Summer Shirt", ["M", "L"], ["Sand", "Olive"], 4),
    "TEE": ("Organic Cotton T-Shirt", ["S", "M", "L", "XL"], ["Black", "White", "Navy"], 8),
    "HOOD": ("Zip Hoodie", ["M", "L", "XL"], ["Heather Grey"], 3),
}
SIMPLE = ["MUG-ENM", "BELT-LTH", "SOCK-MER", "CAP-KNT", "TOTE-CNV", "SCARF-CSH", "NAPK-LIN"]
STOCK_STATUS = {
    "in stock": "instock",
    "out of stock": "outofstock",
    "preorder": "onbackorder",
    "backorder": "onbackorder",
}


def money(text: str) -> str:
    """ "49.95 EUR" → "49.95" as the store answers a price."""
    return text.split()[0]


def assert_variation_image(parent: dict[str, Any], variation: dict[str, Any], url: str) -> None:
    """A variation shows its item's g:image_link; one its parent holds too is the same media
    (downloaded once), a new one its own."""
    name = url.rsplit("/", 1)[-1]
    shared = [
        i["id"] for i, f in zip(parent["images"], image_files(parent), strict=True) if f == name
    ]
    assert variation["image"] is not None, variation["sku"]
    if shared:
        assert variation["image"]["id"] == shared[0], variation["sku"]
    else:
        assert image_files(variation) == [name], variation["sku"]


def test_rss_feed_becomes_variable_and_simple_products(sandbox: Sandbox, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    categories_before = {t["id"] for t in sandbox.terms("categories")}  # "Uncategorized"
    result = import_feed(sandbox, RSS, "google-merchant", "--report", str(report))
    assert result.exit_code == 1, result.output  # two items rejected, the rest imported
    items = google_items(RSS)

    assert len(sandbox.products()) == len(GROUPS) + len(SIMPLE)
    assert sandbox.count("product_variation") == sum(g[3] for g in GROUPS.values())
    for group, (name, sizes, colours, count) in GROUPS.items():
        parent = by_sku(sandbox, group)
        assert (parent["type"], parent["name"], parent["status"]) == ("variable", name, "publish")
        size, colour = attribute(parent, "Size"), attribute(parent, "Color")
        # Global attributes: the store answers their terms in its own order, not the feed's.
        assert sorted(size["options"]) == sorted(sizes)
        assert sorted(colour["options"]) == sorted(colours)
        assert size["variation"] and colour["variation"]
        assert size["id"] and colour["id"], "Size and Color are global attributes (pa_…)"
        variations = {v["sku"]: v for v in sandbox.variations(parent["id"])}
        members = {sku for sku, item in items.items() if item.get("item_group_id") == [group]}
        assert set(variations) == members and len(members) == count
        for sku, variation in variations.items():
            item = items[sku]
            picked = {a["name"]: a["option"] for a in variation["attributes"]}
            assert picked == {"Size": item["size"][0], "Color": item["color"][0]}
            assert variation["regular_price"] == money(item["price"][0])
            sale = money(item["sale_price"][0]) if "sale_price" in item else ""
            assert variation["sale_price"] == sale
            assert variation["stock_status"] == STOCK_STATUS[item["availability"][0]]
            assert variation["global_unique_id"] == item["gtin"][0]
            assert variation["global_unique_id"].startswith("0")  # text, never a number
            assert_variation_image(parent, variation, item["image_link"][0])
            assert {m["key"]: m["value"] for m in variation["meta_data"]}["mpn"] == item["mpn"][0]

    oxford = by_sku(sandbox, "OXF")
    assert "<strong>100% cotton</strong>" in oxford["description"]  # CDATA HTML kept
    assert category_paths(sandbox, oxford) == {"Apparel & Accessories > Clothing > Shirts"}
    # The group's first item gives the parent its images: featured, then the gallery in order.
    assert image_files(oxford) == ["oxford-white.jpg", "oxford-white-back.jpg", "oxford-collar.jpg"]
    assert brand_names(oxford) == ["Nordlicht"]

    for sku in SIMPLE:
        product, item = by_sku(sandbox, sku), items[sku]
        assert product["type"] == "simple" and product["name"] == item["title"][0]
        assert product["regular_price"] == money(item["price"][0])
        assert product["stock_status"] == STOCK_STATUS[item["availability"][0]]
        assert product["global_unique_id"] == item.get("gtin", [""])[0]
        urls = item["image_link"] + item.get("additional_image_link", [])
        assert image_files(product) == [url.rsplit("/", 1)[-1] for url in urls]
        assert category_paths(sandbox, product) == set(item["product_type"])
    mug = by_sku(sandbox, "MUG-ENM")
    assert brand_names(mug) == ["Kettle & Crane"]
    assert attribute(mug, "Color")["options"] == ["White"]
    tote = by_sku(sandbox, "TOTE-CNV")
    assert category_paths(sandbox, tote) == {
        "Apparel & Accessories > Handbags",
        "Gifts > Under 25 EUR",
    }
    assert by_sku(sandbox, "BELT-LTH")["sale_price"] == "29.00"

    # The tree: one term per level, each created after its parent.
    terms = [t for t in sandbox.terms("categories") if t["id"] not in categories_before]
    assert len({(t["name"], t["parent"]) for t in terms}) == len(terms)
    assert all(t["parent"] < t["id"] for t in terms if t["parent"])

    # The two bad items: never sent, each reported on its record and file line.
    assert sandbox.product_by_sku("UMB-TRV") is None and sandbox.product_by_sku("LACE-WAX") is None
    rows = report_rows(report)
    problems = {row["sku"]: row for row in rows if row["kind"] == "rejected"}
    assert set(problems) == {"UMB-TRV", "LACE-WAX"}
    usd = problems["UMB-TRV"]
    assert (usd["code"], usd["line"]) == ("wrong-currency", items["UMB-TRV"]["_line"][0])
    assert "g:price" in usd["column"] and usd["value"] == "24.99 USD"
    assert "EUR" in usd["message"] and "USD" in usd["message"]
    where = f"record {items['UMB-TRV']['_line'][0]} (line {items['UMB-TRV']['_source_line'][0]})"
    assert where in result.output and "wrong-currency" in result.output
    assert problems["LACE-WAX"]["code"] == "invalid-number"

    sandbox.clear_log()
    again = import_feed(sandbox, RSS, "google-merchant")
    assert again.exit_code == 1, again.output
    assert sandbox.writes() == 0, [(e.method, e.path) for e in sandbox.request_log if e.is_write]
    # Nothing the store kept differently from what was sent (a warning per item would say
    # "the next run will try again" about values that then never change).
    assert [(r["sku"], r["message"]) for r in rows if r["kind"] != "rejected"] == []


def test_dry_run_creates_nothing_not_even_categories(sandbox: Sandbox) -> None:
    categories = sandbox.terms("categories")  # "Uncategorized"
    result = import_feed(sandbox, RSS, "google-merchant", "--dry-run")
    assert result.exit_code in (0, 1), result.output
    assert "Apparel & Accessories > Clothing > Shirts" in result.output  # planned, not made
    assert sandbox.writes() == 0
    assert sandbox.products() == [] and sandbox.terms("categories") == categories


def test_atom_feed_next_to_the_rss_one_reuses_categories_and_attributes(
    sandbox: Sandbox,
) -> None:
    assert import_feed(sandbox, RSS, "google-merchant").exit_code == 1
    shirts = {t["id"] for t in sandbox.terms("categories") if t["name"] == "Shirts"}
    result = import_feed(sandbox, ATOM, "google-merchant-atom")
    assert result.exit_code == 0, result.output
    items = google_items(ATOM)

    polo = by_sku(sandbox, "POLO")
    assert (polo["type"], polo["name"]) == ("variable", "Piqué Polo Shirt")  # Atom <title>
    assert polo["description"].startswith("<p>Cotton piqué, <em>two-button</em>")  # <summary>
    assert sorted(attribute(polo, "Size")["options"]) == ["L", "M"]
    assert sorted(attribute(polo, "Color")["options"]) == ["Navy", "White"]
    assert image_files(polo) == ["polo-navy.jpg", "polo-detail.jpg"]
    # The same category and the same global attributes as the RSS feed's shirts: matched, not
    # created again.
    assert {c["id"] for c in polo["categories"]} == shirts
    assert attribute(polo, "Size")["id"] == attribute(by_sku(sandbox, "OXF"), "Size")["id"]
    assert len([t for t in sandbox.terms("categories") if t["name"] == "Shirts"]) == 1
    variations = {v["sku"]: v for v in sandbox.variations(polo["id"])}
    assert set(variations) == {"POLO-NAV-M", "POLO-NAV-L", "POLO-WHI-M", "POLO-WHI-L"}
    for sku, variation in variations.items():
        assert variation["global_unique_id"] == items[sku]["gtin"][0]
        assert variation["sale_price"] == ("32.00" if "WHI" in sku else "")
    assert variations["POLO-WHI-L"]["stock_status"] == "outofstock"
    cap, bottle = by_sku(sandbox, "CAP-BSB"), by_sku(sandbox, "BTL-STL")
    assert (cap["type"], cap["name"]) == ("simple", "Baseball Cap")  # <g:title>
    assert bottle["description"] == "Double-walled; keeps drinks cold for 24 hours."
    assert image_files(bottle) == ["bottle.jpg", "bottle-lid.jpg"]
    assert brand_names(bottle) == ["Kettle & Crane"]

    sandbox.clear_log()
    assert import_feed(sandbox, ATOM, "google-merchant-atom").exit_code == 0
    assert import_feed(sandbox, RSS, "google-merchant").exit_code == 1
    assert sandbox.writes() == 0, [(e.method, e.path) for e in sandbox.request_log if e.is_write]


def test_an_older_store_is_refused_up_front_naming_brands(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    """WooCommerce 7.9 has no brands (9.6) and no global_unique_id (9.2): the shipped mapping
    is refused before anything is written, naming what to remove."""
    old = sandbox_factory(wc_version="7.9.0")
    result = import_feed(old, RSS, "google-merchant")
    assert result.exit_code == 2, result.output
    assert "google-merchant.toml" in result.stderr
    assert "brands" in result.stderr and "9.6" in result.stderr
    assert "global_unique_id" in result.stderr
    assert old.writes() == 0 and old.products() == []
