"""``export_orders``: fetch → rows → file (→ incremental state), the library behind the CLI."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bulkio.export.fetch import FetchStats, OrderQuery, TimeRange, iter_orders, server_now
from bulkio.export.mapping import ExportMapping
from bulkio.export.rows import MaskMode, RowBuilder
from bulkio.export.state import (
    ExportState,
    IdRanges,
    default_state_path,
    load_state,
    save_state,
)
from bulkio.runlock import RunLock
from bulkio.store import StoreClient

DEFAULT_MARGIN_SECONDS = 60.0
"""How far behind the store's clock an incremental window ends: orders still being saved when
the run starts (their transaction not yet visible) are left to the next run rather than missed."""


@dataclass(frozen=True)
class Incremental:
    """``--since-last-run``: where the state lives and how far behind "now" a window ends."""

    state_file: Path | None = None
    margin_seconds: float = DEFAULT_MARGIN_SECONDS


@dataclass(frozen=True)
class ExportResult:
    output: Path
    format: str
    orders: int
    rows: int
    pages: int
    requests: int
    seconds: float
    fetch_seconds: float
    reconciled: int = 0
    window: TimeRange | None = None
    state_file: Path | None = None
    skipped: int = 0
    """Orders left out because an earlier run exported them (``once = true``)."""


def export_orders(
    client: StoreClient,
    mapping: ExportMapping,
    output: str | Path,
    *,
    fmt: str | None = None,
    query: OrderQuery | None = None,
    overwrite: bool = False,
    mask: MaskMode | None = None,
    incremental: Incremental | None = None,
    concurrency: int | None = None,
    on_page: Callable[[int, int], None] | None = None,
    on_fetched: Callable[[FetchStats], None] | None = None,
) -> ExportResult:
    """Export the orders ``query`` selects to ``output`` as ``mapping`` says.

    Orders stream from the store into the writer page by page (memory stays flat). The file
    appears only when complete (atomic rename); with ``incremental`` the state file advances
    only after that, under a lock that keeps two runs for the same state apart.
    """
    # bulkio.writers imports bulkio.export (mappings, rows); importing it here, not at the top,
    # keeps `import bulkio.writers` and `import bulkio.export` working in either order.
    from bulkio import writers

    started = time.perf_counter()
    target = Path(output)
    chosen = writers.choose_format(target, fmt, mapping.output.format)
    writers.check_writable(target, overwrite=overwrite)
    query = query or OrderQuery()
    requests_before = client.stats.requests
    stats = FetchStats()

    def orders(selected: OrderQuery) -> Iterator[dict[str, Any]]:
        yield from iter_orders(
            client,
            selected,
            mapping.store_fields(),
            concurrency=concurrency,
            on_page=on_page,
            stats=stats,
        )
        if on_fetched:
            on_fetched(stats)

    if incremental is None:
        rows = _write(target, chosen, mapping, orders(query), mask, overwrite)
        return _result(target, chosen, stats, rows, client, requests_before, started)

    mode = mapping.output.incremental
    state_path = incremental.state_file or default_state_path(client.site, mapping.path)
    with RunLock(state_path.with_name(state_path.name + ".lock")):
        state = load_state(state_path, store=client.site, mode=mode)
        now = server_now(client)
        end = (now - timedelta(seconds=incremental.margin_seconds)).replace(microsecond=0)
        window = TimeRange(state.high_water if state else None, end)
        if mode == "created":
            window = window.intersect(query.created)
            windowed = replace(query, created=window)
        else:
            window = window.intersect(query.modified)
            windowed = replace(query, modified=window)
        once = mapping.output.once
        exported = state.exported if state and state.exported is not None else IdRanges()
        first_time: list[int] = []
        skipped = 0

        def not_exported_before(stream: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
            nonlocal skipped
            for order in stream:
                order_id = int(order["id"])
                if order_id in exported:
                    skipped += 1
                    continue
                first_time.append(order_id)
                yield order

        selected: Iterator[dict[str, Any]] = iter(()) if window.empty else orders(windowed)
        if once:
            selected = not_exported_before(selected)
        rows = _write(target, chosen, mapping, selected, mask, overwrite)
        # Only now, with the file complete under its name, does the high-water mark move.
        high_water = window.end if window.end is not None else end
        if state is None or high_water > state.high_water or first_time:
            save_state(
                state_path,
                ExportState(
                    store=client.site,
                    mapping=str(Path(mapping.path).resolve()),
                    mode=mode,
                    high_water=high_water,
                    finished_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    orders=stats.orders - skipped,
                    output=str(target.resolve()),
                    exported=exported.with_ids(first_time) if once else None,
                ),
            )
    result = _result(target, chosen, stats, rows, client, requests_before, started)
    return replace(
        result,
        orders=result.orders - skipped,
        window=window,
        state_file=state_path,
        skipped=skipped,
    )


def _write(
    target: Path,
    fmt: str,
    mapping: ExportMapping,
    orders: Iterator[dict[str, Any]],
    mask: MaskMode | None,
    overwrite: bool,
) -> int:
    from bulkio import writers

    builder = RowBuilder(mapping, mask=mask)
    return writers.write_rows(target, fmt, mapping, builder.rows(orders), overwrite=overwrite)


def _result(
    target: Path,
    fmt: str,
    stats: FetchStats,
    rows: int,
    client: StoreClient,
    requests_before: int,
    started: float,
) -> ExportResult:
    return ExportResult(
        output=target,
        format=fmt,
        orders=stats.orders,
        rows=rows,
        pages=stats.pages,
        requests=client.stats.requests - requests_before,
        seconds=time.perf_counter() - started,
        fetch_seconds=stats.seconds,
        reconciled=stats.reconciled,
    )
