"""event_batches: what it takes from a stream's buffer, and how it ends when the stream stops."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from mode.utils.queues import FlowControlEvent, ThrowableQueue

from pipeline.agents.batches import event_batches


def _stream(generation: int = 3) -> tuple[Any, ThrowableQueue]:
    """A stand-in for a Faust stream: its app's consumer, sensors and flow control, and its channel's buffer."""
    flow = FlowControlEvent(initially_suspended=False)
    queue = ThrowableQueue(flow_control=flow)
    sensors = SimpleNamespace(on_message_in=lambda *args: None, on_stream_event_in=lambda *args: None)
    app = SimpleNamespace(consumer=SimpleNamespace(unacked=set()), topics=SimpleNamespace(acks_enabled_for=bool),
                          sensors=sensors, flow_control=flow, consumer_generation_id=generation)

    class Channel:
        def __aiter__(self) -> Any:
            return self

        async def __anext__(self) -> Any:
            raise StopAsyncIteration

    channel = Channel()
    channel.queue = queue  # type: ignore[attr-defined]

    return SimpleNamespace(app=app, channel=channel), queue


class _Message:
    """The fields of a Faust message that event_batches reads (hashable by identity, as Faust's are)."""

    def __init__(self, offset: int, generation: int) -> None:
        self.tp = ("mentions", 0)
        self.topic = "mentions"
        self.offset = offset
        self.generation_id = generation
        self.tracked = False


def _event(offset: int, generation: int = 3) -> Any:
    return SimpleNamespace(message=_Message(offset, generation))


def test_a_batch_is_what_is_buffered_without_ended_generations() -> None:
    async def run() -> list[list[int]]:
        stream, queue = _stream()
        for event in (_event(1), _event(2, generation=2), _event(3)):
            queue.put_nowait(event)
        batches = event_batches(stream, max_size=10)
        first = await anext(batches)
        return [[event.message.offset for event in first]]

    assert asyncio.run(run()) == [[1, 3]]


def test_the_batches_end_when_the_stream_stops() -> None:
    async def run() -> list[int]:
        stream, queue = _stream()
        queue.put_nowait(_event(1))
        seen: list[int] = []

        async def consume() -> None:
            async for batch in event_batches(stream, max_size=10):
                seen.extend(event.message.offset for event in batch)

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.01)
        await queue.throw(StopAsyncIteration())  # what Faust does to a stream's buffer when the stream stops
        await asyncio.wait_for(task, timeout=1)  # ends normally: a RuntimeError here would crash the agent
        return seen

    assert asyncio.run(run()) == [1]
