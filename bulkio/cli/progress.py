"""Progress bars: one kind for every long step of every command (reading the feed, reading
the store, writing, exporting).

A bar shows the count done, the total when known and the rate (``1,200/2,000 row
[350 row/s]``). Bars go to stderr, never to stdout, so a diff or a JSON document piped
somewhere stays clean; they are drawn only on a terminal, or when asked with
``BULKIO_PROGRESS=1`` (``0`` turns them off everywhere), and never with ``--json`` or
``--quiet``. On a terminal a bar appears only after a second: short steps stay quiet.
tqdm is imported only when a bar is drawn (it costs a command's start 20-40 ms otherwise).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tqdm import tqdm

ENV = "BULKIO_PROGRESS"
"""``1``: draw bars even when stderr is not a terminal (a log file); ``0``: never."""


def bars_wanted(*, quiet: bool = False, as_json: bool = False) -> bool:
    """Whether progress bars are drawn: not for --quiet or --json, then as BULKIO_PROGRESS
    says, else only when stderr is a terminal."""
    if quiet or as_json:
        return False
    forced = os.environ.get(ENV, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty is not None and isatty())


def _logged() -> bool:
    """Bars asked for where stderr is no terminal (a log file): drawn at once and left in
    place when done, so the log keeps each step's count and rate."""
    isatty = getattr(sys.stderr, "isatty", None)
    return not (isatty is not None and isatty())


def _nothing(_done: int) -> None:
    """``advance`` of a bar that is not drawn."""


@contextmanager
def progress_bar(
    desc: str, total: int | None, unit: str, *, quiet: bool = False, as_json: bool = False
) -> Iterator[Callable[[int], object]]:
    """A bar on stderr; yields ``advance(n)`` (n more done). Disabled bars cost nothing."""
    if not bars_wanted(quiet=quiet, as_json=as_json):
        yield _nothing
        return
    from tqdm import tqdm

    logged = _logged()
    with tqdm(
        total=total,
        desc=desc,
        unit=f" {unit}",
        unit_scale=False,
        file=sys.stderr,
        delay=0.0 if logged else 1.0,
        leave=logged,
        dynamic_ncols=True,
    ) as bar:
        yield bar.update


class PageBar:
    """``on_page(done, total)`` callbacks (the exports' page readers) as one bar whose total
    grows as it becomes known."""

    def __init__(self, desc: str, unit: str, *, quiet: bool, as_json: bool) -> None:
        self.desc, self.unit = desc, unit
        self.enabled = bars_wanted(quiet=quiet, as_json=as_json)
        self.bar: tqdm[object] | None = None

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, desc=self.desc, unit=f" {self.unit}", file=sys.stderr, leave=_logged()
            )
        if total is not None:
            self.bar.total = max(self.bar.total or 0, total)
        self.bar.update(max(0, done - self.bar.n))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
