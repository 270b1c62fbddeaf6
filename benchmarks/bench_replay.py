"""How fast ``siaga replay`` runs (file reading, validation, matching, windows, detectors), and memory per subject.

Run: ``.venv/bin/python benchmarks/bench_replay.py [--suite DIR] [--posts N] [--runs 3]``. Without ``--suite`` it
generates (once, then reuses) a simulated suite of 20 subjects over one week with ``siaga simulate``'s code, and
replays its first ``--posts`` posts. Prints medians of ``--runs`` runs, per wall-clock second and per CPU second
(the CPU figure is the steadier one on a shared machine). Asserts nothing.

The default 300,000 posts span 2.7 days of that suite, so the detectors score (and explain) for the 1.7 days after
their one-day warm-up. Fewer than about 115,000 posts stay inside the warm-up and measure no scoring at all.

Three figures, for three ways of treating sentiment:

* ``sentiment pre-scored``, the one the 30,000 posts/s target applies to: every distinct text is scored once
  *before* the timing, and the replay's enricher looks the judgement up, so every detector sees sentiment
  (negative share, tone) exactly as in ``siaga replay`` while the scoring itself is excluded;
* ``no sentiment``: ``siaga replay --no-sentiment``, where the negative-share and tone signals stay empty;
* ``sentiment scored``: ``siaga replay`` as it runs, scoring included.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import cast

import orjson

from detectors.sentiment import Sentiment, SentimentScorer
from pipeline.enrichment import Enricher
from pipeline.replay import ReplayResult, read_post_files, replay_posts
from pipeline.simulate import SuiteSpec, write_suite
from schemas.watchlist import Watchlist, load_watchlist

__all__ = ["main"]

TARGET = 30_000


def prepare(suite: Path | None, posts: int) -> tuple[Path, Watchlist]:
    """The posts file to replay (the suite's first ``posts`` posts, uncompressed, cached) and its watchlist."""
    if suite is None:
        suite = Path(tempfile.gettempdir()) / "siaga-bench-replay-suite"
        if not (suite / "truth.json").exists():
            print(f"generating a 20-subject, 1-week suite in {suite} (about a minute)...", flush=True)
            write_suite(suite, SuiteSpec(seed=1, subjects=20, weeks=1))
    truth = orjson.loads((suite / "truth.json").read_bytes())
    source = suite / truth["files"][0]
    prefix = suite / f"bench-first-{posts}.jsonl"
    if not prefix.exists():
        opener = gzip.open if source.suffix == ".gz" else open
        with opener(source, "rb") as lines, prefix.open("wb") as out:
            for number, line in enumerate(lines):
                if number >= posts:
                    break
                out.write(line)
    return prefix, load_watchlist(suite / truth.get("watchlist", "watchlist.toml"))


class PrescoredSentiment:
    """A scorer that looks up judgements made before the timing: a replay with it measures all but the scoring."""

    def __init__(self, path: Path) -> None:
        scorer = SentimentScorer()
        self._judged: dict[str, Sentiment] = {}
        for post in read_post_files([path]):
            if post.text not in self._judged:
                self._judged[post.text] = scorer.score(post.text)
        #: The judgement of a text made beforehand: the dict's own lookup, so the harness adds no call of its own.
        self.score: Callable[[str], Sentiment] = self._judged.__getitem__


#: How each figure treats sentiment: a scorer for the enricher (None: no sentiment), or "score" to score it.
Mode = PrescoredSentiment | str | None


def replay(path: Path, watchlist: Watchlist, mode: Mode) -> ReplayResult:
    """One in-process replay of ``path``, as ``siaga replay`` runs it, with sentiment treated as ``mode`` says."""
    result = ReplayResult()
    if mode == "score":
        enricher = Enricher(watchlist, recent_posts=0)
    else:
        enricher = Enricher(watchlist, cast(SentimentScorer | None, mode), score_sentiment=mode is not None,
                            recent_posts=0)
    return replay_posts(read_post_files([path], result), watchlist, enricher=enricher, result=result)


def timed(path: Path, watchlist: Watchlist, mode: Mode) -> tuple[float, float, ReplayResult]:
    """One replay: posts per wall-clock second, posts per CPU second, and the result."""
    gc.collect()
    cpu = time.process_time()
    result = replay(path, watchlist, mode)
    cpu = time.process_time() - cpu
    return result.posts_per_second, result.posts / cpu, result


def throughput(label: str, path: Path, watchlist: Watchlist, mode: Mode, runs: int,
               target: bool = False) -> ReplayResult:
    """Print the median throughput of ``runs`` replays; returns the last result."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, result = timed(path, watchlist, mode)
        walls.append(wall)
        cpus.append(cpu)
    met = "met" if statistics.median(cpus) >= TARGET else "NOT met"
    verdict = f"  (target {TARGET:,}: {met})" if target else ""
    print(f"{label:<22} {statistics.median(cpus):>8,.0f} posts/CPU-s  {statistics.median(walls):>8,.0f} posts/wall-s  "
          f"median of {runs}; runs (CPU) {', '.join(f'{c:,.0f}' for c in cpus)}{verdict}")
    print(f"{'':<22} {result.posts:,} posts, {result.mentions:,} mentions, {len(result.trackers)} subjects, "
          f"{sum(t.closed_windows for t in result.trackers.values()):,} windows closed, {len(result.events)} events")
    return result


def memory(path: Path, watchlist: Watchlist, mode: Mode, result: ReplayResult) -> None:
    """Heap held by the trackers after a replay (tracemalloc), and their serialized state, per subject."""
    subjects = len(result.trackers)
    sizes = sorted(len(orjson.dumps(tracker.to_dict())) for tracker in result.trackers.values())
    gc.collect()
    tracemalloc.start()
    traced = replay(path, watchlist, mode)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    traced.trackers.clear()
    gc.collect()
    freed = held - tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(f"memory per subject     {freed / subjects / 1024:>8,.1f} KiB heap (tracemalloc, {subjects} subjects)  "
          f"state {statistics.median(sizes) / 1024:,.1f} KiB median, {sizes[-1] / 1024:,.1f} KiB max "
          f"(orjson of tracker.to_dict())")


def main() -> None:
    """Parse arguments and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=None, help="A simulated suite (default: generate one).")
    parser.add_argument("--posts", type=int, default=300_000, help="Replay the suite's first this many posts.")
    parser.add_argument("--runs", type=int, default=3, help="Runs per figure; the median is printed.")
    args = parser.parse_args()
    path, watchlist = prepare(args.suite, args.posts)
    prescored = PrescoredSentiment(path)
    result = throughput("sentiment pre-scored", path, watchlist, prescored, args.runs, target=True)
    throughput("no sentiment", path, watchlist, None, args.runs)
    throughput("sentiment scored", path, watchlist, "score", args.runs)
    memory(path, watchlist, prescored, result)


if __name__ == "__main__":
    main()
