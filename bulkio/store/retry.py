"""When to try a request again, and how long to wait first.

Exponential backoff with *full jitter* (a random wait between 0 and the doubling ceiling), so
that several threads or several bulkio runs hitting a struggling store spread out instead of
retrying in lock-step. A server's ``Retry-After`` (seconds or an HTTP date) wins, capped so a
misconfigured server cannot park a nightly job for hours.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

RETRYABLE_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,  # ConnectError, ReadError, WriteError, CloseError
    httpx.RemoteProtocolError,  # server closed the connection mid-answer
)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header; ``None`` when absent or unreadable.

    ``now`` is the current Unix time (injectable for tests). Dates in the past give 0.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
            return None
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


@dataclass
class RetryPolicy:
    """Bounded retries: ``max_attempts`` counts the first try (1 = never retry)."""

    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    statuses: frozenset[int] = RETRY_STATUSES
    random: Callable[[], float] = field(default=random.random, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def should_retry_status(self, status: int) -> bool:
        return status in self.statuses

    def backoff(self, attempt: int) -> float:
        """Full-jitter wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return float(self.random() * ceiling)

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before the next attempt; honours ``Retry-After`` when given."""
        server = parse_retry_after(retry_after, self.clock())
        if server is not None:
            return min(server, self.retry_after_max)
        return float(self.backoff(attempt))
