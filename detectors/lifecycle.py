"""The life of an incident: a hysteresis state machine fed by one :class:`Assessment` per window.

Both edges have hysteresis, with two levels: the threshold (entry) and ``exit_fraction`` of it (exit).

- ``normal`` becomes ``open`` (an ``onset``) after a run of ``open_windows`` consecutive windows that starts
  with an anomalous window (score at or above the threshold) and stays at or above the exit level, so one noisy
  window never opens an incident, and a real surge whose second window dips just under the threshold still
  does. With ``exit_fraction=1`` this is exactly "``open_windows`` consecutive anomalous windows".
- An open incident is ``escalated`` once, when ``escalate_windows`` consecutive windows are critical; a run
  that was already critical when it opened opens as critical instead.
- It is ``resolved`` after ``close_windows`` consecutive windows below the exit level, so it does not flap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from detectors.anomaly.assessment import Assessment

__all__ = ["IncidentLifecycle", "Transition"]

_VERSION = 1


@dataclass(frozen=True)
class Transition:
    """A change in an incident's life, emitted at the end of the window that caused it."""

    kind: str  # "onset" | "escalated" | "resolved"
    incident_start: float  # start of the incident's first anomalous window
    severity: str | None
    window_start: float
    window_end: float


class IncidentLifecycle:
    """Turns per-window assessments into onset, escalation and resolution transitions.

    Parameters
    ----------
    open_windows
        Length of the run that opens an incident: an anomalous window, then windows at or above the exit level.
    close_windows
        Consecutive windows below the exit level that resolve it.
    escalate_windows
        Consecutive critical windows that escalate it (at most once; an incident whose opening run was
        already critical opens as critical).
    exit_fraction
        The exit level is ``exit_fraction * assessment.threshold``.

    Examples
    --------
    >>> lifecycle = IncidentLifecycle(open_windows=2, close_windows=2)
    >>> def window(score):
    ...     return Assessment(score=score, threshold=0.5, critical_threshold=0.8)
    >>> [t.kind for i, s in enumerate([0.1, 0.9, 0.1]) for t in lifecycle.update(window(s), i * 60, i * 60 + 60)]
    []
    >>> [t.kind for i, s in enumerate([0.6, 0.6, 0.9, 0.9, 0.1, 0.1], start=3)
    ...  for t in lifecycle.update(window(s), i * 60, i * 60 + 60)]
    ['onset', 'escalated', 'resolved']
    >>> lifecycle.state, lifecycle.incident_start is None
    ('normal', True)
    """

    def __init__(
        self, open_windows: int = 2, close_windows: int = 10, escalate_windows: int = 2, exit_fraction: float = 0.7
    ) -> None:
        for name, value in (("open_windows", open_windows), ("close_windows", close_windows),
                            ("escalate_windows", escalate_windows)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not 0.0 < exit_fraction <= 1.0:
            raise ValueError(f"exit_fraction must be in (0, 1], got {exit_fraction!r}")
        self.open_windows = open_windows
        self.close_windows = close_windows
        self.escalate_windows = escalate_windows
        self.exit_fraction = float(exit_fraction)
        self._state = "normal"
        self._severity: str | None = None
        self._incident_start: float | None = None
        self._run_start: float | None = None
        self._anomalous = 0
        self._critical = 0
        self._quiet = 0
        self._last_end: float | None = None

    # -- estimator conventions -------------------------------------------------------------------------------

    def _get_params(self) -> dict[str, Any]:
        return {"open_windows": self.open_windows, "close_windows": self.close_windows,
                "escalate_windows": self.escalate_windows, "exit_fraction": self.exit_fraction}

    def clone(self) -> IncidentLifecycle:
        """A fresh lifecycle in the normal state with the same parameters."""
        return IncidentLifecycle(**self._get_params())

    @classmethod
    def _unit_test_params(cls) -> dict[str, Any]:
        return {"open_windows": 2, "close_windows": 3}

    # -- state -----------------------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """``"normal"`` or ``"open"``."""
        return self._state

    @property
    def in_incident(self) -> bool:
        """An incident is open."""
        return self._state == "open"

    @property
    def severity(self) -> str | None:
        """Severity of the open incident (``None`` when normal)."""
        return self._severity

    @property
    def incident_start(self) -> float | None:
        """Start of the open incident's first anomalous window (``None`` when normal)."""
        return self._incident_start

    # -- the machine -----------------------------------------------------------------------------------------

    def update(self, assessment: Assessment, window_start: float, window_end: float) -> list[Transition]:
        """Feed the assessment of the window ``[window_start, window_end)``; returns the transitions it caused."""
        if self._last_end is not None and window_start > self._last_end + 0.5 * (window_end - window_start):
            self._anomalous = 0  # a gap breaks a run of anomalous windows
            self._critical = 0
        self._last_end = window_end
        critical = assessment.severity == "critical"
        self._critical = self._critical + 1 if critical else 0
        if self._state == "normal":
            holding = self._anomalous > 0 and assessment.score >= self.exit_fraction * assessment.threshold
            if not (assessment.anomalous or holding):
                self._anomalous = 0
                return []
            self._anomalous += 1
            if self._anomalous == 1:
                self._run_start = window_start
            if self._anomalous < self.open_windows:
                return []
            self._state = "open"
            self._incident_start = self._run_start
            self._severity = "critical" if self._critical >= self.escalate_windows else "warning"
            self._quiet = 0
            return [Transition("onset", self._incident_start, self._severity, window_start, window_end)]
        transitions = []
        if self._severity != "critical" and self._critical >= self.escalate_windows:
            self._severity = "critical"
            transitions.append(Transition("escalated", self._incident_start, "critical", window_start, window_end))
        if assessment.score < self.exit_fraction * assessment.threshold:
            self._quiet += 1
        else:
            self._quiet = 0
        if self._quiet >= self.close_windows:
            transitions.append(Transition("resolved", self._incident_start, self._severity, window_start, window_end))
            self._state = "normal"
            self._severity = None
            self._incident_start = None
            self._run_start = None
            self._anomalous = 0
            self._quiet = 0
        return transitions

    def to_dict(self) -> dict[str, Any]:
        """Plain values (orjson-ready) that :meth:`from_dict` restores exactly."""
        return {
            "version": _VERSION,
            "params": self._get_params(),
            "state": self._state,
            "severity": self._severity,
            "incident_start": self._incident_start,
            "run_start": self._run_start,
            "anomalous": self._anomalous,
            "critical": self._critical,
            "quiet": self._quiet,
            "last_end": self._last_end,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IncidentLifecycle:
        """Restore a lifecycle written by :meth:`to_dict` (an unknown ``version`` raises ``ValueError``).

        >>> lifecycle = IncidentLifecycle()
        >>> IncidentLifecycle.from_dict(lifecycle.to_dict()).to_dict() == lifecycle.to_dict()
        True
        """
        if not isinstance(d, dict) or d.get("version") != _VERSION:
            raise ValueError("unsupported IncidentLifecycle state version")
        lifecycle = cls(**d["params"])
        if d["state"] not in ("normal", "open"):
            raise ValueError(f"unknown lifecycle state {d['state']!r}")
        lifecycle._state = d["state"]
        lifecycle._severity = d["severity"]
        lifecycle._incident_start = d["incident_start"]
        lifecycle._run_start = d["run_start"]
        lifecycle._anomalous = int(d["anomalous"])
        lifecycle._critical = int(d["critical"])
        lifecycle._quiet = int(d["quiet"])
        lifecycle._last_end = d["last_end"]
        return lifecycle
