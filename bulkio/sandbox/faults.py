"""The fault and load model: what goes wrong, how slow the store is, and how many it serves at once.

A :class:`FaultPlan` is a list of :class:`FaultRule` (errors, 429s, latency, timeouts, dropped
connections after a committed write), matched per route and method, plus a service-time model
(per request, per batch item, per row read) and a cap on concurrent requests (PHP-FPM workers:
requests beyond the cap queue). Randomness comes from one seeded RNG, so a run replays.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field

KINDS = ("status", "latency", "timeout", "drop_after_commit")


@dataclass
class FaultRule:
    """One kind of trouble for requests matching ``method`` and ``route``.

    ``route`` is a glob over the route after ``wc/v3/`` (``"products/batch"``, ``"products*"``,
    ``"orders"``, ``"*"``). ``after`` lets that many matching requests through first; ``times``
    caps how often the rule fires; ``probability`` makes it random (seeded).

    kinds:
      * ``status``: answer ``status`` (500/502/503/504/429) at once, doing nothing;
        ``retry_after`` adds a ``Retry-After`` header (seconds).
      * ``latency``: add ``seconds`` before the request is handled.
      * ``timeout``: hold the connection ``seconds`` then close it without an answer; with
        ``commit=True`` the write is done first (a proxy timeout while PHP goes on saving).
      * ``drop_after_commit``: do the request, then close the connection without answering.
    """

    kind: str = "status"
    status: int = 503
    route: str = "*"
    method: str = "*"
    probability: float = 1.0
    times: int | None = None
    after: int = 0
    seconds: float = 0.0
    retry_after: int | None = None
    commit: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("fault probability must be between 0 and 1")

    def matches(self, method: str, route: str) -> bool:
        method_ok = self.method == "*" or self.method.upper() == method.upper()
        return method_ok and fnmatch.fnmatchcase(route, self.route)

    def describe(self) -> str:
        """One line for people: what fires, where, how often."""
        what = str(self.status) if self.kind == "status" else self.kind
        parts = [what, f"{self.method} {self.route}"]
        if self.seconds:
            parts.append(f"{self.seconds:g}s")
        if self.retry_after is not None:
            parts.append(f"Retry-After {self.retry_after}")
        if self.probability < 1:
            parts.append(f"p={self.probability:g}")
        if self.after:
            parts.append(f"after {self.after}")
        if self.times is not None:
            parts.append(f"at most {self.times}x")
        if self.commit:
            parts.append("after committing")
        return ", ".join(parts)

    @classmethod
    def error(cls, status: int = 503, **options: object) -> FaultRule:
        return cls(kind="status", status=status, **options)  # type: ignore[arg-type]

    @classmethod
    def rate_limit(cls, retry_after: int | None = 1, **options: object) -> FaultRule:
        return cls(kind="status", status=429, retry_after=retry_after, **options)  # type: ignore[arg-type]

    @classmethod
    def latency(cls, seconds: float, **options: object) -> FaultRule:
        return cls(kind="latency", seconds=seconds, **options)  # type: ignore[arg-type]

    @classmethod
    def timeout(cls, seconds: float, **options: object) -> FaultRule:
        return cls(kind="timeout", seconds=seconds, **options)  # type: ignore[arg-type]

    @classmethod
    def drop_after_commit(cls, **options: object) -> FaultRule:
        return cls(kind="drop_after_commit", **options)  # type: ignore[arg-type]

    @classmethod
    def parse(cls, text: str) -> FaultRule:
        """Parse the CLI form: ``KIND [key=value ...]``.

        KIND is an HTTP status (``503``, ``429``) or ``latency``/``timeout``/``drop``; keys are
        ``route``, ``method``, ``p`` (probability), ``times``, ``after``, ``seconds``,
        ``retry_after``, ``commit``. Example: ``"503 route=products/batch p=0.2"``.
        """
        tokens = text.split()
        if not tokens:
            raise ValueError("empty fault spec")
        head, *rest = tokens
        options: dict[str, object] = {}
        if head.isdigit():
            options.update(kind="status", status=int(head))
            if int(head) == 429:
                options["retry_after"] = 1
        elif head in ("drop", "drop_after_commit"):
            options["kind"] = "drop_after_commit"
        elif head in ("latency", "timeout"):
            options["kind"] = head
        else:
            raise ValueError(
                f"unknown fault {head!r}: use a status (503, 429), latency, timeout or drop"
            )
        for token in rest:
            name, sep, value = token.partition("=")
            if not sep:
                try:
                    options["seconds"] = float(token)
                except ValueError:
                    raise ValueError(f"fault option {token!r} is not key=value") from None
                continue
            name = {"p": "probability"}.get(name, name)
            if name in ("route", "method"):
                options[name] = value
            elif name in ("times", "after", "retry_after", "status"):
                options[name] = int(value)
            elif name in ("probability", "seconds"):
                options[name] = float(value)
            elif name == "commit":
                options[name] = value.lower() in ("1", "true", "yes")
            else:
                raise ValueError(f"unknown fault option {name!r} in {text!r}")
        return cls(**options)  # type: ignore[arg-type]


@dataclass
class FaultPlan:
    """Rules plus the service-time model.

    * ``per_request``: seconds every request costs (PHP bootstrap).
    * ``per_item``: seconds per written item (single write = 1 item, batch = its items); a
      ``(low, high)`` pair draws uniformly, e.g. ``(0.03, 0.06)`` like WooCommerce on PHP-FPM.
    * ``per_read_item``: seconds per resource returned by a read.
    * ``workers``: how many requests are served at once; more wait in a queue (PHP-FPM).
    * ``cpus``: how many requests' service time (per request, per item, per row) can run at
      once: PHP work is CPU-bound, so 4 workers on 2 cores do about twice, not four times,
      the work of one.
    """

    rules: list[FaultRule] = field(default_factory=list)
    seed: int = 1
    per_request: float = 0.0
    per_item: float | tuple[float, float] = 0.0
    per_read_item: float = 0.0
    workers: int | None = None
    cpus: int | None = None


@dataclass
class Decision:
    """What the fault model decided for one request."""

    latency: float = 0.0
    answer_status: int | None = None
    retry_after: int | None = None
    timeout: FaultRule | None = None
    drop_after_commit: bool = False
    fired: list[str] = field(default_factory=list)


class FaultState:
    """A plan plus its counters and RNG; decisions are serialised so a seed replays."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._rng = random.Random(plan.seed)
        self._lock = threading.Lock()
        self._matched = [0] * len(plan.rules)
        self._fired = [0] * len(plan.rules)
        self._cpu = threading.BoundedSemaphore(plan.cpus) if plan.cpus else None

    def spend(self, seconds: float, stopping: threading.Event) -> bool:
        """Spend service time on a "CPU"; True when the sandbox is stopping meanwhile."""
        if seconds <= 0:
            return stopping.is_set()
        if self._cpu is None:
            return stopping.wait(seconds)
        while not self._cpu.acquire(timeout=0.05):
            if stopping.is_set():
                return True
        try:
            return stopping.wait(seconds)
        finally:
            self._cpu.release()

    def decide(self, method: str, route: str) -> Decision:
        decision = Decision()
        with self._lock:
            for index, rule in enumerate(self.plan.rules):
                if not rule.matches(method, route):
                    continue
                self._matched[index] += 1
                if self._matched[index] <= rule.after:
                    continue
                if rule.times is not None and self._fired[index] >= rule.times:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                self._fired[index] += 1
                decision.fired.append(rule.kind if rule.kind != "status" else str(rule.status))
                if rule.kind == "latency":
                    decision.latency += rule.seconds
                elif rule.kind == "status" and decision.answer_status is None:
                    decision.answer_status = rule.status
                    decision.retry_after = rule.retry_after
                elif rule.kind == "timeout" and decision.timeout is None:
                    decision.timeout = rule
                elif rule.kind == "drop_after_commit":
                    decision.drop_after_commit = True
        return decision

    def item_seconds(self) -> float:
        per_item = self.plan.per_item
        if isinstance(per_item, tuple):
            with self._lock:
                return self._rng.uniform(per_item[0], per_item[1])
        return float(per_item)


class WorkerGate:
    """A cap on requests in progress that can change while running; waiting requests queue."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._active = 0
        self.limit: int | None = None
        self.peak = 0

    def acquire(self, stopping: threading.Event) -> bool:
        with self._condition:
            while self.limit is not None and self._active >= self.limit:
                if stopping.is_set():
                    return False
                self._condition.wait(0.05)
            self._active += 1
            self.peak = max(self.peak, self._active)
            return True

    def release(self) -> None:
        with self._condition:
            self._active -= 1
            self._condition.notify()

    @property
    def active(self) -> int:
        return self._active
