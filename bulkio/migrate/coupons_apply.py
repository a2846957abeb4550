"""Writing a coupon plan: ``coupons/batch`` through :func:`bulkio.apply.apply_plan`, then what
only coupons need.

* A create the store refuses with ``woocommerce_rest_coupon_code_already_exists`` means the
  code is held now (a killed run got that far, or somebody made it meanwhile): the coupon
  holding it is read; it counts as created when it holds the planned values and is updated
  otherwise — never a failure to clean up by hand, never a second coupon.
* A restore from the trash is checked: WooCommerce 7.9 answers 200 yet leaves the coupon in
  the trash (its data store never writes the status on update), so the row fails with what to
  do instead of counting as updated.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bulkio.apply import ApplyResult, ItemOutcome, apply_plan
from bulkio.engine.kinds import OnOutcome, Progress
from bulkio.migrate.coupons_store import find_coupons
from bulkio.migrate.rows import Row
from bulkio.plan.model import Plan, PlanItem

if TYPE_CHECKING:
    from bulkio.migrate.coupons import CouponKind

CODE_EXISTS = "woocommerce_rest_coupon_code_already_exists"
RESTORE_REFUSED = (
    "coupon #{id} is still in the trash: this WooCommerce does not restore coupons through its "
    "API (7.9 ignores status). Restore it in wp-admin (Marketing > Coupons > Trash > Restore) "
    'and run again, or set [coupon] on_trashed = "create" to make a new coupon'
)


def apply_coupons(
    kind: CouponKind,
    client: Any,
    plan: Plan,
    *,
    concurrency: int,
    batch_size: int,
    progress: Progress | None,
    on_outcome: OnOutcome | None,
    prior: list[ItemOutcome] | None = None,
) -> ApplyResult:
    """Send ``plan``; reconcile creates whose code exists now; check restores."""
    restores = {i.line: i for i in plan.updates if i.base_status == "trash"}
    held: list[ItemOutcome] = []

    def forward(outcome: ItemOutcome) -> None:
        if outcome.action == "create" and outcome.code == CODE_EXISTS:
            held.append(outcome)  # decided below
        elif on_outcome is not None and outcome.line not in restores:
            on_outcome(outcome)

    result = apply_plan(
        client,
        plan,
        concurrency=concurrency,
        batch_size=batch_size,
        progress=progress,
        on_outcome=forward,
        prior=prior or [],
    )
    outcomes = [o for o in result.outcomes if not (o.action == "create" and o.code == CODE_EXISTS)]
    if restores:
        outcomes = check_restores(kind, client, outcomes, restores, on_outcome)
    if held:
        outcomes += reconcile(kind, client, plan, held, concurrency, batch_size, on_outcome)
    result.outcomes = sorted(outcomes, key=lambda o: o.line)
    return result


def check_restores(
    kind: CouponKind,
    client: Any,
    outcomes: list[ItemOutcome],
    restores: dict[int, PlanItem],
    on_outcome: OnOutcome | None,
) -> list[ItemOutcome]:
    """Restores answered "updated": still in the trash → failed ``restore_refused``."""
    ids = [i.id for i in restores.values() if i.id is not None]
    current = kind.read_ids(client, ids) if ids else {}
    out: list[ItemOutcome] = []
    for outcome in outcomes:
        item = restores.get(outcome.line)
        if item is not None and outcome.outcome == "updated":
            record = current.get(int(item.id or 0))
            if record is None or record.get("status") == "trash":
                message = RESTORE_REFUSED.format(id=item.id)
                outcome = replace(
                    outcome, outcome="failed", code="restore_refused", message=message
                )
            else:
                outcome = replace(outcome, code=None, message=None)
        if item is not None and on_outcome is not None:
            on_outcome(outcome)
        out.append(outcome)
    return out


def reconcile(
    kind: CouponKind,
    client: Any,
    plan: Plan,
    held: list[ItemOutcome],
    concurrency: int,
    batch_size: int,
    on_outcome: OnOutcome | None,
) -> list[ItemOutcome]:
    """Creates answered "code already exists": compare with the coupon now holding it."""
    items = {i.line: i for i in plan.creates}
    found = find_coupons(client, [o.sku for o in held], concurrency=concurrency)
    done: list[ItemOutcome] = []
    follow: list[PlanItem] = []
    for outcome in held:
        item = items[outcome.line]
        record = found.get(item.sku)
        if record is None:
            done.append(outcome)
            continue
        remaining = [c for c in kind.still_to_change(item.changes, record) if c.field != "code"]
        coupon_id = int(record["id"])
        if not remaining:
            done.append(
                ItemOutcome(
                    item.line,
                    item.sku,
                    "create",
                    "created",
                    coupon_id,
                    "reconciled",
                    f"already in the store as #{coupon_id} with the planned values (an "
                    "earlier attempt was committed)",
                )
            )
            continue
        row = Row(item.line, {c.field: c.new for c in item.changes})
        follow.append(
            replace(
                item,
                action="update",
                id=coupon_id,
                changes=remaining,
                payload=kind.payload(remaining, row, item_id=coupon_id),
                note=f"code already held by #{coupon_id}; updated instead of duplicated",
            )
        )
    for outcome in done:
        if on_outcome is not None:
            on_outcome(outcome)
    if follow:
        again = apply_plan(
            client,
            Plan(resource=plan.resource, updates=follow),
            concurrency=concurrency,
            batch_size=batch_size,
            on_outcome=on_outcome,
        )
        done += again.outcomes
    return done
