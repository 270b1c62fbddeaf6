"""What a count should be at this hour: a level plus an hour-of-day profile, learned online in log space."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["SeasonalBaseline", "count_z"]

_HOUR = 3600.0
_DAY = 86_400.0
_BUCKETS = 48  # 24 hours x {weekday, weekend}
_INITIAL_VARIANCE = 0.25
_MAX_BUCKET_COUNT = 1_000_000


def _rate(step: float, halflife: float) -> float:
    """Exponential forgetting rate per step for a half-life in the same unit."""
    return 1.0 - 0.5 ** (step / halflife)


def count_z(observed: float, expected: float, extra_variance: float) -> float:
    """How many standard deviations a count sits above its expectation, under Poisson noise plus log-normal
    overdispersion of variance ``extra_variance``.

    Blends the log-space z (right for large, bursty counts) with the Anscombe square-root z (right for small,
    Poisson counts) in proportion to the Poisson share of the log-space variance.

    >>> count_z(16.0, 2.0, 0.01) > 4 > count_z(4.0, 2.0, 0.01)
    True
    >>> count_z(500.0, 100.0, 0.09) < count_z(500.0, 100.0, 0.01)
    True
    """
    poisson = (expected + 0.25) / ((expected + 1.0) * (expected + 1.0))
    variance = extra_variance + poisson
    z_log = (math.log1p(observed) - math.log1p(expected)) / math.sqrt(variance)
    z_sqrt = 2.0 * (math.sqrt(observed + 0.375) - math.sqrt(expected + 0.375)) / math.sqrt(
        1.0 + extra_variance * expected)
    share = poisson / variance
    return share * z_sqrt + (1.0 - share) * z_log


class SeasonalBaseline:
    """Expected value and noise of one non-negative series, by hour of day and weekday/weekend.

    The model is additive in ``log1p`` space, ``log1p(value) = level + season[hour, weekend] + noise``:
    ``level`` follows drift with a half-life in seconds, ``season`` holds 48 exponentially weighted bucket means
    (an unseen weekend hour borrows its weekday twin), and the noise variance is the learned extra variance
    plus, for counts, the Poisson part ``E / (1 + E)**2`` (delta method), so small counts are not over-read.
    Learned residuals are winsorized at ``clip_sigma``: a surge moves the baseline by at most that much per
    window, so a long incident does not become the new normal.

    Parameters
    ----------
    window_seconds
        Length of one window; turns the half-lives into per-window rates.
    level_halflife_seconds
        Half-life of the level.
    season_halflife_days
        Memory of each hour bucket, in days of that hour.
    variance_halflife_seconds
        Half-life of the noise variance.
    clip_sigma
        Residuals beyond this many standard deviations are clipped before learning.
    min_variance
        Floor of the learned (extra) log-space variance.
    seasonal
        Learn the hour-of-day profile (otherwise only a level).
    utc_offset_hours
        Local time offset used to pick the hour and the weekend.
    count
        The series is a count (adds Poisson noise); set ``False`` for sums such as reach.

    Examples
    --------
    >>> base = SeasonalBaseline(window_seconds=3600.0)
    >>> for day in range(7):
    ...     for hour in range(24):
    ...         base.learn_one(100.0 if 8 <= hour < 20 else 5.0, (day * 24 + hour) * 3600.0)
    >>> noon, night = (7 * 24 + 12) * 3600.0, (7 * 24 + 2) * 3600.0
    >>> 90 < base.expected(noon) < 110, 3 < base.expected(night) < 8
    (True, True)
    >>> base.score_one(100.0, noon) < 1.0 < base.score_one(100.0, night)
    True
    """

    def __init__(
        self,
        window_seconds: float = 60.0,
        level_halflife_seconds: float = _DAY,
        season_halflife_days: float = 7.0,
        variance_halflife_seconds: float = 3 * _DAY,
        clip_sigma: float = 3.0,
        min_variance: float = 0.01,
        seasonal: bool = True,
        utc_offset_hours: float = 0.0,
        count: bool = True,
    ) -> None:
        for name, value in (
            ("window_seconds", window_seconds),
            ("level_halflife_seconds", level_halflife_seconds),
            ("season_halflife_days", season_halflife_days),
            ("variance_halflife_seconds", variance_halflife_seconds),
            ("clip_sigma", clip_sigma),
            ("min_variance", min_variance),
        ):
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not -14.0 <= utc_offset_hours <= 14.0:
            raise ValueError(f"utc_offset_hours must be within [-14, 14], got {utc_offset_hours!r}")
        self.window_seconds = float(window_seconds)
        self.level_halflife_seconds = float(level_halflife_seconds)
        self.season_halflife_days = float(season_halflife_days)
        self.variance_halflife_seconds = float(variance_halflife_seconds)
        self.clip_sigma = float(clip_sigma)
        self.min_variance = float(min_variance)
        self.seasonal = bool(seasonal)
        self.utc_offset_hours = float(utc_offset_hours)
        self.count = bool(count)
        self._level_rate = _rate(window_seconds, level_halflife_seconds)
        self._season_rate = _rate(window_seconds, season_halflife_days * _HOUR)
        self._variance_rate = _rate(window_seconds, variance_halflife_seconds)
        self._min_bucket = max(1, int(_HOUR / window_seconds) // 2)
        self._offset = utc_offset_hours * _HOUR
        self.n = 0
        self.level = 0.0
        self.variance = _INITIAL_VARIANCE
        self.variance_n = 0
        self.season = [0.0] * _BUCKETS if seasonal else []
        self.season_n = [0] * _BUCKETS if seasonal else []
        # the last moments computed, (t, n, (mu, variance, bucket), seasonal offset): a window is scored, then
        # learned at the same t, and ``n`` changes with every learned value. Not state.
        self._memo: tuple[float, int, tuple[float, float, int], float] | None = None

    # -- the model -------------------------------------------------------------------------------------------

    def _bucket(self, t: float) -> int:
        local = t + self._offset
        day = int(local // _DAY)
        weekend = (day + 3) % 7 >= 5  # 1970-01-01 was a Thursday (Monday = 0)
        return int(local % _DAY // _HOUR) + (24 if weekend else 0)

    def _moments(self, t: float) -> tuple[float, float, int]:
        """Expected log value, its noise variance and the bucket of time ``t``.

        The bucket is that of the window's middle; an hour seen too little borrows its weekday twin's offset.
        """
        memo = self._memo
        if memo is not None and memo[0] == t and memo[1] == self.n:
            return memo[2]
        if self.seasonal:
            bucket = self._bucket(t + 0.5 * self.window_seconds)
            season, seen, least = self.season, self.season_n, self._min_bucket
            if seen[bucket] >= least:
                offset = season[bucket]
            elif bucket >= 24 and seen[bucket - 24] >= least:
                offset = season[bucket - 24]
            else:
                offset = season[bucket] if seen[bucket] else 0.0
        else:
            offset, bucket = 0.0, -1
        mu = self.level + offset
        if mu < 0.0:
            mu = 0.0
        variance = self.variance if self.variance > self.min_variance else self.min_variance
        if self.count:
            expected = math.expm1(mu)
            variance += (expected + 0.25) / ((expected + 1.0) * (expected + 1.0))
        moments = (mu, variance, bucket)
        self._memo = (t, self.n, moments, offset)
        return moments

    # -- public API ------------------------------------------------------------------------------------------

    def expected(self, t: float) -> float:
        """The expected value at time ``t`` (on the value's own scale)."""
        return math.expm1(self._moments(t)[0])

    def residual(self, x: float, t: float) -> tuple[float, float, float]:
        """``(z, r, sd)``: :meth:`score_one`'s z, ``log1p(x)`` minus its expectation, and the log-space noise."""
        mu, variance, _ = self._moments(t)
        x = x if x > 0.0 else 0.0
        sd = math.sqrt(variance)
        r = math.log1p(x) - mu
        if not self.count:
            return r / sd, r, sd
        return count_z(x, math.expm1(mu), self.extra_variance), r, sd

    def shift_level(self, shift: float) -> None:
        """Move the learned level by ``shift`` (log space): the series has a new normal."""
        self.level += shift
        self._memo = None

    @property
    def extra_variance(self) -> float:
        """The learned log-space noise variance beyond Poisson noise (floored at ``min_variance``)."""
        return self.variance if self.variance > self.min_variance else self.min_variance

    def score_one(self, x: float, t: float) -> float:
        """How many standard deviations ``x`` sits above its expectation at ``t`` (negative below).

        For counts this blends the log-space z with the Anscombe (square-root) z, which is exact for Poisson
        noise, in proportion to how much of the noise is Poisson: small counts are read as counts, large
        bursty ones in log space.
        """
        return self.residual(x, t)[0]

    def learn_one(self, x: float, t: float) -> None:
        """Learn the value ``x`` observed in the window starting at ``t``."""
        self._learn(x, t)

    def _learn(self, x: float, t: float) -> float | None:
        """:meth:`learn_one`, returning the expected log value before learning (``None`` for the first)."""
        y = math.log1p(x if x > 0.0 else 0.0)
        if self.n == 0:
            self.level = y
            self.n = 1
            if self.seasonal:
                self.season_n[self._bucket(t + 0.5 * self.window_seconds)] = 1
            return None
        mu, variance, bucket = self._moments(t)
        offset = self._memo[3] if self._memo is not None else 0.0  # the seasonal offset _moments used
        r = y - mu
        established = self.season_n[bucket] >= self._min_bucket if bucket >= 0 else self.n >= self._min_bucket
        if established:  # only an established expectation can call a value an outlier
            limit = self.clip_sigma * math.sqrt(variance)
            r = limit if r > limit else -limit if r < -limit else r
        self.n += 1
        clipped = mu + r
        if established:
            # an unestablished hour cannot tell level from season, nor measure noise: it only learns its offset
            self.variance_n += 1
            warm = 1.0 / self.variance_n
            noise = variance - self.extra_variance
            v_rate = self._variance_rate if self._variance_rate > warm else warm
            self.variance += v_rate * (r * r - noise - self.variance)
            warm = 1.0 / self.n
            rate = self._level_rate if self._level_rate > warm else warm
            self.level += rate * (clipped - offset - self.level)
        elif bucket < 0:
            self.level += (clipped - self.level) / self.n
        if bucket < 0:
            return mu
        seen = self.season_n[bucket]
        if seen < _MAX_BUCKET_COUNT:
            seen += 1
            self.season_n[bucket] = seen
        s_rate = 1.0 / seen if 1.0 / seen > self._season_rate else self._season_rate
        self.season[bucket] += s_rate * (clipped - self.level - self.season[bucket])
        return mu

    # -- state -----------------------------------------------------------------------------------------------

    def _get_params(self) -> dict[str, Any]:
        return {
            "window_seconds": self.window_seconds,
            "level_halflife_seconds": self.level_halflife_seconds,
            "season_halflife_days": self.season_halflife_days,
            "variance_halflife_seconds": self.variance_halflife_seconds,
            "clip_sigma": self.clip_sigma,
            "min_variance": self.min_variance,
            "seasonal": self.seasonal,
            "utc_offset_hours": self.utc_offset_hours,
            "count": self.count,
        }

    def clone(self) -> SeasonalBaseline:
        """A fresh, untrained baseline with the same parameters."""
        return SeasonalBaseline(**self._get_params())

    def to_dict(self) -> dict[str, Any]:
        """Plain values (orjson-ready) that :meth:`from_dict` restores exactly."""
        return {
            "version": 1,
            "params": self._get_params(),
            "n": self.n,
            "level": self.level,
            "variance": self.variance,
            "variance_n": self.variance_n,
            "season": list(self.season),
            "season_n": list(self.season_n),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SeasonalBaseline:
        """Restore a baseline written by :meth:`to_dict`.

        >>> base = SeasonalBaseline(window_seconds=300.0)
        >>> base.learn_one(7.0, 0.0)
        >>> SeasonalBaseline.from_dict(base.to_dict()).to_dict() == base.to_dict()
        True
        """
        if d.get("version") != 1:
            raise ValueError(f"unsupported SeasonalBaseline state version {d.get('version')!r}")
        base = cls(**d["params"])
        base.n = int(d["n"])
        base.level = float(d["level"])
        base.variance = float(d["variance"])
        base.variance_n = int(d["variance_n"])
        if base.seasonal:
            if len(d["season"]) != _BUCKETS or len(d["season_n"]) != _BUCKETS:
                raise ValueError("SeasonalBaseline state has the wrong number of buckets")
            base.season = [float(v) for v in d["season"]]
            base.season_n = [int(v) for v in d["season_n"]]
        return base
