"""The shipped feed samples read through their shipped mappings (no store): what the engine
is handed — products with their variations, category paths, images in order, attributes,
rejected rows with their codes and records/lines."""

from __future__ import annotations

from bulkio.catalog.feed import CatalogFeed, FeedItem, read_feed
from bulkio.mapping import load_mapping
from tests.feeds.conftest import SAMPLES, google_items

MEDIA = "https://shop.example.com/media/"


def feed(mapping: str, sample: str) -> CatalogFeed:
    return read_feed(load_mapping(mapping), SAMPLES / sample)


def items_by_sku(found: CatalogFeed) -> dict[str, FeedItem]:
    return {item.sku: item for item in found.items}


def test_google_rss_sample() -> None:
    found = feed("google-merchant", "google-merchant.xml")
    assert found.total == 30
    assert {(e.line, e.sku, e.code) for e in found.rejected} == {
        (29, "UMB-TRV", "wrong-currency"),
        (30, "LACE-WAX", "invalid-number"),
    }
    usd = next(e for e in found.rejected if e.code == "wrong-currency")
    assert usd.column == "g:price" and usd.value == "24.99 USD"
    assert "EUR" in usd.message
    items = items_by_sku(found)
    assert sorted(sku for sku, item in items.items() if item.kind == "variable") == [
        "HOOD",
        "LIN",
        "OXF",
        "TEE",
    ]
    assert len(items) == 11 and found.variation_count == 21

    oxford = items["OXF"]
    assert oxford.values["name"] == "Classic Oxford Shirt"
    assert oxford.categories == [("Apparel & Accessories", "Clothing", "Shirts")]
    assert oxford.images == [
        MEDIA + "oxford-white.jpg",
        MEDIA + "oxford-white-back.jpg",
        MEDIA + "oxford-collar.jpg",
    ]
    options = {a.name: a.options for a in oxford.attributes}
    assert options == {"Size": ["S", "M", "L"], "Color": ["White", "Light Blue"]}
    assert all(a.is_global for a in oxford.attributes)

    source = google_items(SAMPLES / "google-merchant.xml")
    for variation in oxford.variations:
        item = source[variation.sku]
        assert variation.kind == "variation"
        assert variation.values["global_unique_id"] == item["gtin"][0]  # "0761…": text
        assert variation.values["regular_price"] == "49.95"
        assert {a.name: a.options for a in variation.attributes} == {
            "Size": item["size"],
            "Color": item["color"],
        }
    blue = next(v for v in oxford.variations if v.sku == "OXF-BLU-L")
    assert blue.values["sale_price"] == "39.95"
    assert blue.values["stock_status"] == "outofstock"

    tote = items["TOTE-CNV"]
    assert tote.kind == "simple"
    assert tote.categories == [
        ("Apparel & Accessories", "Handbags"),
        ("Gifts", "Under 25 EUR"),
    ]
    assert tote.images is not None and len(tote.images) == 3
    assert items["SCARF-CSH"].values["stock_status"] == "onbackorder"  # preorder
    assert "global_unique_id" not in items["CAP-KNT"].values  # identifier_exists = no


def test_google_atom_sample() -> None:
    found = feed("google-merchant-atom", "google-merchant-atom.xml")
    assert found.total == 6 and found.rejected == []
    items = items_by_sku(found)
    assert set(items) == {"POLO", "CAP-BSB", "BTL-STL"}
    polo = items["POLO"]
    assert polo.values["name"] == "Piqué Polo Shirt"  # the Atom <title> (default namespace)
    assert str(polo.values["description"]).startswith("<p>Cotton piqué")  # <summary> CDATA
    assert [v.sku for v in polo.variations] == [
        "POLO-NAV-M",
        "POLO-NAV-L",
        "POLO-WHI-M",
        "POLO-WHI-L",
    ]
    assert items["CAP-BSB"].values["name"] == "Baseball Cap"  # <g:title>
    assert items["BTL-STL"].images == [MEDIA + "bottle.jpg", MEDIA + "bottle-lid.jpg"]


def test_erp_sample() -> None:
    found = feed("erp-de", "erp-de.csv")
    assert [(e.line, e.sku, e.code) for e in found.rejected] == [(22, "A-4003", "invalid-number")]
    items = items_by_sku(found)
    assert set(items) == {"H-1001", "H-1002", "HO-2001", "D-3001", "A-4001", "A-4002"} | {
        "M-5001",
        "P-6001",
    }  # P-6002 skipped by the Webshop filter
    shirt = items["H-1001"]
    assert shirt.kind == "variable" and len(shirt.variations) == 6
    assert shirt.values["name"] == "Business-Hemd Oxford"  # cp1252 read right
    assert shirt.categories == [("Bekleidung", "Herren", "Hemden")]
    options = {a.name: a.options for a in shirt.attributes}
    assert options == {"Größe": ["39/40", "41/42", "43/44"], "Farbe": ["Weiß", "Hellblau"]}
    assert items["H-1002"].categories == [("Bekleidung", "Herren", "Hemden"), ("Sommerkollektion",)]
    coat = items["M-5001"]
    assert (coat.values["regular_price"], coat.values["sale_price"]) == ("1299.00", "1099.00")
    assert items["A-4001"].values["global_unique_id"] == "0076120000169"
