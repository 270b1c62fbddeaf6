"""A blocking, thread-safe Kafka producer that builds whole record batches: ingest's path to the broker.

kafka-python's ``KafkaProducer.send`` costs about 30 µs a record in Python (partitioning, varint encoding, a
future per record): on its own more than a 20,000 posts/s ingest can afford. aiokafka, already in the stack as
Faust's client, writes records into a batch with a C extension (``create_batch``/``send_batch``) at about 3 µs.
:class:`BatchProducer` wraps that API for synchronous callers: ``send`` appends to the open batch of the record's
partition, a batch goes to the broker when it is full or ``linger_seconds`` old, and delivery is reported once per
batch with how many records of each tag it carried.

The producer is idempotent with ``acks=all``; a batch the cluster has not acknowledged within
``delivery_timeout_seconds`` (2 minutes, as Java's ``delivery.timeout.ms``) is reported failed. Batches are
handed to aiokafka one at a time, in the order they were closed, so each partition keeps its records in send
order. ``send`` blocks while more than ``buffer_bytes`` wait for acknowledgement and raises
:class:`~aiokafka.errors.KafkaTimeoutError` after ``max_block_seconds``: the caller decides whether to wait longer
(ingest does, see :class:`~pipeline.ingest.publisher.PostPublisher`). A record over ``max_record_bytes`` raises
:class:`RecordTooLarge` before it is queued: the broker would refuse its whole batch, and an idempotent producer
would then fail every later batch to that partition.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaTimeoutError

from pipeline.config import KafkaSettings
from pipeline.ingest.partitioning import KeyHashPartitioner

__all__ = ["BatchProducer", "Delivery", "KafkaTimeoutError", "RecordTooLarge"]

logger = logging.getLogger(__name__)

#: Called once per batch from the producer's thread: the records per tag, and the error (None when acknowledged).
Delivery = Callable[[Counter[Hashable], BaseException | None], None]


class RecordTooLarge(ValueError):
    """A record over the producer's ``max_record_bytes``: it was not queued."""


@dataclass
class _OpenBatch:
    topic: str
    partition: int
    builder: Any
    opened: float
    size: int = 0
    tags: Counter[Hashable] = field(default_factory=Counter)


class BatchProducer:
    """Send records to Kafka in batches built in C; report delivery per batch through ``on_delivery``.

    Use as a context manager, or call :meth:`close`, which sends what is open and waits for every answer.
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        client_id: str,
        on_delivery: Delivery,
        *,
        linger_seconds: float = 0.02,
        batch_bytes: int = 512 * 1024,
        max_request_bytes: int = 4 * 1024 * 1024,
        buffer_bytes: int = 64 * 1024 * 1024,
        max_block_seconds: float = 5.0,
        delivery_timeout_seconds: float = 120.0,
        max_record_bytes: int = 1_000_000,
        start_timeout: float = 60.0,
    ) -> None:
        self.linger_seconds = linger_seconds
        self.buffer_bytes = buffer_bytes
        self.max_block_seconds = max_block_seconds
        self.max_record_bytes = max_record_bytes
        self._on_delivery = on_delivery
        self._partitioner = KeyHashPartitioner()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._open: dict[tuple[str, int], _OpenBatch] = {}
        self._buffered = 0
        self._unsettled = 0
        self._known_topics: set[str] = set()
        self._closed = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"{client_id}-producer", daemon=True)
        self._thread.start()
        # aiokafka fails a batch that waited longer than its request timeout: give it Java's delivery.timeout.ms
        options = {"client_id": client_id, "acks": "all", "enable_idempotence": True, "linger_ms": 0,
                   "max_batch_size": batch_bytes, "max_request_size": max_request_bytes,
                   "request_timeout_ms": int(delivery_timeout_seconds * 1000), **kafka.aiokafka()}
        self._queue: asyncio.Queue[_OpenBatch]
        self._tasks: list[asyncio.Task[None]]
        try:
            self._producer: AIOKafkaProducer = self._call(self._start(options), start_timeout)
        except BaseException:
            self._stop_loop()
            raise

    def __enter__(self) -> BatchProducer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def unsettled(self) -> int:
        """Records handed to :meth:`send` and not yet acknowledged or failed."""
        return self._unsettled

    def send(self, topic: str, key: bytes | None, value: bytes, *, tag: Hashable = None,
             headers: list[tuple[str, bytes]] | None = None) -> None:
        """Append one record to its partition's open batch; ``tag`` is what the delivery report counts it under.

        Raises :class:`KafkaTimeoutError` when the buffer stayed full for ``max_block_seconds``, and
        :class:`RecordTooLarge` for a record over ``max_record_bytes``.
        """
        size = len(value) + (len(key) if key else 0)
        if size > self.max_record_bytes:
            raise RecordTooLarge(f"a record of {size} bytes is over the {self.max_record_bytes} byte limit")
        if topic not in self._known_topics:
            self._call(self._producer.partitions_for(topic), self.max_block_seconds)
            self._known_topics.add(topic)
        partition = self._partitioner.partition(topic, key, key, value, value, self._producer.client.cluster)
        with self._changed:
            if self._closed:
                raise RuntimeError("the producer is closed")
            if self._buffered + size > self.buffer_bytes and self._unsettled:
                deadline = time.monotonic() + self.max_block_seconds
                while self._buffered + size > self.buffer_bytes and self._unsettled:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise KafkaTimeoutError(f"{self._buffered} bytes wait for Kafka; the buffer is full")
                    self._changed.wait(remaining)
            batch = self._open.get((topic, partition)) or self._opened(topic, partition)
            if batch.builder.append(key=key, value=value, timestamp=None, headers=headers) is None:
                # full: ship it; the record opens the next batch (a batch always takes its first record)
                self._ship(batch)
                batch = self._opened(topic, partition)
                batch.builder.append(key=key, value=value, timestamp=None, headers=headers)
            batch.size += size
            batch.tags[tag] += 1
            self._buffered += size
            self._unsettled += 1

    def flush(self, timeout: float | None = None) -> bool:
        """Send every open batch and wait until all records are settled; False if ``timeout`` ran out first."""
        with self._changed:
            for batch in list(self._open.values()):
                self._ship(batch)
            return self._changed.wait_for(lambda: self._unsettled == 0, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Flush, then stop the aiokafka producer and the thread."""
        if self._closed:
            return
        try:
            self.flush(timeout)
        finally:
            self._closed = True
            try:
                self._call(self._shutdown(), 30.0)
            finally:
                self._stop_loop()

    # -- inside the lock -------------------------------------------------------------------------------------------

    def _opened(self, topic: str, partition: int) -> _OpenBatch:
        batch = self._open[(topic, partition)] = _OpenBatch(topic, partition, self._producer.create_batch(),
                                                            time.monotonic())
        return batch

    def _ship(self, batch: _OpenBatch) -> None:
        del self._open[(batch.topic, batch.partition)]
        self._loop.call_soon_threadsafe(self._queue.put_nowait, batch)

    # -- on the producer's event loop ------------------------------------------------------------------------------

    async def _start(self, options: dict[str, Any]) -> AIOKafkaProducer:
        """Start aiokafka, then the batch queue and the tasks that drain it (all belong to this loop)."""
        producer = AIOKafkaProducer(**options)
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._queue = asyncio.Queue()
        self._tasks = [asyncio.create_task(self._submit_in_order()), asyncio.create_task(self._ship_lingering())]
        return producer

    async def _shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._producer.stop()

    async def _submit_in_order(self) -> None:
        while True:
            batch = await self._queue.get()
            try:
                future = await self._producer.send_batch(batch.builder, batch.topic, partition=batch.partition)
            except Exception as error:  # reported to the caller through the delivery callback
                self._settle(batch, error)
                continue
            future.add_done_callback(lambda done, batch=batch: self._settle(batch, _error_of(done)))

    async def _ship_lingering(self) -> None:
        while True:
            await asyncio.sleep(self.linger_seconds / 2)
            cutoff = time.monotonic() - self.linger_seconds
            with self._lock:
                for batch in [batch for batch in self._open.values() if batch.opened <= cutoff]:
                    self._ship(batch)

    def _settle(self, batch: _OpenBatch, error: BaseException | None) -> None:
        try:
            self._on_delivery(batch.tags, error)
        except Exception:  # a faulty callback must not wedge the producer
            logger.exception("the delivery callback failed")
        with self._changed:
            self._buffered -= batch.size
            self._unsettled -= sum(batch.tags.values())
            self._changed.notify_all()

    # -- helpers ---------------------------------------------------------------------------------------------------

    def _call(self, coroutine: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._loop.close()


def _error_of(done: asyncio.Future[Any]) -> BaseException | None:
    """None for an acknowledged batch, else why it failed."""
    if done.cancelled():
        return asyncio.CancelledError("the batch was cancelled")
    return done.exception()
