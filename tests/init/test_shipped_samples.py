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

# sample → (shipped mapping, the documented differences of the drafted plan)
CASES: dict[str, tuple[str, list[str]]] = {
    "supplier-products.csv": ("supplier-csv", []),
    "supplier-feed.xml": (
        "supplier-xml",
        # the draft reads <stock> whatever its warehouse attribute (all say "main" here), so a
        # rejected row names the plain path
        [".rejected[2].column: 'stock' != \"stock[@warehouse='main']\""],
    ),
    "stock-warehouse.csv": ("stock-csv", []),
    "stock-feed.xml": (
        "stock-xml",
        # the feed's yes/no are WooCommerce's own backorder values; the shipped mapping
        # chooses notify for yes (allow, and tell the customer)
        [
            ".updates[0].changes: [{'field': 'backorders', 'old': 'notify', 'new': 'yes'}, "
            "{'field': 'stock_quantity', 'old': 0, 'new': 3}] != "
            "[{'field': 'stock_quantity', 'old': 0, 'new': 3}]",
            ".updates[0].payload.backorders: 'yes' != None",
            ".updates[4].changes[0].new: 'yes' != 'notify'",
            ".updates[4].payload.backorders: 'yes' != 'notify'",
        ],
    ),
    "catalog-woocommerce.csv": ("woocommerce-core", []),
    "catalog-variations-only.csv": ("woocommerce-core", []),
    "erp-de.csv": ("erp-de", []),
    "google-merchant.xml": ("google-merchant", []),
    "google-merchant-atom.xml": ("google-merchant-atom", []),
}


def test_every_shipped_sample_has_a_case() -> None:
    samples = sorted(p.name for p in SAMPLES.iterdir() if p.is_file())
    assert sorted(CASES) == samples


@pytest.mark.parametrize("sample", sorted(CASES))
def test_drafted_mapping_plans_like_the_shipped_one(
    sample: str, sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    shipped, expected = CASES[sample]
    shipped_path = MAPPINGS / f"{shipped}.toml"
    assert shipped_path.exists(), f"no shipped mapping {shipped_path} for {sample}"
    sandbox = sandbox_factory(seed_products=50)
    drafted = tmp_path / "drafted.toml"
    result = init(str(SAMPLES / sample), "-o", str(drafted))
    assert result.exit_code in (0, 1), result.output
    assert drafted.exists()
    by_shipped = planned(sandbox, SAMPLES / sample, shipped_path, tmp_path / "shipped.json")
    by_draft = planned(sandbox, SAMPLES / sample, drafted, tmp_path / "drafted.json")
    assert differences(by_draft, by_shipped) == expected
    assert _plans_something(by_draft)


def _plans_something(plan: dict[str, Any]) -> bool:
    counts = plan.get("counts", {})
    return any(value for key, value in counts.items() if key != "rejected")
