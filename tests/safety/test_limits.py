"""Safety limits over real Plan objects: which limit breaks, for which records, and overrides."""

from __future__ import annotations

import pytest

from bulkio.errors import SafetyLimitError, UsageError
from bulkio.exitcodes import ExitCode
from bulkio.plan import FieldChange, Plan, PlanItem, PlanRejection
from bulkio.plan.missing import MissingItem
from bulkio.safety import (
    DEFAULT_LIMITS,
    SHARE_FLOOR,
    Limits,
    check_limits,
    enforce_limits,
    feed_rows,
    parse_percent,
    price_swings,
    resolve_limits,
)


def update(sku: str, *changes: tuple[str, object, object], line: int = 2) -> PlanItem:
    return PlanItem(
        "update",
        line,
        sku,
        id=100 + line,
        changes=[FieldChange(f, o, n) for f, o, n in changes],  # type: ignore[arg-type]
        payload={"id": 100 + line},
    )


def unchanged(n: int, start: int = 1000) -> list[PlanItem]:
    return [PlanItem("unchanged", start + i, f"U{i}", id=start + i) for i in range(n)]


def plan_with(updates=(), creates=(), n_unchanged=0, missing=(), rejected=0) -> Plan:
    plan = Plan(
        owned_fields=["sku", "regular_price", "sale_price", "name"],
        creates=list(creates),
        updates=list(updates),
        unchanged=unchanged(n_unchanged),
        rejected=[
            PlanRejection("f.csv", i + 2, f"R{i}", "price", "abc", "invalid_money", "bad")
            for i in range(rejected)
        ],
    )
    plan.missing = list(missing)  # type: ignore[attr-defined]
    return plan


def names(breaches) -> list[str]:
    return [b.limit for b in breaches]


def test_a_quiet_nightly_plan_passes_the_defaults() -> None:
    updates = [update(f"A{i}", ("regular_price", "10.00", "10.50"), line=i + 2) for i in range(30)]
    plan = plan_with(updates, n_unchanged=970)
    assert check_limits(plan, DEFAULT_LIMITS, previous_rows=1000) == []
    enforce_limits(plan, DEFAULT_LIMITS, 1000)  # does not raise


def test_all_prices_zero_breaks_max_price_drop_naming_the_skus() -> None:
    updates = [update(f"A{i}", ("regular_price", "19.99", "0.00"), line=i + 2) for i in range(25)]
    plan = plan_with(updates, n_unchanged=5)
    breaches = check_limits(plan, DEFAULT_LIMITS, previous_rows=30)
    assert names(breaches) == ["max_change_share", "max_price_drop"]
    drop = breaches[1]
    assert drop.actual == "25 products"
    text = drop.describe()
    assert "A0 regular_price 19.99 → 0.00 (-100%)" in text
    assert "and 15 more" in text  # first 10 shown, then the count
    with pytest.raises(SafetyLimitError) as info:
        enforce_limits(plan, DEFAULT_LIMITS, 30)
    assert info.value.exit_code == ExitCode.SAFETY_LIMIT == 3
    message = str(info.value)
    assert "before any write" in message and "--max-price-drop" in message
    assert "--no-limits" in message


def test_price_thresholds_are_inclusive_of_the_limit() -> None:
    exactly_half = plan_with([update("H", ("regular_price", "10.00", "5.00"))])
    assert check_limits(exactly_half) == []
    more_than_half = plan_with([update("H", ("regular_price", "10.00", "4.99"))])
    assert names(check_limits(more_than_half)) == ["max_price_drop"]
    doubled = plan_with([update("D", ("sale_price", "10.00", "20.00"))])
    assert check_limits(doubled) == []
    cents_as_units = plan_with([update("C", ("regular_price", "12.99", "1299.00"))])
    breaches = check_limits(cents_as_units)
    assert names(breaches) == ["max_price_rise"]
    assert "C regular_price 12.99 → 1299.00 (+9900%)" in breaches[0].describe()


def test_price_swing_rules() -> None:
    plan = plan_with(
        [
            update("RM", ("regular_price", "10.00", "")),  # price removed: -100 %
            update("SALE_END", ("sale_price", "8.00", "")),  # sale ended: fine
            update("SALE_NEW", ("sale_price", "", "8.00")),  # no old sale price: no ratio
            update("FREE", ("sale_price", "8.00", "0.00")),  # sale price 0: -100 %
            update("FIX", ("regular_price", "0.00", "25.00")),  # fixing a 0.00: fine
            update("NAME", ("name", "a", "b")),
        ]
    )
    swings = {(s.sku, s.field): s.change for s in price_swings(plan)}
    assert swings == {("RM", "regular_price"): -1.0, ("FREE", "sale_price"): -1.0}
    assert names(check_limits(plan)) == ["max_price_drop"]


def test_truncated_feed_breaks_min_rows_share() -> None:
    plan = plan_with([], n_unchanged=10)
    breaches = check_limits(plan, DEFAULT_LIMITS, previous_rows=2000)
    assert names(breaches) == ["min_rows_share"]
    assert breaches[0].actual == "10 rows"
    assert "1,000" in breaches[0].allowed
    assert check_limits(plan, DEFAULT_LIMITS, previous_rows=None) == []  # first run
    assert check_limits(plan_with([], n_unchanged=1000), DEFAULT_LIMITS, 2000) == []


def test_rejected_rows_count_as_feed_rows() -> None:
    plan = plan_with([], n_unchanged=600, rejected=400)
    assert feed_rows(plan) == 1000
    assert check_limits(plan, DEFAULT_LIMITS, previous_rows=1100) == []


def test_change_share_needs_the_floor_and_counts_only_existing_records() -> None:
    few = plan_with([update(f"A{i}", ("name", "a", "b")) for i in range(SHARE_FLOOR - 1)])
    assert check_limits(few) == []  # 100 % of 9 records: under the floor
    shifted = plan_with([update(f"A{i}", ("name", "a", "b")) for i in range(60)], n_unchanged=40)
    breaches = check_limits(shifted)
    assert names(breaches) == ["max_change_share"]
    assert "60 of 100 existing records = 60%" in breaches[0].actual
    first_import = plan_with(
        creates=[PlanItem("create", i + 2, f"N{i}", payload={"sku": f"N{i}"}) for i in range(500)]
    )
    assert check_limits(first_import) == []  # creating a catalog is not "changing" the shop


def test_max_changes_counts_creates_updates_and_missing() -> None:
    plan = plan_with(
        [update("U1", ("name", "a", "b"))],
        creates=[PlanItem("create", 3, "C1", payload={})],
        missing=[MissingItem("draft", 7, "M1")],
    )
    limits = Limits(max_changes=2)
    breaches = check_limits(plan, limits)
    assert names(breaches) == ["max_changes"]
    assert breaches[0].skus == ["U1", "M1", "C1"]
    assert check_limits(plan, Limits(max_changes=3)) == []


def test_max_hide_share_and_count() -> None:
    missing = [MissingItem("draft", i, f"M{i}") for i in range(30)]
    plan = plan_with([], n_unchanged=170, missing=missing)  # 30 of 200 = 15 %
    breaches = check_limits(plan)
    assert names(breaches) == ["max_hide"]
    assert breaches[0].actual == "30 of 200 existing records = 15%"
    assert "M0, M1" in breaches[0].describe()
    assert check_limits(plan, resolve_limits({"max_hide": 30})) == []
    assert check_limits(plan, resolve_limits({"max_hide_share": 20})) == []
    assert names(check_limits(plan, resolve_limits(cli={"max_hide": "29"}))) == ["max_hide"]
    assert check_limits(plan, resolve_limits(cli={"max_hide": "20%"})) == []


def test_resolution_order_and_explicit_off() -> None:
    limits = resolve_limits(
        {"max_price_drop": 30, "max_changes": 100},
        {"max_price_drop": "70%", "max_change_share": "off", "max_changes": None},
    )
    assert limits.max_price_drop == pytest.approx(0.7)
    assert limits.max_change_share is None
    assert limits.max_changes == 100
    assert resolve_limits({"min_rows_share": "off"}).min_rows_share is None  # -1: exit 2 now
    disabled = resolve_limits({"max_changes": 1}, no_limits=True)
    zero_prices = plan_with([update(f"A{i}", ("regular_price", "9.00", "0.00")) for i in range(50)])
    assert check_limits(zero_prices, disabled, previous_rows=10_000) == []
    assert disabled.describe() == ["safety limits: off (--no-limits)"]


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"max_price_drop": "lots"}, "m.toml: [limits] max_price_drop"),
        ({"max_changes": 2.5}, "m.toml: [limits] max_changes"),
        ({"max_cheese": 1}, "m.toml: [limits] max_cheese"),
    ],
)
def test_bad_mapping_limits_name_the_key(raw: dict[str, object], where: str) -> None:
    with pytest.raises(UsageError) as info:
        resolve_limits(raw, mapping_path="m.toml")
    assert where in str(info.value)


def test_bad_cli_limits_name_the_option() -> None:
    with pytest.raises(UsageError) as info:
        resolve_limits(cli={"max_price_rise": "abc"})
    assert "--max-price-rise" in str(info.value)


def test_parse_percent() -> None:
    assert parse_percent("50", where="x") == 0.5
    assert parse_percent(" 12.5 % ", where="x") == 0.125
    assert parse_percent(100, where="x") == 1.0
    assert parse_percent("off", where="x") is None
    with pytest.raises(UsageError):
        parse_percent(True, where="x")


def test_defaults_are_documented_in_describe() -> None:
    assert DEFAULT_LIMITS.describe() == [
        "max_changes: off",
        "max_change_share: 50%",
        "max_price_drop: 50%",
        "max_price_rise: 100%",
        "max_hide: 10%",
        "min_rows_share: 50%",
    ]
