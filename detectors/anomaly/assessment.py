"""The verdict of a detector on one window: a score, its threshold, severity and the evidence per signal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SIGNALS", "Assessment"]

_AUTO: Any = object()

#: Signal names an assessment may report, in display order.
SIGNALS: tuple[str, ...] = ("volume", "negative", "negative_share", "sentiment", "reach", "authors", "velocity",
                            "negative_sustained")


def _severity(score: float, threshold: float, critical_threshold: float) -> str | None:
    """``"critical"``, ``"warning"`` or None, as the score reaches the critical threshold, the threshold or neither."""
    if score >= critical_threshold:
        return "critical"
    return "warning" if score >= threshold else None


@dataclass(frozen=True)
class Assessment:
    """How crisis-like one window is (high score = crisis-like).

    ``signals`` maps a signal name to ``{"observed", "expected", "score"}``; ``reasons`` are short sentences
    for people, strongest first. During warm-up the score is 0 and nothing is anomalous.

    >>> a = Assessment(score=0.7, threshold=0.5, critical_threshold=0.8)
    >>> a.anomalous, a.severity
    (True, 'warning')
    >>> Assessment(score=0.9, threshold=0.5, critical_threshold=0.8).severity
    'critical'
    >>> Assessment(score=0.1, threshold=0.5, critical_threshold=0.8).severity is None
    True
    """

    score: float
    threshold: float
    critical_threshold: float
    anomalous: bool = _AUTO
    severity: str | None = _AUTO
    signals: dict[str, dict[str, Any]] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    warming_up: bool = False

    def __post_init__(self) -> None:
        # ``anomalous`` and ``severity`` follow from the score unless given explicitly.
        if self.anomalous is _AUTO:
            object.__setattr__(self, "anomalous", self.score >= self.threshold)
        if self.severity is _AUTO:
            object.__setattr__(self, "severity", _severity(self.score, self.threshold, self.critical_threshold))

    @classmethod
    def judged(cls, score: float, threshold: float, critical_threshold: float, signals: dict[str, dict[str, Any]],
               reasons: tuple[str, ...] = ()) -> Assessment:
        """``cls(score, threshold, critical_threshold, signals=signals, reasons=reasons)``, built faster.

        A detector makes one per window; a frozen dataclass sets each field through ``object.__setattr__``, so this
        fills the instance's ``__dict__`` directly, with the same fields in the same order.

        >>> Assessment.judged(0.9, 0.5, 0.8, {}) == Assessment(score=0.9, threshold=0.5, critical_threshold=0.8)
        True
        """
        assessment = object.__new__(cls)
        assessment.__dict__.update(
            score=score, threshold=threshold, critical_threshold=critical_threshold, anomalous=score >= threshold,
            severity=_severity(score, threshold, critical_threshold),
            signals=signals, reasons=reasons, warming_up=False,
        )
        return assessment

    def to_dict(self) -> dict[str, Any]:
        """Plain values for an event payload.

        >>> Assessment(score=0.0, threshold=0.5, critical_threshold=0.8).to_dict()["severity"] is None
        True
        """
        return {
            "score": self.score,
            "threshold": self.threshold,
            "critical_threshold": self.critical_threshold,
            "anomalous": self.anomalous,
            "severity": self.severity,
            "signals": {name: dict(value) for name, value in self.signals.items()},
            "reasons": list(self.reasons),
            "warming_up": self.warming_up,
        }
