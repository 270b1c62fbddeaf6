"""SubjectTracker: event-time windows, lateness, silence, the incident's events, determinism and restarts."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import jsonschema
import orjson
import pytest

from detectors.anomaly import Assessment
from detectors.tracker import SubjectTracker
from detectors.windows import WindowAccumulator
from schemas.crisis_event import CrisisEvent
from schemas.mention import Mention, Sentiment
from schemas.watchlist import Subject

T0 = 1767571200.0  # 2026-01-05T00:00:00Z, a Monday
W = 60.0
SUBJECT = Subject(id="bank-x", name="Bank X", terms=("bankx",), official_handles=("bankx_care",), team="cx",
                  runbook_url="https://runbooks.example/bank-x")
FAST_WARMUP = {"warmup_seconds": 3 * 3600.0}
SCHEMA = json.loads((Path(__file__).parents[3] / "schemas" / "crisis_event.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
CALM_TEXTS = ("bankx transfer lancar hari ini", "buka rekening bankx online", "promo kartu kredit bankx",
              "antri teller bankx cabang", "aplikasi bankx update fitur baru", "bankx cashback belanja")


def mention(n: int, t: float, *, author: str | None = None, text: str = "bankx transfer", reach: int = 100,
            sentiment: Sentiment | None = None, official: bool = False, hashtags: tuple[str, ...] = ()) -> Mention:
    author = author or f"u{n}"
    return Mention(post_id=f"x:{n}", subject_id=SUBJECT.id, platform="x", author_id=f"x:{author}",
                   author_handle=author, text=text, created_at=t, url=f"https://x.com/i/{n}", reach=reach,
                   sentiment=sentiment, official=official, hashtags=hashtags)


def crisis_stream(*, seed: int = 0, hours: float = 6.0, surge_minutes: int = 30, calm_hours: float = 2.0,
                  bots: bool = False) -> tuple[list[Mention], float]:
    """Steady traffic with a daily rhythm, a negative surge (or a bot burst), then calm; returns (mentions, surge)."""
    rng = random.Random(seed)
    out: list[Mention] = []
    n = 0
    surge_at = int(hours * 60)
    for minute in range(surge_at + surge_minutes + int(calm_hours * 60)):
        t = T0 + minute * W
        surge = surge_at <= minute < surge_at + surge_minutes
        count = int(12 + 6 * math.sin(2 * math.pi * (t % 86_400) / 86_400) + rng.random() * 4) + (120 if surge else 0)
        for _ in range(count):
            n += 1
            negative = rng.random() < (0.8 if surge else 0.1)
            if surge:
                text = "bankx bocor parah" if rng.random() < 0.5 else "data nasabah bankx bocor"
                author = f"bot{n % 3}" if bots else f"u{rng.randrange(5000)}"
            else:
                text, author = rng.choice(CALM_TEXTS), f"u{rng.randrange(5000)}"
            out.append(mention(n, t + rng.random() * W, author=author, text=text, reach=rng.randrange(50, 5000),
                               sentiment=Sentiment("negative", -0.7) if negative else Sentiment("neutral", 0.1),
                               hashtags=("bankxbocor",) if surge else ()))
        if minute == surge_at + 8:
            n += 1
            out.append(mention(n, t + 30, author="bankx_care", text="Mohon maaf, kami sedang menyelidiki",
                               reach=100_000, official=True, sentiment=Sentiment("neutral", 0.0)))
    # Kafka delivers roughly in order: shuffle within a few seconds.
    out.sort(key=lambda m: m.created_at + rng.random() * 5)
    return out, T0 + surge_at * W


def replay(mentions: list[Mention], tracker: SubjectTracker, *, flush: bool = True) -> list[CrisisEvent]:
    """Feed mentions, advancing the watermark to the newest event time seen."""
    events: list[CrisisEvent] = []
    watermark = -math.inf
    for m in mentions:
        tracker.add(m)
        if m.created_at > watermark:
            watermark = m.created_at
            events += tracker.advance(watermark)
    if flush:
        events += tracker.flush()
    return events


def new_tracker(**kwargs: object) -> SubjectTracker:
    return SubjectTracker(SUBJECT, detector_params=FAST_WARMUP, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def crisis() -> tuple[list[Mention], float, list[CrisisEvent]]:
    mentions, surge = crisis_stream()
    return mentions, surge, replay(mentions, new_tracker())


# Windows -------------------------------------------------------------------------------------------------------


def test_add_dedupes_and_late_posts_within_the_allowance_still_count() -> None:
    tracker = SubjectTracker(SUBJECT, window_seconds=60.0, allowed_lateness=60.0)
    assert tracker.add(mention(1, T0 + 30)) == "counted"
    assert tracker.add(mention(1, T0 + 30)) == "duplicate"
    assert tracker.advance(T0 + 119.0) == []  # 60 + 60 not reached: window [0, 60) still open
    assert tracker.open_window_count == 1 and tracker.closed_windows == 0
    assert tracker.add(mention(2, T0 + 50)) == "counted"  # 69 s late, within the allowance
    tracker.advance(T0 + 120.0)
    assert tracker.closed_windows == 1 and tracker.last_closed_end == T0 + 60
    assert tracker.last_window == {"volume": 2, "negative": 0, "negative_share": None, "sentiment_mean": None,
                                   "reach": 200, "authors": 2, "start": T0, "end": T0 + 60}
    assert tracker.add(mention(3, T0 + 59.9)) == "late"
    assert tracker.add(mention(1, T0 + 30)) == "late"  # a redelivery after the close changes nothing
    assert tracker.add(mention(4, T0 + 60)) == "counted"


def test_windows_are_aligned_to_the_epoch_and_the_first_one_is_that_of_the_first_mention() -> None:
    tracker = SubjectTracker(SUBJECT, window_seconds=300.0, allowed_lateness=0.0)
    tracker.add(mention(1, T0 + 1000.0))
    tracker.advance(T0 + 1200.0)
    assert tracker.closed_windows == 1
    assert tracker.last_window is not None and tracker.last_window["start"] == T0 + 900.0


def test_an_earlier_mention_before_any_close_is_not_late() -> None:
    tracker = new_tracker()
    tracker.add(mention(1, T0 + 10 * W))
    assert tracker.advance(T0 + 10 * W + 5) == [] and tracker.last_closed_end is None
    assert tracker.add(mention(2, T0 + 3 * W)) == "counted"
    tracker.advance(T0 + 5 * W)
    assert tracker.closed_windows == 1 and tracker.last_closed_end == T0 + 4 * W


def test_a_silent_subject_still_closes_empty_windows() -> None:
    tracker = new_tracker()
    tracker.add(mention(1, T0 + 5))
    tracker.add(mention(2, T0 + 10 * W + 5))
    tracker.advance(T0 + 8 * W)
    assert tracker.closed_windows == 7  # [0, 60) .. [360, 420): six of them empty
    assert tracker.last_window is not None and tracker.last_window["volume"] == 0
    assert tracker.last_window["start"] == T0 + 6 * W
    assert tracker.last_assessment is not None
    assert tracker.flush() == []
    assert tracker.closed_windows == 11 and tracker.last_window is not None
    assert tracker.last_window["volume"] == 1 and tracker.open_window_count == 0
    assert tracker.flush() == [] and tracker.closed_windows == 11  # flush invents no window


def test_a_week_of_silence_feeds_every_window() -> None:
    tracker = new_tracker()
    tracker.add(mention(1, T0 + 5))
    tracker.advance(T0 + 7 * 86_400.0)
    assert tracker.closed_windows == 7 * 1440 - 1  # the last window closes at the next watermark
    assert tracker.detector.to_dict()["n"] == tracker.closed_windows


def test_silence_gives_the_same_state_whether_closed_in_one_step_or_many() -> None:
    one, many = new_tracker(), new_tracker()
    for tracker in (one, many):
        tracker.add(mention(1, T0 + 5))
        tracker.add(mention(2, T0 + 500 * W))
    one.advance(T0 + 400 * W)
    for step in range(1, 401, 7):
        many.advance(T0 + step * W)
    many.advance(T0 + 400 * W)
    assert one.to_dict() == many.to_dict()


class WindowByWindow(SubjectTracker):
    """The reference path: every empty window closed like any other, without the quiet-stretch shortcut."""

    def _close_empty(self, index: int, stop: int, events: list[CrisisEvent]) -> int:
        for i in range(index, stop):
            start = i * self.window_seconds
            self._close(i, WindowAccumulator(start, start + self.window_seconds), events)
        return stop


def test_the_quiet_stretch_shortcut_changes_nothing() -> None:
    rng = random.Random(7)
    mentions = []
    t = T0
    for n in range(600):  # sparse traffic with gaps of up to an hour, then a negative burst
        t += rng.expovariate(1 / 300) if n < 550 else rng.random() * 5
        negative = n >= 550 or rng.random() < 0.1
        mentions.append(mention(n, t, text="bankx bocor" if n >= 550 else "bankx promo",
                                sentiment=Sentiment("negative", -0.6) if negative else Sentiment("neutral", 0.0)))
    mentions.append(mention(9999, t + 6 * 3600))
    lean = SubjectTracker(SUBJECT, detector_params={"warmup_seconds": 6 * 3600.0})
    reference = WindowByWindow(SUBJECT, detector_params={"warmup_seconds": 6 * 3600.0})
    lean_events, reference_events = replay(mentions, lean), replay(mentions, reference)
    assert [e.stage for e in lean_events] == ["onset", "resolved"]  # resolved by the silence after the burst
    assert [e.to_json() for e in lean_events] == [e.to_json() for e in reference_events]
    assert lean.to_dict() == reference.to_dict()
    assert lean.closed_windows > 3 * len(mentions)


# The life of an incident ----------------------------------------------------------------------------------------


def test_a_negative_surge_gives_one_onset_near_the_surge_then_resolution(crisis) -> None:
    _, surge, events = crisis
    kinds = [e.stage for e in events]
    assert kinds.count("onset") == 1 and kinds[0] == "onset"
    assert kinds[-1] == "resolved" and kinds.count("resolved") == 1
    assert set(kinds) <= {"onset", "escalated", "responded", "resolved"}
    onset = events[0]
    assert surge + W <= onset.time <= surge + 2 * W  # at the close of the first or second surge window
    assert len({e.data["incident_id"] for e in events}) == 1
    assert all(e.id.startswith("siaga:bank-x:20260105T06") for e in events)
    times = [e.time for e in events]
    assert times == sorted(times)


def test_the_onset_explains_the_surge(crisis) -> None:
    _, _, events = crisis
    data = events[0].data
    assert data["subject_name"] == "Bank X" and data["team"] == "cx"
    assert data["score"] >= data["threshold"] and data["reasons"]
    drivers = data["drivers"]
    top = drivers["top_terms"][0]
    assert top["term"] == "bocor" and top["lift"] > 1
    assert drivers["top_hashtags"][0]["hashtag"] == "bankxbocor" and drivers["top_hashtags"][0]["lift"] > 1
    assert "bankx" not in [t["term"] for t in drivers["top_terms"][:3]]  # the brand's own name is not news
    assert drivers["top5_author_share"] < 0.2  # many people, not a few accounts
    assert len(drivers["top_posts"]) == 5 and drivers["sample_post_ids"]
    assert data["signals"]["negative"]["observed"] > data["signals"]["negative"]["expected"]


def test_the_official_reply_and_the_summary(crisis) -> None:
    _, surge, events = crisis
    responded = [e for e in events if e.stage == "responded"]
    assert len(responded) == 1
    response = responded[0].data["response"]
    assert response["author"] == "bankx_care" and response["seconds_since_start"] == 8 * W + 30
    assert responded[0].time == surge + 9 * W
    resolved = events[-1].data
    summary = resolved["summary"]
    assert summary["mentions"] > 30 * 120 and summary["negative_share"] > 0.5
    assert summary["windows"] * W == summary["duration_seconds"]
    assert resolved["incident_end"] is not None and summary["peak_score"] >= resolved["threshold"]


def test_tracker_state_follows_the_incident() -> None:
    mentions, surge = crisis_stream()
    tracker = new_tracker()
    replay([m for m in mentions if m.created_at < surge + 5 * W], tracker, flush=False)
    assert tracker.state == "incident" and tracker.severity in ("warning", "critical")
    assert tracker.incident_id == "bank-x:20260105T060000Z"
    calm = new_tracker()
    replay([m for m in mentions if m.created_at < surge - 60 * W], calm, flush=False)
    assert calm.state == "normal" and calm.incident_id is None and calm.severity is None
    assert new_tracker().state == "warming_up"


def test_a_bot_burst_is_explained_by_its_few_authors() -> None:
    mentions, _ = crisis_stream(bots=True, seed=3)
    events = replay(mentions, new_tracker())
    onsets = [e for e in events if e.stage == "onset"]
    assert onsets, [e.stage for e in events]
    assert onsets[0].data["drivers"]["top5_author_share"] > 0.9
    assert onsets[0].data["drivers"]["top_authors"][0]["author"].startswith("bot")
    for event in events:
        VALIDATOR.validate(orjson.loads(event.to_json()))


def test_every_event_validates_against_the_schema(crisis) -> None:
    _, _, events = crisis
    for event in events:
        VALIDATOR.validate(orjson.loads(event.to_json()))
        assert CrisisEvent.from_json(event.to_json()) == event


def test_the_same_input_gives_the_same_event_bytes(crisis) -> None:
    mentions, _, events = crisis
    again = replay(mentions, new_tracker())
    assert [e.to_json() for e in again] == [e.to_json() for e in events]


class ScriptedDetector:
    """Scores each window from a script (window index -> score) and records what it learned."""

    def __init__(self, scores: dict[int, float]) -> None:
        self.scores = scores
        self.learned: list[int] = []
        self.skipped: list[int] = []

    def score_one(self, x: dict, t: float) -> Assessment:
        score = self.scores.get(int((t - T0) // W), 0.1)
        return Assessment(score=score, threshold=0.5, critical_threshold=0.8,
                          signals={"volume": {"observed": x["volume"], "expected": 2.0, "score": score}},
                          reasons=("scripted",))

    def learn_one(self, x: dict, t: float) -> None:
        self.learned.append(int((t - T0) // W))

    def skip_one(self, x: dict, t: float) -> None:
        self.skipped.append(int((t - T0) // W))

    def adoptions_since(self, t: float) -> list[str]:
        return []


def test_escalation_response_and_resolution_in_order_and_the_baseline_is_protected() -> None:
    tracker = new_tracker()
    script = ScriptedDetector({5: 0.6, 6: 0.6, 7: 0.9, 8: 0.9})
    tracker.detector = script  # type: ignore[assignment]
    n = 0
    for minute in range(30):
        for _ in range(3):
            n += 1
            tracker.add(mention(n, T0 + minute * W + 1, text="bankx bocor" if 5 <= minute <= 8 else "bankx"))
    tracker.add(mention(999, T0 + 7 * W + 30, author="bankx_care", official=True))
    tracker.add(mention(998, T0 + 2 * W, author="bankx_care", official=True))  # before the incident: no response
    events = tracker.flush()
    assert [(e.stage, (e.time - T0) / W) for e in events] == [
        ("onset", 7), ("responded", 8), ("escalated", 9), ("resolved", 19)]
    assert {e.data["incident_start"] for e in events} == {"2026-01-05T00:05:00Z"}
    assert [e.data["severity"] for e in events] == ["warning", "warning", "critical", "critical"]
    assert events[1].data["response"]["post_id"] == "x:999"
    assert events[1].data["response"]["seconds_since_start"] == 2 * W + 30
    assert events[2].data["drivers"]["top_terms"][0]["term"] == "bocor"
    summary = events[3].data["summary"]
    assert summary == {"windows": 14, "mentions": 14 * 3 + 1, "negative_share": None, "peak_score": 0.9,
                       "reach": (14 * 3 + 1) * 100, "duration_seconds": 14 * W}
    assert events[3].data["incident_end"] == "2026-01-05T00:19:00Z"
    assert script.learned == [*range(5), *range(18, 30)]  # nothing of the incident is learned
    assert script.skipped == [*range(5, 18)]  # but every window of it is passed on (the evidence accumulates)
    for event in events:
        VALIDATOR.validate(orjson.loads(event.to_json()))


def test_a_lasting_step_up_resolves_with_the_reason() -> None:
    tracker = SubjectTracker(SUBJECT, detector_params={**FAST_WARMUP, "level_shift_seconds": 3600.0})
    rng = random.Random(5)
    mentions, n = [], 0
    for minute in range(7 * 60):
        for _ in range(rng.randrange(12, 18) * (5 if minute >= 4 * 60 else 1)):  # five times the traffic for good
            n += 1
            mentions.append(mention(n, T0 + minute * W + rng.random() * W, text=rng.choice(CALM_TEXTS)))
    mentions.sort(key=lambda m: m.created_at)
    events = replay(mentions, tracker)
    assert [e.stage for e in events] == ["onset", "escalated", "resolved"]  # one incident, not one a day
    onset, resolved = ((event.time - T0) / 3600.0 for event in (events[0], events[-1]))
    assert 4 <= onset <= 4.2 and 5 <= resolved <= 6.5  # held open for the hour the new level must last, no longer
    assert resolved_reasons(events[-1]) == ["mention volume, distinct authors and reach stayed above their former "
                                            "level for 1 hour: adopted as the new normal"]
    VALIDATOR.validate(orjson.loads(events[-1].to_json()))


def resolved_reasons(event: CrisisEvent) -> list[str]:
    return [reason for reason in event.data["reasons"] if "new normal" in reason]


# Restarts ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cut_minutes", [-90, 3, 9, 25])
def test_a_restored_tracker_continues_like_an_uninterrupted_one(crisis, cut_minutes: int) -> None:
    mentions, surge, events = crisis
    cut = next(i for i, m in enumerate(mentions) if m.created_at >= surge + cut_minutes * W)
    tracker = new_tracker()
    before = replay(mentions[:cut], tracker, flush=False)
    state = orjson.loads(orjson.dumps(tracker.to_dict()))  # what a Faust table would hold
    restored = SubjectTracker.from_dict(state, SUBJECT)
    assert restored.to_dict() == state
    # The restarted worker sees the last records again (at-least-once), then the rest.
    redelivered = mentions[max(0, cut - 300):]
    watermark = max(m.created_at for m in mentions[:cut])
    after: list[CrisisEvent] = []
    for m in redelivered:
        restored.add(m)
        if m.created_at > watermark:
            watermark = m.created_at
            after += restored.advance(watermark)
    after += restored.flush()
    assert [e.to_json() for e in before + after] == [e.to_json() for e in events]


def test_state_is_compact_json_and_versioned(crisis) -> None:
    mentions, _, _ = crisis
    tracker = new_tracker()
    replay(mentions, tracker, flush=False)
    raw = orjson.dumps(tracker.to_dict())
    assert len(raw) < 64_000
    state = orjson.loads(raw)
    with pytest.raises(ValueError, match="version"):
        SubjectTracker.from_dict({**state, "version": 2}, SUBJECT)
    with pytest.raises(ValueError, match="subject"):
        SubjectTracker.from_dict(state, Subject(id="other", name="Other", terms=("x",)))


def test_watermark_extremes() -> None:
    tracker = new_tracker()
    tracker.add(mention(1, T0 + 5))
    assert tracker.advance(-math.inf) == [] and tracker.closed_windows == 0
    with pytest.raises(ValueError):
        tracker.advance(math.nan)
    assert tracker.advance(math.inf) == [] and tracker.closed_windows == 1


def test_parameters_are_validated() -> None:
    with pytest.raises(ValueError):
        SubjectTracker(SUBJECT, window_seconds=0.0)
    with pytest.raises(ValueError):
        SubjectTracker(SUBJECT, allowed_lateness=-1.0)
