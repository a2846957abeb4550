"""Mapping validation: every problem names the mapping file and the key path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bulkio.errors import MappingError
from bulkio.mapping import Mapping, load_mapping

BASE = """
[source]
delimiter = ";"
[fields]
sku = "SKU"
"""


def _error(mapping_from: Callable[[str], Mapping], text: str) -> MappingError:
    with pytest.raises(MappingError) as caught:
        mapping_from(text)
    error = caught.value
    assert error.path.endswith("mapping.toml")
    assert str(error).startswith(error.path)
    return error


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[sorce]\nformat='csv'\n" + BASE, "sorce", "did you mean 'source'"),
        (BASE + "regular_prise = 'P'\n", "fields.regular_prise", "did you mean 'regular_price'"),
        (BASE + "price = { colum = 'P' }\n", "fields.price", "not a WooCommerce field"),
        (
            BASE + "regular_price = { colum = 'P' }\n",
            "fields.regular_price.colum",
            "did you mean 'column'",
        ),
        (BASE + "regular_price = 12\n", "fields.regular_price", "not an integer"),
        (
            BASE + "regular_price = { column = 'P', type = 'mony' }\n",
            "fields.regular_price.type",
            "did you mean 'money'",
        ),
        (
            BASE + "regular_price = { column = 'P', type = 'bool' }\n",
            "fields.regular_price.type",
            "impossible combination",
        ),
        (
            BASE + "stock_quantity = { column = 'Q', empty = 'clear' }\n",
            "fields.stock_quantity.empty",
            "cannot be cleared",
        ),
        (
            BASE + "name = { column = 'N', split = '|' }\n",
            "fields.name.split",
            "impossible combination",
        ),
        (
            BASE + "name = { column = 'N', value = 'x' }\n",
            "fields.name",
            "exactly one of column, value or template",
        ),
        (BASE + "name = { value = 'x', trim = false }\n", "fields.name.trim", "constant"),
        (BASE + "status = { value = 'publsh' }\n", "fields.status.value", "not one of"),
        (
            BASE + "status = { column = 'S', map = { '1' = 'publsh' } }\n",
            "fields.status.map.1",
            "not one of",
        ),
        (
            BASE + "featured = { column = 'F', true = ['ja'], type = 'text' }\n",
            "fields.featured.type",
            "impossible combination",
        ),
        (
            BASE + "name = { column = 'N', true = ['ja'] }\n",
            "fields.name.true",
            "only apply to type",
        ),
        (
            BASE + "featured = { column = 'F', true = ['ja'], false = ['ja'] }\n",
            "fields.featured",
            "both the true and the false",
        ),
        (BASE + "name = { column = 'N', format = '%d' }\n", "fields.name.format", 'type = "date"'),
        (
            BASE + "name = { column = 'N', default = 'x' }\n",
            "fields.name.default",
            "missing from map",
        ),
        (BASE + "name = { template = '{A' }\n", "fields.name.template", "unbalanced"),
        (
            BASE + "categories = { column = 'C', hierarchy = '>', type = 'int' }\n",
            "fields.categories.hierarchy",
            "term ids",
        ),
        (
            BASE + "tags = { column = 'C', hierarchy = '>' }\n",
            "fields.tags.hierarchy",
            "only categories",
        ),
        (
            BASE + "manage_stock = { value = 'perhaps' }\n",
            "fields.manage_stock.value",
            "true or false",
        ),
        (BASE + "regular_price = { value = '-1' }\n", "fields.regular_price.value", "negative"),
        (BASE + "categories = { value = [3, 'x'] }\n", "fields.categories.value", "whole numbers"),
        (BASE + '"meta:" = "M"\n', 'fields."meta:"', "not a WooCommerce field"),
        (BASE + "dimensions = { width = 'W' }\n", "fields.dimensions", '"dimensions.width"'),
        ("[fields]\nname = 'N'\n", "fields.sku", "missing"),
        (
            BASE
            + "\"meta:since\" = { value = '31.02.2026', type = 'date', format = '%d.%m.%Y' }\n",
            'fields."meta:since".value',
            "not a date",
        ),
        ("[fields]\n", "fields", "owns no fields"),
        ("[fields]\nsku = { value = 'X' }\n", "fields.sku", "must come from the file"),
        ("[source]\ndelimiter = ';;'\n[fields]\nsku='S'\n", "source.delimiter", "single char"),
        (
            "[source]\nquote = ';'\ndelimiter=';'\n[fields]\nsku='S'\n",
            "source.quote",
            "cannot be the delimiter",
        ),
        (
            "[source]\nencoding = 'utf-9'\n[fields]\nsku='S'\n",
            "source.encoding",
            "unknown encoding",
        ),
        ("[source]\ndecimal = ';'\n[fields]\nsku='S'\n", "source.decimal", "not one of"),
        (
            "[source]\ndecimal = ','\nthousands = ','\n[fields]\nsku='S'\n",
            "source.thousands",
            "cannot be the decimal",
        ),
        (
            "[source]\nheader_case = 'upper'\n[fields]\nsku='S'\n",
            "source.header_case",
            "not one of",
        ),
        (
            "[source]\nheader_case = 'exact'\n[options]\nheader_case = 'insensitive'\n"
            "[fields]\nsku='S'\n",
            "options.header_case",
            "contradicts",
        ),
        ("[source]\nformat = 'xml'\n[fields]\nsku='@id'\n", "source.record", "needs the path"),
        (
            "[source]\nformat = 'xml'\nrecord = '/a/b'\ndelimiter = ';'\n[fields]\nsku='@id'\n",
            "source.delimiter",
            "only applies to CSV",
        ),
        ("[source]\nrecord = '/a/b'\n[fields]\nsku='S'\n", "source.record", "only applies to XML"),
        (
            "[source]\nformat = 'xml'\nrecord = '/p:a'\n[fields]\nsku='@id'\n",
            "source.record",
            "not declared",
        ),
        (
            "[target]\nresource = 'products'\n[fields]\nsku='S'\n",
            "target.resource",
            "did you mean 'product'",
        ),
        ("[target]\nmatch = 'id'\n[fields]\nsku='S'\n", "target.match", "not one of"),
        ("[target]\nmissing = 'hide'\n[fields]\nsku='S'\n", "target.missing", "not one of"),
        ("[target]\non_trashed = 'ignore'\n[fields]\nsku='S'\n", "target.on_trashed", "not one of"),
        (
            "[target]\nresource = 'stock'\n[fields]\nsku='S'\nname='N'\n",
            "fields.name",
            "stock mapping may only own",
        ),
        (
            "[target]\nresource = 'stock'\nmissing = 'delete'\n[fields]\nsku='S'\n",
            "target.missing",
            "stock mapping cannot",
        ),
        (
            "[target]\nresource = 'variation'\n[fields]\nsku='S'\nname='N'\n",
            "fields.name",
            "does not exist on a variation",
        ),
        (
            "[target]\nmanages = { meta = '' }\n[fields]\nsku='S'\n",
            "target.manages.meta",
            "meta key",
        ),
        (BASE + "[[filters]]\ncolumn = 'S'\n", "filters[0]", "exactly one of"),
        (
            BASE + "[[filters]]\ncolumn = 'S'\nequals = 'x'\naction = 'drop'\n",
            "filters[0].action",
            "not one of",
        ),
        (
            BASE + "[[filters]]\ncolumn = 'S'\nregex = '('\n",
            "filters[0].regex",
            "not a valid regular expression",
        ),
        (
            BASE + "[[filters]]\ncolumn = 'S'\nequal = 'x'\n",
            "filters[0].equal",
            "did you mean 'equals'",
        ),
        (BASE + "[[filters]]\nequals = 'x'\n", "filters[0].column", "needs the column"),
        (BASE + "[[filters]]\ncolumn = 'S'\nin = 'x'\n", "filters[0].in", "array of strings"),
        (BASE + "filters = 3\n", "fields.filters", "not a WooCommerce field"),
        (BASE + "[limits]\nmax_change = 5\n", "limits.max_change", "did you mean 'max_changes'"),
        (BASE + "[limits]\nmax_changes = 'lots'\n", "limits.max_changes", "not a whole number"),
        (BASE + "[limits]\nmax_changes = true\n", "limits.max_changes", "must be a number"),
        ("source = 3\n[fields]\nsku='S'\n", "source", "must be a table"),
    ],
)
def test_each_problem_names_file_and_key(
    mapping_from: Callable[[str], Mapping], text: str, key: str, words: str
) -> None:
    error = _error(mapping_from, text)
    assert error.key == key
    assert f"[{key}]" in str(error)
    assert words in str(error)


def test_toml_syntax_error(mapping_from: Callable[[str], Mapping]) -> None:
    error = _error(mapping_from, "[fields\nsku = 'S'\n")
    assert error.key is None
    assert "not valid TOML" in str(error)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="not found"):
        load_mapping(tmp_path / "nope.toml")


def test_a_full_mapping_loads_into_the_model(mapping_from: Callable[[str], Mapping]) -> None:
    mapping = mapping_from(
        """
[source]
format = "csv"
delimiter = ";"
quote = "'"
encoding = "cp1252"
decimal = ","
thousands = "."
header_case = "insensitive"
[target]
resource = "product"
missing = "draft"
on_trashed = "create"
manages = { meta = "_bulkio_feed" }
[fields]
name = "Title"
sku = "SKU"
regular_price = { column = "Price", type = "money" }
featured = { column = "Top", true = ["ja", "J"], false = ["nein"] }
status = { column = "Active", map = { "1" = "publish", "0" = "draft" }, default = "private" }
categories = { value = [12, 3, 12] }
"meta:release" = { column = "Released", type = "date", format = "%d.%m.%Y" }
description = { template = "{Desc} — {{brand}} {Brand}", trim = false }
[[filters]]
column = "State"
in = ["old", "gone"]
[[filters]]
column = "SKU"
regex = "^SUP-"
action = "keep"
[limits]
max_changes = 500
max_price_drop = "50%"
"""
    )
    assert mapping.owned_fields[0] == "sku"  # the match key comes first whatever the order
    assert set(mapping.owned_fields) == {
        "sku",
        "name",
        "regular_price",
        "featured",
        "status",
        "categories",
        "meta:release",
        "description",
    }
    assert mapping.source.thousands == "." and mapping.source.header_case == "insensitive"
    assert mapping.target.on_trashed == "create" and mapping.target.missing == "draft"
    assert mapping.target.manages is not None and mapping.target.manages.marker == "mapping"
    assert mapping.fields["featured"].true_words == ("ja", "j")
    assert mapping.fields["status"].map == {"1": "publish", "0": "draft"}
    assert mapping.fields["status"].default == "private"
    assert mapping.fields["categories"].value == (3, 12)
    assert mapping.fields["description"].source_columns == ["Desc", "Brand"]
    assert [f.op for f in mapping.filters] == ["in", "regex"]
    assert mapping.limits == {"max_changes": 500, "max_price_drop": "50%"}
    assert mapping.source_columns == [
        "SKU",
        "Title",
        "Price",
        "Top",
        "Active",
        "Released",
        "Desc",
        "Brand",
        "State",
    ]


def test_every_shipped_import_mapping_loads() -> None:
    root = Path(__file__).resolve().parents[2] / "mappings"
    names = sorted(p.name for p in root.glob("*.toml") if not p.name.startswith("export-"))
    assert {"supplier-csv.toml", "supplier-xml.toml"} <= set(names)
    for name in names:
        mapping = load_mapping(root / name)
        key = "sku" if isinstance(mapping, Mapping) else mapping.kind.key_field  # record kinds
        assert key in mapping.owned_fields, name
