"""Paging logic over MockTransport: stable order, concurrency, shift recovery, date cuts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bulkio.export.fetch import OrderQuery, TimeRange, fetch_orders, iter_orders, server_now
from tests.export.fake_store import FakeOrders, order

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def many(count: int) -> list[dict]:  # type: ignore[type-arg]
    start = NOW - timedelta(days=1)
    return [
        order(i, (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S"))
        for i in range(1, count + 1)
    ]


@pytest.mark.parametrize("concurrency", [1, 4])
def test_all_pages_only_needed_fields_stable_order(concurrency: int) -> None:
    store = FakeOrders(many(250), NOW)
    with store.client(max_concurrency=4) as client:
        result = fetch_orders(client, OrderQuery(), ["number", "total"], concurrency=concurrency)
    assert [o["id"] for o in result.orders] == list(range(1, 251))
    assert result.pages == 3 and result.reconciled == 0
    assert set(result.orders[0]) == {
        "id",
        "number",
        "total",
        "date_created_gmt",
        "date_modified_gmt",
    }
    first = store.requests[0]
    assert first["orderby"] == "id" and first["order"] == "asc" and first["per_page"] == "100"
    assert first["_fields"] == "date_created_gmt,date_modified_gmt,id,number,total"
    assert "billing" not in first["_fields"]


@pytest.mark.parametrize("concurrency", [1, 4])
def test_an_order_vanishing_mid_export_does_not_hide_its_neighbour(concurrency: int) -> None:
    """Trashing order 50 after page 1 moves order 101 onto page 1, which was already read."""
    store = FakeOrders(many(250), NOW)

    def trash_after_first_page(fake: FakeOrders, query: dict[str, str]) -> None:
        if len(fake.requests) == 2 and 50 in fake.orders:
            del fake.orders[50]

    store.on_request = trash_after_first_page
    with store.client(max_concurrency=4) as client:
        result = fetch_orders(client, OrderQuery(), ["number"], concurrency=concurrency)
    ids = [o["id"] for o in result.orders]
    assert 101 in ids  # the shifted neighbour was recovered
    assert len(ids) == len(set(ids)) == 250  # 50 was read before it vanished; nothing twice
    assert result.reconciled == 1


def test_new_orders_during_export_land_at_the_end_without_repeats() -> None:
    store = FakeOrders(many(250), NOW)

    def create_while_paging(fake: FakeOrders, query: dict[str, str]) -> None:
        new_id = max(fake.orders) + 1
        fake.orders[new_id] = order(new_id, NOW.strftime("%Y-%m-%dT%H:%M:%S"))

    store.on_request = create_while_paging
    with store.client(max_concurrency=1) as client:
        result = fetch_orders(client, OrderQuery(), ["number"], concurrency=1)
    ids = [o["id"] for o in result.orders]
    assert ids[:250] == list(range(1, 251)) and len(ids) == len(set(ids))


def test_date_windows_are_half_open_in_utc_whatever_the_server_boundary() -> None:
    orders = [
        order(1, "2026-11-24T23:59:59"),
        order(2, "2026-11-25T00:00:00"),
        order(3, "2026-11-25T05:59:59"),
        order(4, "2026-11-25T06:00:00"),
    ]
    store = FakeOrders(orders, NOW)
    window = TimeRange(datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 25, 6, tzinfo=UTC))
    with store.client() as client:
        result = fetch_orders(client, OrderQuery(created=window), ["number"])
    assert [o["id"] for o in result.orders] == [2, 3]
    sent = store.requests[0]
    assert sent["after"] == "2026-11-24T23:59:59" and sent["before"] == "2026-11-25T06:00:01"
    assert sent["dates_are_gmt"] == "true"


def test_status_and_customer_params() -> None:
    store = FakeOrders(
        [order(1, "2026-11-25T00:00:00", status="processing"), order(2, "2026-11-25T00:00:00")], NOW
    )
    with store.client() as client:
        result = fetch_orders(
            client, OrderQuery(statuses=("completed", "refunded"), customer=7), ["number"]
        )
    assert [o["id"] for o in result.orders] == [2]
    assert (
        store.requests[0]["status"] == "completed,refunded" and store.requests[0]["customer"] == "7"
    )


def test_server_clock_comes_from_the_date_header() -> None:
    store = FakeOrders([], NOW)
    with store.client() as client:
        assert server_now(client) == NOW


def test_orders_stream_before_later_pages_are_read() -> None:
    store = FakeOrders(many(250), NOW)
    with store.client(max_concurrency=1) as client:
        stream = iter_orders(client, OrderQuery(), ["number"], concurrency=1)
        first_page = [next(stream) for _ in range(100)]
        assert [o["id"] for o in first_page] == list(range(1, 101))
        assert len(store.requests) == 1  # page 2 is not read until the writer wants it
        rest = list(stream)
    assert [o["id"] for o in rest] == list(range(101, 251))


def test_progress_callback_counts_pages() -> None:
    store = FakeOrders(many(250), NOW)
    calls: list[tuple[int, int]] = []
    with store.client() as client:
        fetch_orders(
            client,
            OrderQuery(),
            ["number"],
            on_page=lambda done, total: calls.append((done, total)),
        )
    assert calls == [(1, 3), (2, 3), (3, 3)]
