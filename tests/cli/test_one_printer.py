"""One printer, one diff format (issue 16): every command that shows a plan shows it the same
way — flat product feeds, catalogs with terms and variations, stock feeds, saved plans, the
demo, and the customer / coupon / order plans (flat plans with their own key label)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import Result

from bulkio.catalog.render import render_catalog_plan
from bulkio.plan import FieldChange, Plan, PlanItem, render_diff
from bulkio.plan.render import MAX_VALUE_CHARS, Shown, show_value
from bulkio.sandbox import Sandbox
from bulkio.terminal import use_colour
from tests.cli.helpers import ROOT, run, store, write_feeds

ITEM_HEAD = re.compile(
    r"^(?P<indent> *)[+~] (?P<label>SKU|e-mail|code|order number) \S.*  "
    r"\((?:line|record) \d+\) (?:create|update) (?:product|variation|customer|coupon|order)"
)
PENDING = re.compile(
    r'^\+ (?:category|tag|brand|attribute|term) ".*"(?: of attribute ".*")?  create$'
)
CHANGE = re.compile(r"^ +[\w:. -]+: .+$")
OLD_FORMS = re.compile(
    r"would (?:create|update)|^\s*\w+ = '|^(?:create|update) (?:product|variation) ", re.M
)
ANSI = "\x1b["


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def diff_lines(text: str) -> list[str]:
    """The lines of the diff: item heads, their field lines, things created first."""
    lines = text.splitlines()
    return [line for line in lines if ITEM_HEAD.match(line) or PENDING.match(line)]


def assert_one_format(result: Result, *, items: int, pending: int = 0) -> None:
    assert ANSI not in result.stdout  # not a terminal: no colour
    assert not OLD_FORMS.search(result.stdout), result.stdout
    heads = [line for line in result.stdout.splitlines() if ITEM_HEAD.match(line)]
    firsts = [line for line in result.stdout.splitlines() if PENDING.match(line)]
    assert (len(heads), len(firsts)) == (items, pending), result.stdout
    lines = result.stdout.splitlines()
    for index, line in enumerate(lines):
        if ITEM_HEAD.match(line):  # every item is followed by its field lines, indented more
            indent = len(ITEM_HEAD.match(line)["indent"])  # type: ignore[index]
            following = lines[index + 1]
            assert CHANGE.match(following) and following.startswith(" " * (indent + 4)), following


def test_every_command_that_plans_uses_the_one_format(sandbox: Sandbox, tmp_path: Path) -> None:
    feeds = write_feeds(tmp_path)
    flat, mapping = str(feeds["flat"]), str(feeds["flat_mapping"])
    plan = tmp_path / "plan.json"

    dry = run("import", flat, "-m", mapping, "--dry-run", "--plan-out", str(plan), *store(sandbox))
    assert dry.exit_code == 0, dry.output
    assert_one_format(dry, items=3)
    assert '+ SKU P-1  (line 2) create product\n    sku: "P-1"' in dry.stdout

    applied = run("apply", str(plan), *store(sandbox))  # the saved plan, shown again as applied
    assert applied.exit_code == 0, applied.output
    assert_one_format(applied, items=3)

    stock = run("import", str(feeds["stock"]), "-m", str(feeds["stock_mapping"]), "--dry-run",
                *store(sandbox))  # fmt: skip
    assert stock.exit_code == 0, stock.output
    assert_one_format(stock, items=3)
    assert re.search(
        r"~ SKU P-1  \(line 2\) update product #\d+\n    stock_quantity: ", stock.stdout
    )

    sample = str(ROOT / "samples" / "catalog-woocommerce.csv")
    catalog = run("catalog", "import", sample, "--dry-run", *store(sandbox))
    assert catalog.exit_code == 0, catalog.output
    assert_one_format(catalog, items=6, pending=7)
    assert "  + SKU TEE-RED-S  (line 3) create variation of TEE\n      sku: " in catalog.stdout
    # the summary is the one summary line, with the catalog's breakdown in brackets
    assert re.search(r"^plan: 6 to create, 0 to update, 0 unchanged, 0 rejected \(products: ",
                     catalog.stdout, re.M)  # fmt: skip


def test_the_demo_uses_the_one_format() -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert not OLD_FORMS.search(result.stdout)
    heads = [line for line in result.stdout.splitlines() if ITEM_HEAD.match(line)]
    assert heads and all(line.split()[1] == "SKU" for line in heads)
    assert ANSI not in result.stdout


@pytest.mark.parametrize(
    ("resource", "label", "key"),
    [
        ("product", "SKU", "A-1"),
        ("stock", "SKU", "A-1"),
        ("customer", "e-mail", "jane@example.com"),
        ("coupon", "code", "SUMMER10"),
        ("order", "order number", "#1001"),
    ],
)
def test_the_key_is_labelled_by_resource(resource: str, label: str, key: str) -> None:
    plan = Plan(
        resource=resource,
        creates=[PlanItem("create", 2, key, changes=[FieldChange("note", None, "new")])],
        updates=[PlanItem("update", 3, key + "x", id=9, changes=[FieldChange("note", "a", "b")])],
    )
    text = render_diff(plan)
    noun = "product" if resource in ("product", "stock") else resource
    assert f'+ {label} {key}  (line 2) create {noun}\n    note: "new"' in text
    assert f'~ {label} {key}x  (line 3) update {noun} #9\n    note: "a" → "b"' in text
    assert len(diff_lines(text)) == 2  # both heads read as the one format


def test_long_values_are_cut_the_same_way_and_controls_escaped() -> None:
    long = "x" * 200
    for value in (long, Shown(long), tuple(range(100))):
        shown = show_value(value)
        assert shown.rstrip('"').endswith("…")
        assert len(shown.strip('"')) == MAX_VALUE_CHARS
    assert show_value("a\x1b[2Jb\n") == '"a\\x1b[2Jb\\n"'
    assert show_value(Shown("Color: Re\u202ed")) == "Color: Re\\u202ed"
    plan = Plan(
        updates=[PlanItem("update", 2, "S\x07", id=1, changes=[FieldChange("name", "o", long)])]
    )
    text = render_diff(plan)
    assert "\x07" not in text and "S\\x07" in text and "…" in text


def test_catalog_plans_render_through_the_same_printer(tmp_path: Path) -> None:
    """The catalog renderer is a layout for the shared printer, not a format of its own."""
    from bulkio.catalog.run import import_catalog
    from tests.catalog.helpers import MAPPING, client_for

    with Sandbox() as sb, client_for(sb) as client:
        run_ = import_catalog(
            client, MAPPING, ROOT / "samples" / "catalog-woocommerce.csv", dry_run=True
        )
    text = render_catalog_plan(run_.plan)
    assert '+ category "Clothing > Shirts"  create' in text
    assert "+ SKU TEE  (line 2) create product" in text
    assert not OLD_FORMS.search(text)


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(FakeTty()) is True
    assert use_colour(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_colour(FakeTty()) is False
    plan = Plan(creates=[PlanItem("create", 2, "A", changes=[FieldChange("name", None, "n")])])
    assert ANSI in render_diff(plan, colour=True) and ANSI not in render_diff(plan)


@pytest.mark.parametrize(
    ("sample", "mapping", "label", "noun"),
    [
        ("shopify-customers.csv", "shopify-customers", "e-mail", "customer"),
        ("coupons.csv", "coupons-csv", "code", "coupon"),
        ("shopify-orders.csv", "shopify-orders", "order number", "order"),
    ],
)
def test_customer_coupon_and_order_imports_speak_the_same_way(
    sandbox: Sandbox, sample: str, mapping: str, label: str, noun: str
) -> None:
    """The record kinds (bulkio.migrate) go through the one printer: their key is labelled
    in the diff and in the problem rows alike."""
    result = run("import", str(ROOT / "samples" / sample), "-m", mapping, "--dry-run",
                 *store(sandbox))  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    assert not OLD_FORMS.search(result.stdout)
    heads = [line for line in result.stdout.splitlines() if ITEM_HEAD.match(line)]
    assert heads and all(line.startswith(f"+ {label} ") for line in heads)
    assert all(line.endswith(f"create {noun}") for line in heads)
    assert re.search(r"^plan: \d+ to create, 0 to update", result.stdout, re.M)
    problems = [line for line in result.stdout.splitlines() if line.startswith("  rejected ")]
    assert all(f"  {label} " in line for line in problems)
    assert " sku " not in result.stdout


def test_records_missing_from_the_feed_are_items_of_the_diff() -> None:
    from bulkio.plan.missing import MissingItem

    plan = Plan(
        missing=[
            MissingItem(
                "private", 12, "OLD-1", changes=[FieldChange("status", "publish", "private")]
            ),
            MissingItem("delete", 13, "OLD\x1b2"),
        ]
    )
    text = render_diff(plan)
    assert text.splitlines() == [
        "",
        "Managed products missing from the feed:",
        "~ SKU OLD-1  (missing from the feed) set private, product #12",
        '    status: "publish" → "private"',
        "- SKU OLD\\x1b2  (missing from the feed) move product #13 to the trash",
    ]
    customers = render_diff(Plan(resource="customer", missing=[MissingItem("delete", 5, "a@b.c")]))
    assert "- e-mail a@b.c  (missing from the feed) delete customer #5" in customers
