"""The Faust application: topics and the subject-state table, declared from settings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import faust

from pipeline.config import Settings
from pipeline.lean_faust import LeanMonitor, RawSchema
from pipeline.transport import SiagaApp

__all__ = ["Streams", "create_app", "produced_topics"]


@dataclass(frozen=True)
class Streams:
    """The app with every topic and table the agents use."""

    app: SiagaApp
    posts: faust.TopicT
    posts_dlq: faust.TopicT
    mentions: faust.TopicT
    crisis_events: faust.TopicT
    sentiment_feedback: faust.TopicT
    subject_state: faust.Table


#: Largest checkpoint of one subject the changelog takes (Kafka's default is 1 MiB). Open windows keep their post
#: and author ids, so a busy subject in a crisis can need more: some 400,000 posts in open windows fit in 16 MiB.
CHECKPOINT_MAX_BYTES = 16 * 1024 * 1024


def create_app(settings: Settings) -> Streams:
    """Declare the Faust app, its topics (raw bytes, orjson records) and the subject-state table.

    State lives in memory and is restored from the table's changelog topic at start, so a worker that dies
    resumes with its detectors' learned state. The table holds explicit JSON, never pickles. Its changelog is
    partitioned by key with the producer's partitioner, exactly as the subject-keyed mentions topic is, so a
    subject's state and its mentions share a partition number and the table can be written outside a single
    event's context (at a window sweep). Records are consumed through :mod:`pipeline.transport` and decoded and
    monitored by :mod:`pipeline.lean_faust`; the agents read them in batches (:mod:`pipeline.agents.batches`).
    """
    app = SiagaApp(
        settings.app_id,
        broker=settings.kafka.faust_url(),
        broker_credentials=settings.kafka.faust_credentials(),
        store="memory://",
        datadir=str(settings.state_dir / settings.app_id),
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_disable_leader=True,
        web_enabled=False,
        producer_acks=-1,
        producer_linger_ms=5,
        producer_max_batch_size=256 * 1024,
        producer_max_request_size=CHECKPOINT_MAX_BYTES,
        broker_commit_interval=0.25,
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        table_standby_replicas=0,
        Monitor=LeanMonitor,
    )
    topics = settings.topics

    def topic(name: str, partitions: int | None = None) -> faust.TopicT:
        schema = RawSchema(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
        return app.topic(name, schema=schema, partitions=partitions, internal=False)

    subject_state = app.Table(
        "subject-state", key_type=bytes, value_type=bytes, partitions=settings.partitions, default=None,
        use_partitioner=True, extra_topic_configs={"max.message.bytes": str(CHECKPOINT_MAX_BYTES)},
        help="Each subject's tracker (open windows, detectors, incident) as JSON, checkpointed when a window closes.",
    )
    streams = Streams(
        app=app,
        posts=topic(topics.posts, settings.partitions),
        posts_dlq=topic(topics.posts_dlq),
        mentions=topic(topics.mentions, settings.partitions),
        crisis_events=topic(topics.crisis_events),
        sentiment_feedback=topic(topics.sentiment_feedback),
        subject_state=subject_state,
    )
    app.task(_tracking_produced_topics(streams))
    return streams


def produced_topics(streams: Streams) -> list[str]:
    """Every topic the worker writes to: mentions, crisis events, dead letters and the subject-state changelog."""
    return [streams.mentions.get_topic_name(), streams.crisis_events.get_topic_name(),
            streams.posts_dlq.get_topic_name(), streams.subject_state.changelog_topic.get_topic_name()]


def _tracking_produced_topics(streams: Streams) -> Callable[[], Awaitable[None]]:
    """A start-up task that has the producer keep the metadata of every topic the worker writes to.

    aiokafka's producer refreshes the metadata of all topics until a send names a topic it does not list (the
    changelog, which Faust creates at start, when the refresh was answered by a broker that had not heard of it
    yet); from then on it asks only for the topics named so. A topic it knew from the start then drops out, and
    a batch already queued for it waits for a leader that is never looked up again: the enrich agent stalled.
    """
    async def track() -> None:
        client = streams.app.producer._ensure_producer().client  # type: ignore[attr-defined]
        await asyncio.gather(*[client.add_topic(topic) for topic in produced_topics(streams)])

    return track
