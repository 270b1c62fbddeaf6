"""Reddit polling: newest submissions and comments of subreddits, honouring ``X-Ratelimit-*`` headers.

Each poll reads ``/r/<subs>/new`` and ``/r/<subs>/comments``; things at or after the saved watermark (their
``created_utc``) are yielded one by one (format ``reddit``), older ones were handled before. When
``X-Ratelimit-Remaining`` runs out the source waits ``X-Ratelimit-Reset`` seconds; a 429 backs off the same way.
The OAuth bearer token comes from the environment or a file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from pipeline.ingest.sources.base import Backoff, RawItem, Source
from pipeline.ingest.sources.http import HttpResult, fetch

__all__ = ["REDDIT_API", "RedditSource"]

logger = logging.getLogger(__name__)

REDDIT_API = "https://oauth.reddit.com"
_LISTINGS = ("new", "comments")


class RedditSource(Source):
    """Poll subreddits every ``interval`` seconds while running.

    Parameters: ``subreddits`` to watch, ``api`` base URL, ``token`` (bytes) for OAuth, ``interval`` between
    polls, ``limit`` things per listing (max 100), ``state_path`` for the watermarks, ``min_remaining`` requests
    to keep in reserve.
    """

    name = "reddit"

    def __init__(
        self,
        subreddits: Sequence[str],
        *,
        api: str = REDDIT_API,
        token: bytes | None = None,
        interval: float = 30.0,
        limit: int = 100,
        state_path: Path | str | None = None,
        min_remaining: float = 1.0,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(state_path)
        if not subreddits:
            raise ValueError("name at least one subreddit")
        self.subreddits = tuple(subreddits)
        self.api = api.rstrip("/")
        self.interval = interval
        self.limit = max(1, min(100, limit))
        self.min_remaining = min_remaining
        self.backoff = backoff or Backoff()
        self.requests = 0
        self._token = token

    def __repr__(self) -> str:
        return f"RedditSource(subreddits={self.subreddits!r}, api={self.api!r})"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.decode()}"} if self._token else {}

    def run(self) -> Iterator[RawItem]:
        """Poll each listing, yield new things oldest first, then wait for the next round."""
        path = "+".join(self.subreddits)
        while self.running:
            for listing in _LISTINGS:
                if not self.running:
                    return
                yield from self._poll(listing, f"{self.api}/r/{path}/{listing}?limit={self.limit}&raw_json=1")
            self.sleep(self.interval)

    def _poll(self, listing: str, url: str) -> Iterator[RawItem]:
        try:
            result = fetch(url, self._headers())
        except OSError as error:
            logger.warning("Reddit %s poll failed: %s", listing, error)
            self.sleep(self.backoff.next_delay())
            return
        self.requests += 1
        self._respect_rate_limit(result)
        if result.status != 200:
            logger.warning("Reddit %s poll got HTTP %d", listing, result.status)
            if result.status == 429 or result.status >= 500:
                self.sleep(max(self.backoff.next_delay(), _reset_seconds(result)))
            return
        self.backoff.reset()
        try:
            page = orjson.loads(result.body)
            children = page["data"]["children"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            yield RawItem(result.body, "reddit", {"listing": listing})
            return
        watermark = self.state.get(listing, 0.0)
        fresh = [child for child in children if _created(child) >= watermark]
        for child in sorted(fresh, key=_created):
            yield RawItem(child, "reddit", {"listing": listing}, position=(listing, _created(child)))

    def _respect_rate_limit(self, result: HttpResult) -> None:
        remaining = _header_float(result, "X-Ratelimit-Remaining")
        if remaining is not None and remaining < self.min_remaining:
            wait = _reset_seconds(result)
            logger.info("Reddit rate limit reached; waiting %.0fs for the reset", wait)
            self.sleep(wait)

    def commit(self, position: Any) -> None:
        """Advance the listing's watermark."""
        listing, created = position
        if created > self.state.get(listing, 0.0):
            self.state[listing] = created
            self.mark_dirty()


def _created(child: Any) -> float:
    data = child.get("data") if isinstance(child, dict) else None
    created = data.get("created_utc") if isinstance(data, dict) else None
    return float(created) if isinstance(created, int | float) and not isinstance(created, bool) else 0.0


def _header_float(result: HttpResult, name: str) -> float | None:
    value = result.headers.get(name) if result.headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _reset_seconds(result: HttpResult) -> float:
    reset = _header_float(result, "X-Ratelimit-Reset") or _header_float(result, "Retry-After") or 60.0
    return max(0.0, min(reset, 900.0))
