"""The evidence accumulator (a CUSUM of a Poisson log-likelihood ratio) on constructed counts."""

from __future__ import annotations

import math

import pytest

from detectors.anomaly.evidence import evidence_nats, evidence_step, evidence_z

PARAMS = {"ratio": 2.0, "floor": 0.5, "cap": 15.0}


def run(counts, expected=1.0, extra_variance=0.01):
    total, out = 0.0, []
    for count in counts:
        total = evidence_step(total, count, expected, extra_variance, **PARAMS)
        out.append(total)
    return out


def test_counts_at_their_expectation_leave_no_evidence():
    assert max(run([1, 0, 2, 1, 1, 0, 1, 2, 0, 1] * 50)) < 3.0


def test_a_persistent_excess_adds_up_and_a_return_to_normal_drains_it():
    sums = run([3] * 10 + [1] * 40)
    assert sums[9] > sums[4] > sums[0] > 0.0
    assert sums[-1] < sums[9] and sums[-1] == 0.0


def test_the_sum_is_capped_and_one_huge_window_adds_at_most_a_quarter_of_the_cap():
    assert run([1000])[0] == pytest.approx(0.25 * PARAMS["cap"])
    assert max(run([50] * 20)) == PARAMS["cap"]


def test_overdispersion_weakens_the_evidence_of_large_counts():
    calm = run([30] * 3, expected=20.0, extra_variance=0.01)[-1]
    bursty = run([30] * 3, expected=20.0, extra_variance=0.2)[-1]
    assert 0.0 <= bursty < calm


def test_a_zero_expectation_does_not_divide_by_zero():
    assert math.isfinite(run([2, 2], expected=0.0)[-1])


def test_nats_follow_the_window_length_and_z_the_square_root():
    assert evidence_nats(86_400.0, 60.0) > evidence_nats(86_400.0, 300.0) >= 1.0
    assert evidence_nats(1.0, 60.0) == 1.0
    assert evidence_z(9.0, 9.0) == 4.0 and evidence_z(36.0, 9.0) == 8.0
