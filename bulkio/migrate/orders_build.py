"""Order history rows → orders: grouping, checks, status, and the payloads WooCommerce keeps.

Pure functions (no store): :func:`group_orders` turns a feed's rows (one per line item, the
order's columns on its first row, as Shopify's export writes them) into :class:`OrderDraft`
objects or row problems naming file, line and column; :func:`order_payload` turns a draft and
the SKUs the store resolved into the ``orders/batch`` create object.

What the payload is made of follows what the real stores keep (docs/orders-import.md, measured
on WooCommerce 11.0.1 and 7.9.0):

* **Dates** are read-only in ``wc/v3`` (the store writes "now"): the original ones go into
  meta ``_bulkio_date_created`` / ``_bulkio_date_paid`` / ``_bulkio_date_completed`` /
  ``_bulkio_date_cancelled`` as ISO 8601 with their offset.
* **Taxes** are recalculated by the store from its own rates; ``tax_lines`` are dropped. Prices
  that include the tax (a VAT shop) are sent as they are and the tax amount is kept in meta
  ``_bulkio_tax_total`` (the total is then right in a store without tax rates); a file whose
  total adds the tax on top gets a fee line for it. Whatever still differs from the file's
  total becomes a fee line named so, flagged in the plan: the store's total always equals the
  file's.
* **Discounts** are written as line totals below the subtotals (WooCommerce then shows the
  difference as ``discount_total``), spread over the lines by their share; a discount larger
  than the lines becomes a negative fee line (kept by both versions). Coupon codes are never
  sent as ``coupon_lines``: an unknown code is refused and leaves a draft order behind, a known
  one makes the store recompute the discount. The codes are kept in meta.
* **No stock moves, no e-mail goes out**: the meta guards ``_order_stock_reduced``,
  ``_new_order_email_sent`` and ``_recorded_sales`` are sent with every create, and the order
  is created without a customer and without a billing e-mail (the customer's "order received /
  complete / refunded" mail has no recipient then); both are set by a second write, which
  sends nothing because the status does not change (:func:`customer_payload`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

CENT = Decimal("0.01")
NUMBER_META = "_bulkio_source_number"
"""The order meta holding the original order number: the key of every re-run."""
CREATED_VIA = "bulkio-import"
GUARDS: tuple[tuple[str, str], ...] = (
    ("_order_stock_reduced", "yes"),
    ("_new_order_email_sent", "true"),
    ("_recorded_sales", "yes"),
)
"""Internal order keys that make WooCommerce treat the order's stock, admin mail and sales
count as already done (measured on both versions; docs/migrations.md)."""
NO_PRODUCT_ID = -1
"""``product_id`` of a line the file gives without SKU: an id no product can have, so the store
keeps the line with product 0 and the name and totals sent (measured on both versions; 0 itself
is refused as "Product ID or SKU is required.")."""
SHIPPING_METHOD_ID = "bulkio_import"
"""``method_id`` of imported shipping lines (required on create: "Shipping method ID is
required."); the file's method name is the title."""

TaxMode = Literal["auto", "included", "excluded"]
STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
)

ORDER_FIELDS = (
    "number",
    "email",
    "status",
    "financial_status",
    "fulfillment_status",
    "currency",
    "payment_method",
    "payment_method_title",
    "transaction_id",
    "customer_note",
    "date_created",
    "date_paid",
    "date_completed",
    "date_cancelled",
    "subtotal",
    "shipping_total",
    "shipping_method",
    "tax_total",
    "tax_name",
    "discount_total",
    "discount_codes",
    "total",
    "refunded_total",
)
ADDRESS_PARTS = (
    "name",
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
    "phone",
)
LINE_FIELDS = ("line.sku", "line.name", "line.quantity", "line.price", "line.discount")
MONEY_FIELDS = (
    "subtotal",
    "shipping_total",
    "tax_total",
    "discount_total",
    "total",
    "refunded_total",
    "line.price",
    "line.discount",
)
DATE_FIELDS = ("date_created", "date_paid", "date_completed", "date_cancelled")


# -- rows in, problems out ---------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRow:
    """One feed row as the order kind reads it: canonical field → value, and where it came from.

    ``values`` hold what the mapping read (text, or already cast: Decimal, int, datetime);
    ``columns`` name the source column of each field, for messages.
    """

    line: int
    values: Mapping[str, Any]
    columns: Mapping[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        value = self.values.get(name)
        if value is None:
            return ""
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return ", ".join(str(v).strip() for v in value if str(v).strip())
        return str(value).strip()

    def column(self, name: str) -> str:
        return self.columns.get(name, name)


@dataclass(frozen=True)
class OrderProblem:
    """A row (or a whole order) that will not be imported: where, which column, what to do."""

    file: str
    line: int
    number: str | None
    column: str | None
    value: str | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        if self.column:
            where += f" column {self.column!r}"
        return f"{where}: {self.message}"


@dataclass
class OrderLine:
    """One line item as the file gives it."""

    line: int
    sku: str
    name: str
    quantity: int
    price: Decimal
    """Unit price as written (tax included in a VAT shop's export)."""
    discount: Decimal = Decimal(0)
    """Discount on this line alone (Shopify's ``Lineitem discount``)."""

    @property
    def subtotal(self) -> Decimal:
        return _cents(self.price * self.quantity)


@dataclass
class OrderDraft:
    """One order of the file: its first row's line, its order values and its lines."""

    number: str
    line: int
    values: dict[str, str]
    lines: list[OrderLine]
    rows: list[int]
    status: str = "pending"

    def money(self, name: str) -> Decimal | None:
        text = self.values.get(name, "")
        return None if text == "" else Decimal(text)

    @property
    def given_email(self) -> str:
        return self.values.get("email", "") or self.values.get("billing.email", "")

    @property
    def email(self) -> str:
        """The address the order gets; "" when WordPress would refuse it (kept in meta)."""
        given = self.given_email
        return given if wp_is_email(given) else ""


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str) -> Decimal:
    """A money cell: ``12.50``, ``12,50``, ``1.234,50``, ``€ 12.50`` → Decimal; ValueError when
    it is not a number."""
    cleaned = "".join(ch for ch in text if ch.isdigit() or ch in ",.-")
    if not cleaned or cleaned in "-.,":
        raise ValueError(text)
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None


def _money_text(value: Any) -> str:
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return str(_cents(Decimal(str(value))))
    return str(_cents(parse_money(str(value))))


SHOPIFY_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S")


def parse_when(value: Any) -> str:
    """A date cell → ISO 8601 (with its offset when it has one); ValueError when unreadable.
    Shopify writes ``2023-02-03 18:14:00 +0100``."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    for fmt in SHOPIFY_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).isoformat()
        except ValueError:
            continue
    return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()


def group_orders(
    rows: Iterable[OrderRow], *, file: str, statuses: Mapping[str, str] | None = None
) -> tuple[list[OrderDraft], list[OrderProblem]]:
    """Rows → orders by ``number``, in file order; each order's values from the first row that
    has them (Shopify writes the order's columns on its first row only and repeats a few).

    A row without number, or an order with a row that cannot be read (quantity, money, date,
    status), is a problem naming file, line and column; such an order is left out whole —
    part of an order would import with a wrong total.
    """
    groups: dict[str, list[OrderRow]] = {}
    problems: list[OrderProblem] = []
    for row in rows:
        number = row.text("number")
        if not number:
            problems.append(
                OrderProblem(
                    file,
                    row.line,
                    None,
                    row.column("number"),
                    "",
                    "missing_number",
                    "no order number: every row of an order history names its order "
                    f"(fill in {row.column('number')!r}, e.g. #1001)",
                )
            )
            continue
        groups.setdefault(number, []).append(row)
    drafts: list[OrderDraft] = []
    for number, group in groups.items():
        draft, found = _draft(number, group, file, statuses)
        problems.extend(found)
        if draft is not None and not found:
            drafts.append(draft)
    problems.sort(key=lambda p: p.line)
    return drafts, problems


def _draft(
    number: str, group: list[OrderRow], file: str, statuses: Mapping[str, str] | None
) -> tuple[OrderDraft | None, list[OrderProblem]]:
    problems: list[OrderProblem] = []

    def problem(row: OrderRow, name: str, code: str, message: str) -> None:
        problems.append(
            OrderProblem(
                file, row.line, number, row.column(name), row.text(name) or None, code, message
            )
        )

    values: dict[str, str] = {}
    names = [n for n in group[0].values if not n.startswith("line.")]
    for row in group:
        names.extend(n for n in row.values if not n.startswith("line.") and n not in names)
    for name in names:
        for row in group:
            text = row.text(name)
            if not text:
                continue
            try:
                if name in MONEY_FIELDS:
                    text = _money_text(row.values[name])
                elif name in DATE_FIELDS:
                    text = parse_when(row.values[name])
            except (ValueError, InvalidOperation):
                kind = "an amount like 12.50" if name in MONEY_FIELDS else "a date and time"
                problem(row, name, f"bad_{name}", f"{text!r} is not {kind}; order {number}")
            values[name] = text
            break
    lines: list[OrderLine] = []
    for row in group:
        if not any(row.text(n) for n in LINE_FIELDS):
            continue  # an order row without a line (e.g. shipping only)
        quantity_text = row.text("line.quantity") or "1"
        try:
            quantity = int(Decimal(quantity_text.replace(",", ".")))
            if quantity != Decimal(quantity_text.replace(",", ".")) or quantity <= 0:
                raise ValueError(quantity_text)
        except (ValueError, InvalidOperation):
            problem(
                row,
                "line.quantity",
                "bad_quantity",
                f"quantity {quantity_text!r} is not a whole number above 0; order {number} "
                "is left out (fix the row and run again)",
            )
            continue
        amounts: dict[str, Decimal] = {}
        for name in ("line.price", "line.discount"):
            text = row.text(name)
            if not text:
                amounts[name] = Decimal(0)
                continue
            try:
                amounts[name] = parse_money(text)
            except ValueError:
                problem(
                    row,
                    name,
                    f"bad_{name.replace('.', '_')}",
                    f"{text!r} is not an amount like 12.50; order {number} is left out",
                )
        if "line.price" not in amounts:
            continue
        name = row.text("line.name") or row.text("line.sku")
        if not name:
            problem(row, "line.name", "line_without_name", "a line item needs a name or a SKU")
            continue
        lines.append(
            OrderLine(
                row.line,
                row.text("line.sku"),
                name,
                quantity,
                amounts["line.price"],
                amounts.get("line.discount", Decimal(0)),
            )
        )
    draft = OrderDraft(number, group[0].line, values, lines, [r.line for r in group])
    try:
        draft.status = order_status(values, statuses)
    except ValueError as error:
        column = "status" if values.get("status") else "financial_status"
        problem(group[0], column, "bad_status", str(error))
    if "total" not in values and not problems:
        problem(
            group[0],
            "total",
            "missing_total",
            f"order {number} has no total: the import checks the store's total against it",
        )
    return draft, problems


# -- status ------------------------------------------------------------------------------------

SHOPIFY_FINANCIAL = (
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
    "expired",
)


def order_status(values: Mapping[str, str], statuses: Mapping[str, str] | None = None) -> str:
    """The WooCommerce status of an order.

    A ``status`` field (after the mapping's ``map``) must be a WooCommerce status. Otherwise
    Shopify's pair decides: voided/expired or a cancellation date → cancelled (refunded stays
    refunded), refunded → refunded, pending → pending, authorized / partially paid → on-hold,
    paid / partially refunded → completed when fulfilled, else processing.
    """
    given = values.get("status", "").strip()
    if given:
        status = (statuses or {}).get(given, given).strip().lower()
        status = status.removeprefix("wc-")
        if status not in STATUSES:
            raise ValueError(
                f"status {given!r} is not a WooCommerce order status "
                f"({', '.join(STATUSES)}); map it in the mapping's [fields] status map"
            )
        return status
    financial = values.get("financial_status", "").strip().lower().replace(" ", "_")
    fulfillment = values.get("fulfillment_status", "").strip().lower()
    if financial and financial not in SHOPIFY_FINANCIAL:
        raise ValueError(
            f"financial status {values.get('financial_status')!r} is not one of Shopify's "
            f"({', '.join(SHOPIFY_FINANCIAL)})"
        )
    if financial == "refunded":
        return "refunded"
    if values.get("date_cancelled") or financial in ("voided", "expired"):
        return "cancelled"
    if financial == "pending":
        return "pending"
    if financial in ("authorized", "partially_paid"):
        return "on-hold"
    if financial in ("paid", "partially_refunded") or not financial:
        if fulfillment == "fulfilled":
            return "completed"
        return "processing" if financial else "pending"
    return "pending"  # pragma: no cover - every financial status is handled above


# -- payloads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """A SKU the store holds: the product, and the variation when the SKU is one."""

    product_id: int
    variation_id: int = 0


@dataclass
class Built:
    """An order's create payload and what the plan says about it."""

    payload: dict[str, Any]
    total: Decimal
    """What the store's total will be (== the file's)."""
    missing_skus: list[str] = field(default_factory=list)
    unnamed_lines: int = 0
    notes: list[str] = field(default_factory=list)
    tax_mode: str = "none"


def _address(values: Mapping[str, str], prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in ADDRESS_PARTS:
        text = values.get(f"{prefix}.{part}", "")
        if part == "name":
            continue
        if text:
            out[part] = text
    name = values.get(f"{prefix}.name", "")
    if name and "first_name" not in out and "last_name" not in out:
        first, _, last = name.partition(" ")
        out["first_name"] = first
        if last:
            out["last_name"] = last
    return out


def _spread(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` shared by ``weights`` in cents; the rounding rest goes to the largest."""
    total = sum(weights, Decimal(0))
    if not weights or total <= 0:
        return [Decimal(0) for _ in weights]
    shares = [_cents(amount * w / total) for w in weights]
    rest = amount - sum(shares, Decimal(0))
    if rest:
        biggest = max(range(len(weights)), key=lambda i: weights[i])
        shares[biggest] += rest
    return shares


def order_payload(
    draft: OrderDraft,
    products: Mapping[str, Product],
    *,
    taxes: TaxMode = "auto",
    meta: Mapping[str, str] | None = None,
) -> Built:
    """The ``orders/batch`` create object of ``draft`` (without customer and billing e-mail:
    :func:`customer_payload` sets them in the second write).

    ``products`` maps lower-cased SKUs to what the store holds; a SKU it lacks becomes a line
    with the name and price as written (product 0), listed in ``missing_skus``.
    """
    built = Built({}, Decimal(0))
    values = draft.values
    file_total = draft.money("total") or Decimal(0)
    shipping = draft.money("shipping_total") or Decimal(0)
    tax = draft.money("tax_total") or Decimal(0)
    discount = draft.money("discount_total") or Decimal(0)

    line_totals = [ln.subtotal - _cents(ln.discount) for ln in draft.lines]
    items_total = sum(line_totals, Decimal(0))
    spread_discount = min(discount, max(items_total, Decimal(0)))
    shares = _spread(spread_discount, [max(t, Decimal(0)) for t in line_totals])
    line_totals = [t - s for t, s in zip(line_totals, shares, strict=True)]
    line_items: list[dict[str, Any]] = []
    for ln, total in zip(draft.lines, line_totals, strict=True):
        item: dict[str, Any] = {
            "name": ln.name,
            "quantity": ln.quantity,
            "subtotal": str(ln.subtotal),
            "total": str(_cents(total)),
        }
        found = products.get(ln.sku.lower()) if ln.sku else None
        if found is not None:
            item["product_id"] = found.product_id
            if found.variation_id:
                item["variation_id"] = found.variation_id
        elif ln.sku:
            # Measured: an unknown SKU leaves a line with product 0 and the name and totals sent.
            item["sku"] = ln.sku
            item["meta_data"] = [{"key": "SKU", "value": ln.sku}]
            built.missing_skus.append(ln.sku)
        else:
            item["product_id"] = NO_PRODUCT_ID
            built.unnamed_lines += 1
        line_items.append(item)
    fee_lines: list[dict[str, Any]] = []
    left_discount = discount - spread_discount
    if left_discount > 0:
        fee_lines.append(_fee("Discount", -left_discount))
        built.notes.append(f"discount {left_discount} beyond the lines kept as a negative fee")
    computed = sum(line_totals, Decimal(0)) + shipping - left_discount
    if taxes == "excluded" or (
        taxes == "auto" and tax and computed != file_total and computed + tax == file_total
    ):
        name = values.get("tax_name") or "Tax"
        fee_lines.append(_fee(name, tax))
        computed += tax
        built.tax_mode = "fee"
    elif tax:
        built.tax_mode = "included"
    if computed != file_total:
        difference = file_total - computed
        fee_lines.append(_fee("Difference to the original total", difference))
        built.notes.append(
            f"lines, shipping, discount and tax add up to {computed}, the file says "
            f"{file_total}: a fee line of {difference} keeps the file's total"
        )
        computed = file_total
    built.total = computed

    payload: dict[str, Any] = {"status": draft.status, "created_via": CREATED_VIA}
    for name in ("currency", "payment_method", "payment_method_title", "transaction_id"):
        if values.get(name):
            payload[name] = values[name]
    if values.get("customer_note"):
        payload["customer_note"] = values["customer_note"]
    billing = _address(values, "billing")
    shipping_address = _address(values, "shipping")
    if billing:
        payload["billing"] = billing
    if shipping_address:
        payload["shipping"] = shipping_address
    payload["line_items"] = line_items
    if shipping or values.get("shipping_method"):
        payload["shipping_lines"] = [
            {
                "method_id": SHIPPING_METHOD_ID,
                "method_title": values.get("shipping_method") or "Shipping",
                "total": str(_cents(shipping)),
            }
        ]
    if fee_lines:
        payload["fee_lines"] = fee_lines
    payload["meta_data"] = [
        *({"key": key, "value": value} for key, value in GUARDS),
        *({"key": key, "value": value} for key, value in order_meta(draft, built).items()),
        *({"key": key, "value": value} for key, value in (meta or {}).items()),
    ]
    return _fix_payload(payload, built)


def _fix_payload(payload: dict[str, Any], built: Built) -> Built:
    built.payload = payload
    return built


def _fee(name: str, amount: Decimal) -> dict[str, Any]:
    return {"name": name, "total": str(_cents(amount)), "tax_status": "none"}


def order_meta(draft: OrderDraft, built: Built) -> dict[str, str]:
    """The file's values the store cannot hold as fields, kept as order meta (hidden keys)."""
    values = draft.values
    meta: dict[str, str] = {NUMBER_META: draft.number}
    for name in DATE_FIELDS:
        if values.get(name):
            meta[f"_bulkio_{name}"] = values[name]
    if values.get("tax_total"):
        meta["_bulkio_tax_total"] = values["tax_total"]
        meta["_bulkio_tax_mode"] = built.tax_mode
    if values.get("tax_name"):
        meta["_bulkio_tax_name"] = values["tax_name"]
    if draft.given_email and not draft.email:
        meta["_bulkio_email"] = draft.given_email
    if values.get("discount_codes"):
        meta["_bulkio_discount_codes"] = values["discount_codes"]
    if values.get("refunded_total") and Decimal(values["refunded_total"]) != 0:
        meta["_bulkio_refunded_total"] = values["refunded_total"]
    for name in ("financial_status", "fulfillment_status"):
        if values.get(name):
            meta[f"_bulkio_{name}"] = values[name]
    for name, value in values.items():
        if name.startswith("meta:") and value:
            meta[name[5:]] = value
    return meta


def customer_payload(
    order_id: int, draft_email: str, customer_id: int | None, held: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The second write of an order: its billing e-mail and customer, or None when the store
    already holds them (``held``: the order as read, None right after its create)."""
    held = held or {}
    payload: dict[str, Any] = {"id": order_id}
    found = held.get("billing")
    billing: Mapping[str, Any] = found if isinstance(found, dict) else {}
    if draft_email and str(billing.get("email") or "").lower() != draft_email.lower():
        payload["billing"] = {"email": draft_email}
    if customer_id and int(held.get("customer_id") or 0) != customer_id:
        payload["customer_id"] = customer_id
    return payload if len(payload) > 1 else None


_LOCAL_CHARS = set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~.-"
)
_DOMAIN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def wp_is_email(text: str) -> bool:
    """WordPress's ``is_email()`` (which WooCommerce's ``set_billing_email`` and the customers
    list's ``email`` filter apply): ASCII only, a local part of its allowed characters, a domain
    of at least two labels. ``Ayşe.Weber@example.com`` is not an address to WordPress."""
    if len(text) < 6 or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    if not local or not set(local) <= _LOCAL_CHARS:
        return False
    if ".." in domain or domain.strip(".") != domain:
        return False
    labels = domain.split(".")
    if len(labels) < 2:
        return False
    return all(
        label and set(label) <= _DOMAIN_CHARS and label.strip("-") == label for label in labels
    )


def meta_value(order: Mapping[str, Any], key: str) -> str | None:
    for entry in order.get("meta_data") or []:
        if isinstance(entry, dict) and entry.get("key") == key:
            return str(entry.get("value"))
    return None


__all__ = [
    "GUARDS",
    "NUMBER_META",
    "Built",
    "OrderDraft",
    "OrderLine",
    "OrderProblem",
    "OrderRow",
    "Product",
    "customer_payload",
    "group_orders",
    "order_payload",
    "order_status",
]
