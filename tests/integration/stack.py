"""Building blocks for end-to-end tests: settings for an isolated pipeline, a worker, ingest, topic reads."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic

from pipeline.config import EXAMPLE_WATCHLIST, KafkaSettings, Settings, TopicNames
from pipeline.demo_data import DemoScenario
from pipeline.ingest.file_ingest import ingest_paths
from pipeline.ingest.publisher import IngestSummary, PostPublisher
from pipeline.local_kafka import find_free_port
from pipeline.replay import replay_files
from pipeline.runner import WorkerProcess, metric_total
from pipeline.topic_admin import create_topics, topic_specs
from schemas.crisis_event import CrisisEvent
from schemas.watchlist import load_watchlist

__all__ = [
    "CRISIS_SCENARIO", "crisis_events", "expected_events", "ingest_file", "isolated_settings", "processed_posts",
    "read_topic", "start_worker", "wait_for",
]

#: About a day of the demo's traffic with one crisis, for bank-nusantara: what the spine and fault tests stream.
CRISIS_SCENARIO = DemoScenario(hours=29.0, crisis_start_hours=26.5, crisis_hours=1.0, seed=11)


def isolated_settings(bootstrap: str, prefix: str, partitions: int = 1, replication_factor: int = 1,
                      min_insync_replicas: int = 1, posts_partitions: int | None = None) -> Settings:
    """Settings whose topics and consumer group no other test shares; topics are created.

    ``posts_partitions`` gives ``siaga.posts`` its own partition count: one keeps a replay of history in event-time
    order while the mentions and the subject state are spread over ``partitions``.
    """
    names = TopicNames(**{name: f"{prefix}.{value}" for name, value in vars(TopicNames()).items()})
    settings = replace(Settings(), kafka=KafkaSettings(bootstrap_servers=bootstrap), topics=names,
                       app_id=prefix.replace(".", "-"), partitions=partitions, replication_factor=replication_factor,
                       min_insync_replicas=min_insync_replicas)
    if posts_partitions is not None:
        posts = next(spec for spec in topic_specs(settings) if spec.name == names.posts)
        admin = KafkaAdminClient(**settings.kafka.kafka_python())
        try:
            admin.create_topics([NewTopic(posts.name, posts_partitions, replication_factor,
                                          topic_configs=posts.config)])
        finally:
            admin.close()
    create_topics(settings)
    return settings


def start_worker(settings: Settings, log_dir: Path, name: str = "worker", **env: str) -> WorkerProcess:
    """A started ``siaga worker`` for ``settings`` (closes idle windows after 3 s)."""
    worker = WorkerProcess(
        {"KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers, "SIAGA_APP_ID": settings.app_id,
         "SIAGA_TOPIC_PREFIX": settings.topics.posts.removesuffix("siaga.posts"),
         "SIAGA_PARTITIONS": str(settings.partitions), "SIAGA_IDLE_CLOSE_SECONDS": "3", **env},
        log_dir / f"{name}.log", find_free_port())
    worker.start()
    return worker


def ingest_file(settings: Settings, path: Path) -> IngestSummary:
    """Publish a JSONL file of posts as ``siaga ingest file`` does."""
    with PostPublisher(settings, "file") as publisher:
        ingest_paths([path], publisher)
    return publisher.summary


def read_topic(settings: Settings, topic: str, *, until: Callable[[list[bytes]], bool],
               timeout: float) -> list[bytes]:
    """Record values of ``topic`` from the beginning until ``until(values)`` holds or ``timeout`` passes."""
    consumer = KafkaConsumer(topic, auto_offset_reset="earliest", group_id=None, enable_auto_commit=False,
                             consumer_timeout_ms=300, **settings.kafka.kafka_python())
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            values.extend(record.value for record in consumer)
            if until(values):
                break
    finally:
        consumer.close()
    return values


def crisis_events(settings: Settings, *, until: Callable[[list[CrisisEvent]], bool],
                  timeout: float) -> list[CrisisEvent]:
    """Crisis events from the topic until ``until(events)`` holds or ``timeout`` passes."""
    def decoded(values: list[bytes]) -> list[CrisisEvent]:
        return [CrisisEvent.from_json(value) for value in values]

    return decoded(read_topic(settings, settings.topics.crisis_events, until=lambda v: until(decoded(v)),
                              timeout=timeout))


def expected_events(stream: Path) -> list[CrisisEvent]:
    """What the in-process replay (the same detection code, no Kafka) finds in ``stream`` for the example watchlist."""
    return replay_files([stream], load_watchlist(EXAMPLE_WATCHLIST)).events


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def processed_posts(worker: WorkerProcess) -> float:
    """Posts the worker's enrich agent has read (from its /metrics)."""
    text = worker.metrics_text() or ""
    return metric_total(text, "siaga_posts_processed_total")
