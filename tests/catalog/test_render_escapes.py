"""The catalog dry run shows control characters from a feed escaped (issue 14, item 5): a name
holding ESC/BEL or a category with a bidi override never reaches the terminal raw."""

from __future__ import annotations

import re
from pathlib import Path

from bulkio.catalog.render import render_catalog_plan
from bulkio.catalog.run import import_catalog
from bulkio.sandbox import Sandbox
from tests.catalog.helpers import MAPPING, client_for

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202e]")


def test_catalog_dry_run_escapes_control_characters(tmp_path: Path) -> None:
    feed = tmp_path / "catalog.csv"
    feed.write_text(
        "Type,SKU,Name,Regular price,Categories\nsimple,E-1,Al\x1bpha\x07,5,Sp\u202eiele\n",
        encoding="utf-8",
    )
    with Sandbox() as store, client_for(store) as client:
        run = import_catalog(client, MAPPING, feed, dry_run=True)
    text = render_catalog_plan(run.plan)
    assert not RAW.search(text), repr(text)
    assert "Al\\x1bpha\\x07" in text and "Sp\\u202eiele" in text
