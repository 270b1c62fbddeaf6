"""Why an alert fired: the ``data`` of crisis events, built from window statistics and an assessment.

Everything here is a pure function of its arguments, except :class:`TermBaseline`, the small decayed memory of
which words and hashtags a subject usually draws, against which a window's words get their *lift*: the share of
the window's posts that use a term divided by its (smoothed) share in the subject's normal traffic.
A lift far above 1 means the word is new or suddenly common ("bocor", "#boikot"); about 1 means business as usual
(the brand's own name).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from schemas.crisis_event import incident_id
from schemas.times import format_time
from schemas.watchlist import Subject

if TYPE_CHECKING:
    from detectors.anomaly import Assessment
    from detectors.windows import WindowAccumulator

__all__ = ["TermBaseline", "event_data", "incident_summary", "signals_data", "window_drivers"]

_VERSION = 1
_RESCALE = 1e100  # stored units are renormalized past this scale (about a year of one-minute windows)


class TermBaseline:
    """Exponentially decayed counts of the most frequent terms (or hashtags) of a subject's normal windows, and of
    the mentions they came from.

    Parameters
    ----------
    half_life_windows
        After this many windows a learned count weighs half.
    max_terms
        Terms kept; past twice the limit the lightest are pruned (ties in first-seen order).
    per_window
        Only the most frequent terms of each window are learned.
    smoothing
        Pseudo-count added to every term and to the mentions, so a never-seen term has a small non-zero rate and,
        before any history, every rate is 1 (nothing has a lift above 1 without a baseline).

    Examples
    --------
    >>> base = TermBaseline(half_life_windows=10)
    >>> for _ in range(20):
    ...     base.learn({"bri": 10, "transfer": 2}, mentions=10)
    >>> base.lift("bri", 10, 12) < 1.1 < base.lift("bocor", 10, 12)
    True
    >>> TermBaseline.from_dict(base.to_dict()).to_dict() == base.to_dict()
    True
    """

    def __init__(
        self,
        *,
        half_life_windows: float = 1440.0,
        max_terms: int = 1000,
        per_window: int = 200,
        smoothing: float = 0.5,
    ) -> None:
        if half_life_windows <= 0 or max_terms < 1 or per_window < 1 or smoothing <= 0:
            raise ValueError("half_life_windows, max_terms, per_window and smoothing must be positive")
        self.half_life_windows = half_life_windows
        self.max_terms = max_terms
        self.per_window = per_window
        self.smoothing = smoothing
        self._decay = 0.5 ** (1.0 / half_life_windows)
        # Counts are stored in units that never decay: a count learned now weighs ``_scale`` units, and ``_scale``
        # grows by 1 / decay per window, so learning costs O(terms of the window), not O(terms kept).
        self._counts: dict[str, float] = {}
        self._total = 0.0  # mentions, in stored units
        self._scale = 1.0
        self._pending = 0  # windows passed since the last learn whose decay is not applied yet

    def skip(self, windows: int = 1) -> None:
        """Let ``windows`` windows pass without learning (empty or anomalous ones); O(1)."""
        self._pending += windows

    def learn(self, counts: Mapping[str, int], mentions: int) -> None:
        """Decay by one window (plus any skipped ones) and add the window's ``mentions`` and most frequent terms."""
        steps = self._pending + 1
        self._pending = 0
        if not mentions and not self._total:
            return
        scale = self._scale = self._scale / self._decay**steps
        if scale > _RESCALE:
            self._counts = {term: value / scale for term, value in self._counts.items()}
            self._total /= scale
            scale = self._scale = 1.0
        current = self._counts
        get = current.get
        ranked = counts.items() if len(counts) <= self.per_window else _heaviest(counts, self.per_window)
        for term, count in ranked:
            current[term] = get(term, 0.0) + count * scale
        self._total += mentions * scale
        if len(current) > 2 * self.max_terms:
            self._counts = dict(_heaviest(current, self.max_terms))

    def count(self, term: str) -> float:
        """The decayed count of ``term`` (as of the last learned window)."""
        return self._counts.get(term, 0.0) / self._scale

    @property
    def mentions(self) -> float:
        """The decayed number of mentions learned (as of the last learned window)."""
        return self._total / self._scale

    def rate(self, term: str) -> float:
        """The smoothed share of normal posts that use ``term`` (pending decay cancels out)."""
        smoothing, scale = self.smoothing, self._scale
        return (self._counts.get(term, 0.0) / scale + smoothing) / (self._total / scale + smoothing)

    def lift(self, term: str, count: int, mentions: int) -> float:
        """Share of a window's posts using ``term`` (``count`` of ``mentions``) over its baseline share."""
        if mentions <= 0:
            return 0.0
        return (count / mentions) / self.rate(term)

    def __len__(self) -> int:
        return len(self._counts)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready state."""
        return {
            "version": _VERSION,
            "params": [self.half_life_windows, self.max_terms, self.per_window, self.smoothing],
            "counts": dict(self._counts),
            "total": self._total,
            "scale": self._scale,
            "pending": self._pending,
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> TermBaseline:
        """Restore a baseline saved by :meth:`to_dict`; ValueError for an unknown version."""
        if state.get("version") != _VERSION:
            raise ValueError(f"unsupported TermBaseline state version {state.get('version')!r}")
        half_life, max_terms, per_window, smoothing = state["params"]
        base = cls(half_life_windows=half_life, max_terms=max_terms, per_window=per_window, smoothing=smoothing)
        base._counts = {term: float(value) for term, value in state["counts"].items()}
        base._total = float(state["total"])
        base._scale = float(state["scale"])
        base._pending = int(state["pending"])
        return base


def _heaviest(counts: Mapping[str, float], n: int) -> list[tuple[str, float]]:
    """The ``n`` largest counts; ties keep the mapping's order, which is deterministic and survives ``to_dict``."""
    return sorted(counts.items(), key=itemgetter(1), reverse=True)[:n]


def _ranked(counts: Mapping[str, int], mentions: int, baseline: TermBaseline, key: str,
            limit: int) -> list[dict[str, Any]]:
    """Terms by excess over what the baseline expects (count minus expected count), ties by name."""
    if not mentions or not counts:
        return []
    scored = []
    for term, count in counts.items():
        rate = baseline.rate(term)
        scored.append((count - mentions * rate, term, count, rate))
    best = heapq.nsmallest(limit, scored, key=lambda item: (-item[0], item[1]))
    return [{key: term, "count": count, "lift": round(count / mentions / rate, 3)} for _, term, count, rate in best]


def window_drivers(
    window: WindowAccumulator,
    terms: TermBaseline,
    hashtags: TermBaseline,
    *,
    limit: int = 10,
    authors: int = 5,
) -> dict[str, Any]:
    """The ``drivers`` of an alert: what is said (terms, hashtags with lift), by whom, and the loudest posts.

    Terms and hashtags are ranked by their excess over the baseline, so the brand's own name, common in every
    window, does not crowd out the word of the day.

    >>> from schemas.mention import Mention
    >>> from detectors.windows import WindowAccumulator
    >>> w = WindowAccumulator(0.0, 60.0)
    >>> for i in range(4):
    ...     _ = w.add(Mention(f"x:{i}", "bri", "x", "bot", "bri bocor", float(i), reach=10, hashtags=("boikot",)))
    >>> base = TermBaseline()
    >>> base.learn({"bri": 50}, mentions=50)
    >>> d = window_drivers(w, base, TermBaseline())
    >>> d["top_terms"][0]["term"], d["top_terms"][0]["lift"] > 1, d["top5_author_share"]
    ('bocor', True, 1.0)
    """
    return {
        "top_terms": _ranked(window.term_counts, window.tokenized, terms, "term", limit),
        "top_hashtags": _ranked(window.hashtag_counts, window.volume, hashtags, "hashtag", limit),
        "top_posts": window.top_posts(),
        "top_authors": window.top_authors(authors),
        "sample_post_ids": window.sample_post_ids,
        "top5_author_share": round(window.top_author_share(5), 4),
    }


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None


def _unit(value: Any) -> float:
    number = _number(value)
    return 0.0 if number is None else min(1.0, max(0.0, number))


def signals_data(signals: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Observed vs expected value and score of each signal, as JSON-safe numbers (score clamped to [0, 1]).

    >>> signals_data({"volume": {"observed": 40, "expected": 10.123456789, "score": 1.7}})
    {'volume': {'observed': 40.0, 'expected': 10.123457, 'score': 1.0}}
    """
    return {
        name: {"observed": _number(s.get("observed")), "expected": _number(s.get("expected")),
               "score": _unit(s.get("score"))}
        for name, s in sorted(signals.items())
    }


def incident_summary(
    *,
    incident_start: float,
    incident_end: float,
    windows: int,
    mentions: int,
    negative: int,
    with_sentiment: int,
    peak_score: float,
    reach: int,
) -> dict[str, Any]:
    """Totals over an incident for its resolved event.

    >>> incident_summary(incident_start=0.0, incident_end=300.0, windows=5, mentions=400, negative=150,
    ...                  with_sentiment=300, peak_score=0.93, reach=12000)["negative_share"]
    0.5
    """
    return {
        "windows": windows,
        "mentions": mentions,
        "negative_share": round(negative / with_sentiment, 4) if with_sentiment else None,
        "peak_score": _unit(peak_score),
        "reach": reach,
        "duration_seconds": max(0.0, incident_end - incident_start),
    }


def event_data(
    subject: Subject,
    *,
    incident_start: float,
    severity: str,
    window_start: float,
    window_end: float,
    assessment: Assessment | None,
    drivers: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    incident_end: float | None = None,
    response: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``data`` of one crisis event (``schemas/crisis_event.schema.json``).

    ``drivers`` goes with onset and escalated events, ``response`` with responded, and ``summary`` plus
    ``incident_end`` with resolved.

    >>> s = Subject(id="bri", name="Bank BRI", terms=("bri",))
    >>> d = event_data(s, incident_start=0.0, severity="warning", window_start=0.0, window_end=60.0,
    ...                assessment=None)
    >>> d["incident_id"], d["window"]["end"], d["score"]
    ('bri:19700101T000000Z', '1970-01-01T00:01:00Z', 0.0)
    """
    data: dict[str, Any] = {
        "incident_id": incident_id(subject.id, incident_start),
        "subject_id": subject.id,
        "subject_name": subject.name,
        "team": subject.team,
        "runbook_url": subject.runbook_url,
        "severity": severity,
        "incident_start": format_time(incident_start),
        "window": {"start": format_time(window_start), "end": format_time(window_end)},
        "score": _unit(None if assessment is None else assessment.score),
        "threshold": _unit(None if assessment is None else assessment.threshold),
        "reasons": [] if assessment is None else list(assessment.reasons),
        "signals": {} if assessment is None else signals_data(assessment.signals),
    }
    if drivers is not None:
        data["drivers"] = drivers
    if response is not None:
        data["response"] = response
    if summary is not None:
        data["summary"] = summary
        data["incident_end"] = None if incident_end is None else format_time(incident_end)
    return data
