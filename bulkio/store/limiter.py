"""How many requests to keep in flight at one store: a fixed number, or one that tunes itself.

Real hosts range from 2 PHP workers on shared hosting to dozens; a fixed 4 queues requests on
the first (each extra request only waits, and a host that refuses instead of queueing answers
503) and leaves most of the second idle. The adaptive limit is tuned the way a careful person
would tune it by hand, one change at a time, judging each by the throughput (items written, or
requests read, per second) it gave, and trusting a measurement only as far as the machine's
noise allows. The two directions are not alike: on a host that queues, a request too many only
waits (a little latency), while a request too few leaves a worker idle (throughput lost), so
moving up needs little evidence and moving down on throughput alone needs much.

* **Start** at 4 (capped by the maximum) and **double** while the throughput rises by at least
  10 % (a doubling that gains 5–10 % is kept and ends the doubling). A doubling that gains less
  goes back to the last setting that paid, never below the start: on noise alone the start
  does not halve (it used to, and on a loaded 2-core machine walked 4 → 8 → 2 → 1).
* Then **hold** the best setting and every few windows **probe** a step up or down (a quarter
  of the limit, at least 1: one step of 16 would change the throughput by 6 %, less than the
  noise of a loaded machine). Up is kept when the throughput rose by the share a step should
  give, and by more than the noise. **Down is tried only where a real loss would stand out of
  the noise** (the loss the step would cause below the knee is at least three times the
  window-to-window spread measured at the held setting) and is kept only if the throughput
  held over two windows. So the limit settles at the knee — the fewest requests in flight
  that give the best throughput — on a quiet host, and stays where the start put it when the
  machine is too noisy to tell.
* Probes that do not pay make the hold before the next one twice as long (up to
  :data:`PATIENCE_MAX` windows): at the knee every probe costs something.
* **Cut hard only on the store's own word**: halve on an overload answer (429, 502, 503, 504,
  508) or a request that got no answer (timeout, dropped connection), at most once per change
  of the limit (the other requests of the same burst were sent under the old limit), and wait
  longer and longer before probing the refused limit again. An answer that took most of the
  timeout but came takes one step off (the next one at this pace would time out). A latency
  jump (per item, so smaller batches do not fool it) with throughput falling far beyond the
  noise, two windows running, takes a quarter off (the store got slower, e.g. other traffic).
* Never above ``maximum`` (``--max-concurrency``), never below 1, and never below 2 on
  throughput alone (:data:`THROUGHPUT_FLOOR`).

A *window* is judged once as many requests as the limit allows (at least
:data:`MIN_WINDOW`: one or two answers say nothing on a busy machine), all sent after the last
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
PATIENCE_MAX = 24
"""Most windows between two probes after probes keep failing (the hold doubles each time)."""
PARTIAL_GAIN = 0.05
"""A doubling that gains less than needed to go on doubling, but at least this, is kept."""
DEFAULT_MAXIMUM = 16
THROUGHPUT_FLOOR = 2
"""Throughput alone (probes, latency jumps) never takes the limit below this; only the store's
own word (refusals, timeouts, answers near the timeout) does. With one request in flight the
store idles through every round trip, and a 1-worker host that queues loses nothing at 2."""
MIN_WINDOW = 4
"""Fewest answers a window is judged on. At 1 or 2 in flight a window of one round is one or
two answers, whose times on a loaded machine vary by half: the traces that walked the limit
down to 1 were judged on such windows."""
CONFIRM = 2
"""Windows a step down is measured before it is kept (its mean is judged)."""
NOISE_MARGIN = 3.0
"""A step down is tried only when the loss it would cause below the knee is at least this many
times the measured window-to-window spread (else a loss could not be told from noise)."""
SPIKE_FALL = 0.2
"""A latency jump counts only with throughput down by this share, or three spreads if more."""


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
    requests: int = 0
    """Requests that finished in the window (0: unknown, latency is then taken per request)."""

    @property
    def throughput(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else 0.0

    @property
    def item_latency(self) -> float:
        """Seconds per item of the requests' mean: a batch of 50 takes longer than one of 25
        without the store being any slower."""
        if self.requests <= 0 or self.items <= 0:
            return self.latency
        return self.latency * self.requests / self.items


MIN_UTILISATION = 0.85


@dataclass
class ConcurrencyController:
    """The adaptive rules as a pure state machine: feed it windows and overloads, read ``limit``.

    ``gain``: the smallest throughput rise that justifies more requests in flight, as a share
    of the ideal rise (L+s instead of L ideally adds s/L), clamped to 3–10 %; a step down is
    kept when it costs no more than the same share of what it would ideally cost. ``hold``:
    windows at a setting between two probes. ``spike``: per-item latency factor read as a
    slowdown.
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
    """Mean seconds per request at the held setting (for ``latency_cap``)."""
    base_item_latency: float | None = field(init=False, default=None)
    """Mean seconds per item at the held setting (for latency jumps)."""
    starting: bool = field(init=False, default=True)
    waiting: int = field(init=False, default=0)
    next_probe_down: bool = field(init=False, default=False)
    ceiling: int | None = field(init=False, default=None)
    """The last limit a store refused (429/503/…)."""
    ceiling_hold: int = field(init=False, default=0)
    ceiling_wait: int = field(init=False, default=0)
    patience: int = field(init=False, default=0)
    """Windows held between probes now: ``hold``, doubled after each probe that did not pay
    (up to :data:`PATIENCE_MAX`), back to ``hold`` when one pays. At the knee every probe
    costs (a step down loses throughput, a step up only queues): probing less often there
    keeps that cost near 1 % instead of ~6 %."""
    spread: float | None = field(init=False, default=None)
    """The machine's noise: a running mean of the relative change of throughput between two
    windows at the same setting (None until two such windows were seen)."""
    last_held: float | None = field(init=False, default=None)
    probe_seen: list[float] = field(init=False, default_factory=list)
    spikes: int = field(init=False, default=0)
    reason: str = field(init=False, default="start")
    """Why the limit last changed, for logs and reports."""

    def __post_init__(self) -> None:
        if self.maximum < 1 or self.minimum < 1 or self.minimum > self.maximum:
            raise ValueError(f"need 1 <= minimum <= maximum, not {self.minimum}..{self.maximum}")
        self._start = self._clamp(DEFAULT_INITIAL if self.initial is None else self.initial)
        self.limit = self.base_limit = self._start
        self.starting = self.limit < self.maximum
        self.waiting = 0 if self.starting else self.hold
        self.patience = self.hold

    def _clamp(self, value: float) -> int:
        return max(self.minimum, min(self.maximum, int(value)))

    def _needed_gain(self, new: int, old: int) -> float:
        ideal = (new - old) / old
        return min(0.10, max(0.03, self.gain * ideal))

    @property
    def window_size(self) -> int:
        """Answers (sent after the last change) a window is judged on. A doubling at the start
        is judged on the previous limit's worth: a host with room for more shows the gain in
        half a round, and on a big host the start so costs one round less."""
        if self.starting and self.limit > self.base_limit:
            return max(MIN_WINDOW, self.base_limit)
        return max(MIN_WINDOW, self.limit)

    def _step(self) -> int:
        return max(1, self.base_limit // 4)

    def _settle(self, limit: int, reason: str) -> int:
        """Make ``limit`` the setting held, with its throughput still to be measured."""
        self.limit = self.base_limit = self._clamp(limit)
        self.base_throughput = self.last_held = None
        self.probe_seen = []
        self.spikes = 0
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

    def on_slow(self) -> int:
        """An answer that came, but only after most of the timeout: one step down and hold.

        Not a halving: the store answered, at a pace that is normal for some (WooCommerce 7.9
        takes 30 s for 100 creates at 4 in flight on a busy 2-core host), and halving there
        cost a quarter of a run. One step less keeps the next answers inside the timeout."""
        return self._settle(self.limit - max(1, self.limit // 4), "slow answer")

    def _note_noise(self, throughput: float) -> None:
        """Fold the change from the previous window at the same setting into ``spread``."""
        previous, self.last_held = self.last_held, throughput
        if previous is None or max(previous, throughput) <= 0:
            return
        change = abs(throughput - previous) / max(previous, throughput)
        self.spread = change if self.spread is None else 0.7 * self.spread + 0.3 * change

    def _visible(self, loss: float) -> bool:
        """Whether a throughput loss of this share would stand out of the measured noise."""
        return self.spread is not None and NOISE_MARGIN * self.spread < loss

    def on_window(self, window: Window) -> int:
        """Judge one window measured at ``limit``; returns the limit for the next one."""
        if window.utilisation < MIN_UTILISATION or window.seconds <= 0:
            return self.limit  # the client had less work than the limit: nothing learnt
        throughput = window.throughput
        if self.limit != self.base_limit:
            return self._judge_probe(window)
        if self._spiked(window):
            self.spikes += 1
            if self.spikes >= 2:
                floor = max(self.minimum, min(self.limit, THROUGHPUT_FLOOR))
                cut = max(floor, int(self.limit * self.spike_decrease))
                return self._settle(cut, "latency spike")
            return self.limit  # one window is not yet evidence; not folded into the base
        self.spikes = 0
        self._note_noise(throughput)
        self._fold(throughput, window)
        if self.starting:
            return self._probe(self.limit * 2, "start: doubling")
        if self.ceiling_wait > 0:
            self.ceiling_wait -= 1
        if self.waiting > 0:
            self.waiting -= 1
            return self.limit
        step = self._step()
        down = self.next_probe_down or self.limit >= self.maximum
        self.next_probe_down = not self.next_probe_down
        floor = max(self.minimum, THROUGHPUT_FLOOR)
        if down and self.limit - step >= floor and self._visible(step / self.limit):
            return self._probe(self.limit - step, "probe down")
        below_ceiling = self.ceiling is None or self.limit + step < self.ceiling
        if self.limit < self.maximum and (below_ceiling or self.ceiling_wait <= 0):
            return self._probe(self.limit + step, "probe up")
        self.waiting = self.patience
        return self.limit

    def _spiked(self, window: Window) -> bool:
        if self.base_throughput is None or self.base_item_latency is None:
            return False
        fall = max(SPIKE_FALL, 3 * (self.spread or 0.0))
        return (
            window.item_latency > self.spike * self.base_item_latency
            and window.throughput < self.base_throughput * (1 - fall)
        )

    def _fold(self, throughput: float, window: Window) -> None:
        """Follow the store's pace at the held setting, leaning to the new figure."""
        if self.base_throughput is None:
            self.base_throughput = throughput
            self.base_latency = window.latency
            self.base_item_latency = window.item_latency
            return
        self.base_throughput = 0.4 * self.base_throughput + 0.6 * throughput
        self.base_latency = 0.4 * (self.base_latency or window.latency) + 0.6 * window.latency
        self.base_item_latency = (
            0.4 * (self.base_item_latency or window.item_latency) + 0.6 * window.item_latency
        )

    def _probe(self, limit: int, reason: str) -> int:
        if self._too_slow_for(limit):
            # Hold here: a step up would bring answers near the timeout (latency_cap).
            self.limit = self.base_limit
            self.starting = False
            self.waiting = self.patience
            self.reason = "step up would near the timeout"
            return self.limit
        self.limit = self._clamp(limit)
        self.probe_seen = []
        if self.limit == self.base_limit:
            self.starting = False
            self.waiting = self.hold
        self.reason = reason
        return self.limit

    def _too_slow_for(self, limit: int) -> bool:
        if self.latency_cap is None or self.base_latency is None or limit <= self.base_limit:
            return False
        return self.base_latency * limit / self.base_limit > self.latency_cap

    def _keep(self, throughput: float, window: Window, reason: str) -> None:
        self.base_limit = self.limit
        self.base_throughput = throughput
        self.base_latency = window.latency
        self.base_item_latency = window.item_latency
        self.last_held = None
        self.probe_seen = []
        self.reason = reason

    def _back(self, reason: str) -> int:
        """Return to the held setting after a probe that did not pay."""
        self.limit = self.base_limit
        self.probe_seen = []
        self.waiting = self.patience
        self.reason = reason
        return self.limit

    def _judge_probe(self, window: Window) -> int:
        base = self.base_throughput or 0.0
        throughput = window.throughput
        if self.limit > self.base_limit:
            needed = max(self._needed_gain(self.limit, self.base_limit), self.spread or 0.0)
            if self.starting:
                needed = self._needed_gain(self.limit, self.base_limit)
                if not self.probe_seen and throughput < base * (1 + needed):
                    # The start's first window had every request sent at once, with none of
                    # the client's own time between an answer and the next request, so it
                    # reads high; a doubling gets a second window before it is undone (on
                    # WooCommerce 11.0.1 with 2 workers the first window at 4 read 43/s,
                    # the doubling's 37/s, and fixed 8 then beat fixed 4 by 40 %).
                    self.probe_seen.append(throughput)
                    return self.limit
                throughput = max([throughput, *self.probe_seen])
            if throughput >= base * (1 + needed):
                ideal = (self.limit - self.base_limit) / self.base_limit
                proportional = throughput >= base * (1 + ideal / 2)
                self._keep(throughput, window, "probe up kept")
                if self.starting and self.limit < self.maximum:
                    return self._probe(self.limit * 2, "start: doubling")
                self.waiting = 0 if self.limit < self.maximum else self.hold
                if self.starting and proportional:
                    # The start reached the maximum with throughput still rising nearly in
                    # proportion: fewer would cost, so the first look down waits long.
                    self.waiting = PATIENCE_MAX
                self.starting = False
                self.next_probe_down = False  # it paid: try one more next
                self.patience = self.hold
                return self.limit
            if self.starting and throughput >= base * (1 + PARTIAL_GAIN):
                # Doubling gave a little: the knee lies between; keep the larger, stop doubling.
                self._keep(throughput, window, "start: doubling gave a little")
                self.starting = False
                self.waiting = self.hold
                return self.limit
            if not self.starting:
                self.patience = min(PATIENCE_MAX, self.patience * 2)
            # A doubling that gave nothing goes back to the last setting that paid, no lower:
            # the start's own setting was never shown to cost anything.
            self.next_probe_down = True  # up was just shown not to pay: look down next
            self.starting = False
            return self._back("probe up gave nothing")
        self.probe_seen.append(throughput)
        if len(self.probe_seen) >= 2:  # two windows at one setting: a measure of the noise
            a, b = self.probe_seen[-2:]
            if max(a, b) > 0:
                change = abs(a - b) / max(a, b)
                self.spread = change if self.spread is None else 0.7 * self.spread + 0.3 * change
        loss = (self.base_limit - self.limit) / self.base_limit
        clear_loss = max(loss / 2, NOISE_MARGIN * (self.spread or 0.0))
        if len(self.probe_seen) < CONFIRM and throughput >= base * (1 - clear_loss):
            return self.limit  # keeping a step down needs more than one window
        mean = sum(self.probe_seen) / len(self.probe_seen)
        tolerance = min(0.10, max(0.03, self.gain * loss))
        if len(self.probe_seen) >= CONFIRM and mean >= base * (1 - tolerance):
            self._keep(mean, window, "probe down kept")
            self.waiting = self.hold
            self.patience = self.hold
            self.next_probe_down = True  # it cost nothing: try one less next
            return self.limit
        self.patience = min(PATIENCE_MAX, self.patience * 2)
        return self._back("probe down cost throughput")


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
        """``slow``: seconds after which an answer, though it came, takes one step off the
        limit (:meth:`ConcurrencyController.on_slow`; the client passes three quarters of its
        request timeout: a store that slow is about to time out, measured on 7.9 at 8 in
        flight). It used to count as an overload and halve: on 7.9, 4 batches of 100 that took
        30–34 s at 4 in flight, a normal pace there, were halved to 2 and the run lost a
        quarter of its pace."""
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
        self.slow_answers = 0
        self._origin = clock()
        self.history: list[tuple[float, int, str]] = [(0.0, self._limit, "start")]
        self.windows: list[tuple[float, int, float, float]] = []
        """``(seconds since start, limit, items per second, mean latency)`` of every judged
        window, for benchmarks that show what the rules were fed."""
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
            now = self._clock()
            if self._in_flight == 0 and self._waiting == 0 and self._window_done == 0:
                # Idle until now (the client was set up, discovered the API, or read before it
                # wrote): the window starts with its first request, not with the idle time.
                self._reset_window(now)
            self._account(now)
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
        if overloaded:
            self.overloads += 1
            if current:  # once per change: the rest of this burst was sent under the old limit
                self._change(self.controller.on_overload(), now)
            return
        if self.slow is not None and now - ticket.started > self.slow:
            self.slow_answers += 1
            if current:
                self._change(self.controller.on_slow(), now)
            return
        self._window_items += items
        self._window_latency += now - ticket.started
        self._window_done += 1
        if current:
            self._window_current += 1
        if self._window_current < self.controller.window_size:
            return
        seconds = now - self._window_start
        window = Window(
            items=self._window_items,
            seconds=seconds,
            latency=self._window_latency / self._window_done,
            utilisation=self._busy_area / (seconds * self._limit) if seconds > 0 else 0.0,
            requests=self._window_done,
        )
        if window.utilisation >= MIN_UTILISATION:
            self.windows.append(
                (now - self._origin, self._limit, window.throughput, window.latency)
            )
            log.debug(
                "%s window at %d: %.1f items/s, %.2f s a request, utilisation %.2f",
                self.name,
                self._limit,
                window.throughput,
                window.latency,
                window.utilisation,
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
