"""How fast the crisis detector scores and learns a window, and how big one subject's state is.

Run: ``.venv/bin/python benchmarks/bench_detectors.py``. Prints numbers, asserts nothing.
"""

from __future__ import annotations

import math
import random
import time

import orjson

from detectors.anomaly import CrisisDetector
from detectors.lifecycle import IncidentLifecycle

DAY = 86_400.0


def windows(n: int, step: float, full: bool, seed: int = 0) -> list[tuple[float, dict]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        t = 4 * DAY + i * step
        volume = float(max(0, round(rng.gauss(40 + 30 * math.sin(t / DAY * 2 * math.pi), 7))))
        x: dict[str, float | None] = {"volume": volume}
        if full:
            negative = float(round(volume * 0.1))
            x.update(negative=negative, negative_share=negative / volume if volume else None,
                     sentiment_mean=0.2 if volume else None, reach=volume * 900.0, authors=volume * 0.9)
        out.append((t, x))
    return out


def bench(label: str, full: bool, step: float = 60.0, n: int = 20_000) -> None:
    detector = CrisisDetector(window_seconds=step)
    lifecycle = IncidentLifecycle()
    data = windows(n, step, full)
    start, cpu = time.perf_counter(), time.process_time()
    for t, x in data:
        assessment = detector.score_one(x, t)
        lifecycle.update(assessment, t, t + step)
        if not lifecycle.in_incident:
            detector.learn_one(x, t)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    state = orjson.dumps(detector.to_dict())
    lifecycle_state = orjson.dumps(lifecycle.to_dict())
    print(f"{label:<28} {n / cpu:>8,.0f} windows/s scored+learned per CPU second ({cpu / n * 1e6:6.1f} us/window, "
          f"wall {elapsed / n * 1e6:6.1f} us)  "
          f"state {len(state):>6,} B detector + {len(lifecycle_state)} B lifecycle per subject")


if __name__ == "__main__":
    bench("volume only, 1-min windows", full=False)
    bench("all signals, 1-min windows", full=True)
    bench("all signals, 5-min windows", full=True, step=300.0)
