"""The subject stage checkpoints each subject to its mentions partition, never leaving the partition to Faust.

Left to Faust, a changelog record's partition is looked up in the producer's cached metadata at once, and that
cache need not list the changelog topic yet when the worker starts: the lookup raised, Faust restarted the agent
and the rest of the agent's batch was never counted (seen in the broker-failover test under CPU load).
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from pipeline.agents import subjects
from pipeline.agents.subjects import SubjectStage
from pipeline.config import Settings
from schemas.mention import Mention
from schemas.watchlist import Watchlist

PARTITION = 2


class _Table:
    """A stand-in for the subject-state table whose producer's metadata does not list the changelog topic yet."""

    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}
        self.sent: list[tuple[int, bytes]] = []

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)

    def items(self) -> list[tuple[bytes, bytes]]:
        return list(self.data.items())

    def send_changelog(self, partition: int | None, key: bytes, value: bytes) -> asyncio.Future[None]:
        if partition is None:  # Faust would look the key's partition up in metadata that lacks the topic
            raise TypeError("'NoneType' object is not iterable")
        self.sent.append((partition, key))
        delivery = asyncio.get_running_loop().create_future()
        delivery.set_result(None)
        return delivery


def _event(offset: int, created_at: float) -> Any:
    mention = Mention(f"x:{offset}", "s0", "x", "x:u1", "layanan down", created_at)
    message = SimpleNamespace(partition=PARTITION, offset=offset, generation_id=None)
    return SimpleNamespace(message=message, value=mention.to_json())


def _a_window_and_a_mention_three_windows_later() -> list[Any]:
    """Two mentions: the second, three windows after the first, closes the first one's window."""
    return [_event(0, 1_767_574_805.0), _event(1, 1_767_574_805.0 + 180.0)]


def _stage(table: _Table) -> tuple[SubjectStage, list[int]]:
    """A subject stage watching one subject, ``s0``, over ``table``, and the offsets it acks."""
    watchlist = Watchlist.from_dict({"subjects": [{"id": "s0", "name": "S0", "terms": ["s0"]}]})
    stage = SubjectStage(SimpleNamespace(subject_state=table), watchlist, Settings())
    acked: list[int] = []

    async def ack(event: Any) -> bool:
        acked.append(event.message.offset)
        return True

    stage.ack = ack
    return stage, acked


def test_a_closed_window_is_checkpointed_to_its_mentions_partition_and_its_mentions_acked() -> None:
    table = _Table()
    stage, acked = _stage(table)
    # the second mention is three windows later: the first one's window closes, and the timer writes its checkpoint
    events = _a_window_and_a_mention_three_windows_later()

    async def run() -> None:
        await stage.process_batch(events)
        await stage.on_timer()

    asyncio.run(asyncio.wait_for(run(), timeout=2.0))

    assert table.sent and {partition for partition, _ in table.sent} == {PARTITION}
    assert orjson.loads(table.data[b"s0"])["partition"] == PARTITION
    assert acked == [0]


class _SlowTable(_Table):
    """A table whose changelog records, once ``hold`` is set, reach Kafka only when the test says so."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.pending: list[asyncio.Future[None]] = []

    def send_changelog(self, partition: int | None, key: bytes, value: bytes) -> asyncio.Future[None]:
        delivery = super().send_changelog(partition, key, value)
        if self.hold:
            delivery = asyncio.get_running_loop().create_future()
            self.pending.append(delivery)
        return delivery


async def _checkpoint_in_flight(stage: SubjectStage, table: _SlowTable, events: list[Any]) -> asyncio.Task[None]:
    """Count the first mention, then let the second close its window and the timer write a checkpoint that Kafka
    has not acknowledged yet; returns the task still waiting for it."""
    await stage.process_batch(events[:1])
    table.hold = True

    async def close_and_checkpoint() -> None:
        await stage.process_batch(events[1:])
        await stage.on_timer()

    checkpoint = asyncio.create_task(close_and_checkpoint())
    while not table.pending:
        await asyncio.sleep(0)
    return checkpoint


def test_a_revocation_waits_for_the_checkpoint_on_its_way_and_acks_nothing_it_covers() -> None:
    # a record of ours reaching the changelog after the next owner has read it would, being the last, replace
    # that owner's later checkpoints at its next restore: the hand-over waits until Kafka has it
    table = _SlowTable()
    stage, acked = _stage(table)
    events = _a_window_and_a_mention_three_windows_later()
    app = SimpleNamespace(consumer_generation_id=1)

    async def run() -> list[str]:
        timeline: list[str] = []
        checkpoint = await _checkpoint_in_flight(stage, table, events)
        revocation = asyncio.create_task(stage.revoke(app, {PARTITION}))
        await asyncio.sleep(0.05)
        timeline.append("revoked" if revocation.done() else "revocation waits")
        table.pending[0].set_result(None)
        await revocation
        timeline.append("revoked")
        await checkpoint
        return timeline

    assert asyncio.run(asyncio.wait_for(run(), timeout=2.0)) == ["revocation waits", "revoked"]
    assert acked == []  # the revoked worker acks nothing: the next owner reads those mentions again
    assert stage.trackers == {} and stage.clocks == {}


def test_a_revocation_gives_up_on_a_checkpoint_kafka_does_not_take_and_takes_no_lock_with_it(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(subjects, "HANDOVER_SECONDS", 0.05)
    table = _SlowTable()
    stage, acked = _stage(table)
    events = _a_window_and_a_mention_three_windows_later()

    async def run() -> tuple[bool, bool]:
        checkpoint = await _checkpoint_in_flight(stage, table, events)
        await stage.revoke(SimpleNamespace(consumer_generation_id=1), {PARTITION})  # gives up after 0.05 s
        still_waiting = not checkpoint.done()
        table.pending[0].set_result(None)  # Kafka takes it after all
        await checkpoint
        return still_waiting, stage._checkpointing.locked()

    with caplog.at_level("ERROR"):
        still_waiting, locked = asyncio.run(asyncio.wait_for(run(), timeout=2.0))
    assert still_waiting and "still on its way to Kafka" in caplog.text
    assert not locked  # the revocation's own wait left nothing held: the next checkpoint can run
    assert acked == []
