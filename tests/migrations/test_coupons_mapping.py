"""Coupon mappings: the shipped one loads, and every mistake in a coupon mapping is a
MappingError naming the file and the key (the ``[coupon]`` table, a store field bulkio does not
write, a type the field cannot take)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkio.errors import MappingError
from bulkio.mapping import load_mapping
from bulkio.migrate.mapping import RecordMapping

SHIPPED = Path(__file__).resolve().parents[2] / "mappings" / "coupons-csv.toml"
TEXT = SHIPPED.read_text(encoding="utf-8")


def test_the_shipped_mapping_loads_with_its_options() -> None:
    mapping = load_mapping(SHIPPED)
    assert isinstance(mapping, RecordMapping) and mapping.resource == "coupon"
    assert mapping.options == {
        "date_only": "end-of-day",
        "on_trashed": "restore",
        "category_separator": ">",
    }
    assert mapping.fields["products"].split == "|"
    assert mapping.fields["date_expires"].type == "datetime"


@pytest.mark.parametrize(
    ("old", "new", "key", "said"),
    [
        ('on_trashed = "restore"', 'on_trashed = "keep"', "coupon.on_trashed", "'keep'"),
        ('date_only = "end-of-day"', 'date_only = "noon"', "coupon.date_only", "'noon'"),
        ("[coupon]\n", "[coupon]\nexpire = 1\n", "coupon.expire", "unknown key"),
        ('code = "Code"', 'product_ids = "Code"', "fields.product_ids", "did you mean 'products'"),
        (
            'amount = { column = "Amount", type = "money" }',
            'amount = { column = "Amount", type = "date" }',
            "fields.amount.type",
            "'date'",
        ),
        ('code = "Code"\n', "", "fields.code", "matched by code"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, old: str, new: str, key: str, said: str) -> None:
    assert old in TEXT
    path = tmp_path / "coupons.toml"
    path.write_text(TEXT.replace(old, new), encoding="utf-8")
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    shown = str(error.value) + str(getattr(error.value, "hint", "") or "")
    assert str(path) in shown and f"[{key}]" in shown and said in shown
