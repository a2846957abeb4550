"""How many requests to keep in flight at one store: a fixed number, or one that tunes itself.

Real hosts range from 2 PHP workers on shared hosting to dozens; a fixed 4 queues requests on
the first (each extra request only waits, and a host that refuses instead of queueing answers
503) and leaves most of the second idle. The adaptive limit is probed the way a careful person
would tune it by hand, one change at a time, judging each by the throughput it gave:

* **Start** at 4 (capped by the maximum) and **double** while the throughput (items written, or
  requests read, per second) rises by at least 10 % (a doubling that gains 5–10 % is kept, and
  ends the doubling; one that gains nothing from the start is undone and halving is tried).
* Then hold the best setting, and every few windows **probe** one step up or one step down:
  up is kept when the throughput rose clearly, down when it did not fall. On a host where more
  requests only queue, the limit so settles at the knee — the fewest requests in flight that
  give the best throughput — instead of piling requests onto a few workers.
* **Back off** multiplicatively: halve on an overload answer (429, 502, 503, 504, 508) or a
  request that got no answer (timeout, dropped connection), at most once per change of the
  limit (the other requests of the same burst were sent under the old limit), and wait longer
  and longer before probing the refused limit again; take a quarter
  off when latency jumps to more than twice its level while throughput falls (the store got
  slower, e.g. other traffic).
* Never above ``maximum`` (``--max-concurrency``), never below 1.

A *window* is judged once as many requests as the limit allows, all sent after the last
change, have come back; windows where the client had less work than the limit (the end of a
run, a caller with fewer threads) are not judged, so the tail of a run cannot talk the limit
down. :class:`ConcurrencyController` holds the rules as a pure state machine (no clock, no
threads: unit-tested by feeding windows); :class:`ConcurrencyLimiter` is the thread-safe gate
the client passes every request through, which measures the windows.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("bulkio.store")

OVERLOAD_STATUSES = frozenset({429, 502, 503, 504, 508})
"""Answers that mean "too much at once": rate limits, proxies and hosts out of workers (508 is
the "resource limit reached" of LiteSpeed/cPanel shared hosting)."""

DEFAULT_INITIAL = 4
CEILING_HOLD_MAX = 64
HALVING_FLOOR = 2
"""The start's halving stops here: with one request in flight the store idles through every
round trip (and a PHP store uses one core); below 2 only refusals and probes one step down go."""
PATIENCE_MAX = 24
"""Most windows between two probes after probes keep failing (the hold doubles each time)."""
PARTIAL_GAIN = 0.05
"""A doubling that gains less than needed to go on doubling, but at least this, is kept."""
DEFAULT_MAXIMUM = 16


@dataclass(frozen=True)
class Window:
    """What one judged stretch of requests achieved."""

    items: float
    """Work finished in the window: batch items for writes, 1 per request otherwise."""
    seconds: float
    latency: float
    """Mean seconds per request that finished in the window."""
    utilisation: float = 1.0
    """Time-averaged share of the limit that had work (in flight or waiting); below
    :data:`MIN_UTILISATION` the window says nothing about the store."""

    @property
    def throughput(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else 0.0


MIN_UTILISATION = 0.85


@dataclass
class ConcurrencyController:
    """The adaptive rules as a pure state machine: feed it windows and overloads, read ``limit``.

    ``gain``: the smallest throughput rise that justifies one more request in flight, as a share
    of the ideal rise (one more of L requests ideally adds 1/L), clamped to 3–10 %; a step down
    is kept when it costs no more than the same share of what it would ideally cost. ``hold``:
    windows at a setting between two probes. ``spike``: latency factor read as a slowdown.
    """

    maximum: int = DEFAULT_MAXIMUM
    initial: int | None = None
    minimum: int = 1
    gain: float = 0.25
    decrease: float = 0.5
    spike_decrease: float = 0.75
    hold: int = 3
    spike: float = 2.0
    latency_cap: float | None = None
    """Seconds: no step up when the answers' mean latency times the step would pass this.

    On a saturated store each extra request in flight makes every answer proportionally
    slower; where a batch already takes half the client's timeout (WooCommerce 7.9 on 2
    cores: 100 creates at 4 in flight, 30 s and more), doubling would send answers into the
    timeout — lost work and a retried batch — for no throughput. The client passes half its
    request timeout."""
    limit: int = field(init=False)
    base_limit: int = field(init=False)
    base_throughput: float | None = field(init=False, default=None)
    base_latency: float | None = field(init=False, default=None)
    starting: bool = field(init=False, default=True)
    waiting: int = field(init=False, default=0)
    next_probe_down: bool = field(init=False, default=False)
    halving: bool = field(init=False, default=False)
    ceiling: int | None = field(init=False, default=None)
    """The last limit a store refused (429/503/…)."""
    ceiling_hold: int = field(init=False, default=0)
    ceiling_wait: int = field(init=False, default=0)
    patience: int = field(init=False, default=0)
    """Windows held between probes now: ``hold``, doubled after each probe that did not pay
    (up to :data:`PATIENCE_MAX`), back to ``hold`` when one pays. At the knee every probe
    costs (a step down loses throughput, a step up only queues): probing less often there
    keeps that cost near 1 % instead of ~6 %."""
    reason: str = field(init=False, default="start")
    """Why the limit last changed, for logs and reports."""

    def __post_init__(self) -> None:
        if self.maximum < 1 or self.minimum < 1 or self.minimum > self.maximum:
            raise ValueError(f"need 1 <= minimum <= maximum, not {self.minimum}..{self.maximum}")
        self._start = DEFAULT_INITIAL if self.initial is None else self.initial
        self.limit = self._clamp(self._start)
        self.base_limit = self.limit
        self.starting = self.limit < self.maximum
        self.waiting = 0 if self.starting else self.hold
        self.patience = self.hold

    def _clamp(self, value: float) -> int:
        return max(self.minimum, min(self.maximum, int(value)))

    def _needed_gain(self, new: int, old: int) -> float:
        ideal = (new - old) / old
        return min(0.10, max(0.03, self.gain * ideal))

    def _settle(self, limit: int, reason: str) -> int:
        """Make ``limit`` the setting held, with its throughput still to be measured."""
        self.limit = self.base_limit = self._clamp(limit)
        self.base_throughput = None
        self.waiting = self.hold
        self.starting = False
        self.reason = reason
        return self.limit

    def on_overload(self) -> int:
        """A refusal (429/503/…) or no answer: halve, then hold before probing again.

        The limit that was refused becomes a ceiling: probing back up to it waits twice as
        many windows each time it is refused again (up to :data:`CEILING_HOLD_MAX`), so a host
        that refuses its third request sees one probe now and then, not a trickle of 503s.
        """
        if self.ceiling is not None and self.limit >= self.ceiling:
            self.ceiling_hold = min(CEILING_HOLD_MAX, self.ceiling_hold * 2)
        else:
            self.ceiling_hold = self.hold * 2
        self.ceiling = self.limit
        self.ceiling_wait = self.ceiling_hold
        return self._settle(math.ceil(self.limit * self.decrease), "overload")

    def on_window(self, window: Window) -> int:
        """Judge one window measured at ``limit``; returns the limit for the next one."""
        if window.utilisation < MIN_UTILISATION or window.seconds <= 0:
            return self.limit  # the client had less work than the limit: nothing learnt
        throughput = window.throughput
        if self.limit != self.base_limit:
            return self._judge_probe(throughput, window.latency)
        if (
            self.base_throughput is not None
            and self.base_latency is not None
            and window.latency > self.spike * self.base_latency
            and throughput < self.base_throughput * 0.8
        ):
            return self._settle(int(self.limit * self.spike_decrease), "latency spike")
        if self.base_throughput is None:
            self.base_throughput, self.base_latency = throughput, window.latency
        else:  # follow the store's pace, leaning to the new figure
            self.base_throughput = 0.4 * self.base_throughput + 0.6 * throughput
            self.base_latency = 0.4 * (self.base_latency or window.latency) + 0.6 * window.latency
        if self.starting:
            return self._probe(self.limit * 2, "start: doubling")
        if self.ceiling_wait > 0:
            self.ceiling_wait -= 1
        if self.waiting > 0:
            self.waiting -= 1
            return self.limit
        down = self.next_probe_down or self.limit >= self.maximum
        self.next_probe_down = not self.next_probe_down
        if down and self.limit > self.minimum:
            return self._probe(self.limit - 1, "probe down")
        below_ceiling = self.ceiling is None or self.limit + 1 < self.ceiling
        if self.limit < self.maximum and (below_ceiling or self.ceiling_wait <= 0):
            return self._probe(self.limit + 1, "probe up")
        self.waiting = self.hold
        return self.limit

    def _probe(self, limit: int, reason: str) -> int:
        if self._too_slow_for(limit):
            # Hold here: a step up would bring answers near the timeout (latency_cap).
            self.limit = self.base_limit
            self.starting = False
            self.waiting = self.hold
            self.reason = "step up would near the timeout"
            return self.limit
        self.limit = self._clamp(limit)
        if self.limit == self.base_limit:
            self.starting = False
            self.waiting = self.hold
        self.reason = reason
        return self.limit

    def _too_slow_for(self, limit: int) -> bool:
        if self.latency_cap is None or self.base_latency is None or limit <= self.base_limit:
            return False
        return self.base_latency * limit / self.base_limit > self.latency_cap

    def _judge_probe(self, throughput: float, latency: float) -> int:
        base = self.base_throughput or 0.0
        if self.limit > self.base_limit:
            if throughput >= base * (1 + self._needed_gain(self.limit, self.base_limit)):
                self.base_limit, self.base_throughput, self.base_latency = (
                    self.limit,
                    throughput,
                    latency,
                )
                if self.starting and self.limit < self.maximum:
                    return self._probe(self.limit * 2, "start: doubling")
                self.starting = False
                self.waiting = 0 if self.limit < self.maximum else self.hold
                self.next_probe_down = False  # it paid: try one more next
                self.patience = self.hold
                self.reason = "probe up kept"
                return self.limit
            if self.starting and throughput >= base * (1 + PARTIAL_GAIN):
                # Doubling gave a little: the knee lies between; keep the larger, stop doubling.
                self.base_limit, self.base_throughput, self.base_latency = (
                    self.limit,
                    throughput,
                    latency,
                )
                self.starting = False
                self.waiting = self.hold
                self.reason = "start: doubling gave a little"
                return self.limit
            never_doubled = self.starting and self.base_limit == self._clamp(self._start)
            if not self.starting:
                self.patience = min(PATIENCE_MAX, self.patience * 2)
            self.starting = False
            self.limit = self.base_limit
            self.waiting = self.patience
            self.reason = "probe up gave nothing"
            if never_doubled and self.limit > max(self.minimum, HALVING_FLOOR):
                # Even the first step up gave nothing: the host may take fewer than we began
                # with; halve while that costs no throughput.
                self.halving = True
                return self._probe(max(self.limit // 2, HALVING_FLOOR), "start: halving")
            return self.limit
        step = (self.base_limit - self.limit) / self.base_limit
        if throughput >= base * (1 - min(0.10, max(0.03, self.gain * step))):
            self.base_limit, self.base_throughput, self.base_latency = (
                self.limit,
                throughput,
                latency,
            )
            self.waiting = self.hold
            self.patience = self.hold
            self.reason = "probe down kept"
            if self.halving and self.limit > max(self.minimum, HALVING_FLOOR):
                return self._probe(max(self.limit // 2, HALVING_FLOOR), "start: halving")
            self.halving = False
            return self.limit
        if not self.halving:
            self.patience = min(PATIENCE_MAX, self.patience * 2)
        self.halving = False
        self.limit = self.base_limit
        self.waiting = self.patience
        self.reason = "probe down cost throughput"
        return self.limit


@dataclass
class Ticket:
    """One request's pass through the limiter."""

    started: float
    generation: int


class ConcurrencyLimiter:
    """A gate for requests whose width a :class:`ConcurrencyController` sets (or a fixed one).

    ``acquire`` blocks while the limit's worth of requests are in flight; ``release`` reports
    the request's outcome. Thread-safe. ``history`` keeps ``(seconds since start, limit,
    reason)`` of every change, for reports and benchmarks.
    """

    def __init__(
        self,
        controller: ConcurrencyController | None = None,
        *,
        fixed: int | None = None,
        name: str = "requests",
        clock: Callable[[], float] = time.monotonic,
        slow: float | None = None,
    ) -> None:
        """``slow``: seconds after which an answer counts as an overload (the client passes
        three quarters of its request timeout: a store that slow is about to time out, measured
        on 7.9 at 8 in flight; half the timeout halved 4 batches of 100 on 7.9 that took 30–34 s
        at 4 in flight, a normal pace there, and cost a quarter of the run)."""
        if (controller is None) == (fixed is None):
            raise ValueError("give a controller or a fixed limit, not both")
        if fixed is not None and fixed < 1:
            raise ValueError(f"a fixed concurrency must be at least 1, not {fixed}")
        self.controller = controller
        self.slow = slow
        self.name = name
        self._clock = clock
        self._cond = threading.Condition()
        self._limit = controller.limit if controller is not None else int(fixed or 1)
        self._in_flight = 0
        self._waiting = 0
        self._generation = 0
        self.peak = 0
        self.overloads = 0
        self._origin = clock()
        self.history: list[tuple[float, int, str]] = [(0.0, self._limit, "start")]
        self._reset_window(self._origin)

    @property
    def adaptive(self) -> bool:
        return self.controller is not None

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _reset_window(self, now: float) -> None:
        self._window_start = now
        self._window_items = 0.0
        self._window_latency = 0.0
        self._window_done = 0
        self._window_current = 0
        self._busy_area = 0.0
        self._last_event = now

    def _account(self, now: float) -> None:
        busy = min(self._in_flight + self._waiting, self._limit)
        self._busy_area += busy * (now - self._last_event)
        self._last_event = now

    def acquire(self) -> Ticket:
        with self._cond:
            self._account(self._clock())
            self._waiting += 1
            try:
                while self._in_flight >= self._limit:
                    self._cond.wait()
                now = self._clock()
                self._account(now)
            finally:
                self._waiting -= 1
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
            return Ticket(started=now, generation=self._generation)

    def release(self, ticket: Ticket, *, items: float = 1.0, overloaded: bool = False) -> None:
        with self._cond:
            now = self._clock()
            self._account(now)
            self._in_flight -= 1
            if self.controller is not None:
                self._observe(ticket, now, items, overloaded)
            self._cond.notify_all()

    def _observe(self, ticket: Ticket, now: float, items: float, overloaded: bool) -> None:
        assert self.controller is not None
        current = ticket.generation == self._generation
        if self.slow is not None and now - ticket.started > self.slow:
            overloaded = True
        if overloaded:
            self.overloads += 1
            if current:  # once per change: the rest of this burst was sent under the old limit
                self._change(self.controller.on_overload(), now)
            return
        self._window_items += items
        self._window_latency += now - ticket.started
        self._window_done += 1
        if current:
            self._window_current += 1
        if self._window_current < self._limit:
            return
        seconds = now - self._window_start
        window = Window(
            items=self._window_items,
            seconds=seconds,
            latency=self._window_latency / self._window_done,
            utilisation=self._busy_area / (seconds * self._limit) if seconds > 0 else 0.0,
        )
        new = self.controller.on_window(window)
        if new != self._limit:
            self._change(new, now)
        else:
            self._reset_window(now)

    def _change(self, new: int, now: float) -> None:
        assert self.controller is not None
        if new != self._limit:
            log.debug(
                "%s in flight: %d → %d (%s)", self.name, self._limit, new, self.controller.reason
            )
            self.history.append((now - self._origin, new, self.controller.reason))
        self._limit = new
        self._generation += 1
        self._reset_window(now)
