"""A Faust Kafka transport whose consumer hands fetched records to the streams with one race per batch.

Faust 0.15's ``Consumer._drain_messages`` delivers every record through
``Service.wait_first(callback(message), suspend_flow.wait())``: four tasks, an ``asyncio.wait`` and three
cancellations per record, so that a rebalance (which sets ``suspend_flow``) can interrupt a delivery blocked on
flow control or a full stream buffer (faust-streaming issue #229). That race costs more CPU than anything a
record does in Siaga's agents.

:class:`BatchDrainConsumer` keeps the race but runs it once per fetched batch: one task delivers the batch's
records one after the other (same order, same offset bookkeeping, same commit-every check), and a rebalance
cancels that task exactly as it cancelled a single delivery before. Records of the batch not yet delivered are
dropped, as Faust drops them on a rebalance; their offsets are not marked read, so the seek to the committed
offsets that follows a rebalance delivers them again (at least once). The conductor's per-partition handlers
are read once per batch rather than under the conductor's lock once per record.

Seeks within a generation. After a rebalance Faust resumes the assigned partitions *before* it seeks them to
their committed offsets (``Recovery.on_recovery_completed``), so records arrive while the seek is on its way, and
the seek resets the partition's read offset to the committed one. Faust's drain loop then takes the next record
of a batch fetched before the seek for a jump past the read offset, and records the offsets in between as a
*gap*: ``Consumer._new_offset`` counts gap offsets as acknowledged, so Faust committed records that had been
delivered but not acknowledged (mentions counted in open windows, not yet checkpointed: lost when the partition
moved on). This consumer remembers the last record it handed over in the current generation: a record at or
before it was handed over already and is not handed over again (no offset reaches a stream twice within a
generation), and a jump is measured from it, so a gap is only ever offsets past every record handed over that
hold no record (compaction, transaction markers, retention).

Buffers survive a redundant resume. Faust's flow control clears every stream buffer whenever it is resumed, and
after a rebalance it is resumed twice: once to read the changelogs, and again at the end of recovery, *after* the
stream partitions were resumed and sought. Records of the new generation delivered in between (a whole fetch,
hundreds of mentions) were dropped from the agent's buffer, and since they had been handed over and read, they
were never fetched again: a subject's windows silently missed them (seen in the failover test, a third of runs).
:class:`ResumeKeepsBuffers` clears the buffers only when flow resumes after a suspension (a revocation, which
clears them itself as well); records of an ended generation that stay buffered are dropped by the agents, which
check each record's generation (:mod:`pipeline.agents.batches`).

Everything else (fetching, acks, commits) is Faust's own code.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

from faust import App
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP, Message
from faust.types.transports import ConsumerCallback, TransportT
from mode import Service, ServiceT
from mode.utils.objects import cached_property
from mode.utils.queues import FlowControlEvent

from pipeline.agent_failure import StopOnFailure

__all__ = ["BatchDrainConsumer", "BatchDrainTransport", "ResumeKeepsBuffers", "SiagaApp"]

#: Records delivered between two yields to the event loop (as in Faust's own drain loop).
YIELD_EVERY = 100


class BatchDrainConsumer(aiokafka_driver.Consumer):
    """Faust's aiokafka consumer with the per-record rebalance race replaced by a per-batch one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: (generation, offset) of the last record handed to the streams, per partition
        self._handed_over: dict[TP, tuple[int | None, int]] = {}

    async def _drain_messages(self, fetcher: ServiceT) -> None:  # pragma: no cover - runs inside a worker
        consumer_should_stop = cast(Service, self)._stopped.is_set
        fetcher_should_stop = cast(Service, fetcher)._stopped.is_set
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                self.diag.set_flag(CONSUMER_FETCHING)
                records = cast(AsyncIterator[tuple[TP, Message]], self.getmany(timeout=1.0))
                await self.sleep(0)
                if not self.should_stop:
                    try:
                        first = await anext(records)
                    except StopAsyncIteration:
                        first = None
                    if first is not None:
                        await self.wait_first(self._deliver(first, records), self.suspend_flow.wait())
                self.diag.unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                self.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                self.log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            self.diag.unset_flag(CONSUMER_FETCHING)

    async def _deliver(self, first: tuple[TP, Message], rest: AsyncIterator[tuple[TP, Message]]) -> None:
        """Hand one fetched batch to the conductor, record by record, as Faust's drain loop does."""
        handlers = await self._partition_handlers()
        await self._deliver_one(*first, handlers.get(first[0], self.callback))
        since_yield = 1
        async for tp, message in rest:
            since_yield += 1
            if since_yield > YIELD_EVERY:
                await asyncio.sleep(0)
                since_yield = 0
            await self._deliver_one(tp, message, handlers.get(tp, self.callback))

    async def _partition_handlers(self) -> dict[TP, ConsumerCallback]:
        """The conductor's handler of each assigned partition, read once per batch.

        Faust's conductor callback looks the handler up under its lock for every record; a rebalance, the only
        time the handlers change while records flow, cancels the batch's delivery anyway. Partitions without a
        handler here (and a client-only app) go through the conductor callback as before.
        """
        conductor = self.app.topics
        lock = getattr(conductor, "_tp_to_callback_lock", None)
        handlers = getattr(conductor, "_tp_to_callback", None)
        if lock is None or handlers is None or self.app.client_only:
            return {}
        async with lock:
            return dict(handlers)

    async def _deliver_one(self, tp: TP, message: Message, handler: ConsumerCallback) -> None:
        offset = message.offset
        read_offset = self._read_offset[tp]
        if read_offset is not None and offset < read_offset:
            self.log.dev("DROPPED MESSAGE ROFF %r: k=%r v=%r", offset, message.key, message.value)
            return
        previous = read_offset
        handed = self._handed_over.get(tp)
        if handed is not None and handed[0] == message.generation_id:
            if offset <= handed[1]:
                # fetched again after a seek within this generation: the streams have it already
                self.log.dev("DROPPED MESSAGE HANDED OVER %r: k=%r v=%r", offset, message.key, message.value)
                return
            previous = handed[1] if read_offset is None else max(read_offset, handed[1])
        if previous is not None and offset - previous > 1 and self.app.topics.acks_enabled_for(message.topic):
            await self._add_gap(tp, previous + 1, offset)
        if self._commit_every is not None and self._n_acked >= self._commit_every:
            self._n_acked = 0
            await self.commit()
        await handler(message)
        self._read_offset[tp] = offset
        self._handed_over[tp] = (message.generation_id, offset)


class BatchDrainTransport(aiokafka_driver.Transport):
    """The aiokafka transport with :class:`BatchDrainConsumer`."""

    Consumer = BatchDrainConsumer


class ResumeKeepsBuffers(FlowControlEvent):
    """Faust's flow control, except that resuming flow that is not suspended leaves the stream buffers alone.

    >>> from mode.utils.queues import FlowControlQueue
    >>> flow = ResumeKeepsBuffers(initially_suspended=False)
    >>> buffer = FlowControlQueue(flow_control=flow, clear_on_resume=True)
    >>> buffer.put_nowait("record")
    >>> flow.resume(); buffer.qsize()
    1
    >>> flow.suspend(); flow.resume(); buffer.qsize()
    0
    """

    def resume(self) -> None:
        """Resume suspended flow as Faust does (clearing the buffers); flow that is not suspended stays as it is."""
        if not self.is_active():
            super().resume()


class SiagaApp(App):
    """A Faust app that consumes through :class:`BatchDrainTransport`, with :class:`ResumeKeepsBuffers`, and
    stops when an agent fails (:class:`~pipeline.agent_failure.StopOnFailure`) instead of skipping its batch."""

    @cached_property
    def agent_failure(self) -> StopOnFailure:
        """What the agents do when one fails; its ``reason`` is the first failure."""
        return StopOnFailure()

    async def _on_agent_error(self, agent: Any, exc: BaseException) -> None:
        await super()._on_agent_error(agent, exc)  # Faust's own: commits what the agents acknowledged
        await self.agent_failure(agent, exc)

    @cached_property
    def flow_control(self) -> FlowControlEvent:
        """Flow control of the streams (see :class:`ResumeKeepsBuffers`)."""
        return ResumeKeepsBuffers(loop=self.loop)

    def _new_transport(self) -> TransportT:
        return BatchDrainTransport(self.conf.broker_consumer, self)
