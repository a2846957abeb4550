"""Counting and timing every HTTP exchange, so reports and benchmarks can show real figures."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_ID_SEGMENT = re.compile(r"(?<=/)\d+(?=/|$)|^\d+(?=/|$)")


def route_key(method: str, route: str) -> str:
    """``("PUT", "products/12/variations/7")`` → ``"PUT products/{id}/variations/{id}"``."""
    return f"{method.upper()} {_ID_SEGMENT.sub('{id}', route.strip('/'))}"


@dataclass
class RequestStats:
    """Thread-safe counters. ``requests`` counts HTTP exchanges the server saw, retries included.

    ``reads``/``writes`` split them by method (GET/HEAD vs POST/PUT/PATCH/DELETE); ``retries``
    counts attempts after the first; ``seconds`` sums wall-clock time spent in exchanges
    (overlapping when concurrent); ``failures`` counts attempts with no HTTP answer.
    """

    requests: int = 0
    reads: int = 0
    writes: int = 0
    retries: int = 0
    failures: int = 0
    seconds: float = 0.0
    by_route: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(
        self, method: str, route: str, status: int | None, seconds: float, *, retry: bool
    ) -> None:
        with self._lock:
            self.requests += 1
            if method.upper() in ("GET", "HEAD", "OPTIONS"):
                self.reads += 1
            else:
                self.writes += 1
            if retry:
                self.retries += 1
            if status is None:
                self.failures += 1
            else:
                self.by_status[status] += 1
            self.seconds += seconds
            self.by_route[route_key(method, route)] += 1

    def snapshot(self) -> dict[str, Any]:
        """A plain, JSON-ready copy (for reports)."""
        with self._lock:
            return {
                "requests": self.requests,
                "reads": self.reads,
                "writes": self.writes,
                "retries": self.retries,
                "failures": self.failures,
                "seconds": round(self.seconds, 3),
                "by_route": dict(self.by_route),
                "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            }

    def __str__(self) -> str:
        return (
            f"{self.requests} requests ({self.reads} reads, {self.writes} writes, "
            f"{self.retries} retries) in {self.seconds:.2f} s"
        )
