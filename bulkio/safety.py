"""Safety limits: stop a run whose plan looks like a broken feed, before anything is written.

A supplier file truncated to ten lines, every price 0.00, a column shifted by one: each
produces a *valid* plan that would damage the shop. The limits look at the plan as a whole and
refuse it when it is out of character:

===================  =========  =====================================================
limit                default    breaks when
===================  =========  =====================================================
max_changes          off        more records would be created, updated, hidden or deleted
max_change_share     50 %       more than this share of the store's records the run looks
                                at would be updated, hidden or deleted
max_price_drop       50 %       a product's regular or sale price would fall by more
max_price_rise       100 %      a product's regular or sale price would rise by more
max_hide             10 %       more records missing from the feed would be hidden (draft,
                                private, out of stock) or deleted; a count (``max_hide``), or a
                                share of the records the run looks at (``max_hide_share``, or
                                ``--max-hide 10%``)
min_rows_share       50 %       the feed has fewer rows than this share of the last
                                successful run's feed
===================  =========  =====================================================

Share limits never trip on fewer than :data:`SHARE_FLOOR` records (10 changes in a 12-product
shop are not a catastrophe, and a limit that fires every night gets switched off).

Shares and percentages are written as percentages: ``max_price_drop = 50`` in the mapping's
``[limits]`` table, ``--max-price-drop 50`` or ``50%`` on the command line. ``off`` disables one
limit; ``--no-limits`` disables them all, explicitly. A negative number, or a share or drop above
100 %, is an error naming the option or key: ``--max-price-drop -5`` must not quietly mean "off"
(nor ``150``, which no price can reach).

Everything here is pure: plan in, breaches out. :func:`enforce_limits` raises
:class:`~bulkio.errors.SafetyLimitError` (exit code 3).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from bulkio.errors import SafetyLimitError, UsageError
from bulkio.terminal import printable

SHARE_FLOOR = 10
"""Share-based limits (max_change_share, max_hide as a %) need at least this many records."""

EXAMPLES_SHOWN = 10
"""How many SKUs a breach message lists before saying "and N more"."""

PRICE_FIELDS = ("regular_price", "sale_price")


@dataclass(frozen=True)
class Limits:
    """The limits of one run. ``None`` disables a limit; shares are fractions (0.5 = 50 %)."""

    max_changes: int | None = None
    max_change_share: float | None = 0.5
    max_price_drop: float | None = 0.5
    max_price_rise: float | None = 1.0
    max_hide: int | None = None
    max_hide_share: float | None = 0.1
    min_rows_share: float | None = 0.5
    enabled: bool = True
    """False after ``--no-limits``: nothing is checked."""

    @classmethod
    def disabled(cls) -> Limits:
        return cls(enabled=False)

    def describe(self) -> list[str]:
        """Human lines, for ``--dry-run`` output and the docs."""
        if not self.enabled:
            return ["safety limits: off (--no-limits)"]
        return [
            f"max_changes: {_fmt_count(self.max_changes)}",
            f"max_change_share: {_fmt_share(self.max_change_share)}",
            f"max_price_drop: {_fmt_share(self.max_price_drop)}",
            f"max_price_rise: {_fmt_share(self.max_price_rise)}",
            f"max_hide: {_hide_text(self)}",
            f"min_rows_share: {_fmt_share(self.min_rows_share)}",
        ]


DEFAULT_LIMITS = Limits()

LIMIT_KEYS = (
    "max_changes",
    "max_change_share",
    "max_price_drop",
    "max_price_rise",
    "max_hide",
    "max_hide_share",
    "min_rows_share",
)
"""The keys of a mapping's ``[limits]`` table and the ``--<key>`` CLI options (dashes)."""


# -- parsing: mapping [limits] and CLI options ------------------------------------------------


def _fmt_count(value: int | None) -> str:
    return "off" if value is None else str(value)


def _fmt_share(value: float | None) -> str:
    if value is None:
        return "off"
    return f"{value * 100:g}%"


def _hide_text(limits: Limits) -> str:
    if limits.max_hide is not None:
        return str(limits.max_hide)
    return _fmt_share(limits.max_hide_share)


def parse_percent(
    text: str | float | int, *, where: str, at_most: float | None = None
) -> float | None:
    """``"50"``, ``"50%"``, ``50`` → 0.5; ``"off"``/``"none"`` → None.

    A negative number, or one above ``at_most`` (in percent), is a :class:`UsageError`: a typo
    in a safety limit must stop the run, not switch the limit off without a word.
    """
    if isinstance(text, bool):
        raise UsageError(f"{where}: expected a percentage, not {text!r}")
    raw = str(text).strip().lower()
    if raw in ("off", "none", "no"):
        return None
    number_text = raw[:-1].strip() if raw.endswith("%") else raw
    try:
        number = float(number_text)
    except ValueError:
        raise UsageError(
            f"{where}: {text!r} is not a percentage", hint="write e.g. 50 or 50% (or off)"
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise UsageError(f"{where}: {text!r} is not a percentage")
    if number < 0:
        raise UsageError(
            f"{where}: {text!r} is negative; a limit is a percentage of 0 or more",
            hint="write e.g. 50 or 50%, or off to disable this limit",
        )
    if at_most is not None and number > at_most:
        raise UsageError(
            f"{where}: {text!r} is above {at_most:g}%, which this limit can never reach",
            hint=f"write a percentage up to {at_most:g}, or off to disable this limit",
        )
    return number / 100.0


def parse_count(text: str | float | int, *, where: str) -> int | None:
    """``"500"`` → 500; ``"off"`` → None; a negative number is a :class:`UsageError`."""
    if isinstance(text, bool):
        raise UsageError(f"{where}: expected a whole number, not {text!r}")
    raw = str(text).strip().lower()
    if raw in ("off", "none", "no"):
        return None
    try:
        number = float(raw)
    except ValueError:
        raise UsageError(f"{where}: {text!r} is not a whole number") from None
    if number != number or number in (float("inf"), float("-inf")) or number != int(number):
        raise UsageError(f"{where}: {text!r} is not a whole number")
    if number < 0:
        raise UsageError(
            f"{where}: {text!r} is negative; a limit is a count of 0 or more",
            hint="write e.g. 500, or off to disable this limit",
        )
    return int(number)


def _apply_setting(limits: Limits, key: str, value: Any, where: str) -> Limits:
    if key == "max_changes":
        return replace(limits, max_changes=parse_count(value, where=where))
    if key == "max_hide":
        if isinstance(value, str) and value.strip().endswith("%"):
            return replace(
                limits, max_hide=None, max_hide_share=parse_percent(value, where=where, at_most=100)
            )
        count = parse_count(value, where=where)
        # A count replaces the share default; "off" turns both off.
        return replace(limits, max_hide=count, max_hide_share=None)
    if key == "max_hide_share":
        return replace(
            limits, max_hide=None, max_hide_share=parse_percent(value, where=where, at_most=100)
        )
    if key == "max_change_share":
        return replace(limits, max_change_share=parse_percent(value, where=where, at_most=100))
    if key == "max_price_drop":
        return replace(limits, max_price_drop=parse_percent(value, where=where, at_most=100))
    if key == "max_price_rise":
        return replace(limits, max_price_rise=parse_percent(value, where=where))
    if key == "min_rows_share":
        return replace(limits, min_rows_share=parse_percent(value, where=where, at_most=100))
    raise UsageError(f"{where}: unknown limit {key!r}", hint=f"known: {', '.join(LIMIT_KEYS)}")


def resolve_limits(
    mapping_limits: Mapping[str, Any] | None = None,
    cli: Mapping[str, Any] | None = None,
    *,
    no_limits: bool = False,
    mapping_path: str = "mapping",
    base: Limits = DEFAULT_LIMITS,
) -> Limits:
    """Defaults, then the mapping's ``[limits]``, then CLI options (``None`` = not given).

    ``no_limits`` wins over everything and must be asked for explicitly.
    """
    if no_limits:
        return Limits.disabled()
    limits = base
    for key, value in (mapping_limits or {}).items():
        limits = _apply_setting(limits, key, value, f"{mapping_path}: [limits] {key}")
    for key, value in (cli or {}).items():
        if value is None:
            continue
        limits = _apply_setting(limits, key, value, f"--{key.replace('_', '-')}")
    return limits


# -- the plan as the limits see it -------------------------------------------------------------


class ChangeLike(Protocol):
    field: str
    old: Any
    new: Any


class ItemLike(Protocol):
    sku: str
    line: int

    @property
    def changes(self) -> Sequence[ChangeLike]: ...


class PlanLike(Protocol):
    """What the limits read from :class:`bulkio.plan.Plan` (plus ``missing``, when present)."""

    @property
    def creates(self) -> Sequence[Any]: ...

    @property
    def updates(self) -> Sequence[Any]: ...

    @property
    def unchanged(self) -> Sequence[Any]: ...

    @property
    def rejected(self) -> Sequence[Any]: ...


def missing_items(plan: Any) -> list[Any]:
    """The plan's missing-from-feed actions (hide or delete), [] for plans without them."""
    return list(getattr(plan, "missing", None) or [])


def feed_rows(plan: Any) -> int:
    """Rows of the feed the plan was built from: every row, accepted or rejected."""
    return len(plan.creates) + len(plan.updates) + len(plan.unchanged) + len(plan.rejected)


# -- checking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceSwing:
    """One price field of one product moving by more than a limit allows."""

    sku: str
    line: int | None
    field: str
    old: str
    new: str
    change: float
    """Relative change: -1.0 = fell to zero (or was removed), +1.5 = rose by 150 %."""

    def describe(self) -> str:
        new = self.new if self.new != "" else "(empty)"
        return f"{self.sku} {self.field} {self.old} → {new} ({self.change * 100:+.0f}%)"


@dataclass(frozen=True)
class LimitBreach:
    """One limit the plan breaks, with the records that break it."""

    limit: str
    """The limit's key (``max_price_drop``); also the CLI option ``--max-price-drop``."""
    allowed: str
    actual: str
    skus: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    """Per-record explanations (price swings) shown before the bare SKU list."""
    reason: str = ""

    @property
    def option(self) -> str:
        return "--" + self.limit.replace("_", "-")

    def describe(self, shown: int = EXAMPLES_SHOWN) -> str:
        text = f"{self.limit}: {self.reason} ({self.actual}; allowed {self.allowed})"
        examples = self.details or self.skus
        if examples:
            head = examples[:shown]
            more = len(examples) - len(head)
            text += ": " + ", ".join(printable(example) for example in head)  # feed SKUs
            if more > 0:
                text += f" and {more} more"
        return text


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    text = str(value).strip()
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def price_swings(plan: Any) -> list[PriceSwing]:
    """Every regular/sale price change of an update, with its relative size.

    * old → new both numbers, old > 0: ``new / old - 1``;
    * a regular price removed (new empty) or any price set to 0 from above 0: −100 %;
    * a sale price removed (the sale ended) or added where there was none: not a swing here
      (there is no old sale price to compare with; max_change_share still counts it);
    * an old price of 0 is not a base for a ratio (fixing a 0.00 price is not suspicious).
    """
    swings: list[PriceSwing] = []
    for item in plan.updates:
        for change in getattr(item, "changes", ()):
            if change.field not in PRICE_FIELDS:
                continue
            old = _money(change.old)
            new = _money(change.new)
            if old is None or old <= 0:
                continue
            if new is None:
                if change.field != "regular_price":
                    continue
                ratio = -1.0
            else:
                ratio = float(new / old) - 1.0
            swings.append(
                PriceSwing(
                    sku=item.sku,
                    line=getattr(item, "line", None),
                    field=change.field,
                    old=str(change.old),
                    new="" if change.new is None else str(change.new),
                    change=ratio,
                )
            )
    return swings


def _skus(items: Iterable[Any]) -> list[str]:
    return [str(getattr(item, "sku", "") or f"id {getattr(item, 'id', '?')}") for item in items]


def _pct(value: float) -> str:
    return f"{value * 100:.4g}%"


def _price_breach(name: str, allowed: str, swings: list[PriceSwing], reason: str) -> LimitBreach:
    """One breach of a price-swing limit; a product can swing on two prices, counted once."""
    skus = list(dict.fromkeys(swing.sku for swing in swings))
    return LimitBreach(
        name,
        allowed=allowed,
        actual=f"{len(skus):,} products",
        skus=skus,
        details=[swing.describe() for swing in swings],
        reason=reason,
    )


def check_limits(
    plan: Any,
    limits: Limits = DEFAULT_LIMITS,
    previous_rows: int | None = None,
    *,
    rows: int | None = None,
) -> list[LimitBreach]:
    """The limits ``plan`` breaks (empty when it may be applied).

    ``previous_rows`` is the feed row count of the last successful run (None on a first run:
    min_rows_share is then skipped). ``rows`` overrides the feed row count read from the plan.
    """
    if not limits.enabled:
        return []
    breaches: list[LimitBreach] = []
    missing = missing_items(plan)
    creates, updates = list(plan.creates), list(plan.updates)
    existing_looked_at = len(updates) + len(plan.unchanged) + len(missing)

    # min rows first: a truncated file explains every other breach.
    feed = feed_rows(plan) if rows is None else rows
    if limits.min_rows_share is not None and previous_rows:
        needed = limits.min_rows_share * previous_rows
        if feed < needed:
            breaches.append(
                LimitBreach(
                    "min_rows_share",
                    allowed=f"at least {_pct(limits.min_rows_share)} of {previous_rows:,} rows "
                    f"= {int(-(-needed // 1)):,}",
                    actual=f"{feed:,} rows",
                    reason="the feed is much shorter than at the last successful run "
                    "(a truncated or partial file?)",
                )
            )

    changed = len(creates) + len(updates) + len(missing)
    if limits.max_changes is not None and changed > limits.max_changes:
        breaches.append(
            LimitBreach(
                "max_changes",
                allowed=f"{limits.max_changes:,}",
                actual=f"{changed:,} records",
                skus=_skus([*updates, *missing, *creates]),
                reason="too many records would change",
            )
        )

    modified = len(updates) + len(missing)
    if (
        limits.max_change_share is not None
        and existing_looked_at
        and modified >= SHARE_FLOOR
        and modified / existing_looked_at > limits.max_change_share
    ):
        breaches.append(
            LimitBreach(
                "max_change_share",
                allowed=_pct(limits.max_change_share),
                actual=f"{modified:,} of {existing_looked_at:,} existing records = "
                f"{_pct(modified / existing_looked_at)}",
                skus=_skus([*updates, *missing]),
                reason="too large a share of the store's records would change "
                "(a shifted column or a different feed?)",
            )
        )

    swings = price_swings(plan)
    if limits.max_price_drop is not None:
        drops = sorted(
            (s for s in swings if s.change < -limits.max_price_drop - 1e-9),
            key=lambda s: s.change,
        )
        if drops:
            breaches.append(
                _price_breach(
                    "max_price_drop",
                    f"−{_pct(limits.max_price_drop)}",
                    drops,
                    "prices would fall too far (prices of 0.00 or a wrong column?)",
                )
            )
    if limits.max_price_rise is not None:
        rises = sorted(
            (s for s in swings if s.change > limits.max_price_rise + 1e-9),
            key=lambda s: -s.change,
        )
        if rises:
            breaches.append(
                _price_breach(
                    "max_price_rise",
                    f"+{_pct(limits.max_price_rise)}",
                    rises,
                    "prices would rise too far (cents read as units, or a wrong column?)",
                )
            )

    hidden = len(missing)
    if hidden:
        if limits.max_hide is not None and hidden > limits.max_hide:
            breaches.append(
                LimitBreach(
                    "max_hide",
                    allowed=f"{limits.max_hide:,}",
                    actual=f"{hidden:,} records",
                    skus=_skus(missing),
                    reason="too many records missing from the feed would be hidden or deleted",
                )
            )
        elif (
            limits.max_hide is None
            and limits.max_hide_share is not None
            and hidden >= SHARE_FLOOR
            and existing_looked_at
            and hidden / existing_looked_at > limits.max_hide_share
        ):
            breaches.append(
                LimitBreach(
                    "max_hide",
                    allowed=_pct(limits.max_hide_share),
                    actual=f"{hidden:,} of {existing_looked_at:,} existing records = "
                    f"{_pct(hidden / existing_looked_at)}",
                    skus=_skus(missing),
                    reason="too many records missing from the feed would be hidden or deleted",
                )
            )
    return breaches


class SafetyLimitsBroken(SafetyLimitError):
    """The plan breaks one or more limits; ``.breaches`` lists them (exit code 3)."""

    def __init__(self, breaches: Sequence[LimitBreach], *, dry_run: bool = False) -> None:
        super().__init__(format_breaches(breaches), hint=breach_hint(breaches, dry_run=dry_run))
        self.breaches = list(breaches)


def format_breaches(breaches: Sequence[LimitBreach], *, shown: int = EXAMPLES_SHOWN) -> str:
    lines = ["stopped by safety limits before any write:"]
    lines.extend(f"  - {breach.describe(shown)}" for breach in breaches)
    return "\n".join(lines)


def breach_hint(breaches: Sequence[LimitBreach], *, dry_run: bool = False) -> str:
    """What to do next; a dry run already shows the plan, so it is not suggested there."""
    options = ", ".join(dict.fromkeys(f"{b.option} N" for b in breaches))
    first = (
        "check the plan above and the rejected rows (nothing was written)."
        if dry_run
        else "check the feed first (bulkio import FILE -m MAPPING --dry-run shows the plan)."
    )
    return (
        f"{first} If the changes are intended, raise the limit for the run ({options}, or "
        "'off'), set it in the mapping's [limits] table, or pass --no-limits."
    )


def enforce_limits(
    plan: Any,
    limits: Limits = DEFAULT_LIMITS,
    previous_rows: int | None = None,
    *,
    rows: int | None = None,
) -> None:
    """Raise :class:`SafetyLimitError` (exit 3) naming every breach; return when all pass."""
    breaches = check_limits(plan, limits, previous_rows, rows=rows)
    if breaches:
        raise SafetyLimitsBroken(breaches)


def limits_as_dict(limits: Limits) -> dict[str, Any]:
    """The limits as JSON (for the plan and the run log)."""
    return {f.name: getattr(limits, f.name) for f in fields(limits)}
