"""The one error raised when bytes or values do not fit a schema."""

from __future__ import annotations

__all__ = ["REJECTION_REASONS", "SchemaError"]

#: The closed set of reasons a record can be rejected for (metric labels and DLQ records use them).
REJECTION_REASONS: tuple[str, ...] = (
    "invalid_utf8",
    "invalid_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "invalid_value",
    "unknown_platform",
    "too_large",
    "unsupported_format",
)


class SchemaError(ValueError):
    """A record does not fit its schema.

    ``field`` is a dotted path (``author.followers``; empty for the whole record), ``problem`` says what is
    wrong in words, and ``reason`` is one of :data:`REJECTION_REASONS`.

    >>> str(SchemaError("author.id", "is missing", "missing_field"))
    'author.id: is missing'
    """

    def __init__(self, field: str, problem: str, reason: str = "invalid_value") -> None:
        if reason not in REJECTION_REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        self.field = field
        self.problem = problem
        self.reason = reason
        super().__init__(f"{field}: {problem}" if field else problem)
