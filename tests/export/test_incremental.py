"""--since-last-run over MockTransport with a controlled store clock: several runs, orders arriving
between and during runs, same-second changes, crashes, the lock."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bulkio.errors import LockedError
from bulkio.export import (
    Incremental,
    OrderQuery,
    TimeRange,
    export_orders,
    load_state,
    parse_export_mapping,
)
from bulkio.runlock import RunLock
from tests.export.fake_store import FakeOrders, order

T0 = datetime(2026, 11, 25, 2, 0, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def mapping(mode: str):  # type: ignore[no-untyped-def]
    return parse_export_mapping(
        {
            "output": {"incremental": mode},
            "columns": [
                {"header": "id", "field": "id"},
                {"header": "modified", "field": "date_modified_gmt"},
            ],
        },
        "inc.toml",
    )


def run(store: FakeOrders, tmp_path: Path, name: str, mode: str = "created", **kwargs) -> list[int]:  # type: ignore[no-untyped-def]
    out = tmp_path / f"{name}.csv"
    with store.client(max_concurrency=4) as client:
        export_orders(
            client,
            mapping(mode),
            out,
            incremental=Incremental(tmp_path / "state.json", 0),
            **kwargs,
        )
    with out.open(encoding="utf-8") as handle:
        return [int(row["id"]) for row in csv.DictReader(handle)]


def test_runs_tile_time_no_gaps_no_repeats_with_orders_arriving_between_and_during_runs(
    tmp_path: Path,
) -> None:
    store = FakeOrders(
        [order(i, stamp(T0 - timedelta(hours=1, seconds=-i))) for i in range(1, 231)], T0
    )
    exported: list[int] = []
    exported += run(store, tmp_path, "run1")
    assert exported == list(range(1, 231))

    # Between runs: orders arrive. During run 2 (while paging) more arrive, stamped with the
    # store's current second — they belong to run 3.
    store.orders.update(
        {i: order(i, stamp(T0 + timedelta(seconds=i - 230))) for i in range(231, 236)}
    )
    store.now = T0 + timedelta(minutes=5)

    def arrive_while_paging(fake: FakeOrders, query: dict[str, str]) -> None:
        if query.get("page") == "1" and query.get("per_page") == "100":
            new_id = max(fake.orders) + 1
            fake.orders[new_id] = order(new_id, stamp(fake.now))

    store.on_request = arrive_while_paging
    second = run(store, tmp_path, "run2")
    assert second == list(range(231, 236))
    exported += second
    store.on_request = None

    store.now += timedelta(minutes=5)
    third = run(store, tmp_path, "run3")
    assert third and min(third) == 236
    exported += third
    assert sorted(exported) == sorted(store.orders) and len(exported) == len(set(exported))

    state = load_state(tmp_path / "state.json", store="https://shop.test", mode="created")
    assert state is not None and state.high_water == store.now
    fourth = run(store, tmp_path, "run4")  # nothing new: header only, state stays
    assert fourth == []


def test_same_second_changes_belong_to_one_window(tmp_path: Path) -> None:
    s = T0 - timedelta(seconds=1)
    store = FakeOrders([order(1, stamp(s)), order(2, stamp(T0))], T0)
    # The window ends at T0 (exclusive): order 2, stamped in the run's own second, waits.
    assert run(store, tmp_path, "a", mode="modified") == [1]
    # Order 1 changes twice within one later second, order 2 once in that same second.
    later = T0 + timedelta(seconds=30)
    store.orders[1]["date_modified_gmt"] = stamp(later)
    store.orders[1]["total"] = "11.00"
    store.orders[1]["total"] = "12.00"
    store.orders[2]["date_modified_gmt"] = stamp(later)
    store.now = later + timedelta(seconds=1)
    assert run(store, tmp_path, "b", mode="modified") == [1, 2]
    assert run(store, tmp_path, "c", mode="modified") == []


def test_the_safety_margin_leaves_the_last_seconds_to_the_next_run(tmp_path: Path) -> None:
    store = FakeOrders(
        [order(1, stamp(T0 - timedelta(seconds=90))), order(2, stamp(T0 - timedelta(seconds=30)))],
        T0,
    )
    out = tmp_path / "m.csv"
    with store.client() as client:
        result = export_orders(
            client, mapping("created"), out, incremental=Incremental(tmp_path / "s.json", 60)
        )
    assert (
        result.orders == 1
        and result.window is not None
        and result.window.end == T0 - timedelta(seconds=60)
    )


def test_a_failed_write_leaves_no_file_and_does_not_advance_the_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FakeOrders(
        [order(i, stamp(T0 - timedelta(minutes=10, seconds=-i))) for i in range(1, 6)], T0
    )
    assert run(store, tmp_path, "first") == [1, 2, 3, 4, 5]
    state_before = (tmp_path / "state.json").read_bytes()
    store.orders.update({i: order(i, stamp(T0 + timedelta(seconds=i))) for i in range(6, 9)})
    store.now = T0 + timedelta(minutes=1)

    import bulkio.writers as writers_module

    real_write = writers_module.write_rows

    def crash(target, fmt, m, rows, *, overwrite):  # type: ignore[no-untyped-def]
        def half(rows_iter):  # type: ignore[no-untyped-def]
            for index, row in enumerate(rows_iter):
                if index == 2:
                    raise OSError(28, "No space left on device")
                yield row

        return real_write(target, fmt, m, half(rows), overwrite=overwrite)

    monkeypatch.setattr(writers_module, "write_rows", crash)
    with pytest.raises(OSError, match="No space"):
        run(store, tmp_path, "second")
    assert not (tmp_path / "second.csv").exists()
    assert (tmp_path / "state.json").read_bytes() == state_before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.setattr(writers_module, "write_rows", real_write)
    assert run(store, tmp_path, "second") == [6, 7, 8]  # the same window, repeated


def test_a_second_run_on_the_same_state_is_refused(tmp_path: Path) -> None:
    store = FakeOrders([], T0)
    with RunLock(tmp_path / "state.json.lock"), pytest.raises(LockedError) as info:
        run(store, tmp_path, "x")
    assert info.value.exit_code == 5


def test_user_filters_narrow_the_window(tmp_path: Path) -> None:
    store = FakeOrders(
        [
            order(1, stamp(T0 - timedelta(hours=3))),
            order(2, stamp(T0 - timedelta(hours=1)), status="processing"),
            order(3, stamp(T0 - timedelta(minutes=30))),
        ],
        T0,
    )
    query = OrderQuery(statuses=("completed",), created=TimeRange(T0 - timedelta(hours=2), None))
    assert run(store, tmp_path, "f", query=query) == [3]


def test_id_ranges() -> None:
    from bulkio.export.state import IdRanges

    ids = IdRanges().with_ids([5, 3, 4, 10, 1]).with_ids([2, 11, 11])
    assert ids.ranges == [(1, 5), (10, 11)]
    assert 3 in ids and 10 in ids and 6 not in ids and 0 not in ids and 12 not in ids
    assert len(ids) == 7


def test_once_exports_each_order_when_it_first_reaches_a_status(tmp_path: Path) -> None:
    """Accounting wants completed orders, each exactly once, although orders are completed
    days after they were created and may be changed again afterwards."""
    mapping_once = parse_export_mapping(
        {
            "output": {"incremental": "modified", "once": True},
            "columns": [{"header": "id", "field": "id"}],
        },
        "once.toml",
    )
    store = FakeOrders(
        [
            order(1, stamp(T0 - timedelta(hours=2)), status="completed"),
            order(2, stamp(T0 - timedelta(hours=2)), status="processing"),
        ],
        T0,
    )
    completed = OrderQuery(statuses=("completed",))

    def run_once(name: str) -> list[int]:
        out = tmp_path / f"{name}.csv"
        with store.client() as client:
            export_orders(
                client,
                mapping_once,
                out,
                query=completed,
                incremental=Incremental(tmp_path / "s.json", 0),
            )
        with out.open(encoding="utf-8") as handle:
            return [int(row["id"]) for row in csv.DictReader(handle)]

    assert run_once("night1") == [1]
    # Order 2 is completed the next day; order 1 gets a note (modified again, still completed).
    store.now = T0 + timedelta(days=1)
    store.orders[2].update(
        status="completed", date_modified_gmt=stamp(store.now - timedelta(hours=1))
    )
    store.orders[1].update(date_modified_gmt=stamp(store.now - timedelta(hours=1)))
    assert run_once("night2") == [2]
    store.now += timedelta(days=1)
    store.orders[2].update(date_modified_gmt=stamp(store.now - timedelta(minutes=5)))
    assert run_once("night3") == []
    state = load_state(tmp_path / "s.json", store="https://shop.test", mode="modified")
    assert state is not None and state.exported is not None and state.exported.ranges == [(1, 2)]


def test_once_needs_modified_mode() -> None:
    from bulkio.errors import MappingError

    with pytest.raises(MappingError, match="once = true only makes sense"):
        parse_export_mapping(
            {"output": {"once": True}, "columns": [{"header": "id", "field": "id"}]}, "x.toml"
        )
