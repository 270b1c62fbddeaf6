"""RecentIds keeps the time of its first id aside; it must answer and forget exactly as the plain scan does."""

from __future__ import annotations

from collections import OrderedDict

from hypothesis import given
from hypothesis import strategies as st

from pipeline.ingest.dedupe import RecentIds


class ScanningRecentIds:
    """The reference: look at the first id on every add."""

    def __init__(self, horizon_seconds: float, max_ids: int) -> None:
        self.horizon_seconds = horizon_seconds
        self.max_ids = max_ids
        self.seen: OrderedDict[str, float] = OrderedDict()

    def add(self, post_id: str, now: float) -> bool:
        cutoff = now - self.horizon_seconds
        while self.seen:
            oldest_id, oldest_time = next(iter(self.seen.items()))
            if oldest_time >= cutoff and len(self.seen) < self.max_ids:
                break
            del self.seen[oldest_id]
        if post_id in self.seen:
            return False
        self.seen[post_id] = now
        return True


# times that mostly move forward, sometimes back, sometimes jump past the horizon, now and then not a number
steps = st.one_of(st.floats(0, 3), st.floats(-5, 0), st.floats(5, 50), st.just(float("nan")))


@given(horizon=st.floats(0.5, 20), max_ids=st.integers(1, 8),
       adds=st.lists(st.tuples(st.integers(0, 12), steps), max_size=200))
def test_recent_ids_match_the_scanning_reference(horizon: float, max_ids: int,
                                                 adds: list[tuple[int, float]]) -> None:
    recent, reference = RecentIds(horizon, max_ids), ScanningRecentIds(horizon, max_ids)
    now = 0.0
    for number, step in adds:
        now = step if step != step else (now if now != now else 0.0) + step
        post_id = f"x:{number}"
        assert recent.add(post_id, now) == reference.add(post_id, now)
        assert list(recent._seen.items()) == list(reference.seen.items())
