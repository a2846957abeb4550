"""`bulkio init` on every shipped sample: the drafted mapping plans what the shipped one plans.

Each sample is drafted, then both mappings are planned on the same seeded sandbox with
`bulkio import --dry-run --plan-out`; the plans (items, changes, payloads, rejections) must be
equal, or differ exactly as documented below (docs/init.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bulkio.sandbox import Sandbox
from tests.init.helpers import MAPPINGS, SAMPLES, differences, init, planned

# sample → (shipped mapping, edits that turn it into what the draft does). Each edit is a
# documented difference (docs/init.md): the drafted plan must equal the plan of the shipped
# mapping with exactly these edits, and nothing else.
EAN_AS_GTIN = ('"meta:ean" = "EAN"', 'global_unique_id = "EAN"')
GOOGLE = [
    # the draft leaves a product's status to the store (new products are published)
    ('status = { value = "publish" }', ""),
    # attributes in the feed's order (g:color comes before g:size in every item)
    ('name = "Size"\ncolumn = "g:size"', 'name = "@@"\ncolumn = "@@"'),
    ('name = "Color"\ncolumn = "g:color"', 'name = "Size"\ncolumn = "g:size"'),
    ('name = "@@"\ncolumn = "@@"', 'name = "Color"\ncolumn = "g:color"'),
]
CASES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    # EAN goes to WooCommerce's own GTIN field (global_unique_id), not a meta entry
    "supplier-products.csv": ("supplier-csv", [EAN_AS_GTIN]),
    "supplier-feed.xml": (
        "supplier-xml",
        [
            # <stock> is read whatever its warehouse attribute (all say "main" here)
            ("stock[@warehouse='main']", "stock"),
            # the weight's unit attribute is honoured (kg: the same numbers on a kg store)
            (
                "weight = \"logistics/weight[@unit='kg']\"",
                'weight = { column = "logistics/weight", type = "decimal", unit = "kg" }',
            ),
            # a brand is WooCommerce's Brands taxonomy, not a meta entry
            ('"meta:brand" = "brand"', 'brands = "brand"'),
        ],
    ),
    "stock-warehouse.csv": ("stock-csv", []),
    "stock-feed.xml": (
        "stock-xml",
        # the feed's yes/no are WooCommerce's own backorder values; the shipped mapping
        # chooses notify for yes (allow, and tell the customer)
        [('map = { "yes" = "notify", "no" = "no" }', 'map = { "yes" = "yes", "no" = "no" }')],
    ),
    "catalog-woocommerce.csv": ("woocommerce-core", []),
    "catalog-variations-only.csv": ("woocommerce-core", []),
    "erp-de.csv": ("erp-de", []),
    "shopify-products.csv": ("shopify-products", []),
    "google-merchant.xml": ("google-merchant", GOOGLE),
    "google-merchant-atom.xml": (
        "google-merchant-atom",
        [
            *GOOGLE,
            # Atom's <summary> is the short description; g:description the long one
            (
                'description = "(g:description | atom:summary)[1]"',
                'description = "g:description"\nshort_description = "atom:summary"',
            ),
        ],
    ),
}


# samples that are not product or stock feeds: init says what they are and writes nothing
NOT_FEEDS = {
    "coupons.csv": "a coupon list",
    "shopify-customers.csv": "Shopify's customer export",
    "shopify-orders.csv": "Shopify's order export",
}


def test_every_shipped_sample_has_a_case() -> None:
    # the samples themselves, not the scripts that generate some of them (make_*.py)
    samples = sorted(p.name for p in SAMPLES.iterdir() if p.is_file() and p.suffix != ".py")
    assert sorted([*CASES, *NOT_FEEDS]) == samples


@pytest.mark.parametrize("sample", sorted(NOT_FEEDS))
def test_exports_that_are_not_feeds_are_named_and_refused(sample: str, tmp_path: Path) -> None:
    result = init(str(SAMPLES / sample), "-o", str(tmp_path / "m.toml"))
    assert result.exit_code == 2
    assert sample in result.output and NOT_FEEDS[sample] in result.output
    assert "docs/migrations.md" in result.output
    assert not (tmp_path / "m.toml").exists()


@pytest.mark.parametrize("sample", sorted(CASES))
def test_drafted_mapping_plans_like_the_shipped_one(
    sample: str, sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    shipped, edits = CASES[sample]
    original = MAPPINGS / f"{shipped}.toml"
    assert original.exists(), f"no shipped mapping {original} for {sample}"
    text = original.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"{original} no longer says {old}: update the documented difference"
        text = text.replace(old, new)
    shipped_path = tmp_path / original.name
    shipped_path.write_text(text, encoding="utf-8")
    sandbox = sandbox_factory(seed_products=50)
    drafted = tmp_path / "drafted.toml"
    result = init(str(SAMPLES / sample), "-o", str(drafted))
    assert result.exit_code in (0, 1), result.output
    assert drafted.exists()
    by_shipped = planned(sandbox, SAMPLES / sample, shipped_path, tmp_path / "shipped.json")
    by_draft = planned(sandbox, SAMPLES / sample, drafted, tmp_path / "drafted.json")
    assert differences(by_draft, by_shipped) == []
    assert _plans_something(by_draft)


def _plans_something(plan: dict[str, Any]) -> bool:
    counts = plan.get("counts", {})
    return any(value for key, value in counts.items() if key != "rejected")
