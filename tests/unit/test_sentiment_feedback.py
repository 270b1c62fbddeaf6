"""Sentiment corrections without a broker: the record, the recent-post cache, the learner and its saved offsets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from prometheus_client import REGISTRY

from detectors.sentiment import SentimentScorer
from pipeline.agents.feedback import (
    AGREEMENT_WINDOW,
    OFFSETS_FILE,
    FeedbackConsumer,
    FeedbackLearner,
    load_offsets,
    save_offsets,
)
from pipeline.cli import sentiment as sentiment_cli
from pipeline.config import KafkaSettings
from pipeline.enrichment import Enricher, RecentPosts
from schemas.errors import SchemaError
from schemas.mention import SENTIMENT_LABELS
from schemas.post import Author, Post
from schemas.sentiment_feedback import SentimentFeedback
from schemas.watchlist import Watchlist

TOPIC = "siaga.sentiment-feedback"
PHRASE = "harga naik lagi"
SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "sentiment_feedback.schema.json"


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# -- the record ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("record", [
    {"text": PHRASE, "label": "negative"},
    {"post_id": "x:1", "label": "positive", "source": "analyst:ayu"},
    {"schema_version": 1, "post_id": "x:1", "text": PHRASE, "label": "neutral", "source": None},
])
def test_valid_corrections_round_trip(record: dict[str, Any]) -> None:
    feedback = SentimentFeedback.from_json(orjson.dumps(record))
    assert feedback.label == record["label"]
    assert SentimentFeedback.from_json(feedback.to_json()) == feedback
    assert feedback.to_dict()["schema_version"] == 1


@pytest.mark.parametrize(("data", "field", "reason"), [
    (b'{"label": "negative"}', "text", "missing_field"),
    (b'{"post_id": "", "text": "", "label": "negative"}', "text", "missing_field"),
    (b'{"text": "a"}', "label", "missing_field"),
    (b'{"text": "a", "label": "angry"}', "label", "invalid_value"),
    (b'{"text": "a", "label": 1}', "label", "wrong_type"),
    (b'{"post_id": 7, "label": "neutral"}', "post_id", "wrong_type"),
    (b'{"text": "a", "label": "neutral", "lable": "x"}', "lable", "invalid_value"),
    (b'{"schema_version": 2, "text": "a", "label": "neutral"}', "schema_version", "invalid_value"),
    (b'{"text": "a", "label": "neutral"', "", "invalid_json"),
    (b'["a", "negative"]', "", "not_an_object"),
])
def test_invalid_corrections_name_the_field(data: bytes, field: str, reason: str) -> None:
    with pytest.raises(SchemaError) as caught:
        SentimentFeedback.from_json(data)
    assert (caught.value.field, caught.value.reason) == (field, reason)


def test_schema_file_matches_the_record() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert set(schema["properties"]) == set(SentimentFeedback(label="neutral", text="a").to_dict())
    assert set(schema["properties"]["label"]["enum"]) == SENTIMENT_LABELS
    assert schema["required"] == ["label"] and schema["additionalProperties"] is False


# -- the recent-post cache -------------------------------------------------------------------------------------------


def test_recent_posts_forget_the_least_recently_used_first() -> None:
    recent = RecentPosts(capacity=3)
    for n in range(3):
        recent.remember(f"x:{n}", f"text {n}")
    assert recent.text("x:0") == "text 0"  # read: now the most recent
    recent.remember("x:3", "text 3")
    assert recent.text("x:1") is None
    assert [recent.text(f"x:{n}") for n in (0, 2, 3)] == ["text 0", "text 2", "text 3"]
    recent.remember("x:2", "edited")
    assert recent.text("x:2") == "edited" and len(recent) == 3
    with pytest.raises(ValueError, match="capacity"):
        RecentPosts(capacity=0)


def test_the_enricher_remembers_only_matched_posts() -> None:
    watchlist = Watchlist.from_dict({"subjects": [{"id": "pln", "name": "PLN", "terms": ["pln"]}]})
    enricher = Enricher(watchlist, recent_posts=10)
    for post_id, text in (("x:1", "PLN padam lagi"), ("x:2", "cuaca cerah")):
        enricher.enrich(Post(id=post_id, platform="x", author=Author(id="u"), created_at=0.0, text=text))
    assert enricher.recent_posts.text("x:1") == "PLN padam lagi"
    assert enricher.recent_posts.text("x:2") is None


def test_an_enricher_without_recent_posts_remembers_none_but_still_enriches() -> None:
    watchlist = Watchlist.from_dict({"subjects": [{"id": "pln", "name": "PLN", "terms": ["pln"]}]})
    enricher = Enricher(watchlist, score_sentiment=False, recent_posts=0)
    mentions = enricher.enrich(Post(id="x:1", platform="x", author=Author(id="u"), created_at=0.0, text="PLN padam"))
    assert [mention.subject_id for mention in mentions] == ["pln"]
    assert enricher.recent_posts.text("x:1") is None and len(enricher.recent_posts) == 0
    with pytest.raises(ValueError, match="recent_posts"):
        Enricher(watchlist, score_sentiment=False, recent_posts=-1)


# -- the learner and its offsets -------------------------------------------------------------------------------------


def test_the_learner_resolves_post_ids_and_counts_what_it_skips() -> None:
    recent = RecentPosts()
    recent.remember("x:1", PHRASE)
    learner = FeedbackLearner(SentimentScorer(), recent, None, TOPIC)
    applied = _sample("siaga_sentiment_feedback_total", {"label": "negative"})
    unknown = _sample("siaga_sentiment_feedback_rejected_total", {"reason": "unknown_post"})
    invalid = _sample("siaga_sentiment_feedback_rejected_total", {"reason": "invalid_json"})
    empty = _sample("siaga_sentiment_feedback_rejected_total", {"reason": "invalid_value"})

    assert learner.scorer.score(PHRASE).label == "neutral"
    assert learner.apply(0, 10, b'{"post_id": "x:1", "label": "negative"}') == "negative"
    assert learner.apply(0, 11, b'{"post_id": "x:2", "label": "positive"}') is None
    assert learner.apply(0, 12, b"not json") is None
    assert learner.apply(0, 13, None) is None

    assert learner.scorer.score(PHRASE).label == "negative"
    assert learner.offsets == {0: 14} and learner.applied == 1
    assert _sample("siaga_sentiment_feedback_total", {"label": "negative"}) == applied + 1
    assert _sample("siaga_sentiment_feedback_rejected_total", {"reason": "unknown_post"}) == unknown + 1
    assert _sample("siaga_sentiment_feedback_rejected_total", {"reason": "invalid_json"}) == invalid + 1
    assert _sample("siaga_sentiment_feedback_rejected_total", {"reason": "invalid_value"}) == empty + 1


def test_agreement_judges_each_correction_before_learning_it() -> None:
    learner = FeedbackLearner(SentimentScorer(), RecentPosts(), None, TOPIC)
    correction = orjson.dumps({"text": PHRASE, "label": "negative"})
    learner.apply(0, 0, correction)  # the model read it as neutral, then learned it
    assert _sample("siaga_sentiment_feedback_agreement", {}) == 0.0
    learner.apply(0, 1, correction)  # now it reads it as negative
    learner.apply(0, 2, b"not json")  # a rejected record is not judged
    assert learner.agreement.get() == _sample("siaga_sentiment_feedback_agreement", {}) == 0.5
    for offset in range(3, 3 + AGREEMENT_WINDOW):
        learner.apply(0, offset, correction)
    assert learner.agreement.get() == 1.0  # the first miss has left the window


def test_offsets_round_trip_atomically_and_belong_to_one_topic(tmp_path: Path) -> None:
    assert load_offsets(None, TOPIC) == {} and load_offsets(tmp_path, TOPIC) == {}
    save_offsets(tmp_path, TOPIC, {1: 7, 0: 3})
    save_offsets(tmp_path, TOPIC, {1: 8, 0: 3})
    assert load_offsets(tmp_path, TOPIC) == {0: 3, 1: 8}
    assert load_offsets(tmp_path, "prefix." + TOPIC) == {}
    assert sorted(path.name for path in tmp_path.iterdir()) == [OFFSETS_FILE]  # no temporary file left behind
    (tmp_path / OFFSETS_FILE).write_bytes(b"{half")
    assert load_offsets(tmp_path, TOPIC) == {}


def test_a_saved_learner_resumes_with_its_model_and_offsets(tmp_path: Path) -> None:
    learner = FeedbackLearner(SentimentScorer.from_model_dir(tmp_path), RecentPosts(), tmp_path, TOPIC,
                              save_interval=5.0)
    learner.apply(0, 0, orjson.dumps({"text": PHRASE, "label": "negative"}))
    assert learner.maybe_save(now=100.0)
    learner.apply(0, 1, orjson.dumps({"text": "oke", "label": "neutral"}))
    assert not learner.maybe_save(now=102.0)  # within the interval
    assert load_offsets(tmp_path, TOPIC) == {0: 1}
    assert learner.maybe_save(now=105.0)
    assert not learner.maybe_save(now=200.0)  # nothing new

    restored = FeedbackLearner(SentimentScorer.from_model_dir(tmp_path), RecentPosts(), tmp_path, TOPIC)
    assert restored.offsets == {0: 2}
    assert restored.scorer.score(PHRASE).label == "negative"
    assert restored.scorer.n_learned == learner.scorer.n_learned


def test_shutdown_saves_what_was_learned_since_the_last_save(tmp_path: Path) -> None:
    learner = FeedbackLearner(SentimentScorer(), RecentPosts(), tmp_path, TOPIC, save_interval=3600.0)
    learner.apply(0, 0, orjson.dumps({"text": PHRASE, "label": "negative"}))
    learner.maybe_save(now=0.0)
    learner.apply(0, 1, orjson.dumps({"text": PHRASE, "label": "negative"}))
    asyncio.run(FeedbackConsumer(KafkaSettings(), learner).on_shutdown())
    assert load_offsets(tmp_path, TOPIC) == {0: 2}
    assert SentimentScorer.load(tmp_path).n_learned["id"] == 2


def test_without_a_model_dir_nothing_is_written(tmp_path: Path) -> None:
    learner = FeedbackLearner(SentimentScorer(), RecentPosts(), None, TOPIC)
    learner.apply(0, 0, orjson.dumps({"text": PHRASE, "label": "negative"}))
    learner.save()
    assert learner.model_dir is None and not any(tmp_path.iterdir())


def test_a_failed_save_is_logged_and_retried(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    learner = FeedbackLearner(SentimentScorer(), RecentPosts(), None, TOPIC, save_interval=0.0)
    learner.model_dir = blocked
    learner.apply(0, 0, orjson.dumps({"text": PHRASE, "label": "negative"}))
    learner.save()
    learner.model_dir = tmp_path / "model"
    learner.save()  # still unsaved, so saved now
    assert load_offsets(learner.model_dir, TOPIC) == {0: 1}


# -- the command line ------------------------------------------------------------------------------------------------


class _ListProducer:
    """A kafka-python producer double that keeps what it was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    def send(self, topic: str, key: bytes | None = None, value: bytes = b"") -> Any:
        self.sent.append((topic, key, value))
        return self

    def get(self, timeout: float) -> None:
        return None

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None


def test_feedback_needs_text_or_a_post_id() -> None:
    result = CliRunner().invoke(sentiment_cli.sentiment, ["feedback", "--label", "negative"])
    assert result.exit_code == 2 and "--text" in result.output


def test_label_from_kafka_publishes_each_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    producer = _ListProducer()
    monkeypatch.setattr(sentiment_cli, "read_recent_posts",
                        lambda settings, count, **_: [("x:2", "mantap!"), ("x:1", PHRASE)][:count])
    publisher = sentiment_cli.FeedbackPublisher
    monkeypatch.setattr(sentiment_cli, "FeedbackPublisher", lambda settings: publisher(settings, producer))
    result = CliRunner().invoke(sentiment_cli.sentiment, ["label", "--recent", "2", "--source", "ayu"],
                                input="\nn\n")
    assert result.exit_code == 0, result.output
    records = [SentimentFeedback.from_json(value) for _, _, value in producer.sent]
    assert [(r.post_id, r.text, r.label, r.source) for r in records] == [
        ("x:2", "mantap!", "positive", "ayu"), ("x:1", PHRASE, "negative", "ayu")]
    assert {(topic, key) for topic, key, _ in producer.sent} == {(TOPIC, b"x:2"), (TOPIC, b"x:1")}


