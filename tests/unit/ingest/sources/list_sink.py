"""A list-backed sink for source tests (quix-streams' ``ListSink`` pattern)."""

from __future__ import annotations

import threading
from typing import Any

from pipeline.ingest.publisher import IngestSummary
from schemas.errors import SchemaError
from schemas.post import Post

__all__ = ["ListSink"]


class ListSink:
    """Keeps published posts and rejections in lists, deduplicating post ids like the publisher."""

    def __init__(self) -> None:
        self.summary = IngestSummary()
        self.posts: list[Post] = []
        self.rejected: list[tuple[bytes, SchemaError, dict[str, Any]]] = []
        self.flushes = 0
        self._seen: set[str] = set()
        self.changed = threading.Condition()

    def received(self, count: int = 1) -> None:
        self.summary.read += count

    def publish(self, post: Post, now: float | None = None) -> bool:
        with self.changed:
            if post.id in self._seen:
                self.summary.duplicates += 1
                return False
            self._seen.add(post.id)
            self.posts.append(post)
            self.summary.published += 1
            self.changed.notify_all()
            return True

    def reject(self, original: bytes, error: SchemaError, origin: dict[str, Any], now: float | None = None) -> None:
        with self.changed:
            self.summary.rejected[error.reason] += 1
            self.rejected.append((original, error, origin))
            self.changed.notify_all()

    def flush(self) -> None:
        self.flushes += 1

    def wait_for(self, posts: int, timeout: float = 10.0) -> bool:
        """Block until at least ``posts`` posts were published."""
        with self.changed:
            return self.changed.wait_for(lambda: len(self.posts) >= posts, timeout)
