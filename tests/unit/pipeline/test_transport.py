"""The batch-draining consumer's offset bookkeeping: Faust commits an offset only once every record before it was acked.

These drive the real consumer class (Faust's ``ack``, ``perform_seek``, ``_add_gap`` and ``_new_offset``) through
the interleavings that a rebalance produces, without a broker: what is fetched and when the seek lands is what
the tests choose.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from faust.transport.consumer import ConsumerMessage
from faust.types import TP, Message

from pipeline.transport import BatchDrainConsumer, SiagaApp

TOPIC = "unit.siaga.mentions"
GENERATION = 7


class Harness:
    """A worker's consumer for one acked topic partition, and the offsets its streams were handed."""

    def __init__(self) -> None:
        self.app = SiagaApp("unit-transport", broker="kafka://127.0.0.1:9", store="memory://", web_enabled=False)
        self.app.topics.acking_topics.add(TOPIC)
        consumer = self.app.consumer
        assert isinstance(consumer, BatchDrainConsumer)
        self.consumer = consumer
        self.tp = TP(TOPIC, 0)
        self.handed: list[int] = []
        self.messages: dict[int, Message] = {}

    async def fetched(self, offsets: Iterable[int], generation: int = GENERATION) -> None:
        """Hand the records of one fetch at ``offsets`` to the streams, as the drain loop does."""
        for offset in offsets:
            message = ConsumerMessage(TOPIC, 0, offset, 0.0, 0, None, b"k", b"v", None, 1, 1, self.tp,
                                      generation_id=generation)
            await self.consumer._deliver_one(self.tp, message, self._stream)

    async def _stream(self, message: Message) -> None:
        self.handed.append(message.offset)
        self.messages.setdefault(message.offset, message)

    async def seek_to_committed(self, committed: int) -> None:
        """Faust's own seek to the committed offset (what recovery does once the table is restored)."""

        async def committed_offsets() -> dict[TP, int]:
            return {self.tp: committed}

        self.consumer.seek_to_committed = committed_offsets  # type: ignore[method-assign]
        await self.consumer.perform_seek()

    def ack(self, offsets: Iterable[int]) -> None:
        for offset in offsets:
            self.consumer.ack(self.messages[offset])

    def commit(self) -> int | None:
        """Commit as Faust's commit timer does, as often as it finds something new; the committed offset."""
        consumer = self.consumer
        while (offset := consumer._new_offset(self.tp)) is not None and consumer._should_commit(self.tp, offset):
            consumer._committed_offset[self.tp] = offset
        return consumer._committed_offset[self.tp]


def test_a_seek_landing_mid_batch_commits_nothing_that_was_not_acked() -> None:
    async def scenario() -> tuple[list[int], int | None]:
        harness = Harness()
        # the partition is resumed before the seek to the committed offset (100): a fetch from there is being
        # handed over when the seek lands, and the rest of that fetch follows it
        await harness.fetched(range(100, 106))
        await harness.seek_to_committed(100)
        await harness.fetched(range(106, 111))
        # the fetcher, sought back to 100, fetches those records again, then new ones
        await harness.fetched(range(100, 113))
        # the agent has checkpointed and acked the first three; the rest are in open windows
        harness.ack(range(100, 103))
        return harness.handed, harness.commit()

    handed, committed = asyncio.run(scenario())
    assert committed == 103, "Faust would commit records delivered but never acked"
    assert handed == list(range(100, 113)), "every record is handed to the streams once per generation"


def test_a_new_generation_hands_records_over_again() -> None:
    async def scenario() -> list[int]:
        harness = Harness()
        await harness.fetched(range(100, 106))
        # revoked and assigned again (Faust forgets the read offset), then sought to the committed offset
        harness.consumer._read_offset.pop(harness.tp, None)
        await harness.seek_to_committed(102)
        await harness.fetched(range(102, 108), generation=GENERATION + 1)
        return harness.handed

    assert asyncio.run(scenario()) == [100, 101, 102, 103, 104, 105, 102, 103, 104, 105, 106, 107]


def test_offsets_without_records_do_not_hold_commits_back() -> None:
    async def scenario() -> tuple[int | None, int | None]:
        harness = Harness()
        await harness.seek_to_committed(100)
        # offsets 102 and 103 hold no record (compacted away, transaction markers, or past retention)
        await harness.fetched([100, 101, 104, 105])
        harness.ack([100, 101])
        before = harness.commit()
        harness.ack([104])
        return before, harness.commit()

    assert asyncio.run(scenario()) == (102, 105)
