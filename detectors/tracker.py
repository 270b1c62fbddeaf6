"""One watched subject over event time: windows, detection, incident lifecycle and the events they cause.

A :class:`SubjectTracker` is what a Faust agent keeps per subject (``table[subject_id] = tracker.to_dict()``) and
what a replay keeps in memory. It counts mentions into aligned windows (``add``), and when the watermark has
passed a window's end plus the allowed lateness it closes the window (``advance``): the window's statistics are
scored by the :class:`~detectors.anomaly.CrisisDetector`, the score moves the
:class:`~detectors.lifecycle.IncidentLifecycle`, and each lifecycle transition becomes a
:class:`~schemas.crisis_event.CrisisEvent` whose ``data`` explains it (``detectors.explain``).

The baselines only learn from calm windows (no open incident, not anomalous), so a crisis does not teach the
detector that crises are normal. Every step is deterministic: the same mentions give the same event bytes, and a
tracker restored from :meth:`SubjectTracker.to_dict` continues exactly like one that never stopped.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import Any

from detectors.anomaly import Assessment, CrisisDetector
from detectors.explain import TermBaseline, event_data, incident_summary, window_drivers
from detectors.lifecycle import IncidentLifecycle, Transition
from detectors.presets import lifecycle_preset
from detectors.windows import WindowAccumulator
from schemas.crisis_event import CrisisEvent, incident_id
from schemas.mention import Mention
from schemas.times import format_time
from schemas.watchlist import Subject

__all__ = ["SubjectTracker"]

_VERSION = 1
_RECENT = 32  # closed windows remembered, so an incident that starts before its onset is confirmed is counted whole
_DAY = 86_400.0

# A recent window: [start, end, volume, negative, with_sentiment, reach, score, official or None]
_Recent = list[Any]
_EMPTY: dict[str, Any] = {"volume": 0, "negative": 0, "negative_share": None, "sentiment_mean": None, "reach": 0,
                          "authors": 0}


class SubjectTracker:
    """Event-time windows, detection and incident events for one subject.

    Parameters
    ----------
    subject
        The watched subject; its ``sensitivity`` picks the detector and lifecycle presets, and its watchlist
        ``detector`` overrides apply on top of the detector preset.
    window_seconds
        Window length; windows are aligned to multiples of it since the epoch.
    allowed_lateness
        How long after a window's end mentions are still counted in it (the watermark must pass
        ``end + allowed_lateness`` before the window closes).
    seed
        The detector's seed.
    source
        The CloudEvents ``source`` of the events.
    detector_params, lifecycle_params
        Overrides of single preset parameters (for tests and experiments); ``detector_params`` win over the
        subject's watchlist overrides.

    Examples
    --------
    >>> from schemas.mention import Mention
    >>> tracker = SubjectTracker(Subject(id="bri", name="Bank BRI", terms=("bri",)))
    >>> m = Mention("x:1", "bri", "x", "u1", "BRImo error", 1767574805.0)
    >>> tracker.add(m), tracker.add(m)
    ('counted', 'duplicate')
    >>> tracker.advance(1767574860.0 + 60.0)
    []
    >>> tracker.closed_windows, tracker.last_window["volume"], tracker.state
    (1, 1, 'warming_up')
    >>> tracker.add(m)
    'late'
    """

    def __init__(
        self,
        subject: Subject,
        *,
        window_seconds: float = 60.0,
        allowed_lateness: float = 60.0,
        seed: int = 0,
        source: str = "urn:siaga:detector",
        detector_params: Mapping[str, Any] | None = None,
        lifecycle_params: Mapping[str, Any] | None = None,
    ) -> None:
        if not window_seconds > 0 or not math.isfinite(window_seconds):
            raise ValueError(f"window_seconds must be a positive number, got {window_seconds!r}")
        if not allowed_lateness >= 0 or not math.isfinite(allowed_lateness):
            raise ValueError(f"allowed_lateness must be a non-negative number, got {allowed_lateness!r}")
        self.subject = subject
        self.window_seconds = float(window_seconds)
        self.allowed_lateness = float(allowed_lateness)
        self.seed = seed
        self.source = source
        self.detector_params = dict(detector_params or {})
        self.lifecycle_params = dict(lifecycle_params or {})
        self.detector = CrisisDetector(sensitivity=subject.sensitivity, window_seconds=self.window_seconds,
                                       seed=seed, **{**subject.detector_overrides, **self.detector_params})
        self.lifecycle = IncidentLifecycle(**lifecycle_preset(subject.sensitivity, **self.lifecycle_params))
        half_life = _DAY / self.window_seconds
        self.terms = TermBaseline(half_life_windows=half_life, max_terms=500, per_window=200)
        self.hashtags = TermBaseline(half_life_windows=half_life, max_terms=200, per_window=50)
        self._windows: dict[int, WindowAccumulator] = {}  # open windows by index (start / window_seconds)
        self._next: int | None = None  # index of the next window to close
        self._closed = 0
        self._recent: deque[_Recent] = deque(maxlen=_RECENT)
        self._incident: dict[str, Any] | None = None
        self._last_window: dict[str, Any] | None = None
        self._last_assessment: Assessment | None = None

    # Input --------------------------------------------------------------------------------------------------

    def add(self, mention: Mention) -> str:
        """Count ``mention`` in its window: ``"counted"``, ``"duplicate"`` (post already counted) or ``"late"``."""
        index = math.floor(mention.created_at / self.window_seconds)
        if self._next is not None and index < self._next:
            return "late"
        window = self._windows.get(index)
        if window is None:
            start = index * self.window_seconds
            window = self._windows[index] = WindowAccumulator(start, start + self.window_seconds)
        return "counted" if window.add(mention) else "duplicate"

    def advance(self, watermark: float) -> list[CrisisEvent]:
        """Close, in order, every window whose end plus the allowed lateness is at or before ``watermark``.

        Empty windows between mentions are closed too (a silent subject has volume 0); ``+inf`` closes what is
        open, like :meth:`flush`, and ``-inf`` closes nothing.
        """
        if not math.isfinite(watermark):
            if watermark == math.inf:
                return self.flush()
            if watermark == -math.inf:
                return []
            raise ValueError("watermark must be a number, got nan")
        last = math.floor((watermark - self.allowed_lateness) / self.window_seconds) - 1
        if self._next is not None and last < self._next:
            return []  # the common case: nothing to close yet
        return self._close_through(last)

    def flush(self) -> list[CrisisEvent]:
        """Close every open window (the end of a finite replay), inventing no window after the last mention."""
        if not self._windows:
            return []
        return self._close_through(max(self._windows))

    # Read-only views for metrics ------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """``"warming_up"``, ``"normal"`` or ``"incident"``."""
        if self.lifecycle.in_incident:
            return "incident"
        if self._last_assessment is None or self._last_assessment.warming_up:
            return "warming_up"
        return "normal"

    @property
    def severity(self) -> str | None:
        """Severity of the open incident, None without one."""
        return self.lifecycle.severity if self.lifecycle.in_incident else None

    @property
    def incident_id(self) -> str | None:
        """The id of the open incident, None without one."""
        if not self.lifecycle.in_incident:
            return None
        return incident_id(self.subject.id, self.lifecycle.incident_start)

    @property
    def last_assessment(self) -> Assessment | None:
        """The detector's verdict on the last closed window."""
        return self._last_assessment

    @property
    def last_window(self) -> dict[str, Any] | None:
        """Statistics of the last closed window: volume, negative, negative_share, sentiment_mean, reach, authors,
        start, end."""
        return None if self._last_window is None else dict(self._last_window)

    @property
    def open_window_count(self) -> int:
        """Windows holding mentions that are not closed yet."""
        return len(self._windows)

    @property
    def closed_windows(self) -> int:
        """Windows closed so far (empty ones included)."""
        return self._closed

    @property
    def last_closed_end(self) -> float | None:
        """End of the last closed window; mentions created before it are late."""
        return None if self._next is None else self._next * self.window_seconds

    # Closing windows ------------------------------------------------------------------------------------------

    def _close_through(self, last: int) -> list[CrisisEvent]:
        """Close windows from the next one up to index ``last`` included."""
        events: list[CrisisEvent] = []
        windows = self._windows
        if self._next is None:  # nothing closed yet: history starts at the earliest mention seen
            if not windows or min(windows) > last:
                return events
            self._next = min(windows)
        index = self._next
        while index <= last:
            window = windows.pop(index, None)
            if window is None:
                following = min(windows) if windows else last + 1
                index = self._close_empty(index, min(following, last + 1), events)
                continue
            self._close(index, window, events)
            index += 1
        return events

    def _close_empty(self, index: int, stop: int, events: list[CrisisEvent]) -> int:
        """Close the empty windows ``index`` .. ``stop - 1``; returns ``stop``.

        Outside an incident this is a lean loop. The detector learns every window (its seasonal profile and level
        see the silence), but silence never scores ("a dip or silence is never a crisis"), and a calm window leaves
        a normal lifecycle as it was, so only the first and the last window of a quiet stretch are scored and
        passed to the lifecycle; no window object or explanation is built unless the lifecycle moves.
        """
        width = self.window_seconds
        detector, lifecycle, recent = self.detector, self.lifecycle, self._recent
        quiet: float | None = None  # start of the last window closed on the lean path
        settled = False  # a calm empty window has been seen since the last full close
        skipped = 0
        while index < stop:
            start = index * width
            if self._incident is not None or lifecycle.in_incident:
                self._close(index, WindowAccumulator(start, start + width), events)
                quiet, settled = None, False
                index += 1
                continue
            x = dict(_EMPTY)
            score = 0.0
            if settled and index < stop - 1:
                detector.learn_one(x, start)
            else:
                assessment = detector.score_one(x, start)
                transitions = lifecycle.update(assessment, start, start + width)
                if transitions:
                    self.terms.skip(skipped)
                    self.hashtags.skip(skipped)
                    skipped = 0
                    self._finish(index, WindowAccumulator(start, start + width), x, assessment, transitions, events)
                    quiet, settled = None, False
                    index += 1
                    continue
                if not assessment.anomalous:
                    detector.learn_one(x, start)
                    settled = True
                else:
                    detector.skip_one(x, start)
                self._last_assessment = assessment
                score = _score(assessment)
            skipped += 1
            if stop - index <= _RECENT:
                recent.append([start, start + width, 0, 0, 0, 0, score, None])
            self._closed += 1
            quiet = start
            index += 1
        self.terms.skip(skipped)
        self.hashtags.skip(skipped)
        self._next = stop
        if quiet is not None:
            self._last_window = {**_EMPTY, "start": quiet, "end": quiet + width}
        return stop

    def _close(self, index: int, window: WindowAccumulator, events: list[CrisisEvent]) -> None:
        x = window.features()
        start = window.start
        assessment = self.detector.score_one(x, start)
        transitions = self.lifecycle.update(assessment, start, window.end)
        self._finish(index, window, x, assessment, transitions, events)

    def _finish(
        self,
        index: int,
        window: WindowAccumulator,
        x: dict[str, Any],
        assessment: Assessment,
        transitions: list[Transition],
        events: list[CrisisEvent],
    ) -> None:
        start, end = window.start, window.end
        if not assessment.anomalous and not self.lifecycle.in_incident:
            self.detector.learn_one(x, start)
            if window.volume:
                self.terms.learn(window.term_counts, window.tokenized)
                self.hashtags.learn(window.hashtag_counts, window.volume)
            else:
                self.terms.skip()
                self.hashtags.skip()
        else:
            self.detector.skip_one(x, start)
            self.terms.skip()
            self.hashtags.skip()
        official = window.official
        recent = [start, end, window.volume, window.negative, window.sentiment_count, window.reach,
                  _score(assessment), official]
        counted = False
        for transition in transitions:
            kind = transition.kind
            if kind == "onset":
                self._open_incident(transition.incident_start, transition.severity)
                events.append(self._event("onset", transition, assessment, window))
            elif kind == "escalated":
                if self._incident is not None:
                    self._incident["severity"] = transition.severity or "critical"
                events.append(self._event("escalated", transition, assessment, window))
            elif kind == "resolved":
                if self._incident is None:  # restored from a state without bookkeeping: start it now
                    self._open_incident(transition.incident_start, transition.severity)
                if not counted:
                    self._count(recent, events, assessment, window)
                    counted = True
                events.append(self._resolved(transition, assessment, window))
                self._incident = None
        if self._incident is not None and not counted:
            self._count(recent, events, assessment, window)
        self._recent.append(recent)
        self._last_window = {**x, "start": start, "end": end}  # window.stats(), from the features at hand
        self._last_assessment = assessment
        self._closed += 1
        self._next = index + 1

    # Incident bookkeeping ------------------------------------------------------------------------------------

    def _open_incident(self, incident_start: float, severity: str | None) -> None:
        self._incident = {"start": incident_start, "severity": severity or "warning", "windows": 0, "mentions": 0,
                          "negative": 0, "with_sentiment": 0, "reach": 0, "peak_score": 0.0, "response": None}
        for recent in self._recent:
            if recent[0] >= incident_start:
                self._add_totals(recent)
                self._note_response(recent[7])

    def _add_totals(self, recent: _Recent) -> None:
        incident = self._incident
        assert incident is not None
        incident["windows"] += 1
        incident["mentions"] += recent[2]
        incident["negative"] += recent[3]
        incident["with_sentiment"] += recent[4]
        incident["reach"] += recent[5]
        incident["peak_score"] = max(incident["peak_score"], recent[6])

    def _note_response(self, official: dict[str, Any] | None) -> None:
        """Remember the first official post made since the incident started (not yet announced)."""
        incident = self._incident
        assert incident is not None
        if official is None or incident["response"] is not None or official["time"] < incident["start"]:
            return
        incident["response"] = {**official, "announced": False}

    def _count(self, recent: _Recent, events: list[CrisisEvent], assessment: Assessment,
               window: WindowAccumulator) -> None:
        """Add the closing window to the open incident, and announce the first official response."""
        self._add_totals(recent)
        self._note_response(recent[7])
        incident = self._incident
        assert incident is not None
        response = incident["response"]
        if response is not None and not response["announced"]:
            response["announced"] = True
            seconds = max(0.0, response["time"] - incident["start"])
            data = self._data(incident["start"], incident["severity"], assessment, window,
                              response={"post_id": response["post_id"], "author": response["author"],
                                        "url": response["url"], "time": format_time(response["time"]),
                                        "seconds_since_start": seconds})
            events.append(CrisisEvent.create("siaga.crisis.responded", self.subject.id,
                                             incident_start=incident["start"], time=window.end, data=data,
                                             source=self.source))

    # Events ---------------------------------------------------------------------------------------------------

    def _data(self, incident_start: float, severity: str, assessment: Assessment, window: WindowAccumulator,
              **extra: Any) -> dict[str, Any]:
        return event_data(self.subject, incident_start=incident_start, severity=severity, window_start=window.start,
                          window_end=window.end, assessment=assessment, **extra)

    def _event(self, kind: str, transition: Transition, assessment: Assessment,
               window: WindowAccumulator) -> CrisisEvent:
        drivers = window_drivers(window, self.terms, self.hashtags)
        data = self._data(transition.incident_start, transition.severity or "warning", assessment, window,
                          drivers=drivers)
        return CrisisEvent.create(f"siaga.crisis.{kind}", self.subject.id, incident_start=transition.incident_start,
                                  time=window.end, data=data, source=self.source)

    def _resolved(self, transition: Transition, assessment: Assessment, window: WindowAccumulator) -> CrisisEvent:
        incident = self._incident
        assert incident is not None
        incident_end = transition.window_end
        summary = incident_summary(
            incident_start=incident["start"], incident_end=incident_end, windows=incident["windows"],
            mentions=incident["mentions"], negative=incident["negative"],
            with_sentiment=incident["with_sentiment"], peak_score=incident["peak_score"], reach=incident["reach"],
        )
        data = self._data(transition.incident_start, transition.severity or "warning", assessment, window,
                          summary=summary, incident_end=incident_end)
        data["reasons"] = [*data["reasons"], *self.detector.adoptions_since(incident["start"])]
        return CrisisEvent.create("siaga.crisis.resolved", self.subject.id, incident_start=transition.incident_start,
                                  time=window.end, data=data, source=self.source)

    # State ----------------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready state, open windows included (orjson-ready)."""
        return {
            "version": _VERSION,
            "subject_id": self.subject.id,
            "params": {"window_seconds": self.window_seconds, "allowed_lateness": self.allowed_lateness,
                       "seed": self.seed, "source": self.source, "detector_params": dict(self.detector_params),
                       "lifecycle_params": dict(self.lifecycle_params)},
            "detector": self.detector.to_dict(),
            "lifecycle": self.lifecycle.to_dict(),
            "terms": self.terms.to_dict(),
            "hashtags": self.hashtags.to_dict(),
            "windows": [window.to_dict() for _, window in sorted(self._windows.items())],
            "next": self._next,
            "closed": self._closed,
            "recent": [list(recent) for recent in self._recent],
            "incident": None if self._incident is None else {**self._incident, "response": (
                None if self._incident["response"] is None else dict(self._incident["response"]))},
            "last_window": None if self._last_window is None else dict(self._last_window),
            "last_assessment": None if self._last_assessment is None else self._last_assessment.to_dict(),
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any], subject: Subject) -> SubjectTracker:
        """Restore a tracker saved by :meth:`to_dict`; ValueError for an unknown version or another subject."""
        if state.get("version") != _VERSION:
            raise ValueError(f"unsupported SubjectTracker state version {state.get('version')!r}")
        if state["subject_id"] != subject.id:
            raise ValueError(f"state of subject {state['subject_id']!r} cannot restore subject {subject.id!r}")
        params = state["params"]
        tracker = cls(subject, window_seconds=params["window_seconds"], allowed_lateness=params["allowed_lateness"],
                      seed=params["seed"], source=params["source"], detector_params=params["detector_params"],
                      lifecycle_params=params["lifecycle_params"])
        tracker.detector = CrisisDetector.from_dict(state["detector"])
        tracker.lifecycle = IncidentLifecycle.from_dict(state["lifecycle"])
        tracker.terms = TermBaseline.from_dict(state["terms"])
        tracker.hashtags = TermBaseline.from_dict(state["hashtags"])
        width = tracker.window_seconds
        for saved in state["windows"]:
            window = WindowAccumulator.from_dict(saved)
            tracker._windows[math.floor(window.start / width + 0.5)] = window
        tracker._next = state["next"]
        tracker._closed = state["closed"]
        tracker._recent = deque((list(recent) for recent in state["recent"]), maxlen=_RECENT)
        incident = state["incident"]
        if incident is not None:
            incident = dict(incident)
            incident["response"] = None if incident["response"] is None else dict(incident["response"])
        tracker._incident = incident
        tracker._last_window = None if state["last_window"] is None else dict(state["last_window"])
        saved_assessment = state["last_assessment"]
        tracker._last_assessment = None if saved_assessment is None else _assessment(saved_assessment)
        return tracker


def _score(assessment: Assessment) -> float:
    score = float(assessment.score)
    return score if math.isfinite(score) else 0.0


def _assessment(saved: Mapping[str, Any]) -> Assessment:
    return Assessment(
        score=saved["score"], threshold=saved["threshold"], critical_threshold=saved["critical_threshold"],
        anomalous=saved["anomalous"], severity=saved["severity"],
        signals={name: dict(value) for name, value in saved["signals"].items()},
        reasons=tuple(saved["reasons"]), warming_up=saved["warming_up"],
    )
