"""Global attributes (pa_ taxonomies): matched by name, created with their terms before products."""

from __future__ import annotations

from pathlib import Path

from bulkio.catalog.render import render_catalog_plan
from bulkio.catalog.run import import_catalog
from bulkio.sandbox import Sandbox
from tests.catalog.helpers import MAPPING, client_for, variable_product, write_feed


def _feed(tmp_path: Path) -> Path:
    rows = variable_product("TEE", "Tee", "Clothing", "", [])
    for row in rows:
        row["Attribute 1 global"] = "1"  # Color is global, Size and Fit stay custom
    rows[0]["Attribute 4 name"] = "Material"
    rows[0]["Attribute 4 value(s)"] = "Cotton, Linen"
    rows[0]["Attribute 4 visible"] = "1"
    rows[0]["Attribute 4 global"] = "1"
    return write_feed(tmp_path / "feed.csv", rows)


def test_global_attributes_and_terms_created_once(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = _feed(tmp_path)
    with client_for(sandbox) as client:
        color = client.post("products/attributes", {"name": "color"})  # exists, other case
        red = client.post(f"products/attributes/{color['id']}/terms", {"name": "RED"})
        sandbox.clear_log()

        dry = import_catalog(client, MAPPING, feed, dry_run=True)
        text = render_catalog_plan(dry.plan)
        assert '+ attribute "Material"  create' in text
        assert '+ attribute "Color"  create' not in text
        assert '+ term "Blue" of attribute "Color"  create' in text
        assert '+ term "Red" of attribute "Color"  create' not in text
        assert '+ term "Linen" of attribute "Material"  create' in text
        assert sandbox.writes() == 0

        run = import_catalog(client, MAPPING, feed)
        assert run.result is not None and not run.result.problems, run.result.problems
        counts = run.result.counts()
        assert counts["attributes_created"] == 1 and counts["attribute_terms_created"] == 4
        tee = sandbox.product_by_sku("TEE")
        by_name = {a["name"]: a for a in tee["attributes"]}
        assert by_name["color"]["id"] == color["id"] and by_name["color"]["slug"] == "pa_color"
        assert by_name["color"]["options"] == ["RED", "Blue", "Green"]
        assert by_name["Material"]["id"] > 0 and by_name["Material"]["variation"] is False
        assert by_name["Size"]["id"] == 0
        assert tee["default_attributes"][0]["id"] == color["id"]
        variation = next(v for v in sandbox.variations(tee["id"]) if v["sku"] == "TEE-RED-S-S")
        assert {
            "id": color["id"],
            "name": "color",
            "slug": "pa_color",
            "option": "RED",
        } in variation["attributes"]
        terms = client.get(f"products/attributes/{color['id']}/terms")
        assert [t["name"] for t in terms] == ["RED", "Blue", "Green"]
        assert terms[0]["id"] == red["id"]

        sandbox.clear_log()
        again = import_catalog(client, MAPPING, feed)
    assert not again.plan.has_changes and sandbox.writes() == 0
