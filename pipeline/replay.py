"""Detection in-process, with no Kafka: the worker's path (enrich, windows, detectors) over files, by event time."""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from detectors.tracker import SubjectTracker
from pipeline.enrichment import Enricher
from pipeline.ingest.files import open_maybe_gzip, read_lines
from pipeline.windowing import closable_index
from schemas.crisis_event import CrisisEvent
from schemas.errors import SchemaError
from schemas.post import Post
from schemas.watchlist import Watchlist

__all__ = ["ReplayResult", "read_post_files", "replay_files", "replay_posts"]

logger = logging.getLogger(__name__)


@dataclass
class ReplayResult:
    """What a replay produced and counted."""

    events: list[CrisisEvent] = field(default_factory=list)
    posts: int = 0
    rejected: int = 0
    mentions: int = 0
    duplicates: int = 0
    late: int = 0
    elapsed_seconds: float = 0.0
    trackers: dict[str, SubjectTracker] = field(default_factory=dict)

    @property
    def posts_per_second(self) -> float:
        """Throughput of the replay."""
        return self.posts / self.elapsed_seconds if self.elapsed_seconds else 0.0


def read_post_files(paths: Iterable[Path], result: ReplayResult | None = None,
                    on_bytes: Callable[[int], None] | None = None) -> Iterator[Post]:
    """Valid posts from JSONL files (plain or gzip); invalid lines are counted in ``result.rejected`` and logged."""
    for path in paths:
        with open_maybe_gzip(Path(path)) as stream:
            for line in read_lines(stream):
                if on_bytes is not None:
                    on_bytes(line.size + 1)
                try:
                    yield Post.from_json(line.data)
                except SchemaError as error:
                    if result is not None:
                        result.rejected += 1
                    logger.debug("%s:%d rejected: %s", path, line.number, error)


def replay_posts(
    posts: Iterable[Post],
    watchlist: Watchlist,
    *,
    window_seconds: float = 60.0,
    allowed_lateness: float = 60.0,
    seed: int = 0,
    sensitivity: str | None = None,
    score_sentiment: bool = True,
    enricher: Enricher | None = None,
    on_event: Callable[[CrisisEvent], None] | None = None,
    result: ReplayResult | None = None,
) -> ReplayResult:
    """Run every post through enrichment, the per-subject trackers and the detectors, in arrival order.

    The watermark is the latest event time seen; windows close once it passes their end plus the allowed
    lateness, exactly as in the worker, and every window still open is closed at the end.
    """
    result = result if result is not None else ReplayResult()
    if sensitivity is not None:
        watchlist = Watchlist(tuple(replace(subject, sensitivity=sensitivity) for subject in watchlist.subjects))
    subjects = watchlist.by_id()
    enricher = enricher or Enricher(watchlist, score_sentiment=score_sentiment, recent_posts=0)
    trackers = result.trackers
    watermark = float("-inf")
    swept = -(2**62)
    started = time.perf_counter()

    def emit(events: list[CrisisEvent]) -> None:
        result.events.extend(events)
        if on_event is not None:
            for event in events:
                on_event(event)

    enrich, floor, counted = enricher.enrich, math.floor, Counter()
    try:
        for post in posts:
            result.posts += 1
            for mention in enrich(post):
                tracker = trackers.get(mention.subject_id)
                if tracker is None:
                    tracker = trackers[mention.subject_id] = SubjectTracker(
                        subjects[mention.subject_id], window_seconds=window_seconds,
                        allowed_lateness=allowed_lateness, seed=seed,
                    )
                counted[tracker.add(mention)] += 1
            created_at = post.created_at
            if created_at > watermark:
                watermark = created_at
                if created_at < math.inf:  # closable_index, inlined: this runs for nearly every post
                    boundary = floor((created_at - allowed_lateness) / window_seconds)
                else:
                    boundary = closable_index(created_at, window_seconds, allowed_lateness)
                if boundary > swept:
                    swept = boundary
                    for subject_id in sorted(trackers):
                        events = trackers[subject_id].advance(watermark)
                        if events:  # most minutes close windows that cause no event
                            emit(events)
    finally:
        result.mentions += counted["counted"]
        result.duplicates += counted["duplicate"]
        result.late += counted["late"]
    for subject_id in sorted(trackers):
        emit(trackers[subject_id].flush())
    result.elapsed_seconds += time.perf_counter() - started
    return result


def replay_files(
    paths: list[Path],
    watchlist: Watchlist,
    *,
    window_seconds: float = 60.0,
    allowed_lateness: float = 60.0,
    seed: int = 0,
    sensitivity: str | None = None,
    score_sentiment: bool = True,
    on_event: Callable[[CrisisEvent], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> ReplayResult:
    """:func:`replay_posts` over JSONL files of normalized posts."""
    result = ReplayResult()
    return replay_posts(
        read_post_files(paths, result, on_bytes), watchlist, window_seconds=window_seconds,
        allowed_lateness=allowed_lateness, seed=seed, sensitivity=sensitivity, score_sentiment=score_sentiment,
        on_event=on_event, result=result,
    )
