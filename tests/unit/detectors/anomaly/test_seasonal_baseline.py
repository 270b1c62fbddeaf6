"""SeasonalBaseline: hour-of-day and weekend profile, Poisson-aware z, winsorized learning."""

from __future__ import annotations

import math
import random

import orjson
import pytest

from detectors.anomaly import SeasonalBaseline

DAY = 86_400.0
MONDAY = 4 * DAY


def office_hours(t: float) -> float:
    hour = (t % DAY) / 3600.0
    weekend = (int(t // DAY) + 3) % 7 >= 5
    return (5.0 if weekend else 50.0) if 9 <= hour < 17 else 2.0


def trained(days: int = 14, step: float = 600.0, seed: int = 0) -> SeasonalBaseline:
    rng = random.Random(seed)
    base = SeasonalBaseline(window_seconds=step)
    for i in range(int(days * DAY / step)):
        t = MONDAY + i * step
        base.learn_one(max(0.0, round(rng.gauss(office_hours(t), math.sqrt(office_hours(t))))), t)
    return base


def test_learns_the_weekday_and_weekend_profile():
    base = trained()
    monday_noon, saturday_noon, night = MONDAY + 14 * DAY + 12 * 3600, MONDAY + 19 * DAY + 12 * 3600, MONDAY + 3 * 3600
    assert 40 < base.expected(monday_noon) < 60
    assert 3 < base.expected(saturday_noon) < 8
    assert base.expected(night) < 4
    assert abs(base.score_one(50.0, monday_noon)) < 2
    assert base.score_one(50.0, saturday_noon) > 4


def test_small_counts_are_read_as_counts():
    base = SeasonalBaseline(window_seconds=60.0, seasonal=False)
    rng = random.Random(1)
    for i in range(2000):
        base.learn_one(float(rng.random() < 0.5) + float(rng.random() < 0.5), i * 60.0)
    assert base.score_one(3.0, 2000 * 60.0) < 2.5  # 3 when 1 is expected: ordinary
    assert base.score_one(15.0, 2000 * 60.0) > 5  # 15 when 1 is expected: not


def test_a_surge_barely_moves_the_baseline():
    base = trained()
    t = MONDAY + 14 * DAY + 12 * 3600
    before = base.expected(t)
    for i in range(6):
        base.learn_one(5000.0, t - 3600 + i * 600.0)
    assert base.expected(t) < 1.5 * before


def test_state_round_trip_and_clone():
    base = trained(days=2)
    restored = SeasonalBaseline.from_dict(orjson.loads(orjson.dumps(base.to_dict())))
    for i in range(50):
        t = MONDAY + 2 * DAY + i * 600.0
        assert restored.score_one(30.0, t) == base.score_one(30.0, t)
        restored.learn_one(30.0, t)
        base.learn_one(30.0, t)
    assert base.clone().to_dict() == SeasonalBaseline(window_seconds=600.0).to_dict()
    with pytest.raises(ValueError):
        SeasonalBaseline.from_dict({**base.to_dict(), "version": 0})


def test_parameters_are_validated():
    with pytest.raises(ValueError):
        SeasonalBaseline(window_seconds=-1)
    with pytest.raises(ValueError):
        SeasonalBaseline(utc_offset_hours=20)


def test_utc_offset_moves_the_day():
    jakarta = SeasonalBaseline(window_seconds=3600.0, utc_offset_hours=7)
    utc = SeasonalBaseline(window_seconds=3600.0)
    assert jakarta._bucket(MONDAY + 18 * 3600) == 1  # 18:00 UTC is 01:00 on Tuesday in Jakarta
    assert utc._bucket(MONDAY + 18 * 3600) == 18


def test_scoring_before_learning_leaves_the_learned_state_unchanged():
    # learning reuses the moments that scoring the same window computed; the state must be as if it had not
    rng = random.Random(5)
    scored, plain = SeasonalBaseline(window_seconds=600.0), SeasonalBaseline(window_seconds=600.0)
    for i in range(3 * 144):
        t, x = MONDAY + i * 600.0, float(rng.randint(0, 40))
        scored.score_one(x, t)
        scored.expected(t + 600.0)
        scored.learn_one(x, t)
        plain.learn_one(x, t)
    assert orjson.dumps(scored.to_dict()) == orjson.dumps(plain.to_dict())
