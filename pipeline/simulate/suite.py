"""Write a crisis-drill suite: posts (JSONL, sorted by ``created_at``), the watchlist and the truth.

Everything random comes from ``numpy.random.default_rng(seed)`` and ``random.Random(seed)``, drawn in a fixed
order, so one seed always gives byte-identical files (gzip headers carry no time or name).
"""

from __future__ import annotations

import gzip
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from pipeline.simulate.authors import make_bots, make_public, official_author
from pipeline.simulate.records import PostWriter, Who, derived_post
from pipeline.simulate.scenarios import Episode, schedule
from pipeline.simulate.subjects import CATEGORIES, SimSubject, make_subjects, watchlist_toml
from pipeline.simulate.text import TextMaker
from pipeline.simulate.traffic import WIB_OFFSET_SECONDS, minute_rates, overdispersed_counts
from schemas.times import format_time

__all__ = ["DEFAULT_START", "SuiteSpec", "generate_posts", "plan", "write_suite"]

logger = logging.getLogger(__name__)

DEFAULT_START = 1767546000.0
"""Monday 2026-01-05 00:00 WIB (2026-01-04T17:00:00Z)."""


@dataclass(frozen=True, slots=True)
class SuiteSpec:
    """What to generate."""

    seed: int
    subjects: int = 20
    weeks: int = 1
    start: float = DEFAULT_START
    gzip: bool = True
    volume: float = 1.0
    """Scales every rate (everyday traffic, noise and episodes); 0.1 makes a light suite for tests."""

    def __post_init__(self) -> None:
        if self.subjects < 1 or self.weeks < 1 or self.volume <= 0:
            raise ValueError("a suite needs at least one subject, one week and a positive volume")
        if self.start % 60:
            raise ValueError("a suite starts on a whole minute")

    @property
    def minutes(self) -> int:
        """Length of the suite in minutes."""
        return self.weeks * 10080


@dataclass(slots=True)
class _Run:
    """Generation state of one episode."""

    index: int
    episode: Episode
    subject: SimSubject
    counts: list[int]
    authors: list[Who] = field(default_factory=list)
    ring: list[tuple[str, str, str, str | None, str]] = field(default_factory=list)
    responses: list[int] = field(default_factory=list)
    posts: int = 0
    author_ids: set[str] = field(default_factory=set)
    first_response: float | None = None


def plan(spec: SuiteSpec, py: random.Random | None = None) -> tuple[list[SimSubject], list[Episode]]:
    """The subjects and episodes of a suite: the first draws from its ``random.Random(seed)``."""
    py = py if py is not None else random.Random(spec.seed)
    subjects = make_subjects(spec.subjects, py)
    start_wib_minute = int(((spec.start + WIB_OFFSET_SECONDS) % 86400) // 60)
    episodes = schedule([(s.id, s.peak_rate * spec.volume) for s in subjects], spec.minutes, start_wib_minute, py,
                        volume=spec.volume)
    return subjects, episodes


def _prepare(spec: SuiteSpec) -> tuple[list[SimSubject], list[_Run], list[list[int]], list[int], list[Who],
                                       list[list[Who]], random.Random]:
    """Draw everything that is decided up front: subjects, episodes, authors and per-minute counts."""
    py = random.Random(spec.seed)
    rng = np.random.default_rng(spec.seed)
    subjects, episodes = plan(spec, py)
    public = [Who(author) for author in make_public(int((30_000 + 3_000 * len(subjects)) * min(1.0, 2 * spec.volume)),
                                                    rng)]
    pools = [
        [public[i] for i in rng.choice(len(public), size=min(len(public) // 2, int(200 + 300 * s.peak_rate)),
                                       replace=False).tolist()]
        for s in subjects
    ]
    base = [
        overdispersed_counts(rng, minute_rates(rng, spec.start, spec.minutes, s.peak_rate * spec.volume,
                                               CATEGORIES[s.category][1])).tolist()
        for s in subjects
    ]
    noise_peak = 0.05 * spec.volume * sum(s.peak_rate for s in subjects)
    noise = overdispersed_counts(rng, minute_rates(rng, spec.start, spec.minutes, noise_peak)).tolist()
    by_id = {s.id: s for s in subjects}
    runs = []
    bot_ids = 0
    for index, episode in enumerate(episodes):
        run = _Run(index, episode, by_id[episode.subject], overdispersed_counts(rng, episode.rates, 8.0).tolist())
        if episode.kind == "bot_burst":
            run.authors = [Who(bot) for bot in make_bots(py.randint(5, 12), bot_ids, py)]
            bot_ids += len(run.authors)
        elif episode.kind == "hoax":
            run.authors = [public[py.randrange(len(public))] for _ in range(py.randint(3, 5))]
        if episode.is_crisis and py.random() < 0.65:
            first = py.randint(10, 120)
            run.responses = list(range(first, len(episode.rates), py.randint(4, 12)))[:12]
        runs.append(run)
    return subjects, runs, base, noise, public, pools, py


def _episode_author(run: _Run, offset: int, pool: list[Who], public: list[Who], draw: float, pick: float) -> Who:
    """Seed accounts or bots where the kind has them, else regulars (crises) or the wide public."""
    episode = run.episode
    if run.authors and (episode.kind == "bot_burst" or offset < episode.seed_minutes):
        return run.authors[int(pick * len(run.authors))]
    if episode.is_crisis and draw < 0.45:
        return pool[int(pick * len(pool))]
    return public[int(pick * len(public))]


def generate_posts(spec: SuiteSpec, truth: dict[str, Any] | None = None) -> Iterator[list[bytes]]:
    """Yield each minute's posts (``Post.to_json()`` bytes) in ``created_at`` order; fill ``truth`` when done."""
    subjects, runs, base, noise, public, pools, py = _prepare(spec)
    text = TextMaker(py)
    writer = PostWriter(py)
    draw = py.random
    rings: list[list[Any]] = [[] for _ in subjects]
    noise_ring: list[Any] = []
    active: dict[int, list[tuple[_Run, int, int]]] = {}
    replying: dict[int, list[_Run]] = {}
    for run in runs:
        for offset, count in enumerate(run.counts):
            if count:
                active.setdefault(run.episode.start + offset, []).append((run, offset, count))
        for offset in run.responses:
            replying.setdefault(run.episode.start + offset, []).append(run)
    officials = [Who(official_author(s.care_handle, s.name, i)) for i, s in enumerate(subjects)]
    subject_index = {s.id: i for i, s in enumerate(subjects)}
    everyday_shares, noise_shares = (0.12, 0.07, 0.03), (0.1, 0.05, 0.0)
    for minute in range(spec.minutes):
        writer.clock.set_minute(spec.start + 60.0 * minute)
        for index, subject in enumerate(subjects):
            pool, ring = pools[index], rings[index]
            for _ in range(base[index][minute]):
                words, lang = text.everyday(subject)
                derived_post(writer, words, lang, ring, pool[int(len(pool) * draw() ** 2)], int(draw() * 60_000),
                         everyday_shares)
        for _ in range(noise[minute]):
            words, lang = text.noise()
            derived_post(writer, words, lang, noise_ring, public[int(draw() * len(public))], int(draw() * 60_000),
                     noise_shares)
        for run, offset, count in active.get(minute, ()):
            episode, subject = run.episode, run.subject
            pool = pools[subject_index[subject.id]]
            seeding = offset < episode.seed_minutes
            for _ in range(count):
                who = _episode_author(run, offset, pool, public, draw(), draw())
                if episode.is_crisis:
                    words, lang = text.crisis(episode.kind, subject)
                    shares = (0.0, 0.0, 0.0) if seeding else (0.15, 0.2, 0.05)
                else:
                    words, lang = text.benign(episode.kind, subject)
                    shares = (0.1, 0.15, 0.05)
                derived_post(writer, words, lang, run.ring, who, int(draw() * 60_000), shares, text.reply_opener())
                run.posts += 1
                run.author_ids.add(who.id)
        for run in replying.get(minute, ()):
            targets = [entry for entry in run.ring if entry[4] == "x"]
            if not targets:
                continue
            parent_id, handle, _, _, _ = targets[int(draw() * len(targets))]
            words, lang = text.official(run.subject, handle)
            millis = int(draw() * 60_000)
            writer.post(officials[subject_index[run.subject.id]], words, lang, millis, "reply", parent_id)
            run.posts += 1
            if run.first_response is None:
                run.first_response = spec.start + 60.0 * minute + millis / 1000
        yield writer.flush()
    if truth is not None:
        truth.update(_truth(spec, subjects, runs))


def _truth(spec: SuiteSpec, subjects: list[SimSubject], runs: list[_Run]) -> dict[str, Any]:
    crises: list[dict[str, Any]] = []
    bursts: list[dict[str, Any]] = []
    for run in runs:
        episode = run.episode
        record: dict[str, Any] = {
            "id": f"{'crisis' if episode.is_crisis else 'burst'}-{run.index + 1:03d}",
            "subject": episode.subject,
            "kind": episode.kind,
            "start": format_time(spec.start + 60.0 * episode.start),
            "end": format_time(spec.start + 60.0 * episode.end),
            "peak": format_time(spec.start + 60.0 * (episode.start + int(np.argmax(episode.rates)))),
            "peak_per_minute": round(float(episode.rates.max()), 1),
            "posts": run.posts,
            "authors": len(run.author_ids),
        }
        if episode.is_crisis:
            record = {"onset": record.pop("start"), **record}
            record["first_response"] = None if run.first_response is None else format_time(run.first_response)
            crises.append(record)
        else:
            bursts.append(record)
    return {
        "version": 1,
        "seed": spec.seed,
        "start": format_time(spec.start),
        "end": format_time(spec.start + 60.0 * spec.minutes),
        "weeks": spec.weeks,
        "subjects": [s.id for s in subjects],
        "subject_weeks": float(len(subjects) * spec.weeks),
        "peak_rates": {s.id: s.peak_rate for s in subjects},
        "crises": crises,
        "benign_bursts": bursts,
    }


def write_suite(out: Path, spec: SuiteSpec) -> dict[str, Any]:
    """Write ``posts.jsonl[.gz]``, ``watchlist.toml`` and ``truth.json`` into ``out``; return the truth."""
    out.mkdir(parents=True, exist_ok=True)
    name = "posts.jsonl.gz" if spec.gzip else "posts.jsonl"
    truth: dict[str, Any] = {}
    total = 0
    with (out / name).open("wb") as raw:
        target: IO[bytes] = (gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1)
                             if spec.gzip else raw)
        for lines in generate_posts(spec, truth):
            if lines:
                target.write(b"\n".join(lines) + b"\n")
                total += len(lines)
        if target is not raw:
            target.close()
    subjects, _ = plan(spec)
    (out / "watchlist.toml").write_text(watchlist_toml(subjects), encoding="utf-8")
    truth = {**truth, "posts": total, "files": [name], "watchlist": "watchlist.toml"}
    (out / "truth.json").write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2) + b"\n")
    logger.info("wrote %d posts, %d crises and %d benign bursts to %s", total, len(truth["crises"]),
                len(truth["benign_bursts"]), out)
    return truth
