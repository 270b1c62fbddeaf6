"""The local Kafka: the ``siaga local kafka`` CLI, the session fixture, and a 3-broker cluster losing a broker."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from pipeline.local_kafka import LocalKafka, find_free_port

SIAGA = Path(sys.executable).with_name("siaga")


def siaga(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``siaga`` command and capture what it prints."""
    return subprocess.run([str(SIAGA), *args], capture_output=True, text=True, timeout=180, check=False)


def java_pids_under(path: Path) -> list[int]:
    """Pids of live processes whose command line mentions ``path`` (our brokers name their state dir)."""
    needle = str(path.resolve()).encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if needle in (proc / "cmdline").read_bytes() and "Z" not in (proc / "stat").read_text().split(")")[-1]:
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    """Send ``values`` with acks=all from an idempotent producer and wait for every ack."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                             request_timeout_ms=15000, delivery_timeout_ms=60000)
    try:
        for future in [producer.send(topic, value) for value in values]:
            future.get(timeout=60)
    finally:
        producer.close()


def consume(bootstrap: str, topic: str, count: int) -> list[bytes]:
    """Read ``count`` records of ``topic`` from the beginning (no consumer group)."""
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=30000)
    try:
        values: list[bytes] = []
        for record in consumer:
            values.append(record.value)
            if len(values) == count:
                break
        return values
    finally:
        consumer.close()


def test_cli_starts_serves_and_stops_a_broker(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    port = find_free_port()
    try:
        started = siaga("local", "kafka", "start", "--port", str(port), "--state-dir", str(state_dir))
        assert started.returncode == 0, started.stderr
        assert f"bootstrap: 127.0.0.1:{port}" in started.stdout.splitlines()
        assert java_pids_under(state_dir)

        again = siaga("local", "kafka", "start", "--port", str(port), "--state-dir", str(state_dir))
        assert again.returncode == 0, again.stderr
        assert "already running" in again.stdout

        status = siaga("local", "kafka", "status", "--state-dir", str(state_dir))
        assert status.returncode == 0
        assert "running" in status.stdout.splitlines()

        bootstrap = f"127.0.0.1:{port}"
        produce(bootstrap, "cli-smoke", [b"hello"])
        assert consume(bootstrap, "cli-smoke", 1) == [b"hello"]

        stopped = siaga("local", "kafka", "stop", "--state-dir", str(state_dir))
        assert stopped.returncode == 0, stopped.stderr
        assert "Kafka stopped" in stopped.stdout
        assert java_pids_under(state_dir) == []

        status = siaga("local", "kafka", "status", "--state-dir", str(state_dir))
        assert status.returncode == 3
        assert "not running" in status.stdout
        assert "not running" in siaga("local", "kafka", "stop", "--state-dir", str(state_dir)).stdout
    finally:
        LocalKafka(state_dir).stop()


def test_session_fixture_gives_a_working_broker(
    kafka_bootstrap: str, kafka_admin: KafkaAdminClient, unique_topic_prefix: str
) -> None:
    topic = f"{unique_topic_prefix}.posts"
    kafka_admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    produce(kafka_bootstrap, topic, [b"a", b"b", b"c"])
    assert sorted(consume(kafka_bootstrap, topic, 3)) == [b"a", b"b", b"c"]


@pytest.mark.slow
def test_three_brokers_survive_losing_the_leader(local_kafka_factory: Callable[..., LocalKafka]) -> None:
    # Fence a dead broker after 3 s instead of 9 s, so the test does not wait out the production timeout.
    fast_failover = {"broker.session.timeout.ms": "3000", "broker.heartbeat.interval.ms": "500"}
    cluster = local_kafka_factory(brokers=3, extra_properties=fast_failover)
    bootstrap = cluster.bootstrap_servers
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic("replicated", num_partitions=1, replication_factor=3)])
        produce(bootstrap, "replicated", [b"before-%d" % i for i in range(5)])
        partition = admin.describe_topics(["replicated"])[0]["partitions"][0]
    finally:
        admin.close()
    assert sorted(partition["replica_nodes"]) == [1, 2, 3]

    leader = partition["leader_id"]
    cluster.kill_node(leader)
    assert cluster.status().pids[leader] is None
    produce(bootstrap, "replicated", [b"after-%d" % i for i in range(5)])
    assert len(consume(bootstrap, "replicated", 10)) == 10

    cluster.start_node(leader)
    assert cluster.status().running
    assert cluster.stop() == [1, 2, 3]
    assert java_pids_under(cluster.state_dir) == []
