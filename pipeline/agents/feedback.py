"""Online learning from sentiment corrections: every worker reads every record of ``siaga.sentiment-feedback``.

A Faust agent would share the topic's records among the workers of a consumer group, so each would learn only
some corrections. The feedback consumer is therefore an aiokafka consumer *without* a group (a group-less
subscription, which aiokafka answers by assigning it every partition of the topic, including ones added later),
run as a service of the worker's app, and keeping its own position. After applying corrections it saves the
scorer to ``settings.sentiment_model_dir`` (at most every ``SAVE_INTERVAL`` seconds, and on shutdown) together
with the next offset of each partition in ``feedback_offsets.json``; at start it resumes from those offsets, so a
restart neither loses nor re-applies corrections. The model is written before the offsets: a crash between the
two writes re-applies the corrections of one save interval (at-least-once, like the rest of the pipeline).
Without a model dir the worker learns in memory and, at its next start, replays every correction from the
beginning of the topic (kept forever).

Before it learns from a correction, the scorer's own label for the text is compared with the analyst's (River's
progressive validation): ``siaga_sentiment_feedback_agreement`` is the share of the last ``AGREEMENT_WINDOW``
corrections the model already got right, so a model drifting away from what the analysts see shows there first.

The enrich agent and this consumer run on the same asyncio event loop and neither awaits while it reads or
updates the scorer or the recent-post cache, so they never interleave inside an update: no lock is needed.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import ConsumerStoppedError
from aiokafka.helpers import create_ssl_context
from mode import Service
from river import metrics as river_metrics
from river import utils as river_utils

from detectors.sentiment import SentimentScorer
from pipeline import metrics
from pipeline.app import Streams
from pipeline.config import KafkaSettings, Settings
from pipeline.enrichment import Enricher, RecentPosts
from schemas.errors import SchemaError
from schemas.sentiment_feedback import SentimentFeedback

__all__ = [
    "AGREEMENT_WINDOW",
    "OFFSETS_FILE",
    "FeedbackConsumer",
    "FeedbackLearner",
    "attach_feedback_consumer",
    "load_offsets",
    "save_offsets",
]

logger = logging.getLogger(__name__)

#: How many of the latest corrections ``siaga_sentiment_feedback_agreement`` is computed over.
AGREEMENT_WINDOW = 500
#: Beside the model files: the topic and the next offset of each of its partitions the saved model has learned.
OFFSETS_FILE = "feedback_offsets.json"
OFFSETS_VERSION = 1
#: Shortest time between two saves of the learned model.
SAVE_INTERVAL = 3.0


def load_offsets(model_dir: Path | None, topic: str) -> dict[int, int]:
    """Next offset per partition saved beside the model for ``topic`` (empty when none, or for another topic).

    >>> import tempfile
    >>> directory = Path(tempfile.mkdtemp())
    >>> save_offsets(directory, "siaga.sentiment-feedback", {0: 12})
    >>> load_offsets(directory, "siaga.sentiment-feedback"), load_offsets(directory, "other")
    ({0: 12}, {})
    """
    if model_dir is None:
        return {}
    path = Path(model_dir) / OFFSETS_FILE
    try:
        state = orjson.loads(path.read_bytes())
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except orjson.JSONDecodeError as error:
        logger.warning("ignoring unreadable %s: %s", path, error)
        return {}
    if not isinstance(state, dict) or state.get("version") != OFFSETS_VERSION or state.get("topic") != topic:
        logger.warning("ignoring %s: not version %d offsets of %s", path, OFFSETS_VERSION, topic)
        return {}
    return {int(partition): int(offset) for partition, offset in state.get("offsets", {}).items()}


def save_offsets(model_dir: Path, topic: str, offsets: dict[int, int]) -> None:
    """Write the offsets beside the model, atomically (through a temporary file in the same directory)."""
    directory = Path(model_dir)
    directory.mkdir(parents=True, exist_ok=True)
    state = {"version": OFFSETS_VERSION, "topic": topic,
             "offsets": {str(partition): offset for partition, offset in sorted(offsets.items())}}
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{OFFSETS_FILE}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps(state, option=orjson.OPT_INDENT_2))
        os.chmod(tmp, 0o644)
        os.replace(tmp, directory / OFFSETS_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FeedbackLearner:
    """Apply corrections to a scorer, remember where they came from, and save both.

    >>> from pipeline.enrichment import RecentPosts
    >>> learner = FeedbackLearner(SentimentScorer(), RecentPosts(), None, "feedback")
    >>> learner.apply(0, 0, b'{"text": "harga naik lagi", "label": "negative"}')
    'negative'
    >>> learner.scorer.score("harga naik lagi").label, learner.offsets
    ('negative', {0: 1})
    >>> learner.agreement.get()  # before learning, the model had read it as neutral
    0.0
    >>> learner.apply(0, 1, b'{"post_id": "x:404", "label": "neutral"}') is None
    True
    """

    def __init__(self, scorer: SentimentScorer, recent_posts: RecentPosts, model_dir: Path | None, topic: str,
                 save_interval: float = SAVE_INTERVAL) -> None:
        self.scorer = scorer
        self.recent_posts = recent_posts
        self.model_dir = model_dir
        self.topic = topic
        self.save_interval = save_interval
        self.offsets = load_offsets(model_dir, topic)
        self.applied = 0
        #: accuracy of the scorer on the last corrections, each judged before it was learned
        self.agreement = river_utils.Rolling(river_metrics.Accuracy, window_size=AGREEMENT_WINDOW)
        self._dirty = False
        self._last_save = float("-inf")

    def apply(self, partition: int, offset: int, value: bytes | None) -> str | None:
        """Learn from the correction at ``partition``/``offset``; returns its label, or None when skipped."""
        self.offsets[partition] = offset + 1
        self._dirty = True
        try:
            if value is None:
                raise SchemaError("", "record has no value", "invalid_value")
            feedback = SentimentFeedback.from_json(value)
        except SchemaError as error:
            return self._reject(partition, offset, error.reason, str(error))
        text = feedback.text or self.recent_posts.text(feedback.post_id or "")
        if text is None:
            return self._reject(partition, offset, "unknown_post",
                                f"post {feedback.post_id!r} was not enriched recently and has no text")
        self.agreement.update(feedback.label, self.scorer.score(text).label)
        metrics.SENTIMENT_FEEDBACK_AGREEMENT.set(self.agreement.get())
        self.scorer.learn(text, feedback.label)
        self.applied += 1
        metrics.SENTIMENT_FEEDBACK.labels(feedback.label).inc()
        logger.debug("learned %s for post %s from %s", feedback.label, feedback.post_id, feedback.source)
        return feedback.label

    def maybe_save(self, now: float) -> bool:
        """Save when something changed and the last save is at least ``save_interval`` seconds old."""
        if not self._dirty or now - self._last_save < self.save_interval:
            return False
        self.save(now)
        return True

    def save(self, now: float | None = None) -> None:
        """Write the scorer, then the offsets it has learned up to, to the model dir (when there is one)."""
        self._last_save = time.monotonic() if now is None else now
        if self.model_dir is None or not self._dirty:
            self._dirty = False
            return
        try:
            self.scorer.save(self.model_dir)
            save_offsets(self.model_dir, self.topic, self.offsets)
        except OSError:
            logger.exception("could not save the sentiment model to %s; will retry", self.model_dir)
            return
        self._dirty = False
        logger.info("saved the sentiment model to %s (%d corrections applied since start, feedback offsets %s)",
                    self.model_dir, self.applied, self.offsets)

    def _reject(self, partition: int, offset: int, reason: str, problem: str) -> None:
        logger.warning("skipping sentiment correction at %s[%d]@%d: %s", self.topic, partition, offset, problem)
        metrics.SENTIMENT_FEEDBACK_REJECTED.labels(reason).inc()
        return None


class FeedbackConsumer(Service):
    """Read every partition of the feedback topic, without a consumer group, into a :class:`FeedbackLearner`."""

    def __init__(self, kafka: KafkaSettings, learner: FeedbackLearner, **kwargs: Any) -> None:
        self.kafka = kafka
        self.learner = learner
        self._consumer: AIOKafkaConsumer | None = None
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        """Connect; the consuming task subscribes and seeks."""
        self._consumer = AIOKafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                                          client_id="siaga-sentiment-feedback", **_aiokafka_options(self.kafka))
        await self._consumer.start()

    @Service.task
    async def _consume(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        topic = self.learner.topic
        # Without a group, aiokafka assigns this consumer every partition of a subscribed topic (and any added later).
        consumer.subscribe([topic])
        assigned: frozenset[TopicPartition] = frozenset()
        waited = 0.0
        while not self.should_stop:
            if consumer.assignment() != assigned:
                assigned = frozenset(consumer.assignment())
                await self._resume(assigned)
            if not assigned:
                if waited >= 30.0:
                    logger.warning("sentiment feedback topic %s has no partitions yet; still waiting", topic)
                    waited = 0.0
                await self.sleep(0.2)
                waited += 0.2
                continue
            try:
                batches = await consumer.getmany(timeout_ms=1000, max_records=500)
            except ConsumerStoppedError:
                return
            for tp, records in batches.items():
                for record in records:
                    # Same event loop as the enrich agent, and no await inside an update: no lock is needed.
                    self.learner.apply(tp.partition, record.offset, record.value)
            self.learner.maybe_save(time.monotonic())

    async def _resume(self, partitions: frozenset[TopicPartition]) -> None:
        """Move to the next correction the scorer has not learned, in every (newly) assigned partition."""
        consumer = self._consumer
        assert consumer is not None
        for tp in sorted(partitions):
            if tp.partition in self.learner.offsets:
                consumer.seek(tp, self.learner.offsets[tp.partition])
            else:
                await consumer.seek_to_beginning(tp)
        if partitions:
            logger.info("learning from every sentiment correction on %s, resuming at %s (scorer has learned %s)",
                        self.learner.topic, self.learner.offsets or "the beginning", self.learner.scorer.n_learned)

    async def on_shutdown(self) -> None:
        """Save what was learned (the consuming task has been cancelled by now) and disconnect."""
        self.learner.save()
        if self._consumer is not None:
            await self._consumer.stop()


def attach_feedback_consumer(streams: Streams, enricher: Enricher, settings: Settings) -> FeedbackConsumer:
    """Start a :class:`FeedbackConsumer` with the app that updates ``enricher``'s scorer from every correction."""
    if enricher.scorer is None:
        raise ValueError("the enricher does not score sentiment, so it cannot learn from corrections")
    metrics.register_sentiment_feedback()
    learner = FeedbackLearner(enricher.scorer, enricher.recent_posts, settings.sentiment_model_dir,
                              settings.topics.sentiment_feedback)
    service = FeedbackConsumer(settings.kafka, learner)
    streams.app.service(service)  # type: ignore[arg-type]  # an instance is accepted as well as a class
    return service


def _aiokafka_options(kafka: KafkaSettings) -> dict[str, Any]:
    """Connection keyword arguments for aiokafka clients from the shared Kafka settings."""
    options: dict[str, Any] = {"bootstrap_servers": kafka.bootstrap_servers.split(","),
                               "security_protocol": kafka.security_protocol}
    if kafka.sasl_mechanism:
        options.update(sasl_mechanism=kafka.sasl_mechanism, sasl_plain_username=kafka.sasl_username,
                       sasl_plain_password=kafka.sasl_password)
    if kafka.security_protocol.endswith("SSL"):
        options["ssl_context"] = create_ssl_context(cafile=kafka.ssl_cafile, certfile=kafka.ssl_certfile,
                                                    keyfile=kafka.ssl_keyfile, password=kafka.ssl_password)
    return options
