"""Shared helpers for the shipped feed mappings' tests: run ``bulkio import`` as a user does."""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MAPPINGS = ROOT / "mappings"


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No store profile or environment of the machine running the tests leaks in."""
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    yield


def store_args(sb: Sandbox) -> list[str]:
    key, secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret]


def run(*args: str) -> Result:
    """``bulkio ARGS`` in-process, the output of a failing run kept for the assertion message."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def import_feed(sb: Sandbox, feed: Path, mapping: str, *extra: str) -> Result:
    return run("import", str(feed), "-m", mapping, *store_args(sb), *extra)


def report_rows(path: Path) -> list[dict[str, str]]:
    """The rows of an import's ``--report`` CSV."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def by_sku(sb: Sandbox, sku: str) -> dict[str, Any]:
    found = sb.product_by_sku(sku)
    assert found is not None, f"{sku} is not in the store"
    return found


def attribute(item: dict[str, Any], name: str) -> dict[str, Any]:
    """A product's attribute (or a variation's attribute value) by name."""
    for entry in item.get("attributes") or ():
        if entry.get("name") == name:
            return dict(entry)
    raise AssertionError(f"no attribute {name!r} on {item.get('sku')}: {item.get('attributes')}")


def image_files(item: dict[str, Any]) -> list[str]:
    """A product's images (a variation's image) by the file name they were downloaded from, in
    order (the sandbox keeps media under ``uploads/sandbox/<id>-<file name>``)."""
    images = item.get("images")
    if images is None:
        images = [item["image"]] if item.get("image") else []
    return [re.sub(r"^\d+-", "", str(image["src"]).rsplit("/", 1)[-1]) for image in images]


def brand_names(item: dict[str, Any]) -> list[str]:
    """A product's brands by name (WordPress answers term names with "&" as "&amp;")."""
    return [html.unescape(str(brand["name"])) for brand in item.get("brands") or ()]


def category_paths(sb: Sandbox, item: dict[str, Any]) -> set[str]:
    """The product's categories as "A > B > C" paths (names as WordPress answers them)."""
    terms = {term["id"]: term for term in sb.terms("categories")}

    def path(term_id: int) -> str:
        term = terms[term_id]
        names = [html.unescape(term["name"])]
        while term["parent"]:
            term = terms[term["parent"]]
            names.append(html.unescape(term["name"]))
        return " > ".join(reversed(names))

    return {path(int(entry["id"])) for entry in item.get("categories") or ()}


G = "{http://base.google.com/ns/1.0}"


def google_items(path: Path) -> dict[str, dict[str, list[str]]]:
    """The items of a Google feed (RSS or Atom) read with lxml directly, not through bulkio:
    g:id → {local name of each g: element → its texts in order}, plus "_line" (the record's
    number) and "_source_line" (the file line where it starts)."""
    from lxml import etree

    found: dict[str, dict[str, list[str]]] = {}
    root = etree.parse(str(path)).getroot()
    records = [e for e in root.iter() if etree.QName(e).localname in ("item", "entry")]
    for number, record in enumerate(records, start=1):
        values: dict[str, list[str]] = {
            "_line": [str(number)],
            "_source_line": [str(record.sourceline)],
        }
        for child in record:
            if isinstance(child.tag, str) and child.tag.startswith(G):
                values.setdefault(child.tag[len(G) :], []).append((child.text or "").strip())
        found[values["id"][0]] = values
    return found
