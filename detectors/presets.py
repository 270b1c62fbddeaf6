"""Sensitivity presets: named parameter sets for :class:`~detectors.anomaly.CrisisDetector`.

A watchlist subject picks ``low``, ``balanced`` or ``high``. Code may override any single parameter; a watchlist
may override those listed in :data:`OVERRIDABLE` (checked by :func:`check_overrides`). The numbers
are stated in units that do not depend on the window size (seconds, standard deviations of the learned noise),
so one preset serves 1-minute social windows and 5-minute count series alike.

Scores map a one-sided z value (how many learned standard deviations a signal sits above its seasonal
expectation) to ``[0, 1]`` with ``z**2 / (z**2 + 16)``: 0.5 is 4 sigma, 0.8 is 8 sigma, 0.9 is 12 sigma.

>>> sorted(PRESETS)
['balanced', 'high', 'low']
>>> PRESETS["high"]["threshold"] < PRESETS["balanced"]["threshold"] < PRESETS["low"]["threshold"]
True
>>> preset("balanced", threshold=0.6)["threshold"]
0.6
>>> preset("balanced", thresold=0.6)
Traceback (most recent call last):
...
ValueError: unknown detector parameter 'thresold'; known: ...
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULTS", "LIFECYCLE_PRESETS", "OVERRIDABLE", "PRESETS", "SENSITIVITIES", "OverrideError",
           "check_overrides", "lifecycle_preset", "preset"]

SENSITIVITIES: tuple[str, ...] = ("low", "balanced", "high")

#: Parameters shared by every sensitivity. Time spans are in seconds.
DEFAULTS: dict[str, Any] = {
    "threshold": 0.5,  # score at which a window is anomalous (4 sigma)
    "critical_threshold": 0.8,  # score at which it is critical (8 sigma)
    "warmup_seconds": 86_400.0,  # one day of history before any score leaves 0
    "level_halflife_seconds": 86_400.0,  # how fast the overall level follows drift
    "season_halflife_days": 7.0,  # memory of the hour-of-day profile, in days of that hour
    "variance_halflife_seconds": 3 * 86_400.0,  # memory of the noise level
    "clip_sigma": 3.0,  # learned residuals are winsorized here (a surge barely moves the baseline)
    "min_variance": 0.01,  # floor of the learned log-space noise variance (10 % multiplicative noise)
    "min_count": 3.0,  # a count signal below this many mentions never scores
    "velocity_windows": 3,  # growth is measured against the mean of this many previous windows
    "velocity_weight": 0.25,  # how much fast growth adds to the volume evidence (sigma per sigma)
    "burst_halflife_seconds": 7 * 86_400.0,  # memory of how bursty the subject usually is
    "sustain_seconds": 900.0,  # a slow build is also judged on counts summed over this span (below critical)
    "evidence_ratio": 2.0,  # evidence accumulates for a count running at this multiple of its expectation ...
    "evidence_floor_per_hour": 30.0,  # ... plus at least this many extra mentions per hour
    "evidence_false_alarm_seconds": 30 * 86_400.0,  # evidence scores the threshold at ln(this / window) nats
    "level_shift_seconds": 3 * 86_400.0,  # a count that stays at a new level this long makes it the new normal
    "seasonal": True,  # learn a 24-hour x {weekday, weekend} profile
    "utc_offset_hours": 0.0,  # local time of the audience, for the hour-of-day and weekend buckets
}

#: Per-sensitivity differences on top of :data:`DEFAULTS`.
PRESETS: dict[str, dict[str, Any]] = {
    "low": {**DEFAULTS, "threshold": 0.6, "critical_threshold": 0.85, "min_count": 5.0},
    "balanced": dict(DEFAULTS),
    "high": {**DEFAULTS, "threshold": 0.4, "critical_threshold": 0.75, "min_count": 2.0},
}

#: Incident lifecycle parameters per sensitivity (see :class:`detectors.lifecycle.IncidentLifecycle`).
LIFECYCLE_PRESETS: dict[str, dict[str, Any]] = {
    "low": {"open_windows": 3, "close_windows": 10, "escalate_windows": 3, "exit_fraction": 0.7},
    "balanced": {"open_windows": 2, "close_windows": 10, "escalate_windows": 2, "exit_fraction": 0.7},
    "high": {"open_windows": 2, "close_windows": 10, "escalate_windows": 2, "exit_fraction": 0.7},
}


#: Detector parameters a watchlist may set per subject or in its defaults: name -> (lowest, highest), inclusive;
#: ``None`` bounds a boolean. ``threshold`` must also stay at or below the resolved ``critical_threshold``.
OVERRIDABLE: dict[str, tuple[float, float] | None] = {
    "warmup_seconds": (0.0, 30 * 86_400.0),
    "threshold": (0.01, 0.99),
    "critical_threshold": (0.01, 1.0),
    "min_count": (0.0, 1_000_000.0),
    "level_shift_seconds": (3_600.0, 90 * 86_400.0),
    "utc_offset_hours": (-12.0, 14.0),
    "seasonal": None,
}


class OverrideError(ValueError):
    """A watchlist override that is not allowed: ``name`` is the parameter, ``problem`` says why and ``wrong_type``
    tells a value of the wrong kind from one out of range."""

    def __init__(self, name: str, problem: str, wrong_type: bool = False) -> None:
        self.name, self.problem, self.wrong_type = name, problem, wrong_type
        super().__init__(f"{name}: {problem}")


def check_overrides(sensitivity: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """Validate watchlist overrides against :data:`OVERRIDABLE` and the preset they apply to.

    Returns the overrides with numbers as floats; raises :class:`OverrideError` naming the first bad one.

    >>> check_overrides("balanced", {"warmup_seconds": 3600})
    {'warmup_seconds': 3600.0}
    >>> check_overrides("balanced", {"threshold": 0.9})
    Traceback (most recent call last):
    ...
    detectors.presets.OverrideError: threshold: is 0.9, above critical_threshold 0.8 (of the balanced preset)
    """
    checked: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in OVERRIDABLE:
            raise OverrideError(name, f"is not a detector setting; known: {', '.join(OVERRIDABLE)}")
        bounds = OVERRIDABLE[name]
        if bounds is None:
            if not isinstance(value, bool):
                raise OverrideError(name, f"must be true or false, got {type(value).__name__}", wrong_type=True)
            checked[name] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise OverrideError(name, f"must be a number, got {type(value).__name__}", wrong_type=True)
        low, high = bounds
        if not low <= value <= high:
            raise OverrideError(name, f"is {value!r}, outside {low:g} .. {high:g}")
        checked[name] = float(value)
    params = preset(sensitivity, **checked)
    if params["threshold"] > params["critical_threshold"]:
        name = "threshold" if "threshold" in checked else "critical_threshold"
        other = "critical_threshold" if name == "threshold" else "threshold"
        side = "above" if name == "threshold" else "below"
        source = "" if other in checked else f" (of the {sensitivity} preset)"
        raise OverrideError(name, f"is {params[name]:g}, {side} {other} {params[other]:g}{source}")
    return checked


def _merge(table: dict[str, dict[str, Any]], sensitivity: str, overrides: dict[str, Any], what: str) -> dict:
    if sensitivity not in table:
        raise ValueError(f"unknown sensitivity {sensitivity!r}; expected one of {', '.join(SENSITIVITIES)}")
    params = dict(table[sensitivity])
    for name, value in overrides.items():
        if name not in params:
            raise ValueError(f"unknown {what} parameter {name!r}; known: {', '.join(sorted(params))}")
        params[name] = value
    return params


def preset(sensitivity: str = "balanced", **overrides: Any) -> dict[str, Any]:
    """Detector parameters of a sensitivity with ``overrides`` applied (unknown names raise ``ValueError``)."""
    return _merge(PRESETS, sensitivity, overrides, "detector")


def lifecycle_preset(sensitivity: str = "balanced", **overrides: Any) -> dict[str, Any]:
    """Lifecycle parameters of a sensitivity with ``overrides`` applied.

    >>> lifecycle_preset("low")["open_windows"] > lifecycle_preset("high")["open_windows"]
    True
    """
    return _merge(LIFECYCLE_PRESETS, sensitivity, overrides, "lifecycle")
