"""RFC 3339 timestamps on the wire, float seconds since the epoch (UTC) in memory."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.errors import SchemaError

__all__ = ["format_time", "parse_time"]


def parse_time(value: object, field: str) -> float:
    """Parse an RFC 3339 timestamp that carries an offset into epoch seconds.

    >>> parse_time("2026-01-05T08:00:00+07:00", "created_at")
    1767574800.0
    >>> parse_time("2026-01-05T01:00:00Z", "created_at")
    1767574800.0
    """
    if not isinstance(value, str):
        raise SchemaError(field, f"must be an RFC 3339 string, got {type(value).__name__}", "wrong_type")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SchemaError(field, f"is not an RFC 3339 timestamp: {value[:64]!r}") from None
    if parsed.tzinfo is None:
        raise SchemaError(field, "needs a UTC offset (for example 'Z' or '+07:00')")
    return parsed.timestamp()


def format_time(seconds: float) -> str:
    """Format epoch seconds as RFC 3339 UTC with millisecond precision when needed.

    >>> format_time(1767574800.0)
    '2026-01-05T01:00:00Z'
    >>> format_time(1767574800.25)
    '2026-01-05T01:00:00.250Z'
    """
    moment = datetime.fromtimestamp(seconds, UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
