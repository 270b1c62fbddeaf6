"""The default suite's plan: every kind, 0-2 crises and 1-2 bursts per subject-week, warm-up, spacing."""

from __future__ import annotations

import random
from collections import Counter
from itertools import pairwise

import numpy as np

from pipeline.simulate import BENIGN_KINDS, CRISIS_KINDS, SuiteSpec, plan
from pipeline.simulate.scenarios import episode_curve

DEFAULT = SuiteSpec(seed=7)


def test_default_suite_holds_every_crisis_kind() -> None:
    _, episodes = plan(DEFAULT)
    kinds = Counter(e.kind for e in episodes if e.is_crisis)
    assert set(kinds) == set(CRISIS_KINDS)
    assert {e.kind for e in episodes if not e.is_crisis} <= set(BENIGN_KINDS)


def test_crises_and_bursts_per_subject_week_and_warm_up() -> None:
    for seed in range(5):
        subjects, episodes = plan(SuiteSpec(seed=seed))
        assert len(subjects) == 20
        for subject in subjects:
            mine = sorted((e for e in episodes if e.subject == subject.id), key=lambda e: e.start)
            assert sum(e.is_crisis for e in mine) <= 2
            assert 1 <= sum(not e.is_crisis for e in mine) <= 2
            assert all(e.start >= 2 * 1440 and e.end <= DEFAULT.minutes for e in mine)
            assert all(a.end <= b.start for a, b in pairwise(mine))


def test_curves_have_their_kind_shape() -> None:
    rng = random.Random(4)
    outage, _ = episode_curve("outage", 2.0, rng)
    defect, _ = episode_curve("product_defect", 2.0, rng)
    hoax, seed_minutes = episode_curve("hoax", 2.0, rng)
    assert int(np.argmax(outage >= 0.9 * outage.max())) <= 10
    assert int(np.argmax(defect >= 0.9 * defect.max())) >= 100
    assert seed_minutes >= 30 and hoax[:seed_minutes].max() < 1.0 < hoax.max()
