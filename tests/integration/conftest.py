"""Fixtures for tests against a real Kafka; every test under ``tests/integration`` gets the ``integration`` marker.

Fixtures (use these rather than starting brokers yourself):

``kafka_bootstrap`` (session) -> ``"host:port[,host:port...]"``
    One Kafka for the whole session, found in this order: ``$KAFKA_BOOTSTRAP_SERVERS`` (an existing cluster);
    testcontainers' Kafka when a Docker engine answers; else a ``LocalKafka`` (pipeline/local_kafka.py) on free
    loopback ports in a temporary directory, stopped at session end. If no broker can be had the tests FAIL with
    the reason and the broker log tail; they are never skipped.
``kafka_admin`` (session) -> ``kafka.KafkaAdminClient`` on ``kafka_bootstrap``.
``unique_topic_prefix`` (function) -> e.g. ``"it.test_produce.3f9a1c2e"``: prefix your topic (and consumer group)
    names with it so tests sharing the broker never see each other's records.
``local_kafka_factory`` (function) -> ``make(brokers=1, **kwargs) -> LocalKafka``: a started cluster of your own
    (free ports, temporary state dir) for tests that kill or restart brokers (``kill_node``/``start_node``);
    every cluster it made is stopped when the test ends.
``fault_report`` (function) -> ``record(FaultRow)``: a fault test's figures, printed as one table at the end.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient

from pipeline.local_kafka import LocalKafka, LocalKafkaError
from tests.integration.fault_report import FAULT_ROWS, FaultRow, format_fault_table

__all__ = ["fault_report", "kafka_admin", "kafka_bootstrap", "local_kafka_factory", "unique_topic_prefix"]

logger = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test collected under this directory as ``integration``."""
    for item in items:
        if item.path.resolve().is_relative_to(_HERE):
            item.add_marker(pytest.mark.integration)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the fault tests' figures, when any ran."""
    rows = config.stash.get(FAULT_ROWS, [])
    if rows:
        terminalreporter.write_sep("-", "fault tests: what went in and what came out")
        terminalreporter.write_line(format_fault_table(rows))


@pytest.fixture
def fault_report(request: pytest.FixtureRequest) -> Callable[[FaultRow], None]:
    """Record a fault test's figures for the table printed at the end of the run."""
    rows = request.config.stash.setdefault(FAULT_ROWS, [])
    return rows.append


def _docker_answers() -> bool:
    """True when a Docker engine answers a ping within two seconds."""
    try:
        import docker

        client = docker.from_env(timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # no SDK, no socket, no engine: all mean "no Docker"
        return False


def _start_local_kafka(state_dir: Path, **kwargs: Any) -> LocalKafka:
    cluster = LocalKafka(state_dir, port=None, stop_with_parent=True, **kwargs)
    try:
        cluster.start()
    except LocalKafkaError as error:
        pytest.fail(f"could not start a local Kafka in {state_dir}: {error}", pytrace=False)
    return cluster


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bootstrap address of a Kafka shared by the whole session (see the module docstring)."""
    existing = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if existing:
        logger.info("using the Kafka at $KAFKA_BOOTSTRAP_SERVERS=%s", existing)
        yield existing
        return
    if _docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer() as container:
            yield container.get_bootstrap_server()
        return
    cluster = _start_local_kafka(tmp_path_factory.mktemp("local-kafka"))
    try:
        yield cluster.bootstrap_servers
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def kafka_admin(kafka_bootstrap: str) -> Iterator[KafkaAdminClient]:
    """A kafka-python admin client on the session's Kafka."""
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="siaga-tests")
    try:
        yield admin
    finally:
        admin.close()


@pytest.fixture
def unique_topic_prefix(request: pytest.FixtureRequest) -> str:
    """A topic-name prefix no other test (or run) uses: ``it.<test name>.<8 hex digits>``."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)[:80]
    return f"it.{name}.{uuid.uuid4().hex[:8]}"


@pytest.fixture
def local_kafka_factory(tmp_path: Path) -> Iterator[Callable[..., LocalKafka]]:
    """Start private clusters: ``make(brokers=1, **LocalKafka kwargs)``; all are stopped after the test."""
    clusters: list[LocalKafka] = []

    def make(brokers: int = 1, **kwargs: Any) -> LocalKafka:
        cluster = _start_local_kafka(tmp_path / f"kafka-{len(clusters)}", brokers=brokers, **kwargs)
        clusters.append(cluster)
        return cluster

    yield make
    for cluster in clusters:
        cluster.stop()
