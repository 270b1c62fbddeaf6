"""Accumulated evidence of a sustained excess in a count: a CUSUM of a Poisson log-likelihood ratio.

One window that is 4 sigma above its expectation is rare; a crisis that starts slowly gives many windows that are
each a little above it. :func:`evidence_step` adds each window's log-likelihood ratio of "the count runs at
``ratio`` times its expectation plus ``floor`` extra" against "it runs at its expectation" to a running sum that
never goes below 0 (Page's CUSUM). The sum grows only while the excess persists, and a window at or below the
expectation pulls it back down.

Counts in social media are overdispersed (bursty) beyond Poisson noise. With a log-space extra variance ``v``,
the count's variance is about ``mu + v * mu**2``, so each window's log-likelihood ratio is divided by
``1 + v * mu`` (the quasi-likelihood of an overdispersed count): a large, bursty count needs a larger excess,
a small, steady count is read as the Poisson count it is.

By Wald's bound, a CUSUM that alarms at ``h`` nats raises on average at most one false alarm every ``e**h``
windows when the model holds; :func:`evidence_nats` turns a mean time between false alarms (seconds) into ``h``
for a window length, so a setting does not depend on the window size.

>>> total = 0.0
>>> for count in (3, 4, 3, 5, 4):
...     total = evidence_step(total, count, 1.0, 0.05, ratio=2.0, floor=0.2, cap=50.0)
>>> round(total, 2)
8.55
>>> evidence_step(total, 0, 1.0, 0.05, ratio=2.0, floor=0.2, cap=50.0) < total
True
>>> evidence_step(0.0, 1, 1.0, 0.05, ratio=2.0, floor=0.2, cap=50.0)
0.0
"""

from __future__ import annotations

import math

__all__ = ["evidence_nats", "evidence_step", "evidence_z"]

_Z_AT_THRESHOLD = 4.0  # the detector's threshold z (score 0.5)


def evidence_nats(false_alarm_seconds: float, window_seconds: float) -> float:
    """The CUSUM level ``h = ln(false_alarm_seconds / window_seconds)`` (at least 1 nat).

    >>> round(evidence_nats(30 * 86_400.0, 60.0), 2), round(evidence_nats(30 * 86_400.0, 300.0), 2)
    (10.67, 9.06)
    """
    return max(1.0, math.log(false_alarm_seconds / window_seconds))


def evidence_step(
    total: float, count: float, expected: float, extra_variance: float, *, ratio: float, floor: float, cap: float,
) -> float:
    """The evidence sum (nats) after one more window holding ``count``.

    ``expected`` is the count the window should hold, ``floor`` the smallest extra count per window that the
    alternative assumes, and the sum is capped at ``cap`` so that evidence stops counting once it is
    overwhelming (an incident that has ended then closes in a bounded time).
    """
    mu0 = expected if expected > 0.1 * floor else 0.1 * floor
    mu1 = ratio * mu0 + floor
    llr = (count * math.log(mu1 / mu0) - (mu1 - mu0)) / (1.0 + extra_variance * mu0)
    limit = 0.25 * cap  # heavy tails: one window adds at most a quarter of the cap
    total += llr if llr < limit else limit
    return 0.0 if total <= 0.0 else total if total < cap else cap


def evidence_z(total: float, nats: float) -> float:
    """The z value the detector gives an evidence sum: 4 (its threshold) at ``nats``, growing as its root.

    >>> evidence_z(10.0, 10.0), evidence_z(40.0, 10.0), evidence_z(0.0, 10.0)
    (4.0, 8.0, 0.0)
    """
    return _Z_AT_THRESHOLD * math.sqrt(total / nats) if total > 0.0 else 0.0
