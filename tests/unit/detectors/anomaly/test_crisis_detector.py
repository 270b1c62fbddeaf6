"""CrisisDetector on constructed series, driven the way the tracker drives it (score, lifecycle, learn if calm)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable

import orjson
import pytest

from detectors.anomaly import SIGNALS, Assessment, CrisisDetector
from detectors.lifecycle import IncidentLifecycle, Transition
from detectors.presets import lifecycle_preset

DAY = 86_400.0
MONDAY = 4 * DAY  # 1970-01-05 was a Monday
STEP = 300.0  # 5-minute windows keep the multi-day series fast; one test repeats the key cases at 1 minute


def rhythm(t: float, peak: float) -> float:
    """Expected mentions per window: a daytime hump, quiet nights, quieter weekends."""
    hour = (t % DAY) / 3600.0
    weekend = (int(t // DAY) + 3) % 7 >= 5
    shape = 0.1 + 0.9 * max(0.0, math.sin(math.pi * (hour - 6.0) / 16.0)) if 6.0 <= hour <= 22.0 else 0.1
    return peak * shape * (0.6 if weekend else 1.0)


def poisson(rng: random.Random, lam: float) -> float:
    if lam > 60:
        return float(max(0, round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return float(k)
        k += 1


def series(days: float, peak: float = 100.0, step: float = STEP, seed: int = 1,
           shape: Callable[[float, float], float] | None = None, start: float = MONDAY) -> list[tuple[float, dict]]:
    """Windows ``(t, x)`` of a seasonal Poisson count; ``shape(hours_since_start, lam)`` changes the rate."""
    rng = random.Random(seed)
    out = []
    for i in range(int(days * DAY / step)):
        t = start + i * step
        lam = rhythm(t, peak * step / 300.0)
        if shape is not None:
            lam = shape((t - start) / 3600.0, lam)
        out.append((t, {"volume": poisson(rng, lam)}))
    return out


def drive(windows: Iterable[tuple[float, dict]], detector: CrisisDetector | None = None,
          lifecycle: IncidentLifecycle | None = None, step: float = STEP) -> tuple[list[Transition], list[Assessment]]:
    detector = detector or CrisisDetector(window_seconds=step)
    lifecycle = lifecycle or IncidentLifecycle(**lifecycle_preset("balanced"))
    transitions, assessments = [], []
    for t, x in windows:
        assessment = detector.score_one(x, t)
        assessments.append(assessment)
        transitions += lifecycle.update(assessment, t, t + step)
        if not lifecycle.in_incident:
            detector.learn_one(x, t)
        else:
            detector.skip_one(x, t)
    return transitions, assessments


def onsets(transitions: list[Transition]) -> list[Transition]:
    return [t for t in transitions if t.kind == "onset"]


def hours(transition: Transition) -> float:
    return (transition.incident_start - MONDAY) / 3600.0


def test_seasonal_traffic_without_anomaly_never_alerts():
    transitions, assessments = drive(series(days=10))
    assert onsets(transitions) == []
    assert max(a.score for a in assessments) < 0.5


def test_one_minute_seasonal_traffic_and_outage():
    calm = series(days=5, step=60.0, peak=20.0)
    transitions, _ = drive(calm, step=60.0)
    assert onsets(transitions) == []

    surge_at = 4 * 24 + 10.0  # Friday 10:00
    outage = series(days=4.5, step=60.0, peak=20.0,
                    shape=lambda h, lam: lam * 8 if surge_at <= h < surge_at + 1 else lam)
    found = onsets(drive(outage, step=60.0)[0])
    assert len(found) == 1
    delay_windows = (found[0].window_end - MONDAY - surge_at * 3600.0) / 60.0
    assert delay_windows <= 3


def test_step_up_opens_an_incident_quickly():
    at = 3 * 24 + 11.0
    transitions, _ = drive(series(days=4, shape=lambda h, lam: lam * 5 if h >= at else lam))
    found = onsets(transitions)
    assert len(found) == 1
    assert at <= hours(found[0]) <= at + 0.5


def test_single_window_spike_opens_no_incident():
    at = 3 * 24 + 11.0
    transitions, assessments = drive(series(days=4, shape=lambda h, lam: lam * 20 if at <= h < at + 1 / 12 else lam))
    assert onsets(transitions) == []
    assert max(a.score for a in assessments) >= 0.5  # the window itself is anomalous, the incident is not


def test_slow_ramp_is_detected_while_it_builds():
    start = 3 * 24 + 8.0
    ramp = lambda h, lam: lam * (1.0 + 5.0 * min(1.0, max(0.0, (h - start) / 6.0)))  # noqa: E731
    found = onsets(drive(series(days=4, shape=ramp))[0])
    assert len(found) == 1
    assert start < hours(found[0]) < start + 6.0


def test_dip_and_silence_never_alert():
    dip = drive(series(days=5, shape=lambda h, lam: lam * 0.1 if 3 * 24 + 8 <= h < 3 * 24 + 14 else lam))
    assert onsets(dip[0]) == []
    assert max(a.score for a in dip[1][3 * 288:]) < 0.5
    silent = drive(series(days=6, shape=lambda h, lam: 0.0 if h >= 3 * 24 else lam))
    assert onsets(silent[0]) == []
    assert all(a.score == 0.0 for a in silent[1][3 * 288:])


def test_empty_nights_do_not_make_mornings_look_like_a_crisis():
    nights_off = lambda h, lam: 0.0 if h % 24 < 7 else lam  # noqa: E731
    transitions, _ = drive(series(days=9, shape=nights_off))
    assert onsets(transitions) == []


def test_missing_windows_then_a_surge():
    windows = series(days=5, shape=lambda h, lam: lam * 6 if h >= 4 * 24 + 12 else lam)
    gap = [(t, x) for t, x in windows if not 3 * DAY + MONDAY + 9 * 3600 <= t < 3 * DAY + MONDAY + 15 * 3600]
    found = onsets(drive(gap)[0])
    assert len(found) == 1
    assert hours(found[0]) >= 4 * 24 + 12


def test_new_subject_is_quiet_during_warm_up():
    spike_early = series(days=1, shape=lambda h, lam: lam * 30 if 3 <= h < 6 else lam)
    transitions, assessments = drive(spike_early)
    assert onsets(transitions) == []
    assert all(a.warming_up and a.score == 0.0 and not a.anomalous for a in assessments)
    assert not drive(series(days=2))[1][-1].warming_up


def test_warm_up_is_configurable():
    detector = CrisisDetector(window_seconds=STEP, warmup_seconds=6 * 3600.0)
    _, assessments = drive(series(days=1), detector=detector)
    assert assessments[71].warming_up and not assessments[72].warming_up


def test_a_days_long_incident_resolves_and_a_second_one_is_caught():
    first, second = 3 * 24 + 10.0, 8 * 24 + 10.0
    shape = lambda h, lam: lam * 5 if first <= h < first + 48 or second <= h < second + 3 else lam  # noqa: E731
    transitions, _ = drive(series(days=9, shape=shape))
    kinds = [(t.kind, round(hours(t))) for t in transitions if t.kind != "escalated"]
    assert [k for k, _ in kinds] == ["onset", "resolved", "onset", "resolved"]
    assert kinds[0][1] == round(first) and kinds[2][1] == round(second)
    resolved_at = (transitions[[t.kind for t in transitions].index("resolved")].window_end - MONDAY) / 3600.0
    assert first + 48 <= resolved_at <= first + 50


def _ends(transitions: list[Transition], kind: str) -> list[float]:
    """Hours since the start of the series at the end of each window that caused a ``kind`` transition."""
    return [(t.window_end - MONDAY) / 3600.0 for t in transitions if t.kind == kind]


def test_a_lasting_step_up_becomes_the_new_normal_and_a_surge_on_top_is_still_caught():
    step, surge = 3 * 24 + 10.0, 10 * 24 + 10.0
    shape = lambda h, lam: lam if h < step else lam * 5 * (5 if surge <= h < surge + 3 else 1)  # noqa: E731
    transitions, _ = drive(series(days=11, shape=shape))
    onsets, resolutions = _ends(transitions, "onset"), _ends(transitions, "resolved")
    assert len(onsets) == 2 and step <= onsets[0] <= step + 1 and surge <= onsets[1] <= surge + 0.5
    # adopted after three days instead of being held open for ever (or reopened every few hours)
    assert step + 72 <= resolutions[0] <= step + 80


def test_how_long_a_new_level_must_last_is_a_setting():
    step = 3 * 24 + 10.0
    shape = lambda h, lam: lam * 5 if h >= step else lam  # noqa: E731
    detector = CrisisDetector(window_seconds=STEP, level_shift_seconds=DAY)
    transitions, _ = drive(series(days=6, shape=shape), detector=detector)
    assert step + 24 <= _ends(transitions, "resolved")[0] <= step + 32


def test_a_restored_detector_adopts_a_new_level_exactly_when_the_original_does():
    step = 3 * 24 + 10.0
    windows = series(days=8, shape=lambda h, lam: lam * 5 if h >= step else lam)
    cut = int((step + 30) * 3600 / STEP)  # in the middle of the long incident
    detector, lifecycle = CrisisDetector(window_seconds=STEP), IncidentLifecycle(**lifecycle_preset("balanced"))
    drive(windows[:cut], detector=detector, lifecycle=lifecycle)
    restored = CrisisDetector.from_dict(orjson.loads(orjson.dumps(detector.to_dict())))
    twin = IncidentLifecycle.from_dict(lifecycle.to_dict())
    expected, _ = drive(windows[cut:], detector=detector, lifecycle=lifecycle)
    assert _ends(expected, "resolved") and drive(windows[cut:], detector=restored, lifecycle=twin)[0] == expected


def _with_sentiment(t: float, volume: float, negative_share: float, rng: random.Random) -> dict:
    negative = float(sum(rng.random() < negative_share for _ in range(int(volume))))
    share = negative / volume if volume else None
    return {"volume": volume, "negative": negative, "negative_share": share,
            "sentiment_mean": None if share is None else 0.3 - 0.8 * share,
            "reach": volume * 800.0, "authors": float(math.ceil(volume * 0.9))}


def _social(days: float, burst: Callable[[float], tuple[float, float] | None], seed: int = 3) -> list[tuple]:
    """A subject with sentiment: 10 % negative normally; ``burst(hours)`` gives (volume factor, negative share)."""
    rng = random.Random(seed)
    out = []
    for t, x in series(days=days, peak=60.0, seed=seed):
        factor, share = burst((t - MONDAY) / 3600.0) or (1.0, 0.1)
        volume = x["volume"] * factor
        out.append((t, _with_sentiment(t, volume, share, rng)))
    return out


def test_positive_viral_burst_does_not_page_but_complaints_do():
    at = 3 * 24 + 11.0
    viral = _social(4, lambda h: (10.0, 0.02) if at <= h < at + 2 else None)
    transitions, assessments = drive(viral)
    assert onsets(transitions) == []
    assert all(a.severity != "critical" for a in assessments)
    outage = _social(4, lambda h: (6.0, 0.6) if at <= h < at + 2 else None)
    found = onsets(drive(outage)[0])
    assert len(found) == 1 and found[0].severity == "critical"
    assert at <= hours(found[0]) <= at + 0.25


def test_volume_surge_with_sentiment_never_reaches_critical_unless_negative():
    at = 3 * 24 + 11.0
    neutral = _social(4, lambda h: (8.0, 0.1) if at <= h < at + 2 else None)
    assert all(a.severity != "critical" for a in drive(neutral)[1])


def test_assessment_shape_and_reasons():
    at = 3 * 24 + 11.0
    windows = _social(4, lambda h: (6.0, 0.6) if at <= h < at + 2 else None)
    _, assessments = drive(windows)
    worst = max(assessments, key=lambda a: a.score)
    assert set(worst.signals) <= set(SIGNALS)
    assert {"volume", "negative", "negative_share", "sentiment", "reach", "authors"} <= set(worst.signals)
    first = next(a for a in assessments if a.anomalous)
    assert first.signals["velocity"]["observed"] > first.signals["velocity"]["expected"]
    for entry in worst.signals.values():
        assert set(entry) == {"observed", "expected", "score"} and 0.0 <= entry["score"] <= 1.0
    assert worst.severity == "critical" and worst.anomalous and not worst.warming_up
    assert worst.reasons and any(reason.startswith("negative mentions") for reason in worst.reasons)
    assert all(0.0 <= a.score <= 1.0 for a in assessments)
    orjson.dumps(worst.to_dict())


def test_sentiment_absent_everywhere_still_works():
    at = 3 * 24 + 11.0
    windows = [(t, {**x, "negative": None, "negative_share": None, "sentiment_mean": None, "reach": None,
                    "authors": x["volume"]})
               for t, x in series(days=4, shape=lambda h, lam: lam * 6 if h >= at else lam)]
    found = onsets(drive(windows)[0])
    assert len(found) == 1 and at <= hours(found[0]) <= at + 0.5


def test_score_one_does_not_learn_and_does_not_mutate_input():
    detector = CrisisDetector(window_seconds=STEP)
    drive(series(days=2), detector=detector, lifecycle=IncidentLifecycle(close_windows=1))
    before = orjson.dumps(detector.to_dict())
    x = {"volume": 500.0, "negative": None}
    first = detector.score_one(x, MONDAY + 2 * DAY)
    assert x == {"volume": 500.0, "negative": None}
    assert orjson.dumps(detector.to_dict()) == before
    assert detector.score_one(x, MONDAY + 2 * DAY) == first


def test_parameters_are_validated():
    with pytest.raises(ValueError, match="unknown detector parameter"):
        CrisisDetector(thresold=0.3)
    with pytest.raises(ValueError, match="sensitivity"):
        CrisisDetector(sensitivity="paranoid")
    with pytest.raises(ValueError):
        CrisisDetector(window_seconds=0)
    with pytest.raises(ValueError):
        CrisisDetector(threshold=0.9, critical_threshold=0.8)
    with pytest.raises(ValueError, match="level_shift_seconds"):
        CrisisDetector(level_shift_seconds=0)
    assert CrisisDetector(threshold=0.6).threshold == 0.6
    assert CrisisDetector(sensitivity="high").threshold < CrisisDetector(sensitivity="low").threshold


def test_state_round_trip_and_version():
    detector = CrisisDetector(window_seconds=STEP, utc_offset_hours=7)
    windows = _social(2, lambda h: None)
    drive(windows[:400], detector=detector)
    restored = CrisisDetector.from_dict(orjson.loads(orjson.dumps(detector.to_dict())))
    for t, x in windows[400:]:
        assert restored.score_one(x, t) == detector.score_one(x, t)
        restored.learn_one(x, t)
        detector.learn_one(x, t)
    state = detector.to_dict()
    with pytest.raises(ValueError, match="version"):
        CrisisDetector.from_dict({**state, "version": 99})


def test_slow_build_of_complaints_at_low_volume_is_caught_by_the_sustained_channel():
    at = 3 * 24 + 10.0
    rng = random.Random(5)
    windows = []
    for t, x in series(days=3.6, peak=6.0, step=60.0, seed=5,
                       shape=lambda h, lam: lam * (1.0 + 2.0 * min(1.0, max(0.0, (h - at) / 2.0))) + (
                           2.0 * min(1.0, max(0.0, (h - at) / 2.0)))):
        hours_in = (t - MONDAY) / 3600.0
        share = 0.1 + 0.4 * min(1.0, max(0.0, (hours_in - at) / 2.0))
        windows.append((t, _with_sentiment(t, x["volume"], share, rng)))
    found = onsets(drive(windows, step=60.0)[0])
    assert found and at < hours(found[0]) < at + 1.5
    without = onsets(drive(windows, detector=CrisisDetector(window_seconds=60.0, sustain_seconds=60.0),
                           step=60.0)[0])
    assert not without or hours(without[0]) > hours(found[0])


# Accumulated evidence of negative mentions ------------------------------------------------------------------


def _faint_complaints(extra_per_minute: float, start_hours: float, end_hours: float = 1e9, days: float = 3.6,
                      seed: int = 11) -> list[tuple]:
    """1-minute windows of a quiet subject (10 % negative) plus ``extra_per_minute`` negative posts in the span."""
    rng = random.Random(seed)
    out = []
    for t, x in series(days=days, peak=10.0, step=60.0, seed=seed):
        hour = (t - MONDAY) / 3600.0
        extra = poisson(rng, extra_per_minute) if start_hours <= hour < end_hours else 0.0
        base = x["volume"]
        negative = float(sum(rng.random() < 0.1 for _ in range(int(base)))) + extra
        volume = base + extra
        share = negative / volume if volume else None
        out.append((t, {"volume": volume, "negative": negative, "negative_share": share,
                        "sentiment_mean": None if share is None else 0.3 - 0.8 * share, "reach": volume * 500.0,
                        "authors": volume}))
    return out


def test_a_faint_persistent_excess_of_complaints_is_caught_by_accumulated_evidence():
    at = 3 * 24 + 10.0
    windows = _faint_complaints(0.6, at)  # about one more complaint every two minutes: no single window stands out
    transitions, assessments = drive(windows, step=60.0)
    found = onsets(transitions)
    assert len(found) == 1 and at < hours(found[0]) < at + 1.0
    index = next(i for i, (t, _) in enumerate(windows) if t == found[0].window_start)
    onset = assessments[index]
    assert "negative_sustained" in onset.signals and onset.severity == "warning"
    assert any("expected over the last" in reason for reason in onset.reasons)
    blind = CrisisDetector(window_seconds=60.0, evidence_false_alarm_seconds=1e300)  # evidence never enough
    without = onsets(drive(windows, detector=blind, step=60.0)[0])
    assert len(without) > 1 and hours(without[0]) >= hours(found[0])  # without it: later, and it flaps


def test_no_evidence_from_calm_traffic_or_a_cheerful_burst():
    calm = _faint_complaints(0.0, 0.0)
    transitions, assessments = drive(calm, step=60.0)
    assert onsets(transitions) == []
    assert max(a.signals.get("negative_sustained", {"score": 0.0})["score"] for a in assessments) < 0.35
    at = 3 * 24 + 11.0
    viral = _social(4, lambda h: (10.0, 0.08) if at <= h < at + 3 else None)  # louder, but not more negative
    transitions, assessments = drive(viral)
    assert onsets(transitions) == []
    assert all(a.signals.get("negative_sustained", {"score": 0.0})["score"] < 0.35 for a in assessments)


def test_an_incident_held_by_evidence_closes_soon_after_the_excess_ends():
    at = 3 * 24 + 10.0
    windows = _faint_complaints(1.0, at, at + 2.0, days=3.8)
    transitions, _ = drive(windows, step=60.0)
    assert [t.kind for t in transitions] == ["onset", "resolved"]
    ended = (transitions[1].window_end - MONDAY) / 3600.0
    assert at + 2.0 < ended < at + 2.0 + 1.0


def test_evidence_restarts_after_missing_windows_and_survives_a_restore():
    at = 3 * 24 + 10.0
    windows = _faint_complaints(1.5, at)
    detector = CrisisDetector(window_seconds=60.0)
    cut = next(i for i, (t, _) in enumerate(windows) if (t - MONDAY) / 3600.0 >= at + 0.25)
    for t, x in windows[:cut]:
        detector.score_one(x, t)
        detector.learn_one(x, t)
    t, x = windows[cut]
    built = detector.score_one(x, t).signals["negative_sustained"]["observed"]
    restored = CrisisDetector.from_dict(orjson.loads(orjson.dumps(detector.to_dict())))
    assert restored.score_one(x, t) == detector.score_one(x, t)
    later = detector.score_one(x, t + 3600.0).signals.get("negative_sustained")  # an hour of missing windows
    assert later is None or later["observed"] < built
    old = {key: value for key, value in detector.to_dict().items() if key != "evidence"}
    assert "negative_sustained" not in CrisisDetector.from_dict({**old, "version": 1}).score_one(x, t).signals


@pytest.mark.parametrize("score", [0.0, 0.2, 0.5, 0.65, 0.8, 0.99, 1.0, -0.1, math.inf])
def test_the_fast_assessment_is_the_one_the_constructor_builds(score: float) -> None:
    signals = {"volume": {"observed": 9.0, "expected": 2.0, "score": score}}
    fast = Assessment.judged(score, 0.5, 0.8, signals, ("volume 4.5x expected",))
    built = Assessment(score, 0.5, 0.8, signals=signals, reasons=("volume 4.5x expected",))
    assert fast == built
    assert list(vars(fast).items()) == list(vars(built).items())  # same fields, same order: same to_dict bytes
    assert orjson.dumps(fast.to_dict()) == orjson.dumps(built.to_dict())
