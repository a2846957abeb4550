"""A tiny in-memory ``/wc/v3/orders`` behind ``httpx.MockTransport`` for paging unit tests.

It follows the real endpoint where the export depends on it: ``orderby=id&order=asc``,
``page``/``per_page``, ``X-WP-Total``/``X-WP-TotalPages``, ``_fields``, ``include``, ``status``,
exclusive ``after``/``before``/``modified_*`` compared in GMT when ``dates_are_gmt=true``, and a
``Date`` header. ``on_request`` lets a test change the data between two requests.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx

from bulkio.config import ConnectionSettings
from bulkio.store import ApiRoot, StoreClient


class FakeOrders:
    def __init__(self, orders: list[dict[str, Any]], now: datetime) -> None:
        self.orders = {int(o["id"]): o for o in orders}
        self.now = now
        self.requests: list[dict[str, str]] = []
        self.on_request: Callable[[FakeOrders, dict[str, str]], None] | None = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        query = dict(parse_qsl(request.url.query.decode()))
        self.requests.append(query)
        if self.on_request:
            self.on_request(self, query)
        assert query.get("orderby", "id") == "id" and query.get("order", "asc") == "asc"
        gmt = query.get("dates_are_gmt") == "true"
        selected = sorted(self.orders.values(), key=lambda o: o["id"])
        if "include" in query:
            wanted = {int(x) for x in query["include"].split(",")}
            selected = [o for o in selected if o["id"] in wanted]
        if "status" in query:
            statuses = set(query["status"].split(","))
            selected = [o for o in selected if o["status"] in statuses]
        for param, field, keep in (
            ("after", "date_created", lambda v, b: v > b),
            ("before", "date_created", lambda v, b: v < b),
            ("modified_after", "date_modified", lambda v, b: v > b),
            ("modified_before", "date_modified", lambda v, b: v < b),
        ):
            if param in query:
                assert gmt, "bulkio must send dates_are_gmt=true"
                bound = query[param]
                selected = [o for o in selected if keep(o[f"{field}_gmt"], bound)]
        per_page = int(query.get("per_page", 10))
        page = int(query.get("page", 1))
        total = len(selected)
        items = selected[(page - 1) * per_page : page * per_page]
        if "_fields" in query:
            fields = query["_fields"].split(",")
            items = [{k: v for k, v in o.items() if k in fields or k == "id"} for o in items]
        headers = {
            "X-WP-Total": str(total),
            "X-WP-TotalPages": str(max(1, -(-total // per_page))),
            "Date": email.utils.format_datetime(self.now.astimezone(UTC), usegmt=True),
        }
        return httpx.Response(200, content=json.dumps(items).encode(), headers=headers)

    def client(self, **kwargs: Any) -> StoreClient:
        settings = ConnectionSettings(url="https://shop.test", key="ck_test", secret="cs_test")
        return StoreClient(
            settings,
            transport=httpx.MockTransport(self.handler),
            api_root=ApiRoot(site="https://shop.test", form="pretty"),
            sleep=lambda s: None,
            **kwargs,
        )


def order(
    order_id: int, created: str, modified: str | None = None, status: str = "completed"
) -> dict[str, Any]:
    return {
        "id": order_id,
        "number": str(order_id),
        "status": status,
        "total": "10.00",
        "date_created_gmt": created,
        "date_modified_gmt": modified or created,
        "billing": {"email": f"c{order_id}@example.com"},
    }
