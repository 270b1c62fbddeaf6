"""Score crisis events against a drill's truth: recall, precision, false incidents and detection delay.

Pure functions over plain values; the ``siaga evaluate`` command does the replay and the file handling.

Matching rule
-------------
Only onset events (``siaga.crisis.onset``) count; each is one incident. Let W be the replay's window length.
An onset event for subject S *matches* a crisis of S when its incident start or its event time lies in
``[crisis onset - W, crisis end]``. Onset events are taken in event-time order (ties by id): the first event that
matches a crisis not yet detected is that crisis' *detection*, with ``delay = event time - true onset`` (in
seconds, in minutes and in windows of W; it can be slightly negative when the incident starts in the window
before the true onset). Every other onset event is a *false incident*: a second alert during a crisis already
detected (``duplicate``), an alert during a benign burst of S (start - W to end, ``benign``), or anything else
(``other``).

* recall = detected crises / crises
* precision = detections / onset events (incident level)
* false incidents per subject-week = false incidents / (subjects x weeks)
* delays: median and 90th percentile (linear interpolation) over detected crises

Per kind, a crisis kind counts its crises, detections, and the duplicates raised during its crises; a benign
kind counts the false incidents raised during its bursts (recall is None for benign kinds, and any ratio with
nothing to divide by is None).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas.crisis_event import CrisisEvent
from schemas.times import parse_time

__all__ = ["Episode", "Score", "Truth", "incident_start", "percentile", "score_events"]

ONSET = "siaga.crisis.onset"


@dataclass(frozen=True, slots=True)
class Episode:
    """A true crisis or benign burst of one subject, in epoch seconds."""

    id: str
    subject: str
    kind: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Truth:
    """What a drill holds: its crises, its benign bursts and how many subject-weeks it covers."""

    crises: tuple[Episode, ...]
    bursts: tuple[Episode, ...]
    subject_weeks: float

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Truth:
        """Read the ``truth.json`` written by ``siaga simulate``."""
        crises = tuple(
            Episode(c["id"], c["subject"], c["kind"], parse_time(c["onset"], "onset"), parse_time(c["end"], "end"))
            for c in record["crises"]
        )
        bursts = tuple(
            Episode(b["id"], b["subject"], b["kind"], parse_time(b["start"], "start"), parse_time(b["end"], "end"))
            for b in record.get("benign_bursts", ())
        )
        return cls(crises=crises, bursts=bursts, subject_weeks=float(record["subject_weeks"]))


@dataclass(frozen=True, slots=True)
class Score:
    """The figures of one evaluation (overall or for one kind)."""

    crises: int
    detected: int
    incidents: int
    false_incidents: int
    subject_weeks: float
    delays_seconds: tuple[float, ...]
    window_seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures; ratios with nothing to divide by are None."""
        p50 = percentile(self.delays_seconds, 50)
        p90 = percentile(self.delays_seconds, 90)
        return {
            "recall": _ratio(self.detected, self.crises),
            "precision": _ratio(self.detected, self.detected + self.false_incidents),
            "false_incidents_per_subject_week": _ratio(self.false_incidents, self.subject_weeks),
            "median_delay_windows": _scaled(p50, self.window_seconds),
            "p90_delay_windows": _scaled(p90, self.window_seconds),
            "median_delay_minutes": _scaled(p50, 60.0),
            "p90_delay_minutes": _scaled(p90, 60.0),
            "crises": self.crises,
            "detected": self.detected,
            "incidents": self.detected + self.false_incidents,
            "false_incidents": self.false_incidents,
        }


def _ratio(top: float, bottom: float) -> float | None:
    return None if bottom == 0 else round(top / bottom, 4)


def _scaled(value: float | None, unit: float) -> float | None:
    return None if value is None else round(value / unit, 3)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile with linear interpolation (numpy's default); None for no values.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([10.0], 90), percentile([], 50)
    (2.5, 10.0, None)
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def incident_start(event: CrisisEvent) -> float:
    """The incident start an event's id encodes (``siaga:<subject>:<YYYYmmddTHHMMSSZ>:<stage>``).

    Falls back to ``data["incident_start"]`` and then to the event time when the id has another shape.

    >>> event = CrisisEvent.create(ONSET, "bank-bri", incident_start=1767574800.0, time=1767574920.0, data={})
    >>> incident_start(event)
    1767574800.0
    """
    parts = event.id.split(":")
    if len(parts) == 4:
        try:
            return datetime.strptime(parts[2], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            pass
    value = event.data.get("incident_start")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return parse_time(value, "incident_start")
        except ValueError:
            pass
    return event.time


def _within(event: CrisisEvent, start: float, episode: Episode, window: float) -> bool:
    low, high = episode.start - window, episode.end
    return low <= start <= high or low <= event.time <= high


def score_events(events: Iterable[CrisisEvent], truth: Truth, window_seconds: float = 60.0) -> dict[str, Any]:
    """Score onset events against ``truth`` (see the module docstring for the rule).

    Returns the overall figures at top level, ``per_kind``, ``false_incidents_by_cause``, ``subject_weeks`` and
    one row per crisis under ``matches``.
    """
    if window_seconds <= 0:
        raise ValueError("window_seconds must be positive")
    onsets = sorted((e for e in events if e.type == ONSET), key=lambda e: (e.time, e.id))
    crises_by_subject: dict[str, list[Episode]] = {}
    for crisis in sorted(truth.crises, key=lambda c: (c.start, c.id)):
        crises_by_subject.setdefault(crisis.subject, []).append(crisis)
    bursts_by_subject: dict[str, list[Episode]] = {}
    for burst in truth.bursts:
        bursts_by_subject.setdefault(burst.subject, []).append(burst)
    detection: dict[str, CrisisEvent] = {}
    false_by_kind: dict[str, int] = {}
    causes = {"duplicate": 0, "benign": 0, "other": 0}
    for event in onsets:
        start = incident_start(event)
        candidates = [c for c in crises_by_subject.get(event.subject, ()) if _within(event, start, c, window_seconds)]
        fresh = [c for c in candidates if c.id not in detection]
        if fresh:
            detection[fresh[0].id] = event
            continue
        bursts = [b for b in bursts_by_subject.get(event.subject, ()) if _within(event, start, b, window_seconds)]
        if candidates:
            causes["duplicate"] += 1
            kind = candidates[0].kind
        elif bursts:
            causes["benign"] += 1
            kind = bursts[0].kind
        else:
            causes["other"] += 1
            kind = "none"
        false_by_kind[kind] = false_by_kind.get(kind, 0) + 1
    delays = {c.id: detection[c.id].time - c.start for c in truth.crises if c.id in detection}
    overall = Score(len(truth.crises), len(detection), len(onsets), len(onsets) - len(detection),
                    truth.subject_weeks, tuple(delays.values()), window_seconds)
    kinds = sorted({c.kind for c in truth.crises} | {b.kind for b in truth.bursts} | set(false_by_kind))
    per_kind = {}
    for kind in kinds:
        of_kind = [c for c in truth.crises if c.kind == kind]
        found = [c for c in of_kind if c.id in detection]
        false = false_by_kind.get(kind, 0)
        score = Score(len(of_kind), len(found), len(found) + false, false, truth.subject_weeks,
                      tuple(delays[c.id] for c in found), window_seconds).to_dict()
        if not of_kind:
            score["recall"] = None
        per_kind[kind] = score
    matches = [
        {"crisis": c.id, "subject": c.subject, "kind": c.kind, "detected": c.id in detection,
         "event": detection[c.id].id if c.id in detection else None,
         "delay_minutes": round(delays[c.id] / 60.0, 3) if c.id in detection else None}
        for c in sorted(truth.crises, key=lambda c: (c.start, c.id))
    ]
    return {**overall.to_dict(), "subject_weeks": truth.subject_weeks, "window_seconds": window_seconds,
            "false_incidents_by_cause": causes, "per_kind": per_kind, "matches": matches}
