"""Explanations: terms, the term baseline and its lift, drivers, and the ``data`` of crisis events."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jsonschema
import orjson
import pytest

from detectors.anomaly import Assessment
from detectors.explain import TermBaseline, event_data, incident_summary, signals_data, window_drivers
from detectors.text import STOPWORDS, terms
from detectors.windows import WindowAccumulator
from schemas.crisis_event import CrisisEvent
from schemas.mention import Mention
from schemas.watchlist import Subject

SUBJECT = Subject(id="bank-x", name="Bank X", terms=("bankx",), team="cx", runbook_url="https://runbooks.example/x")
SCHEMA = json.loads((Path(__file__).parents[3] / "schemas" / "crisis_event.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def mention(n: int, text: str, *, author: str | None = None, reach: int = 10,
            hashtags: tuple[str, ...] = ()) -> Mention:
    return Mention(post_id=f"x:{n}", subject_id="bank-x", platform="x", author_id=f"x:{author or n}",
                   author_handle=author, text=text, created_at=float(n % 60), reach=reach, hashtags=hashtags)


def window_of(texts: list[str], *, authors: int | None = None, hashtags: tuple[str, ...] = ()) -> WindowAccumulator:
    window = WindowAccumulator(0.0, 60.0)
    for n, text in enumerate(texts):
        window.add(mention(n, text, author=None if authors is None else f"a{n % authors}", reach=n,
                           hashtags=hashtags))
    return window


# Terms ---------------------------------------------------------------------------------------------------------


def test_terms_drop_links_handles_hashtags_numbers_emoji_and_stopwords() -> None:
    text = "Yang bener aja @BankX_ID!!! Data nasabah BOCOR 😡😡 https://t.co/AbC www.x.co/y #BankXBocor 2026 di ke"
    assert terms(text) == ["bener", "data", "nasabah", "bocor"]


def test_terms_keep_inner_hyphens_and_non_ascii_letters() -> None:
    assert terms("uang-uang hilang, café tutup") == ["uang-uang", "hilang", "café", "tutup"]
    assert terms("ok ya", min_length=2) == ["ok"]


def test_stopwords_cover_both_languages() -> None:
    assert {"yang", "dan", "the", "and"} <= STOPWORDS
    assert "bocor" not in STOPWORDS and "down" not in STOPWORDS


# The term baseline ---------------------------------------------------------------------------------------------


def test_lift_is_about_one_for_usual_terms_and_large_for_new_ones() -> None:
    base = TermBaseline(half_life_windows=60)
    for _ in range(120):
        base.learn({"bankx": 10, "transfer": 3}, mentions=10)
    assert base.lift("bankx", 10, 10) == pytest.approx(1.0, abs=0.05)
    assert base.lift("transfer", 9, 10) == pytest.approx(3.0, rel=0.05)
    assert base.lift("bocor", 8, 10) > 50
    assert base.lift("bocor", 0, 0) == 0.0


def test_without_history_nothing_has_lift() -> None:
    assert TermBaseline().lift("bocor", 10, 10) == pytest.approx(1.0)


def test_old_terms_decay_with_the_half_life() -> None:
    base = TermBaseline(half_life_windows=10)
    base.learn({"promo": 100}, mentions=100)
    for _ in range(10):
        base.learn({}, mentions=100)
    assert base.count("promo") == pytest.approx(50.0)  # one half-life later
    mentions = 100 * sum(0.5 ** (k / 10) for k in range(11))
    assert base.mentions == pytest.approx(mentions)
    assert base.rate("promo") == pytest.approx(50.5 / (mentions + 0.5))


def test_skipping_windows_equals_learning_nothing_in_them() -> None:
    skipped, learned = TermBaseline(half_life_windows=5), TermBaseline(half_life_windows=5)
    for base in (skipped, learned):
        base.learn({"a": 4, "b": 1}, mentions=4)
    skipped.skip(7)
    for _ in range(7):
        learned.learn({}, mentions=0)
    for base in (skipped, learned):
        base.learn({"a": 1}, mentions=1)
    for term in ("a", "b"):
        assert skipped.count(term) == pytest.approx(learned.count(term))
    assert skipped.mentions == pytest.approx(learned.mentions)
    assert learned.count("b") == pytest.approx(0.5 ** (8 / 5))  # eight windows at a half-life of five


def test_baseline_memory_is_bounded() -> None:
    base = TermBaseline(max_terms=100, per_window=20)
    for window in range(200):
        base.learn({f"w{window}-{i}": 1 + i for i in range(50)}, mentions=50)
    assert len(base) <= 200
    assert len(base.to_dict()["counts"]) == len(base)


def test_baseline_round_trip_and_version() -> None:
    base = TermBaseline(half_life_windows=3)
    base.learn({"a": 2}, mentions=2)
    base.skip(2)
    state = orjson.loads(orjson.dumps(base.to_dict()))
    restored = TermBaseline.from_dict(state)
    restored.learn({"b": 1}, mentions=1)
    base.learn({"b": 1}, mentions=1)
    assert restored.to_dict() == base.to_dict()
    with pytest.raises(ValueError, match="version"):
        TermBaseline.from_dict({**state, "version": 0})
    with pytest.raises(ValueError):
        TermBaseline(half_life_windows=0)


# Drivers -------------------------------------------------------------------------------------------------------


def test_drivers_rank_the_new_word_above_the_brand_name() -> None:
    base = TermBaseline()
    for _ in range(50):
        base.learn({"bankx": 20, "transfer": 5}, mentions=20)
    window = window_of(["bankx bocor parah"] * 30 + ["bankx transfer"] * 20, hashtags=("BankXBocor",))
    drivers = window_drivers(window, base, TermBaseline(), limit=3)
    assert [t["term"] for t in drivers["top_terms"]] == ["bocor", "parah", "transfer"]
    assert drivers["top_terms"][0] == {"term": "bocor", "count": 30, "lift": drivers["top_terms"][0]["lift"]}
    assert drivers["top_terms"][0]["lift"] > 100
    assert drivers["top_hashtags"] == [{"hashtag": "bankxbocor", "count": 50, "lift": 1.0}]


def test_drivers_show_a_bot_burst_and_the_loudest_posts() -> None:
    bots = window_drivers(window_of(["bankx penipu"] * 200, authors=4), TermBaseline(), TermBaseline())
    crowd = window_drivers(window_of(["bankx penipu"] * 200), TermBaseline(), TermBaseline())
    assert bots["top5_author_share"] == 1.0
    assert crowd["top5_author_share"] == pytest.approx(5 / 200)
    assert [a["posts"] for a in bots["top_authors"]] == [50, 50, 50, 50]
    assert [p["reach"] for p in crowd["top_posts"]] == [199, 198, 197, 196, 195]
    assert len(crowd["sample_post_ids"]) == 5


def test_drivers_of_an_empty_window() -> None:
    drivers = window_drivers(WindowAccumulator(0.0, 60.0), TermBaseline(), TermBaseline())
    assert drivers == {"top_terms": [], "top_hashtags": [], "top_posts": [], "top_authors": [],
                       "sample_post_ids": [], "top5_author_share": 0.0}


# Event data ----------------------------------------------------------------------------------------------------


def test_signals_are_json_safe_and_scores_clamped() -> None:
    out = signals_data({"volume": {"observed": 40, "expected": math.nan, "score": 1.5},
                        "authors": {"observed": None, "expected": math.inf, "score": -0.1}})
    assert out == {"authors": {"observed": None, "expected": None, "score": 0.0},
                   "volume": {"observed": 40.0, "expected": None, "score": 1.0}}
    orjson.dumps(out)


def test_incident_summary_without_sentiment() -> None:
    summary = incident_summary(incident_start=100.0, incident_end=700.0, windows=10, mentions=50, negative=0,
                               with_sentiment=0, peak_score=1.2, reach=9)
    assert summary == {"windows": 10, "mentions": 50, "negative_share": None, "peak_score": 1.0, "reach": 9,
                       "duration_seconds": 600.0}


@pytest.fixture
def assessment() -> Assessment:
    return Assessment(score=0.83, threshold=0.5, critical_threshold=0.8,
                      signals={"volume": {"observed": 120.0, "expected": 14.2, "score": 0.9},
                               "negative_share": {"observed": 0.8, "expected": 0.1, "score": 0.95}},
                      reasons=("negative share 0.80 vs 0.10 expected",))


def test_onset_data_carries_everything_the_schema_asks(assessment: Assessment) -> None:
    window = window_of(["bankx bocor"] * 10, hashtags=("bankxbocor",))
    drivers = window_drivers(window, TermBaseline(), TermBaseline())
    data = event_data(SUBJECT, incident_start=1767571200.0, severity="critical", window_start=1767571200.0,
                      window_end=1767571260.0, assessment=assessment, drivers=drivers)
    assert data["incident_id"] == "bank-x:20260105T000000Z"
    assert data["window"] == {"start": "2026-01-05T00:00:00Z", "end": "2026-01-05T00:01:00Z"}
    assert (data["team"], data["runbook_url"], data["subject_name"]) == ("cx", "https://runbooks.example/x", "Bank X")
    assert data["signals"]["volume"] == {"observed": 120.0, "expected": 14.2, "score": 0.9}
    assert data["reasons"] == ["negative share 0.80 vs 0.10 expected"]
    assert "summary" not in data and "response" not in data
    event = CrisisEvent.create("siaga.crisis.onset", SUBJECT.id, incident_start=1767571200.0, time=1767571260.0,
                               data=data)
    VALIDATOR.validate(orjson.loads(event.to_json()))


def test_resolved_and_responded_data_validate(assessment: Assessment) -> None:
    summary = incident_summary(incident_start=0.0, incident_end=600.0, windows=10, mentions=500, negative=300,
                               with_sentiment=400, peak_score=0.9, reach=10_000)
    resolved = event_data(SUBJECT, incident_start=0.0, severity="warning", window_start=540.0, window_end=600.0,
                          assessment=assessment, summary=summary, incident_end=600.0)
    assert resolved["incident_end"] == "1970-01-01T00:10:00Z" and resolved["summary"]["negative_share"] == 0.75
    responded = event_data(SUBJECT, incident_start=0.0, severity="warning", window_start=60.0, window_end=120.0,
                           assessment=assessment, response={"post_id": "x:1", "author": "bankx_care",
                                                            "url": None, "seconds_since_start": 90.0})
    for kind, data in (("resolved", resolved), ("responded", responded)):
        event = CrisisEvent.create(f"siaga.crisis.{kind}", SUBJECT.id, incident_start=0.0, time=600.0, data=data)
        VALIDATOR.validate(orjson.loads(event.to_json()))


def test_a_broken_score_never_breaks_the_schema() -> None:
    broken = Assessment(score=math.nan, threshold=0.5, critical_threshold=0.8)
    data = event_data(SUBJECT, incident_start=0.0, severity="warning", window_start=0.0, window_end=60.0,
                      assessment=broken)
    assert data["score"] == 0.0
    VALIDATOR.validate(orjson.loads(CrisisEvent.create("siaga.crisis.onset", SUBJECT.id, incident_start=0.0,
                                                       time=60.0, data=data).to_json()))
