"""One conformance suite for every detector class (STYLE.md, "For Siaga" §5; river/test_estimators.py pattern).

Each class is fed its own kind of input by a small adapter; the checks are the same for all: input unchanged,
parameters match the signature, a clone starts fresh, a to_dict/from_dict round trip gives the same next
outputs, the same seed gives the same outputs, and the state stays flat over 10k events.
"""

from __future__ import annotations

import copy
import inspect
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from detectors.anomaly import Assessment, CrisisDetector, SeasonalBaseline
from detectors.lifecycle import IncidentLifecycle

STEP = 300.0


def _window(i: int, rng: random.Random) -> tuple[float, dict[str, float | None]]:
    t = 4 * 86_400.0 + i * STEP
    hour = (t % 86_400.0) / 3600.0
    volume = float(max(0, round(rng.gauss(30 + 20 * math.sin(hour / 24 * 2 * math.pi), 6))))
    if rng.random() < 0.01:
        volume *= 8
    negative = float(round(volume * rng.uniform(0.05, 0.2)))
    return t, {"volume": volume, "negative": negative, "negative_share": negative / volume if volume else None,
               "sentiment_mean": rng.uniform(-0.2, 0.4) if volume else None, "reach": volume * 1000.0,
               "authors": float(round(volume * 0.8))}


@dataclass
class Adapter:
    """How to feed a class and read its output."""

    cls: type
    event: Callable[[int, random.Random], Any]
    step: Callable[[Any, Any], Any]  # (estimator, event) -> output, learning as the pipeline would


def _detector_event(i: int, rng: random.Random) -> tuple[float, dict]:
    return _window(i, rng)


def _detector_step(detector: CrisisDetector, event: tuple[float, dict]) -> Any:
    t, x = event
    assessment = detector.score_one(x, t)
    detector.learn_one(x, t)
    return assessment


def _baseline_event(i: int, rng: random.Random) -> tuple[float, float]:
    t, x = _window(i, rng)
    return t, x["volume"]


def _baseline_step(baseline: SeasonalBaseline, event: tuple[float, float]) -> Any:
    t, value = event
    z = baseline.score_one(value, t)
    baseline.learn_one(value, t)
    return z


def _lifecycle_event(i: int, rng: random.Random) -> tuple[Assessment, float]:
    return Assessment(score=rng.random() ** 3, threshold=0.5, critical_threshold=0.8), i * STEP


def _lifecycle_step(lifecycle: IncidentLifecycle, event: tuple[Assessment, float]) -> Any:
    assessment, t = event
    return lifecycle.update(assessment, t, t + STEP), lifecycle.state


ADAPTERS = [
    Adapter(CrisisDetector, _detector_event, _detector_step),
    Adapter(SeasonalBaseline, _baseline_event, _baseline_step),
    Adapter(IncidentLifecycle, _lifecycle_event, _lifecycle_step),
]


def _params(cls: type) -> dict[str, Any]:
    return cls._unit_test_params() if hasattr(cls, "_unit_test_params") else {"window_seconds": STEP}


def _events(adapter: Adapter, n: int, seed: int = 0) -> list[Any]:
    rng = random.Random(seed)
    return [adapter.event(i, rng) for i in range(n)]


def _run(adapter: Adapter, estimator: Any, events: list[Any]) -> list[Any]:
    return [adapter.step(estimator, event) for event in events]


@pytest.fixture(params=ADAPTERS, ids=lambda adapter: adapter.cls.__name__)
def adapter(request: pytest.FixtureRequest) -> Adapter:
    return request.param


def test_input_is_not_mutated(adapter: Adapter):
    estimator = adapter.cls(**_params(adapter.cls))
    events = _events(adapter, 600)
    frozen = copy.deepcopy(events)
    _run(adapter, estimator, events)
    assert events == frozen


def test_params_match_the_signature(adapter: Adapter):
    estimator = adapter.cls(**_params(adapter.cls))
    signature = inspect.signature(adapter.cls)
    takes_overrides = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
    for name, value in estimator._get_params().items():
        assert name in signature.parameters or takes_overrides, name
        if name in signature.parameters:
            assert getattr(estimator, name) == value
    assert adapter.cls(**estimator._get_params())._get_params() == estimator._get_params()


def test_a_clone_starts_fresh(adapter: Adapter):
    estimator = adapter.cls(**_params(adapter.cls))
    fresh = orjson.dumps(estimator.to_dict())
    _run(adapter, estimator, _events(adapter, 600))
    clone = estimator.clone()
    assert orjson.dumps(clone.to_dict()) == fresh
    assert orjson.dumps(estimator.to_dict()) != fresh


def test_round_trip_gives_the_same_next_outputs(adapter: Adapter):
    events = _events(adapter, 900)
    estimator = adapter.cls(**_params(adapter.cls))
    _run(adapter, estimator, events[:600])
    state = orjson.loads(orjson.dumps(estimator.to_dict()))
    assert isinstance(state["version"], int) and state["version"] >= 1
    restored = adapter.cls.from_dict(state)
    assert _run(adapter, restored, events[600:]) == _run(adapter, estimator, events[600:])
    with pytest.raises(ValueError):
        adapter.cls.from_dict({**state, "version": -1})


def test_same_seed_same_outputs(adapter: Adapter):
    params = _params(adapter.cls)
    if "seed" in inspect.signature(adapter.cls).parameters:
        params = {**params, "seed": 42}
    events = _events(adapter, 600)
    assert _run(adapter, adapter.cls(**params), events) == _run(adapter, adapter.cls(**params), events)


def test_state_stays_flat_over_10k_events(adapter: Adapter):
    estimator = adapter.cls(**_params(adapter.cls))
    events = _events(adapter, 10_000)
    _run(adapter, estimator, events[:2_000])
    early = len(orjson.dumps(estimator.to_dict()))
    _run(adapter, estimator, events[2_000:])
    late = len(orjson.dumps(estimator.to_dict()))
    assert late <= early * 1.05 + 64
