"""Faults: the cluster unreachable for a minute while ingest runs. Ingest holds back (and says so in its metrics
and logs), then catches up: every post delivered once, none failed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest
from prometheus_client import REGISTRY

from pipeline.ingest.publisher import PostPublisher
from pipeline.local_kafka import LocalKafka
from schemas.post import Author, Post
from tests.integration.stack import isolated_settings, read_topic, wait_for

OUTAGE_SECONDS = 60.0


def backpressure(source: str) -> float | None:
    """The ``siaga_ingest_backpressure`` gauge of one source."""
    return REGISTRY.get_sample_value("siaga_ingest_backpressure", {"source": source})


@pytest.mark.slow
def test_ingest_waits_out_a_minute_long_outage_and_loses_nothing(
    local_kafka_factory: Callable[..., LocalKafka], caplog: pytest.LogCaptureFixture
) -> None:
    cluster = local_kafka_factory()
    settings = isolated_settings(cluster.bootstrap_servers, "outage")
    now = time.time()
    posts = [Post(f"x:{number}", "x", Author(f"x:u{number % 97}"), f"layanan down lagi #{number} " + "x" * 200,
                  now - 5_000 + number) for number in range(5_000)]
    caplog.set_level(logging.WARNING, logger="pipeline.ingest.publisher")
    publisher = PostPublisher(settings, "outage-test", buffer_bytes=128 * 1024, retry_seconds=0.2)
    for post in posts[:1_000]:
        publisher.publish(post)
    publisher.flush()

    cluster.kill_node(1)
    outage_started = time.monotonic()
    publishing = threading.Thread(target=lambda: [publisher.publish(post) for post in posts[1_000:]])
    publishing.start()
    wait_for(lambda: backpressure("outage-test") == 1.0, 30, "ingest to report backpressure")
    assert publishing.is_alive(), "ingest must hold back while the cluster is down, not drop posts"
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))

    cluster.start_node(1)
    publishing.join(timeout=120)
    assert not publishing.is_alive(), "ingest did not resume after the cluster came back"
    publisher.close()

    assert publisher.summary.published == len(posts)
    assert publisher.summary.failed == 0
    assert backpressure("outage-test") == 0.0
    assert any("backpressure" in record.getMessage() for record in caplog.records)
    keys = read_topic(settings, settings.topics.posts, until=lambda values: len(values) >= len(posts), timeout=60)
    assert sorted(Post.from_json(value).id for value in keys) == sorted(post.id for post in posts)
