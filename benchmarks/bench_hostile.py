"""Hostile-input benchmark: the 110,000-line corpus of tests/integration/test_hostile_input.py through file ingest.

Starts a local Kafka, writes the corpus (100,000 hostile lines, 10,000 valid posts), publishes it as
``siaga ingest file`` does in this process, and prints lines/s, the memory ingest held after a warm-up and at the
end (traced Python allocations and RSS, each measured once the producer's buffer had drained), the peak in between,
and how long reading both topics back took. Figures only; nothing is asserted.

    python benchmarks/bench_hostile.py [--seed 20260302] [--no-trace]

``--no-trace`` runs without tracemalloc (which slows every allocation) for the plain ingest rate; RSS is still shown.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ingest.file_ingest import ingest_paths  # noqa: E402
from pipeline.ingest.publisher import PostPublisher  # noqa: E402
from pipeline.local_kafka import LocalKafka  # noqa: E402
from tests.integration.stack import isolated_settings  # noqa: E402
from tests.integration.test_hostile_input import (  # noqa: E402
    WARM_UP_LINES,
    MemoryCheckpoints,
    hostile_corpus,
    read_all,
    write_corpus,
)


def _mb(size: float) -> str:
    return f"{size / 1e6:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument("--no-trace", action="store_true", help="do not run tracemalloc (faster; RSS only)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="siaga-bench-hostile-"))
    started = time.perf_counter()
    corpus = hostile_corpus(args.seed)
    path = work / "hostile.jsonl"
    size = write_corpus(corpus, path)
    print(f"corpus: {len(corpus.lines)} lines ({len(corpus.hostile)} hostile, {len(corpus.valid_ids)} valid, "
          f"{corpus.blank} blank), {_mb(size)}, built in {time.perf_counter() - started:.1f} s")
    for category, count in sorted(corpus.categories.items()):
        print(f"  {category:20} {count:7}")

    kafka = LocalKafka(work / "kafka", port=None, stop_with_parent=True)
    settings = isolated_settings(kafka.start(), "bench-hostile")
    try:
        if not args.no_trace:
            tracemalloc.start()
        started = time.perf_counter()
        with PostPublisher(settings, "file") as publisher:
            sink = MemoryCheckpoints(publisher, WARM_UP_LINES) if not args.no_trace else publisher
            summary = ingest_paths([path], sink)
            if isinstance(sink, MemoryCheckpoints):
                traced_end, rss_end = sink.settled()
                peak = tracemalloc.get_traced_memory()[1]
        elapsed = time.perf_counter() - started
        print(f"ingest: {summary.render()}")
        print(f"  {elapsed:.1f} s, {summary.read / elapsed:,.0f} lines/s, {size / elapsed / 1e6:.1f} MB/s")
        if isinstance(sink, MemoryCheckpoints):
            tracemalloc.stop()
            print(f"  traced: {_mb(sink.traced_at_warm_up)} after {WARM_UP_LINES} lines, {_mb(traced_end)} at the "
                  f"end ({_mb(traced_end - sink.traced_at_warm_up)} more), peak {_mb(peak)}")
            print(f"  RSS: {_mb(sink.rss_at_warm_up)} after the warm-up, {_mb(rss_end)} at the end")
        for topic in (settings.topics.posts, settings.topics.posts_dlq):
            started = time.perf_counter()
            values = read_all(settings, topic, timeout=300)
            print(f"read back {topic}: {len(values)} records in {time.perf_counter() - started:.1f} s")
    finally:
        kafka.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
