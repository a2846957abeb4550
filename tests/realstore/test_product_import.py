"""Flat product imports (CSV and XML) on real WooCommerce: every mapped field round-trips and an
unchanged re-run writes nothing.

Each test imports a feed whose values are the ones that broke idempotency on real stores:
HTML and multi-line descriptions (rendered by ``wpautop`` in the default view context), names
with ``& < > " '`` (stored with entities), non-Latin text, prices with and without decimals,
a sale price set and then cleared, weights and dimensions, meta, GTIN (11.x only), status and
stock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.realstore.helpers import bulkio, bulkio_json, meta, modified, write
from tests.realstore.refstore import RealStore

NAMES = [
    "Shirt & Co",
    'Bolt 5/16" <stainless>',
    "O'Brien's Tee",
    "Käse & Brötchen — Grüße",
    "Чай зелёный 日本茶",
    "Fish &amp; Chips",
]
STORED_NAMES = {
    # As both real stores hold them (context=edit): WordPress filters titles through kses,
    # which turns a bare "&" into "&amp;" and drops what looks like an unknown HTML tag.
    "Shirt & Co": "Shirt &amp; Co",
    'Bolt 5/16" <stainless>': 'Bolt 5/16"',
    "Käse & Brötchen — Grüße": "Käse &amp; Brötchen — Grüße",
}

DESCRIPTIONS = [
    "Einfach",
    "<p>Erste Zeile</p>\n<p>Zweite Zeile mit <strong>fett</strong></p>",
    "Zeile eins\nZeile zwei\n\nNeuer Absatz",
    'Stiel aus Esche, "gehärtet" -- 100% <em>Handarbeit</em>',
    "<ul><li>Eins</li><li>Zwei & Drei</li></ul>",
    "",
]

PRICES = ["20", "19,5", "1.234,00", "0,99", "7", "12,30"]
SALES = ["15", "", "999", "", "5,5", ""]


def product_csv_mapping(store: RealStore) -> str:
    gtin = 'global_unique_id = "GTIN"\n' if store.has_gtin else ""
    return f"""
[source]
format = "csv"
delimiter = ";"
decimal = ","
thousands = "."

[target]
resource = "product"

[fields]
sku = "SKU"
name = "Name"
description = "Beschreibung"
short_description = "Kurz"
regular_price = {{ column = "Preis", type = "money" }}
sale_price = {{ column = "Aktion", type = "money", empty = "clear" }}
weight = {{ column = "Gewicht", type = "decimal" }}
"dimensions.length" = {{ column = "Laenge", type = "decimal" }}
stock_quantity = {{ column = "Bestand", type = "int" }}
manage_stock = {{ value = true }}
status = {{ column = "Aktiv", map = {{ "1" = "publish", "0" = "draft" }} }}
"meta:ean" = "EAN"
"meta:note" = "Notiz"
{gtin}
[limits]
max_change_share = "off"
"""


def csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def gtin(prefix: str, n: int) -> str:
    """A GTIN no other product holds (the store refuses duplicates), with a leading zero."""
    return "0" + str(int(prefix.split("-")[0][-8:], 16) % 10**10).zfill(10) + f"{n:02d}"


def product_rows(prefix: str, sale: list[str]) -> str:
    lines = ["SKU;Name;Beschreibung;Kurz;Preis;Aktion;Gewicht;Laenge;Bestand;Aktiv;EAN;Notiz;GTIN"]
    for n, name in enumerate(NAMES):
        cells = [
            f"{prefix}{n}",
            name,
            DESCRIPTIONS[n],
            f"Kurz & knapp {n}",
            PRICES[n],
            sale[n],
            ["0,5", "2", "1,25", "", "0,075", "3"][n],
            ["10", "", "2,5", "30", "", "1"][n],
            str(n * 7),
            "1" if n % 3 else "0",
            f"000{n}12345",
            f"Notiz <b>{n}</b> & mehr",
            gtin(prefix, n),
        ]
        lines.append(";".join(csv_cell(cell) for cell in cells))
    return "\n".join(lines) + "\n"


def import_json(feed: Path, mapping: Path, *extra: str) -> dict[str, Any]:
    code, document = bulkio_json("import", str(feed), "-m", str(mapping), *extra)
    assert code == 0, document
    return document


def assert_stored(store: RealStore, prefix: str, sale: list[str]) -> None:
    """What the store holds, read back as stored (context=edit), is what the feed says."""
    held = store.by_skus([f"{prefix}{n}" for n in range(len(NAMES))])
    assert len(held) == len(NAMES)
    for n, name in enumerate(NAMES):
        item = held[f"{prefix}{n}"]
        assert item["name"] == STORED_NAMES.get(name, name)
        assert _squash(item["description"]) == _squash(DESCRIPTIONS[n])
        assert float(item["regular_price"]) == float(PRICES[n].replace(".", "").replace(",", "."))
        expected_sale = sale[n].replace(",", ".")
        if expected_sale and float(expected_sale) < float(item["regular_price"]):
            assert float(item["sale_price"]) == float(expected_sale)
        assert item["stock_quantity"] == n * 7
        assert item["status"] == ("publish" if n % 3 else "draft")
        assert meta(item, "ean") == f"000{n}12345"
        if store.has_gtin:
            assert item["global_unique_id"] == gtin(prefix, n)


def unescape_once(text: str) -> str:
    import html

    return html.unescape(text)


def _squash(text: str) -> str:
    return " ".join(unescape_once(text).split())


def test_csv_import_round_trips_and_rerun_writes_nothing(
    store_env: RealStore, tmp_path: Path
) -> None:
    store = store_env
    prefix = store.prefix("CSV")
    mapping = write(tmp_path / "feed.toml", product_csv_mapping(store))
    # The sale on row 2 is above the regular price: that row is rejected locally, never sent.
    sales = [s if s != "999" else "" for s in SALES]
    feed = write(tmp_path / "feed.csv", product_rows(prefix, sales))

    # The dry run plans every row as a create and writes nothing.
    dry = import_json(feed, mapping, "--dry-run")
    assert len(dry["plan"]["creates"]) == len(NAMES) and "result" not in dry, dry
    assert store.by_skus([f"{prefix}{n}" for n in range(len(NAMES))]) == {}

    first = import_json(feed, mapping)
    assert first["result"]["counts"]["created"] == len(NAMES)
    assert_stored(store, prefix, sales)
    before = modified(store.by_skus([f"{prefix}{n}" for n in range(len(NAMES))]))

    again = import_json(feed, mapping)
    assert again["result"]["writes"] == 0, again["plan"]
    assert again["result"]["counts"]["unchanged"] == len(NAMES)
    assert modified(store.by_skus([f"{prefix}{n}" for n in range(len(NAMES))])) == before

    # The sale ends: the cleared cell clears the store's sale price, once.
    cleared = [""] * len(NAMES)
    write(feed, product_rows(prefix, cleared))
    third = import_json(feed, mapping)
    assert third["result"]["counts"]["updated"] == sum(1 for s in sales if s)
    held = store.by_skus([f"{prefix}{n}" for n in range(len(NAMES))])
    assert all(item["sale_price"] == "" for item in held.values())
    fourth = import_json(feed, mapping)
    assert fourth["result"]["writes"] == 0, fourth["plan"]


def test_gtin_on_a_store_without_it_is_refused_with_a_reason(
    store_env: RealStore, tmp_path: Path
) -> None:
    if store_env.has_gtin:
        pytest.skip("this store has global_unique_id (WooCommerce >= 9.2)")
    prefix = store_env.prefix("GT")
    mapping = write(
        tmp_path / "gtin.toml",
        '[source]\nformat = "csv"\n[target]\nresource = "product"\n'
        '[fields]\nsku = "SKU"\nname = "Name"\nglobal_unique_id = "GTIN"\n',
    )
    feed = write(tmp_path / "gtin.csv", f"SKU,Name,GTIN\n{prefix}1,Eins,04012345678901\n")
    code, _out, err = bulkio("import", str(feed), "-m", str(mapping))
    assert code == 2, err
    assert "gtin.toml" in err and "global_unique_id" in err and "9.2" in err
    assert store_env.by_sku(f"{prefix}1") is None


XML_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<catalog>
{items}
</catalog>
"""


def test_xml_import_round_trips_and_rerun_writes_nothing(
    store_env: RealStore, tmp_path: Path
) -> None:
    store = store_env
    prefix = store.prefix("XML")
    mapping = write(
        tmp_path / "feed.toml",
        """
[source]
format = "xml"
record = "/catalog/item"

[target]
resource = "product"

[fields]
sku = "@id"
name = "title"
description = "description"
regular_price = { column = "price", type = "money" }
sale_price = { column = "sale", type = "money", empty = "clear" }
weight = "weight"
stock_quantity = { column = "stock", type = "int" }
manage_stock = { value = true }
"meta:brand" = "brand"
""",
    )
    items = []
    for n, name in enumerate(NAMES):
        description = DESCRIPTIONS[n]
        items.append(
            f'<item id="{prefix}{n}"><title><![CDATA[{name}]]></title>'
            f"<description><![CDATA[{description}]]></description>"
            f"<price>{['20', '19.5', '1234.00', '0.99', '7', '12.3'][n]}</price>"
            f"<sale>{['15', '', '', '', '5.5', ''][n]}</sale>"
            f"<weight>{['0.5', '2', '1.25', '', '0.075', '3'][n]}</weight>"
            f"<stock>{n}</stock><brand>Grünwerk &amp; Söhne</brand></item>"
        )
    feed = write(tmp_path / "feed.xml", XML_FEED.format(items="\n".join(items)))

    first = import_json(feed, mapping, "--no-limits")
    assert first["result"]["counts"]["created"] == len(NAMES)
    held = store.by_skus([f"{prefix}{n}" for n in range(len(NAMES))])
    assert meta(held[f"{prefix}0"], "brand") == "Grünwerk & Söhne"
    assert held[f"{prefix}0"]["regular_price"] in ("20", "20.00")
    before = modified(held)

    again = import_json(feed, mapping)
    assert again["result"]["writes"] == 0, again["plan"]
    assert modified(store.by_skus(list(held))) == before


KINDS_MAPPING = """
[source]
format = "csv"

[target]
resource = "product"

[fields]
sku = "sku"
name = "name"
regular_price = { column = "price", type = "money" }
sale_price = { column = "sale", type = "money", empty = "clear" }
date_on_sale_from = "from"
date_on_sale_to = "to"
featured = { column = "featured", type = "bool" }
reviews_allowed = { column = "reviews", type = "bool" }
catalog_visibility = "visibility"
tax_status = "tax"
backorders = "backorders"
manage_stock = { value = true }
stock_quantity = { column = "stock", type = "int" }
menu_order = { column = "order", type = "int" }
low_stock_amount = { column = "low", type = "int" }
slug = "slug"

[limits]
max_change_share = "off"
"""


def test_every_kind_of_field_round_trips_in_a_store_far_from_utc(
    store_env: RealStore, tmp_path: Path
) -> None:
    """Booleans, enums, integers, a sale window in the store's own time zone and slugs: written
    once, unchanged on the re-run (the sale dates are site time, as the API answers them)."""
    store = store_env
    prefix = store.prefix("KD")
    before_tz = store.wp_php('echo get_option("timezone_string");')
    store.wp_php('update_option("timezone_string", "Pacific/Auckland");')
    try:
        mapping = write(tmp_path / "kinds.toml", KINDS_MAPPING)
        lines = [
            "sku,name,price,sale,from,to,featured,reviews,visibility,tax,backorders,stock,order,low,slug"
        ]
        lines.append(
            f"{prefix}1,Eins,20,15,2026-06-01,2026-06-30 23:59:59,yes,no,catalog,taxable,"
            f"notify,3,5,2,{prefix.lower()}eins"
        )
        lines.append(f"{prefix}2,Zwei,9.5,,,,no,yes,hidden,none,no,0,-1,,{prefix.lower()}zwei")
        feed = write(tmp_path / "kinds.csv", "\n".join(lines) + "\n")
        first = import_json(feed, mapping)
        assert first["result"]["counts"]["created"] == 2
        held = store.by_skus([f"{prefix}1", f"{prefix}2"])
        one, two = held[f"{prefix}1"], held[f"{prefix}2"]
        assert one["date_on_sale_from"] == "2026-06-01T00:00:00"
        assert one["date_on_sale_to"] == "2026-06-30T23:59:59"
        assert one["featured"] is True and one["reviews_allowed"] is False
        assert (one["catalog_visibility"], one["backorders"], one["menu_order"]) == (
            "catalog",
            "notify",
            5,
        )
        assert one["low_stock_amount"] == 2 and two["tax_status"] == "none"
        assert two["menu_order"] == -1 and two["slug"] == f"{prefix.lower()}zwei"
        again = import_json(feed, mapping)
        assert again["result"]["writes"] == 0, again["plan"]
        assert modified(store.by_skus([f"{prefix}1", f"{prefix}2"])) == modified(held)
    finally:
        store.wp_php(f'update_option("timezone_string", "{before_tz.strip()}");')
