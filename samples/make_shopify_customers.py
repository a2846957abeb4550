"""Extend samples/shopify-customers.csv with generated customers in the same style (issue 17).

The first 61 rows (hand-written, customer ids 7100000000-7100113929 and the case-duplicate
7100009999) are kept; this script appends 240 customers from 7100115860 on, deterministically
(a fixed seed), in Shopify's customers export layout: German, Austrian, Swiss, Dutch, French and
Danish addresses, a company now and then, phones in the address or the customer, marketing
consent, spent/orders, notes (one with a line break inside quotes, one with a quote), tags.
Every e-mail is ASCII (WordPress refuses others); a few are written in mixed case, as people
type them. Edge rows: a first name with a "<3" (WordPress keeps it as "&lt;3"), a last name
with a double space, an address line with a trailing space.

Run from the repository root: ``python samples/make_shopify_customers.py``.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).parent
CUSTOMERS = HERE / "shopify-customers.csv"
HAND_WRITTEN = 61
COUNT = 240
FIRST_ID = 7100115860
STEP = 1931

FIRST = [
    "Anna",
    "Jonas",
    "Lea",
    "Lukas",
    "Emma",
    "Paul",
    "Marie",
    "Felix",
    "Sophie",
    "Elias",
    "Hanna",
    "Noah",
    "Lina",
    "Leon",
    "Clara",
    "Ben",
    "Ida",
    "Finn",
    "Greta",
    "Theo",
    "Mila",
    "Emil",
    "Frieda",
    "Anton",
    "Lotte",
    "Karl",
    "Ella",
    "Oskar",
    "Nora",
    "Jakob",
    "Maja",
    "Moritz",
    "Pia",
    "Julian",
    "Lena",
    "Tim",
    "Sarah",
    "David",
    "Laura",
    "Max",
]
LAST = [
    "Müller",
    "Becker",
    "Schröder",
    "Hartmann",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Schulz",
    "Neumann",
    "Lange",
    "Krause",
    "Hofmann",
    "Lehmann",
    "Braun",
    "Richter",
    "Schneider",
    "Schwarz",
    "Koch",
    "Bauer",
    "Klein",
    "Wolf",
    "Zimmermann",
    "Schmitt",
    "Krüger",
    "Vogel",
    "Jäger",
    "Peters",
    "Frank",
    "Berger",
]
ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e"})
STREETS = (
    "Hafenstraße",
    "Lindenallee",
    "Am Markt",
    "Bergweg",
    "Schillerstraße",
    "Kanalweg",
    "Rosengasse",
    "Mühlenkamp",
)
PLACES = (
    ("Hamburg", "HH", "DE", "20095", "+49 40 555"),
    ("Berlin", "BE", "DE", "10115", "+49 30 555"),
    ("München", "BY", "DE", "80331", "+49 89 555"),
    ("Köln", "NW", "DE", "50667", "+49 221 555"),
    ("Leipzig", "SN", "DE", "04109", "+49 341 555"),
    ("Bremen", "HB", "DE", "28195", "+49 421 555"),
    ("Wien", "9", "AT", "1010", "+43 1 555"),
    ("Graz", "6", "AT", "8010", "+43 316 555"),
    ("Zürich", "ZH", "CH", "8001", "+41 44 555"),
    ("Amsterdam", "NH", "NL", "1012 AB", "+31 20 555"),
    ("Lyon", "", "FR", "69001", "+33 4 555"),
    ("Kopenhagen", "", "DK", "1050", "+45 33 555"),
)
NOTES = (
    "",
    "",
    "",
    "",
    "Prefers delivery after 5 pm",
    "Wholesale account, invoice monthly",
    'Gift wrap always, says "thank you" notes',
    "Call before delivery\nback door",
)
TAGS = ("", "", "newsletter", "newsletter", "vip", "wholesale, vip", "b2b")


def generated(rng: random.Random, start: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for index in range(COUNT):
        number = start + index
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{first}.{last}".lower().translate(ASCII) + str(number)
        if index % 17 == 5:
            local = f"{first}.{last}".translate(ASCII) + str(number)  # typed with capitals
        city, province, country, zip_code, dial = rng.choice(PLACES)
        company = rng.choice(("", "", "", "", "Hafen GmbH", "Nordlicht KG", "Atelier Rot"))
        address2 = rng.choice(("", "", "", "c/o Werkstatt", "3. OG"))
        phone = f"{dial}{rng.randrange(10000, 99999)}" if rng.random() < 0.6 else ""
        spent = f"{rng.randrange(0, 60000) / 100:.2f}" if rng.random() < 0.8 else "0.00"
        orders = "0" if spent == "0.00" else str(rng.randrange(1, 9))
        street = f"{rng.choice(STREETS)} {rng.randrange(1, 120)}"
        if index == 40:
            first = "Lotte <3"
        if index == 80:
            last = "von  Berg"
        if index == 120:
            street += " "
        rows.append(
            [
                str(FIRST_ID + index * STEP),
                first,
                last,
                f"{local}@example.com",
                rng.choice(("yes", "no", "no")),
                company,
                street,
                address2,
                city,
                province,
                country,
                zip_code,
                phone,
                phone if rng.random() < 0.3 else "",
                rng.choice(("no", "no", "yes")),
                spent,
                orders,
                rng.choice(NOTES),
                "yes" if company and rng.random() < 0.5 else "no",
                rng.choice(TAGS),
            ]
        )
    return rows


def main() -> None:
    with CUSTOMERS.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        kept = [row for _, row in zip(range(HAND_WRITTEN), reader, strict=False)]
    rows = generated(random.Random(17), HAND_WRITTEN)
    with CUSTOMERS.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(kept)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
