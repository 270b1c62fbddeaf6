"""End-to-end benchmark: a real Kafka broker, one worker process, file ingest of a simulated suite.

Prints sustained throughput (posts/s from the start of ingest until the worker has processed the last mention),
the ingest rate alone, the window-close-to-event delay (p50 and p99 from the worker's own histogram, as
Prometheus' histogram_quantile computes them) and the worker's memory. Figures only; nothing is asserted.

    python benchmarks/bench_pipeline.py [--volume 0.1] [--seed 7] [--partitions 1] [--rate POSTS_PER_S]
                                        [--live POSTS_PER_S]

Without ``--rate`` ingest runs flat out, which measures throughput; the delay then includes the backlog the
worker builds. With ``--rate`` below the worker's capacity, the delay is the pipeline's own latency.

The simulated suite is a week of history: replayed in a minute or two, every subject closes a window per minute
of *event time*, some 200,000 window closes for 100,000 posts, so the detectors' per-window cost sets the pace.
``--live N`` re-stamps the same posts (same order, texts, authors and subjects) as a live stream of N posts per
second of event time ending now, where windows close once a minute as in production: the per-post cost of the
pipeline at a sustained rate. The detectors are still warming up on such a stream, so it emits no events.
"""

from __future__ import annotations

import argparse
import gzip
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.processes import cpu_seconds, rss_mib  # noqa: E402
from pipeline.ingest.file_ingest import ingest_paths  # noqa: E402
from pipeline.ingest.publisher import PostPublisher  # noqa: E402
from pipeline.local_kafka import LocalKafka  # noqa: E402
from pipeline.runner import metric_total  # noqa: E402
from schemas.times import format_time  # noqa: E402
from tests.integration.stack import isolated_settings, start_worker  # noqa: E402

_BUCKET = re.compile(r'^siaga_window_close_to_event_seconds_bucket\{le="([^"]+)"\} (\S+)$', re.MULTILINE)


def histogram_quantile(quantile: float, text: str) -> tuple[float, int]:
    """The quantile of the close-to-event histogram by linear interpolation in its buckets, and the count."""
    buckets = sorted((float(le), float(count)) for le, count in _BUCKET.findall(text))
    total = buckets[-1][1] if buckets else 0.0
    if not total:
        return float("nan"), 0
    rank, previous_bound, previous_count = quantile * total, 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return previous_bound, int(total)
            share = (rank - previous_count) / (count - previous_count) if count > previous_count else 1.0
            return previous_bound + (bound - previous_bound) * share, int(total)
        previous_bound, previous_count = bound, count
    return previous_bound, int(total)


class Paced:
    """A post sink that holds publishing to a steady rate."""

    def __init__(self, sink: PostPublisher, rate: float) -> None:
        self.sink, self.interval, self.summary = sink, 1.0 / rate, sink.summary
        self.next = time.perf_counter()

    def received(self, count: int = 1) -> None:
        self.sink.received(count)

    def publish(self, post: Any, now: float | None = None) -> bool:
        self.next += self.interval
        delay = self.next - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        return self.sink.publish(post)

    def reject(self, *args: Any, **kwargs: Any) -> None:
        self.sink.reject(*args, **kwargs)


def restamp_as_live(source: Path, target: Path, rate: float) -> Path:
    """Write ``source``'s posts to ``target`` with ``created_at`` spaced ``1 / rate`` s apart, ending now."""
    with gzip.open(source) as posts:
        lines = [line for line in posts if line.strip()]
    start = time.time() - len(lines) / rate
    with target.open("wb") as out:
        for number, line in enumerate(lines):
            record = orjson.loads(line)
            record["created_at"] = format_time(start + number / rate)
            out.write(orjson.dumps(record) + b"\n")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volume", type=float, default=0.1, help="scale of the simulated suite (1.0 = 1M posts)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--rate", type=float, default=0.0, help="pace ingest at this many posts/s (0: flat out)")
    parser.add_argument("--live", type=float, default=0.0,
                        help="re-stamp the posts as a live stream of this many posts per second of event time")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="siaga-bench-"))
    suite = work / "suite"
    subprocess.run([sys.executable, "-m", "pipeline", "simulate", "--seed", str(args.seed), "--out", str(suite),
                    "--subjects", str(args.subjects), "--volume", str(args.volume)], check=True,
                   stdout=subprocess.DEVNULL)
    posts_file = suite / "posts.jsonl.gz"
    if args.live:
        posts_file = restamp_as_live(posts_file, work / "live.jsonl", args.live)
    kafka = LocalKafka(work / "kafka", port=None, stop_with_parent=True)
    settings = isolated_settings(kafka.start(), "bench", partitions=args.partitions)
    worker = start_worker(settings, work, SIAGA_WATCHLIST=str(suite / "watchlist.toml"))
    broker_pid = kafka.pid(1) or 0
    try:
        worker_cpu, broker_cpu = cpu_seconds(worker.pid or 0), cpu_seconds(broker_pid)
        ingest_cpu = time.process_time()
        started = time.perf_counter()
        with PostPublisher(settings, "file") as publisher:
            ingest_paths([posts_file], Paced(publisher, args.rate) if args.rate else publisher)
        ingested = time.perf_counter() - started
        ingest_cpu = time.process_time() - ingest_cpu
        published = publisher.summary.published
        while True:
            text = worker.metrics_text() or ""
            processed = metric_total(text, "siaga_posts_processed_total")
            mentions, consumed = (metric_total(text, "siaga_mentions_total"),
                                  metric_total(text, "siaga_mentions_consumed_total"))
            if processed >= published and consumed >= mentions:
                break
            time.sleep(1.0)  # a scrape costs the worker some 30 ms of CPU: poll like a fast Prometheus, not faster
        elapsed = time.perf_counter() - started
        worker_cpu, broker_cpu = cpu_seconds(worker.pid or 0) - worker_cpu, cpu_seconds(broker_pid) - broker_cpu
        p50, count = histogram_quantile(0.5, text)
        p99, _ = histogram_quantile(0.99, text)
        events = metric_total(text, "siaga_crisis_events_total")
        paced = f", paced at {args.rate:,.0f} posts/s" if args.rate else ", flat out"
        if args.live:
            paced += f", live stream of {args.live:,.0f} posts/s of event time"
        else:
            paced += ", a week of history"
        print(f"posts                      {published:,} ({int(mentions):,} mentions, {args.partitions} partition(s)"
              f"{paced})")
        print(f"ingest (beside the worker) {published / ingested:,.0f} posts/s ({ingested:.1f} s)")
        print(f"end to end                 {published / elapsed:,.0f} posts/s ({elapsed:.1f} s, ingest start to "
              "last mention processed)")
        print(f"crisis events              {events:.0f}")
        print(f"window close -> event      p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms ({count} events)")
        print(f"CPU per post               worker {worker_cpu / published * 1e6:.0f} µs, broker "
              f"{broker_cpu / published * 1e6:.0f} µs, ingest {ingest_cpu / published * 1e6:.0f} µs "
              f"({worker_cpu + broker_cpu + ingest_cpu:.0f} CPU-s over {elapsed:.0f} s on 2 cores)")
        print(f"worker memory (RSS)        {rss_mib(worker.pid or 0):.0f} MiB")
    finally:
        worker.stop()
        kafka.stop()


if __name__ == "__main__":
    main()
