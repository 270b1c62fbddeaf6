"""Create and describe Siaga's Kafka topics with kafka-python's admin client."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from pipeline.config import Settings

__all__ = ["TopicSpec", "create_topics", "topic_specs"]

logger = logging.getLogger(__name__)

_WEEK_MS = 7 * 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """One topic's name, partitions and configuration."""

    name: str
    partitions: int
    config: dict[str, str]


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Siaga's topics: posts and mentions share the partition count (co-partitioned tables need it)."""
    topics = settings.topics
    common = {"min.insync.replicas": str(settings.min_insync_replicas)}
    return [
        TopicSpec(topics.posts, settings.partitions, {**common, "retention.ms": str(_WEEK_MS)}),
        TopicSpec(topics.posts_dlq, 1, {**common, "retention.ms": str(4 * _WEEK_MS)}),
        TopicSpec(topics.mentions, settings.partitions, {**common, "retention.ms": str(_WEEK_MS)}),
        TopicSpec(topics.crisis_events, 1, {**common, "retention.ms": str(52 * _WEEK_MS)}),
        TopicSpec(topics.sentiment_feedback, 1, {**common, "retention.ms": "-1"}),
    ]


def create_topics(settings: Settings, admin: KafkaAdminClient | None = None) -> list[str]:
    """Create whatever of Siaga's topics is missing; returns the names created. Existing topics are left alone."""
    own_admin = admin is None
    admin = admin or KafkaAdminClient(client_id=f"{settings.app_id}-admin", **settings.kafka.kafka_python())
    try:
        existing = set(admin.list_topics())
        missing = [spec for spec in topic_specs(settings) if spec.name not in existing]
        created = []
        for spec in missing:
            try:
                admin.create_topics([NewTopic(spec.name, spec.partitions, settings.replication_factor,
                                              topic_configs=spec.config)])
                created.append(spec.name)
                logger.info("created topic %s (%d partitions)", spec.name, spec.partitions)
            except TopicAlreadyExistsError:
                logger.debug("topic %s appeared meanwhile", spec.name)
        return created
    finally:
        if own_admin:
            admin.close()
