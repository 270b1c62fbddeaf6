"""RSS and Atom polling with conditional GETs (``ETag`` / ``Last-Modified``): unchanged feeds cost one 304.

Each changed feed document is yielded whole (format ``rss``, which reads Atom too); the publisher drops items it
already published. Validators are saved per feed URL in the state file, so a restart does not refetch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pipeline.ingest.normalizers.feed import MAX_FEED_BYTES
from pipeline.ingest.sources.base import RawItem, Source
from pipeline.ingest.sources.http import fetch

__all__ = ["RssSource"]

logger = logging.getLogger(__name__)


class RssSource(Source):
    """Poll ``feeds`` every ``interval`` seconds while running; ``state_path`` keeps each feed's validators."""

    name = "rss"

    def __init__(self, feeds: Sequence[str], *, interval: float = 300.0, state_path: Path | str | None = None,
                 timeout: float = 30.0) -> None:
        super().__init__(state_path)
        if not feeds:
            raise ValueError("name at least one feed URL")
        self.feeds = tuple(feeds)
        self.interval = interval
        self.timeout = timeout
        self.fetches = 0
        self.not_modified = 0

    def run(self) -> Iterator[RawItem]:
        """Fetch every feed that changed, then wait for the next round."""
        while self.running:
            for url in self.feeds:
                if not self.running:
                    return
                item = self._poll(url)
                if item is not None:
                    yield item
            self.sleep(self.interval)

    def _poll(self, url: str) -> RawItem | None:
        validators = self.state.get(url, {})
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"}
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        try:
            result = fetch(url, headers, timeout=self.timeout, max_bytes=MAX_FEED_BYTES)
        except OSError as error:
            logger.warning("feed %s: %s", url, error)
            return None
        self.fetches += 1
        if result.status == 304:
            self.not_modified += 1
            return None
        if result.status != 200:
            logger.warning("feed %s: HTTP %d", url, result.status)
            return None
        position = (url, {"etag": result.headers.get("ETag"), "last_modified": result.headers.get("Last-Modified")})
        return RawItem(result.body, "rss", {"feed": url}, position=position)

    def commit(self, position: Any) -> None:
        """Save the feed's validators once its document is handled."""
        url, validators = position
        self.state[url] = validators
        self.mark_dirty()
