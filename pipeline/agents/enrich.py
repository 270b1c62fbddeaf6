"""The enrich agent: posts in, mentions (keyed by subject) out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable
from typing import Any

from pipeline import metrics
from pipeline.agents.batches import event_batches
from pipeline.agents.rebalance import RebalanceFence
from pipeline.app import Streams
from pipeline.batch_publisher import BatchPublisher
from pipeline.enrichment import Enricher
from pipeline.ingest.publisher import dead_letter_record
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["attach_enrich_agent"]

logger = logging.getLogger(__name__)

#: Most posts handled per batch (a batch is whatever is buffered, up to this).
BATCH_SIZE = 500


def attach_enrich_agent(streams: Streams, enricher: Enricher) -> None:
    """Declare the agent that matches each post to subjects and publishes one mention per subject.

    A batch of posts is acked only once Kafka has acknowledged every mention (and dead letter) it produced, so a
    worker that stops or loses its partitions mid-batch replays those posts rather than losing their mentions,
    and a batch Kafka refuses stops the worker rather than being skipped; the subject agent drops repeated
    mentions by post id. Events fetched before a rebalance are left alone (see ``RebalanceFence``). A record that
    is not a valid Post goes to the DLQ.
    """
    publisher = BatchPublisher(streams.app, streams.mentions.get_topic_name())
    fence = RebalanceFence()

    async def enrich_batch(events: list[Any]) -> list[Awaitable[Any]]:
        mentions: list[tuple[bytes, bytes]] = []
        deliveries: list[Awaitable[Any]] = []
        platforms: Counter[str] = Counter()
        subjects: Counter[str] = Counter()
        unmatched = 0
        for event in events:
            post = await _read_post(streams, event, deliveries)
            if post is None:
                continue
            platforms[post.platform] += 1
            found = enricher.enrich(post)
            if not found:
                unmatched += 1
            for mention in found:
                mentions.append((mention.subject_id.encode(), mention.to_json()))
                subjects[mention.subject_id] += 1
        deliveries.extend(await publisher.publish(mentions))
        for platform, count in platforms.items():
            metrics.POSTS_PROCESSED.labels(platform).inc(count)
        for subject_id, count in subjects.items():
            metrics.MENTIONS.labels(subject_id).inc(count)
        if unmatched:
            metrics.POSTS_UNMATCHED.inc(unmatched)
        return deliveries

    @streams.app.agent(streams.posts, name="siaga.enrich", concurrency=1)
    async def enrich(stream):  # type: ignore[no-untyped-def]
        async for batch in event_batches(stream, BATCH_SIZE):
            epoch = fence.epoch
            current = [event for event in batch if not fence.is_stale(event)]
            await asyncio.gather(*await enrich_batch(current))
            if epoch != fence.epoch:
                continue
            for event in current:
                await stream.ack(event)

    @streams.app.on_partitions_revoked.connect
    async def on_revoked(app: Any, revoked: set[Any], **_: Any) -> None:
        fence.close(app)


async def _read_post(streams: Streams, event: Any, deliveries: list[Awaitable[Any]]) -> Post | None:
    """The event's post, or None once an invalid record has been dead-lettered (its delivery added)."""
    raw = event.value
    try:
        if not isinstance(raw, bytes):
            raise SchemaError("", "record has no value", "invalid_value")
        return Post.from_json(raw)
    except SchemaError as error:
        message = event.message
        origin = {"topic": message.topic, "partition": message.partition, "offset": message.offset}
        logger.warning("invalid record on %s: %s", origin, error)
        metrics.POSTS_REJECTED.labels("worker", error.reason).inc()
        record = dead_letter_record(raw or b"", error, "worker", origin, time.time())
        deliveries.append(await streams.posts_dlq.send(value=record))
        return None
