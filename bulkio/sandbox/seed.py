"""Deterministic generated stores: nested categories, tags, simple and variable products,
and orders with line items, taxes, shipping, fees, coupons and addresses spread over time.

The same ``seed`` always gives the same store (dates are laid out before a fixed instant,
not "now"), so tests and benchmarks can rely on counts and values. Rows are built in Python
and written with ``executemany`` in one transaction: 50,000 products take a few seconds.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from bulkio.sandbox import dates
from bulkio.sandbox.db import dumps
from bulkio.sandbox.orders import _blank_order, calculate_totals
from bulkio.sandbox.products import _blank_product, _blank_variation, derive_stock_status
from bulkio.sandbox.store import Store, compact, sanitize_title

TIMELINE_END = datetime(2026, 1, 1)
PRODUCT_SPAN = timedelta(days=3 * 365)
ORDER_SPAN = timedelta(days=365)

CATEGORY_TREE = {
    "Clothing": ["T-shirts", "Hoodies", "Jackets", "Socks"],
    "Home & Kitchen": ["Mugs", "Cookware", "Textiles", "Lighting"],
    "Garden": ["Tools", "Planters", "Seeds"],
    "Electronics": ["Cables", "Chargers", "Audio"],
    "Toys": ["Puzzles", "Wooden toys"],
    "Stationery": ["Notebooks", "Pens"],
}
TAGS = [
    "eco",
    "bestseller",
    "new",
    "sale",
    "handmade",
    "organic",
    "gift",
    "limited",
    "vegan",
    "fair-trade",
    "recycled",
    "premium",
    "bundle",
    "seasonal",
    "local",
]
ADJECTIVES = [
    "Classic",
    "Organic",
    "Vintage",
    "Rustic",
    "Modern",
    "Cozy",
    "Sturdy",
    "Light",
    "Bold",
    "Soft",
    "Compact",
    "Deluxe",
    "Nordic",
    "Urban",
    "Alpine",
    "Crème",
]
MATERIALS = [
    "Cotton",
    "Linen",
    "Oak",
    "Bamboo",
    "Steel",
    "Ceramic",
    "Wool",
    "Glass",
    "Hemp",
    "Leather",
    "Porcelain",
    "Cork",
]
NOUNS = [
    "Shirt",
    "Hoodie",
    "Mug",
    "Planter",
    "Lamp",
    "Notebook",
    "Scarf",
    "Bowl",
    "Jacket",
    "Cable",
    "Speaker",
    "Puzzle",
    "Tote",
    "Pan",
    "Vase",
    "Blanket",
    "Pen",
    "Socks",
]
COLORS = ["Red", "Blue", "Green", "Black", "White", "Grey", "Yellow", "Navy"]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
FIRST_NAMES = [
    "Anna",
    "Jürgen",
    "Zoë",
    "José",
    "Marie",
    "Liam",
    "Sofía",
    "Noah",
    "Élodie",
    "Mats",
    "Chloé",
    "Björn",
    "Fatima",
    "Oliver",
    "Ingrid",
    "Łukasz",
    "Emma",
    "Kenji",
]
LAST_NAMES = [
    "Müller",
    "García",
    "Dubois",
    "Jansen",
    "Smith",
    "Rossi",
    "Nowak",
    "Andersson",
    "O'Brien",
    "Schäfer",
    "Martin",
    "de Vries",
    "Kowalski",
    "Brown",
    "Lefèvre",
]
COUNTRIES = [  # country, currency, tax label, rate %, cities with postcodes
    ("DE", "EUR", "MwSt.", 19.0, [("Berlin", "10115"), ("München", "80331"), ("Köln", "50667")]),
    ("FR", "EUR", "TVA", 20.0, [("Paris", "75001"), ("Lyon", "69001")]),
    ("NL", "EUR", "BTW", 21.0, [("Amsterdam", "1012 AB"), ("Utrecht", "3511 AA")]),
    ("GB", "GBP", "VAT", 20.0, [("London", "SW1A 1AA"), ("Leeds", "LS1 1UR")]),
    ("US", "USD", "Sales tax", 7.25, [("Portland", "97201"), ("Austin", "73301")]),
]
STREETS = [
    "Hauptstraße",
    "Rue de la Paix",
    "Keizersgracht",
    "High Street",
    "Main St",
    "Lindenweg",
    "Avenue Victor Hugo",
]
ORDER_STATUSES = [
    ("completed", 55),
    ("processing", 20),
    ("on-hold", 5),
    ("pending", 5),
    ("cancelled", 5),
    ("refunded", 5),
    ("failed", 5),
]
PRODUCT_STATUSES = [("publish", 90), ("draft", 5), ("private", 3), ("pending", 2)]


def _weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in table], [weight for _, weight in table])[0]


def _price(rng: random.Random) -> str:
    return f"{rng.choice([rng.uniform(2, 30), rng.uniform(10, 120), rng.uniform(50, 500)]):.2f}"


def _stamp(moment: datetime) -> str:
    return dates.fmt(moment) or ""


INSERT_POST = (
    "INSERT INTO posts(id, kind, parent_id, status, type, sku, name, slug, customer_id,"
    " menu_order, date_created_gmt, date_modified_gmt, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def _post_values(
    post_id: int,
    kind: str,
    status: str,
    created: datetime,
    modified: datetime,
    doc: str,
    *,
    parent_id: int = 0,
    type_: str = "",
    sku: str = "",
    name: str = "",
    slug: str = "",
    customer_id: int = 0,
    menu_order: int = 0,
) -> tuple[Any, ...]:
    """One row of :data:`INSERT_POST` for a seeded product, variation or order."""
    return (
        post_id,
        kind,
        parent_id,
        status,
        type_,
        sku,
        name,
        slug,
        customer_id,
        menu_order,
        _stamp(created),
        _stamp(modified),
        doc,
    )


def _next_id(store: Store) -> int:
    return int(store.db.scalar("SELECT COALESCE(MAX(id), 0) FROM posts") or 0) + 1


def seed_store(store: Store, *, products: int, orders: int, seed: int = 1) -> None:
    """Add ``products`` products (plus variations) and ``orders`` orders to ``store``."""
    rng = random.Random(seed)
    category_ids, leaf_ids = _seed_terms(store)
    tag_ids = [
        int(row["id"])
        for row in store.db.query("SELECT id FROM terms WHERE taxonomy = 'product_tag' ORDER BY id")
    ]
    sellable: list[
        tuple[int, int, str, str, str]
    ] = []  # product_id, variation_id, name, sku, price
    if products:
        sellable = _seed_products(store, rng, products, leaf_ids or category_ids, tag_ids)
    if orders:
        if not sellable:
            sellable = _existing_sellable(store)
        _seed_orders(store, rng, orders, sellable)
    # Fresh statistics let SQLite pick the SKU index for `sku=` lists on big catalogs.
    store.db.execute("ANALYZE")


def cache_path(directory: str, *, products: int, orders: int, seed: int) -> str:
    """Where a seeded store is cached: named by its parameters and the generator's code."""
    import hashlib
    import os
    from pathlib import Path

    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("seed.py", "db.py", "products.py", "orders.py", "store.py"):
        digest.update((here / name).read_bytes())
    name = f"seed-{products}p-{orders}o-s{seed}-{digest.hexdigest()[:12]}.sqlite"
    return os.path.join(directory, name)


def _seed_terms(store: Store) -> tuple[list[int], list[int]]:
    with store.db.lock:
        rows = store.db.query("SELECT id, parent FROM terms WHERE taxonomy = 'product_cat'")
        if len(rows) > 1:
            parents = {int(row["parent"]) for row in rows}
            ids = [int(row["id"]) for row in rows if int(row["id"]) != store.uncategorized_id]
            return ids, [i for i in ids if i not in parents]
        empty = dumps({"description": "", "display": "default", "image": None, "menu_order": 0})
        leaves: list[int] = []
        for top, children in CATEGORY_TREE.items():
            cursor = store.db.execute(
                "INSERT INTO terms(taxonomy, name, slug, parent, doc) "
                "VALUES ('product_cat',?,?,0,?)",
                (top, sanitize_title(top), empty),
            )
            top_id = int(cursor.lastrowid or 0)
            for child in children:
                cursor = store.db.execute(
                    "INSERT INTO terms(taxonomy, name, slug, parent, doc) "
                    "VALUES ('product_cat',?,?,?,?)",
                    (child, sanitize_title(f"{top} {child}"), top_id, empty),
                )
                leaves.append(int(cursor.lastrowid or 0))
        tag_doc = dumps({"description": ""})
        for tag in TAGS:
            store.db.execute(
                "INSERT OR IGNORE INTO terms(taxonomy, name, slug, parent, doc) "
                "VALUES ('product_tag',?,?,0,?)",
                (tag, tag, tag_doc),
            )
        all_ids = [
            int(r["id"])
            for r in store.db.query(
                "SELECT id FROM terms WHERE taxonomy = 'product_cat' AND id != ?",
                (store.uncategorized_id,),
            )
        ]
        return all_ids, leaves


def _seed_products(
    store: Store, rng: random.Random, count: int, category_ids: list[int], tag_ids: list[int]
) -> list[tuple[int, int, str, str, str]]:
    posts: list[tuple[Any, ...]] = []
    blank_product, blank_variation = _blank_product(), _blank_variation()
    relationships: list[tuple[int, int]] = []
    sellable: list[tuple[int, int, str, str, str]] = []
    with store.db.lock:
        next_id = _next_id(store)
        start_number = int(
            store.db.scalar("SELECT COUNT(*) FROM posts WHERE kind = 'product'") or 0
        )
        step = PRODUCT_SPAN / max(count, 1)
        start = TIMELINE_END - PRODUCT_SPAN
        for index in range(count):
            number = start_number + index + 1
            product_id = next_id
            next_id += 1
            created = start + step * index + timedelta(seconds=rng.randint(0, 59))
            modified = created + timedelta(minutes=rng.randint(0, 60 * 24 * 30))
            modified = min(modified, TIMELINE_END)
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(NOUNS)}"
            sku = f"SKU-{number:06d}"
            variable = rng.random() < 0.15
            doc = _blank_product()
            doc.update(
                name=name,
                slug=f"{sanitize_title(name)}-{number}",
                sku=sku,
                status=_weighted(rng, PRODUCT_STATUSES),
                description=f"<p>{name}, made of {rng.choice(MATERIALS).lower()}.</p>",
                short_description=f"{name}.",
                weight=f"{rng.uniform(0.1, 5):.2f}",
                total_sales=rng.randint(0, 500),
                featured=rng.random() < 0.05,
            )
            categories = rng.sample(category_ids, k=min(len(category_ids), rng.choice([1, 1, 2])))
            tags = rng.sample(tag_ids, k=min(len(tag_ids), rng.choice([0, 1, 2, 3])))
            doc["category_ids"], doc["tag_ids"] = categories, tags
            relationships += [(product_id, term) for term in (*categories, *tags)]
            if variable:
                doc["type"] = "variable"
                colors = rng.sample(COLORS, rng.randint(1, 3))
                sizes = rng.sample(SIZES, rng.randint(1, 3))
                doc["attributes"] = [
                    {
                        "id": 0,
                        "name": "Color",
                        "slug": "color",
                        "position": 0,
                        "visible": True,
                        "variation": True,
                        "options": colors,
                    },
                    {
                        "id": 0,
                        "name": "Size",
                        "slug": "size",
                        "position": 1,
                        "visible": True,
                        "variation": True,
                        "options": sizes,
                    },
                ]
                base_price = _price(rng)
                for menu_order, (color, size) in enumerate((c, s) for c in colors for s in sizes):
                    variation_id = next_id
                    next_id += 1
                    variation = _blank_variation()
                    variation_sku = f"{sku}-{color.upper()}-{size}"
                    variation.update(
                        sku=variation_sku,
                        regular_price=base_price,
                        menu_order=menu_order,
                        name=f"{name} - {color}, {size}",
                        attributes=[
                            {"id": 0, "name": "Color", "slug": "color", "option": color},
                            {"id": 0, "name": "Size", "slug": "size", "option": size},
                        ],
                        manage_stock=True,
                        stock_quantity=rng.randint(0, 60),
                    )
                    derive_stock_status(variation)
                    posts.append(
                        _post_values(
                            variation_id,
                            "product_variation",
                            "publish",
                            created,
                            modified,
                            dumps(compact(variation, blank_variation)),
                            parent_id=product_id,
                            type_="variation",
                            sku=variation_sku,
                            name=variation["name"],
                            menu_order=menu_order,
                        )
                    )
                    sellable.append(
                        (product_id, variation_id, variation["name"], variation_sku, base_price)
                    )
            else:
                price = _price(rng)
                doc["regular_price"] = price
                if rng.random() < 0.2:
                    doc["sale_price"] = f"{float(price) * rng.choice([0.7, 0.8, 0.9]):.2f}"
                if rng.random() < 0.7:
                    doc["manage_stock"] = True
                    doc["stock_quantity"] = rng.choice(
                        [0, rng.randint(1, 20), rng.randint(20, 500)]
                    )
                    doc["backorders"] = "notify" if rng.random() < 0.05 else "no"
                    derive_stock_status(doc)
                elif rng.random() < 0.1:
                    doc["stock_status"] = "outofstock"
                sellable.append((product_id, 0, name, sku, doc["sale_price"] or price))
            posts.append(
                _post_values(
                    product_id,
                    "product",
                    doc["status"],
                    created,
                    modified,
                    dumps(compact(doc, blank_product)),
                    type_=doc["type"],
                    sku=sku,
                    name=name,
                    slug=doc["slug"],
                )
            )
        with store.db.transaction() as connection:
            connection.executemany(INSERT_POST, posts)
            connection.executemany(
                "INSERT OR IGNORE INTO term_relationships(post_id, term_id) VALUES (?, ?)",
                relationships,
            )
    return sellable


def _existing_sellable(store: Store) -> list[tuple[int, int, str, str, str]]:
    rows = store.db.query(
        "SELECT id, parent_id, kind, name, sku, json_extract(doc, '$.regular_price') AS price "
        "FROM posts WHERE (kind = 'product' AND type != 'variable') OR kind = 'product_variation' "
        "LIMIT 5000"
    )
    result = []
    for row in rows:
        price = row["price"] or "10.00"
        if row["kind"] == "product_variation":
            result.append((int(row["parent_id"]), int(row["id"]), row["name"], row["sku"], price))
        else:
            result.append((int(row["id"]), 0, row["name"], row["sku"], price))
    if not result:
        result.append((0, 0, "Custom item", "", "10.00"))
    return result


def _seed_orders(
    store: Store, rng: random.Random, count: int, sellable: list[tuple[int, int, str, str, str]]
) -> None:
    posts: list[tuple[Any, ...]] = []
    blank_order = _blank_order()
    customers = max(1, count // 3)
    line_id = store.next_meta_id()  # line item ids are unique across the store
    with store.db.lock:
        next_id = _next_id(store)
        step = ORDER_SPAN / max(count, 1)
        start = TIMELINE_END - ORDER_SPAN
        for index in range(count):
            order_id = next_id
            next_id += 1
            created = start + step * index + timedelta(seconds=rng.randint(0, 59))
            country, currency, tax_label, rate, cities = rng.choice(COUNTRIES)
            city, postcode = rng.choice(cities)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            status = _weighted(rng, ORDER_STATUSES)
            registered = rng.random() < 0.6
            customer_id = rng.randint(1, customers) if registered else 0
            email = (
                f"{sanitize_title(first)}.{sanitize_title(last)}{customer_id or index}@example.com"
            )
            address = {
                "first_name": first,
                "last_name": last,
                "company": "",
                "address_1": f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
                "address_2": "",
                "city": city,
                "state": "",
                "postcode": postcode,
                "country": country,
            }
            doc = _blank_order()
            doc.update(
                status=status,
                currency=currency,
                customer_id=customer_id,
                order_key=f"wc_order_{rng.getrandbits(48):012x}",
                billing={
                    **address,
                    "email": email,
                    "phone": f"+{rng.randint(10, 99)} {rng.randint(100000, 999999)}",
                },
                shipping={**address, "phone": ""},
                payment_method=rng.choice(["bacs", "stripe", "paypal", "cod"]),
                created_via="checkout",
                customer_ip_address=f"192.0.2.{rng.randint(1, 254)}",
            )
            doc["payment_method_title"] = {
                "bacs": "Direct bank transfer",
                "stripe": "Credit card",
                "paypal": "PayPal",
                "cod": "Cash on delivery",
            }[doc["payment_method"]]
            discount_share = 0.1 if rng.random() < 0.15 else 0.0
            lines: list[dict[str, Any]] = []
            for product_id, variation_id, name, sku, price in rng.sample(
                sellable, k=min(len(sellable), rng.choice([1, 1, 2, 2, 3, 4, 5]))
            ):
                quantity = rng.choice([1, 1, 1, 2, 3])
                subtotal = float(price or 0) * quantity
                total = subtotal * (1 - discount_share)
                subtotal_tax, total_tax = subtotal * rate / 100, total * rate / 100
                lines.append(
                    {
                        "id": line_id,
                        "name": name,
                        "product_id": product_id,
                        "variation_id": variation_id,
                        "quantity": quantity,
                        "tax_class": "",
                        "subtotal": f"{subtotal:.2f}",
                        "subtotal_tax": f"{subtotal_tax:.2f}",
                        "total": f"{total:.2f}",
                        "total_tax": f"{total_tax:.2f}",
                        "taxes": [
                            {
                                "id": 1,
                                "total": f"{total_tax:.2f}",
                                "subtotal": f"{subtotal_tax:.2f}",
                            }
                        ],
                        "meta_data": [],
                        "sku": sku,
                        "price": round(total / quantity, 6),
                    }
                )
                line_id += 1
            doc["line_items"] = lines
            items_total = sum(float(line["total"]) for line in lines)
            shipping = 0.0 if items_total > 100 else 4.90
            shipping_tax = shipping * rate / 100
            doc["shipping_lines"] = [
                {
                    "id": line_id,
                    "method_title": "Free shipping" if shipping == 0 else "Flat rate",
                    "method_id": "free_shipping" if shipping == 0 else "flat_rate",
                    "instance_id": "1",
                    "total": f"{shipping:.2f}",
                    "total_tax": f"{shipping_tax:.2f}",
                    "taxes": [{"id": 1, "total": f"{shipping_tax:.2f}"}],
                    "meta_data": [],
                }
            ]
            line_id += 1
            if doc["payment_method"] == "cod":
                doc["fee_lines"] = [
                    {
                        "id": line_id,
                        "name": "Cash on delivery fee",
                        "tax_class": "",
                        "tax_status": "none",
                        "total": "2.50",
                        "total_tax": "0.00",
                        "taxes": [],
                        "meta_data": [],
                    }
                ]
                line_id += 1
            if discount_share:
                discount = sum(float(line["subtotal"]) - float(line["total"]) for line in lines)
                doc["coupon_lines"] = [
                    {
                        "id": line_id,
                        "code": "save10",
                        "discount": f"{discount:.2f}",
                        "discount_tax": f"{discount * rate / 100:.2f}",
                        "meta_data": [],
                    }
                ]
                line_id += 1
            cart_tax = sum(float(line["total_tax"]) for line in lines)
            doc["tax_lines"] = [
                {
                    "id": line_id,
                    "rate_code": f"{country}-{tax_label.upper().rstrip('.')}-1",
                    "rate_id": 1,
                    "label": tax_label,
                    "compound": False,
                    "tax_total": f"{cart_tax:.2f}",
                    "shipping_tax_total": f"{shipping_tax:.2f}",
                    "rate_percent": rate,
                    "meta_data": [],
                }
            ]
            line_id += 1
            calculate_totals(doc)
            modified = created
            if status in ("processing", "completed", "refunded"):
                doc["date_paid_gmt"] = _stamp(created + timedelta(minutes=rng.randint(0, 30)))
                modified = created + timedelta(minutes=30)
            if status in ("completed", "refunded"):
                completed = created + timedelta(hours=rng.randint(2, 96))
                doc["date_completed_gmt"] = _stamp(completed)
                modified = completed
            if status == "refunded":
                doc["refunds"] = [
                    {"id": next_id, "reason": "Returned", "total": f"-{doc['total']}"}
                ]
                next_id += 1
            posts.append(
                _post_values(
                    order_id,
                    "shop_order",
                    status,
                    created,
                    modified,
                    dumps(compact(doc, blank_order)),
                    name=f"{first} {last}",
                    customer_id=customer_id,
                )
            )
        with store.db.transaction() as connection:
            connection.executemany(INSERT_POST, posts)
    store.reserve_meta_ids(line_id)
