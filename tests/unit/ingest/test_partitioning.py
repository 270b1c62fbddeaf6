"""The fast partitioner picks exactly the partition kafka-python's default partitioner (and Java's) picks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner import DefaultPartitioner
from kafka.partitioner import murmur2 as reference_murmur2

from pipeline.ingest.partitioning import KeyHashPartitioner, murmur2


class Cluster:
    """The two metadata calls a partitioner makes, for one topic."""

    def __init__(self, partitions: int) -> None:
        self.partitions = set(range(partitions))

    def topics(self) -> set[str]:
        return {"posts"}

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return self.partitions if topic == "posts" else None

    def available_partitions_for_topic(self, topic: str) -> set[int] | None:
        return self.partitions_for_topic(topic)


@given(st.binary(max_size=700))
def test_murmur2_equals_kafka_python(data: bytes) -> None:
    assert murmur2(data) == reference_murmur2(data)


@given(st.binary(min_size=1, max_size=64), st.integers(min_value=1, max_value=64))
def test_keyed_records_land_where_the_default_partitioner_puts_them(key: bytes, partitions: int) -> None:
    cluster = Cluster(partitions)
    expected = DefaultPartitioner().partition("posts", key, key, None, None, cluster)
    assert KeyHashPartitioner().partition("posts", key, key, None, None, cluster) == expected


def test_new_partitions_are_used_after_the_refresh_interval() -> None:
    cluster, partitioner = Cluster(1), KeyHashPartitioner(refresh_seconds=0.0)
    keys = [f"x:{number}".encode() for number in range(50)]
    assert {partitioner.partition("posts", key, key, None, None, cluster) for key in keys} == {0}
    cluster.partitions = set(range(6))
    assert len({partitioner.partition("posts", key, key, None, None, cluster) for key in keys}) == 6
