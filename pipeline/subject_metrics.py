"""Export a subject tracker's view (last window, score, state, incident) as Prometheus gauges."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress

from detectors.tracker import SubjectTracker
from pipeline import metrics
from schemas.crisis_event import SEVERITIES, CrisisEvent
from schemas.watchlist import Subject

__all__ = ["count_open_incidents", "observe_events", "observe_tracker"]


def observe_tracker(subject: Subject, tracker: SubjectTracker) -> None:
    """Set the subject's gauges from its last closed window and assessment."""
    sid = subject.id
    window = tracker.last_window
    if window:
        metrics.WINDOW_MENTIONS.labels(sid).set(window.get("volume") or 0)
        metrics.WINDOW_REACH.labels(sid).set(window.get("reach") or 0)
        metrics.WINDOW_AUTHORS.labels(sid).set(window.get("authors") or 0)
        if window.get("negative_share") is not None:
            metrics.WINDOW_NEGATIVE_RATIO.labels(sid).set(window["negative_share"])
        if window.get("sentiment_mean") is not None:
            metrics.WINDOW_SENTIMENT.labels(sid).set(window["sentiment_mean"])
    assessment = tracker.last_assessment
    if assessment is not None:
        metrics.SUBJECT_ANOMALY_SCORE.labels(sid).set(assessment.score)
        metrics.SUBJECT_ANOMALY_THRESHOLD.labels(sid).set(assessment.threshold)
        metrics.SUBJECT_WARMING_UP.labels(sid).set(1 if assessment.warming_up else 0)
        for signal, values in assessment.signals.items():
            if values.get("observed") is not None:
                metrics.SIGNAL_OBSERVED.labels(sid, signal).set(values["observed"])
            if values.get("expected") is not None:
                metrics.SIGNAL_EXPECTED.labels(sid, signal).set(values["expected"])
    state = tracker.state
    for name in metrics.DETECTOR_STATES:
        metrics.DETECTOR_STATE.labels(sid, name).set(1 if name == state else 0)
    for severity in SEVERITIES:
        is_open = state == "incident" and tracker.severity == severity
        metrics.INCIDENT_OPEN.labels(sid, subject.team, severity).set(1 if is_open else 0)


def observe_events(events: Iterable[CrisisEvent]) -> None:
    """Count emitted events and record response and resolution times."""
    for event in events:
        metrics.CRISIS_EVENTS.labels(event.type).inc()
        if event.stage == "onset":
            with suppress(KeyError):
                metrics.INCIDENT_RESPONSE.remove(event.subject)
        elif event.stage == "responded":
            seconds = (event.data.get("response") or {}).get("seconds_since_start")
            if seconds is not None:
                metrics.INCIDENT_RESPONSE.labels(event.subject).set(seconds)
                metrics.INCIDENT_RESPONSE_SECONDS.observe(seconds)
        elif event.stage == "resolved":
            duration = (event.data.get("summary") or {}).get("duration_seconds")
            if duration is not None:
                metrics.INCIDENT_DURATION.observe(duration)


def count_open_incidents(trackers: Iterable[SubjectTracker]) -> None:
    """Set the open-incident count per severity over this worker's subjects."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for tracker in trackers:
        if tracker.state == "incident" and tracker.severity in counts:
            counts[tracker.severity] += 1
    for severity, count in counts.items():
        metrics.INCIDENTS_OPEN.labels(severity).set(count)
