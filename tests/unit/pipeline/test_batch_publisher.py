"""The batch publisher: records grouped by the producer's partition, in order, a full batch sent and a new one begun."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from pipeline.batch_publisher import BatchPublisher


@dataclass
class FakeBatch:
    """A batch builder that holds ``capacity`` records."""

    capacity: int
    records: list[tuple[bytes, bytes]] = field(default_factory=list)

    def append(self, *, key: bytes, value: bytes, timestamp: float | None) -> object | None:
        if len(self.records) >= self.capacity:
            return None
        self.records.append((key, value))
        return object()


class FakeKafka:
    """The slice of aiokafka's producer the publisher uses."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.sent: list[tuple[int, list[tuple[bytes, bytes]]]] = []

    async def partitions_for(self, topic: str) -> set[int]:
        return {0, 1}

    def create_batch(self) -> FakeBatch:
        return FakeBatch(self.capacity)

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int) -> asyncio.Future[Any]:
        self.sent.append((partition, batch.records))
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def _publisher(kafka: FakeKafka) -> BatchPublisher:
    lookups: list[bytes] = []

    def key_partition(topic: str, key: bytes) -> SimpleNamespace:
        lookups.append(key)
        return SimpleNamespace(partition=0 if key.startswith(b"a") else 1)

    producer = SimpleNamespace(_ensure_producer=lambda: kafka, key_partition=key_partition, lookups=lookups)
    return BatchPublisher(SimpleNamespace(producer=producer), "mentions")  # type: ignore[arg-type]


def test_records_keep_their_order_within_a_partition_and_a_full_batch_is_sent_before_a_new_one() -> None:
    kafka = FakeKafka(capacity=2)
    publisher = _publisher(kafka)
    records = [(b"a1", b"1"), (b"b1", b"2"), (b"a2", b"3"), (b"a3", b"4"), (b"b2", b"5")]
    assert len(asyncio.run(publisher.publish(records))) == 3  # one delivery a batch
    assert kafka.sent == [(0, [(b"a1", b"1"), (b"a2", b"3")]), (0, [(b"a3", b"4")]),
                          (1, [(b"b1", b"2"), (b"b2", b"5")])]


def test_a_key_is_partitioned_once_and_nothing_is_sent_for_no_records() -> None:
    kafka = FakeKafka(capacity=10)
    publisher = _publisher(kafka)
    asyncio.run(publisher.publish([(b"a1", b"1"), (b"a1", b"2")]))
    asyncio.run(publisher.publish([]))
    assert publisher.app.producer.lookups == [b"a1"]  # type: ignore[attr-defined]
    assert kafka.sent == [(0, [(b"a1", b"1"), (b"a1", b"2")])]


def test_every_key_is_placed_before_a_send_can_refresh_the_producers_metadata() -> None:
    kafka = FakeKafka(capacity=1)
    publisher = _publisher(kafka)
    producer = publisher.app.producer
    place = producer.key_partition  # type: ignore[attr-defined]

    def key_partition(topic: str, key: bytes) -> SimpleNamespace:
        # a refresh during a send may leave out a topic the producer has not asked for by name: Faust then raises
        if kafka.sent:
            raise TypeError("'NoneType' object is not iterable")
        return place(topic, key)

    producer.key_partition = key_partition  # type: ignore[attr-defined]
    asyncio.run(publisher.publish([(b"a1", b"1"), (b"a2", b"2"), (b"b1", b"3")]))
    assert kafka.sent == [(0, [(b"a1", b"1")]), (0, [(b"a2", b"2")]), (1, [(b"b1", b"3")])]
