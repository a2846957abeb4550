"""A mapping owning a field the store's WooCommerce does not have is refused before any write.

WooCommerce 7.9 has no ``global_unique_id`` (GTIN arrived in 9.2): it drops the value on every
write and never returns it, so without this check a feed would "update" every product each night.
The schemas below are the shape both real stores answer to ``OPTIONS products?_fields=schema``.
"""

from __future__ import annotations

from typing import Any

import pytest

from bulkio.errors import MappingError
from bulkio.plan.state import check_store_has_fields


class Answer:
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    def json(self) -> dict[str, Any]:
        return self.body


class SchemaStore:
    def __init__(self, properties: list[str]) -> None:
        self.properties = properties
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []

    def request(self, method: str, route: str, *, params: dict[str, Any] | None = None) -> Answer:
        self.requests.append((method, route, params))
        return Answer({"schema": {"properties": {name: {} for name in self.properties}}})


def test_a_store_without_gtin_refuses_a_mapping_owning_it() -> None:
    store = SchemaStore(["id", "sku", "name"])  # WooCommerce 7.9
    with pytest.raises(MappingError) as caught:
        check_store_has_fields(store, ["name", "global_unique_id"], mapping_path="feed.toml")
    message = str(caught.value)
    assert "feed.toml" in message and "fields.global_unique_id" in message
    assert "9.2" in message and "meta:" in message
    assert store.requests == [("OPTIONS", "products", {"_fields": "schema"})]


def test_a_store_with_gtin_accepts_it() -> None:
    store = SchemaStore(["id", "sku", "name", "global_unique_id"])  # WooCommerce 11
    check_store_has_fields(store, ["global_unique_id"], mapping_path="feed.toml")
    assert len(store.requests) == 1


def test_mappings_without_versioned_fields_cost_no_request() -> None:
    store = SchemaStore([])
    check_store_has_fields(store, ["name", "regular_price", "meta:gtin"])
    assert store.requests == []
