"""SKUs WooCommerce would store in another form are rejected before anything is sent.

Measured on 7.9 and 11.0.1 (``wc_clean`` = ``sanitize_text_field`` on the SKU): ``A%41B`` is
kept as ``AB``, ``A  B`` as ``A B``, ``A<b>x</b>`` as ``Ax``, ``A<B`` as ``A&lt;B``; a tab is
refused. A row with such a SKU could never find the product it created again: each run would
try to create it once more.
"""

from __future__ import annotations

from pathlib import Path

from bulkio.mapping import load_mapping
from bulkio.records import build_records

MAPPING = """
[source]
format = "csv"
delimiter = ";"
[target]
resource = "product"
[fields]
sku = "sku"
name = "name"
"""


def test_skus_the_store_would_change_are_rejected(tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    feed = tmp_path / "f.csv"
    rows = ["A%41B", "A  B", "A<b>x</b>", "A<B", "a\tb", "OK-1", "Ä-ß & Co"]
    feed.write_text("sku;name\n" + "".join(f'"{sku}";n\n' for sku in rows), encoding="utf-8")
    records = build_records(load_mapping(mapping), feed)
    rejected = {e.value: e for e in records.rejected if e.code == "sku-changed-by-store"}
    assert sorted(rejected) == sorted(rows[:5])
    assert records.frame["sku"].to_list() == ["OK-1", "Ä-ß & Co"]
    message = rejected["A%41B"].message
    assert "would not keep" in message and "fix the SKU" in message
