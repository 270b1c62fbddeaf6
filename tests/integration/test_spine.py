"""End to end on a real broker: posts -> siaga.posts -> worker -> siaga.crisis-events, and a worker crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.demo_data import write_demo_file
from schemas.crisis_event import CrisisEvent
from tests.integration.fault_report import FaultRow
from tests.integration.stack import (
    CRISIS_SCENARIO,
    crisis_events,
    expected_events,
    ingest_file,
    isolated_settings,
    processed_posts,
    start_worker,
    wait_for,
)

WINDOW = 60.0


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "posts.jsonl.gz"
    write_demo_file(path, CRISIS_SCENARIO)
    return path


@pytest.fixture(scope="module")
def expected(stream: Path) -> list[CrisisEvent]:
    """What the in-process replay (same detection code, no Kafka) finds in the stream."""
    return expected_events(stream)


def _resolved(events: list[CrisisEvent]) -> bool:
    return any(event.stage == "resolved" for event in events)


def _run(kafka_bootstrap: str, prefix: str, stream: Path, log_dir: Path) -> list[CrisisEvent]:
    settings = isolated_settings(kafka_bootstrap, prefix)
    worker = start_worker(settings, log_dir)
    try:
        summary = ingest_file(settings, stream)
        assert summary.published == summary.read > 10_000
        return crisis_events(settings, until=_resolved, timeout=180)
    finally:
        worker.stop()


def test_one_crisis_is_found_once_and_a_rerun_gives_the_same_ids(
    kafka_bootstrap: str, unique_topic_prefix: str, stream: Path, expected: list[CrisisEvent], tmp_path: Path
) -> None:
    events = _run(kafka_bootstrap, unique_topic_prefix + ".a", stream, tmp_path)

    onsets = [event for event in events if event.stage == "onset"]
    assert [event.subject for event in onsets] == ["bank-nusantara"], [event.id for event in events]
    assert onsets[0].time - CRISIS_SCENARIO.crisis_start <= 2 * WINDOW
    assert _resolved(events)
    assert {event.subject for event in events} == {"bank-nusantara"}
    assert [event.to_json() for event in events] == [event.to_json() for event in expected]

    rerun = _run(kafka_bootstrap, unique_topic_prefix + ".b", stream, tmp_path)
    assert [event.id for event in rerun] == [event.id for event in events]


def test_a_killed_worker_recovers_its_state_and_announces_the_onset_once(
    kafka_bootstrap: str, unique_topic_prefix: str, stream: Path, expected: list[CrisisEvent], tmp_path: Path,
    fault_report: Callable[[FaultRow], None],
) -> None:
    settings = isolated_settings(kafka_bootstrap, unique_topic_prefix)
    summary = ingest_file(settings, stream)
    worker = start_worker(settings, tmp_path, name="first")
    try:
        wait_for(lambda: processed_posts(worker) >= summary.published * 0.6, 120, "the worker to be mid-stream")
    finally:
        worker.kill()
    assert not crisis_events(settings, until=lambda events: False, timeout=2), "the crisis comes after the kill"

    restarted = start_worker(settings, tmp_path, name="restarted")
    try:
        events = crisis_events(settings, until=_resolved, timeout=180)
        log = restarted.log_tail(400)
    finally:
        restarted.stop()
    fault_report(FaultRow.from_events("worker SIGKILLed mid-stream, restarted", summary.read, summary.published,
                                      expected, events))

    assert "restored" in log and "from the changelog" in log, log
    onset_ids = {event.id for event in events if event.stage == "onset"}
    assert onset_ids == {event.id for event in expected if event.stage == "onset"}
    assert len(onset_ids) == 1
    assert {event.id for event in events} == {event.id for event in expected}
