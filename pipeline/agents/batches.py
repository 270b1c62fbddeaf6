"""Read an agent's records in batches straight from its Faust channel buffer.

Faust's stream iterator spends a round through the event loop, a processor coroutine and sensor calls on every
event, and ``take_events`` adds a buffer task on top; for Siaga's agents, which handle records in batches
anyway, that bookkeeping cost more than the agents' own work per record. :func:`event_batches` takes whatever
the conductor has already put in the stream's channel buffer (at least one event, at most ``max_size``) and
does, once per batch, what the stream iterator does per event:

* events fetched before a rebalance (an older consumer generation, or while flow control is suspended) are
  dropped without an ack, exactly as the stream iterator drops them: the consumer seeks back to the committed
  offsets and delivers them again;
* every other event is tracked as unacknowledged until the agent acks it with ``stream.ack(event)``, so Faust
  commits an offset only once every record before it has been acked (at least once);
* the sensors hear when each partition's stream last took an event (Faust's slow-stream check reads it);
* when the stream stops (Faust throws ``StopAsyncIteration`` into its buffer) the batches end, as the stream
  iterator does; raised out of an async generator it would become a ``RuntimeError``, crash the agent during
  shutdown and leave the worker hanging until it is killed, its partitions unowned for a session timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import faust
from faust.types import EventT

__all__ = ["event_batches"]


async def event_batches(stream: faust.StreamT, max_size: int) -> AsyncIterator[list[EventT]]:
    """Batches of the events waiting in ``stream``'s channel buffer, in arrival order; ack each one when done."""
    app = stream.app
    queue = aiter(stream.channel).queue  # the buffer Faust's own stream iteration reads
    consumer = app.consumer
    unacked = consumer.unacked
    acks_enabled_for = app.topics.acks_enabled_for
    sensors = app.sensors
    flow_control = app.flow_control
    while True:
        try:
            waiting: list[Any] = [await queue.get()]
        except StopAsyncIteration:  # Faust throws this into the buffer when the stream stops: the batches end
            return
        while len(waiting) < max_size and not queue.empty():
            waiting.append(queue.get_nowait())
        if not flow_control.is_active():
            continue
        generation = app.consumer_generation_id
        events: list[EventT] = []
        latest: dict[Any, EventT] = {}
        for event in waiting:
            message = event.message
            if message.generation_id != generation:
                continue
            if not message.tracked and acks_enabled_for(message.topic):
                message.tracked = True
                unacked.add(message)
                sensors.on_message_in(message.tp, message.offset, message)
            latest[message.tp] = event
            events.append(event)
        for tp, event in latest.items():
            sensors.on_stream_event_in(tp, event.message.offset, stream, event)
        if events:
            yield events
