"""Order exports against real WooCommerce: the shipped accounting mapping on real orders (line
items of two tax classes, shipping, a taxed fee, a coupon, a refund), and ``--since-last-run``
exporting each order exactly once across runs while new orders arrive and old ones change.

Isolation: the orders belong to a customer this module creates, and every export is filtered
with ``--customer``; tax rates live in two tax classes of our own (only our products use them);
taxes are switched on only while a test runs (restored in a ``finally``, one session at a
time).
"""

from __future__ import annotations

import csv
import fcntl
import io
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.realstore.helpers import bulkio
from tests.realstore.refstore import REFSTORE_HOME, RealStore, build_lock

REPO = Path(__file__).resolve().parents[2]
ACCOUNTING = REPO / "mappings" / "export-accounting.toml"
CENT = Decimal("0.01")


@contextmanager
def taxes_on(store: RealStore) -> Iterator[None]:
    """Switch WooCommerce's tax calculation on for a moment; put the old value back."""
    route = "settings/general/woocommerce_calc_taxes"
    before = store.get(route)["value"]
    if before != "yes":
        store.http.put(route, json={"value": "yes"}).raise_for_status()
    try:
        yield
    finally:
        if before != "yes":
            store.http.put(route, json={"value": before}).raise_for_status()


@contextmanager
def store_timezone(store: RealStore, zone: str) -> Iterator[None]:
    """Set WordPress's time zone (Settings → General) for a moment; put the old one back."""
    before = store.wp_php(
        'echo json_encode([get_option("timezone_string"), get_option("gmt_offset")]);'
    )
    store.wp_php(f'update_option("timezone_string", "{zone}");')
    try:
        yield
    finally:
        store.wp_php(
            f"$old = json_decode('{before}', true);"
            'update_option("timezone_string", $old[0]); update_option("gmt_offset", $old[1]);'
        )


@dataclass
class Shop:
    """What this module created in one store."""

    store: RealStore
    tag: str
    customer: int
    standard: dict[str, Any]  # product of the 19 % class
    reduced: dict[str, Any]  # product of the 7 % class
    class_19: str
    class_7: str
    coupon: str
    orders: list[int] = field(default_factory=list)

    def order(self, status: str, items: list[tuple[dict[str, Any], int]], **extra: Any) -> int:
        body: dict[str, Any] = {
            "status": status,
            "customer_id": self.customer,
            "set_paid": status in ("processing", "completed"),
            "payment_method": "bacs",
            "payment_method_title": "Überweisung",
            "billing": {
                "first_name": "Jürgen",
                "last_name": "Müller",
                "company": "Müller & Söhne",
                "address_1": "Hauptstr. 1",
                "city": "Berlin",
                "postcode": "10115",
                "country": "DE",
                "email": f"{self.tag.lower()}@example.com",
            },
            "shipping": {
                "first_name": "Jürgen",
                "last_name": "Müller",
                "address_1": "Hauptstr. 1",
                "city": "Berlin",
                "postcode": "10115",
                "country": "DE",
            },
            "line_items": [
                {"product_id": product["id"], "quantity": quantity} for product, quantity in items
            ],
            **extra,
        }
        created = self.store.post("orders", body)  # with taxes on: see the tests
        self.orders.append(int(created["id"]))
        return int(created["id"])


@pytest.fixture(scope="module")
def shop(store: RealStore) -> Shop:
    tag = "X" + uuid.uuid4().hex[:8].upper()
    classes = []
    for rate, priority in (("19.0000", 1), ("7.0000", 2)):
        made = store.post("taxes/classes", {"name": f"bulkio {tag} {rate[:-5]}"})
        classes.append(made["slug"])
        # Rate codes DE-MWST-1 / DE-MWST-2: the ones the shipped accounting mapping names.
        store.post(
            "taxes",
            {
                "country": "DE",
                "rate": rate,
                "name": "MwSt",
                "priority": priority,
                "shipping": True,
                "class": made["slug"],
            },
        )
    products = []
    for name, price, tax_class in (
        ("Hemd", "100.00", classes[0]),
        ("Buch", "12.99", classes[1]),
    ):
        products.append(
            store.post(
                "products",
                {
                    "name": f"{tag} {name}",
                    "sku": f"{tag}-{name.upper()}",
                    "regular_price": price,
                    "tax_class": tax_class,
                },
            )
        )
    customer = store.post(
        "customers",
        {
            "email": f"{tag.lower()}@example.com",
            "first_name": "Jürgen",
            "last_name": "Müller",
            "username": tag.lower(),
        },
    )
    coupon = f"{tag.lower()}-zehn"
    store.post("coupons", {"code": coupon, "discount_type": "percent", "amount": "10"})
    return Shop(
        store=store,
        tag=tag,
        customer=int(customer["id"]),
        standard=products[0],
        reduced=products[1],
        class_19=classes[0],
        class_7=classes[1],
        coupon=coupon,
    )


def full_order(shop: Shop, status: str = "completed") -> int:
    """Two tax classes, shipping, a taxed fee and a coupon in one order."""
    return shop.order(
        status,
        [(shop.standard, 2), (shop.reduced, 3)],
        shipping_lines=[{"method_id": "flat_rate", "method_title": "DHL", "total": "4.90"}],
        fee_lines=[
            {
                "name": "Geschenkverpackung",
                "total": "2.50",
                "tax_status": "taxable",
                "tax_class": shop.class_19,
            }
        ],
        coupon_lines=[{"code": shop.coupon}],
    )


def money(cell: str) -> Decimal:
    """An accounting cell (decimal comma) as a number; empty = 0."""
    return Decimal(cell.replace(",", ".")) if cell else Decimal(0)


def read_export(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "utf-8-sig: Excel needs the BOM"
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture
def env(
    store_env: RealStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[RealStore]:
    """``store_env`` without a config file (its BULKIO_CONFIG names a missing file, which bulkio
    rightly refuses when named explicitly), outside any Plain permalinks window."""
    monkeypatch.delenv("BULKIO_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    with build_lock(exclusive=False), settings_lock(store_env):
        yield store_env


@contextmanager
def settings_lock(store: RealStore) -> Iterator[None]:
    """The tests here change store settings for a moment (taxes on, the time zone) and put
    the old value back. Two sessions doing that at once would read each other's value as the
    one to restore (a store was left in Asia/Kathmandu that way): one at a time per store."""
    with open(REFSTORE_HOME / f".{store.name}-settings.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def export(shop: Shop, out: Path, *extra: str) -> tuple[int, str]:
    code, _, err = bulkio(
        "export",
        "orders",
        "-m",
        str(ACCOUNTING),
        "-o",
        str(out),
        "--customer",
        str(shop.customer),
        *extra,
    )
    return code, err


def tax_by_code(order: dict[str, Any]) -> dict[str, Decimal]:
    taxes: dict[str, Decimal] = {}
    for line in order["tax_lines"]:
        amount = Decimal(line["tax_total"]) + Decimal(line["shipping_tax_total"])
        taxes[line["rate_code"]] = taxes.get(line["rate_code"], Decimal(0)) + amount
    return taxes


def test_accounting_export_matches_the_stores_own_totals(
    shop: Shop, env: RealStore, tmp_path: Path
) -> None:
    """The store in a time zone far from UTC, so that dates show which clock they follow."""
    with store_timezone(shop.store, "Asia/Kathmandu"), taxes_on(shop.store):
        accounting_scenario(shop, tmp_path)


def accounting_scenario(shop: Shop, tmp_path: Path) -> None:
    store = shop.store
    rich = full_order(shop)
    small = shop.order(
        "processing",
        [(shop.reduced, 1)],
        shipping_lines=[{"method_id": "flat_rate", "method_title": "DHL", "total": "4.90"}],
    )
    refunded = shop.order("completed", [(shop.standard, 1)])
    store.post(
        f"orders/{refunded}/refunds",
        {"amount": "50.00", "api_refund": False, "reason": "bulkio test: partial refund"},
    )
    ours = [rich, small, refunded]

    out = tmp_path / "accounting.csv"
    code, err = export(shop, out)
    assert code == 0, err
    rows = read_export(out)
    by_number = {row["Belegnummer"]: row for row in rows}
    assert len(rows) == len(by_number) == len(ours), rows

    for order_id in ours:
        order = store.get(f"orders/{order_id}")
        row = by_number[str(order["number"])]
        total, total_tax = Decimal(order["total"]), Decimal(order["total_tax"])
        taxes = tax_by_code(order)
        # The store's own figures are consistent: the tax lines add up to total_tax.
        assert sum(taxes.values(), Decimal(0)) == total_tax, order["tax_lines"]
        assert total_tax > 0, "taxes must have been calculated for the order"
        net, gross = money(row["Netto"]), money(row["Brutto"])
        rate_19, rate_7 = money(row["USt 19 %"]), money(row["USt 7 %"])
        other = money(row["USt andere Sätze"])
        assert net + rate_19 + rate_7 + other == gross, row
        assert gross == total.quantize(CENT)
        assert money(row["Steuer gesamt"]) == total_tax.quantize(CENT)
        assert net == (total - total_tax).quantize(CENT)
        assert rate_19 == taxes.get("DE-MWST-1", Decimal(0)).quantize(CENT)
        assert rate_7 == taxes.get("DE-MWST-2", Decimal(0)).quantize(CENT)
        assert other == 0
        assert money(row["Versand"]) == Decimal(order["shipping_total"]).quantize(CENT)
        assert row["Kunde"] == "Jürgen Müller" and row["Firma"] == "Müller & Söhne"
        assert row["Land"] == "DE" and row["Währung"] == order["currency"]
        assert row["Kundennummer"] == str(shop.customer)
        assert row["Zahlungsart"] == "Überweisung"
        # Dates in the store's own time zone (timezone = "store"), as the shop owner sees them.
        assert row["Belegdatum"] == ".".join(reversed(order["date_created"][:10].split("-")))
        assert row["Bezahlt am"] == ".".join(reversed(order["date_paid"][:10].split("-")))
        # Net is what the lines add up to before tax (items after discount, fees, shipping).
        lines_net = (
            sum((Decimal(i["total"]) for i in order["line_items"]), Decimal(0))
            + sum((Decimal(f["total"]) for f in order["fee_lines"]), Decimal(0))
            + Decimal(order["shipping_total"])
        )
        assert net == lines_net.quantize(CENT)

    # The rich order really has what it should: both rates, shipping tax, fee, coupon.
    order = store.get(f"orders/{rich}")
    assert set(tax_by_code(order)) == {"DE-MWST-1", "DE-MWST-2"}
    assert Decimal(order["shipping_tax"]) > 0 and Decimal(order["discount_total"]) > 0
    assert order["fee_lines"] and order["coupon_lines"]
    row = by_number[str(order["number"])]
    assert row["Status"] == "abgeschlossen"
    assert by_number[str(store.get(f"orders/{small}")["number"])]["Status"] == "in Bearbeitung"


def exported_numbers(path: Path) -> list[str]:
    return [row["Belegnummer"] for row in read_export(path)]


def test_since_last_run_exports_each_order_exactly_once(
    shop: Shop, env: RealStore, tmp_path: Path
) -> None:
    """Run after run, with new orders, changed orders and refunds in between, in a store whose
    clock is not UTC (windows are sent in UTC with dates_are_gmt; a store reading them in its
    own zone would shift every window by 5:45 hours)."""
    with store_timezone(shop.store, "Asia/Kathmandu"), taxes_on(shop.store):
        since_last_run_scenario(shop, tmp_path)


def since_last_run_scenario(shop: Shop, tmp_path: Path) -> None:
    store = shop.store
    state = tmp_path / "state.json"
    start = store.get(f"orders/{full_order(shop)}")["date_created_gmt"]
    first = [shop.orders[-1], shop.order("processing", [(shop.reduced, 2)])]
    time.sleep(1.1)  # windows end at the store's clock, cut on whole seconds

    def run(number: int) -> list[str]:
        out = tmp_path / f"run{number}.csv"
        code, err = export(
            shop,
            out,
            "--since-last-run",
            "--state-file",
            str(state),
            "--safety-margin",
            "0",
            "--after",
            start + "Z",
            "--status",
            "completed",
        )
        assert code == 0, err
        return exported_numbers(out)

    numbers = {order_id: str(store.get(f"orders/{order_id}")["number"]) for order_id in first}
    runs = [run(1)]
    assert runs[0] == [numbers[first[0]]]  # the processing order waits until it is completed

    # Between runs: a new order, a status change and a refund on exported orders.
    second = shop.order("completed", [(shop.standard, 1), (shop.reduced, 1)])
    numbers[second] = str(store.get(f"orders/{second}")["number"])
    store.http.put(f"orders/{first[1]}", json={"status": "completed"}).raise_for_status()
    store.post(f"orders/{first[0]}/refunds", {"amount": "1.00", "api_refund": False})
    time.sleep(1.1)
    runs.append(run(2))
    assert sorted(runs[1]) == sorted([numbers[first[1]], numbers[second]])

    runs.append(run(3))
    assert runs[2] == []

    third = shop.order("completed", [(shop.reduced, 4)])
    numbers[third] = str(store.get(f"orders/{third}")["number"])
    time.sleep(1.1)
    runs.append(run(4))
    assert runs[3] == [numbers[third]]

    everything = [number for exported in runs for number in exported]
    assert sorted(everything) == sorted(numbers.values()), runs
