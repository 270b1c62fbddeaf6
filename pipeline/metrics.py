"""Every Prometheus metric Siaga exports, declared once.

Names follow the Prometheus conventions: ``siaga_`` namespace, base units, ``_total`` on counters. Labels come
from closed sets (source, platform, reason, severity, type, signal, state, topic, partition) plus ``subject`` and
``team``, which the watchlist bounds. :func:`register_subjects` creates every subject's series up front, at zero.
"""

from __future__ import annotations

import logging
import math
from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from schemas.crisis_event import EVENT_TYPES, SEVERITIES
from schemas.errors import REJECTION_REASONS
from schemas.watchlist import Subject

__all__ = [
    "CONSUMER_LAG",
    "CRISIS_EVENTS",
    "DETECTOR_STATE",
    "INCIDENTS_OPEN",
    "INCIDENT_DURATION",
    "INCIDENT_OPEN",
    "INCIDENT_RESPONSE",
    "INCIDENT_RESPONSE_SECONDS",
    "INGEST_BACKPRESSURE",
    "INGEST_BUFFERED",
    "INGEST_EVENT_LAG",
    "INGEST_LAST_PUBLISH",
    "INGEST_RECONNECTS",
    "MENTIONS",
    "MENTIONS_CONSUMED",
    "MENTIONS_LATE",
    "POSTS_DUPLICATE",
    "POSTS_PROCESSED",
    "POSTS_PUBLISHED",
    "POSTS_RECEIVED",
    "POSTS_REJECTED",
    "POSTS_UNMATCHED",
    "SENTIMENT_FEEDBACK",
    "SENTIMENT_FEEDBACK_AGREEMENT",
    "SENTIMENT_FEEDBACK_REJECTED",
    "SIGNAL_EXPECTED",
    "SIGNAL_OBSERVED",
    "STATE_RECOVERY",
    "SUBJECT_ANOMALY_SCORE",
    "SUBJECT_ANOMALY_THRESHOLD",
    "SUBJECT_WARMING_UP",
    "WINDOWS_CLOSED",
    "WINDOW_AUTHORS",
    "WINDOW_CLOSE_TO_EVENT",
    "WINDOW_MENTIONS",
    "WINDOW_NEGATIVE_RATIO",
    "WINDOW_REACH",
    "WINDOW_SENTIMENT",
    "FastObserver",
    "register_sentiment_feedback",
    "register_subjects",
    "serve_metrics",
]

logger = logging.getLogger(__name__)

NAMESPACE = "siaga"
SOURCES: tuple[str, ...] = ("file", "webhook", "mastodon", "bluesky", "reddit", "rss")
SIGNALS: tuple[str, ...] = ("volume", "negative", "negative_share", "sentiment", "reach", "authors", "velocity")
DETECTOR_STATES: tuple[str, ...] = ("warming_up", "normal", "incident")

# Ingest -------------------------------------------------------------------------------------------------------------
POSTS_RECEIVED = Counter("posts_received", "Raw items read from a source.", ["source"], namespace=NAMESPACE)
POSTS_PUBLISHED = Counter(
    "posts_ingested", "Valid posts published to the posts topic.", ["source", "platform"], namespace=NAMESPACE
)
POSTS_REJECTED = Counter(
    "posts_rejected", "Invalid items sent to the dead-letter topic, by reason.", ["source", "reason"],
    namespace=NAMESPACE,
)
POSTS_DUPLICATE = Counter(
    "posts_duplicate", "Posts dropped because their id was already published.", ["source"], namespace=NAMESPACE
)
INGEST_RECONNECTS = Counter("ingest_reconnects", "Reconnections to a source.", ["source"], namespace=NAMESPACE)
INGEST_EVENT_LAG = Histogram(
    "ingest_event_lag_seconds",
    "Delay between a post's event time and its ingestion.",
    ["source"],
    namespace=NAMESPACE,
    buckets=(1, 5, 15, 30, 60, 120, 300, 900, 3600, 21600, 86400, float("inf")),
)
INGEST_LAST_PUBLISH = Gauge(
    "ingest_last_publish_timestamp_seconds", "Unix time of the last post published.", ["source"], namespace=NAMESPACE
)
INGEST_BUFFERED = Gauge(
    "ingest_buffered_posts", "Posts handed to the producer and not yet acknowledged.", ["source"], namespace=NAMESPACE
)
INGEST_BACKPRESSURE = Gauge(
    "ingest_backpressure", "1 while ingest is blocked because Kafka does not accept records.", ["source"],
    namespace=NAMESPACE,
)

# Worker: enrichment -------------------------------------------------------------------------------------------------
POSTS_PROCESSED = Counter("posts_processed", "Posts read by the enrich agent.", ["platform"], namespace=NAMESPACE)
POSTS_UNMATCHED = Counter("posts_unmatched", "Posts that matched no watched subject.", namespace=NAMESPACE)
MENTIONS = Counter("mentions", "Mentions published, by subject.", ["subject"], namespace=NAMESPACE)
SENTIMENT_FEEDBACK = Counter(
    "sentiment_feedback", "Sentiment corrections applied to the online models.", ["label"], namespace=NAMESPACE
)
SENTIMENT_FEEDBACK_AGREEMENT = Gauge(
    "sentiment_feedback_agreement",
    "Share of the latest sentiment corrections whose label the model gave before learning from them.",
    namespace=NAMESPACE,
)
#: Why a correction is skipped: a schema rejection reason, or ``unknown_post`` (an id without text that this
#: worker has not enriched recently).
FEEDBACK_REJECTION_REASONS: tuple[str, ...] = (*REJECTION_REASONS, "unknown_post")
SENTIMENT_FEEDBACK_REJECTED = Counter(
    "sentiment_feedback_rejected", "Sentiment corrections skipped because they were invalid or unresolvable.",
    ["reason"], namespace=NAMESPACE,
)

# Worker: windows and detection --------------------------------------------------------------------------------------
MENTIONS_CONSUMED = Counter(
    "mentions_consumed", "Mentions read by the subject agent (windowed, duplicate or late).", namespace=NAMESPACE
)
MENTIONS_LATE = Counter(
    "mentions_late", "Mentions that arrived after their window closed (beyond the lateness allowance).", ["subject"],
    namespace=NAMESPACE,
)
WINDOWS_CLOSED = Counter("windows_closed", "Windows closed and scored.", ["subject"], namespace=NAMESPACE)
WINDOW_MENTIONS = Gauge("window_mentions", "Mentions in the subject's last closed window.", ["subject"],
                        namespace=NAMESPACE)
WINDOW_NEGATIVE_RATIO = Gauge(
    "window_negative_ratio", "Share of negative mentions in the last closed window (0-1).", ["subject"],
    namespace=NAMESPACE,
)
WINDOW_SENTIMENT = Gauge(
    "window_sentiment_mean", "Mean sentiment score (-1 to 1) in the last closed window.", ["subject"],
    namespace=NAMESPACE,
)
WINDOW_REACH = Gauge("window_reach", "Potential audience of the last closed window's mentions.", ["subject"],
                     namespace=NAMESPACE)
WINDOW_AUTHORS = Gauge("window_authors", "Distinct authors in the last closed window.", ["subject"],
                       namespace=NAMESPACE)
SIGNAL_OBSERVED = Gauge("signal_observed", "Observed value of a detector signal in the last closed window.",
                        ["subject", "signal"], namespace=NAMESPACE)
SIGNAL_EXPECTED = Gauge("signal_expected", "Expected (baseline) value of a detector signal for that window.",
                        ["subject", "signal"], namespace=NAMESPACE)
SUBJECT_ANOMALY_SCORE = Gauge("anomaly_score", "Combined anomaly score of the last closed window (0-1).",
                              ["subject"], namespace=NAMESPACE)
SUBJECT_ANOMALY_THRESHOLD = Gauge("anomaly_threshold", "Score at which a window counts as anomalous (0-1).",
                                  ["subject"], namespace=NAMESPACE)
SUBJECT_WARMING_UP = Gauge(
    "detector_warming_up", "1 while a subject's detector is still learning its baseline and cannot alert.",
    ["subject"], namespace=NAMESPACE,
)
DETECTOR_STATE = Gauge("detector_state", "1 for the subject's current detector state.", ["subject", "state"],
                       namespace=NAMESPACE)
INCIDENT_OPEN = Gauge(
    "incident_open", "1 while the subject has an open incident of that severity.", ["subject", "team", "severity"],
    namespace=NAMESPACE,
)
INCIDENTS_OPEN = Gauge("incidents_open", "Open incidents by severity.", ["severity"], namespace=NAMESPACE)
CRISIS_EVENTS = Counter("crisis_events", "Crisis events emitted, by type.", ["type"], namespace=NAMESPACE)
WINDOW_CLOSE_TO_EVENT = Histogram(
    "window_close_to_event_seconds",
    "From the arrival (ingest time) of the post that closed a window to its crisis event acknowledged by Kafka.",
    namespace=NAMESPACE,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 5, 10, 30, 60, float("inf")),
)
INCIDENT_RESPONSE = Gauge(
    "incident_first_response_seconds",
    "Seconds from the open incident's start to the subject's first official post (absent before a response).",
    ["subject"], namespace=NAMESPACE,
)
INCIDENT_RESPONSE_SECONDS = Histogram(
    "incident_response_seconds", "Time from incident onset to the organization's first public response.",
    namespace=NAMESPACE, buckets=(60, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400, float("inf")),
)
INCIDENT_DURATION = Histogram(
    "incident_duration_seconds", "Time from incident start to resolution.", namespace=NAMESPACE,
    buckets=(300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200, float("inf")),
)

# Worker: Kafka ------------------------------------------------------------------------------------------------------
CONSUMER_LAG = Gauge("consumer_lag_messages", "Records behind the end of a source partition.", ["topic", "partition"],
                     namespace=NAMESPACE)
STATE_RECOVERY = Gauge(
    "state_recovering", "1 while the worker restores table state from its changelog.", namespace=NAMESPACE
)


class FastObserver:
    """``observe`` for one (labelled) histogram, recording exactly what ``Histogram.observe`` records, cheaper.

    prometheus_client checks the metric and scans the buckets in Python on every call (a post months late passes
    all twelve ingest lag buckets); this finds the bucket with one bisect and adds to the same sum and bucket
    values. NaN, which no bucket takes, goes to ``observe`` itself.
    """

    def __init__(self, histogram: Histogram) -> None:
        histogram._raise_if_not_observable()
        child: Any = histogram
        self._observe = histogram.observe
        self._add_to_sum = child._sum.inc
        self._add_to_bucket = [bucket.inc for bucket in child._buckets]
        self._bounds: list[float] = child._upper_bounds

    def observe(self, amount: float) -> None:
        """Add ``amount`` to the sum and one to the first bucket whose upper bound is not below it."""
        if amount != amount:
            self._observe(amount)
            return
        self._add_to_sum(amount)
        self._add_to_bucket[bisect_left(self._bounds, amount)](1)


def register_subjects(subjects: Iterable[Subject]) -> None:
    """Create every per-subject series at zero so dashboards and alert rules see them from the start."""
    for severity in SEVERITIES:
        INCIDENTS_OPEN.labels(severity)
    for event_type in EVENT_TYPES:
        CRISIS_EVENTS.labels(event_type)
    for subject in subjects:
        MENTIONS.labels(subject.id)
        MENTIONS_LATE.labels(subject.id)
        WINDOWS_CLOSED.labels(subject.id)
        SUBJECT_WARMING_UP.labels(subject.id).set(1)
        for state in DETECTOR_STATES:
            DETECTOR_STATE.labels(subject.id, state).set(1 if state == "warming_up" else 0)
        for severity in SEVERITIES:
            INCIDENT_OPEN.labels(subject.id, subject.team, severity).set(0)


def register_sentiment_feedback() -> None:
    """Create the sentiment-feedback series at zero."""
    for label in ("negative", "neutral", "positive"):
        SENTIMENT_FEEDBACK.labels(label)
    for reason in FEEDBACK_REJECTION_REASONS:
        SENTIMENT_FEEDBACK_REJECTED.labels(reason)
    SENTIMENT_FEEDBACK_AGREEMENT.set(math.nan)  # no correction judged yet


def register_source(source: str) -> None:
    """Create one ingest source's series at zero."""
    POSTS_RECEIVED.labels(source)
    POSTS_DUPLICATE.labels(source)
    INGEST_BACKPRESSURE.labels(source).set(0)
    for reason in REJECTION_REASONS:
        POSTS_REJECTED.labels(source, reason)


def serve_metrics(port: int, host: str = "127.0.0.1", registry: CollectorRegistry = REGISTRY) -> None:
    """Expose ``/metrics`` on ``host:port`` from a background thread (port 0 disables it)."""
    if port:
        start_http_server(port, addr=host, registry=registry)
        logger.info("metrics on http://%s:%d/metrics", host, port)
