"""The local Kafka's configuration, checked without starting a JVM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.local_kafka import LocalKafka, _random_cluster_id, find_free_port, kafka_version


def test_one_broker_listens_on_the_given_port_with_replication_factor_one(tmp_path: Path) -> None:
    cluster = LocalKafka(tmp_path, port=19555)
    (node,) = cluster.nodes
    properties = cluster.server_properties(node)
    assert cluster.bootstrap_servers == "127.0.0.1:19555"
    assert properties["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19555"
    assert properties["controller.quorum.voters"] == f"1@127.0.0.1:{node.controller_port}"
    assert properties["offsets.topic.replication.factor"] == "1"
    assert properties["log.dirs"] == str(tmp_path / "node-1" / "data")


def test_three_brokers_form_one_quorum_with_replication_factor_three(tmp_path: Path) -> None:
    cluster = LocalKafka(tmp_path, brokers=3, port=None)
    voters = {f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in cluster.nodes}
    ports = [n.port for n in cluster.nodes] + [n.controller_port for n in cluster.nodes]
    assert len(set(ports)) == 6
    for node in cluster.nodes:
        properties = cluster.server_properties(node)
        assert set(properties["controller.quorum.voters"].split(",")) == voters
        assert properties["default.replication.factor"] == "3"
        assert properties["min.insync.replicas"] == "2"
        assert properties["transaction.state.log.min.isr"] == "2"


def test_extra_properties_are_applied_last(tmp_path: Path) -> None:
    cluster = LocalKafka(tmp_path, port=None, extra_properties={"num.partitions": "6", "sasl.enabled.mechanisms": "X"})
    properties = cluster.server_properties(cluster.nodes[0])
    assert properties["num.partitions"] == "6"
    assert properties["sasl.enabled.mechanisms"] == "X"


def test_a_state_dir_keeps_its_cluster_layout(tmp_path: Path) -> None:
    first = LocalKafka(tmp_path, brokers=3, port=None)
    first._write_config()
    again = LocalKafka(tmp_path, brokers=1, port=9092)
    assert again.is_configured
    assert again.brokers == 3
    assert again.nodes == first.nodes
    assert json.loads((tmp_path / "cluster.json").read_text())["kafka_version"] == kafka_version()


def test_a_stopped_cluster_reports_not_running(tmp_path: Path) -> None:
    status = LocalKafka(tmp_path, port=find_free_port()).status()
    assert not status.running
    assert not status.any_running
    assert LocalKafka(tmp_path).stop() == []


def test_cluster_ids_look_like_kafka_uuids() -> None:
    cluster_id = _random_cluster_id()
    assert len(cluster_id) == 22
    assert not cluster_id.startswith("-")


def test_only_one_or_three_brokers() -> None:
    with pytest.raises(ValueError, match="1 or 3"):
        LocalKafka(brokers=2)
