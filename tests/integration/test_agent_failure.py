"""A batch Kafka refuses stops the worker, with its posts left uncommitted, instead of being skipped."""

from __future__ import annotations

import time
from pathlib import Path

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from pipeline.agent_failure import EXIT_AGENT_FAILED
from pipeline.ingest.publisher import PostPublisher
from pipeline.runner import committed_lag
from schemas.post import Author, Post
from tests.integration.stack import isolated_settings, start_worker, wait_for


def test_a_batch_kafka_refuses_stops_the_worker_and_leaves_its_posts_to_be_read_again(
    kafka_bootstrap: str, unique_topic_prefix: str, tmp_path: Path
) -> None:
    settings = isolated_settings(kafka_bootstrap, unique_topic_prefix)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:  # every mention is now too large for its topic: the broker refuses each batch of them
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, settings.topics.mentions,
                                            configs={"max.message.bytes": "64"})])
    finally:
        admin.close()
    worker = start_worker(settings, tmp_path)
    now = time.time()
    with PostPublisher(settings, "file") as publisher:
        for number in range(20):
            publisher.publish(Post(f"x:{number}", "x", Author(f"x:u{number}"), "bank nusantara error lagi", now))
    try:
        wait_for(lambda: worker.returncode is not None, 60, "the worker to stop on the refused batch")
    finally:
        worker.stop()

    assert worker.returncode == EXIT_AGENT_FAILED, worker.log_tail()
    assert "failed: stopping the worker" in worker.log_tail(400)
    assert committed_lag(settings.kafka, settings.app_id, settings.topics.posts) in (None, 20)
