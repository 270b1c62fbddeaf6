"""The enrich agent: posts in, mentions (keyed by subject) out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Any

from pipeline import metrics
from pipeline.agents.rebalance import RebalanceFence
from pipeline.app import Streams
from pipeline.enrichment import Enricher
from pipeline.ingest.publisher import dead_letter_record
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["attach_enrich_agent"]

logger = logging.getLogger(__name__)

#: Posts handled per batch, and the longest a partial batch waits.
BATCH_SIZE = 500
BATCH_SECONDS = 0.05


def attach_enrich_agent(streams: Streams, enricher: Enricher) -> None:
    """Declare the agent that matches each post to subjects and publishes one mention per subject.

    A batch of posts is acked only once Kafka has acknowledged every mention (and dead letter) it produced, so a
    worker that stops or loses its partitions mid-batch replays those posts rather than losing their mentions;
    the subject agent drops the repeated mentions by post id. Events fetched before a rebalance are left alone
    (see ``RebalanceFence``). A record that is not a valid Post goes to the DLQ.
    """
    fence = RebalanceFence()

    async def enrich_one(event: Any) -> list[Awaitable[Any]]:
        raw = event.value
        try:
            if not isinstance(raw, bytes):
                raise SchemaError("", "record has no value", "invalid_value")
            post = Post.from_json(raw)
        except SchemaError as error:
            message = event.message
            origin = {"topic": message.topic, "partition": message.partition, "offset": message.offset}
            logger.warning("invalid record on %s: %s", origin, error)
            metrics.POSTS_REJECTED.labels("worker", error.reason).inc()
            record = dead_letter_record(raw or b"", error, "worker", origin, time.time())
            return [await streams.posts_dlq.send(value=record)]
        metrics.POSTS_PROCESSED.labels(post.platform).inc()
        mentions = enricher.enrich(post)
        if not mentions:
            metrics.POSTS_UNMATCHED.inc()
        deliveries = []
        for mention in mentions:
            deliveries.append(await streams.mentions.send(key=mention.subject_id.encode(), value=mention.to_json()))
            metrics.MENTIONS.labels(mention.subject_id).inc()
        return deliveries

    @streams.app.agent(streams.posts, name="siaga.enrich", concurrency=1)
    async def enrich(stream):  # type: ignore[no-untyped-def]
        manual = stream.noack()
        # noack_take, not take_events: take_events acks a batch as soon as it is handled, before its mentions
        # have reached Kafka
        async for batch in manual.noack_take(BATCH_SIZE, within=BATCH_SECONDS):
            epoch = fence.epoch
            current = [event for event in batch if not fence.is_stale(event)]
            deliveries: list[Awaitable[Any]] = []
            for event in current:
                deliveries.extend(await enrich_one(event))
            await asyncio.gather(*deliveries)
            if epoch != fence.epoch:
                continue
            for event in current:
                await manual.ack(event)

    @streams.app.on_partitions_revoked.connect
    async def on_revoked(app: Any, revoked: set[Any], **_: Any) -> None:
        fence.close(app)
