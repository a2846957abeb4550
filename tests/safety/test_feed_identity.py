"""Two feeds whose mapping files share a name are two feeds, not one (issue 14, item 2).

``a/supplier.toml`` and ``b/supplier.toml`` used to share the run lock, the last-run state and
the "managed product" marker, so importing feed B with ``missing = "draft"`` unpublished feed
A's products. Now the second mapping is stopped before any write, naming both files, until one
of them gets its own ``[target] feed`` id; then each feed only ever touches its own products.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkio.runs import feed_id, mapping_slug
from bulkio.sandbox import Sandbox
from tests.safety.helpers import cli_import, isolate_store_env, live_by_sku, rows, write_csv

MAPPING = """
[source]
format = "csv"

[target]
resource = "product"
missing = "draft"
manages = {{ meta = "_bulkio_feed" }}
{feed}

[fields]
sku = "sku"
name = "name"
regular_price = {{ column = "price", type = "money" }}

[limits]
max_hide = "off"
max_change_share = "off"
"""


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_store_env(monkeypatch, tmp_path)


def mapping(folder: Path, feed: str | None = None) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "supplier.toml"
    path.write_text(MAPPING.format(feed=f'feed = "{feed}"' if feed else ""), encoding="utf-8")
    return path


def test_a_second_mapping_with_the_same_name_is_stopped(sandbox: Sandbox, tmp_path: Path) -> None:
    a, b = mapping(tmp_path / "a"), mapping(tmp_path / "b")
    feed_a = write_csv(tmp_path / "a.csv", rows(5))
    feed_b = write_csv(tmp_path / "b.csv", rows(3, start=100))
    assert cli_import(sandbox, feed_a, a).exit_code == 0

    sandbox.clear_log()
    refused = cli_import(sandbox, feed_b, b)
    assert refused.exit_code == 2, refused.output
    assert str(a.resolve()) in refused.stderr and str(b.resolve()) in refused.stderr
    assert 'feed = "' in refused.stderr
    assert sandbox.writes() == 0
    assert all(p["status"] == "publish" for p in live_by_sku(sandbox).values())

    # Its own id: feed B runs, creates its products with its own marker, drafts none of A's.
    b = mapping(tmp_path / "b", feed="supplier-b")
    assert cli_import(sandbox, feed_b, b).exit_code == 0
    statuses = {sku: p["status"] for sku, p in live_by_sku(sandbox).items()}
    assert set(statuses.values()) == {"publish"} and len(statuses) == 8
    markers = {
        sku: [m["value"] for m in p["meta_data"] if m["key"] == "_bulkio_feed"]
        for sku, p in live_by_sku(sandbox).items()
    }
    assert markers["P-0001"] == ["supplier"] and markers["P-0100"] == ["supplier-b"]

    # Feed A drops a product: only A's is drafted; B's feed drops one: only B's.
    assert cli_import(sandbox, write_csv(tmp_path / "a.csv", rows(4)), a).exit_code == 0
    assert cli_import(sandbox, write_csv(tmp_path / "b.csv", rows(2, start=100)), b).exit_code == 0
    drafted = sorted(s for s, p in live_by_sku(sandbox).items() if p["status"] == "draft")
    assert drafted == ["P-0005", "P-0102"]


def test_a_moved_mapping_takes_its_feed_along(sandbox: Sandbox, tmp_path: Path) -> None:
    old = mapping(tmp_path / "old")
    feed = write_csv(tmp_path / "f.csv", rows(3))
    assert cli_import(sandbox, feed, old).exit_code == 0
    new = mapping(tmp_path / "new")
    old.unlink()
    result = cli_import(sandbox, feed, new)
    assert result.exit_code == 0, result.output


def test_feed_id_comes_from_the_mapping_or_its_file_name(tmp_path: Path) -> None:
    assert feed_id(mapping(tmp_path / "x")) == "supplier"
    assert feed_id(mapping(tmp_path / "y", feed="erp.nightly")) == "erp.nightly"
    assert mapping_slug(tmp_path / "y" / "supplier.toml") == "erp.nightly"


def test_a_bad_feed_id_names_the_key(tmp_path: Path) -> None:
    from bulkio.errors import MappingError
    from bulkio.mapping import load_mapping

    path = mapping(tmp_path / "z", feed="has space")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert "target.feed" in str(caught.value)


def test_a_mapping_naming_another_feeds_marker_is_stopped(sandbox: Sandbox, tmp_path: Path) -> None:
    a = mapping(tmp_path / "a")
    assert cli_import(sandbox, write_csv(tmp_path / "a.csv", rows(3)), a).exit_code == 0
    thief = tmp_path / "c" / "erp.toml"
    thief.parent.mkdir()
    thief.write_text(
        MAPPING.format(feed="").replace(
            'manages = { meta = "_bulkio_feed" }',
            'manages = { meta = "_bulkio_feed", value = "supplier" }',
        ),
        encoding="utf-8",
    )
    sandbox.clear_log()
    refused = cli_import(sandbox, write_csv(tmp_path / "c.csv", rows(1)), thief)
    assert refused.exit_code == 2, refused.output
    assert "_bulkio_feed=supplier" in refused.stderr and str(a.resolve()) in refused.stderr
    assert sandbox.writes() == 0
    assert all(p["status"] == "publish" for p in live_by_sku(sandbox).values())
