"""The stall watch: a partition with records waiting whose position stays put is reported once, with the tasks."""

from __future__ import annotations

import asyncio

import pytest

from pipeline.progress import ProgressWatch, task_stacks


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_partition_stuck_with_records_waiting_is_reported_once_per_stall() -> None:
    clock = _Clock()
    watch = ProgressWatch(stall_seconds=60.0, clock=clock)
    reports = []
    for clock.now in (0.0, 5.0, 59.0, 60.0, 65.0, 300.0):
        reports.append(watch.observe("posts-0", 100, 461))
    assert reports == [False, False, False, True, False, False]
    assert watch.stalled_for("posts-0") == 300.0
    # it moves, then sticks again: a new stall, reported again
    clock.now = 301.0
    assert watch.observe("posts-0", 150, 461) is False
    clock.now = 361.0
    assert watch.observe("posts-0", 150, 461) is True


def test_a_caught_up_or_moving_partition_is_never_reported() -> None:
    clock = _Clock()
    watch = ProgressWatch(stall_seconds=60.0, clock=clock)
    for step in range(100):
        clock.now = step * 5.0
        assert watch.observe("quiet", 42, 42) is False  # nothing waiting: idle, not stalled
        assert watch.observe("busy", step, 1_000) is False  # records waiting, but it moves


def test_partitions_no_longer_owned_are_forgotten() -> None:
    clock = _Clock()
    watch = ProgressWatch(stall_seconds=10.0, clock=clock)
    watch.observe("mentions-1", 5, 9)
    watch.keep_only(["mentions-2"])
    clock.now = 100.0
    assert watch.observe("mentions-1", 5, 9) is False  # a fresh reading after it comes back
    assert watch.stalled_for("mentions-1") == 0.0


def test_the_stall_window_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ProgressWatch(stall_seconds=0)


def test_task_stacks_name_each_task_and_where_it_waits() -> None:
    async def stuck_forever(event: asyncio.Event) -> None:
        await event.wait()

    async def run() -> list[str]:
        event = asyncio.Event()
        task = asyncio.create_task(stuck_forever(event), name="stuck-agent")
        await asyncio.sleep(0)
        lines = task_stacks()
        event.set()
        await task
        return lines

    lines = asyncio.run(run())
    [stuck] = [line for line in lines if line.startswith("stuck-agent")]
    assert "stuck_forever" in stuck and "test_progress.py" in stuck and " in stuck_forever" in stuck
