"""Catalog imports against the sandbox over HTTP: terms, variable products, images, idempotency."""

from __future__ import annotations

import html
import json
from pathlib import Path

from bulkio.catalog.render import render_catalog_plan
from bulkio.catalog.run import import_catalog
from bulkio.sandbox import Sandbox
from tests.catalog.helpers import MAPPING, catalog_rows, client_for, variable_product, write_feed


def _category_paths(sb: Sandbox) -> set[str]:
    terms = {t["id"]: t for t in sb.terms("categories")}

    def path(term_id: int) -> str:
        term = terms[term_id]
        # WordPress answers names with entities ("Kitchen &amp; Home").
        return (path(term["parent"]) + " > " if term["parent"] else "") + html.unescape(
            term["name"]
        )

    return {path(term_id) for term_id in terms}


def test_dry_run_creates_nothing_and_shows_terms(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "feed.csv", catalog_rows())
    with client_for(sandbox) as client:
        run = import_catalog(client, MAPPING, feed, dry_run=True)
    text = render_catalog_plan(run.plan)
    assert '+ category "Clothing > Shirts > T-Shirts"  create' in text
    assert '+ tag "organic"  create' in text
    assert sandbox.writes() == 0
    counts = run.plan.counts()
    assert counts["product_create"] == 3 and counts["variation_create"] == 24
    # Placeholders stand in for the terms to create; nothing resolved yet.
    tee = next(op for op in run.plan.products if op.sku == "TEE")
    assert all(str(t["id"]).startswith("$term:categories:") for t in tee.payload["categories"])


def test_first_run_creates_everything_second_run_writes_nothing(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    feed = write_feed(tmp_path / "feed.csv", catalog_rows())
    with client_for(sandbox) as client:
        first = import_catalog(client, MAPPING, feed)
        assert first.result is not None and not first.result.problems
        assert first.result.counts()["variation_created"] == 24

        paths = _category_paths(sandbox)
        assert any(t["name"] == "Kitchen &amp; Home" for t in sandbox.terms("categories"))
        assert {
            "Clothing",
            "Clothing > Shirts",
            "Clothing > Shirts > T-Shirts",
            "Clothing > Hoodies",
            "Sale",
            "Kitchen & Home > Cups",
        } <= paths
        assert {t["name"] for t in sandbox.terms("tags")} >= {"summer", "organic", "winter", "gift"}
        # Terms were created batched, parents first: one batch per category level, one for tags.
        term_batches = [
            r for r in sandbox.request_log if r.route.endswith(("categories/batch", "tags/batch"))
        ]
        assert len(term_batches) == 4

        tee = sandbox.product_by_sku("TEE")
        assert tee is not None and tee["type"] == "variable"
        assert [a["name"] for a in tee["attributes"]] == ["Color", "Size", "Fit"]
        assert tee["attributes"][0]["options"] == ["Red", "Blue", "Green"]
        assert all(a["variation"] for a in tee["attributes"])
        assert tee["attributes"][2]["visible"] is False
        assert tee["default_attributes"] == [{"id": 0, "name": "Color", "option": "Blue"}]
        assert len(tee["images"]) == 2 and tee["images"][0]["src"].startswith(sandbox.url)
        variations = sandbox.variations(tee["id"])
        assert len(variations) == 12
        assert {v["sku"] for v in variations} >= {"TEE-RED-S-S", "TEE-GRE-M-R"}
        # Variations went through the parent's variations/batch route.
        assert any(
            r.route == f"/wc/v3/products/{tee['id']}/variations/batch" for r in sandbox.request_log
        )

        sandbox.clear_log()
        second = import_catalog(client, MAPPING, feed)
    assert second.result is None  # nothing to do
    assert not second.plan.has_changes
    assert sandbox.writes() == 0
    assert not any(
        r.route.startswith("/wc/v3/products/categories") and r.method == "POST"
        for r in sandbox.request_log
    )


def test_images_not_resent_unless_the_list_changes(sandbox: Sandbox, tmp_path: Path) -> None:
    rows = catalog_rows()
    feed = write_feed(tmp_path / "feed.csv", rows)
    sandbox.capture_bodies = True
    with client_for(sandbox) as client:
        import_catalog(client, MAPPING, feed)
        # A price change only: the update carries no images.
        mug = next(r for r in rows if r["SKU"] == "MUG")
        mug["Regular price"] = "9.00"
        write_feed(feed, rows)
        sandbox.clear_log()
        run = import_catalog(client, MAPPING, feed)
        assert run.result is not None and run.result.counts()["product_updated"] == 1
        bodies = [json.loads(r.body) for r in sandbox.request_log if r.body and r.method == "POST"]
        assert bodies == [
            {"update": [{"id": sandbox.product_by_sku("MUG")["id"], "regular_price": "9.00"}]}
        ]

        # A new image order replaces the images in that order.
        tee = next(r for r in rows if r["SKU"] == "TEE")
        tee["Images"] = (
            "https://img.example.com/tee-2.jpg, https://img.example.com/tee-3.jpg, https://img.example.com/tee-1.jpg"
        )
        write_feed(feed, rows)
        before = {
            i["src"].rsplit("-", 1)[-1]: i["id"] for i in sandbox.product_by_sku("TEE")["images"]
        }
        sandbox.clear_log()
        run = import_catalog(client, MAPPING, feed)
        assert run.result is not None and run.result.counts()["product_updated"] == 1
        # Images already copied are named by their media id: only the new URL is downloaded.
        sent = [json.loads(r.body) for r in sandbox.request_log if r.body and r.method == "POST"]
        assert [i for i in sent[0]["update"][0]["images"]] == [
            {"id": before["2.jpg"], "position": 0},
            {"src": "https://img.example.com/tee-3.jpg", "position": 1},
            {"id": before["1.jpg"], "position": 2},
        ]
    images = sandbox.product_by_sku("TEE")["images"]
    assert [i["src"].rsplit("-", 1)[-1] for i in images] == ["2.jpg", "3.jpg", "1.jpg"]
    assert [i["position"] for i in images] == [0, 1, 2]
    assert images[0]["id"] == before["2.jpg"] and images[2]["id"] == before["1.jpg"]


def test_existing_terms_match_like_wordpress(sandbox: Sandbox, tmp_path: Path) -> None:
    with client_for(sandbox) as client:
        home = client.post("products/categories", {"name": "KITCHEN &amp; HOME"})
        cups = client.post("products/categories", {"name": "cups", "parent": home["id"]})
        other = client.post("products/categories", {"name": "Cups"})  # same name, other parent
        feed = write_feed(tmp_path / "feed.csv", [r for r in catalog_rows() if r["SKU"] == "MUG"])
        run = import_catalog(client, MAPPING, feed)
    assert not [t for t in run.plan.terms if t.resource == "categories"]
    mug = sandbox.product_by_sku("MUG")
    assert [c["id"] for c in mug["categories"]] == [cups["id"]]
    assert other["id"] != cups["id"]


def test_term_created_meanwhile_is_taken_from_term_exists(sandbox: Sandbox, tmp_path: Path) -> None:
    from bulkio.catalog.apply import apply_catalog_plan
    from bulkio.catalog.run import plan_catalog
    from bulkio.mapping import load_mapping

    feed = write_feed(tmp_path / "feed.csv", [r for r in catalog_rows() if r["SKU"] == "MUG"])
    with client_for(sandbox) as client:
        run = plan_catalog(client, load_mapping(MAPPING), feed)
        assert [t.label for t in run.plan.terms if t.resource == "tags"] == ["gift", "summer"]
        raced = client.post(
            "products/tags", {"name": "Gift"}
        )  # someone else, between plan and apply
        result = apply_catalog_plan(client, run.plan)
    assert not result.problems and not result.terms.failed
    tags = {t["name"]: t["id"] for t in sandbox.product_by_sku("MUG")["tags"]}
    assert tags["Gift"] == raced["id"]
    assert len(sandbox.terms("tags")) == 2


def test_variation_of_rejected_parent_is_rejected(sandbox: Sandbox, tmp_path: Path) -> None:
    rows = variable_product("BAD", "Bad parent", "X", "", [])
    rows[0]["Is featured?"] = "maybe"  # not a boolean: the parent row is rejected
    rows += variable_product("GOOD", "Good parent", "X", "", [])
    feed = write_feed(tmp_path / "feed.csv", rows)
    with client_for(sandbox) as client:
        run = import_catalog(client, MAPPING, feed)
    codes = [(r.sku, r.code) for r in run.plan.rejected]
    assert ("BAD", "invalid-bool") in codes
    assert (
        sum(1 for sku, code in codes if code == "parent-rejected" and sku.startswith("BAD-")) == 12
    )
    assert all("Bad parent" not in r.message for r in run.plan.rejected)
    assert "parent 'BAD' was rejected" in next(
        r.message for r in run.plan.rejected if r.code == "parent-rejected"
    )
    assert sandbox.product_by_sku("BAD") is None
    assert sandbox.product_by_sku("GOOD") is not None


def test_variations_grouped_by_parent_key_make_up_the_parent(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    rows = variable_product("POLO", "Polo", "Clothing > Polos", "", [])[1:]  # variations only
    for row in rows:
        row["Categories"] = "Clothing > Polos"
    feed = write_feed(tmp_path / "feed.csv", rows)
    with client_for(sandbox) as client:
        run = import_catalog(client, MAPPING, feed)
        assert run.result is not None and not run.result.problems
        polo = sandbox.product_by_sku("POLO")
        assert polo is not None and polo["type"] == "variable"
        assert [a["options"] for a in polo["attributes"]] == [
            ["Red", "Blue", "Green"],
            ["S", "M"],
            ["Slim", "Regular"],
        ]
        assert [c["name"] for c in polo["categories"]] == ["Polos"]
        assert len(sandbox.variations(polo["id"])) == 12
        sandbox.clear_log()
        again = import_catalog(client, MAPPING, feed)
    assert not again.plan.has_changes and sandbox.writes() == 0


def test_second_run_reads_variations_by_sku_not_parent_by_parent(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    rows = []
    for n in range(10):
        rows += variable_product(f"P{n}", f"Product {n}", "Dept > Group", "", [])
    feed = write_feed(tmp_path / "feed.csv", rows)
    with client_for(sandbox) as client:
        import_catalog(client, MAPPING, feed)
        sandbox.clear_log()
        again = import_catalog(client, MAPPING, feed)
    assert not again.plan.has_changes and sandbox.writes() == 0
    routes = [r.route for r in sandbox.request_log]
    assert not [r for r in routes if r.endswith("/variations")]  # no per-parent listing
    # the product schema (1: the file has a GTIN column, which WooCommerce 9.2 brought), the
    # store's units (1: the file has Weight (kg) …), terms (2), a product probe + page, and 120
    # variation SKUs in 2 lookups
    assert len(routes) <= 8, routes


def test_variation_without_its_sku_is_matched_by_attributes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    rows = variable_product("TEE", "Tee", "Clothing", "", [])
    feed = write_feed(tmp_path / "feed.csv", rows)
    with client_for(sandbox) as client:
        import_catalog(client, MAPPING, feed)
        rows[1]["SKU"] = "TEE-RENAMED"  # same Color/Size/Fit, new SKU
        rows[1]["Regular price"] = "30.00"
        write_feed(feed, rows)
        run = import_catalog(client, MAPPING, feed)
    assert run.plan.counts()["variation_update"] == 1
    assert run.plan.counts()["variation_create"] == 0
    tee = sandbox.product_by_sku("TEE")
    variations = sandbox.variations(tee["id"])
    assert len(variations) == 12
    renamed = next(v for v in variations if v["sku"] == "TEE-RENAMED")
    assert renamed["regular_price"] == "30.00"


def test_a_file_with_only_some_columns_leaves_the_others(sandbox: Sandbox, tmp_path: Path) -> None:
    from bulkio.catalog.feed import read_feed
    from bulkio.mapping import load_mapping

    feed = tmp_path / "small.csv"
    feed.write_text(
        "SKU,Name,Regular price,Categories,Images\n"
        'LAMP,Desk lamp,24.00,"Home > Lighting",https://img.example.com/lamp.jpg\n'
    )
    read = read_feed(load_mapping(MAPPING), feed)
    assert any(
        "'Weight ({unit})'" in w and "left as the store has them" in w for w in read.warnings
    )
    with client_for(sandbox) as client:
        run = import_catalog(client, MAPPING, feed)
    assert run.result is not None and not run.result.problems
    lamp = sandbox.product_by_sku("LAMP")
    assert lamp["regular_price"] == "24.00" and lamp["type"] == "simple"
    assert [c["name"] for c in lamp["categories"]] == ["Lighting"]
    assert len(lamp["images"]) == 1


def test_sale_dates_set_clear_and_reject(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "sale.csv"
    header = "SKU,Name,Regular price,Sale price,Date sale price starts,Date sale price ends\n"
    feed.write_text(
        header + "MUG,Mug,10.00,8.00,2026-03-01 0:00:00,2026-03-31 23:59:59\n"
        "CUP,Cup,10.00,8.00,2026-03-01,31/03/2026\n"
    )
    with client_for(sandbox) as client:
        first = import_catalog(client, MAPPING, feed)
        assert [(r.sku, r.code, r.column) for r in first.plan.rejected] == [
            ("CUP", "invalid-sale-date", "Date sale price ends")
        ]
        mug = sandbox.product_by_sku("MUG")
        assert (mug["date_on_sale_from"], mug["date_on_sale_to"]) == (
            "2026-03-01T00:00:00",
            "2026-03-31T23:59:59",
        )
        assert sandbox.product_by_sku("CUP") is None
        sandbox.clear_log()
        again = import_catalog(client, MAPPING, feed)
        assert not again.plan.has_changes and sandbox.writes() == 0
        feed.write_text(header + "MUG,Mug,10.00,8.00,2026-03-02,\n")  # empty = no end date
        import_catalog(client, MAPPING, feed)
    mug = sandbox.product_by_sku("MUG")
    assert (mug["date_on_sale_from"], mug["date_on_sale_to"]) == ("2026-03-02T00:00:00", None)


def test_linked_products_resolve_to_ids_after_creates(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "links.csv"
    header = "Type,SKU,Name,Regular price,Upsells,Cross-sells,Grouped products\n"
    with client_for(sandbox) as client:
        old = client.post("products", {"name": "Old", "sku": "OLD", "regular_price": "1.00"})
        feed.write_text(
            header
            + 'simple,MUG,Mug,10.00,"CUP, OLD",CUP,\n'
            "simple,CUP,Cup,5.00,,MUG,\n"
            'grouped,SET,Set,,,,"MUG, CUP, id:OLD_ID"\n'
            "simple,BAD,Bad,5.00,NOWHERE,,\n"
            "simple,BROKEN,Broken,x,,,\n"
            "simple,LONELY,Lonely,5.00,BROKEN,,\n".replace("OLD_ID", str(old["id"]))
        )
        dry = import_catalog(client, MAPPING, feed, dry_run=True)
        assert sandbox.product_by_sku("MUG") is None
        mug_op = next(op for op in dry.plan.products if op.sku == "MUG")
        assert mug_op.links == {"upsell_ids": ["CUP", old["id"]], "cross_sell_ids": ["CUP"]}
        # A link naming no product (nor an accepted row) is left out, as WooCommerce's importer
        # leaves it out, and said in the plan's notes; the product itself is imported.
        assert {(r.sku, r.code, r.column) for r in dry.plan.rejected} == {
            ("BROKEN", "invalid-number", "Regular price"),
        }
        unknown = [note for note in dry.plan.notes if "unknown-link" in note]
        assert len(unknown) == 2
        assert "SKU 'BAD': Upsells names 'NOWHERE'" in unknown[0]
        assert "SKU 'LONELY': Upsells names 'BROKEN'" in unknown[1]
        run = import_catalog(client, MAPPING, feed)
        assert run.result is not None
        assert run.result.problems == [] and [o.sku for o in run.result.links] == [
            "MUG",
            "CUP",
            "SET",
        ]
        mug, cup = sandbox.product_by_sku("MUG"), sandbox.product_by_sku("CUP")
        assert mug["upsell_ids"] == [cup["id"], old["id"]] and mug["cross_sell_ids"] == [cup["id"]]
        assert cup["cross_sell_ids"] == [mug["id"]]
        grouped = sandbox.product_by_sku("SET")
        assert grouped["type"] == "grouped"
        assert grouped["grouped_products"] == [mug["id"], cup["id"], old["id"]]
        assert sandbox.product_by_sku("BAD")["upsell_ids"] == []
        assert sandbox.product_by_sku("LONELY")["upsell_ids"] == []
        sandbox.clear_log()
        rerun = import_catalog(client, MAPPING, feed)  # the dangling links cost no write
        assert not rerun.plan.has_changes and sandbox.writes() == 0
        feed.write_text(header + 'simple,MUG,Mug,10.00,"OLD, CUP",CUP,\n')
        sandbox.clear_log()
        again = import_catalog(client, MAPPING, feed)  # same set, other order: nothing to do
        assert not again.plan.has_changes and sandbox.writes() == 0
        feed.write_text(header + "simple,MUG,Mug,10.00,OLD,,\n")  # empty cell: leave
        import_catalog(client, MAPPING, feed)
    mug = sandbox.product_by_sku("MUG")
    assert mug["upsell_ids"] == [old["id"]] and mug["cross_sell_ids"] == [cup["id"]]


def test_downloads_keep_their_ids_when_renamed(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "files.csv"
    header = "Type,SKU,Name,Regular price,Download 1 name,Download 1 URL,Download 2 URL\n"
    feed.write_text(
        header + '"simple, downloadable, virtual",EBOOK,E-book,9.00,Book,'
        "https://f.example.com/book.epub,https://f.example.com/extra.zip\n"
    )
    with client_for(sandbox) as client:
        import_catalog(client, MAPPING, feed)
        first = sandbox.product_by_sku("EBOOK")
        assert (first["virtual"], first["downloadable"]) == (True, True)
        assert [(d["name"], d["file"]) for d in first["downloads"]] == [
            ("Book", "https://f.example.com/book.epub"),
            ("extra.zip", "https://f.example.com/extra.zip"),  # no name: the file's name
        ]
        sandbox.clear_log()
        assert not import_catalog(client, MAPPING, feed).plan.has_changes
        feed.write_text(
            header + '"simple, downloadable",EBOOK,E-book,9.00,The book,'
            "https://f.example.com/book.epub,\n"
        )
        import_catalog(client, MAPPING, feed)
    second = sandbox.product_by_sku("EBOOK")
    assert second["virtual"] is False
    assert [(d["id"], d["name"]) for d in second["downloads"]] == [
        (first["downloads"][0]["id"], "The book")
    ]


def test_shipping_class_by_name_and_unknown_ones_rejected(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "classes.csv"
    feed.write_text(
        "Type,SKU,Name,Regular price,Shipping class,Parent,Attribute 1 name,Attribute 1 value(s)\n"
        "simple,BOX,Box,5.00,bulky goods,,,\n"
        "simple,ENV,Envelope,1.00,Pigeon post,,,\n"
        "variable,TEE,Tee,,Pigeon post,,Size,S\n"
        "variation,TEE-S,,9.00,,TEE,Size,S\n"
    )
    with client_for(sandbox) as client:
        made = client.post("products/shipping_classes", {"name": "Bulky goods"})
        run = import_catalog(client, MAPPING, feed)
        assert [(r.sku, r.code) for r in run.plan.rejected] == [
            ("ENV", "unknown-shipping-class"),
            ("TEE", "unknown-shipping-class"),
            ("TEE-S", "parent-rejected"),
        ]
        assert "Pigeon post" in run.plan.rejected[0].message
        box = sandbox.product_by_sku("BOX")
        assert (box["shipping_class"], box["shipping_class_id"]) == (made["slug"], made["id"])
        assert sandbox.product_by_sku("ENV") is None and sandbox.product_by_sku("TEE") is None
        sandbox.clear_log()
        again = import_catalog(client, MAPPING, feed)
    assert not again.plan.has_changes and sandbox.writes() == 0


def test_a_file_without_sku_column_is_a_mapping_error(sandbox: Sandbox, tmp_path: Path) -> None:
    import pytest

    from bulkio.errors import MappingError

    feed = tmp_path / "nosku.csv"
    feed.write_text("Name,Regular price\nLamp,24.00\n")
    with client_for(sandbox) as client, pytest.raises(MappingError) as error:
        import_catalog(client, MAPPING, feed)
    assert "fields.sku" in str(error.value) and "SKU" in str(error.value)
    assert sandbox.writes() == 0


def test_derived_parent_fields_are_not_compared(sandbox: Sandbox, tmp_path: Path) -> None:
    rows = variable_product("TEE", "Tee", "Clothing", "", [])
    feed = write_feed(tmp_path / "feed.csv", rows)
    with client_for(sandbox) as client:
        import_catalog(client, MAPPING, feed)
        # WooCommerce syncs a variable product's stock status from its variations.
        tee = sandbox.product_by_sku("TEE")
        client.put(f"products/{tee['id']}", {"stock_status": "outofstock"})
        sandbox.clear_log()
        again = import_catalog(client, MAPPING, feed)
    assert not again.plan.has_changes and sandbox.writes() == 0
