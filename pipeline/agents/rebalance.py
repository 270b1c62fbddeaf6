"""A fence between the events fetched before a rebalance and those fetched after it."""

from __future__ import annotations

from typing import Any

__all__ = ["RebalanceFence"]


class RebalanceFence:
    """Marks events from consumer generations that a rebalance has ended, so agents leave them alone.

    Faust skips such events when it hands them to a stream, but an agent that takes events in batches may still
    hold some when partitions are revoked, and with manual acks Faust does not wait for it to finish them. Acting
    on one then would count a mention in state that is being handed over, or ack an offset that another worker
    now owns. Nothing is lost by skipping it: after the rebalance Faust seeks every partition back to its
    committed offset, and the event comes again, fetched in the new generation.

    >>> from types import SimpleNamespace
    >>> fence, app = RebalanceFence(), SimpleNamespace(consumer_generation_id=3)
    >>> event = SimpleNamespace(message=SimpleNamespace(generation_id=3))
    >>> fence.is_stale(event)
    False
    >>> fence.close(app)
    >>> fence.is_stale(event), fence.epoch
    (True, 1)
    """

    def __init__(self) -> None:
        self.generation = -1
        self.epoch = 0

    def close(self, app: Any) -> None:
        """Fence off every event fetched so far (call when partitions are revoked)."""
        self.generation = max(self.generation, app.consumer_generation_id or 0)
        self.epoch += 1

    def is_stale(self, event: Any) -> bool:
        """Whether ``event`` was fetched before the last revocation."""
        generation = event.message.generation_id
        return generation is not None and generation <= self.generation
