"""The enrich agent: posts in, mentions (keyed by subject) out."""

from __future__ import annotations

import logging
import time
from typing import Any

from pipeline import metrics
from pipeline.app import Streams
from pipeline.enrichment import Enricher
from pipeline.ingest.publisher import dead_letter_record
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["attach_enrich_agent"]

logger = logging.getLogger(__name__)

#: Posts handled per batch, and the longest a partial batch waits; Faust acks a batch once it is processed.
BATCH_SIZE = 500
BATCH_SECONDS = 0.05


def attach_enrich_agent(streams: Streams, enricher: Enricher) -> None:
    """Declare the agent that matches each post to subjects and publishes one mention per subject.

    Mentions are attached to the post's offset (Faust publishes them before it commits that offset), so a
    crash replays the post rather than losing its mentions. A record that is not a valid Post goes to the DLQ.
    """

    async def enrich_one(event: Any) -> None:
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
            await streams.posts_dlq.send(value=dead_letter_record(raw or b"", error, "worker", origin, time.time()))
            return
        metrics.POSTS_PROCESSED.labels(post.platform).inc()
        mentions = enricher.enrich(post)
        if not mentions:
            metrics.POSTS_UNMATCHED.inc()
        for mention in mentions:
            await streams.mentions.send(key=mention.subject_id.encode(), value=mention.to_json())
            metrics.MENTIONS.labels(mention.subject_id).inc()

    @streams.app.agent(streams.posts, name="siaga.enrich", concurrency=1)
    async def enrich(stream):  # type: ignore[no-untyped-def]
        async for batch in stream.take_events(BATCH_SIZE, within=BATCH_SECONDS):
            for event in batch:
                await enrich_one(event)
