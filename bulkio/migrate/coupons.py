"""Coupons (``resource = "coupon"``): flyer and promotion codes into ``coupons/batch``.

Matched by code the way WooCommerce matches it (trimmed, lower-cased: two feed rows whose codes
differ only by case are one coupon, the later row is rejected naming the first). Each owned
field is compared in the form the store keeps (:mod:`bulkio.migrate.coupons_values`), so a
second run of the same feed writes nothing. Restrictions are written as the shop thinks of
them and resolved through the store: ``products`` / ``excluded_products`` by SKU (products and
variations), ``categories`` / ``excluded_categories`` by category path — an unknown SKU or
path rejects the row naming it, because WooCommerce would keep a dead id without a word.

A code no live coupon holds but a coupon in the trash does (WooCommerce lets a new coupon take
it) is handled as ``[coupon] on_trashed`` says: ``"restore"`` (default: the trashed coupon is
published again and updated, keeping its usage count and who used it, so per-customer limits
still hold), ``"create"`` (a second coupon with the code) or ``"reject"``.
WooCommerce 7.9 cannot restore a coupon through the API (it ignores ``status``): the row fails
with what to do.

Row error codes (besides :data:`bulkio.migrate.rows.ROW_ERROR_CODES`): ``empty-code``,
``code-changed-by-store``, ``invalid-discount-type``, ``percent-over-100``, ``invalid-email``,
``unknown-sku``, ``unknown-category``, ``code-in-trash``, ``code-held-twice``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from bulkio.apply import ApplyResult, ItemOutcome
from bulkio.engine.kinds import Bar, OnOutcome, Planned, Progress
from bulkio.migrate.coupons_apply import apply_coupons
from bulkio.migrate.coupons_store import (
    CouponState,
    category_id,
    category_index,
    find_coupons,
    product_ids,
    product_skus,
    read_coupon_ids,
    read_coupons,
    read_site_timezone,
)
from bulkio.migrate.coupons_values import (
    DATE_ONLY,
    DISCOUNT_TYPES,
    STORE_DATE,
    ValueProblem,
    check_amount,
    check_code,
    check_emails,
    check_limit,
    check_percent,
    coupon_key,
    coupon_limit,
    coupon_money,
    expiry_local,
    id_set,
    limit_payload,
    same_description,
    store_emails,
    store_expiry,
)
from bulkio.migrate.kind import RecordKind
from bulkio.migrate.mapping import FieldDef, RecordMapping
from bulkio.migrate.rows import RecordRows, Row
from bulkio.plan.model import FieldChange, Plan, PlanItem, PlanRejection

MONEY_FIELDS = ("amount", "minimum_amount", "maximum_amount")
FLAG_FIELDS = ("individual_use", "exclude_sale_items", "free_shipping")
LIMIT_FIELDS = ("usage_limit", "usage_limit_per_user", "limit_usage_to_x_items")
PRODUCT_LISTS = {"products": "product_ids", "excluded_products": "excluded_product_ids"}
CATEGORY_LISTS = {
    "categories": "product_categories",
    "excluded_categories": "excluded_product_categories",
}
ON_TRASHED = ("restore", "create", "reject")

_ID_IN_TEXT = re.compile(r"(?:^|, )#(\d+)")


@dataclass
class Context:
    """What one plan resolved from the store, shared by every row."""

    mapping: RecordMapping
    site: tzinfo = UTC
    skus: dict[str, int] = field(default_factory=dict)
    """lower-cased SKU → product / variation id."""
    categories: dict[str, int] = field(default_factory=dict)
    """category path as written → id."""
    product_names: dict[int, str] = field(default_factory=dict)
    """product / variation id → its SKU (to show ids by name in the plan)."""
    category_names: dict[int, str] = field(default_factory=dict)
    """category id → its path."""

    def names(self, path: str) -> dict[int, str]:
        return self.category_names if path in CATEGORY_LISTS else self.product_names

    @property
    def date_only(self) -> str:
        return str(self.mapping.options.get("date_only", "end-of-day"))

    @property
    def separator(self) -> str:
        return str(self.mapping.options.get("category_separator", ">"))


def _ids_text(ids: Sequence[int], names: dict[int, str]) -> str:
    """A list of ids as the plan shows it: ``#12 HL-001, #45`` (sorted by id)."""
    return ", ".join(f"#{i} {names[i]}" if i in names else f"#{i}" for i in sorted(set(ids)))


def ids_of(text: Any) -> tuple[int, ...]:
    if isinstance(text, tuple | list):
        return id_set(text)
    return id_set(int(m) for m in _ID_IN_TEXT.findall(str(text or "")))


def _emails_text(emails: Sequence[str]) -> str:
    return ", ".join(sorted(set(emails)))


class CouponKind(RecordKind):
    name = "coupon"
    route = "coupons"
    key_field = "code"
    fields = (
        FieldDef("code", ("text",), help="the code customers enter (matched without case)"),
        FieldDef("discount_type", ("text",), help="percent, fixed_cart or fixed_product"),
        FieldDef("amount", ("money",)),
        FieldDef("date_expires", ("date", "datetime"), help="site time; a date: its end"),
        FieldDef("description", ("text",)),
        FieldDef("individual_use", ("bool",)),
        FieldDef("exclude_sale_items", ("bool",)),
        FieldDef("free_shipping", ("bool",)),
        FieldDef("usage_limit", ("int",)),
        FieldDef("usage_limit_per_user", ("int",)),
        FieldDef("limit_usage_to_x_items", ("int",)),
        FieldDef("minimum_amount", ("money",)),
        FieldDef("maximum_amount", ("money",)),
        FieldDef("products", ("list",), help="SKUs of products or variations"),
        FieldDef("excluded_products", ("list",), help="SKUs"),
        FieldDef("categories", ("list",), help="category paths (Clothing > Shirts)"),
        FieldDef("excluded_categories", ("list",), help="category paths"),
        FieldDef("email_restrictions", ("list",), help="addresses or *@domain"),
        FieldDef("meta:*", ("text",)),
    )
    option_keys = ("date_only", "on_trashed", "category_separator")

    # -- mapping ------------------------------------------------------------------------------

    def parse_options(self, table: dict[str, Any], parser: Any) -> dict[str, Any]:
        """``[coupon]``: ``date_only`` ("end-of-day" | "start-of-day"), ``on_trashed``
        ("restore" | "create" | "reject"), ``category_separator`` (">")."""
        parser.check_keys(table, self.option_keys, self.name)
        separator = parser.get(table, "category_separator", str, ">", self.name)
        if not separator.strip():
            raise parser.error(f"{self.name}.category_separator", "cannot be blank")
        return {
            "date_only": parser.choice(table, "date_only", DATE_ONLY, "end-of-day", self.name),
            "on_trashed": parser.choice(table, "on_trashed", ON_TRASHED, "restore", self.name),
            "category_separator": separator,
        }

    def key_of(self, value: Any) -> str:
        return coupon_key(value)

    # -- rows ---------------------------------------------------------------------------------

    def check_rows(self, mapping: RecordMapping, rows: RecordRows) -> None:
        """What the store would change or drop without a word, refused per row."""
        for row in list(rows.rows):
            try:
                _check_row(row)
            except _RowProblem as problem:
                rule = mapping.fields.get(problem.path)
                rows.reject(
                    row,
                    rule.source if rule is not None else problem.path,
                    problem.value,
                    problem.code,
                    f"{problem.path}: {problem}",
                    field=problem.path,
                )

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
        notes: list[str] = []
        context = Context(mapping)
        keys = [row.key for row in rows.rows]
        with bar("planning: reading the store", len(keys), "coupon") as advance:
            state = read_coupons(client, keys, concurrency=concurrency)
            advance(len(keys))
        if "date_expires" in mapping.fields:
            context.site = read_site_timezone(client)
        self._resolve(client, mapping, rows, context, state, concurrency)
        on_trashed = str(mapping.options.get("on_trashed", "restore"))
        now = datetime.now(context.site).strftime(STORE_DATE)
        expired: list[str] = []
        for row in rows.rows:
            try:
                wanted = self.wanted(row, context)
            except _RowProblem as problem:
                plan.rejected.append(_rejection(rows, row, mapping, problem))
                continue
            if wanted.get("date_expires") and str(wanted["date_expires"]) < now:
                expired.append(f"{row.key} ({rows.unit} {row.line})")
            self._plan_row(plan, rows, row, wanted, state, context, on_trashed)
        plan.rejected.sort(key=lambda r: r.line or 0)
        trashed = [i for i in plan.updates if i.base_status == "trash"]
        if trashed:
            notes.append(
                f"{len(trashed)} coupon code(s) are held by coupons in the trash; they are "
                'restored and updated ([coupon] on_trashed = "restore")'
            )
        if expired:
            shown = ", ".join(expired[:3]) + (
                f" and {len(expired) - 3} more" if len(expired) > 3 else ""
            )
            notes.append(
                f"{len(expired)} coupon(s) have already expired (in the store's time): {shown} "
                "(imported as written; WooCommerce refuses them at checkout)"
            )
        return notes

    def _resolve(
        self,
        client: Any,
        mapping: RecordMapping,
        rows: RecordRows,
        context: Context,
        state: CouponState,
        concurrency: int,
    ) -> None:
        """SKUs and category paths of the feed → ids; and names for the ids the matched store
        coupons hold, so the plan shows ``#12 HL-001`` rather than ``#12``."""
        held = [*state.live.values(), *state.trashed.values()]
        if any(name in mapping.fields for name in PRODUCT_LISTS):
            skus = [
                sku
                for row in rows.rows
                for name in PRODUCT_LISTS
                for sku in row.values.get(name, ())
            ]
            context.skus = product_ids(client, skus, concurrency=concurrency)
            for row in rows.rows:
                for name in PRODUCT_LISTS:
                    for sku in row.values.get(name, ()):
                        found = context.skus.get(sku.lower())
                        if found is not None:
                            context.product_names.setdefault(found, sku)
            unnamed = {
                int(i)
                for coupon in held
                for name in PRODUCT_LISTS.values()
                for i in coupon.get(name) or ()
                if int(i) not in context.product_names
            }
            context.product_names.update(product_skus(client, sorted(unnamed)))
        if any(name in mapping.fields for name in CATEGORY_LISTS):
            paths = [
                p for row in rows.rows for name in CATEGORY_LISTS for p in row.values.get(name, ())
            ]
            holds = any(coupon.get(n) for coupon in held for n in CATEGORY_LISTS.values())
            if not paths and not holds:
                return
            index = category_index(client)
            for path in paths:
                parts = [part.strip() for part in path.split(context.separator) if part.strip()]
                found = category_id(index, parts)
                if found is not None:
                    context.categories[path] = found
            context.category_names = {
                term_id: " > ".join(index.path_of(term_id)) for term_id in index.names
            }

    def wanted(self, row: Row, context: Context) -> dict[str, Any]:
        """The row's values in the form the plan shows and compares (raises _RowProblem)."""
        out: dict[str, Any] = {}
        for path, value in row.values.items():
            if path == "code":
                out[path] = check_code(str(value))
            elif path in MONEY_FIELDS:
                out[path] = coupon_money(value)
            elif path in LIMIT_FIELDS:
                out[path] = coupon_limit(value)
            elif path == "date_expires":
                out[path] = expiry_local(
                    _date_only(row, context.mapping, value),
                    context.site,
                    date_only=context.date_only,
                )
            elif path in PRODUCT_LISTS:
                ids = []
                for sku in value:
                    found = context.skus.get(str(sku).lower())
                    if found is None:
                        raise _RowProblem(
                            path,
                            "unknown-sku",
                            f"no product or variation in the store has SKU {sku!r} (WooCommerce "
                            "would keep a restriction to a product that does not exist); import "
                            "the product first or fix the SKU",
                            sku,
                        )
                    ids.append(found)
                out[path] = _ids_text(ids, context.product_names)
            elif path in CATEGORY_LISTS:
                ids = []
                for category in value:
                    found = context.categories.get(category)
                    if found is None:
                        raise _RowProblem(
                            path,
                            "unknown-category",
                            f"no category {category!r} in the store (paths are written from the "
                            f"top, separated by {context.separator!r}); create it or fix the path",
                            category,
                        )
                    ids.append(found)
                out[path] = _ids_text(ids, context.category_names)
            elif path == "email_restrictions":
                out[path] = _emails_text(check_emails(value))
            else:
                out[path] = value
        return out

    def _plan_row(
        self,
        plan: Plan,
        rows: RecordRows,
        row: Row,
        wanted: dict[str, Any],
        state: CouponState,
        context: Context,
        on_trashed: str,
    ) -> None:
        key = row.key
        if key in state.twins:
            ids = ", ".join(f"#{i}" for i in state.twins[key])
            plan.rejected.append(
                _rejection(
                    rows,
                    row,
                    context.mapping,
                    _RowProblem(
                        "code",
                        "code-held-twice",
                        f"code {key!r} is held by {len(state.twins[key])} coupons in the store "
                        f"({ids}); delete or rename all but one, then run again",
                        key,
                    ),
                )
            )
            return
        record = state.live.get(key)
        trashed = state.trashed.get(key) if record is None else None
        if trashed is not None and on_trashed == "reject":
            plan.rejected.append(
                _rejection(
                    rows,
                    row,
                    context.mapping,
                    _RowProblem(
                        "code",
                        "code-in-trash",
                        f"code {key!r} is held by coupon #{trashed['id']} in the trash; restore "
                        "it in WooCommerce, delete it for good, or set [coupon] on_trashed = "
                        '"restore" or "create"',
                        key,
                    ),
                )
            )
            return
        if trashed is not None and on_trashed == "restore":
            record = trashed
        if record is None:
            changes = [
                FieldChange(path, None, value)
                for path, value in wanted.items()
                if not _is_default(path, value)
            ]
            note = None
            if trashed is not None:
                note = (
                    f"coupon #{trashed['id']} in the trash holds this code too; a new coupon is "
                    "created (restoring the trashed one later would give the code to two coupons)"
                )
            plan.creates.append(
                PlanItem(
                    "create",
                    row.line,
                    key,
                    changes=changes,
                    payload=self.payload(changes, row),
                    note=note,
                )
            )
            return
        changes = []
        for path, value in wanted.items():
            rule = context.mapping.fields.get(path)
            if rule is not None and rule.on == "create":
                continue
            current = self.stored(record, path, context.names(path))
            if not self.same(path, current, value):
                changes.append(FieldChange(path, current, value))
        status = str(record.get("status") or "")
        if status == "trash":
            changes.insert(0, FieldChange("status", "trash", "publish"))
        item = PlanItem(
            "update" if changes else "unchanged",
            row.line,
            key,
            id=int(record["id"]),
            base_modified=record.get("date_modified_gmt"),
            base_status=status or None,
            changes=changes,
        )
        if not changes:
            plan.unchanged.append(item)
            return
        item.payload = self.payload(changes, row, item_id=int(record["id"]))
        if status == "trash":
            item.note = f"restored from the trash (#{record['id']}) and updated"
        plan.updates.append(item)

    # -- comparing ----------------------------------------------------------------------------

    def stored(self, record: dict[str, Any], path: str, names: dict[int, str] | None = None) -> Any:
        """A field of a store coupon in the form :meth:`wanted` gives (what the plan shows)."""
        names = names or {}
        if path == "code":
            return coupon_key(record.get("code"))
        if path in MONEY_FIELDS:
            return coupon_money(record.get(path))
        if path in LIMIT_FIELDS:
            return coupon_limit(record.get(path))
        if path in FLAG_FIELDS:
            return bool(record.get(path))
        if path == "date_expires":
            return store_expiry(record)
        if path in PRODUCT_LISTS:
            return _ids_text(id_set(record.get(PRODUCT_LISTS[path]) or ()), names)
        if path in CATEGORY_LISTS:
            return _ids_text(id_set(record.get(CATEGORY_LISTS[path]) or ()), names)
        if path == "email_restrictions":
            return _emails_text(store_emails(record))
        if path == "status":
            return str(record.get("status") or "")
        if path == "description":
            return str(record.get("description") or "")
        value = super().stored(record, path)
        return "" if value is None else str(value) if path.startswith("meta:") else value

    def same(self, path: str, stored: Any, wanted: Any) -> bool:
        if path == "code":
            return coupon_key(stored) == coupon_key(wanted)
        if path in PRODUCT_LISTS or path in CATEGORY_LISTS:
            return ids_of(stored) == ids_of(wanted)
        if path == "email_restrictions":
            return set(str(stored or "").split(", ")) - {""} == set(
                str(wanted or "").split(", ")
            ) - {""}
        if path == "description":
            return same_description(wanted, stored)
        if path in MONEY_FIELDS:
            return coupon_money(stored) == coupon_money(wanted)
        if path in LIMIT_FIELDS:
            return coupon_limit(stored) == coupon_limit(wanted)
        if path in FLAG_FIELDS:
            return bool(stored) == bool(wanted)
        if path.startswith("meta:"):
            return str(stored or "") == str(wanted or "")
        return super().same(path, stored, wanted)

    def still_to_change(
        self, changes: Sequence[FieldChange], record: dict[str, Any]
    ) -> list[FieldChange]:
        remaining: list[FieldChange] = []
        for change in changes:
            current = self.stored(record, change.field)
            if not self.same(change.field, current, change.new):
                remaining.append(FieldChange(change.field, current, change.new))
        return remaining

    # -- writing ------------------------------------------------------------------------------

    def payload(
        self, changes: Sequence[FieldChange], row: Row, *, item_id: int | None = None
    ) -> dict[str, Any]:
        """The ``coupons/batch`` object for these changes (``id`` first for updates)."""
        body: dict[str, Any] = {} if item_id is None else {"id": item_id}
        meta: list[dict[str, Any]] = []
        for change in changes:
            path, value = change.field, change.new
            if path.startswith("meta:"):
                meta.append({"key": path[5:], "value": "" if value is None else value})
            elif path in PRODUCT_LISTS:
                body[PRODUCT_LISTS[path]] = list(ids_of(value))
            elif path in CATEGORY_LISTS:
                body[CATEGORY_LISTS[path]] = list(ids_of(value))
            elif path == "email_restrictions":
                # In the feed's order, each once (the store keeps duplicates it is sent).
                given = row.values.get(path, value) or ()
                items = given.split(", ") if isinstance(given, str) else given
                body[path] = list(check_emails(items))
            elif path in LIMIT_FIELDS:
                body[path] = limit_payload(value if isinstance(value, int) else None)
            elif path == "date_expires":
                body[path] = value or ""  # "" clears; null would leave the old date
            elif path == "description":
                body[path] = str(row.values.get(path, value) or "")
            else:
                body[path] = value
        if meta:
            body["meta_data"] = meta
        return body

    def apply(
        self,
        client: Any,
        planned: Planned,
        *,
        concurrency: int,
        batch_size: int,
        progress: Progress | None,
        on_outcome: OnOutcome | None,
        prior: list[ItemOutcome] | None = None,
    ) -> ApplyResult:
        """``coupons/batch``, then reconciles and restore checks
        (:func:`bulkio.migrate.coupons_apply.apply_coupons`)."""
        return apply_coupons(
            self,
            client,
            planned.plan,
            concurrency=concurrency,
            batch_size=batch_size,
            progress=progress,
            on_outcome=on_outcome,
            prior=prior,
        )

    def apply_saved(
        self,
        client: Any,
        plan: Plan,
        *,
        concurrency: int,
        batch_size: int,
        progress: Progress | None = None,
        prior: Sequence[ItemOutcome] = (),
        on_outcome: OnOutcome | None = None,
    ) -> ApplyResult:
        """A saved plan (``bulkio apply``) is written as an import writes it: reconciled
        creates, restores checked."""
        return apply_coupons(
            self,
            client,
            plan,
            concurrency=concurrency,
            batch_size=batch_size,
            progress=progress,
            on_outcome=on_outcome,
            prior=list(prior),
        )

    # -- saved plans --------------------------------------------------------------------------

    def find_keys(
        self, client: Any, keys: Sequence[str], *, concurrency: int = 4
    ) -> dict[str, dict[str, Any]]:
        return find_coupons(client, keys, concurrency=concurrency)

    def read_ids(
        self, client: Any, ids: Sequence[int], *, concurrency: int = 4
    ) -> dict[int, dict[str, Any]]:
        """Coupons by id, the trash included (a restore's re-check)."""
        return read_coupon_ids(client, ids, concurrency=concurrency)


class _RowProblem(ValueError):
    def __init__(self, path: str, code: str, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.path, self.code, self.value = path, code, value


def _check_row(row: Row) -> None:
    """The checks that need no store: codes, types, amounts, limits, e-mails, dates."""
    values = row.values
    try:
        if "code" in values:
            check_code(str(values["code"]))
    except ValueProblem as problem:
        raise _RowProblem("code", problem.code, str(problem), values.get("code")) from None
    kind = values.get("discount_type")
    if kind is not None and kind not in DISCOUNT_TYPES:
        raise _RowProblem(
            "discount_type",
            "invalid-discount-type",
            f"{kind!r} is not a WooCommerce discount type ({', '.join(DISCOUNT_TYPES)}); "
            'translate the file\'s words with map = { "Percent" = "percent", … }',
            kind,
        )
    for path in MONEY_FIELDS:
        if path in values:
            try:
                money = check_amount(values[path], what=path)
                if path == "amount" and kind == "percent":
                    check_percent(money)
            except ValueProblem as problem:
                raise _RowProblem(path, problem.code, str(problem), values[path]) from None
    for path in LIMIT_FIELDS:
        if path in values:
            try:
                check_limit(values[path], what=path)
            except ValueProblem as problem:
                raise _RowProblem(path, problem.code, str(problem), values[path]) from None
    if "email_restrictions" in values:
        try:
            check_emails(values["email_restrictions"])
        except ValueProblem as problem:
            raise _RowProblem(
                "email_restrictions",
                problem.code,
                str(problem),
                ", ".join(values["email_restrictions"]),
            ) from None
    if values.get("date_expires"):
        try:
            expiry_local(values["date_expires"], UTC)
        except ValueProblem as problem:
            raise _RowProblem(
                "date_expires", problem.code, str(problem), values["date_expires"]
            ) from None


def _is_default(path: str, value: Any) -> bool:
    """What a new coupon holds anyway (no date, no limit, no restriction, unset flags,
    minimum / maximum 0.00): left out of a create, so the plan shows what the row sets."""
    if path in ("code", "amount", "discount_type"):
        return False
    if value in (None, "", ()) or value is False:
        return True
    return path in ("minimum_amount", "maximum_amount") and value == "0.00"


def _date_only(row: Row, mapping: RecordMapping, value: Any) -> Any:
    """A ``datetime`` field whose cell holds no time ("30.06.2027", read as midnight) is a
    date: it takes ``[coupon] date_only`` like a ``date`` field does."""
    rule = mapping.fields.get("date_expires")
    if rule is None or rule.type != "datetime" or rule.column is None or not value:
        return value
    cell = row.raw.get(rule.column) or ""
    return str(value)[:10] if cell and ":" not in cell else value


def _rejection(
    rows: RecordRows, row: Row, mapping: RecordMapping, problem: _RowProblem
) -> PlanRejection:
    rule = mapping.fields.get(problem.path)
    return PlanRejection(
        file=rows.source,
        line=row.line,
        sku=row.key or None,
        column=rule.source if rule is not None else problem.path,
        value=None if problem.value is None else str(problem.value),
        code=problem.code,
        message=f"{problem.path}: {problem}",
    )


KIND = CouponKind()

__all__ = ["KIND", "CouponKind"]
