"""Scale benchmark: up to 10,000 subjects in the watchlist, two workers, a real broker on this machine.

For each configuration it writes a watchlist of N subjects and a stream in which every post names one subject,
Zipf-distributed (a few subjects are busy, most are quiet, as on a real watchlist), stamped as a live stream of
R posts per second of event time. It starts two ``siaga worker`` processes (mentions and subject state on four
partitions shared between them; posts on one partition, so the stream reaches the mentions in event-time order),
ingests the stream flat out and prints, per configuration: end-to-end posts/s (start of ingest until both
workers have consumed every mention), CPU per post, each worker's memory, the subjects it has closed windows for
(none when the stream spans less event time than a window plus the allowed lateness, two minutes) and the metric
series it exports, and how these grow with subjects and with the event rate. Figures only; nothing is asserted.

    python benchmarks/bench_scale.py [--posts 40000] [--subjects 100,1000,10000] [--rates 100,1000] [--seed 7]

The detectors spend a day of event time warming up before they may alert, and a day of 10,000 subjects is
14.4 million window closes: more than this machine replays in a benchmark's time. So these runs emit no crisis
event and measure no window-close-to-event delay at scale; ``bench_pipeline.py --rate`` measures that delay on
the 20-subject suite.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.processes import cpu_seconds, rss_mib  # noqa: E402
from pipeline.local_kafka import LocalKafka  # noqa: E402
from pipeline.runner import WorkerProcess, metric_total  # noqa: E402
from schemas.post import Author, Post  # noqa: E402
from tests.integration.stack import ingest_file, isolated_settings, start_worker  # noqa: E402

__all__ = ["main"]

_FILLER = ("error", "lemot", "tolong", "kenapa", "aplikasi", "lagi", "banget", "sudah", "down", "app", "please",
           "cs", "admin", "gimana", "nih", "terima", "kasih", "mantap", "promo", "cek")


@dataclass
class Run:
    """What one configuration measured."""

    subjects: int
    rate: float
    posts: int
    seconds: float
    cpu_per_post_us: float
    memory_mib: list[float]
    tracked: list[int]
    series: list[int]


def write_watchlist(path: Path, subjects: int) -> None:
    """A watchlist of ``subjects`` subjects, each recognised by one made-up brand word and hashtag."""
    lines = ['[defaults]\nsensitivity = "balanced"\n']
    for number in range(subjects):
        lines.append(f'[[subjects]]\nid = "merek-{number:05d}"\nname = "Merek {number:05d}"\n'
                     f'terms = ["merek{number:05d}"]\nhashtags = ["Merek{number:05d}"]\n')
    path.write_text("\n".join(lines))


def write_stream(path: Path, subjects: int, posts: int, rate: float, seed: int) -> None:
    """``posts`` posts naming Zipf-distributed subjects, ``1 / rate`` s of event time apart, ending now."""
    chooser = random.Random(seed)
    weights = [1.0 / (rank + 1) for rank in range(subjects)]
    named = chooser.choices(range(subjects), weights=weights, k=posts)
    start = time.time() - posts / rate
    with gzip.open(path, "wb") as out:
        for number, subject in enumerate(named):
            words = " ".join(chooser.choices(_FILLER, k=8))
            post = Post(f"x:{number}", "x", Author(f"x:u{chooser.randrange(posts)}"),
                        f"merek{subject:05d} {words}", start + number / rate)
            out.write(post.to_json() + b"\n")


def _series(text: str) -> int:
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def measure(kafka: LocalKafka, work: Path, subjects: int, rate: float, posts: int, seed: int) -> Run:
    """One configuration: a fresh watchlist, stream, topics and pair of workers."""
    case = work / f"s{subjects}-r{rate:.0f}"
    case.mkdir()
    write_watchlist(case / "watchlist.toml", subjects)
    write_stream(case / "posts.jsonl.gz", subjects, posts, rate, seed)
    settings = isolated_settings(kafka.bootstrap_servers, f"scale.s{subjects}.r{rate:.0f}", partitions=4,
                                 posts_partitions=1)
    env = {"SIAGA_WATCHLIST": str(case / "watchlist.toml")}
    workers: list[WorkerProcess] = []
    try:
        workers = [start_worker(settings, case, name=f"worker-{index}", **env) for index in range(2)]
        cpu_before = [cpu_seconds(worker.pid or 0) for worker in workers]
        started = time.perf_counter()
        summary = ingest_file(settings, case / "posts.jsonl.gz")
        counters = ["siaga_mentions_total", "siaga_mentions_consumed_total", "siaga_posts_processed_total"]
        while True:
            texts = [worker.metrics_text(counters) or "" for worker in workers]
            produced = sum(metric_total(text, "siaga_mentions_total") for text in texts)
            consumed = sum(metric_total(text, "siaga_mentions_consumed_total") for text in texts)
            processed = sum(metric_total(text, "siaga_posts_processed_total") for text in texts)
            if processed >= summary.published and consumed >= produced:
                break
            time.sleep(1.0)
        seconds = time.perf_counter() - started
        texts = [worker.metrics_text() or "" for worker in workers]
        cpu = sum(cpu_seconds(worker.pid or 0) - before for worker, before in zip(workers, cpu_before, strict=True))
        return Run(subjects, rate, summary.published, seconds, cpu / summary.published * 1e6,
                   [rss_mib(worker.pid or 0) for worker in workers],
                   [_tracked(text) for text in texts], [_series(text) for text in texts])
    finally:
        for worker in workers:
            worker.stop()


def _tracked(text: str) -> int:
    """Subjects a worker has closed windows for: those on the partitions it holds that were mentioned."""
    return sum(1 for line in text.splitlines()
               if line.startswith("siaga_windows_closed_total{") and not line.endswith(" 0.0"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=40_000, help="posts per configuration")
    parser.add_argument("--subjects", default="100,1000,10000", help="watchlist sizes, comma-separated")
    parser.add_argument("--rates", default="100,1000", help="posts per second of event time, comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = [int(value) for value in args.subjects.split(",")]
    rates = [float(value) for value in args.rates.split(",")]

    work = Path(tempfile.mkdtemp(prefix="siaga-bench-scale-"))
    kafka = LocalKafka(work / "kafka", port=None, stop_with_parent=True)
    kafka.start()
    try:
        print(f"{'subjects':>8} {'posts/s of':>10} {'posts':>7} {'end to end':>12} {'worker CPU':>11} "
              f"{'RSS per worker':>16} {'windows closed for':>20} {'series per worker':>18}")
        print(f"{'':>8} {'event time':>10} {'':>7} {'posts/s':>12} {'µs per post':>11} {'':>16} "
              f"{'(subjects)':>20}")
        for subjects in sizes:
            for rate in rates:
                run = measure(kafka, work, subjects, rate, args.posts, args.seed)
                print(f"{run.subjects:>8,} {run.rate:>10,.0f} {run.posts:>7,} {run.posts / run.seconds:>12,.0f} "
                      f"{run.cpu_per_post_us:>11,.0f} {' / '.join(f'{m:.0f} MiB' for m in run.memory_mib):>16} "
                      f"{' / '.join(f'{t:,}' for t in run.tracked):>20} "
                      f"{' / '.join(f'{s:,}' for s in run.series):>18}", flush=True)
    finally:
        kafka.stop()


if __name__ == "__main__":
    main()
