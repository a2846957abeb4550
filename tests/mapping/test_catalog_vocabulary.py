"""The catalog vocabulary of mappings: each key is checked at load time (MappingError naming the
key path, with a hint) and read into the model; pure functions, no store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bulkio.catalog.feed import read_feed, split_values
from bulkio.errors import MappingError
from bulkio.mapping import Mapping

BASE = '[fields]\nsku = "SKU"\n'
XML = """
[source]
format = "xml"
record = "/feed/item"
[fields]
sku = "id"
"""


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (
            '[target]\ngroup_by = "G"\nparent = "P"\n' + BASE,
            "target.parent",
            "not both",
        ),
        ('[target]\nresource = "stock"\ngroup_by = "G"\n' + BASE, "target.group_by", "product"),
        ('[target]\ntype = ""\n' + BASE, "target.type", "empty"),
        (BASE + 'tags = { column = "T", hierarchy = ">" }\n', "fields.tags.hierarchy", "only"),
        (
            BASE + 'categories = { column = "C", split = "|", hierarchy = "|" }\n',
            "fields.categories.hierarchy",
            "other than split",
        ),
        (BASE + 'brands = { column = "B", type = "int" }\n', "fields.brands.type", "name"),
        (BASE + 'images = { column = "I", escape = "\\\\" }\n', "fields.images.escape", "split"),
        (BASE + 'images = { column = "I", columns = ["J"] }\n', "fields.images", "exactly one"),
        (BASE + "images = { columns = [] }\n", "fields.images.columns", "non-empty"),
        (BASE + 'images = { column = "I", on = "sometimes" }\n', "fields.images.on", "'create'"),
        (BASE + 'images = { column = "I", map = {} }\n', "fields.images.map", "unknown key"),
        (
            BASE + 'name = { column = "N", currency = "EUR" }\n',
            "fields.name.currency",
            'type = "money"',
        ),
        (
            BASE + 'regular_price = { column = "P", currency = "EURO" }\n',
            "fields.regular_price.currency",
            "ISO 4217",
        ),
        ('[fields]\nsku = { column = "S", on = "create" }\n', "fields.sku.on", "SKU"),
        (
            '[target]\nresource = "stock"\n'
            + BASE
            + 'stock_quantity = { column = "Q", on = "create" }\n',
            "fields.stock_quantity.on",
            "never creates",
        ),
        (BASE + 'weight = { column = "W", unit = "stone" }\n', "fields.weight.unit", "kg"),
        (
            BASE + 'weight = { column = "W ({unit})", unit = "g" }\n',
            "fields.weight.unit",
            "already",
        ),
        (
            BASE + 'name = { column = "Name ({unit})" }\n',
            "fields.name.column",
            "weight and dimensions",
        ),
        (BASE + '"dimensions.width" = { column = "W", unit = "kg" }\n', "fields", "dimension"),
        (BASE + 'regular_price = { column = "P", newlines = "\\\\n" }\n', "fields", "text"),
        (BASE + '"meta:x{key}" = "Meta: {key}"\n', 'fields."meta:x{key}"', '"meta:{key}"'),
        (BASE + '"meta:{key}" = "Meta"\n', 'fields."meta:{key}".column', "{key} once"),
        (BASE + 'downloads = { name_column = "N" }\n', "fields.downloads.url_column", "missing"),
        (
            BASE + 'downloads = { url_column = "D {n} URL", name_column = "Name" }\n',
            "fields.downloads.name_column",
            "{n}",
        ),
        (BASE + '[[attributes]]\ncolumn = "S"\n', "attributes[0]", "name"),
        (BASE + '[[attributes]]\nname = "Size"\n', "attributes[0].column", "missing"),
        (
            BASE + '[[attributes]]\nname = "Size"\ncolumn = "S"\nvariation = true\n',
            "attributes[0].variation",
            "group_by",
        ),
        (
            BASE + '[[attributes]]\nname = "Size"\ncolumn = "S {n}"\n',
            "attributes[0].column",
            "name_column",
        ),
        (
            BASE + '[[attributes]]\nname_column = "A {n}"\ncolumn = "V"\n',
            "attributes[0].name_column",
            "{n}",
        ),
        (
            BASE + '[[attributes]]\nname = "Size"\ncolumn = "S"\n[[attributes]]\nname = "size"\n'
            'column = "T"\n',
            "attributes[1].name",
            "twice",
        ),
        (BASE + '[[attributes]]\nname = "Size"\ncolum = "S"\n', "attributes[0].colum", "column"),
        (
            BASE + '[[attributes]]\nname = "S"\ncolumn = "S"\nglobal = "yes"\n',
            "attributes[0].global",
            "true",
        ),
        (XML + '"meta:{key}" = "Meta: {key}"\n', 'fields."meta:{key}"', "CSV"),
        (XML + 'weight = { column = "w{unit}" }\n', "fields.weight.column", "CSV"),
        ('[source]\nmissing_columns = "skip"\n' + BASE, "source.missing_columns", "'leave'"),
        ('[target]\nresource = "variation"\n' + BASE + 'tags = "T"\n', "fields.tags", "variation"),
        (
            BASE + 'categories = { column = "C", type = "int", hierarchy = ">" }\n',
            "fields.categories.hierarchy",
            "term ids",
        ),
    ],
)
def test_each_new_key_is_checked(
    mapping_from: Callable[[str], Mapping], text: str, key: str, words: str
) -> None:
    with pytest.raises(MappingError) as caught:
        mapping_from(text)
    error = caught.value
    assert error.path.endswith("mapping.toml")
    assert error.key is not None and error.key.startswith(key), (error.key, str(error))
    assert words in str(error) + (error.hint or ""), str(error)


def test_the_model_holds_what_the_vocabulary_says(mapping_from: Callable[[str], Mapping]) -> None:
    mapping = mapping_from(
        '[target]\ngroup_by = "G"\n'
        + BASE
        + 'regular_price = { column = "P", type = "money", currency = "eur", on = "create" }\n'
        'weight = { column = "Gewicht", type = "decimal", unit = "LB" }\n'
        'categories = { column = "C", split = "|", hierarchy = " > " }\n'
        'tags = { column = "T", split = ",", escape = "\\\\" }\n'
        'images = { columns = ["I1", "I2"], on = "create" }\n'
        'upsell_ids = { column = "U", split = "," }\n'
        'status = { value = "draft", on = "create" }\n'
        '"meta:{key}" = { column = "M_{key}", on = "create" }\n'
        "[[attributes]]\n"
        'name = "Size"\ncolumn = "S"\nglobal = true\ndefault = "M"\n'
    )
    price = mapping.fields["regular_price"]
    assert (price.currency, price.on) == ("EUR", "create")
    assert mapping.fields["weight"].unit == "lbs"
    assert mapping.fields["status"].on == "create"
    assert mapping.lists["categories"].hierarchy == ">"
    assert mapping.lists["tags"].escape == "\\"
    assert mapping.lists["images"].columns == ("I1", "I2")
    assert mapping.lists["upsell_ids"].split == ","
    (pattern,) = mapping.meta_patterns
    assert (pattern.match("M_color"), pattern.match("M_"), pattern.on) == ("color", None, "create")
    (size,) = mapping.attributes
    assert (size.name, size.is_global, size.default, size.variation) == ("Size", True, "M", None)
    assert mapping.target.group_by == "G" and mapping.target.groups_rows
    assert {"G", "C", "T", "I1", "I2", "U", "S"} <= set(mapping.source_columns)
    assert mapping.is_catalog


def test_split_values_with_an_escape() -> None:
    assert split_values("a, b\\, c,, d", ",", "\\") == ["a", "b, c", "d"]
    assert split_values("x|y", None) == ["x|y"]
    assert split_values("one\x1ftwo, three", ",") == ["one", "two", "three"]


def test_an_absent_column_is_an_error_unless_the_mapping_leaves_it(
    mapping_from: Callable[[str], Mapping], tmp_path: Path
) -> None:
    source = tmp_path / "feed.csv"
    source.write_text("SKU,Name\nA,Hat\n", encoding="utf-8")
    strict = mapping_from(BASE + 'name = "Name"\ncategories = { column = "Kategorie" }\n')
    with pytest.raises(MappingError) as caught:
        read_feed(strict, source)
    assert caught.value.key == "fields.categories" and "Kategorie" in str(caught.value)
    lenient = mapping_from(
        '[source]\nmissing_columns = "leave"\n'
        + BASE
        + 'name = "Name"\ncategories = { column = "Kategorie" }\n'
    )
    feed = read_feed(lenient, source)
    assert feed.items[0].categories is None and feed.items[0].values["name"] == "Hat"
    assert any("'Kategorie'" in warning for warning in feed.warnings)


GOOGLE_XML = """<?xml version="1.0"?>
<rss xmlns:g="http://base.google.com/ns/1.0"><channel>
<item><g:id>S-1</g:id><g:item_group_id>S</g:item_group_id><title>Shirt</title>
  <g:price>19.99 EUR</g:price><g:size>M</g:size><g:product_type>Apparel &gt; Shirts</g:product_type>
  <g:image_link>https://img.example.com/a.jpg</g:image_link>
  <g:additional_image_link>https://img.example.com/b.jpg</g:additional_image_link>
  <g:additional_image_link>https://img.example.com/c.jpg</g:additional_image_link></item>
<item><g:id>S-2</g:id><g:item_group_id>S</g:item_group_id><title>Shirt</title>
  <g:price>19.99 USD</g:price><g:size>L</g:size></item>
<item><g:id>S-3</g:id><g:item_group_id>S</g:item_group_id><title>Shirt</title>
  <g:price>21.00</g:price><g:size>L</g:size></item>
</channel></rss>
"""


def test_xml_paths_matching_several_elements_give_several_values(
    mapping_from: Callable[[str], Mapping], tmp_path: Path
) -> None:
    source = tmp_path / "feed.xml"
    source.write_text(GOOGLE_XML, encoding="utf-8")
    mapping = mapping_from(
        '[source]\nformat = "xml"\nrecord = "/rss/channel/item"\n'
        '[source.namespaces]\ng = "http://base.google.com/ns/1.0"\n'
        '[target]\ngroup_by = "g:item_group_id"\n'
        '[fields]\nsku = "g:id"\nname = "title"\n'
        'regular_price = { column = "g:price", type = "money", currency = "EUR" }\n'
        'categories = { column = "g:product_type", hierarchy = ">" }\n'
        'images = { columns = ["g:image_link", "g:additional_image_link"] }\n'
        '[[attributes]]\nname = "Size"\ncolumn = "g:size"\n'
    )
    feed = read_feed(mapping, source)
    (shirt,) = feed.items
    assert (shirt.sku, shirt.kind, shirt.values["name"]) == ("S", "variable", "Shirt")
    assert shirt.images == [
        "https://img.example.com/a.jpg",
        "https://img.example.com/b.jpg",
        "https://img.example.com/c.jpg",
    ]
    assert shirt.categories == [("Apparel", "Shirts")]
    assert [v.sku for v in shirt.variations] == ["S-1", "S-3"]
    assert shirt.attributes[0].options == ["M", "L"]
    assert [(r.sku, r.code) for r in feed.rejected] == [("S-2", "wrong-currency")]


SHOPIFY_MAPPING = """
[target]
group_by = "Handle"
[fields]
sku = "Variant SKU"
name = "Title"
regular_price = { column = "Variant Price", type = "money" }
images = { column = "Image Src", scope = "group" }
[[attributes]]
name_column = "Option{n} Name"
column = "Option{n} Value"
ignore_values = ["Default Title"]
"""

SHOPIFY_ROWS = (
    "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,"
    "Variant Price,Image Src\n"
    "tee,Tee,Size,S,Color,Red,TEE-S-R,10,https://img.example.com/t1.jpg\n"
    "tee,,,M,,Red,TEE-M-R,10,https://img.example.com/t2.jpg\n"
    "tee,,,,,,,,https://img.example.com/t3.jpg\n"
    "tote,Tote,Title,Default Title,,,TOTE-1,20,https://img.example.com/b1.jpg\n"
    "tote,,,,,,,,https://img.example.com/b2.jpg\n"
    "card,Gift card,Title,Default Title,,,,25,https://img.example.com/g1.jpg\n"
    "card,,,,,,,,https://img.example.com/g2.jpg\n"
)


def test_grouped_rows_shaped_as_shopify_writes_them(
    mapping_from: Callable[[str], Mapping], tmp_path: Path
) -> None:
    source = tmp_path / "products.csv"
    source.write_text(SHOPIFY_ROWS, encoding="utf-8")
    feed = read_feed(mapping_from(SHOPIFY_MAPPING), source)
    by_sku = {item.sku: item for item in feed.items}
    tee = by_sku["tee"]
    # Option names on the handle's first row only: later rows take them.
    assert [(a.name, a.options) for a in tee.attributes] == [
        ("Size", ["S", "M"]),
        ("Color", ["Red"]),
    ]
    assert [v.sku for v in tee.variations] == ["TEE-S-R", "TEE-M-R"]
    # scope = "group": every row's image, then the SKU-less image row.
    assert tee.images == [f"https://img.example.com/t{n}.jpg" for n in (1, 2, 3)]
    # One row whose only option value is ignored: a simple product with the row's SKU.
    tote = by_sku["TOTE-1"]
    assert (tote.kind, tote.values["name"], tote.values["regular_price"]) == (
        "simple",
        "Tote",
        "20",
    )
    assert tote.images == ["https://img.example.com/b1.jpg", "https://img.example.com/b2.jpg"]
    # A group without any SKU stays rejected, its image row too.
    assert [(r.line, r.code) for r in feed.rejected] == [(7, "missing-sku"), (8, "missing-sku")]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (BASE + 'images = { column = "I", scope = "group" }\n', "fields.images.scope"),
        (
            '[target]\ngroup_by = "G"\n' + BASE + 'tags = { column = "T", scope = "group" }\n',
            "fields.tags.scope",
        ),
        (
            BASE + '[[attributes]]\nname = "S"\ncolumn = "S"\nignore_values = "x"\n',
            "attributes[0].ignore_values",
        ),
    ],
)
def test_group_keys_are_checked(
    mapping_from: Callable[[str], Mapping], text: str, key: str
) -> None:
    with pytest.raises(MappingError) as caught:
        mapping_from(text)
    assert caught.value.key == key, str(caught.value)


def test_variation_image_and_compare_at_price(
    mapping_from: Callable[[str], Mapping], tmp_path: Path
) -> None:
    source = tmp_path / "products.csv"
    source.write_text(
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,"
        "Variant Compare At Price,Image Src,Variant Image\n"
        "mug,Mug,Size,S,MUG-S,8,10,https://img.example.com/m1.jpg,https://img.example.com/s.jpg\n"
        "mug,,,L,MUG-L,12,12,https://img.example.com/m2.jpg,\n"
        "mug,,,XL,MUG-XL,14,,,https://img.example.com/xl.jpg\n",
        encoding="utf-8",
    )
    mapping = mapping_from(
        '[target]\ngroup_by = "Handle"\n'
        '[fields]\nsku = "Variant SKU"\nname = "Title"\n'
        'regular_price = { column = "Variant Price", type = "money", '
        'compare_at = "Variant Compare At Price" }\n'
        'images = { column = "Image Src", scope = "group" }\n'
        'variation_image = "Variant Image"\n'
        '[[attributes]]\nname_column = "Option{n} Name"\ncolumn = "Option{n} Value"\n'
    )
    (mug,) = read_feed(mapping, source).items
    assert mug.images == ["https://img.example.com/m1.jpg", "https://img.example.com/m2.jpg"]
    small, large, huge = mug.variations
    assert small.images == ["https://img.example.com/s.jpg"] and large.images is None
    assert huge.images == ["https://img.example.com/xl.jpg"]
    prices = [(v.values["regular_price"], v.values["sale_price"]) for v in mug.variations]
    assert prices == [("10.00", "8.00"), ("12", ""), ("14", "")]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            BASE + 'sale_price = { column = "P", type = "money", compare_at = "C" }\n',
            "fields.sale_price.compare_at",
        ),
        (
            BASE + 'regular_price = { column = "P", compare_at = "C" }\nsale_price = "S"\n',
            "fields.regular_price.compare_at",
        ),
        (BASE + 'variation_image = "V"\n', "fields.variation_image"),
    ],
)
def test_price_pair_and_variation_image_are_checked(
    mapping_from: Callable[[str], Mapping], text: str, key: str
) -> None:
    with pytest.raises(MappingError) as caught:
        mapping_from(text)
    assert caught.value.key == key, str(caught.value)
