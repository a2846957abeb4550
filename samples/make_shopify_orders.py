"""Extend samples/shopify-orders.csv with generated orders in the same style (issue 17).

The first 80 orders (#1001-#1080) are hand-written; this script keeps them and appends orders
#1081 onward, deterministically (a fixed seed), from the products and customers samples: one
row per line item with the order's columns on its first row only, EUR with 19 % VAT included
in every price, free shipping from 50 EUR (else 4.90), WELCOME10 / SUMMER15 discount codes,
refunds (whole and partial), voided and authorized orders, a SKU no longer in the catalog and
a hand-added line without SKU.

Run from the repository root: ``python samples/make_shopify_orders.py``.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).parent
ORDERS = HERE / "shopify-orders.csv"
FIRST_GENERATED = 1081
COUNT = 170
CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def catalog() -> list[tuple[str, str, Decimal, str]]:
    """(sku, line name, price, vendor) of every sellable variant of the products sample."""
    out = []
    titles: dict[str, tuple[str, str]] = {}
    with (HERE / "shopify-products.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Title"]:
                titles[row["Handle"]] = (row["Title"], row["Vendor"])
            if not row["Variant SKU"] or not row["Variant Price"]:
                continue
            title, vendor = titles.get(row["Handle"], (row["Handle"], ""))
            options = [
                row[f"Option{n} Value"]
                for n in (1, 2, 3)
                if row[f"Option{n} Value"] and row[f"Option{n} Value"] != "Default Title"
            ]
            name = f"{title} - {' / '.join(options)}" if options else title
            out.append((row["Variant SKU"], name, Decimal(row["Variant Price"]), vendor))
    return out


def customers() -> list[tuple[str, str, str, str, str, str, str]]:
    out = []
    with (HERE / "shopify-customers.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Email"]:
                out.append(
                    (
                        row["Email"],
                        f"{row['First Name']} {row['Last Name']}".strip(),
                        row["Default Address Address1"],
                        row["Default Address City"],
                        row["Default Address Zip"],
                        row["Default Address Province Code"],
                        row["Default Address Country Code"],
                    )
                )
    return out


def main() -> None:
    rng = random.Random(17)
    with ORDERS.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        kept = [r for r in reader if int(r["Name"].lstrip("#")) < FIRST_GENERATED]
    products = catalog()
    people = customers()
    when = datetime(2024, 8, 20, 9, 0)
    rows: list[dict[str, str]] = []
    for n in range(COUNT):
        number = FIRST_GENERATED + n
        when += timedelta(days=rng.randint(1, 4), minutes=rng.randint(0, 600))
        stamp = when.strftime("%Y-%m-%d %H:%M:00 +0100")
        guest = rng.random() < 0.12
        email, name, street, city, zipcode, province, country = rng.choice(people)
        if guest:
            email = f"guest{number}@example.net"
        lines = [rng.choice(products) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
        quantities = [rng.choice((1, 1, 1, 2)) for _ in lines]
        if number % 37 == 0:
            lines.append(("HL-099-RETIRED", "Driftwood Coat Hook", Decimal("16.00"), ""))
            quantities.append(1)
        if number % 29 == 0:
            lines.append(("", "Gift wrapping", Decimal("3.50"), ""))
            quantities.append(1)
        pairs = zip(lines, quantities, strict=True)
        subtotal = sum((p * q for (_, _, p, _), q in pairs), Decimal(0))
        code = rng.choice(["", "", "", "", "WELCOME10", "SUMMER15"])
        rate = Decimal("0.10") if code == "WELCOME10" else Decimal("0.15") if code else Decimal(0)
        discount = cents(subtotal * rate)
        shipping = Decimal(0) if subtotal - discount >= 50 else Decimal("4.90")
        total = subtotal - discount + shipping
        taxes = cents(total - total / Decimal("1.19"))
        financial, fulfillment, cancelled, refunded = "paid", "fulfilled", "", Decimal(0)
        pick = rng.random()
        if pick < 0.05:
            financial, refunded = "refunded", total
        elif pick < 0.08:
            financial, refunded = "partially_refunded", cents(lines[0][2])
        elif pick < 0.11:
            financial, fulfillment = "voided", "unfulfilled"
            cancelled = (when + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:00 +0100")
        elif pick < 0.13:
            financial, fulfillment = "authorized", "unfulfilled"
        elif pick < 0.15:
            financial, fulfillment = "pending", "unfulfilled"
        elif pick < 0.19:
            fulfillment = "unfulfilled"
        paid = "" if financial in ("voided", "pending", "authorized") else stamp
        fulfilled = (
            (when + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:00 +0100")
            if fulfillment == "fulfilled"
            else ""
        )
        line_status = "fulfilled" if fulfillment == "fulfilled" else "pending"
        for index, ((sku, title, price, vendor), qty) in enumerate(
            zip(lines, quantities, strict=True)
        ):
            row = dict.fromkeys(header, "")
            row.update(
                {
                    "Name": f"#{number}",
                    "Email": email,
                    "Created at": stamp,
                    "Lineitem quantity": str(qty),
                    "Lineitem name": title,
                    "Lineitem price": f"{price:.2f}",
                    "Lineitem sku": sku,
                    "Lineitem requires shipping": "true",
                    "Lineitem taxable": "true",
                    "Lineitem fulfillment status": line_status,
                    "Vendor": vendor,
                    "Lineitem discount": "0.00",
                }
            )
            if index == 0:
                ref = f"p{number}R{number * 3}"
                row.update(
                    {
                        "Financial Status": financial,
                        "Paid at": paid,
                        "Fulfillment Status": fulfillment,
                        "Fulfilled at": fulfilled,
                        "Accepts Marketing": rng.choice(("yes", "no")),
                        "Currency": "EUR",
                        "Subtotal": f"{subtotal:.2f}",
                        "Shipping": f"{shipping:.2f}",
                        "Taxes": f"{taxes:.2f}",
                        "Total": f"{total:.2f}",
                        "Discount Code": code,
                        "Discount Amount": f"{discount:.2f}",
                        "Shipping Method": "Free shipping" if not shipping else "DHL Paket",
                        "Billing Name": name,
                        "Billing Street": street,
                        "Billing Address1": street,
                        "Billing City": city,
                        "Billing Zip": zipcode,
                        "Billing Province": province,
                        "Billing Country": country,
                        "Shipping Name": name,
                        "Shipping Street": street,
                        "Shipping Address1": street,
                        "Shipping City": city,
                        "Shipping Zip": zipcode,
                        "Shipping Province": province,
                        "Shipping Country": country,
                        "Notes": "Bitte beim Nachbarn abgeben" if number % 11 == 0 else "",
                        "Cancelled at": cancelled,
                        "Payment Method": rng.choice(
                            ("Shopify Payments", "Shopify Payments", "PayPal Express Checkout")
                        ),
                        "Payment Reference": f"c24{number:09d}.1",
                        "Refunded Amount": f"{refunded:.2f}",
                        "Outstanding Balance": "0.00",
                        "Id": str(5200000000 + number * 7),
                        "Risk Level": "Low",
                        "Source": "web",
                        "Tax 1 Name": "DE MwSt 19%",
                        "Tax 1 Value": f"{taxes:.2f}",
                        "Payment ID": ref,
                        "Payment References": ref,
                    }
                )
            rows.append(row)
    with ORDERS.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
        writer.writerows(rows)
    print(f"{ORDERS}: {len(kept)} hand-written rows, {len(rows)} generated ({COUNT} orders)")


if __name__ == "__main__":
    main()
