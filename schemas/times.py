"""RFC 3339 timestamps on the wire, float seconds since the epoch (UTC) in memory."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from functools import lru_cache

from schemas.errors import SchemaError

__all__ = ["format_time", "parse_time"]

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
#: RFC 3339 ``date-time`` (a space may stand for the ``T``, as its section 5.6 allows); ISO 8601's other forms
#: that ``datetime.fromisoformat`` also reads (week dates, basic format, seconds in the offset) are refused.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})")
#: The instants :func:`format_time` can write: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC).timestamp()
_LATEST = datetime(9999, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC).timestamp()


def parse_time(value: object, field: str) -> float:
    """Parse an RFC 3339 timestamp that carries an offset into epoch seconds.

    >>> parse_time("2026-01-05T08:00:00+07:00", "created_at")
    1767574800.0
    >>> parse_time("2026-01-05T01:00:00Z", "created_at")
    1767574800.0
    >>> parse_time("0001-01-01T00:00:00+01:00", "created_at")
    Traceback (most recent call last):
    ...
    schemas.errors.SchemaError: created_at: is outside the years 0001-9999 in UTC: '0001-01-01T00:00:00+01:00'
    """
    if not isinstance(value, str):
        raise SchemaError(field, f"must be an RFC 3339 string, got {type(value).__name__}", "wrong_type")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SchemaError(field, f"is not an RFC 3339 timestamp: {value[:64]!r}") from None
    if parsed.tzinfo is None:
        raise SchemaError(field, "needs a UTC offset (for example 'Z' or '+07:00')")
    if not _RFC3339.fullmatch(value):
        raise SchemaError(field, f"is not an RFC 3339 timestamp: {value[:64]!r}")
    seconds = parsed.timestamp()
    if not _EARLIEST <= seconds <= _LATEST:
        raise SchemaError(field, f"is outside the years 0001-9999 in UTC: {value[:64]!r}")
    return seconds


def format_time(seconds: float) -> str:
    """Format epoch seconds as RFC 3339 UTC with millisecond precision when needed.

    >>> format_time(1767574800.0)
    '2026-01-05T01:00:00Z'
    >>> format_time(1767574800.25)
    '2026-01-05T01:00:00.250Z'
    >>> format_time(-0.5)
    '1969-12-31T23:59:59.500Z'
    """
    whole = math.floor(seconds)
    micros = round((seconds - whole) * 1e6)  # half-even to the microsecond, as datetime.fromtimestamp rounds
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    minute, second = divmod(whole, 60)  # the minute from a cache: streams run in time order
    if micros:
        return f"{_minute(minute)}:{second:02d}.{micros // 1000:03d}Z"
    return f"{_minute(minute)}:{second:02d}Z"


@lru_cache(maxsize=4096)
def _minute(minute: int) -> str:
    """``YYYY-MM-DDTHH:MM`` of a minute counted from 1970-01-01T00:00."""
    days, minute_of_day = divmod(minute, 1440)
    hour, minute_of_hour = divmod(minute_of_day, 60)
    return f"{date.fromordinal(_EPOCH_ORDINAL + days).isoformat()}T{hour:02d}:{minute_of_hour:02d}"
