"""A German ERP's article export (samples/erp-de.csv, cp1252, semicolons, decimal commas)
through the shipped mapping ``erp-de``, on the sandbox over HTTP.

The stock column is owned only on create: after the first import a warehouse feed (the
shipped ``stock-csv`` mapping) sets quantities, and the ERP's next export — with other
quantities — must not undo them.
"""

from __future__ import annotations

from pathlib import Path

from bulkio.sandbox import Sandbox
from tests.feeds.conftest import (
    SAMPLES,
    attribute,
    brand_names,
    by_sku,
    category_paths,
    import_feed,
    report_rows,
)

ERP = SAMPLES / "erp-de.csv"
GROUPS = {
    "H-1001": ("Business-Hemd Oxford", ["39/40", "41/42", "43/44"], ["Weiß", "Hellblau"], 6),
    "H-1002": ("Leinenhemd Sommer", ["M", "L"], ["Sand"], 2),
    "HO-2001": ("Chino Slim Fit", ["32/32", "34/32"], ["Beige", "Marine"], 4),
    "D-3001": ("Leinenbluse", ["36", "38", "40"], ["Weiß"], 3),
}
SIMPLE = ["A-4001", "A-4002", "M-5001", "P-6001"]
TREE = {
    "Bekleidung",
    "Bekleidung > Herren",
    "Bekleidung > Herren > Hemden",
    "Bekleidung > Herren > Hosen",
    "Bekleidung > Herren > Mäntel",
    "Bekleidung > Damen",
    "Bekleidung > Damen > Blusen",
    "Bekleidung > Accessoires",
    "Bekleidung > Accessoires > Gürtel",
    "Sommerkollektion",
    "Geschenkideen",
    "Haushalt",
    "Haushalt > Textilpflege",
}


def erp_rows() -> tuple[list[str], list[list[str]]]:
    """The sample's header and rows (cp1252, ';'; no cell of the sample is quoted)."""
    lines = ERP.read_bytes().decode("cp1252").splitlines()
    return lines[0].split(";"), [line.split(";") for line in lines[1:]]


def write_erp(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    text = "\r\n".join(";".join(cells) for cells in [header, *rows]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def stock_of(sb: Sandbox) -> dict[str, int | None]:
    """SKU → stock quantity of every product and variation."""
    found: dict[str, int | None] = {}
    for product in sb.products():
        found[product["sku"]] = product["stock_quantity"]
        for variation in sb.variations(product["id"]):
            found[variation["sku"]] = variation["stock_quantity"]
    return found


def test_erp_export_builds_the_catalog_with_its_category_tree(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.store.units = {"weight": "kg", "dimension": "cm"}  # metric (11.x: lbs, in)
    report = tmp_path / "report.csv"
    categories_before = {t["id"] for t in sandbox.terms("categories")}  # "Uncategorized"
    result = import_feed(sandbox, ERP, "erp-de", "--report", str(report))
    assert result.exit_code == 1, result.output  # one bad price
    header, rows = erp_rows()
    column = {name: n for n, name in enumerate(header)}

    assert len(sandbox.products()) == len(GROUPS) + len(SIMPLE)
    for group, (name, sizes, colours, count) in GROUPS.items():
        parent = by_sku(sandbox, group)
        assert (parent["type"], parent["name"]) == ("variable", name)
        # Global attributes: the store answers their terms in its own order, not the feed's.
        assert sorted(attribute(parent, "Größe")["options"]) == sorted(sizes)
        assert sorted(attribute(parent, "Farbe")["options"]) == sorted(colours)
        assert brand_names(parent) == ["Hanseatic Tailors"]
        assert len(sandbox.variations(parent["id"])) == count
    linen = by_sku(sandbox, "H-1002")
    assert category_paths(sandbox, linen) == {"Bekleidung > Herren > Hemden", "Sommerkollektion"}
    assert category_paths(sandbox, by_sku(sandbox, "A-4001")) == {
        "Bekleidung > Accessoires > Gürtel",
        "Geschenkideen",
    }

    # Every accepted line: price (decimal comma, thousands dot), EAN as text, weight in grams
    # converted to the store's kilograms, and the stock it was created with.
    for cells in rows:
        sku = cells[column["Artikelnummer"]]
        if sku in ("P-6002", "A-4003"):  # skipped (Webshop = N) and rejected (bad price)
            assert sandbox.product_by_sku(sku) is None
            continue
        item = by_sku(sandbox, sku)
        price = cells[column["VK brutto"]].replace(".", "").replace(",", ".")
        assert float(item["regular_price"]) == float(price), sku
        assert item["global_unique_id"] == cells[column["EAN"]], sku
        assert float(item["weight"]) == int(cells[column["Gewicht"]]) / 1000, sku
        assert item["manage_stock"] is True
        assert item["stock_quantity"] == int(cells[column["Bestand"]]), sku
    assert by_sku(sandbox, "A-4001")["global_unique_id"] == "0076120000169"
    coat = by_sku(sandbox, "M-5001")
    assert (float(coat["regular_price"]), float(coat["sale_price"])) == (1299.0, 1099.0)
    assert brand_names(by_sku(sandbox, "P-6001")) == []

    # The tree, each category once and created after its parent.
    terms = [t for t in sandbox.terms("categories") if t["id"] not in categories_before]
    assert {path for t in terms for path in category_paths(sandbox, {"categories": [t]})} == TREE
    assert len(terms) == len(TREE)
    assert all(t["parent"] < t["id"] for t in terms if t["parent"])

    rows = report_rows(report)
    problems = [row for row in rows if row["kind"] == "rejected"]
    assert [(p["sku"], p["line"], p["code"]) for p in problems] == [
        ("A-4003", "22", "invalid-number")
    ]
    assert "VK brutto" in problems[0]["column"]
    # Nothing the store kept differently from what was sent.
    assert [(r["sku"], r["message"]) for r in rows if r["kind"] != "rejected"] == []


def test_stock_is_set_on_create_and_never_overwritten(sandbox: Sandbox, tmp_path: Path) -> None:
    assert import_feed(sandbox, ERP, "erp-de").exit_code == 1
    created = stock_of(sandbox)

    # The warehouse feed takes over two quantities …
    warehouse = tmp_path / "lager.csv"
    warehouse.write_text("sku;qty\nH-1001-WS-39;77\nA-4001;5\n", encoding="utf-8")
    assert import_feed(sandbox, warehouse, "stock-csv").exit_code == 0
    # … and the ERP's next export has other quantities everywhere, and one new article.
    header, rows = erp_rows()
    column = {name: n for n, name in enumerate(header)}
    for cells in rows:
        cells[column["Bestand"]] = str(int(cells[column["Bestand"]]) + 100)
    new = list(next(cells for cells in rows if cells[0] == "P-6001"))  # another SKU, name, EAN
    new[column["Artikelnummer"]], new[column["Bezeichnung"]] = "P-6003", "Kleiderbürste"
    new[column["EAN"]], new[column["Bestand"]] = "4006380000223", "9"
    changed = write_erp(tmp_path / "artikel.csv", header, [*rows, new], "cp1252")

    sandbox.clear_log()
    result = import_feed(sandbox, changed, "erp-de")
    assert result.exit_code == 1, result.output
    writes = [e for e in sandbox.request_log if e.is_write]
    assert len(writes) == 1, [(e.method, e.path) for e in writes]  # the new article only
    after = stock_of(sandbox)
    assert after.pop("P-6003") == 9  # created: its stock is sent
    assert after == {**created, "H-1001-WS-39": 77, "A-4001": 5}

    # The same export saved as UTF-8 with a byte order mark reads the same: nothing to write.
    utf8 = write_erp(tmp_path / "artikel-utf8.csv", header, [*rows, new], "utf-8-sig")
    sandbox.clear_log()
    assert import_feed(sandbox, utf8, "erp-de").exit_code == 1
    assert sandbox.writes() == 0, [(e.method, e.path) for e in sandbox.request_log if e.is_write]
