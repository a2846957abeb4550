"""``bulkio catalog import`` and ``bulkio export products`` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox
from tests.catalog.helpers import ROOT


def _store(sb: Sandbox) -> list[str]:
    key, secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret]


def test_dry_run_then_import_then_export(sandbox: Sandbox, tmp_path: Path) -> None:
    sample = str(ROOT / "samples" / "catalog-woocommerce.csv")
    runner = CliRunner()
    dry = runner.invoke(main, ["catalog", "import", sample, "--dry-run", *_store(sandbox)])
    assert dry.exit_code == 0, dry.output
    assert '+ category "Clothing > Shirts"  create' in dry.output
    assert "+ SKU TEE-RED-S  (line 3) create variation of TEE" in dry.output
    assert sandbox.writes() == 0

    done = runner.invoke(main, ["catalog", "import", sample, *_store(sandbox)])
    assert done.exit_code == 0, done.output
    assert "variations: 4 created" in done.output
    assert sandbox.product_by_sku("MUG")["name"] == "Mug &amp; Saucer"

    out = tmp_path / "products.csv"
    exported = runner.invoke(main, ["export", "products", "-o", str(out), *_store(sandbox)])
    assert exported.exit_code == 0, exported.output
    assert "exported 2 product(s) and 4 variation(s) as 6 row(s)" in exported.stdout
    text = out.read_text(encoding="utf-8-sig")
    assert "Clothing > Shirts, Sale" in text and "TEE-BLUE-M" in text
    again = runner.invoke(main, ["export", "products", "-o", str(out), *_store(sandbox)])
    assert again.exit_code == 2  # no --overwrite: the file is kept


def test_rejected_rows_exit_1(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    sample = (ROOT / "samples" / "catalog-woocommerce.csv").read_text()
    feed.write_text(sample.replace(",simple,MUG,", ",gadget,MUG,"))
    result = CliRunner().invoke(main, ["catalog", "import", str(feed), *_store(sandbox)])
    assert result.exit_code == 1
    wanted = "unknown-type: Type 'gadget' is not simple, variable, variation, grouped or external"
    assert wanted in result.output
    assert sandbox.product_by_sku("MUG") is None and sandbox.product_by_sku("TEE") is not None


def test_bulkio_import_hands_woocommerce_files_to_the_catalog_import(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sample = str(ROOT / "samples" / "catalog-woocommerce.csv")
    mapping = str(ROOT / "mappings" / "woocommerce-core.toml")
    runner = CliRunner()
    result = runner.invoke(main, ["import", sample, "-m", mapping, *_store(sandbox)])
    assert result.exit_code == 0, result.output
    tee = sandbox.product_by_sku("TEE")
    assert tee is not None and tee["type"] == "variable"
    assert len(sandbox.variations(tee["id"])) == 4
    assert sandbox.product_by_sku("TEE-RED-S")["type"] == "variation"  # not a product of its own
    plan = tmp_path / "p.json"
    planned = runner.invoke(
        main,
        ["import", sample, "-m", mapping, "--dry-run", "--plan-out", str(plan), *_store(sandbox)],
    )
    assert planned.exit_code == 0, planned.output
    assert json.loads(plan.read_text())["format"] == "bulkio-catalog-plan/1"


def test_safety_limits_stop_a_catalog_run_before_any_write(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sample = ROOT / "samples" / "catalog-woocommerce.csv"
    runner = CliRunner()
    assert runner.invoke(main, ["catalog", "import", str(sample), *_store(sandbox)]).exit_code == 0
    cheap = tmp_path / "cheap.csv"
    text = sample.read_text().replace(",19.90,", ",1.99,").replace(",17.50,", ",1.50,")
    cheap.write_text(text)  # variation prices -90 %
    sandbox.clear_log()
    for command in (
        ["catalog", "import", str(cheap)],
        ["import", str(cheap), "-m", str(ROOT / "mappings" / "woocommerce-core.toml")],
    ):
        stopped = runner.invoke(main, [*command, *_store(sandbox)])
        assert stopped.exit_code == 3, stopped.output
        assert "TEE-RED-S" in stopped.output
        assert sandbox.writes() == 0
    allowed = runner.invoke(
        main, ["catalog", "import", str(cheap), "--max-price-drop", "off", *_store(sandbox)]
    )
    assert allowed.exit_code == 0, allowed.output
    assert sandbox.product_by_sku("TEE-RED-S")["regular_price"] == "1.99"


def test_a_held_lock_stops_a_catalog_run(sandbox: Sandbox, tmp_path: Path) -> None:
    from bulkio.runlock import RunLock
    from bulkio.runs import series_dir

    sample = str(ROOT / "samples" / "catalog-woocommerce.csv")
    mapping = ROOT / "mappings" / "woocommerce-core.toml"
    runs = tmp_path / "runs"
    with RunLock(series_dir(sandbox.url, mapping, runs) / "lock"):  # the lock every import takes
        locked = CliRunner().invoke(
            main, ["catalog", "import", sample, "--runs-dir", str(runs), *_store(sandbox)]
        )
        # a dry run takes no lock
        dry = CliRunner().invoke(
            main,
            ["catalog", "import", sample, "--dry-run", "--runs-dir", str(runs), *_store(sandbox)],
        )
    assert locked.exit_code == 5, locked.output
    assert dry.exit_code == 0, dry.output
    assert sandbox.writes() == 0


def test_export_products_refuses_layouts_it_does_not_write(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    runner = CliRunner()
    supplier = str(ROOT / "mappings" / "supplier-csv.toml")
    other = runner.invoke(
        main,
        ["export", "products", "-m", supplier, "-o", str(tmp_path / "a.csv"), *_store(sandbox)],
    )
    assert other.exit_code == 2 and "fields.sku" in other.output
    xlsx = runner.invoke(
        main, ["export", "products", "-o", str(tmp_path / "a.xlsx"), *_store(sandbox)]
    )
    assert xlsx.exit_code == 2 and "CSV" in xlsx.output
    core = str(ROOT / "mappings" / "woocommerce-core.toml")
    ok = runner.invoke(
        main, ["export", "products", "-m", core, "-o", str(tmp_path / "a.csv"), *_store(sandbox)]
    )
    assert ok.exit_code == 0, ok.output
    assert (
        (tmp_path / "a.csv")
        .read_text(encoding="utf-8-sig")
        .startswith('ID,Type,SKU,"GTIN, UPC, EAN, or ISBN",Name,')
    )


def test_variations_only_sample_through_bulkio_import(sandbox: Sandbox) -> None:
    sample = str(ROOT / "samples" / "catalog-variations-only.csv")
    mapping = str(ROOT / "mappings" / "woocommerce-core.toml")
    result = CliRunner().invoke(main, ["import", sample, "-m", mapping, *_store(sandbox)])
    assert result.exit_code == 0, result.output
    assert "no column 'Published'" in result.output  # the warning (stderr, mixed in here)
    hoodie = sandbox.product_by_sku("HOOD")
    assert hoodie is not None and hoodie["type"] == "variable" and hoodie["name"] == "Zip Hoodie"
    color = next(a for a in hoodie["attributes"] if a["name"] == "Color")
    assert color["id"] > 0 and color["options"] == ["Black", "Grey"]
    prices = {v["sku"]: v["regular_price"] for v in sandbox.variations(hoodie["id"])}
    assert prices == {
        "HOOD-BLK-S": "49.00",
        "HOOD-BLK-M": "49.00",
        "HOOD-GRY-S": "49.00",
        "HOOD-GRY-M": "52.00",
    }
    assert sandbox.product_by_sku("HOOD-BLK-S")["type"] == "variation"
