"""On a real broker: a running worker learns from sentiment corrections at once, and keeps them across a restart."""

from __future__ import annotations

import math
import time
from pathlib import Path

import orjson
from click.testing import CliRunner
from kafka import KafkaProducer

from detectors.matching import SubjectMatcher
from pipeline.agents.feedback import OFFSETS_FILE
from pipeline.cli.sentiment import read_recent_posts, sentiment
from pipeline.config import Settings
from pipeline.ingest.publisher import PostPublisher
from pipeline.runner import WorkerProcess, metric_total
from schemas.mention import Mention
from schemas.post import Author, Post
from schemas.watchlist import load_watchlist
from tests.integration.stack import isolated_settings, read_topic, start_worker, wait_for

#: Mentions Bank Nusantara; the untrained rules call it neutral, an analyst says it is negative.
PHRASE = "Bank Nusantara naikin biaya admin lagi"


def _publish_post(settings: Settings, post_id: str) -> None:
    post = Post(id=post_id, platform="x", author=Author(id="x:u1"), created_at=time.time(), text=PHRASE)
    with PostPublisher(settings, "file") as publisher:
        assert publisher.publish(post)


def _label_of(settings: Settings, post_id: str) -> str:
    """The sentiment label of the mention the worker made of ``post_id``."""
    def mention(values: list[bytes]) -> Mention | None:
        return next((m for m in map(Mention.from_json, values) if m.post_id == post_id), None)

    found = mention(read_topic(settings, settings.topics.mentions, until=lambda v: mention(v) is not None,
                               timeout=90))
    assert found is not None and found.sentiment is not None, f"no mention of {post_id}"
    return found.sentiment.label


def _feedback(settings: Settings, *args: str) -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
           "SIAGA_TOPIC_PREFIX": settings.topics.posts.removesuffix("siaga.posts")}
    result = CliRunner().invoke(sentiment, ["feedback", *args], env=env)
    assert result.exit_code == 0, result.output


def _matcher(subject_id: str) -> SubjectMatcher:
    return SubjectMatcher([s for s in load_watchlist(Settings().watchlist).subjects if s.id == subject_id])


def _metric(worker: WorkerProcess, name: str) -> float:
    return metric_total(worker.metrics_text() or "", name)


def test_a_running_worker_learns_corrections_and_keeps_them_after_a_restart(
    kafka_bootstrap: str, unique_topic_prefix: str, tmp_path: Path
) -> None:
    settings = isolated_settings(kafka_bootstrap, unique_topic_prefix)
    model_dir = tmp_path / "model"
    worker = start_worker(settings, tmp_path, name="first", SIAGA_SENTIMENT_MODEL_DIR=str(model_dir))
    try:
        _publish_post(settings, "x:1")
        assert _label_of(settings, "x:1") == "neutral"
        assert read_recent_posts(settings, 5) == [("x:1", PHRASE)]
        assert read_recent_posts(settings, 5, matcher=_matcher("telko-merdeka")) == []

        _feedback(settings, "--post-id", "x:1", "--label", "negative")  # text from the worker's recent posts
        _feedback(settings, "--text", PHRASE, "--label", "negative", "--source", "it")
        _feedback(settings, "--post-id", "x:unseen", "--label", "positive")  # unresolvable: skipped
        producer = KafkaProducer(**settings.kafka.kafka_python())
        producer.send(settings.topics.sentiment_feedback, b'{"text": "x", "label": "angry"}').get(30)
        producer.close()
        wait_for(lambda: _metric(worker, "siaga_sentiment_feedback_rejected_total") >= 2, 30,
                 "the worker to read every correction")
        assert _metric(worker, "siaga_sentiment_feedback_total") == 2
        # judged before learning: the first was read as neutral, the second (the same text) already as negative
        assert _metric(worker, "siaga_sentiment_feedback_agreement") == 0.5

        _publish_post(settings, "x:2")
        assert _label_of(settings, "x:2") == "negative"
    finally:
        worker.stop()
    assert "saved the sentiment model" in worker.log_tail(400)
    offsets = orjson.loads((model_dir / OFFSETS_FILE).read_bytes())
    assert offsets["topic"] == settings.topics.sentiment_feedback and offsets["offsets"] == {"0": 4}

    restarted = start_worker(settings, tmp_path, name="restarted", SIAGA_SENTIMENT_MODEL_DIR=str(model_dir))
    try:
        _publish_post(settings, "x:3")
        assert _label_of(settings, "x:3") == "negative"
        assert "resuming at {0: 4}" in restarted.log_tail(400)
        assert _metric(restarted, "siaga_sentiment_feedback_total") == 0  # resumed after, not re-applied
        assert _metric(restarted, "siaga_sentiment_feedback_rejected_total") == 0
        assert math.isnan(_metric(restarted, "siaga_sentiment_feedback_agreement"))  # nothing judged yet
    finally:
        restarted.stop()
