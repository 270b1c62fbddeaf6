"""Everyday mention volume: daily and weekly rhythm in Jakarta time, with overdispersed noise.

Rates are per minute. The daily shape is written by hour of the day in WIB (UTC+7): almost silent from 01:00
to 05:00, a morning peak around 08:00, a lunch shoulder and the evening peak around 20:00. Weekends start later,
and how busy they are depends on the category (banks and ministries are quieter, shops are busier).
"""

from __future__ import annotations

import numpy as np

__all__ = ["WIB_OFFSET_SECONDS", "minute_rates", "overdispersed_counts", "rhythm"]

WIB_OFFSET_SECONDS = 7 * 3600

#: Relative volume by WIB hour (1.0 = the weekday evening peak).
_WEEKDAY = np.array([0.30, 0.12, 0.06, 0.04, 0.04, 0.08, 0.25, 0.55, 0.85, 0.80, 0.68, 0.70,
                     0.78, 0.72, 0.64, 0.62, 0.66, 0.72, 0.80, 0.92, 1.00, 0.95, 0.75, 0.50])
_WEEKEND = np.array([0.40, 0.20, 0.08, 0.05, 0.04, 0.05, 0.12, 0.28, 0.48, 0.64, 0.75, 0.80,
                     0.82, 0.80, 0.76, 0.74, 0.76, 0.80, 0.86, 0.94, 1.00, 0.98, 0.85, 0.62])


def rhythm(start: float, minutes: int, weekend_factor: float = 1.0) -> np.ndarray:
    """Relative volume for each minute from ``start`` (epoch seconds, UTC), linearly interpolated by hour.

    >>> start = 1767546000.0  # Monday 2026-01-05 00:00 WIB
    >>> day = rhythm(start, 1440)
    >>> bool(day[3 * 60] < 0.1 < 0.9 < day[20 * 60])
    True
    """
    local = start + WIB_OFFSET_SECONDS + 60.0 * np.arange(minutes)
    hours = (local % 86400.0) / 3600.0
    weekday = ((local // 86400.0) + 3) % 7  # the epoch was a Thursday; 0 = Monday
    lower = np.floor(hours).astype(np.int64)
    upper = (lower + 1) % 24
    frac = hours - lower
    weekday_shape = _WEEKDAY[lower] * (1 - frac) + _WEEKDAY[upper] * frac
    weekend_shape = (_WEEKEND[lower] * (1 - frac) + _WEEKEND[upper] * frac) * weekend_factor
    return np.where(weekday >= 5, weekend_shape, weekday_shape)


def minute_rates(
    rng: np.random.Generator, start: float, minutes: int, peak_rate: float, weekend_factor: float = 1.0
) -> np.ndarray:
    """Expected mentions per minute: the rhythm times the peak rate times a slow day-to-day wobble."""
    days = minutes // 1440 + 1
    daily = rng.lognormal(mean=0.0, sigma=0.12, size=days)
    hourly = rng.lognormal(mean=0.0, sigma=0.15, size=minutes // 60 + 1)
    index = np.arange(minutes)
    return peak_rate * rhythm(start, minutes, weekend_factor) * daily[index // 1440] * hourly[index // 60]


def overdispersed_counts(rng: np.random.Generator, rates: np.ndarray, dispersion: float = 4.0) -> np.ndarray:
    """Gamma-Poisson (negative binomial) counts with mean ``rates``; variance is ``rate + rate**2 / dispersion``.

    >>> counts = overdispersed_counts(np.random.default_rng(0), np.full(20_000, 10.0))
    >>> bool(9.5 < counts.mean() < 10.5 and counts.var() > 30)
    True
    """
    if dispersion <= 0:
        raise ValueError("dispersion must be positive")
    gamma = rng.gamma(shape=dispersion, scale=1.0 / dispersion, size=rates.shape)
    return rng.poisson(rates * gamma)
