"""The subject stage sends a sweep's crisis events together rather than one acknowledgement at a time."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from pipeline.agents.subjects import SubjectStage
from pipeline.config import Settings
from schemas.crisis_event import CrisisEvent
from schemas.watchlist import Watchlist


class _Topic:
    """A stand-in for the crisis-event topic whose broker acknowledges only once every event was sent."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.sent: list[bytes] = []
        self.deliveries: list[asyncio.Future[None]] = []

    async def send(self, key: bytes, value: bytes, force: bool) -> asyncio.Future[None]:
        self.sent.append(key)
        self.deliveries.append(asyncio.get_running_loop().create_future())
        if len(self.sent) == self.expected:
            for delivery in self.deliveries:
                delivery.set_result(None)
        return self.deliveries[-1]


def _stage(topic: _Topic) -> SubjectStage:
    watchlist = Watchlist.from_dict({"subjects": [{"id": f"s{n}", "name": f"S{n}", "terms": [f"s{n}"]}
                                                  for n in range(3)]})
    streams: Any = SimpleNamespace(crisis_events=topic)
    return SubjectStage(streams, watchlist, Settings())


def _event(subject: str) -> CrisisEvent:
    return CrisisEvent(id=f"{subject}-1", type="siaga.crisis.onset", subject=subject, time=10.0,
                       data={"incident_start": 10.0, "severity": "warning"})


def test_a_sweeps_events_are_in_flight_together_and_sent_in_order() -> None:
    topic = _Topic(expected=3)
    stage = _stage(topic)
    events = [_event(f"s{n}") for n in range(3)]

    asyncio.run(asyncio.wait_for(stage._emit(events, closing_ingested_at=None), timeout=2.0))

    assert topic.sent == [b"s0", b"s1", b"s2"]
    assert all(delivery.done() for delivery in topic.deliveries)


def test_a_rebalance_during_the_sweep_stops_sending() -> None:
    topic = _Topic(expected=1)
    stage = _stage(topic)
    original_send = topic.send

    async def send_then_rebalance(key: bytes, value: bytes, force: bool) -> asyncio.Future[None]:
        delivery = await original_send(key, value, force)
        stage.fence.epoch += 1
        return delivery

    topic.send = send_then_rebalance  # type: ignore[method-assign]
    asyncio.run(asyncio.wait_for(stage._emit([_event("s0"), _event("s1")], closing_ingested_at=None), timeout=2.0))

    assert topic.sent == [b"s0"]
