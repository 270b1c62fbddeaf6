"""The one place ingest talks to Kafka: publish valid posts, dead-letter invalid input with its reason.

Every source adapter hands its posts and rejections to a :class:`PostPublisher`, which owns a
:class:`~pipeline.ingest.batch_producer.BatchProducer` (``acks=all``, idempotent), drops duplicate post ids within
a horizon, keeps the ingest metrics and a summary, and applies backpressure when the cluster stops accepting
records (it blocks and retries; it never drops a valid post).
"""

from __future__ import annotations

import base64
import logging
import time
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import orjson

from pipeline import metrics
from pipeline.config import Settings
from pipeline.ingest.batch_producer import BatchProducer, KafkaTimeoutError, RecordTooLarge
from pipeline.ingest.dedupe import RecentIds
from schemas.errors import SchemaError
from schemas.post import Post
from schemas.times import format_time

__all__ = ["DLQ_SAMPLE_BYTES", "MAX_MESSAGE_BYTES", "IngestSummary", "PostPublisher", "dead_letter_record"]

logger = logging.getLogger(__name__)

#: The largest record ingest sends: the broker's default ``message.max.bytes`` (1 MiB) less room for batch framing.
MAX_MESSAGE_BYTES = 1_000_000
#: Bytes of the original input kept in a dead-letter record (the full size is recorded too). The record holds them
#: as text when they are UTF-8 and stay compact in JSON, else as base64: a record is never much over 350 kB.
DLQ_SAMPLE_BYTES = 256 * 1024


@dataclass
class IngestSummary:
    """What one ingest run did."""

    read: int = 0
    published: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    failed: int = 0

    @property
    def rejected_total(self) -> int:
        """All rejections, whatever the reason."""
        return sum(self.rejected.values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"read": self.read, "published": self.published, "rejected": self.rejected_total,
                "rejected_by_reason": dict(sorted(self.rejected.items())), "duplicates": self.duplicates,
                "failed": self.failed}

    def render(self) -> str:
        """One human-readable line."""
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(self.rejected.items()))
        line = (f"read {self.read}, published {self.published}, rejected {self.rejected_total}, "
                f"duplicates {self.duplicates}")
        if reasons:
            line += f" (rejected: {reasons})"
        if self.failed:
            line += f", FAILED to deliver {self.failed}"
        return line


def dead_letter_record(original: bytes, error: SchemaError, source: str, origin: dict[str, Any],
                       now: float, size: int | None = None) -> bytes:
    """The JSON value of one dead-letter record: why, where from, and the original bytes (up to a limit).

    ``size`` is the original's full size when ``original`` holds only its start (an oversized line).

    >>> record = orjson.loads(dead_letter_record(b'{"id": 1', SchemaError("", "malformed JSON", "invalid_json"),
    ...                                          "file", {"file": "a.jsonl", "line": 3}, 0.0))
    >>> record["reason"], record["origin"]["line"], record["original"]
    ('invalid_json', 3, '{"id": 1')
    >>> len(dead_letter_record(b"\x01" * 300_000, SchemaError("", "malformed JSON", "invalid_json"), "file", {},
    ...                        0.0)) < 400_000
    True
    """
    sample = original[:DLQ_SAMPLE_BYTES]
    record: dict[str, Any] = {
        "reason": error.reason,
        "field": error.field,
        "error": str(error),
        "source": source,
        "origin": origin,
        "rejected_at": format_time(now),
        "original_size": max(len(original), size or 0),
        "truncated": max(len(original), size or 0) > len(sample),
    }
    try:
        record["original"] = sample.decode("utf-8")
    except UnicodeDecodeError:
        record["original_base64"] = base64.b64encode(sample).decode("ascii")
        return orjson.dumps(record)
    encoded = orjson.dumps(record)
    if len(encoded) <= 2 * DLQ_SAMPLE_BYTES:
        return encoded
    # JSON escapes a control character in 6 bytes: such a sample goes as base64 (4 bytes per 3), so the record
    # stays far below the broker's 1 MB message limit
    del record["original"]
    record["original_base64"] = base64.b64encode(sample).decode("ascii")
    return orjson.dumps(record)


class PostPublisher:
    """Publish posts to ``siaga.posts`` (key = post id) and rejections to ``siaga.posts.dlq``.

    Use as a context manager; :meth:`close` flushes and waits for every acknowledgement. Once ``buffer_bytes``
    wait for the cluster's acknowledgement, :meth:`publish` blocks until the cluster takes records again, and
    reports backpressure after ``retry_seconds`` of waiting.
    """

    def __init__(
        self,
        settings: Settings,
        source: str,
        *,
        dedupe_horizon_seconds: float = 24 * 3600.0,
        dedupe_max_ids: int = 1_000_000,
        retry_seconds: float = 1.0,
        buffer_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.settings = settings
        self.source = source
        self.summary = IngestSummary()
        self._recent = RecentIds(dedupe_horizon_seconds, dedupe_max_ids)
        self._blocked = False
        metrics.register_source(source)
        # labelled children looked up once: a label lookup costs more than the update itself
        self._received = metrics.POSTS_RECEIVED.labels(source)
        self._duplicate = metrics.POSTS_DUPLICATE.labels(source)
        self._event_lag = metrics.FastObserver(metrics.INGEST_EVENT_LAG.labels(source))
        self._last_publish = metrics.INGEST_LAST_PUBLISH.labels(source)
        self._producer = BatchProducer(settings.kafka, f"{settings.app_id}-ingest-{source}", self._delivered,
                                       buffer_bytes=buffer_bytes, max_block_seconds=retry_seconds,
                                       max_record_bytes=MAX_MESSAGE_BYTES)
        metrics.INGEST_BUFFERED.labels(source).set_function(lambda: self._producer.unsettled)

    def __enter__(self) -> PostPublisher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def received(self, count: int = 1) -> None:
        """Count raw items read from the source."""
        self.summary.read += count
        self._received.inc(count)

    def publish(self, post: Post, now: float | None = None) -> bool:
        """Send ``post`` unless its id was published within the horizon; False for a duplicate."""
        now = time.time() if now is None else now
        if not self._recent.add(post.id, now):
            self.summary.duplicates += 1
            self._duplicate.inc()
            return False
        value = post.to_json(ingested_at=now)
        try:
            self._send(self.settings.topics.posts, post.id.encode(), value, tag=post.platform)
        except RecordTooLarge as error:
            self.reject(value, SchemaError("", f"the post as JSON is too large for Kafka: {error}", "too_large"),
                        {"post_id": post.id}, now)
            return False
        self._event_lag.observe(max(0.0, now - post.created_at))
        return True

    def reject(self, original: bytes, error: SchemaError, origin: dict[str, Any], now: float | None = None,
               size: int | None = None) -> None:
        """Dead-letter ``original`` with the reason ``error`` gives and where it came from.

        ``size`` is the full size of the input when ``original`` is only its start.
        """
        now = time.time() if now is None else now
        self.summary.rejected[error.reason] += 1
        metrics.POSTS_REJECTED.labels(self.source, error.reason).inc()
        value = dead_letter_record(original, error, self.source, origin, now, size)
        headers = [("reason", error.reason.encode()), ("source", self.source.encode())]
        self._send(self.settings.topics.posts_dlq, None, value, tag=None, headers=headers)

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every record sent so far is acknowledged (or failed)."""
        self._producer.flush(timeout=timeout)

    def close(self) -> None:
        """Flush and close the producer."""
        self.flush()
        self._producer.close()

    def _delivered(self, tags: Counter[Hashable], error: BaseException | None) -> None:
        """Count one batch's records: published posts per platform, or failures.

        Only the producer's thread calls this, so the counts it writes need no lock.
        """
        records = sum(tags.values())
        if error is not None:
            self.summary.failed += records
            logger.error("could not deliver %d records to Kafka: %s", records, error)
            return
        self.summary.published += records - tags.get(None, 0)
        for platform, count in tags.items():
            if platform is not None:
                metrics.POSTS_PUBLISHED.labels(self.source, platform).inc(count)
        self._last_publish.set(time.time())

    def _send(self, topic: str, key: bytes | None, value: bytes, *, tag: str | None,
              headers: list[tuple[str, bytes]] | None = None) -> None:
        while True:
            try:
                self._producer.send(topic, key, value, tag=tag, headers=headers)
                break
            except KafkaTimeoutError:  # the producer waited retry_seconds for room: keep waiting, and say so
                self._set_blocked(True)
        if self._blocked:
            self._set_blocked(False)

    def _set_blocked(self, blocked: bool) -> None:
        if blocked != self._blocked:
            self._blocked = blocked
            metrics.INGEST_BACKPRESSURE.labels(self.source).set(1 if blocked else 0)
            if blocked:
                logger.warning("Kafka is not accepting records: ingest is paused until it does (backpressure)")
            else:
                logger.info("Kafka accepts records again: ingest resumed")
