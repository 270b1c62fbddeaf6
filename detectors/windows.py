"""One subject's statistics over one event-time window, with at-least-once delivery made harmless.

A :class:`WindowAccumulator` counts each post id once (Kafka redelivers records after a restart), and keeps what
both the detector (volume, negative share, sentiment, reach, distinct authors) and the explanation (terms,
hashtags, top posts and authors, sample posts, official replies) need. Memory is bounded per window except for
the post ids and authors, which a window of one subject holds anyway.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

from detectors.text import distinct_terms
from schemas.mention import Mention

__all__ = ["WindowAccumulator", "window_start"]

_VERSION = 1


def window_start(t: float, window_seconds: float) -> float:
    """The start of the aligned window (a multiple of ``window_seconds`` since the epoch) holding ``t``.

    >>> window_start(1767574859.9, 60.0), window_start(1767574860.0, 60.0)
    (1767574800.0, 1767574860.0)
    """
    return math.floor(t / window_seconds) * window_seconds


class WindowAccumulator:
    """Statistics of the mentions of one subject whose ``created_at`` falls in ``[start, end)``.

    Parameters
    ----------
    start, end
        The window, in epoch seconds.
    max_terms, max_hashtags
        Distinct terms and hashtags kept; past twice the limit the rarest are pruned (ties by name), so memory
        stays bounded while the frequent words of a surge, which arrive early and often, survive.
    max_tokenized
        Only the first this many mentions of the window are split into terms (the costly part of ``add``); term
        rates are per tokenized mention, so a burst stays cheap and its words are still measured.
    top_posts, samples
        How many posts by reach, and how many sample post ids, to keep.

    Examples
    --------
    >>> from schemas.mention import Mention, Sentiment
    >>> w = WindowAccumulator(0.0, 60.0)
    >>> bad = Sentiment("negative", -0.8)
    >>> w.add(Mention("x:1", "bri", "x", "u1", "BRImo error lagi", 5.0, reach=100, sentiment=bad))
    True
    >>> w.add(Mention("x:1", "bri", "x", "u1", "BRImo error lagi", 5.0, reach=100, sentiment=bad))
    False
    >>> w.add(Mention("x:2", "bri", "x", "u2", "transfer error", 9.0, reach=50))
    True
    >>> w.volume, w.negative, w.negative_share, w.distinct_authors, w.reach
    (2, 1, 1.0, 2, 150)
    >>> w.top_terms(1)
    [('error', 2)]
    >>> WindowAccumulator.from_dict(w.to_dict()).to_dict() == w.to_dict()
    True
    """

    __slots__ = (
        "_authors",
        "_hashtags",
        "_official",
        "_samples",
        "_seen",
        "_terms",
        "_top",
        "end",
        "max_hashtags",
        "max_terms",
        "max_tokenized",
        "negative",
        "reach",
        "sample_size",
        "sentiment_count",
        "sentiment_sum",
        "start",
        "tokenized",
        "top_posts_size",
        "volume",
    )

    def __init__(
        self,
        start: float,
        end: float,
        *,
        max_terms: int = 2000,
        max_hashtags: int = 500,
        max_tokenized: int = 1000,
        top_posts: int = 5,
        samples: int = 5,
    ) -> None:
        if not end > start:
            raise ValueError(f"window end {end!r} must be after its start {start!r}")
        self.start = start
        self.end = end
        self.max_terms = max_terms
        self.max_hashtags = max_hashtags
        self.max_tokenized = max_tokenized
        self.top_posts_size = top_posts
        self.sample_size = samples
        self.volume = 0
        self.negative = 0
        self.sentiment_sum = 0.0
        self.sentiment_count = 0
        self.reach = 0
        self.tokenized = 0
        self._seen: set[str] = set()
        # author id -> [posts, reach, handle]
        self._authors: dict[str, list[Any]] = {}
        self._terms: dict[str, int] = {}
        self._hashtags: dict[str, int] = {}
        # min-heap of (reach, post id, author, url): the largest ``top_posts`` by reach, ties by post id
        self._top: list[tuple[int, str, str, str | None]] = []
        # sample post ids: negative ones first, in arrival order
        self._samples: list[str] = []
        # the earliest official post: (created_at, post id, author handle or id, url)
        self._official: tuple[float, str, str, str | None] | None = None

    def add(self, mention: Mention) -> bool:
        """Count ``mention``; False (and nothing changes) when its post id was already counted here."""
        post_id = mention.post_id
        seen = self._seen
        if post_id in seen:
            return False
        seen.add(post_id)
        self.volume += 1
        reach = mention.reach
        self.reach += reach
        sentiment = mention.sentiment
        negative = False
        if sentiment is not None:
            self.sentiment_count += 1
            self.sentiment_sum += sentiment.score
            if sentiment.label == "negative":
                self.negative += 1
                negative = True
        author = mention.author_handle or mention.author_id
        entry = self._authors.get(mention.author_id)
        if entry is None:
            self._authors[mention.author_id] = [1, reach, author]
        else:
            entry[0] += 1
            entry[1] += reach
        if self.tokenized < self.max_tokenized:
            self.tokenized += 1
            counts = self._terms
            for term in distinct_terms(mention.text):  # posts using the term, in a stable order
                counts[term] = counts.get(term, 0) + 1
            if len(counts) > 2 * self.max_terms:
                self._terms = _prune(counts, self.max_terms)
        if mention.hashtags:
            tags = self._hashtags
            for tag in dict.fromkeys(tag.lstrip("#").lower() for tag in mention.hashtags):
                tags[tag] = tags.get(tag, 0) + 1
            if len(tags) > 2 * self.max_hashtags:
                self._hashtags = _prune(tags, self.max_hashtags)
        top = self._top
        if len(top) < self.top_posts_size:
            heapq.heappush(top, (reach, post_id, author, mention.url))
        elif (reach, post_id) > top[0][:2]:
            heapq.heapreplace(top, (reach, post_id, author, mention.url))
        samples = self._samples
        if len(samples) < self.sample_size:
            if negative:
                negatives = sum(1 for s in samples if s[0] == "1")
                samples.insert(negatives, "1" + post_id)
            else:
                samples.append("0" + post_id)
        elif negative and samples[-1][0] == "0":
            negatives = sum(1 for s in samples if s[0] == "1")
            samples.pop()
            samples.insert(negatives, "1" + post_id)
        if mention.official:
            candidate = (mention.created_at, post_id, author, mention.url)
            if self._official is None or candidate[:2] < self._official[:2]:
                self._official = candidate
        return True

    # Statistics -----------------------------------------------------------------------------------------------

    @property
    def negative_share(self) -> float | None:
        """Negative mentions among those with a sentiment; None without any."""
        return self.negative / self.sentiment_count if self.sentiment_count else None

    @property
    def sentiment_mean(self) -> float | None:
        """Mean sentiment score in [-1, 1]; None without any sentiment."""
        return self.sentiment_sum / self.sentiment_count if self.sentiment_count else None

    @property
    def distinct_authors(self) -> int:
        """How many different authors posted."""
        return len(self._authors)

    @property
    def term_counts(self) -> dict[str, int]:
        """Kept terms and how many tokenized posts use each (a read-only view by convention)."""
        return self._terms

    @property
    def hashtag_counts(self) -> dict[str, int]:
        """Kept hashtags (lower-case, no ``#``) and how many posts carry each."""
        return self._hashtags

    @property
    def official(self) -> dict[str, Any] | None:
        """The earliest official post of the window: post_id, author, url, time; None without one."""
        if self._official is None:
            return None
        created_at, post_id, author, url = self._official
        return {"post_id": post_id, "author": author, "url": url, "time": created_at}

    @property
    def sample_post_ids(self) -> list[str]:
        """A few post ids, negative posts first."""
        return [s[1:] for s in self._samples]

    def features(self) -> dict[str, Any]:
        """The detector's input for this window (see ``detectors.anomaly``)."""
        return {
            "volume": self.volume,
            "negative": self.negative,
            "negative_share": self.negative_share,
            "sentiment_mean": self.sentiment_mean,
            "reach": self.reach,
            "authors": len(self._authors),
        }

    def stats(self) -> dict[str, Any]:
        """The features plus the window bounds, for metrics and dashboards."""
        stats = self.features()
        stats["start"] = self.start
        stats["end"] = self.end
        return stats

    def top_terms(self, n: int = 10) -> list[tuple[str, int]]:
        """The ``n`` most frequent terms, ties by term."""
        return _top(self._terms, n)

    def top_hashtags(self, n: int = 10) -> list[tuple[str, int]]:
        """The ``n`` most frequent hashtags, ties by name."""
        return _top(self._hashtags, n)

    def top_posts(self) -> list[dict[str, Any]]:
        """The posts with the largest reach, largest first: post_id, author, reach, url."""
        return [
            {"post_id": post_id, "author": author, "reach": reach, "url": url}
            for reach, post_id, author, url in sorted(self._top, key=lambda p: (-p[0], p[1]))
        ]

    def top_authors(self, n: int = 5) -> list[dict[str, Any]]:
        """The ``n`` authors with most posts (then reach, then id): author, posts, reach."""
        ranked = heapq.nsmallest(n, self._authors.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
        return [{"author": entry[2], "posts": entry[0], "reach": entry[1]} for _, entry in ranked]

    def top_author_share(self, n: int = 5) -> float:
        """The share of posts written by the ``n`` most active authors (near 1 for a bot burst); 0 when empty."""
        if not self.volume:
            return 0.0
        return sum(heapq.nlargest(n, (entry[0] for entry in self._authors.values()))) / self.volume

    # State ------------------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready state (post ids sorted, so equal windows give equal dicts)."""
        return {
            "version": _VERSION,
            "start": self.start,
            "end": self.end,
            "limits": [self.max_terms, self.max_hashtags, self.max_tokenized, self.top_posts_size, self.sample_size],
            "volume": self.volume,
            "negative": self.negative,
            "sentiment": [self.sentiment_sum, self.sentiment_count],
            "reach": self.reach,
            "tokenized": self.tokenized,
            "seen": sorted(self._seen),
            "authors": {author: list(entry) for author, entry in self._authors.items()},
            "terms": dict(self._terms),
            "hashtags": dict(self._hashtags),
            "top": [list(p) for p in self._top],
            "samples": list(self._samples),
            "official": None if self._official is None else list(self._official),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> WindowAccumulator:
        """Restore a window saved by :meth:`to_dict`; ValueError for an unknown version."""
        if state.get("version") != _VERSION:
            raise ValueError(f"unsupported WindowAccumulator state version {state.get('version')!r}")
        max_terms, max_hashtags, max_tokenized, top_posts, samples = state["limits"]
        window = cls(state["start"], state["end"], max_terms=max_terms, max_hashtags=max_hashtags,
                     max_tokenized=max_tokenized, top_posts=top_posts, samples=samples)
        window.volume = state["volume"]
        window.negative = state["negative"]
        window.sentiment_sum, window.sentiment_count = state["sentiment"]
        window.reach = state["reach"]
        window.tokenized = state["tokenized"]
        window._seen = set(state["seen"])
        window._authors = {author: list(entry) for author, entry in state["authors"].items()}
        window._terms = dict(state["terms"])
        window._hashtags = dict(state["hashtags"])
        window._top = [(p[0], p[1], p[2], p[3]) for p in state["top"]]
        heapq.heapify(window._top)
        window._samples = list(state["samples"])
        official = state["official"]
        window._official = None if official is None else (official[0], official[1], official[2], official[3])
        return window


def _top(counts: dict[str, int], n: int) -> list[tuple[str, int]]:
    return heapq.nsmallest(n, counts.items(), key=lambda item: (-item[1], item[0]))


def _prune(counts: dict[str, int], keep: int) -> dict[str, int]:
    return dict(_top(counts, keep))
