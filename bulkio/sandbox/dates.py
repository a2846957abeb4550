"""Dates the way WooCommerce answers them: local and GMT strings without a zone suffix."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

FORMAT = "%Y-%m-%dT%H:%M:%S"
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}(?::\d{2})?)?$"
)


def now_gmt() -> datetime:
    """The current UTC time, naive and truncated to seconds like MySQL ``DATETIME``."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def fmt(moment: datetime | None) -> str | None:
    # isoformat is several times faster than strftime and gives the same text here.
    return None if moment is None else moment.replace(tzinfo=None).isoformat("T", "seconds")


def parse_gmt(text: str) -> datetime:
    return datetime.fromisoformat(text[:19])


def local_from_gmt(text: str | None, offset: timedelta) -> str | None:
    """The site-local twin of a stored GMT date string."""
    if not text:
        return None
    if not offset:
        return text
    return fmt(parse_gmt(text) + offset)


def parse_request_date(text: str, offset: timedelta, *, as_gmt: bool) -> datetime | None:
    """Parse an ISO 8601 filter value (``after=...``) into a naive GMT datetime.

    A value with a zone is converted exactly; one without is taken as site-local time unless
    ``as_gmt`` (the ``dates_are_gmt`` flag) says it is already GMT. ``None`` means unparsable.
    """
    if not RFC3339.match(text.strip()):
        return None  # WordPress's rest_parse_date wants a full date-time, not a bare date
    value = text.strip().replace(" ", "T", 1)
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed if as_gmt else parsed - offset
