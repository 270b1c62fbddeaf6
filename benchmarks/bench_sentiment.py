"""Cost of scoring one post: language identification plus sentiment, as the enrich agent pays it.

Prints the median and 99th percentile in microseconds per post, per language and overall, and the
single-core throughput. Posts come from ``--file`` (JSONL with a ``text`` key, e.g. normalized posts) or, by
default, from a small built-in set of Indonesian, English and code-mixed posts. The scorer remembers the judgements
of recent texts; each pass starts without them, so a text repeated within a pass (a repost) is the only one served
from memory, as in a live stream. No assertions: compare runs.

    python benchmarks/bench_sentiment.py [--file posts.jsonl ...] [--model-dir DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections import defaultdict

import orjson

from detectors.sentiment import SentimentScorer

__all__ = ["main"]

BUILTIN_POSTS = [
    "Pelayanan @BankX lemot bgt, udah 3 hari gak ada respon 😡",
    "Makanannya enak banget, harganya juga terjangkau. Mantap!",
    "aplikasinya error terus pas mau transfer, kecewa parah",
    "Terima kasih min, masalahnya sudah beres 🙏",
    "Besok kantor cabang buka jam 9 pagi ya kak",
    "gak bakal beli lagi di sini, barangnya rusak dan CS-nya judes",
    "The app keeps crashing after the update, worst experience ever",
    "Thanks for the quick response, the issue is solved!",
    "Our store opens at 9am tomorrow",
    "anjir ini delivery telat 2 jam, no refund pula. worst service",
    "Kopinya so good, tempatnya cozy, recommended bgt",
    "harga naik lagi, rakyat makin susah",
    "Flight delayed again and nobody at the counter can explain why",
    "Sinyal ilang terus dari pagi, tolong dicek dong @provider",
    "Lumayan lah buat harga segitu, tapi porsinya kecil",
    "Keren parah konsernya semalam!!! 🔥🔥",
]


def _load(paths: list[str]) -> list[str]:
    texts = []
    for path in paths:
        with open(path, "rb") as handle:
            texts.extend(orjson.loads(line)["text"] for line in handle if line.strip())
    return texts


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", action="append", default=[], help="JSONL posts with a text key (repeatable)")
    parser.add_argument("--model-dir", default=None, help="a saved model (default: untrained rules)")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the posts")
    args = parser.parse_args()

    texts = _load(args.file) if args.file else BUILTIN_POSTS
    scorer = SentimentScorer.from_model_dir(args.model_dir)
    for text in texts:  # warm-up: load VADER, fill caches the way a running worker has them
        scorer.score(text)

    timings: dict[str, list[float]] = defaultdict(list)
    clock = time.perf_counter_ns
    gc.disable()
    started = clock()
    for _ in range(args.repeat):
        scorer.clear_cache()  # each pass judges every distinct text anew; a text repeated within it is remembered
        for text in texts:
            before = clock()
            result = scorer.score(text)
            timings[result.lang].append((clock() - before) / 1000.0)
    elapsed = (clock() - started) / 1e9
    gc.enable()

    everything = [t for values in timings.values() for t in values]
    print(f"posts: {len(texts)} x {args.repeat} passes, model: {args.model_dir or 'untrained rules'}")
    for name, values in [*sorted(timings.items()), ("all", everything)]:
        values = sorted(values)
        p99 = values[min(len(values) - 1, int(0.99 * len(values)))]
        print(f"{name:>5}: n={len(values):6d}  median {statistics.median(values):7.1f} us  p99 {p99:7.1f} us")
    print(f"throughput: {len(everything) / elapsed:,.0f} posts/s on one core")


if __name__ == "__main__":
    main()
