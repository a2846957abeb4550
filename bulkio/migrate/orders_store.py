"""What the order import reads from and writes to the store, apart from planning.

* :func:`find_orders` — the orders an import made, by their original number (order meta
  ``_bulkio_source_number``). WooCommerce cannot search meta (``?search=`` looks at addresses
  and item names only; measured on both versions), so the orders are listed with the few
  fields compared (``_fields``); 11.0.1 narrows the list to ``created_via=bulkio-import``
  (its V3 controller filters on it), 7.9 ignores the filter and lists every order.
* :func:`resolve_skus` — SKUs → product / variation ids.
* :func:`find_customers` — e-mails → customer ids (role customer, e-mail without case).
* :func:`post_batch_once` — ``POST orders/batch`` **without the client's retries**: an order
  create has no unique key the store checks, so a retried request whose first attempt was
  saved but not answered would create the orders twice. A failed request is followed by a
  look-up of its numbers instead (:mod:`bulkio.migrate.orders`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bulkio.migrate.orders_build import CREATED_VIA, NUMBER_META, Product, meta_value
from bulkio.plan.stock_state import read_stock_items
from bulkio.store.errors import UnexpectedResponse, error_from_response

ORDER_FIELDS = (
    "id,status,total,currency,customer_id,billing,meta_data,date_created_gmt,date_modified_gmt"
)
PER_PAGE = 100
CUSTOMER_ROLES = ("customer", "subscriber")


def find_orders(
    client: Any,
    numbers: Sequence[str] | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, list[int]]]:
    """Imported orders by original number (all of them, or only ``numbers``), and the numbers
    held by more than one order (ids, lowest first — the lowest is the one kept).
    ``progress`` is called with the orders of each page read."""
    wanted = None if numbers is None else set(numbers)
    found: dict[str, dict[str, Any]] = {}
    twice: dict[str, list[int]] = {}
    params = {
        "_fields": ORDER_FIELDS,
        "created_via": CREATED_VIA,
        "orderby": "id",
        "order": "asc",
    }
    for items in client.iter_pages("orders", params=params, per_page=PER_PAGE):
        if progress is not None:
            progress(len(items))
        for order in items:
            number = meta_value(order, NUMBER_META)
            if number is None or (wanted is not None and number not in wanted):
                continue
            if number in found:
                ids = twice.setdefault(number, [int(found[number]["id"])])
                ids.append(int(order["id"]))
                continue
            found[number] = order
    return found, twice


def resolve_skus(
    client: Any,
    skus: Sequence[str],
    *,
    concurrency: int,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Product]:
    """Lower-cased SKU → the product (or variation with its parent) holding it (the stock
    kind's reader: ``products?sku=`` finds variations too; a whole-catalog read reaches them
    under their parents)."""
    unique = list(dict.fromkeys(s for s in skus if s))
    if not unique:
        return {}
    out: dict[str, Product] = {}
    items, _report = read_stock_items(client, unique, concurrency=concurrency, progress=progress)
    for item in items:
        sku = str(item.get("sku") or "").lower()
        if not sku or sku in out:
            continue
        parent = int(item.get("parent_id") or 0)
        if item.get("type") == "variation" or parent:
            out[sku] = Product(parent, int(item["id"]))
        else:
            out[sku] = Product(int(item["id"]))
    return out


def find_customers(client: Any, emails: Sequence[str], *, concurrency: int) -> dict[str, int]:
    """Lower-cased e-mail → customer id, for the e-mails that belong to a customer of the
    store (role customer or subscriber; WordPress compares addresses without case). Read the
    way the customers import reads users: every user listed, or one ``?email=`` per address,
    whichever costs fewer requests. A user of another role (an administrator, a shop manager)
    is not made the customer of an imported order: the order is a guest order."""
    from bulkio.migrate.customers import find_users

    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e and "@" in e))
    users = find_users(client, wanted, concurrency=concurrency)
    return {
        email: int(user["id"])
        for email, user in users.items()
        if str(user.get("role") or "") in CUSTOMER_ROLES and user.get("id")
    }


def post_batch_once(client: Any, route: str, body: dict[str, Any]) -> dict[str, Any]:
    """``POST <route>/batch`` once (no retry: see the module docstring); the decoded answer.
    Raises the store's error (``StoreError``) when it answers one or none at all."""
    send = getattr(client, "send", None)
    api_root = getattr(client, "api_root", None)
    if send is None or api_root is None:  # a client that is not a StoreClient: its own batch
        result = client.batch(route, create=body.get("create", ()), update=body.get("update", ()))
        return {
            "create": [item.data if item.ok else {"error": item.error} for item in result.create],
            "update": [item.data if item.ok else {"error": item.error} for item in result.update],
        }
    url, extra = api_root.url(f"{route}/batch")
    response = send(
        "POST", url, params=extra, json_body=body, route=f"{route}/batch", max_attempts=1
    )
    if not response.is_success:
        raise error_from_response(response)
    answer = response.json()
    if not isinstance(answer, dict):
        raise UnexpectedResponse(
            f"expected an object from POST {route}/batch, got {type(answer).__name__}",
            status=response.status_code,
        )
    return answer
