"""Crises and benign bursts: their kinds, volume curves and when they happen in a suite.

Each episode is a per-minute curve of extra mentions for one subject, on top of its everyday traffic:

* ``outage``: a service goes down; complaints surge within minutes, stay high for an hour or two, then fade.
* ``product_defect``: a defect or recall; complaints build slowly over hours.
* ``data_breach``: leaked customer data; builds within the hour and lasts most of a day.
* ``executive_misconduct``: a scandal about the leadership; builds over an hour or two.
* ``hoax``: disinformation; a handful of accounts post it first, then it spreads.
* ``bot_burst``: many posts from few accounts (a coordinated smear).

Benign bursts are as loud but must not page anyone: ``product_launch``, ``sports_match``, ``viral_positive`` and
``holiday``. All times are minutes from the start of the suite.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

__all__ = ["BENIGN_KINDS", "CRISIS_KINDS", "Episode", "episode_curve", "schedule"]

CRISIS_KINDS: tuple[str, ...] = ("outage", "product_defect", "data_breach", "executive_misconduct", "hoax",
                                 "bot_burst")
BENIGN_KINDS: tuple[str, ...] = ("product_launch", "sports_match", "viral_positive", "holiday")

# kind -> (peak multiple of the subject's peak rate, minimum peak per minute, rise, plateau, decay in minutes
# as (low, high) ranges, and the WIB hours an episode may start in).
_SHAPES: dict[str, tuple[float, float, tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "outage": (8.0, 25.0, (3, 8), (30, 120), (40, 90), (0, 23)),
    "product_defect": (3.0, 8.0, (120, 300), (60, 180), (90, 150), (7, 18)),
    "data_breach": (5.0, 15.0, (20, 60), (90, 180), (120, 240), (6, 20)),
    "executive_misconduct": (4.0, 12.0, (60, 120), (90, 180), (120, 240), (7, 20)),
    "hoax": (5.0, 15.0, (30, 90), (60, 150), (90, 180), (6, 21)),
    "bot_burst": (2.0, 15.0, (2, 5), (30, 90), (1, 3), (0, 23)),
    "product_launch": (4.0, 15.0, (20, 40), (60, 180), (60, 120), (9, 15)),
    "sports_match": (5.0, 20.0, (5, 15), (90, 120), (20, 40), (18, 20)),
    "viral_positive": (3.0, 12.0, (60, 120), (60, 120), (120, 240), (8, 20)),
    "holiday": (2.0, 8.0, (60, 120), (360, 600), (120, 180), (5, 7)),
}
_HOAX_SEED_MINUTES = (30, 90)
_GAP_MINUTES = 6 * 60
_WIB_MINUTES = 7 * 60


@dataclass(frozen=True, slots=True)
class Episode:
    """One crisis or benign burst of one subject, with its expected extra mentions per minute."""

    subject: str
    kind: str
    start: int
    rates: np.ndarray
    seed_minutes: int = 0
    """For a hoax: how many minutes only the seed accounts post before it spreads."""

    @property
    def is_crisis(self) -> bool:
        """True for crisis kinds, False for benign bursts."""
        return self.kind in CRISIS_KINDS

    @property
    def end(self) -> int:
        """The minute after the last one with extra mentions."""
        return self.start + len(self.rates)


def episode_curve(kind: str, peak_rate: float, rng: random.Random, volume: float = 1.0) -> tuple[np.ndarray, int]:
    """Expected extra mentions per minute for an episode of ``kind``, and its seed phase length (hoax only).

    The peak is a multiple of the subject's ``peak_rate`` with a floor (scaled by ``volume``), so that a
    crisis of a quiet subject still stands out, times a severity: crises range from faint (0.3) to loud (1.2),
    benign bursts are always loud (0.8 to 1.3).

    >>> curve, _ = episode_curve("outage", 2.0, random.Random(0))
    >>> bool(curve[:10].argmax() < 10 and curve.max() >= 0.3 * 25.0)
    True
    """
    multiple, floor, rise, plateau, decay, _ = _SHAPES[kind]
    severity = rng.uniform(0.3, 1.2) if kind in CRISIS_KINDS else rng.uniform(0.8, 1.3)
    peak = max(multiple * peak_rate, floor * volume) * severity
    rise_n, plateau_n, decay_n = (rng.randint(*rise), rng.randint(*plateau), rng.randint(*decay))
    up = peak * (np.arange(1, rise_n + 1) / rise_n) ** (2.0 if kind == "product_defect" else 1.0)
    flat = peak * (1.0 + 0.1 * np.sin(np.arange(plateau_n) / 7.0))
    down = peak * np.exp(-3.0 * np.arange(1, decay_n + 1) / decay_n)
    parts = [up, flat, down]
    seed_n = 0
    if kind == "hoax":
        seed_n = rng.randint(*_HOAX_SEED_MINUTES)
        parts.insert(0, np.full(seed_n, rng.uniform(0.3, 0.8)))
    return np.concatenate(parts), seed_n


def _start_minute(kind: str, day: int, rng: random.Random, first_minute_wib: int) -> int:
    low, high = _SHAPES[kind][5]
    local = day * 1440 + rng.randint(low * 60, high * 60 + 59)
    return local - first_minute_wib


def schedule(subjects: list[tuple[str, float]], minutes: int, start_wib_minute: int,
             rng: random.Random, warmup_days: int = 2, volume: float = 1.0) -> list[Episode]:
    """Place 0-2 crises and 1-2 benign bursts per subject per week, apart from each other and after warm-up.

    ``subjects`` are (id, peak rate) pairs; ``start_wib_minute`` is the WIB minute of day the suite starts at;
    ``volume`` scales the episodes' minimum peaks.
    Crisis kinds are dealt round-robin from a shuffled deck so that a suite with six or more crises holds
    every kind. Returns episodes sorted by start, then subject.
    """
    weeks = max(1, round(minutes / 10080))
    deck = list(CRISIS_KINDS)
    rng.shuffle(deck)
    dealt = 0
    episodes: list[Episode] = []
    for subject_id, peak_rate in subjects:
        wanted: list[str] = []
        for _ in range(weeks):
            wanted += ["crisis"] * rng.choice((0, 1, 1, 1, 2, 2)) + ["benign"] * rng.choice((1, 1, 2))
        placed: list[tuple[int, int]] = []
        for slot in wanted:
            kind = deck[dealt % len(deck)] if slot == "crisis" else rng.choice(BENIGN_KINDS)
            curve, seed_n = episode_curve(kind, peak_rate, rng, volume)
            for _ in range(60):
                day = rng.randint(warmup_days, (minutes + start_wib_minute) // 1440)
                begin = _start_minute(kind, day, rng, start_wib_minute)
                end = begin + len(curve)
                if begin >= warmup_days * 1440 - start_wib_minute and end <= minutes and all(
                    end + _GAP_MINUTES <= other_start or begin >= other_end + _GAP_MINUTES
                    for other_start, other_end in placed
                ):
                    placed.append((begin, end))
                    episodes.append(Episode(subject_id, kind, begin, curve, seed_n))
                    dealt += slot == "crisis"
                    break
    episodes.sort(key=lambda episode: (episode.start, episode.subject, episode.kind))
    return episodes
