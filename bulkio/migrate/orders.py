"""Order history import (``[target] resource = "order"``; issue 17).

A file of past orders — one row per line item, the order's columns on its first row, as
Shopify exports them — becomes WooCommerce orders, each created once:

* **Idempotent by the original number.** Every order carries its number in meta
  ``_bulkio_source_number``; a plan first lists the orders the store holds with one
  (:func:`bulkio.migrate.orders_store.find_orders`) and creates only the numbers it lacks. A
  second run creates nothing; a killed run's orders are found again the same way. Creates are
  sent without the client's retries, and a request that got no answer is followed by a look-up
  of its numbers before anything is sent again — an order is never created twice.
* **Create-only.** An order already imported is not rewritten: changing its lines or totals
  would make the store recalculate them, and changing its status runs WooCommerce's status
  transitions (stock, e-mails). Where the file now differs (status, total), the plan says so.
  The one write an existing order gets is the second step of its creation (below) when it is
  still missing — e.g. its customer imported after it.
* **Two writes per order, no e-mail, no stock moved.** The create carries the guards
  (``_order_stock_reduced``, ``_new_order_email_sent``, ``_recorded_sales``) and neither the
  customer nor the billing e-mail, so WooCommerce reduces no stock and has nobody to mail; the
  second write sets ``customer_id`` (a customer of the store with that e-mail, else a guest
  order) and ``billing.email`` without changing the status, which sends nothing. Measured on
  WooCommerce 11.0.1 and 7.9.0 (docs/orders-import.md).
* Line items by SKU (products and variations); a SKU the store lacks is kept as a line with the
  name and price as written (product 0), flagged in the plan. Taxes, discounts and dates are
  carried as :mod:`bulkio.migrate.orders_build` describes; the store's total equals the file's.

``[order]`` options: ``taxes = "auto" | "included" | "excluded"`` (how the file's tax relates to
its prices; auto decides per order from the arithmetic) and ``statuses`` (a table mapping the
file's status words to WooCommerce statuses, for files with a plain status column).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from bulkio.apply import ApplyResult, ItemOutcome, _Stats
from bulkio.engine.kinds import Bar, Planned, Progress
from bulkio.migrate.kind import RecordKind, read_ids
from bulkio.migrate.mapping import FieldDef, RecordMapping
from bulkio.migrate.orders_build import (
    ADDRESS_PARTS,
    LINE_FIELDS,
    NUMBER_META,
    ORDER_FIELDS,
    Built,
    OrderDraft,
    OrderRow,
    customer_payload,
    group_orders,
    meta_value,
    order_payload,
)
from bulkio.migrate.orders_store import (
    ORDER_FIELDS as STORE_FIELDS,
)
from bulkio.migrate.orders_store import (
    find_customers,
    find_orders,
    post_batch_once,
    resolve_skus,
)
from bulkio.migrate.rows import RecordRows
from bulkio.plan.model import FieldChange, Plan, PlanItem, PlanRejection
from bulkio.store import AuthenticationError, StoreError

CREATE_CHUNK = 20
"""Orders per create request: an order is a dozen rows in the store (items, meta, lookup
tables), far more work than a product, so requests stay short."""
TAX_MODES = ("auto", "included", "excluded")
RECONCILE_WAIT = 2.0
"""Seconds to wait before looking up the orders of a create request that got no answer."""


def _field_defs() -> tuple[FieldDef, ...]:
    defs = [FieldDef(name, ("text",)) for name in ORDER_FIELDS]
    for prefix in ("billing", "shipping"):
        defs.extend(FieldDef(f"{prefix}.{part}", ("text",)) for part in ADDRESS_PARTS)
    defs.append(FieldDef("billing.email", ("text",)))
    defs.extend(FieldDef(name, ("text",)) for name in LINE_FIELDS)
    defs.append(FieldDef("meta:*", ("text",), help="order meta kept as written"))
    return tuple(defs)


class OrderKind(RecordKind):
    """Orders created from an order history file (see the module docstring)."""

    name = "order"
    route = "orders"
    key_field = "number"
    groups_rows = True
    fields = _field_defs()
    option_keys = ("taxes", "statuses")

    def parse_options(self, table: dict[str, Any], parser: Any) -> dict[str, Any]:
        parser.check_keys(table, self.option_keys, self.name)
        taxes = parser.choice(table, "taxes", TAX_MODES, "auto", self.name)
        statuses = table.get("statuses", {})
        if not isinstance(statuses, dict) or not all(isinstance(v, str) for v in statuses.values()):
            raise parser.error(
                "order.statuses",
                "must be a table of status words → WooCommerce statuses",
                hint='e.g. statuses = { "Bezahlt" = "completed", "Storniert" = "cancelled" }',
            )
        return {"taxes": taxes, "statuses": {str(k): str(v) for k, v in statuses.items()}}

    def check_mapping(self, mapping: RecordMapping, parser: Any) -> tuple[str, ...]:
        super().check_mapping(mapping, parser)
        warnings: list[str] = []
        if "total" not in mapping.fields:
            raise parser.error(
                "fields.total",
                "missing: the import checks every order's total in the store against the file's",
                hint='add total = "<the column holding the order total>"',
            )
        if not any(name in mapping.fields for name in ("line.sku", "line.name")):
            raise parser.error(
                "fields.line.sku",
                "missing: orders need their line items (line.sku and/or line.name)",
            )
        if "email" not in mapping.fields and "billing.email" not in mapping.fields:
            warnings.append(
                f"{mapping.path}: no email field — every order is imported as a guest order"
            )
        return tuple(warnings)

    def key_of(self, value: Any) -> str:
        """Order numbers are compared as written (``#1001``), trimmed."""
        return str(value).strip()

    # -- plan ---------------------------------------------------------------------------------

    def plan_rows(
        self,
        client: Any,
        mapping: RecordMapping,
        rows: RecordRows,
        plan: Plan,
        *,
        concurrency: int,
        bar: Bar,
    ) -> list[str]:
        columns = {path: rule.source for path, rule in mapping.fields.items()}
        order_rows = [OrderRow(row.line, row.values, columns) for row in rows.rows]
        drafts, problems = group_orders(
            order_rows, file=rows.source, statuses=mapping.options.get("statuses") or {}
        )
        for problem in problems:
            plan.rejected.append(
                PlanRejection(
                    problem.file,
                    problem.line,
                    problem.number,
                    problem.column,
                    problem.value,
                    problem.code,
                    problem.message,
                )
            )
        with bar("planning: reading the store's orders", None, "order") as advance:
            existing, twice = find_orders(client, progress=advance)
        messages: list[str] = []
        for number, ids in twice.items():
            messages.append(
                f"order {number} is in the store {len(ids)} times (#{', #'.join(map(str, ids))});"
                f" #{ids[0]} is taken as the imported one — delete the others by hand"
            )
        new = [d for d in drafts if d.number not in existing]
        skus = [line.sku for d in new for line in d.lines if line.sku]
        unique_skus = len(set(skus))
        with bar("planning: resolving SKUs and customers", unique_skus, "sku") as advance:
            products = resolve_skus(client, skus, concurrency=concurrency, progress=advance)
            # Existing orders only need a look-up while they have no customer (a customer
            # imported after them is linked then); orders with one are left alone.
            emails = [
                d.email
                for d in drafts
                if d.email
                and (d.number not in existing or not existing[d.number].get("customer_id"))
            ]
            customers = find_customers(client, emails, concurrency=concurrency)
        taxes = str(mapping.options.get("taxes") or "auto")
        plan.options = {**plan.options, "taxes": taxes}
        for draft in drafts:
            customer_id = customers.get(draft.email.lower()) if draft.email else None
            held = existing.get(draft.number)
            if held is None:
                built = order_payload(draft, products, taxes=taxes)  # type: ignore[arg-type]
                plan.creates.append(_create_item(draft, built, customer_id))
                continue
            messages.extend(_differences(draft, held, taxes, products))
            follow = customer_payload(int(held["id"]), draft.email, customer_id, held)
            if follow is None:
                plan.unchanged.append(PlanItem("unchanged", draft.line, draft.number, held["id"]))
                continue
            plan.updates.append(_update_item(draft, held, follow))
        missing = sorted({s for item in plan.creates for s in _missing(item)})
        if missing:
            messages.append(
                f"{len(missing)} SKU(s) not in the store, kept as named lines without product: "
                + ", ".join(missing[:10])
                + (" …" if len(missing) > 10 else "")
            )
        if plan.creates:
            messages.append(
                "orders are created with the original number, dates and tax in meta "
                "(_bulkio_source_number, _bulkio_date_created/_paid/_completed/_cancelled, "
                "_bulkio_tax_total): WooCommerce shows the import date as the order date "
                "(its dates are read-only over the REST API); no stock is reduced and no "
                "e-mail is sent"
            )
        return messages

    # -- apply --------------------------------------------------------------------------------

    def apply(
        self,
        client: Any,
        planned: Planned,
        *,
        concurrency: int,
        batch_size: int,
        progress: Progress | None,
        on_outcome: Any,
        prior: list[ItemOutcome] | None = None,
    ) -> ApplyResult:
        return apply_orders(
            client,
            planned.plan,
            concurrency=concurrency,
            batch_size=batch_size,
            progress=progress,
            on_outcome=on_outcome,
            prior=prior or [],
        )

    # -- saved plans --------------------------------------------------------------------------

    def check_saved(
        self, client: Any, plan: Plan, *, concurrency: int
    ) -> tuple[Plan, list[ItemOutcome]]:
        """``bulkio apply plan.json``: a planned create whose number the store holds now is
        done (``unchanged``), or — created but its second write missing (a killed apply) —
        becomes that second write; a planned second write already in the store is done."""
        found, _twice = find_orders(client, [item.sku for item in plan.writes])
        outcomes: list[ItemOutcome] = []
        creates: list[PlanItem] = []
        updates: list[PlanItem] = []
        for item in plan.writes:
            held = found.get(item.sku)
            if held is None:
                if item.action == "create":
                    creates.append(item)
                else:
                    outcomes.append(
                        ItemOutcome(
                            item.line,
                            item.sku,
                            "update",
                            "refused",
                            item.id,
                            "gone",
                            f"order #{item.id} is no longer in the store; make a new plan",
                        )
                    )
                continue
            wanted = {c.field: c.new for c in item.changes}
            customer = wanted.get("customer_id")
            follow = customer_payload(
                int(held["id"]),
                str(wanted.get("billing.email") or ""),
                customer if isinstance(customer, int) else None,
                held,
            )
            if follow is None:
                outcomes.append(
                    ItemOutcome(
                        item.line,
                        item.sku,
                        item.action,
                        "unchanged",
                        int(held["id"]),
                        "already_applied",
                        f"already in the store as order #{held['id']}",
                    )
                )
                continue
            draft = OrderDraft(item.sku, item.line, {}, [], [item.line])
            updates.append(_update_item(draft, held, follow))
        return replace(plan, creates=creates, updates=updates), outcomes

    def apply_saved(
        self,
        client: Any,
        plan: Plan,
        *,
        concurrency: int,
        batch_size: int,
        progress: Progress | None = None,
        prior: Sequence[ItemOutcome] = (),
        on_outcome: Any = None,
    ) -> ApplyResult:
        """A saved plan's writes, the way an import sends them (creates without retries,
        each followed by its second write)."""
        return apply_orders(
            client,
            plan,
            concurrency=concurrency,
            batch_size=batch_size,
            progress=progress,
            on_outcome=on_outcome,
            prior=prior,
        )

    def find_keys(
        self, client: Any, keys: Sequence[str], *, concurrency: int = 4
    ) -> dict[str, dict[str, Any]]:
        found, _twice = find_orders(client, list(keys))
        return found

    def read_ids(
        self, client: Any, ids: Sequence[int], *, concurrency: int = 4
    ) -> dict[int, dict[str, Any]]:
        return read_ids(
            client, self.route, ids, params={"_fields": STORE_FIELDS}, concurrency=concurrency
        )

    def stored(self, record: dict[str, Any], path: str) -> Any:
        if path == "number":
            return meta_value(record, NUMBER_META)
        if path == "billing.email":
            return str((record.get("billing") or {}).get("email") or "").lower() or None
        if path == "customer_id":
            return int(record.get("customer_id") or 0) or None
        return super().stored(record, path)

    def same(self, path: str, stored: Any, wanted: Any) -> bool:
        if path == "total":
            try:
                return Decimal(str(stored)) == Decimal(str(wanted))
            except InvalidOperation:
                return False
        if path == "billing.email":
            return str(stored or "").lower() == str(wanted or "").lower()
        return super().same(path, stored, wanted)


def _create_item(draft: OrderDraft, built: Built, customer_id: int | None) -> PlanItem:
    changes = [
        FieldChange("number", None, draft.number),
        FieldChange("status", None, draft.status),
        FieldChange("total", None, str(built.total)),
    ]
    if draft.email:
        changes.append(FieldChange("billing.email", None, draft.email))
    if customer_id:
        changes.append(FieldChange("customer_id", None, customer_id))
    notes = [
        f"{len(draft.lines)} line(s)",
        f"customer #{customer_id}" if customer_id else "guest order",
    ]
    if built.missing_skus:
        notes.append("SKU not in the store, named line: " + ", ".join(built.missing_skus))
    if built.unnamed_lines:
        notes.append(f"{built.unnamed_lines} line(s) without SKU kept by name")
    if built.tax_mode == "included":
        notes.append(f"tax {draft.values.get('tax_total')} included in the prices, kept in meta")
    elif built.tax_mode == "fee":
        notes.append(f"tax {draft.values.get('tax_total')} added as a fee line")
    notes.extend(built.notes)
    return PlanItem(
        "create",
        draft.line,
        draft.number,
        changes=changes,
        payload=built.payload,
        note="; ".join(notes),
    )


def _update_item(draft: OrderDraft, held: dict[str, Any], follow: dict[str, Any]) -> PlanItem:
    changes: list[FieldChange] = []
    if "billing" in follow:
        old = str((held.get("billing") or {}).get("email") or "") or None
        changes.append(FieldChange("billing.email", old, follow["billing"]["email"]))
    if "customer_id" in follow:
        old_id = int(held.get("customer_id") or 0) or None
        changes.append(FieldChange("customer_id", old_id, follow["customer_id"]))
    return PlanItem(
        "update",
        draft.line,
        draft.number,
        id=int(held["id"]),
        base_modified=held.get("date_modified_gmt"),
        base_status=held.get("status"),
        changes=changes,
        payload=follow,
        note="the second step of its creation: customer and billing e-mail",
    )


def _missing(item: PlanItem) -> list[str]:
    return [
        str(line["sku"])
        for line in item.payload.get("line_items", [])
        if isinstance(line, dict) and line.get("sku")
    ]


def _differences(draft: OrderDraft, held: dict[str, Any], taxes: str, products: Any) -> list[str]:
    """What an imported order no longer shares with the file (orders are create-only)."""
    said: list[str] = []
    if held.get("status") != draft.status:
        said.append(f"status {held.get('status')} in the store, {draft.status} in the file")
    file_total = draft.money("total")
    try:
        store_total = Decimal(str(held.get("total")))
    except InvalidOperation:
        store_total = None
    if file_total is not None and store_total is not None and store_total != file_total:
        said.append(f"total {store_total} in the store, {file_total} in the file")
    if not said:
        return []
    return [
        f"order {draft.number} (#{held['id']}) was imported before and differs now: "
        + "; ".join(said)
        + " — orders are create-only, not changed (edit it in WooCommerce if needed)"
    ]


# -- apply -------------------------------------------------------------------------------------


def follow_up(item: PlanItem, order_id: int) -> dict[str, Any] | None:
    """The second write of a created order, from its planned changes."""
    payload: dict[str, Any] = {"id": order_id}
    for change in item.changes:
        if change.field == "billing.email" and change.new:
            payload["billing"] = {"email": change.new}
        elif change.field == "customer_id" and change.new:
            payload["customer_id"] = change.new
    return payload if len(payload) > 1 else None


def _error_text(error: Any) -> tuple[str, str]:
    if isinstance(error, dict):
        return str(error.get("code") or "error"), str(error.get("message") or error)
    code = getattr(error, "code", None) or type(error).__name__
    message = getattr(error, "woo_message", None) or str(error)
    return str(code), str(message)


class _OrderApplier:
    def __init__(self, client: Any, *, on_outcome: Any, progress: Progress | None) -> None:
        self.client = client
        self.on_outcome = on_outcome
        self.progress = progress
        self.lock = threading.Lock()
        self.outcomes: list[ItemOutcome] = []
        self.store_down = False

    def record(self, outcome: ItemOutcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        if self.progress is not None:
            self.progress(1)

    def create_chunk(self, chunk: list[PlanItem], attempt: int = 1) -> None:
        if self.store_down:
            for item in chunk:
                self.record(self._failed(item, "not_sent", "not sent, the store stopped answering"))
            return
        try:
            answer = post_batch_once(self.client, "orders", {"create": [i.payload for i in chunk]})
        except AuthenticationError:
            raise
        except StoreError as error:
            self._reconcile(chunk, error, attempt)
            return
        found = answer.get("create")
        created: list[Any] = found if isinstance(found, list) else []
        if len(created) != len(chunk):
            self._reconcile(chunk, None, attempt)
            return
        self._finish([(item, result) for item, result in zip(chunk, created, strict=True)])

    def _finish(self, pairs: list[tuple[PlanItem, Any]]) -> None:
        """Record created orders (their second write sent) and refused ones."""
        second: list[tuple[PlanItem, dict[str, Any], dict[str, Any]]] = []
        for item, result in pairs:
            if not isinstance(result, dict) or result.get("error") or not result.get("id"):
                code, message = _error_text((result or {}).get("error") or {})
                self.record(self._failed(item, code, message))
                continue
            payload = follow_up(item, int(result["id"]))
            if payload is None:
                self.record(self._created(item, result))
            else:
                second.append((item, result, payload))
        if second:
            self._second_writes(second)

    def _second_writes(self, second: list[tuple[PlanItem, dict[str, Any], dict[str, Any]]]) -> None:
        try:
            answer = self.client.batch("orders", update=[p for _i, _r, p in second])
            results: list[Any] = list(answer.update)
        except AuthenticationError:
            raise
        except StoreError as error:
            results = [error] * len(second)
        for (item, created, _payload), result in zip(second, results, strict=False):
            if getattr(result, "ok", False):
                self.record(self._created(item, created))
                continue
            code, message = _error_text(getattr(result, "error", None) or result)
            self.record(
                ItemOutcome(
                    item.line,
                    item.sku,
                    "create",
                    "failed",
                    int(created["id"]),
                    code,
                    f"created as #{created['id']}, but its customer and billing e-mail could "
                    f"not be set ({message}); the next run sets them",
                )
            )

    def _reconcile(self, chunk: list[PlanItem], error: StoreError | None, attempt: int) -> None:
        """A create request without a usable answer: which of its orders exist now? Those are
        done (their second write still sent); the others are sent once more, one request
        each (a single bad order must not take the others down). The look-up waits a moment
        first: a store that timed out may still be saving."""
        time.sleep(RECONCILE_WAIT)
        try:
            found, _twice = find_orders(self.client, [item.sku for item in chunk])
        except AuthenticationError:
            raise
        except StoreError as read_error:
            self.store_down = True
            for item in chunk:
                code, message = _error_text(error or read_error)
                self.record(
                    self._failed(
                        item,
                        code,
                        f"no answer to the create and the store could not be read back "
                        f"({message}); run again: orders already created are found by number",
                    )
                )
            return
        done = [(item, found[item.sku]) for item in chunk if item.sku in found]
        if done:
            self._finish(done)
        again = [item for item in chunk if item.sku not in found]
        if not again:
            return
        if attempt > 1:
            for item in again:
                code, message = _error_text(error) if error else ("bad_batch_response", "")
                self.record(
                    self._failed(
                        item,
                        code,
                        (message or "the store's answer was unusable")
                        + "; not in the store after a second attempt — run again",
                    )
                )
            return
        for item in again:
            self.create_chunk([item], attempt + 1)

    @staticmethod
    def _created(item: PlanItem, result: dict[str, Any]) -> ItemOutcome:
        planned = next((c.new for c in item.changes if c.field == "total"), None)
        stored = result.get("total")
        code = message = None
        try:
            differs = planned is not None and Decimal(str(stored)) != Decimal(str(planned))
        except InvalidOperation:
            differs = False
        if differs:
            code = "stored_differently"
            message = (
                f"the store computed total {stored}, the file says {planned} (the store's tax "
                "settings add tax of their own?)"
            )
        return ItemOutcome(
            item.line, item.sku, "create", "created", int(result["id"]), code, message or item.note
        )

    @staticmethod
    def _failed(item: PlanItem, code: str, message: str) -> ItemOutcome:
        return ItemOutcome(item.line, item.sku, item.action, "failed", item.id, code, message)

    def updates(self, items: list[PlanItem], batch_size: int) -> None:
        for start in range(0, len(items), max(1, batch_size)):
            chunk = items[start : start + batch_size]
            try:
                answer = self.client.batch("orders", update=[i.payload for i in chunk])
                results: list[Any] = list(answer.update)
            except AuthenticationError:
                raise
            except StoreError as error:
                results = [error] * len(chunk)
            for item, result in zip(chunk, results, strict=False):
                if getattr(result, "ok", False):
                    self.record(ItemOutcome(item.line, item.sku, "update", "updated", item.id))
                else:
                    code, message = _error_text(getattr(result, "error", None) or result)
                    self.record(self._failed(item, code, message))


def apply_orders(
    client: Any,
    plan: Plan,
    *,
    concurrency: int,
    batch_size: int,
    progress: Progress | None = None,
    on_outcome: Any = None,
    prior: Sequence[ItemOutcome] = (),
) -> ApplyResult:
    """Create the plan's orders (each followed by its second write) and send its updates."""
    started = time.monotonic()
    stats = _Stats(client)
    applier = _OrderApplier(client, on_outcome=on_outcome, progress=progress)
    size = max(1, min(batch_size, CREATE_CHUNK))
    chunks = [plan.creates[i : i + size] for i in range(0, len(plan.creates), size)]
    if chunks:
        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(chunks)))) as pool:
            for future in [pool.submit(applier.create_chunk, chunk) for chunk in chunks]:
                future.result()
    if plan.updates:
        applier.updates(list(plan.updates), min(batch_size, 100))
    result = ApplyResult(
        outcomes=sorted([*prior, *applier.outcomes], key=lambda item: item.line),
        unchanged=len(plan.unchanged),
        rejected=list(plan.rejected),
        store_unreachable=applier.store_down,
    )
    stats.into(result)
    result.seconds = time.monotonic() - started
    return result


KIND = OrderKind()
