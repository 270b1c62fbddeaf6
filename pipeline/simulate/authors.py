"""Simulated authors: a public with heavy-tailed follower counts, per-subject regulars and bot accounts."""

from __future__ import annotations

import random

import numpy as np

from schemas.post import Author

__all__ = ["PLATFORM_WEIGHTS", "make_bots", "make_public", "official_author"]

#: Where drill posts come from, and how often.
PLATFORM_WEIGHTS: dict[str, float] = {"x": 0.55, "instagram": 0.12, "tiktok": 0.12, "facebook": 0.1,
                                      "threads": 0.05, "youtube": 0.03, "reddit": 0.03}
_FIRST = ("rina", "budi", "sari", "agus", "dewi", "andi", "putri", "eko", "yuni", "fajar", "intan", "rizky",
          "nadia", "dimas", "ayu", "bayu", "citra", "hendra", "lestari", "wahyu", "kevin", "nisa", "tiara", "gilang")
_LAST = ("santoso", "wijaya", "pratama", "lestari", "saputra", "kusuma", "hidayat", "nugroho", "siregar",
         "simanjuntak", "hasibuan", "permata", "utami", "setiawan", "rahman", "halim", "tan", "ginting")


def make_public(size: int, rng: np.random.Generator) -> list[Author]:
    """``size`` authors; followers are lognormal (median about 150) with a Pareto tail of big accounts.

    >>> public = make_public(5000, np.random.default_rng(0))
    >>> followers = sorted(a.followers for a in public)
    >>> bool(followers[2500] < 1000 and followers[-1] > 100_000)
    True
    """
    platforms = list(PLATFORM_WEIGHTS)
    weights = np.array(list(PLATFORM_WEIGHTS.values()))
    chosen = rng.choice(len(platforms), size=size, p=weights / weights.sum())
    followers = rng.lognormal(mean=5.0, sigma=1.6, size=size)
    big = rng.random(size) < 0.01
    followers[big] = 20_000 * (1.0 + rng.pareto(1.2, size=int(big.sum())))
    first = rng.integers(len(_FIRST), size=size)
    last = rng.integers(len(_LAST), size=size)
    style = rng.integers(3, size=size)
    verified_draw = rng.random(size)
    authors = []
    for index in range(size):
        platform = platforms[chosen[index]]
        name = f"{_FIRST[first[index]].capitalize()} {_LAST[last[index]].capitalize()}"
        stem = (f"{_FIRST[first[index]]}_{_LAST[last[index]]}", f"{_FIRST[first[index]]}{_LAST[last[index]][:3]}",
                _FIRST[first[index]])[style[index]]
        count = int(min(followers[index], 50_000_000))
        authors.append(Author(id=f"{platform}:u{100_000 + index}", handle=f"{stem}{index % 997}", name=name,
                              followers=count, verified=bool(count > 100_000 and verified_draw[index] < 0.4)))
    return authors


def make_bots(count: int, first_id: int, rng: random.Random) -> list[Author]:
    """``count`` fresh accounts with few followers and machine-made handles, all on X."""
    return [
        Author(id=f"x:b{first_id + index}", handle=f"user{rng.randint(10_000_000, 99_999_999)}",
               followers=rng.randint(0, 40))
        for index in range(count)
    ]


def official_author(handle: str, name: str, index: int) -> Author:
    """The subject's own verified care account on X."""
    return Author(id=f"x:o{index}", handle=handle, name=f"{name} Care", followers=250_000 + 10_000 * index,
                  verified=True)
