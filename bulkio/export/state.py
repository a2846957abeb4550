"""The high-water mark of incremental exports (``--since-last-run``).

One small JSON file per store and mapping. It holds the end of the last exported window: the
next run exports ``[high_water, now − margin)``, so consecutive runs tile time with no gap and no
overlap. Windows are cut on the store's clock in whole seconds; an order created or changed in
the same second as the cut has a timestamp ≥ the cut and lands in the next run, however many
changes that second saw.

The file names the store by URL (never keys) and the mapping by path. It is replaced atomically
and only after the export file itself is complete, so a failed run repeats its window next time.

Default place: ``$BULKIO_HOME/state/`` when set, else ``./.bulkio/state/`` in the working
directory; ``--state-file`` overrides.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bulkio.atomicfile import write_atomically
from bulkio.errors import BulkioError, UsageError
from bulkio.runs import store_slug

STATE_VERSION = 1


class IdRanges:
    """A set of order ids stored as sorted, merged ``[first, last]`` ranges.

    Order ids grow roughly in sequence, so a million exported orders are a few hundred ranges in
    the state file instead of a million numbers; membership is a binary search.
    """

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()) -> None:
        self.ranges = _merge_ranges(list(ranges))
        self._starts = [first for first, _ in self.ranges]

    def __contains__(self, order_id: object) -> bool:
        if not isinstance(order_id, int):
            return False
        index = bisect.bisect_right(self._starts, order_id) - 1
        return index >= 0 and self.ranges[index][1] >= order_id

    def __len__(self) -> int:
        return sum(last - first + 1 for first, last in self.ranges)

    def with_ids(self, ids: Iterable[int]) -> IdRanges:
        return IdRanges([*self.ranges, *((i, i) for i in ids)])


def _merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


@dataclass(frozen=True)
class ExportState:
    store: str
    mapping: str
    mode: str
    high_water: datetime
    finished_at: str = ""
    orders: int = 0
    output: str = ""
    exported: IdRanges | None = None
    """``once = true``: every order id exported so far."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": STATE_VERSION,
            "store": self.store,
            "mapping": self.mapping,
            "mode": self.mode,
            "high_water": self.high_water.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "last_run": {
                "finished_at": self.finished_at,
                "orders": self.orders,
                "output": self.output,
            },
        }
        if self.exported is not None:
            data["exported_ids"] = [list(r) for r in self.exported.ranges]
        return data


def state_home() -> Path:
    home = os.environ.get("BULKIO_HOME", "").strip()
    if home:
        return Path(home).expanduser() / "state"
    return Path.cwd() / ".bulkio" / "state"


def default_state_path(store_url: str, mapping_path: str | Path) -> Path:
    """``<state dir>/<store>--<mapping stem>-<hash>.json``; the hash tells apart two mappings
    with the same file name in different directories."""
    resolved = str(Path(mapping_path).resolve())
    digest = hashlib.sha256(f"{store_url}\n{resolved}".encode()).hexdigest()[:8]
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in Path(mapping_path).stem)
    return state_home() / f"{store_slug(store_url)}--{stem}-{digest}.json"


def load_state(path: Path, *, store: str, mode: str) -> ExportState | None:
    """The saved state, or None for a first run. Refuses a file for another store or mode."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise BulkioError(
            f"{path}: cannot read the incremental state: {exc}",
            hint="if the file is damaged, restore it from backup or delete it (the next run then "
            "exports everything up to now)",
        ) from None
    try:
        high_water = datetime.fromisoformat(str(data["high_water"]).replace("Z", "+00:00"))
        state = ExportState(
            store=str(data["store"]),
            mapping=str(data.get("mapping", "")),
            mode=str(data["mode"]),
            high_water=high_water.astimezone(UTC),
            finished_at=str(data.get("last_run", {}).get("finished_at", "")),
            orders=int(data.get("last_run", {}).get("orders", 0)),
            output=str(data.get("last_run", {}).get("output", "")),
            exported=IdRanges(
                (int(first), int(last)) for first, last in data.get("exported_ids", [])
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BulkioError(f"{path}: incremental state is malformed ({exc})") from None
    if state.store != store:
        raise UsageError(
            f"{path}: this state belongs to {state.store}, not {store}",
            hint="give each store its own --state-file (or leave it out to use the default)",
        )
    if state.mode != mode:
        raise UsageError(
            f"{path}: the state tracks {state.mode!r} orders but the mapping now says "
            f"incremental = {mode!r}",
            hint="use a new --state-file for the new mode (and --after for where it should start)",
        )
    return state


def save_state(path: Path, state: ExportState) -> None:
    """Replace the state file atomically (bulkio.atomicfile; private: mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(state.to_json(), indent=2) + "\n", private=True)
