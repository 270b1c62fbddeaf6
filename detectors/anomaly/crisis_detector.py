"""The multi-signal crisis detector: seasonal baselines per signal, combined into one score per window."""

from __future__ import annotations

import math
import operator
from statistics import NormalDist
from typing import Any

from detectors.anomaly.assessment import Assessment
from detectors.anomaly.evidence import evidence_nats, evidence_step, evidence_z
from detectors.anomaly.level_shift import LevelShift
from detectors.anomaly.seasonal_baseline import SeasonalBaseline, count_z
from detectors.presets import preset

__all__ = ["CrisisDetector"]

_Z_HALF = 4.0  # z at which a signal scores 0.5
_COUNT_SIGNALS = ("volume", "negative", "authors")
_VERSION = 3
_READABLE_VERSIONS = (1, 2, 3)  # version 1 had no evidence accumulators, 2 no level-shift trackers: they start at 0
_KEYS = ("volume", "negative", "negative_share", "sentiment_mean", "reach", "authors")
_MIN_SHARE_VARIANCE = 1e-4  # 1 percentage point
_MIN_SENTIMENT_VARIANCE = 0.0025  # 0.05 on a [-1, 1] scale
_DAY = 86_400.0
_UNCLIPPED = 30  # windows learned before a level starts winsorizing
_NO_EVIDENCE = (0.0, 0.0, 0.0, 0)  # (sum in nats, observed, expected, windows) of an accumulator at rest
_SHIFT_MEMORY = 1 / 12  # the residual mean a level shift is judged on has a half-life of this much of its span
_SHIFT_SIGMAS = 2.0  # ... which must stay beyond this many noise standard deviations of one window


def _score(z: float) -> float:
    """Map a one-sided z value to [0, 1]: 0.5 at 4 sigma, 0.8 at 8 sigma."""
    if z <= 0.0:
        return 0.0
    z2 = z * z
    return z2 / (z2 + _Z_HALF * _Z_HALF)


def _z_of(score: float) -> float:
    """Inverse of :func:`_score` (for scores below 1)."""
    return _Z_HALF * math.sqrt(score / (1.0 - score)) if score < 1.0 else math.inf


#: A window's inputs in ``_KEYS`` order, each a finite float or None (missing or not finite).
_Values = tuple[float | None, ...]


def _values(x: dict[str, float | None]) -> _Values:
    """The inputs of ``x`` in ``_KEYS`` order, read once per call: finite floats, or None."""
    values = []
    for key in _KEYS:
        value = x.get(key)
        if value is not None:
            value = float(value)
            if not math.isfinite(value):
                value = None
        values.append(value)
    return tuple(values)


def _clip01(value: float) -> float:
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


class _Level:
    """Exponentially weighted mean and extra variance of a bounded value (share, mean sentiment)."""

    __slots__ = ("mean", "n", "variance")

    def __init__(self, mean: float = 0.0, variance: float = 0.0, n: int = 0) -> None:
        self.mean, self.variance, self.n = mean, variance, n

    def z(self, value: float, noise: float, floor: float) -> float:
        variance = self.variance if self.variance > floor else floor
        return (value - self.mean) / math.sqrt(variance + noise)

    def learn(self, value: float, noise: float, mean_rate: float, variance_rate: float, clip: float,
              floor: float) -> None:
        if self.n == 0:
            self.mean, self.n = value, 1
            return
        r = value - self.mean
        if self.n >= _UNCLIPPED:
            limit = clip * math.sqrt((self.variance if self.variance > floor else floor) + noise)
            r = limit if r > limit else -limit if r < -limit else r
        self.n += 1
        warm = 1.0 / self.n
        self.mean += (mean_rate if mean_rate > warm else warm) * r
        self.variance += (variance_rate if variance_rate > warm else warm) * (r * r - noise - self.variance)

    def to_list(self) -> list[float]:
        return [self.mean, self.variance, self.n]


class CrisisDetector:
    """Scores each window of a subject's mentions for how crisis-like it is (high = crisis-like).

    Every count signal (``volume``, ``negative``, ``authors``) and ``reach`` has its own
    :class:`SeasonalBaseline`; the negative share and mean sentiment have a level each; velocity is the
    growth of volume against the previous ``velocity_windows`` windows, relative to the usual growth at that
    hour. Signals become one-sided z values (only rises count: a dip or silence is never a crisis) and scores
    ``z**2 / (z**2 + 16)``. They combine as follows:

    * activity = the larger of the volume and distinct-author z, plus ``velocity_weight`` times the velocity z;
    * without sentiment (none of the windows carries it) the score is the activity score;
    * with sentiment, the tone (the mean of the rise in negative share and the fall in mean sentiment, in
      sigma, whichever are present) gates both channels by ``clip((tone - 1) / 2)``: 0 unless the tone is
      more than 1 sigma worse than usual, full from 3 sigma. The score is the larger of the gated
      negative-count score and the gated activity score, the latter kept below critical. A surge of positive
      or neutral chatter (a launch, a viral compliment) therefore cannot page; a surge of complaints, whose
      share rises, scores in full.

    A slow build is caught by a second, sustained channel: the counts of the last ``sustain_seconds`` of
    contiguous windows are summed (leaving out the window with the largest excess, so one spike cannot carry
    it) and compared with their summed expectations, gated by the tone of the summed negatives in the same
    way. It only speaks while the current window is above its expectation and is kept below critical.

    With sentiment, a third channel accumulates evidence of a sustained excess of negative mentions
    (:mod:`detectors.anomaly.evidence`): each window adds the log-likelihood ratio of "negatives run at
    ``evidence_ratio`` times their expectation plus ``evidence_floor_per_hour``" against "they run at their
    expectation", the expectation being the larger of the seasonal negative count and the usual negative share
    of the window's volume (so a cheerful burst adds nothing). The sum scores the threshold at
    ``ln(evidence_false_alarm_seconds / window_seconds)`` nats, is capped a quarter above that, and is kept below
    critical; it restarts after a gap. It moves on in :meth:`learn_one` and in :meth:`skip_one`, which callers
    use for every window they do not learn (anomalous, or of an open incident), so a slow build keeps adding up
    while it is alerted on and an incident it holds open closes soon after the excess ends.

    Burstiness is calibrated per subject: the detector tracks the typical daily peak of its raw z (an
    exponentially weighted mean of daily maxima, half-life ``burst_halflife_seconds``), and when that peak
    exceeds the daily peak of pure Gaussian noise with as many windows, the excess is subtracted from the
    raw z. A subject whose every day brings a 10-sigma blip must do better than its usual blip to alert; a
    calm subject keeps the plain z.

    A lasting change of level is adopted (:class:`~detectors.anomaly.level_shift.LevelShift`): when a count
    signal's residuals, learned or skipped, have averaged more than 2 noise standard deviations on one side for
    ``level_shift_seconds`` (three days; the average has a half-life of a twelfth of that, six hours), its
    baseline moves to the new level, so a step up that is here to stay ends its incident instead of holding it
    open for ever, and a step down does not leave the subject deaf. :meth:`adoptions_since` says so in words.

    Scores are 0 while the subject has less than ``warmup_seconds`` of learned windows. ``score_one`` never
    changes state. Learning contract: call ``learn_one`` for every window outside an open incident, anomalous
    or not (an anomalous window that opens no incident is the subject's ordinary burstiness, which the
    calibration above must see); do not learn windows of an open incident, pass them to ``skip_one`` (the
    tracker, more cautious, also skips anomalous windows). ``learn_one`` protects the
    baselines itself: every residual is winsorized at ``clip_sigma``, and a daily peak may exceed the learned
    typical peak by at most ``clip_sigma``.

    Parameters
    ----------
    sensitivity
        ``"low"``, ``"balanced"`` or ``"high"`` (see :mod:`detectors.presets`).
    window_seconds
        Length of one window.
    seed
        Accepted for the estimator convention; the detector is deterministic.
    overrides
        Any preset parameter, e.g. ``threshold=0.6`` or ``utc_offset_hours=7``.

    Examples
    --------
    >>> detector = CrisisDetector(window_seconds=300.0, warmup_seconds=3600.0)
    >>> for i in range(24):
    ...     detector.learn_one({"volume": 20.0 + i % 3}, i * 300.0)
    >>> calm = detector.score_one({"volume": 21.0}, 24 * 300.0)
    >>> surge = detector.score_one({"volume": 200.0}, 24 * 300.0)
    >>> calm.anomalous, surge.anomalous, surge.score > 0.9
    (False, True, True)
    >>> surge.reasons[0]
    'mention volume 9...x expected (200 vs 2...)'
    >>> detector.score_one({"volume": 0.0}, 24 * 300.0).score
    0.0
    """

    def __init__(
        self, sensitivity: str = "balanced", window_seconds: float = 60.0, seed: int = 0, **overrides: Any
    ) -> None:
        if not (isinstance(window_seconds, int | float) and math.isfinite(window_seconds) and window_seconds > 0):
            raise ValueError(f"window_seconds must be a positive number, got {window_seconds!r}")
        self.sensitivity = sensitivity
        self.window_seconds = float(window_seconds)
        self.seed = seed
        self.overrides = dict(overrides)
        params = preset(sensitivity, **overrides)
        self.threshold = float(params["threshold"])
        self.critical_threshold = float(params["critical_threshold"])
        if not 0.0 < self.threshold <= self.critical_threshold <= 1.0:
            raise ValueError("need 0 < threshold <= critical_threshold <= 1")
        self.warmup_seconds = float(params["warmup_seconds"])
        if self.warmup_seconds < 0:
            raise ValueError("warmup_seconds must be >= 0")
        self.min_count = float(params["min_count"])
        self.velocity_windows = int(params["velocity_windows"])
        if self.velocity_windows < 1:
            raise ValueError("velocity_windows must be >= 1")
        self.velocity_weight = float(params["velocity_weight"])
        self.clip_sigma = float(params["clip_sigma"])
        self._offset = float(params["utc_offset_hours"]) * 3600.0
        self._baseline_params = {
            "window_seconds": self.window_seconds,
            "level_halflife_seconds": params["level_halflife_seconds"],
            "season_halflife_days": params["season_halflife_days"],
            "variance_halflife_seconds": params["variance_halflife_seconds"],
            "clip_sigma": params["clip_sigma"],
            "min_variance": params["min_variance"],
            "seasonal": params["seasonal"],
            "utc_offset_hours": params["utc_offset_hours"],
        }
        SeasonalBaseline(**self._baseline_params)  # validates the shared parameters now
        self._mean_rate = 1.0 - 0.5 ** (self.window_seconds / float(params["level_halflife_seconds"]))
        self._variance_rate = 1.0 - 0.5 ** (self.window_seconds / float(params["variance_halflife_seconds"]))
        self._warm_windows = math.ceil(self.warmup_seconds / self.window_seconds)
        self._below_critical = math.nextafter(self.critical_threshold, 0.0)
        self._n = 0
        self._baselines: dict[str, SeasonalBaseline] = {}
        self._share = _Level()
        self._sentiment = _Level()
        # velocity compares with the last learned windows if they are at most an hour (or k + 2 windows) old
        self._horizon = max(3600.0, (self.velocity_windows + 2) * self.window_seconds)
        self._recent_y: list[float] = []
        self._recent_r: list[float] = []
        self._last_t: float | None = None
        # the last learned, contiguous windows as [t, volume, expected volume, negative, expected negative]
        self._span = max(1, min(60, round(float(params["sustain_seconds"]) / self.window_seconds)))
        self._counts: list[list[float | None]] = []
        per_day = _DAY / self.window_seconds
        self._peak_rate = 1.0 - 0.5 ** (_DAY / float(params["burst_halflife_seconds"]))
        self._peak_reference = NormalDist().inv_cdf((per_day - 0.375) / (per_day + 0.25)) if per_day > 1 else 0.0
        self._day_windows_needed = max(1, int(per_day) // 2)
        self._day: int | None = None  # the day being observed, its peak raw z and learned windows
        self._day_max = 0.0
        self._day_windows = 0
        self._peak = 0.0  # exponentially weighted mean of daily peaks of the raw z
        self._peak_days = 0
        self._evidence_ratio = float(params["evidence_ratio"])
        if not self._evidence_ratio > 1.0:
            raise ValueError("evidence_ratio must be above 1")
        self._evidence_floor = float(params["evidence_floor_per_hour"]) * self.window_seconds / 3600.0
        if not self._evidence_floor > 0.0:
            raise ValueError("evidence_floor_per_hour must be positive")
        self._nats = evidence_nats(float(params["evidence_false_alarm_seconds"]), self.window_seconds)
        # the sum is capped a quarter above the evidence that scores the threshold: enough to hold an incident
        # open while the excess lasts, little enough that it closes soon after the excess ends
        self._evidence_cap = 1.25 * self._nats * (_z_of(self.threshold) / _Z_HALF) ** 2
        # accumulated evidence of a sustained excess of negative mentions, and the window it is of
        self._evidence_t: float | None = None
        self._evidence: tuple[float, float, float, int] = _NO_EVIDENCE
        # per count signal, whether its residuals have settled at a new level
        shift_seconds = float(params["level_shift_seconds"])
        if not shift_seconds > 0.0:
            raise ValueError("level_shift_seconds must be positive")
        shift_rate = 1.0 - 0.5 ** (self.window_seconds / (_SHIFT_MEMORY * shift_seconds))
        self._shifts = {name: LevelShift(shift_rate, _SHIFT_SIGMAS, shift_seconds)
                        for name in ("volume", "negative", "authors", "reach")}
        self._adopted: dict[str, list[float]] = {}  # signal -> [when its last new level was adopted, +1 or -1]
        # (t, x values, raw z, evidence, residuals) of the last score: a cache, not state
        self._cache: tuple[float, tuple, float | None, tuple, tuple] | None = None

    # -- estimator conventions -------------------------------------------------------------------------------

    def _get_params(self) -> dict[str, Any]:
        return {"sensitivity": self.sensitivity, "window_seconds": self.window_seconds, "seed": self.seed,
                **self.overrides}

    def clone(self) -> CrisisDetector:
        """A fresh, untrained detector with the same parameters."""
        return CrisisDetector(**self._get_params())

    @classmethod
    def _unit_test_params(cls) -> dict[str, Any]:
        return {"window_seconds": 300.0, "warmup_seconds": 3600.0}

    @property
    def warming_up(self) -> bool:
        """Too little history to score yet."""
        return self._n < self._warm_windows

    def adoptions_since(self, t: float) -> list[str]:
        """Sentences for the count signals whose new level was adopted at or after ``t`` (for a resolved event).

        >>> detector = CrisisDetector(window_seconds=300.0)
        >>> detector._adopted = {"authors": [600.0, 1.0], "volume": [300.0, 1.0], "reach": [0.0, 1.0]}
        >>> detector.adoptions_since(300.0)
        ['mention volume and distinct authors stayed above their former level for 3 days: adopted as the new normal']
        """
        span = _duration(self._shifts["volume"].persist_seconds)
        sentences = []
        for direction, side in (("above", 1.0), ("below", -1.0)):
            names = [name for name in _LABELS
                     if name in self._adopted and self._adopted[name][0] >= t and self._adopted[name][1] == side]
            if names:
                labels = [_LABELS[name] for name in names]
                listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
                owner = "its" if names in (["volume"], ["reach"]) else "their"
                sentences.append(f"{listed} stayed {direction} {owner} former level for {span}: adopted as the new "
                                 "normal")
        return sentences

    # -- scoring ---------------------------------------------------------------------------------------------

    def _baseline(self, name: str) -> SeasonalBaseline:
        base = self._baselines.get(name)
        if base is None:
            base = SeasonalBaseline(count=name in _COUNT_SIGNALS, **self._baseline_params)
            self._baselines[name] = base
        return base

    def _velocity(self, y: float, r: float, sd: float, t: float) -> tuple[float, float, float] | None:
        """(z, observed growth, expected growth) of volume against the last learned windows, if recent."""
        k = self.velocity_windows
        last = self._last_t
        if last is None or len(self._recent_y) < k or not 0.5 * self.window_seconds <= t - last <= self._horizon:
            return None
        mean_y = sum(self._recent_y) / k
        mean_r = sum(self._recent_r) / k
        z = (r - mean_r) / (sd * math.sqrt(1.0 + 1.0 / k))
        return z, math.exp(y - mean_y), math.exp((y - r) - (mean_y - mean_r))

    def score_one(self, x: dict[str, float | None], t: float) -> Assessment:
        """Assess the window starting at ``t`` (epoch seconds) without learning from it."""
        return self._assess(_values(x), t)

    def _assess(self, values: _Values, t: float) -> Assessment:
        """:meth:`score_one` of the inputs :func:`_values` read."""
        volume, negative, share, sentiment, reach, authors = values
        signals: dict[str, dict[str, Any]] = {}
        z: dict[str, float] = {}
        residuals: list[tuple[str, float, float]] = []
        min_count = self.min_count
        baselines = self._baselines
        for name, value in (("volume", volume), ("negative", negative), ("authors", authors), ("reach", reach)):
            if value is None:
                continue
            base = baselines.get(name)
            if base is None or base.n == 0:
                signals[name] = {"observed": value, "expected": None, "score": 0.0}
                continue
            zi, r, sd = base.residual(value, t)
            residuals.append((name, r, sd))
            if name in _COUNT_SIGNALS and value < min_count and zi > 0.0:
                zi = 0.0
            z[name] = zi
            y = math.log1p(max(value, 0.0))
            signals[name] = {"observed": value, "expected": math.expm1(y - r), "score": _score(zi)}
            if name == "volume":
                velocity = self._velocity(y, r, sd, t)
                if velocity is not None:
                    zv = velocity[0] if value >= min_count else min(velocity[0], 0.0)
                    z["velocity"] = zv
                    signals["velocity"] = {"observed": velocity[1], "expected": velocity[2], "score": _score(zv)}
        tone = self._tone(volume, share, sentiment, z, signals)
        if self.warming_up:
            for entry in signals.values():
                entry["score"] = 0.0
            self._cache = (t, values, None, _NO_EVIDENCE, ())
            return Assessment(0.0, self.threshold, self.critical_threshold, signals=signals, warming_up=True)

        activity = max(z.get("volume", 0.0), z.get("authors", 0.0), 0.0)
        activity += self.velocity_weight * max(z.get("velocity", 0.0), 0.0)
        score = _score(activity)
        negative_base = baselines.get("negative")
        if tone is not None and negative_base is not None and negative_base.n >= self._warm_windows:
            gate = _clip01((tone - 1.0) / 2.0)
            negative_score = _score(z.get("negative", 0.0)) * gate
            activity_score = min(score * gate, self._below_critical)
            score = max(negative_score, activity_score)
        sustained = self._sustained(volume, negative, t)
        if sustained > score:
            score = sustained
        raw = _z_of(score)
        calibrated = raw
        if self._peak_days:
            excess = self._peak - self._peak_reference
            if excess > 0.0:
                calibrated = raw - excess
        if calibrated != raw:
            score = _score(calibrated)
        evidence = self._accumulated(volume, negative, t)
        self._cache = (t, values, raw, evidence, tuple(residuals))
        if evidence[0] > 0.0 and evidence[1] >= min_count:
            evidence_score = min(_score(evidence_z(evidence[0], self._nats)), self._below_critical)
            signals["negative_sustained"] = {"observed": evidence[1], "expected": evidence[2],
                                             "score": evidence_score}
            if evidence_score > score:
                score = evidence_score
        return Assessment.judged(score, self.threshold, self.critical_threshold, signals,
                                 self._reasons(signals, evidence[3]))

    def _accumulated(self, volume: float | None, negative: float | None,
                     t: float) -> tuple[float, float, float, int]:
        """The negative-mention evidence after the window at ``t``: (nats, observed, expected, windows).

        Negative mentions are expected at the larger of their seasonal expectation and the usual negative share
        of this window's volume, so a loud but cheerful burst (a launch, a match) adds no evidence, and neither
        does a busier hour than the profile knows. Evidence continues from the previous window only if that was
        the window just before ``t``; without sentiment there is none.
        """
        base = self._baselines.get("negative")
        if negative is None or base is None or base.n < self._warm_windows or not self._share.n:
            return _NO_EVIDENCE
        last = self._evidence_t
        before = _NO_EVIDENCE
        if last is not None and abs(t - last - self.window_seconds) <= 0.5 * self.window_seconds:
            before = self._evidence
        expected = base.expected(t)
        if volume and self._share.mean * volume > expected:
            expected = self._share.mean * volume
        total = evidence_step(before[0], negative, expected, base.extra_variance, ratio=self._evidence_ratio,
                              floor=self._evidence_floor, cap=self._evidence_cap)
        if total == 0.0:
            return _NO_EVIDENCE
        if before[0] == 0.0:
            return (total, negative, expected, 1)
        return (total, before[1] + negative, before[2] + expected, before[3] + 1)

    def _sustained(self, volume: float | None, negative: float | None, t: float) -> float:
        """The score of the last ``sustain_seconds`` taken together (a slow build), kept below critical.

        Counts are summed over the span and compared with the summed expectations; the overdispersion is not
        divided by the span (bursts are correlated in time), so the gain is in the Poisson part only: small,
        steadily raised counts become significant, bursty large counts do not.
        """
        span = self._span
        counts = self._counts
        base = self._baselines.get("volume")
        if span < 2 or volume is None or base is None or len(counts) < span - 1:
            return 0.0
        if abs(t - counts[-1][0] - self.window_seconds) > 0.5 * self.window_seconds:
            return 0.0
        now_expected = base.expected(t)
        if volume <= now_expected:
            return 0.0  # a build that has stopped is not building
        # the span's columns, oldest first: volumes, their expectations, negatives and theirs
        _, volumes, expectations, negatives, negative_expectations = zip(*counts[1 - span:], strict=True)
        # the window with the largest excess is left out: a sustained rise must not rest on a single window
        excess = list(map(operator.sub, volumes, expectations))
        excess.append(volume - now_expected)
        spike = excess.index(max(excess))  # the first of equals, as max(range(span), key=...) would pick
        total = volume + sum(volumes)
        expected = now_expected + sum(expectations)
        if spike == span - 1:
            total, expected = total - volume, expected - now_expected
        else:
            total, expected = total - volumes[spike], expected - expectations[spike]
        if total < self.min_count:
            return 0.0
        score = _score(count_z(total, expected, base.extra_variance))
        negative_base = self._baselines.get("negative")
        if negative is None or negative_base is None or negative_base.n < self._warm_windows:
            return min(score, self._below_critical)  # no sentiment: volume alone
        if None in negatives or not self._share.n:
            return 0.0
        # the same span without the spike, now with this window first
        left_out = 0 if spike == span - 1 else spike + 1
        counted = [negative, *negatives]
        counted_expected = [negative_base.expected(t), *negative_expectations]
        del counted[left_out], counted_expected[left_out]
        negatives_total = sum(counted)
        z_negative = count_z(negatives_total, sum(counted_expected),
                             negative_base.extra_variance) if negatives_total >= self.min_count else 0.0
        p = min(max(self._share.mean, 0.01), 0.99)
        tone = self._share.z(negatives_total / total, p * (1.0 - p) / total, _MIN_SHARE_VARIANCE) if total else 0.0
        gate = _clip01((tone - 1.0) / 2.0)
        return min(max(_score(z_negative), score) * gate, self._below_critical)

    def _tone(self, volume: float | None, share: float | None, sentiment: float | None, z: dict[str, float],
              signals: dict[str, dict]) -> float | None:
        """How much worse than usual the tone is, in sigma (None without sentiment)."""
        tone: float | None = None
        if share is not None and self._share.n:
            p = min(max(self._share.mean, 0.01), 0.99)
            noise = p * (1.0 - p) / volume if volume else p * (1.0 - p)
            zs = self._share.z(share, noise, _MIN_SHARE_VARIANCE)
            signals["negative_share"] = {"observed": share, "expected": self._share.mean, "score": _score(zs)}
            z["negative_share"] = tone = zs
        elif share is not None:
            signals["negative_share"] = {"observed": share, "expected": None, "score": 0.0}
        if sentiment is not None and self._sentiment.n:
            zm = -self._sentiment.z(sentiment, 0.0, _MIN_SENTIMENT_VARIANCE)
            signals["sentiment"] = {"observed": sentiment, "expected": self._sentiment.mean, "score": _score(zm)}
            z["sentiment"] = zm
            tone = zm if tone is None else 0.5 * (tone + zm)
        elif sentiment is not None:
            signals["sentiment"] = {"observed": sentiment, "expected": None, "score": 0.0}
        return tone

    def _reasons(self, signals: dict[str, dict[str, Any]], evidence_windows: int) -> tuple[str, ...]:
        floor = 0.5 * self.threshold
        ranked = [(entry["score"], name) for name, entry in signals.items() if entry["score"] >= floor]
        if not ranked:
            return ()  # most windows: no signal near the threshold
        ranked.sort()
        return tuple(_reason(name, signals[name], self.velocity_windows, evidence_windows)
                     for _, name in reversed(ranked))

    # -- learning --------------------------------------------------------------------------------------------

    def _scored(self, values: _Values, t: float) -> tuple:
        cache = self._cache
        if cache is None or cache[0] != t or cache[1] != values:
            self._assess(values, t)
            cache = self._cache
        assert cache is not None
        return cache

    def skip_one(self, x: dict[str, float | None], t: float) -> None:
        """Pass the window starting at ``t`` without learning it (anomalous, or inside an incident).

        The baselines learn nothing; only the evidence accumulators move on, so a slow build keeps adding up
        while it is being alerted on. A caller that skips a window without calling this resets them (a gap).
        """
        cache = self._scored(_values(x), t)
        self._evidence = cache[3]
        self._evidence_t = t
        self._follow_shifts(cache[4], t)

    def learn_one(self, x: dict[str, float | None], t: float) -> None:
        """Learn the window starting at ``t`` into the baselines (call it only for windows outside incidents)."""
        values = _values(x)
        volume, negative, share, sentiment, reach, authors = values
        raw: float | None = None
        if self.warming_up:
            self._evidence = _NO_EVIDENCE
        else:
            cache = self._scored(values, t)
            raw = cache[2]
            self._evidence = cache[3]
            self._follow_shifts(cache[4], t)
        self._evidence_t = t
        expected_volume: float | None = None
        expected_negative: float | None = None
        for name, value in (("volume", volume), ("negative", negative), ("authors", authors), ("reach", reach)):
            if value is None:
                continue
            mu = self._baseline(name)._learn(value, t)  # the expectation before learning
            if name == "volume":
                expected_volume = None if mu is None else math.expm1(mu)
                if self._last_t is None or not 0.5 * self.window_seconds <= t - self._last_t <= self._horizon:
                    self._recent_y.clear()
                    self._recent_r.clear()
                y = math.log1p(max(value, 0.0))
                self._recent_y.append(y)
                self._recent_r.append(0.0 if mu is None else y - mu)
                if len(self._recent_y) > self.velocity_windows:
                    del self._recent_y[0], self._recent_r[0]
                self._last_t = t
            elif name == "negative":
                expected_negative = None if mu is None else math.expm1(mu)
        self._remember_counts(volume, negative, t, expected_volume, expected_negative)
        if share is not None and volume:
            p = min(max(self._share.mean, 0.01), 0.99) if self._share.n else 0.5
            self._share.learn(share, p * (1.0 - p) / volume, self._mean_rate, self._variance_rate, self.clip_sigma,
                              _MIN_SHARE_VARIANCE)
        if sentiment is not None:
            self._sentiment.learn(sentiment, 0.0, self._mean_rate, self._variance_rate, self.clip_sigma,
                                  _MIN_SENTIMENT_VARIANCE)
        if raw is not None:
            self._learn_peak(raw, t)
        self._n += 1

    def _follow_shifts(self, residuals: tuple[tuple[str, float, float], ...], t: float) -> None:
        """Feed each count signal's residual to its level-shift tracker; adopt the shifts that have persisted.

        After an adoption the short memories measured from the old level (velocity, the sustained span, the
        evidence sum) start again.
        """
        adopted = False
        for name, r, sd in residuals:
            shift = self._shifts[name].update(r, sd, t)
            if shift is not None:
                self._baselines[name].shift_level(shift)
                self._adopted[name] = [t, 1.0 if shift > 0.0 else -1.0]
                adopted = True
        if adopted:
            self._recent_y.clear()
            self._recent_r.clear()
            self._counts.clear()
            self._evidence = _NO_EVIDENCE
            self._cache = None

    def _remember_counts(self, volume: float | None, negative: float | None, t: float,
                         expected_volume: float | None, expected_negative: float | None) -> None:
        """Keep the last ``span - 1`` learned windows' counts and expectations, if contiguous."""
        if self._span < 2:
            return
        counts = self._counts
        if volume is None or expected_volume is None:
            counts.clear()
            return
        if counts and abs(t - counts[-1][0] - self.window_seconds) > 0.5 * self.window_seconds:
            counts.clear()
        if negative is None or expected_negative is None:
            counts.append([t, volume, expected_volume, None, None])
        else:
            counts.append([t, volume, expected_volume, negative, expected_negative])
        if len(counts) >= self._span:
            del counts[0]

    def _learn_peak(self, raw: float, t: float) -> None:
        """Track the typical daily peak of the raw z (block maxima), the subject's usual burstiness."""
        day = int((t + self._offset) // _DAY)
        if day != self._day:
            if self._day is not None and self._day_windows >= self._day_windows_needed:
                peak = self._day_max
                if self._peak_days:
                    peak = min(peak, self._peak + self.clip_sigma)
                self._peak_days += 1
                rate = max(self._peak_rate, 1.0 / self._peak_days)
                self._peak += rate * (peak - self._peak)
            self._day, self._day_max, self._day_windows = day, 0.0, 0
        self._day_windows += 1
        if raw > self._day_max:
            self._day_max = raw

    # -- state -----------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain values (orjson-ready) that :meth:`from_dict` restores exactly.

        >>> detector = CrisisDetector(window_seconds=300.0)
        >>> detector.learn_one({"volume": 3.0}, 0.0)
        >>> restored = CrisisDetector.from_dict(detector.to_dict())
        >>> restored.to_dict() == detector.to_dict()
        True
        """
        return {
            "version": _VERSION,
            "params": self._get_params(),
            "n": self._n,
            "baselines": {name: base.to_dict() for name, base in self._baselines.items()},
            "share": self._share.to_list(),
            "sentiment": self._sentiment.to_list(),
            "recent_y": list(self._recent_y),
            "recent_r": list(self._recent_r),
            "last_t": self._last_t,
            "counts": [list(entry) for entry in self._counts],
            "peak": [self._day, self._day_max, self._day_windows, self._peak, self._peak_days],
            "evidence": [self._evidence_t, *self._evidence],
            "shifts": {name: shift.to_list() for name, shift in self._shifts.items()},
            "adopted": {name: list(entry) for name, entry in self._adopted.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CrisisDetector:
        """Restore a detector written by :meth:`to_dict` (an unknown ``version`` raises ``ValueError``)."""
        if not isinstance(d, dict) or d.get("version") not in _READABLE_VERSIONS:
            version = d.get("version") if isinstance(d, dict) else None
            raise ValueError(f"unsupported CrisisDetector state version {version!r}")
        detector = cls(**d["params"])
        detector._n = int(d["n"])
        detector._baselines = {name: SeasonalBaseline.from_dict(state) for name, state in d["baselines"].items()}
        detector._share = _Level(float(d["share"][0]), float(d["share"][1]), int(d["share"][2]))
        detector._sentiment = _Level(float(d["sentiment"][0]), float(d["sentiment"][1]), int(d["sentiment"][2]))
        detector._recent_y = [float(v) for v in d["recent_y"]]
        detector._recent_r = [float(v) for v in d["recent_r"]]
        day, day_max, day_windows, peak, peak_days = d["peak"]
        detector._day = None if day is None else int(day)
        detector._day_max, detector._day_windows = float(day_max), int(day_windows)
        detector._peak, detector._peak_days = float(peak), int(peak_days)
        detector._last_t = None if d["last_t"] is None else float(d["last_t"])
        detector._counts = [[None if v is None else float(v) for v in entry] for entry in d["counts"]]
        if "evidence" in d:  # version 2
            last, total, observed, expected, windows = d["evidence"]
            detector._evidence_t = None if last is None else float(last)
            detector._evidence = (float(total), float(observed), float(expected), int(windows))
        for name, state in d.get("shifts", {}).items():  # version 3
            detector._shifts[name].restore(state)
        detector._adopted = {name: [float(t), float(side)] for name, (t, side) in d.get("adopted", {}).items()}
        return detector


def _duration(seconds: float) -> str:
    """``3 days``, ``1 day``, ``6 hours``.

    >>> _duration(259_200.0), _duration(86_400.0), _duration(5400.0)
    ('3 days', '1 day', '1.5 hours')
    """
    amount, unit = (seconds / _DAY, "day") if seconds >= _DAY else (seconds / 3600.0, "hour")
    return f"{amount:g} {unit}{'' if amount == 1 else 's'}"


def _ratio(observed: float, expected: float) -> float:
    return observed / expected if expected > 0.1 else observed / 0.1


_LABELS = {"volume": "mention volume", "negative": "negative mentions", "authors": "distinct authors",
           "reach": "reach"}


def _reason(name: str, entry: dict[str, Any], velocity_windows: int, evidence_windows: int) -> str:
    """One sentence for people about one signal."""
    observed, expected = entry["observed"], entry["expected"]
    if name in _LABELS:
        return f"{_LABELS[name]} {_ratio(observed, expected):.1f}x expected ({observed:,.0f} vs {expected:,.1f})"
    if name == "negative_sustained":
        return (f"negative mentions {_ratio(observed, expected):.1f}x expected over the last {evidence_windows} "
                f"windows ({observed:,.0f} vs {expected:,.1f})")
    if name == "negative_share":
        return f"negative share {observed:.0%} vs {expected:.0%} expected"
    if name == "sentiment":
        return f"mean sentiment {observed:+.2f} vs {expected:+.2f} expected"
    return f"volume grew {observed:.1f}x over the last {velocity_windows} windows (usually {expected:.1f}x)"
