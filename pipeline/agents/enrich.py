"""The enrich agent: posts in, mentions (keyed by subject) out."""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

from pipeline import metrics
from pipeline.agents.batches import event_batches
from pipeline.app import Streams
from pipeline.batch_publisher import BatchPublisher
from pipeline.enrichment import Enricher
from pipeline.ingest.publisher import dead_letter_record
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["attach_enrich_agent"]

logger = logging.getLogger(__name__)

#: Most posts handled per batch (a batch is whatever is buffered, up to this); acked once processed.
BATCH_SIZE = 500


def attach_enrich_agent(streams: Streams, enricher: Enricher) -> None:
    """Declare the agent that matches each post to subjects and publishes one mention per subject.

    A batch's mentions are queued on the app's producer (in post order within each subject's partition) before
    the batch's posts are acked, and Faust flushes the producer before it commits an offset, so a crash
    replays a post rather than losing its mentions. A record that is not a valid Post goes to the DLQ.
    """
    publisher = BatchPublisher(streams.app, streams.mentions.get_topic_name())

    async def enrich_batch(events: list[Any]) -> None:
        mentions: list[tuple[bytes, bytes]] = []
        platforms: Counter[str] = Counter()
        subjects: Counter[str] = Counter()
        unmatched = 0
        for event in events:
            post = await _read_post(streams, event)
            if post is None:
                continue
            platforms[post.platform] += 1
            found = enricher.enrich(post)
            if not found:
                unmatched += 1
            for mention in found:
                mentions.append((mention.subject_id.encode(), mention.to_json()))
                subjects[mention.subject_id] += 1
        await publisher.publish(mentions)
        for platform, count in platforms.items():
            metrics.POSTS_PROCESSED.labels(platform).inc(count)
        for subject_id, count in subjects.items():
            metrics.MENTIONS.labels(subject_id).inc(count)
        if unmatched:
            metrics.POSTS_UNMATCHED.inc(unmatched)

    @streams.app.agent(streams.posts, name="siaga.enrich", concurrency=1)
    async def enrich(stream):  # type: ignore[no-untyped-def]
        async for batch in event_batches(stream, BATCH_SIZE):
            await enrich_batch(batch)
            for event in batch:
                await stream.ack(event)


async def _read_post(streams: Streams, event: Any) -> Post | None:
    """The event's post, or None once an invalid record has been dead-lettered."""
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
        await streams.posts_dlq.send(value=dead_letter_record(raw or b"", error, "worker", origin, time.time()))
        return None
