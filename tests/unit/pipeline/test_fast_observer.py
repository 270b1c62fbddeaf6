"""FastObserver records exactly what prometheus_client's Histogram.observe records."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram

from pipeline.metrics import INGEST_EVENT_LAG, FastObserver

BOUNDS = INGEST_EVENT_LAG._kwargs["buckets"]
amounts = st.one_of(st.floats(allow_nan=True), st.sampled_from([*BOUNDS, 0.0, -0.0, -1.0, math.nextafter(60, 0)]),
                    st.integers(-10, 10**6))


def _samples(registry: CollectorRegistry) -> list[tuple[str, dict[str, str], str]]:
    return [(sample.name, sample.labels, repr(sample.value)) for metric in registry.collect()
            for sample in metric.samples if not sample.name.endswith("_created")]


@given(st.lists(amounts, max_size=30))
def test_fast_observations_are_the_histograms_own(observed: list[float]) -> None:
    reference, fast = CollectorRegistry(), CollectorRegistry()
    plain = Histogram("lag_seconds", "lag", ["source"], buckets=BOUNDS, registry=reference).labels("file")
    observer = FastObserver(Histogram("lag_seconds", "lag", ["source"], buckets=BOUNDS, registry=fast).labels("file"))
    for amount in observed:
        plain.observe(amount)
        observer.observe(amount)
    assert _samples(fast) == _samples(reference)
