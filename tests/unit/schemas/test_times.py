"""Timestamps: the cached formatter writes exactly what datetime writes, and parsing reads it back."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from schemas.times import format_time, parse_time


def reference_format(seconds: float) -> str:
    """The plain datetime formatting that ``format_time`` replaces with a per-second cache."""
    moment = datetime.fromtimestamp(seconds, UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


epoch_seconds = st.one_of(
    st.floats(min_value=-2e9, max_value=4e9, allow_nan=False),
    st.integers(min_value=0, max_value=4_000_000_000).map(float),
    st.builds(lambda whole, millis: whole + millis / 1000, st.integers(0, 4_000_000_000), st.integers(0, 999)),
    st.builds(lambda whole, micros: whole + micros / 1e6, st.integers(0, 4_000_000_000), st.integers(0, 999_999)),
)


@given(epoch_seconds)
def test_format_time_writes_what_datetime_writes(seconds: float) -> None:
    assert format_time(seconds) == reference_format(seconds)


@given(epoch_seconds)
def test_formatted_time_parses_back_to_the_millisecond(seconds: float) -> None:
    assert abs(parse_time(format_time(seconds), "t") - seconds) < 1e-3 + 1e-6


def test_the_edge_of_a_second_rounds_up_to_the_next_second() -> None:
    assert format_time(1767574800.9999996) == "2026-01-05T01:00:01Z"
