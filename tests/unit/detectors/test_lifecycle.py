"""IncidentLifecycle: hysteresis, escalation once, stable incident start, state round trip."""

from __future__ import annotations

import orjson
import pytest

from detectors.anomaly import Assessment
from detectors.lifecycle import IncidentLifecycle, Transition


def window(score: float) -> Assessment:
    return Assessment(score=score, threshold=0.5, critical_threshold=0.8)


def feed(lifecycle: IncidentLifecycle, scores: list[float], start: int = 0) -> list[Transition]:
    out = []
    for i, score in enumerate(scores, start=start):
        out += lifecycle.update(window(score), i * 60.0, i * 60.0 + 60.0)
    return out


def test_one_noisy_window_neither_opens_nor_closes():
    lifecycle = IncidentLifecycle(open_windows=2, close_windows=3)
    assert feed(lifecycle, [0.1, 0.9, 0.1, 0.2, 0.95, 0.1]) == []
    assert lifecycle.state == "normal" and not lifecycle.in_incident
    transitions = feed(lifecycle, [0.6, 0.6, 0.1, 0.6, 0.6], start=6)
    assert [t.kind for t in transitions] == ["onset"]
    assert lifecycle.in_incident  # the single calm window (score 0.1) did not close it


def test_onset_start_is_the_first_anomalous_window_and_stays():
    lifecycle = IncidentLifecycle(open_windows=3, close_windows=2)
    transitions = feed(lifecycle, [0.1, 0.7, 0.6, 0.7, 0.9, 0.9, 0.9, 0.1, 0.1])
    assert [t.kind for t in transitions] == ["onset", "escalated", "resolved"]
    assert {t.incident_start for t in transitions} == {60.0}
    onset, escalated, resolved = transitions
    assert (onset.window_start, onset.severity) == (180.0, "warning")
    assert (escalated.window_start, escalated.severity) == (300.0, "critical")
    assert resolved.window_end == 540.0 and resolved.severity == "critical"
    assert lifecycle.incident_start is None and lifecycle.severity is None


def test_escalates_at_most_once_and_a_critical_run_opens_critical():
    lifecycle = IncidentLifecycle(open_windows=2, close_windows=5, escalate_windows=2)
    transitions = feed(lifecycle, [0.9, 0.9, 0.6, 0.9, 0.9, 0.6, 0.9, 0.9])
    assert [(t.kind, t.severity) for t in transitions] == [("onset", "critical")]
    lifecycle = IncidentLifecycle(open_windows=2, close_windows=5, escalate_windows=2)
    transitions = feed(lifecycle, [0.6, 0.6, 0.9, 0.9, 0.6, 0.9, 0.9, 0.9])
    assert [t.kind for t in transitions] == ["onset", "escalated"]


def test_exit_level_is_below_the_entry_level():
    lifecycle = IncidentLifecycle(open_windows=2, close_windows=2, exit_fraction=0.7)
    feed(lifecycle, [0.6, 0.6])
    assert feed(lifecycle, [0.4, 0.4, 0.4], start=2) == []  # below threshold but above the exit level 0.35
    assert [t.kind for t in feed(lifecycle, [0.3, 0.3], start=5)] == ["resolved"]


def test_a_gap_breaks_the_opening_run():
    lifecycle = IncidentLifecycle(open_windows=2)
    assert lifecycle.update(window(0.9), 0.0, 60.0) == []
    assert lifecycle.update(window(0.9), 600.0, 660.0) == []
    assert [t.kind for t in lifecycle.update(window(0.9), 660.0, 720.0)] == ["onset"]
    assert lifecycle.incident_start == 600.0


def test_state_round_trip_continues_identically():
    scores = [0.1, 0.6, 0.7, 0.9, 0.9, 0.2, 0.1, 0.1, 0.7, 0.7, 0.1] * 3
    reference = IncidentLifecycle(close_windows=2)
    expected = feed(reference, scores)
    lifecycle = IncidentLifecycle(close_windows=2)
    got = feed(lifecycle, scores[:9])
    lifecycle = IncidentLifecycle.from_dict(orjson.loads(orjson.dumps(lifecycle.to_dict())))
    got += feed(lifecycle, scores[9:], start=9)
    assert got == expected
    with pytest.raises(ValueError):
        IncidentLifecycle.from_dict({**lifecycle.to_dict(), "version": 2})


def test_parameters_are_validated():
    for bad in ({"open_windows": 0}, {"close_windows": 1.5}, {"escalate_windows": -1}, {"exit_fraction": 0}):
        with pytest.raises(ValueError):
            IncidentLifecycle(**bad)
