"""A bounded memory of recently published post ids, so a reconnect or repost storm never counts a post twice."""

from __future__ import annotations

import math
from collections import OrderedDict

__all__ = ["RecentIds"]


class RecentIds:
    """Remember ids for ``horizon_seconds`` (and at most ``max_ids`` of them, oldest forgotten first).

    Ids are forgotten in the order they were added, from the first until one is young enough and there is room.
    The time of the first id is kept aside, so an :meth:`add` that has nothing to forget only compares two floats.

    >>> seen = RecentIds(horizon_seconds=60, max_ids=2)
    >>> seen.add("x:1", now=0.0), seen.add("x:1", now=1.0), seen.add("x:1", now=120.0)
    (True, False, True)
    >>> seen.add("x:2", now=121.0), seen.add("x:3", now=122.0), seen.add("x:1", now=123.0)
    (True, True, True)
    """

    def __init__(self, horizon_seconds: float = 24 * 3600.0, max_ids: int = 1_000_000) -> None:
        if horizon_seconds <= 0 or max_ids <= 0:
            raise ValueError("horizon_seconds and max_ids must be positive")
        self.horizon_seconds = horizon_seconds
        self.max_ids = max_ids
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._first_time = math.inf  # the time of the first id in _seen; inf while it is empty

    def add(self, post_id: str, now: float) -> bool:
        """Record ``post_id``; False when it was already seen within the horizon."""
        seen = self._seen
        cutoff = now - self.horizon_seconds
        if not (self._first_time >= cutoff and len(seen) < self.max_ids):
            self._forget(cutoff)
        if post_id in seen:
            return False
        if not seen:
            self._first_time = now
        seen[post_id] = now
        return True

    def _forget(self, cutoff: float) -> None:
        """Drop ids from the first on, until the first is not older than ``cutoff`` and there is room."""
        seen = self._seen
        while seen:
            first_id, first_time = next(iter(seen.items()))
            if first_time >= cutoff and len(seen) < self.max_ids:
                self._first_time = first_time
                return
            del seen[first_id]
        self._first_time = math.inf

    def __len__(self) -> int:
        return len(self._seen)
