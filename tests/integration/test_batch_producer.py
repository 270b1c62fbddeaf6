"""The ingest producer against a real broker: every record lands once, in order, where Kafka's partitioner puts it;
while the broker is down it blocks rather than drops, and it delivers everything once the broker is back."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Hashable

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic
from kafka.partitioner import murmur2 as kafka_murmur2

from pipeline.config import KafkaSettings
from pipeline.ingest.batch_producer import BatchProducer, KafkaTimeoutError, RecordTooLarge
from pipeline.ingest.publisher import PostPublisher
from pipeline.local_kafka import LocalKafka
from schemas.post import Author, Post
from tests.integration.stack import isolated_settings, read_topic


class Deliveries:
    """What the producer reported: records per tag, and errors."""

    def __init__(self) -> None:
        self.acknowledged: Counter[Hashable] = Counter()
        self.errors: list[BaseException] = []
        self.lock = threading.Lock()

    def __call__(self, tags: Counter[Hashable], error: BaseException | None) -> None:
        with self.lock:
            if error is None:
                self.acknowledged.update(tags)
            else:
                self.errors.append(error)


def consume(bootstrap: str, topic: str, expected: int) -> list[tuple[int, bytes, bytes, list[tuple[str, bytes]]]]:
    """(partition, key, value, headers) of up to ``expected`` records, in partition order."""
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None,
                             consumer_timeout_ms=5000)
    records = []
    try:
        for record in consumer:
            records.append((record.partition, record.key, record.value, list(record.headers)))
            if len(records) == expected:
                break
    finally:
        consumer.close()
    return records


def test_every_record_lands_once_in_order_on_the_java_partition(
    kafka_bootstrap: str, kafka_admin: KafkaAdminClient, unique_topic_prefix: str
) -> None:
    topic, partitions, count = f"{unique_topic_prefix}.posts", 3, 5000
    kafka_admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    deliveries = Deliveries()
    keys = [f"x:{number}".encode() for number in range(count)]
    with BatchProducer(KafkaSettings(bootstrap_servers=kafka_bootstrap), "test", deliveries,
                       batch_bytes=16 * 1024) as producer:
        for number, key in enumerate(keys):
            tag = "dlq" if number % 10 == 0 else "x"
            producer.send(topic, key, b"%d" % number, tag=tag, headers=[("n", b"%d" % number)])
        assert producer.flush(timeout=60)
        assert producer.unsettled == 0

    assert deliveries.errors == []
    assert deliveries.acknowledged == Counter({"x": 4500, "dlq": 500})
    records = consume(kafka_bootstrap, topic, count)
    assert sorted(key for _, key, _, _ in records) == sorted(keys)
    for partition, key, value, headers in records:
        assert partition == (kafka_murmur2(key) & 0x7FFFFFFF) % partitions
        assert headers == [("n", value)]
    for partition in range(partitions):
        sent_order = [int(value) for number, _, value, _ in records if number == partition]
        assert sent_order == sorted(sent_order)


@pytest.mark.slow
def test_a_broker_outage_blocks_sends_and_loses_nothing(local_kafka_factory: Callable[..., LocalKafka]) -> None:
    cluster = local_kafka_factory()
    bootstrap = cluster.bootstrap_servers
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic("posts", num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    deliveries = Deliveries()
    producer = BatchProducer(KafkaSettings(bootstrap_servers=bootstrap), "test", deliveries,
                             batch_bytes=4096, buffer_bytes=64 * 1024, max_block_seconds=0.5)
    sent = 0
    try:
        for _ in range(100):
            producer.send("posts", b"x:%d" % sent, b"v" * 500)
            sent += 1
        assert producer.flush(timeout=30)

        cluster.kill_node(1)
        with pytest.raises(KafkaTimeoutError):
            for _ in range(1000):  # 500 kB: more than the buffer holds while nothing is acknowledged
                producer.send("posts", b"x:%d" % sent, b"v" * 500)
                sent += 1
        assert producer.unsettled > 0

        cluster.start_node(1)
        assert producer.flush(timeout=60)
    finally:
        producer.close()

    assert deliveries.errors == []
    assert deliveries.acknowledged[None] == sent
    values = consume(bootstrap, "posts", sent)
    assert [key for _, key, _, _ in values] == [b"x:%d" % number for number in range(sent)]


def test_a_record_over_the_limit_is_refused_before_it_is_queued(
    kafka_bootstrap: str, kafka_admin: KafkaAdminClient, unique_topic_prefix: str
) -> None:
    topic = f"{unique_topic_prefix}.posts"
    kafka_admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    deliveries = Deliveries()
    with BatchProducer(KafkaSettings(bootstrap_servers=kafka_bootstrap), "test", deliveries,
                       max_record_bytes=1000) as producer:
        with pytest.raises(RecordTooLarge):
            producer.send(topic, b"x:big", b"v" * 1001)
        assert producer.unsettled == 0
        producer.send(topic, b"x:small", b"v" * 10)
        assert producer.flush(timeout=30)
    assert deliveries.errors == [] and deliveries.acknowledged == Counter({None: 1})


def test_a_post_too_large_for_kafka_is_dead_lettered(kafka_bootstrap: str, unique_topic_prefix: str) -> None:
    settings = isolated_settings(kafka_bootstrap, unique_topic_prefix)
    # every field within the schema's limits, yet 1.18 MB as JSON: control characters are escaped in 6 bytes
    huge = Post("x:huge", "x", Author("x:u1"), "\x01" * 65_536, 1767574800.0,
                hashtags=tuple("\x01" * 256 for _ in range(256)), mentions=tuple("\x02" * 256 for _ in range(256)))
    with PostPublisher(settings, "file") as publisher:
        assert publisher.publish(huge) is False
        assert publisher.publish(Post("x:small", "x", Author("x:u1"), "ok", 1767574800.0)) is True
    assert publisher.summary.published == 1 and publisher.summary.failed == 0
    assert publisher.summary.rejected == Counter({"too_large": 1})
    dead = read_topic(settings, settings.topics.posts_dlq, until=lambda values: len(values) >= 1, timeout=30)
    assert [orjson.loads(value)["reason"] for value in dead] == ["too_large"]
