"""Everyday rhythm and noise."""

from __future__ import annotations

import numpy as np

from pipeline.simulate.suite import DEFAULT_START
from pipeline.simulate.traffic import minute_rates, overdispersed_counts, rhythm


def test_daily_rhythm_is_quiet_at_night_and_peaks_morning_and_evening() -> None:
    day = rhythm(DEFAULT_START, 1440)  # a Monday in WIB
    hourly = day.reshape(24, 60).mean(axis=1)
    assert hourly[1:5].max() < 0.15
    assert hourly[8] > hourly[14] < hourly[20]
    assert int(hourly.argmax()) in (19, 20, 21)


def test_weekends_differ_from_weekdays() -> None:
    week = rhythm(DEFAULT_START, 7 * 1440, weekend_factor=0.7).reshape(7, 1440)
    assert week[5].sum() < 0.9 * week[0].sum() and week[6].sum() < 0.9 * week[0].sum()
    assert week[5, 8 * 60] < week[0, 8 * 60]


def test_counts_are_overdispersed_and_follow_the_rate() -> None:
    rng = np.random.default_rng(0)
    rates = minute_rates(rng, DEFAULT_START, 7 * 1440, peak_rate=10.0)
    counts = overdispersed_counts(rng, rates)
    assert abs(counts.sum() / rates.sum() - 1.0) < 0.03
    busy = counts[rates > 8.0]
    assert busy.var() > 1.5 * busy.mean()
