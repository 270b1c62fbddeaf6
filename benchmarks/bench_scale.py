"""Scale benchmark: up to 10,000 subjects in the watchlist, two workers (or one), a real broker on this machine.

For each configuration it writes a watchlist of N subjects and a stream in which every post names one subject,
Zipf-distributed (a few subjects are busy, most are quiet, as on a real watchlist), stamped as a live stream of
R posts per second of event time. Ten subjects spread over the Zipf ranks (the *surge subjects*) then have a
crisis: for two windows, four times their usual volume in complaints (at least five a second). It starts two
``siaga worker`` processes (``--workers``; mentions and subject state on four partitions shared between them; posts
on ``--posts-partitions``, one by default) and ingests the stream in two parts:

* the history, flat out: the subjects' warm-up, which measures throughput;
* then, once the workers have caught up, the last seconds before the surge, the surge and the windows that close
  it, paced live (a post ``t`` seconds of event time after the first is published ``t`` seconds later), which
  measures the window-close-to-event delay as a live deployment sees it rather than a backlog.

It prints, per configuration: end-to-end posts/s over the history (start of ingest until both workers have
consumed every mention), worker CPU per post over the whole stream, each worker's memory, the subjects it has
closed windows for and the metric series it exports, the crisis events (how many surge subjects alerted, and
events on other subjects), the window-close-to-event delay p50 and p99 of the live part (the workers'
``siaga_window_close_to_event_seconds`` histograms, summed), how long the workers took to drain after the
last live post (about a second, the poll, when they kept up) and the mentions that came too late for their window.
Figures only; nothing is asserted.

    python benchmarks/bench_scale.py [--posts 10000] [--subjects 100,1000,10000] [--rates 100,300] [--seed 7]
                                     [--workers 2] [--texts filler|simulated] [--surges 10] [--posts-partitions 1]

``--texts simulated`` gives the background posts the texts of a ``siaga simulate`` suite (Indonesian, English and
code-mixed, with slang and emoji, as the sentiment scorer meets them in production) instead of eight filler words,
so that CPU per post is that of real posts. With ``--subjects 20 --rates 5000 --surges 1`` it measures the spine's
targets (issue 2): throughput, and the close-to-event delay of a live stream of 5,000 posts/s.

Posts on one partition reach the mentions in event-time order however fast the history is replayed, but one
worker then matches and scores every post. ``--posts-partitions 4`` is the production topology (``SIAGA_PARTITIONS``
defaults to 4): both workers match and score. It suits rates at which the history replays at about live speed
(thousands of posts/s); at low rates the history replays many times faster than live, and the skew between
partitions would exceed the allowed lateness (the ``late`` column counts mentions that came too late to count).

``--posts`` is the history's size; at a high rate it is stretched to cover the warm-up. To fit a warm-up, a
surge and its closing in a benchmark's time the workers run 10-second windows with 10 seconds of allowed
lateness (production: 60 and 60), and the watchlist's ``[defaults.detector]`` gives every subject a 20-second
warm-up instead of a day. A window close costs the same whatever its length, so the delay is representative;
per post the workers close six times as many windows as with 1-minute windows, so CPU per post is pessimistic.
"""

from __future__ import annotations

import argparse
import gzip
import math
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_pipeline import histogram_quantile  # noqa: E402
from benchmarks.processes import cpu_seconds, rss_mib  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.ingest.file_ingest import ingest_paths  # noqa: E402
from pipeline.ingest.publisher import PostPublisher  # noqa: E402
from pipeline.local_kafka import LocalKafka  # noqa: E402
from pipeline.runner import WorkerProcess, metric_total  # noqa: E402
from schemas.post import Author, Post  # noqa: E402
from tests.integration.stack import crisis_events, ingest_file, isolated_settings, start_worker  # noqa: E402

__all__ = ["main"]

WINDOW_SECONDS = 10.0
LATENESS_SECONDS = 10.0
WARMUP_SECONDS = 20.0
LEAD_SECONDS = 2.0  # live stream before the surge
SURGE_SECONDS = 2 * WINDOW_SECONDS  # two windows (aligned): an incident opens on its second anomalous one
TAIL_SECONDS = LATENESS_SECONDS + 2.0  # the surge's last window closes in here
SURGE_SUBJECTS = 10
SURGE_FACTOR = 4.0  # surge volume over a subject's usual volume, at least ...
SURGE_MIN_PER_SECOND = 5.0  # ... this many complaints per second

_FILLER = ("info", "jadwal", "tolong", "kenapa", "aplikasi", "lagi", "banget", "sudah", "update", "app", "please",
           "cs", "admin", "gimana", "nih", "terima", "kasih", "mantap", "promo", "cek")
_COMPLAINTS = ("down lagi?? transfer gagal, saldo kepotong", "kecewa banget, uang hilang gak ada kejelasan",
               "gangguan parah, rugi, marah banget", "worst service ever, app is down again",
               "aplikasi lemot parah, kecewa", "error terus, kecewa, saldo hilang")
_HISTOGRAM = "siaga_window_close_to_event_seconds_bucket"
_BUCKET_LINE = re.compile(rf'^{_HISTOGRAM}\{{le="([^"]+)"\}} (\S+)$', re.MULTILINE)


@dataclass
class Run:
    """What one configuration measured."""

    subjects: int
    rate: float
    posts: int
    seconds: float
    history_posts: int
    cpu_per_post_us: float
    memory_mib: list[float]
    tracked: list[int]
    series: list[int]
    surges: int
    surge_alerted: int
    other_events: int
    delay_p50: float
    delay_p99: float
    delays: int
    drain_seconds: float
    late_mentions: int


@dataclass(frozen=True)
class Timeline:
    """Event time of one configuration's stream, in seconds from its first post."""

    history: float

    @property
    def surge(self) -> float:
        """Start of the surge."""
        return self.history + LEAD_SECONDS

    @property
    def end(self) -> float:
        """End of the stream."""
        return self.surge + SURGE_SECONDS + TAIL_SECONDS


def write_watchlist(path: Path, subjects: int) -> None:
    """A watchlist of ``subjects`` subjects, each recognised by one made-up brand word and hashtag."""
    lines = [f'[defaults]\nsensitivity = "balanced"\ndetector = {{ warmup_seconds = {WARMUP_SECONDS:g} }}\n']
    for number in range(subjects):
        lines.append(f'[[subjects]]\nid = "merek-{number:05d}"\nname = "Merek {number:05d}"\n'
                     f'terms = ["merek{number:05d}"]\nhashtags = ["Merek{number:05d}"]\n')
    path.write_text("\n".join(lines))


def surge_subjects(subjects: int, surges: int = SURGE_SUBJECTS) -> list[int]:
    """The subjects that have a crisis: spread evenly over the Zipf ranks, busy to quiet."""
    count = min(surges, subjects)
    return sorted({int(subjects * (index + 0.5) / count) for index in range(count)})


def stream(subjects: int, rate: float, timeline: Timeline, seed: int,
           texts: list[str] | None = None, surges: int = SURGE_SUBJECTS) -> Iterator[tuple[float, int, str]]:
    """(event time, subject, text) of every post in event-time order: Zipf background (eight filler words, or
    one of ``texts``), then the surges."""
    chooser = random.Random(seed)
    weights = [1.0 / (rank + 1) for rank in range(subjects)]
    share = {subject: weights[subject] / sum(weights) for subject in surge_subjects(subjects, surges)}
    posts: list[tuple[float, int, str]] = [(0.0, subject, "halo") for subject in share]  # history from the start
    background = int(timeline.end * rate)
    for number, subject in enumerate(chooser.choices(range(subjects), weights=weights, k=background)):
        words = chooser.choice(texts) if texts else " ".join(chooser.choices(_FILLER, k=8))
        posts.append((number / rate, subject, words))
    for subject, part in share.items():
        per_second = max(SURGE_MIN_PER_SECOND, SURGE_FACTOR * part * rate)
        for number in range(int(per_second * SURGE_SECONDS)):
            posts.append((timeline.surge + number / per_second, subject, chooser.choice(_COMPLAINTS)))
    posts.sort(key=lambda post: post[0])
    return iter(posts)


def write_streams(history: Path, live: Path, subjects: int, rate: float, timeline: Timeline, seed: int,
                  texts: list[str] | None = None, surges: int = SURGE_SUBJECTS) -> None:
    """Write the stream, ending by now, as two files: the history and the live part from just before the surge.

    The surge starts on a window boundary, so that it fills its windows.
    """
    start = time.time() - timeline.end
    start -= (start + timeline.surge) % WINDOW_SECONDS
    author_chooser = random.Random(seed + 1)
    with gzip.open(history, "wb") as early, gzip.open(live, "wb") as late:
        for number, (offset, subject, words) in enumerate(stream(subjects, rate, timeline, seed, texts, surges)):
            post = Post(f"x:{number}", "x", Author(f"x:u{author_chooser.randrange(1_000_000)}"),
                        f"merek{subject:05d} {words}", start + offset)
            (early if offset < timeline.history else late).write(post.to_json() + b"\n")


class LivePace:
    """A post sink that publishes each post when its event time comes round, as a live source would."""

    def __init__(self, sink: PostPublisher) -> None:
        self.sink, self.summary = sink, sink.summary
        self.origin: tuple[float, float] | None = None

    def received(self, count: int = 1) -> None:
        self.sink.received(count)

    def publish(self, post: Post, now: float | None = None) -> bool:
        if self.origin is None:
            self.origin = (post.created_at, time.perf_counter())
        delay = self.origin[1] + (post.created_at - self.origin[0]) - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        return self.sink.publish(post)

    def reject(self, *args: Any, **kwargs: Any) -> None:
        self.sink.reject(*args, **kwargs)


def buckets(texts: list[str]) -> dict[str, float]:
    """The close-to-event histogram's cumulative bucket counts, summed over workers."""
    summed: dict[str, float] = {}
    for text in texts:
        for bound, count in _BUCKET_LINE.findall(text):
            summed[bound] = summed.get(bound, 0.0) + float(count)
    return summed


def delay_quantiles(before: dict[str, float], after: dict[str, float]) -> tuple[float, float, int]:
    """p50, p99 and count of the delays observed between two bucket snapshots; a quantile past the last finite
    bucket is ``inf``."""
    text = "\n".join(f'{_HISTOGRAM}{{le="{bound}"}} {count - before.get(bound, 0.0)}'
                     for bound, count in after.items())
    top = max((float(bound) for bound in after if bound != "+Inf"), default=math.inf)
    p50, count = histogram_quantile(0.5, text)
    p99, _ = histogram_quantile(0.99, text)
    return (math.inf if p50 >= top else p50), (math.inf if p99 >= top else p99), count


def wait_until_consumed(workers: list[WorkerProcess], published: int) -> None:
    """Poll (once a second, a fast Prometheus) until both workers have consumed every post and mention."""
    counters = ["siaga_mentions_total", "siaga_mentions_consumed_total", "siaga_posts_processed_total"]
    while True:
        texts = [worker.metrics_text(counters) or "" for worker in workers]
        produced = sum(metric_total(text, "siaga_mentions_total") for text in texts)
        consumed = sum(metric_total(text, "siaga_mentions_consumed_total") for text in texts)
        processed = sum(metric_total(text, "siaga_posts_processed_total") for text in texts)
        if processed >= published and consumed >= produced:
            return
        time.sleep(1.0)


def surge_outcome(settings: Settings, workers: list[WorkerProcess], subjects: int,
                  surges: int = SURGE_SUBJECTS) -> tuple[int, int]:
    """How many surge subjects had an onset, and how many events other subjects had."""
    emitted = sum(metric_total(worker.metrics_text(["siaga_crisis_events_total"]) or "", "siaga_crisis_events_total")
                  for worker in workers)
    events = crisis_events(settings, until=lambda seen: len(seen) >= emitted, timeout=30.0) if emitted else []
    surging = {f"merek-{number:05d}" for number in surge_subjects(subjects, surges)}
    alerted = {event.subject for event in events if event.stage == "onset" and event.subject in surging}
    return len(alerted), sum(1 for event in events if event.subject not in surging)


def simulated_texts(work: Path, seed: int) -> list[str]:
    """The texts of a small ``siaga simulate`` suite (some 50,000 posts)."""
    suite = work / "texts"
    subprocess.run([sys.executable, "-m", "pipeline", "simulate", "--seed", str(seed), "--out", str(suite),
                    "--volume", "0.05"], check=True, stdout=subprocess.DEVNULL)
    with gzip.open(suite / "posts.jsonl.gz") as posts:
        return [orjson.loads(line)["text"] for line in posts if line.strip()]


def measure(kafka: LocalKafka, work: Path, subjects: int, rate: float, posts: int, seed: int, workers_count: int = 2,
            texts: list[str] | None = None, surges: int = SURGE_SUBJECTS, posts_partitions: int = 1) -> Run:
    """One configuration: a fresh watchlist, stream, topics and workers."""
    case = work / f"s{subjects}-r{rate:.0f}"
    case.mkdir()
    write_watchlist(case / "watchlist.toml", subjects)
    timeline = Timeline(history=max(posts / rate, WARMUP_SECONDS + WINDOW_SECONDS))
    write_streams(case / "history.jsonl.gz", case / "live.jsonl.gz", subjects, rate, timeline, seed, texts,
                  surges)
    settings = isolated_settings(kafka.bootstrap_servers, f"scale.s{subjects}.r{rate:.0f}", partitions=4,
                                 posts_partitions=posts_partitions)
    env = {"SIAGA_WATCHLIST": str(case / "watchlist.toml"), "SIAGA_WINDOW_SECONDS": f"{WINDOW_SECONDS:g}",
           "SIAGA_ALLOWED_LATENESS_SECONDS": f"{LATENESS_SECONDS:g}",
           "SIAGA_IDLE_CLOSE_SECONDS": "600"}  # the pause between the two parts must not close windows
    workers: list[WorkerProcess] = []
    try:
        workers = [start_worker(settings, case, name=f"worker-{index}", **env) for index in range(workers_count)]
        cpu_before = [cpu_seconds(worker.pid or 0) for worker in workers]
        started = time.perf_counter()
        history = ingest_file(settings, case / "history.jsonl.gz")
        wait_until_consumed(workers, history.published)
        seconds = time.perf_counter() - started
        before = buckets([worker.metrics_text([_HISTOGRAM]) or "" for worker in workers])
        with PostPublisher(settings, "file") as publisher:
            ingest_paths([case / "live.jsonl.gz"], LivePace(publisher))
        live_end = time.perf_counter()
        published = history.published + publisher.summary.published
        wait_until_consumed(workers, published)
        drain = time.perf_counter() - live_end
        p50, p99, delays = delay_quantiles(before, buckets([worker.metrics_text([_HISTOGRAM]) or ""
                                                            for worker in workers]))
        cpu = sum(cpu_seconds(worker.pid or 0) - used for worker, used in zip(workers, cpu_before, strict=True))
        alerted, others = surge_outcome(settings, workers, subjects, surges)
        texts = [worker.metrics_text() or "" for worker in workers]
        return Run(subjects, rate, published, seconds, history.published, cpu / published * 1e6,
                   [rss_mib(worker.pid or 0) for worker in workers], [_tracked(text) for text in texts],
                   [_series(text) for text in texts], min(surges, subjects), alerted, others, p50, p99, delays, drain,
                   int(sum(metric_total(text, "siaga_mentions_late_total") for text in texts)))
    finally:
        for worker in workers:
            worker.stop()


def _series(text: str) -> int:
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def _tracked(text: str) -> int:
    """Subjects a worker has closed windows for: those on the partitions it holds that were mentioned."""
    return sum(1 for line in text.splitlines()
               if line.startswith("siaga_windows_closed_total{") and not line.endswith(" 0.0"))


def _ms(seconds: float) -> str:
    return ">60,000" if seconds == math.inf else f"{seconds * 1000:,.0f}"


def _row(run: Run) -> str:
    delay = (f"{_ms(run.delay_p50)} / {_ms(run.delay_p99)} ms ({run.delays})" if run.delays else "no events")
    return (f"{run.subjects:>8,} {run.rate:>6,.0f} {run.posts:>8,} {run.history_posts / run.seconds:>9,.0f} "
            f"{run.cpu_per_post_us:>9,.0f} {' / '.join(f'{m:.0f}' for m in run.memory_mib):>11} "
            f"{' / '.join(f'{t:,}' for t in run.tracked):>15} {' / '.join(f'{s:,}' for s in run.series):>17} "
            f"{run.surge_alerted:>3}/{run.surges:<3} {run.other_events:>6} "
            f"{delay:>24} {run.drain_seconds:>6.0f} {run.late_mentions:>6,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000, help="posts of history per configuration")
    parser.add_argument("--subjects", default="100,1000,10000", help="watchlist sizes, comma-separated")
    parser.add_argument("--rates", default="100,300", help="posts per second of event time, comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="worker processes sharing the partitions")
    parser.add_argument("--texts", choices=("filler", "simulated"), default="filler",
                        help="background posts' texts: eight filler words, or a simulated suite's posts")
    parser.add_argument("--surges", type=int, default=SURGE_SUBJECTS, help="subjects that have a crisis")
    parser.add_argument("--posts-partitions", type=int, default=1,
                        help="partitions of siaga.posts (production default: 4, so both workers match and score)")
    args = parser.parse_args()
    sizes = [int(value) for value in args.subjects.split(",")]
    rates = [float(value) for value in args.rates.split(",")]

    work = Path(tempfile.mkdtemp(prefix="siaga-bench-scale-"))
    texts = simulated_texts(work, args.seed) if args.texts == "simulated" else None
    kafka = LocalKafka(work / "kafka", port=None, stop_with_parent=True)
    kafka.start()
    try:
        print(f"{'subjects':>8} {'posts/s':>6} {'posts':>8} {'history':>9} {'worker':>9} {'RSS (MiB)':>11} "
              f"{'windows closed':>15} {'series':>17} {'surge':>7} {'other':>6} {'close -> event':>24} "
              f"{'drain':>6} {'late':>6}")
        print(f"{'':>8} {'(event)':>6} {'':>8} {'posts/s':>9} {'µs/post':>9} {'per worker':>11} "
              f"{'for (subjects)':>15} {'per worker':>17} {'alerted':>7} {'events':>6} {'p50 / p99 (events)':>24} "
              f"{'(s)':>6} {'(ment.)':>6}")
        for subjects in sizes:
            for rate in rates:
                print(_row(measure(kafka, work, subjects, rate, args.posts, args.seed, args.workers, texts,
                                   args.surges, args.posts_partitions)),
                      flush=True)
    finally:
        kafka.stop()


if __name__ == "__main__":
    main()
