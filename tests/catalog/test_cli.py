"""``bulkio catalog import`` and ``bulkio export products`` through the command line."""

from __future__ import annotations

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
    assert "would create category Clothing > Shirts" in dry.output
    assert "would create variation TEE-RED-S" in dry.output
    assert sandbox.writes() == 0

    done = runner.invoke(main, ["catalog", "import", sample, *_store(sandbox)])
    assert done.exit_code == 0, done.output
    assert "variations: 4 created" in done.output
    assert sandbox.product_by_sku("MUG")["name"] == "Mug &amp; Saucer"

    out = tmp_path / "products.csv"
    exported = runner.invoke(main, ["export", "products", "-o", str(out), *_store(sandbox)])
    assert exported.exit_code == 0, exported.output
    assert "2 products and 4 variations" in exported.output
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
    assert "unknown-type: Type 'gadget' is not simple, variable or variation" in result.output
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
    refused = runner.invoke(
        main,
        ["import", sample, "-m", mapping, "--plan-out", str(tmp_path / "p.json"), *_store(sandbox)],
    )
    assert refused.exit_code == 2 and "--plan-out" in refused.output
