"""The written suite: determinism, valid posts, matching watchlist, rhythm, authors and truth."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import orjson
import pytest

from pipeline.simulate import SuiteSpec, plan, write_suite
from schemas.post import Post
from schemas.times import parse_time
from schemas.watchlist import load_watchlist

TINY = SuiteSpec(seed=5, subjects=2, weeks=1, volume=0.05)
FILES = ("posts.jsonl.gz", "watchlist.toml", "truth.json")


@pytest.fixture(scope="module")
def posts(small_suite: Path) -> list[Post]:
    return [Post.from_json(line) for line in (small_suite / "posts.jsonl").read_bytes().splitlines()]


@pytest.fixture(scope="module")
def truth(small_suite: Path) -> dict:
    return orjson.loads((small_suite / "truth.json").read_bytes())


def _matches(post: Post, terms: tuple[str, ...]) -> bool:
    text = post.text.lower()
    return any(term in text for term in terms)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    write_suite(out, TINY)
    return out


def test_same_seed_gives_identical_bytes(tiny: Path, tmp_path: Path) -> None:
    write_suite(tmp_path, TINY)
    for name in FILES:
        assert (tiny / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_different_seed_gives_different_posts(tiny: Path, tmp_path: Path) -> None:
    write_suite(tmp_path, SuiteSpec(seed=6, subjects=2, weeks=1, volume=0.05))
    assert (tiny / "posts.jsonl.gz").read_bytes() != (tmp_path / "posts.jsonl.gz").read_bytes()


def test_posts_are_valid_sorted_and_round_trip(small_suite: Path, posts: list[Post]) -> None:
    lines = (small_suite / "posts.jsonl").read_bytes().splitlines()
    assert len(posts) > 5_000
    assert all(a.created_at <= b.created_at for a, b in pairwise(posts))
    assert len({post.id for post in posts}) == len(posts)
    assert all(Post.from_json(line).to_json() == line for line in lines[::97])


def test_replies_and_reposts_point_to_earlier_posts(posts: list[Post]) -> None:
    seen: dict[str, float] = {}
    kinds = Counter(post.kind for post in posts)
    for post in posts:
        if post.parent_id is not None:
            assert seen[post.parent_id] < post.created_at
        seen[post.id] = post.created_at
    assert kinds["post"] > kinds["reply"] > 0 and kinds["repost"] > 0 and kinds["quote"] > 0


def test_watchlist_loads_and_every_crisis_post_names_its_subject(small_suite: Path, posts: list[Post],
                                                                 truth: dict) -> None:
    watchlist = load_watchlist(small_suite / "watchlist.toml")
    assert [s.id for s in watchlist.subjects] == truth["subjects"]
    terms = {s.id: s.terms for s in watchlist.subjects}
    negative = ("bocor", "down", "error", "penipu", "kecewa", "rusak", "bangkrut", "korupsi", "boikot", "gagal")
    for crisis in truth["crises"]:
        onset, end = parse_time(crisis["onset"], "onset"), parse_time(crisis["end"], "end")
        window = [p for p in posts if onset <= p.created_at < end and any(w in p.text.lower() for w in negative)
                  and not any(_matches(p, t) for s, t in terms.items() if s != crisis["subject"])]
        assert window, crisis
        assert all(_matches(post, terms[crisis["subject"]]) for post in window)


def test_some_posts_match_no_subject_and_none_match_two(posts: list[Post], small_suite: Path) -> None:
    subjects = load_watchlist(small_suite / "watchlist.toml").subjects
    hits = Counter(sum(_matches(post, s.terms) for s in subjects) for post in posts)
    assert hits[0] > 0 and hits[1] > 10 * hits[0] and set(hits) <= {0, 1}


def test_night_is_quieter_than_day_in_jakarta(posts: list[Post]) -> None:
    by_hour = Counter(int((post.created_at + 7 * 3600) % 86400 // 3600) for post in posts)
    night = sum(by_hour[h] for h in range(1, 5))
    evening = sum(by_hour[h] for h in range(18, 22))
    assert night * 4 < evening


def test_bot_bursts_have_few_authors_and_crowds_many(truth: dict, tmp_path: Path) -> None:
    spec = next(spec for spec in (SuiteSpec(seed=seed, subjects=2, volume=0.2, gzip=False) for seed in range(200))
                if any(episode.kind == "bot_burst" for episode in plan(spec)[1]))
    write_suite(tmp_path, spec)
    bots = [c for c in orjson.loads((tmp_path / "truth.json").read_bytes())["crises"] if c["kind"] == "bot_burst"]
    assert bots and all(c["authors"] <= 12 and c["posts"] >= 3 * c["authors"] for c in bots)
    crowds = [c for c in truth["crises"] if c["kind"] != "bot_burst"]
    assert crowds and all(c["authors"] > 0.5 * c["posts"] for c in crowds)


def test_officials_reply_during_some_crises(posts: list[Post], truth: dict, small_suite: Path) -> None:
    care = {h for s in load_watchlist(small_suite / "watchlist.toml").subjects for h in s.official_handles}
    replies = [p for p in posts if p.author.handle in care]
    responded = [c for c in truth["crises"] if c["first_response"] is not None]
    assert responded and replies
    assert all(p.kind == "reply" and p.parent_id and p.author.verified for p in replies)
    first = min(parse_time(c["first_response"], "r") for c in responded)
    assert first in {p.created_at for p in replies}


def test_truth_lists_crises_and_bursts_after_warm_up(truth: dict) -> None:
    start = parse_time(truth["start"], "start")
    assert truth["subject_weeks"] == 3.0 and truth["benign_bursts"]
    for episode in truth["crises"] + truth["benign_bursts"]:
        begin = parse_time(episode.get("onset", episode.get("start")), "begin")
        assert start + 2 * 86400 <= begin < parse_time(episode["end"], "end") <= parse_time(truth["end"], "end")
