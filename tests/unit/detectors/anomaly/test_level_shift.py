"""LevelShift: a persistent one-sided residual is reported once, a passing one never."""

from __future__ import annotations

import orjson

from detectors.anomaly.level_shift import LevelShift

MINUTE = 60.0


def _feed(shift: LevelShift, residuals: list[float], sd: float = 0.1, start: float = 0.0) -> list[tuple[float, float]]:
    """(t, shift) for every report while feeding one residual per minute."""
    reports = []
    for i, residual in enumerate(residuals):
        t = start + i * MINUTE
        found = shift.update(residual, sd, t)
        if found is not None:
            reports.append((t, found))
    return reports


def test_a_lasting_rise_is_reported_once_after_it_has_persisted() -> None:
    shift = LevelShift(rate=0.1, sigmas=2.0, persist_seconds=3600.0)
    reports = _feed(shift, [1.0] * 90)
    assert len(reports) == 1
    t, size = reports[0]
    assert t == 3600.0  # the mean residual (1) and noise (0.1) are averaged alike: out of the band from the start
    assert 0.99 < size <= 1.0


def test_a_passing_excursion_is_never_reported() -> None:
    shift = LevelShift(rate=0.1, sigmas=2.0, persist_seconds=3600.0)
    # 30 minutes above, and the mean takes another 15 to fall back into the band: 45 minutes, less than the hour
    assert _feed(shift, [1.0] * 30 + [0.0] * 100) == []
    assert shift.side == 0 and shift.since is None


def test_a_lasting_fall_is_reported_as_a_negative_shift() -> None:
    shift = LevelShift(rate=0.1, sigmas=2.0, persist_seconds=3600.0)
    reports = _feed(shift, [-0.5] * 70)
    assert len(reports) == 1 and reports[0][1] < -0.45


def test_noise_within_the_band_restarts_the_clock() -> None:
    shift = LevelShift(rate=0.5, sigmas=2.0, persist_seconds=3600.0)
    # above the band for 50 minutes, back inside it for a moment, then above again: the hour counts from the return
    reports = _feed(shift, [1.0] * 50 + [0.0] * 5 + [1.0] * 70)
    assert len(reports) == 1 and reports[0][0] == 55 * MINUTE + 3600.0


def test_state_round_trip_continues_identically() -> None:
    shift = LevelShift(rate=0.1, sigmas=2.0, persist_seconds=3600.0)
    _feed(shift, [1.0] * 30)
    restored = LevelShift(rate=0.1, sigmas=2.0, persist_seconds=3600.0)
    restored.restore(orjson.loads(orjson.dumps(shift.to_list())))
    rest = [1.0] * 60
    assert _feed(restored, rest, start=30 * MINUTE) == _feed(shift, rest, start=30 * MINUTE) != []
