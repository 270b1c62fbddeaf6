"""The subject agent: mentions in, per-subject event-time windows, detection and crisis events out.

Delivery guarantee. Mentions are acknowledged by hand: a mention's offset is acked only once its window has
closed *and* the subject's tracker has been checkpointed to the changelog-backed table (Kafka has acknowledged
the checkpoint). Acks go in offset order, never past a mention still waiting: Faust commits the run of acked
offsets that follows the committed one, and would skip a single unacked mention at its head. A worker that dies
therefore restarts from a table state that already counts every acked mention, and Kafka redelivers the rest;
the tracker drops redelivered post ids, so every window counts each post once and the same windows produce the
same events with the same ids. Crisis events are sent at once (not held until
the next offset commit) and awaited until Kafka acknowledges them.

Rebalances. When partitions are revoked, every tracker and unacknowledged mention of this worker is dropped, and
a fence makes the agent skip the events it fetched before (see ``RebalanceFence``): Faust seeks back to the
committed offsets, so they come again. A checkpoint already on its way to Kafka is waited for before the worker
rejoins the group (or, at shutdown, leaves it), so the partition's next owner, which reads the changelog once the
rebalance completes, finds it there rather than having it land on top of its own later checkpoints. Once the
table is recovered, each assigned partition's trackers are loaded from their checkpoints, and its watermark
restarts where its windows last closed, so a subject that falls silent after a move still resolves.

Event time. Each partition keeps a watermark: the latest ``created_at`` seen. Windows close when it passes
their end plus the allowed lateness. When a partition goes quiet, a timer moves its watermark on with the wall
clock, so a subject that falls silent still closes its windows and resolves its incident.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from detectors.tracker import SubjectTracker
from pipeline import metrics
from pipeline.agents.batches import event_batches
from pipeline.agents.rebalance import RebalanceFence
from pipeline.app import Streams
from pipeline.config import Settings
from pipeline.subject_metrics import count_open_incidents, observe_events, observe_tracker
from pipeline.windowing import closable_index, window_end
from schemas.crisis_event import CrisisEvent
from schemas.errors import SchemaError
from schemas.mention import Mention
from schemas.watchlist import Watchlist

__all__ = ["SubjectStage", "attach_subject_agent"]

logger = logging.getLogger(__name__)

STATE_VERSION = 1
#: Most mentions read per batch (a batch is whatever is buffered, up to this; acks stay manual, per window).
BATCH_SIZE = 500
#: Checkpoints are coalesced to at most one per this many seconds of wall clock (windows closing faster than
#: that, as in a replay of history, share one checkpoint; live, every window close is checkpointed).
CHECKPOINT_SECONDS = 0.5
#: Longest wait, when partitions are revoked or the worker stops, for a checkpoint already on its way to Kafka.
HANDOVER_SECONDS = 15.0


@dataclass
class PartitionClock:
    """Event-time progress and unacknowledged mentions of one mentions-topic partition."""

    watermark: float = -math.inf
    swept: int = -(2**62)
    last_arrival: float = 0.0
    closing_ingested_at: float | None = None
    held: list[tuple[float, Any]] = field(default_factory=list)  # (window end, event) in offset order
    dirty: set[str] = field(default_factory=set)
    checkpoint_due: bool = False
    last_checkpoint: float = 0.0

    def count_final(self, final_until: float) -> int:
        """How many held events lead the queue with windows ending at or before ``final_until``.

        >>> clock = PartitionClock(held=[(60.0, "a"), (-math.inf, "b"), (180.0, "c"), (60.0, "d")])
        >>> clock.count_final(120.0), clock.take(2), [event for _, event in clock.held]
        (2, ['a', 'b'], ['c', 'd'])
        """
        final = 0
        for end, _ in self.held:
            if end > final_until:
                break
            final += 1
        return final

    def take(self, count: int) -> list[Any]:
        """Remove and return the first ``count`` held events."""
        taken = [event for _, event in self.held[:count]]
        del self.held[:count]
        return taken


class SubjectStage:
    """Owns the trackers of the subjects whose partitions this worker holds."""

    def __init__(self, streams: Streams, watchlist: Watchlist, settings: Settings) -> None:
        self.streams = streams
        self.subjects = watchlist.by_id()
        self.window_seconds = settings.window_seconds
        self.allowed_lateness = settings.allowed_lateness_seconds
        self.idle_close_seconds = settings.idle_close_seconds
        self.source = settings.source_name
        self.trackers: dict[str, SubjectTracker] = {}
        self.partition_of: dict[str, int] = {}
        self.clocks: dict[int, PartitionClock] = {}
        self.fence = RebalanceFence()
        self._checkpointing = asyncio.Lock()
        self.ack: Callable[[Any], Awaitable[bool]] = _no_stream

    # Records --------------------------------------------------------------------------------------------------

    async def process_batch(self, events: list[Any]) -> None:
        """Handle a batch of mention records, in order (called by the agent, inside Faust's event context)."""
        now = time.time()
        metrics.MENTIONS_CONSUMED.inc(len(events))
        for event in events:
            await self.process(event, now)

    async def process(self, event: Any, arrived: float) -> None:
        """Handle one mention record that arrived at ``arrived`` (wall clock)."""
        if self.fence.is_stale(event):
            return
        epoch = self.fence.epoch
        partition = event.message.partition
        clock = self._clock(partition)
        clock.last_arrival = arrived
        try:
            mention = Mention.from_json(event.value)
        except SchemaError as error:
            logger.warning("skipping an invalid mention at %s/%d: %s", partition, event.message.offset, error)
            await self._settle(clock, event)
            return
        tracker = self._tracker(mention.subject_id, partition)
        if tracker is None:
            await self._settle(clock, event)
            return
        outcome = tracker.add(mention)
        if outcome == "counted":
            clock.held.append((window_end(mention.created_at, self.window_seconds), event))
            clock.dirty.add(mention.subject_id)
        else:
            if outcome == "late":
                metrics.MENTIONS_LATE.labels(mention.subject_id).inc()
            await self._settle(clock, event)
        if mention.created_at > clock.watermark:
            clock.watermark = mention.created_at
            clock.closing_ingested_at = mention.ingested_at
            boundary = closable_index(clock.watermark, self.window_seconds, self.allowed_lateness)
            if boundary > clock.swept:
                clock.swept = boundary
                await self._sweep(partition, clock, clock.watermark)
                if epoch != self.fence.epoch:
                    return
                clock.checkpoint_due = True
        if clock.checkpoint_due and time.monotonic() - clock.last_checkpoint >= CHECKPOINT_SECONDS:
            await self._checkpoint(partition, clock)

    async def on_timer(self) -> None:
        """Close windows of quiet partitions and write checkpoints that are due (called every second)."""
        now, epoch = time.time(), self.fence.epoch
        for partition, clock in list(self.clocks.items()):
            if epoch != self.fence.epoch:
                return
            idle = now - clock.last_arrival
            if not math.isinf(clock.watermark) and idle >= self.idle_close_seconds:
                watermark = clock.watermark + idle
                boundary = closable_index(watermark, self.window_seconds, self.allowed_lateness)
                if boundary > clock.swept:
                    clock.swept = boundary
                    clock.closing_ingested_at = None
                    await self._sweep(partition, clock, watermark)
                    if epoch != self.fence.epoch:
                        return
                    clock.checkpoint_due = True
            if clock.checkpoint_due:
                await self._checkpoint(partition, clock)

    async def revoke(self, app: Any, partitions: set[int]) -> None:
        """Forget the trackers and held mentions of revoked partitions, fence off the events fetched so far, and
        wait until a checkpoint already on its way to Kafka has arrived.

        The held mentions are not lost: they were never acked, so they come again from the committed offset,
        to this worker or to the one that takes the partition over, which restores the trackers from the table.
        The wait keeps the changelog in step with the offsets. Without it, a checkpoint sent just before the
        revocation could reach Kafka after the partition's next owner had read the changelog, started from the
        committed offsets and written checkpoints of its own; the late record, being the last, would then be the
        state a later restore loads, older than the committed offsets, and the mentions between would be missed.
        """
        self.fence.close(app)
        for partition in partitions:
            self.clocks.pop(partition, None)
        for subject_id in [sid for sid, p in self.partition_of.items() if p in partitions]:
            self.trackers.pop(subject_id, None)
            self.partition_of.pop(subject_id, None)
        await self._checkpoint_settled()

    def assign(self, partitions: set[int]) -> None:
        """Load the trackers of newly owned partitions (after table recovery) and restart their event time.

        The watermark restarts at the point where the partition's last window closed, so the idle timer can close
        the windows of subjects that receive no mention after the move.
        """
        for partition in sorted(partitions):
            clock = self._clock(partition)
            ends = [tracker.last_closed_end for subject_id, tracker in self.trackers.items()
                    if self.partition_of[subject_id] == partition and tracker.last_closed_end is not None]
            if ends and math.isinf(clock.watermark):
                clock.watermark = max(ends) + self.allowed_lateness
                clock.swept = closable_index(clock.watermark, self.window_seconds, self.allowed_lateness)
                clock.last_arrival = time.time()

    # Internals --------------------------------------------------------------------------------------------------

    async def _checkpoint_settled(self) -> None:
        """Wait (up to ``HANDOVER_SECONDS``) for the checkpoint in progress, if any, to be acknowledged by Kafka.

        ``asyncio.timeout`` rather than ``wait_for``: on Python 3.11, ``wait_for`` can lose an acquisition that
        completes as the time runs out, and a lock left held would stop every later checkpoint.
        """
        try:
            async with asyncio.timeout(HANDOVER_SECONDS):
                await self._checkpointing.acquire()
        except TimeoutError:
            logger.error("a checkpoint was still on its way to Kafka after %.0f s; handing the partitions over "
                         "without it", HANDOVER_SECONDS)
            return
        self._checkpointing.release()

    async def _settle(self, clock: PartitionClock, event: Any) -> None:
        """Ack an event that counts in no window: now, or after the earlier mentions still held.

        Held mentions leave the queue only when they are acked, so one covered by a checkpoint on its way to
        Kafka still holds back what arrives after it.
        """
        if clock.held:
            clock.held.append((-math.inf, event))
        else:
            await self.ack(event)

    def _clock(self, partition: int) -> PartitionClock:
        clock = self.clocks.get(partition)
        if clock is None:
            clock = self.clocks[partition] = PartitionClock()
            self._restore_partition(partition)
        return clock

    def _restore_partition(self, partition: int) -> None:
        """Load every checkpointed subject of a newly owned partition, silent ones included."""
        restored = 0
        for key, value in list(self.streams.subject_state.items()):
            if not value:
                continue
            state = orjson.loads(value)
            subject_id = key.decode()
            if state.get("partition") != partition or subject_id in self.trackers:
                continue
            if self._load(subject_id, partition, state) is not None:
                restored += 1
        if restored:
            logger.info("partition %d: restored %d subject trackers from the changelog", partition, restored)

    def _tracker(self, subject_id: str, partition: int) -> SubjectTracker | None:
        tracker = self.trackers.get(subject_id)
        if tracker is not None:
            return tracker
        subject = self.subjects.get(subject_id)
        if subject is None:
            logger.warning("mention of subject %r, which is not in the watchlist: skipped", subject_id)
            return None
        saved = self.streams.subject_state.get(subject_id.encode())
        if saved:
            tracker = self._load(subject_id, partition, orjson.loads(saved))
        if tracker is None:
            tracker = SubjectTracker(subject, window_seconds=self.window_seconds,
                                     allowed_lateness=self.allowed_lateness, source=self.source)
        self.trackers[subject_id] = tracker
        self.partition_of[subject_id] = partition
        return tracker

    def _load(self, subject_id: str, partition: int, state: dict[str, Any]) -> SubjectTracker | None:
        subject = self.subjects.get(subject_id)
        if subject is None or state.get("version") != STATE_VERSION:
            return None
        try:
            tracker = SubjectTracker.from_dict(state["tracker"], subject)
        except (KeyError, ValueError) as error:
            logger.error("cannot restore subject %r from the changelog (%s): it starts afresh", subject_id, error)
            return None
        self.trackers[subject_id] = tracker
        self.partition_of[subject_id] = partition
        observe_tracker(subject, tracker)
        return tracker

    async def _sweep(self, partition: int, clock: PartitionClock, watermark: float) -> None:
        events: list[CrisisEvent] = []
        for subject_id in sorted(sid for sid, p in self.partition_of.items() if p == partition):
            tracker = self.trackers[subject_id]
            closed_before = tracker.closed_windows
            events.extend(tracker.advance(watermark))
            if tracker.closed_windows != closed_before:
                clock.dirty.add(subject_id)
                metrics.WINDOWS_CLOSED.labels(subject_id).inc(tracker.closed_windows - closed_before)
                observe_tracker(self.subjects[subject_id], tracker)
        count_open_incidents(self.trackers.values())
        await self._emit(events, clock.closing_ingested_at)

    async def _emit(self, events: list[CrisisEvent], closing_ingested_at: float | None) -> None:
        """Send a sweep's events together, then wait for each to be acknowledged, in order.

        Sending them one round trip at a time made the last of ten simultaneous onsets wait for nine acks.
        The producer keeps each partition's records in the order they were sent.
        """
        epoch = self.fence.epoch
        deliveries = []
        for crisis_event in events:
            if epoch != self.fence.epoch:
                break
            deliveries.append(await self.streams.crisis_events.send(
                key=crisis_event.subject.encode(), value=crisis_event.to_json(), force=True,
            ))
        for crisis_event, pending in zip(events, deliveries, strict=False):
            await pending
            if closing_ingested_at is not None:
                metrics.WINDOW_CLOSE_TO_EVENT.observe(max(0.0, time.time() - closing_ingested_at))
            logger.info("crisis event %s (%s)", crisis_event.id, crisis_event.data.get("severity"))
        if len(deliveries) == len(events):
            observe_events(events)

    async def _checkpoint(self, partition: int, clock: PartitionClock) -> None:
        """Write changed trackers to the table, wait until Kafka has them, then ack the mentions they cover.

        Covered are the held mentions whose windows were final when the trackers were written; mentions that
        arrive while the checkpoint is on its way wait for the next one. Checkpoints run one at a time, so acks
        stay in offset order. The wait is on each changelog record's own delivery: Faust's ``producer.flush()``
        returns once its send buffer has been idle for 0.1 s, empty or not.

        Each record goes to ``partition``, its subject's mentions partition (where a restore looks for it). Left to
        Faust, the partition is looked up at once in the producer's cached metadata, which need not list the
        changelog yet (Faust creates it at start, and a broker that has not heard of it may answer the refresh):
        the lookup raised a TypeError, Faust restarted the agent, and the rest of its batch was never counted.
        """
        epoch = self.fence.epoch
        async with self._checkpointing:
            if epoch != self.fence.epoch:
                return
            clock.checkpoint_due = False
            clock.last_checkpoint = time.monotonic()
            table = self.streams.subject_state
            deliveries = []
            for subject_id in sorted(clock.dirty):
                key = subject_id.encode()
                value = orjson.dumps({"version": STATE_VERSION, "partition": partition,
                                      "tracker": self.trackers[subject_id].to_dict()})
                table.data[key] = value
                deliveries.append(table.send_changelog(partition, key, value))
            clock.dirty.clear()
            covered = clock.count_final(clock.swept * self.window_seconds)
            if deliveries:
                await asyncio.gather(*deliveries)
            if epoch != self.fence.epoch:
                return
            for final_event in clock.take(covered):
                await self.ack(final_event)


async def _no_stream(event: Any) -> bool:
    raise RuntimeError("the subject agent has not started: there is no stream to acknowledge on")


def attach_subject_agent(streams: Streams, stage: SubjectStage) -> None:
    """Declare the subject agent, its idle-close timer and its rebalance hook."""
    mentions_topic = streams.mentions.get_topic_name()

    @streams.app.agent(streams.mentions, name="siaga.subjects", concurrency=1)
    async def subjects(stream):  # type: ignore[no-untyped-def]
        stage.ack = stream.ack
        async for batch in event_batches(stream, BATCH_SIZE):
            await stage.process_batch(batch)

    @streams.app.timer(interval=1.0)
    async def close_idle() -> None:
        await stage.on_timer()

    @streams.app.on_partitions_revoked.connect
    async def on_revoked(app: Any, revoked: set[Any], **_: Any) -> None:
        await stage.revoke(app, {tp.partition for tp in revoked if tp.topic == mentions_topic})

    @streams.app.on_before_shutdown.connect
    async def on_shutdown(app: Any, **_: Any) -> None:
        # sent once the fetcher has stopped and before the agents are cancelled and the consumer leaves the group
        await stage.revoke(app, set(stage.clocks))

    @streams.subject_state.on_recover
    async def on_recovered() -> None:
        assigned = streams.app.consumer.assignment()
        stage.assign({tp.partition for tp in assigned if tp.topic == mentions_topic})
