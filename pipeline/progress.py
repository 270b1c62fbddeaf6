"""Notice a consumer that stopped making progress, and say where the worker's tasks are waiting.

A worker whose agents are blocked keeps its place in the group and its heartbeats, so Kafka sees nothing wrong:
the lag only grows. :class:`ProgressWatch` reads each source partition's position and end offset (the lag monitor
reads them anyway) and reports a partition once, when records are waiting and its position has not moved for
``stall_seconds``. :func:`task_stacks` then names every asyncio task and the line it is suspended at, which is
what it takes to tell a slow worker from a stuck one after the fact.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

__all__ = ["ProgressWatch", "task_stacks"]


@dataclass
class _Reading:
    position: int
    since: float
    reported: bool = False


class ProgressWatch:
    """Reports, once per stall, a partition with records waiting whose position stays put for ``stall_seconds``.

    >>> now = [0.0]
    >>> watch = ProgressWatch(stall_seconds=60.0, clock=lambda: now[0])
    >>> [watch.observe("posts-0", 10, 50) for now[0] in (0.0, 30.0, 60.0, 90.0)]
    [False, False, True, False]
    >>> watch.observe("posts-0", 11, 50), watch.observe("posts-0", 50, 50)  # it moved; then it caught up
    (False, False)
    """

    def __init__(self, stall_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        if stall_seconds <= 0:
            raise ValueError(f"stall_seconds must be positive, got {stall_seconds!r}")
        self.stall_seconds = stall_seconds
        self._clock = clock
        self._readings: dict[Hashable, _Reading] = {}

    def observe(self, partition: Hashable, position: int, end: int) -> bool:
        """Record a reading of ``partition``; True the first time it has counted as stalled since it last moved."""
        now = self._clock()
        reading = self._readings.get(partition)
        if reading is None or reading.position != position or end <= position:
            self._readings[partition] = _Reading(position, now)
            return False
        if reading.reported or now - reading.since < self.stall_seconds:
            return False
        reading.reported = True
        return True

    def stalled_for(self, partition: Hashable) -> float:
        """Seconds since ``partition``'s position last moved (0 for a partition never observed)."""
        reading = self._readings.get(partition)
        return 0.0 if reading is None else self._clock() - reading.since

    def keep_only(self, partitions: Iterable[Hashable]) -> None:
        """Forget partitions this worker no longer owns."""
        owned = set(partitions)
        for partition in [p for p in self._readings if p not in owned]:
            del self._readings[partition]


def task_stacks() -> list[str]:
    """Each task of the running event loop: its name, its coroutine and the line it is suspended at, sorted."""
    lines = []
    for task in asyncio.all_tasks():
        frames = task.get_stack()
        if frames:
            frame = frames[-1]
            where = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        else:
            where = "not started" if not task.done() else "done"
        coro = task.get_coro()
        lines.append(f"{task.get_name()} ({getattr(coro, '__qualname__', type(coro).__name__)}): {where}")
    return sorted(lines)
