"""The in-process replay and ``siaga replay``: one crisis found once, deterministic bytes, bad lines counted."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.cli.replay import format_summary, incidents
from pipeline.config import EXAMPLE_WATCHLIST
from pipeline.demo_data import DemoScenario, write_demo_file
from pipeline.replay import ReplayResult, replay_files
from schemas.crisis_event import CrisisEvent
from schemas.post import Post
from schemas.watchlist import Watchlist, load_watchlist

SCENARIO = DemoScenario()
CRISIS_SUBJECT = "bank-nusantara"


@pytest.fixture(scope="module")
def watchlist() -> Watchlist:
    return load_watchlist(EXAMPLE_WATCHLIST)


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("replay") / "posts.jsonl.gz"
    write_demo_file(path, SCENARIO)
    return path


@pytest.fixture(scope="module")
def replayed(stream: Path, watchlist: Watchlist) -> ReplayResult:
    return replay_files([stream], watchlist)


def _event_bytes(events: list[CrisisEvent]) -> bytes:
    return b"".join(event.to_json() + b"\n" for event in events)


def test_one_onset_for_the_crisis_subject_and_none_for_the_others(replayed: ReplayResult) -> None:
    onsets = [event for event in replayed.events if event.stage == "onset"]
    assert [event.subject for event in onsets] == [CRISIS_SUBJECT]
    assert SCENARIO.crisis_start < onsets[0].time <= SCENARIO.crisis_end
    assert {event.subject for event in replayed.events} == {CRISIS_SUBJECT}


def test_the_incident_resolves_after_its_onset(replayed: ReplayResult) -> None:
    onset = next(event for event in replayed.events if event.stage == "onset")
    resolved = [event for event in replayed.events if event.stage == "resolved"]
    assert len(resolved) == 1
    assert resolved[0].time > onset.time
    assert resolved[0].data["incident_id"] == onset.data["incident_id"]


def test_counts_add_up(replayed: ReplayResult) -> None:
    assert replayed.posts > 10_000
    assert replayed.rejected == replayed.duplicates == replayed.late == 0
    assert 0 < replayed.mentions <= replayed.posts
    assert set(replayed.trackers) == {"bank-nusantara", "telko-merdeka", "dinas-air-kota"}


def test_a_second_replay_gives_byte_identical_events(stream: Path, watchlist: Watchlist,
                                                     replayed: ReplayResult) -> None:
    again = replay_files([stream], watchlist)
    assert _event_bytes(again.events) == _event_bytes(replayed.events)


def test_invalid_lines_are_rejected_not_fatal(tmp_path: Path, stream: Path, watchlist: Watchlist) -> None:
    with gzip.open(stream, "rb") as source:
        valid = source.read().splitlines()[:200]
    bad = [b"not json", b"[1, 2]", b'{"schema_version": 1, "id": "x:1"}', b"\xff\xfe{}", valid[0][:-5]]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(valid[:100] + bad + valid[100:]) + b"\n")
    result = replay_files([path], watchlist, score_sentiment=False)
    assert (result.posts, result.rejected) == (200, len(bad))


def test_on_bytes_counts_every_byte_read(tmp_path: Path, watchlist: Watchlist) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b'{"bad": 1}\n\n[]\n')
    seen: list[int] = []
    result = replay_files([path], watchlist, on_bytes=seen.append)
    assert (result.posts, result.rejected, sum(seen)) == (0, 2, len(b'{"bad": 1}\n[]\n'))


def test_cli_writes_the_events_and_a_summary(tmp_path: Path, stream: Path, replayed: ReplayResult) -> None:
    out = tmp_path / "events.jsonl"
    run = CliRunner().invoke(main, ["replay", str(stream), "--watchlist", str(EXAMPLE_WATCHLIST), "--events", str(out)])
    assert run.exit_code == 0, run.output
    assert out.read_bytes() == _event_bytes(replayed.events)
    assert [CrisisEvent.from_json(line).stage for line in out.read_bytes().splitlines()] == [
        event.stage for event in replayed.events]
    assert f"{replayed.posts:,}" in run.output
    assert "onset" in run.output and CRISIS_SUBJECT in run.output
    assert "replaying" not in run.output  # no progress bar without a terminal


def test_cli_refuses_a_bad_watchlist(tmp_path: Path, stream: Path) -> None:
    broken = tmp_path / "watchlist.toml"
    broken.write_text("[[subjects]]\nid = 3\n")
    run = CliRunner().invoke(main, ["replay", str(stream), "--watchlist", str(broken), "--events",
                                    str(tmp_path / "events.jsonl")])
    assert run.exit_code != 0
    assert "watchlist" in run.output


def _event(stage: str, subject: str, time: float, severity: str) -> CrisisEvent:
    return CrisisEvent.create(f"siaga.crisis.{stage}", subject, incident_start=1767574800.0, time=time,
                              data={"incident_start": "2026-01-05T01:00:00Z", "severity": severity})


def test_format_summary_lists_counts_types_and_incidents() -> None:
    events = [_event("onset", "bri", 1767574920.0, "warning"), _event("escalated", "bri", 1767574980.0, "critical"),
              _event("resolved", "bri", 1767578400.0, "critical"), _event("onset", "pln", 1767575040.0, "warning")]
    result = ReplayResult(events=events, posts=1234, rejected=2, mentions=1000, late=3, duplicates=4,
                          elapsed_seconds=0.5)
    text = format_summary(result)
    lines = text.splitlines()
    assert lines[0].split() == ["posts", "1,234"]
    assert ["escalated", "1"] in [line.split() for line in lines]
    assert ["posts/s", "2,468"] in [line.split() for line in lines]
    assert lines[-2].split() == ["bri", "2026-01-05T01:00:00Z", "critical", "2026-01-05T01:02:00Z",
                                 "2026-01-05T02:00:00Z"]
    assert lines[-1].split() == ["pln", "2026-01-05T01:00:00Z", "warning", "2026-01-05T01:04:00Z", "-"]
    assert [row["resolved"] is None for row in incidents(events)] == [False, True]


def test_format_summary_without_incidents() -> None:
    assert format_summary(ReplayResult()).splitlines()[-1] == "no incidents"


_VALID = {"schema_version": 1, "id": "x:1", "platform": "x", "url": "https://x.com/u/status/1",
          "author": {"id": "x:u1", "handle": "u1", "name": "U", "followers": 10, "verified": False},
          "text": "BRImo error lagi", "lang": "id", "created_at": "2026-01-05T08:00:00+07:00", "ingested_at": None,
          "kind": "reply", "parent_id": "x:0", "engagement": {"likes": 1, "reposts": 0, "replies": 2, "quotes": 0,
                                                             "views": None}, "hashtags": ["BRI"], "mentions": []}
_ODD_VALUES = [None, True, 1, 1.0, -1, "", "x", "x:", "news:1", "2026-01-05T01:00:00Z", "2026-01-05T01:00:00", [],
               ["a"], [1], ["a" * 257], {}, {"id": "x:u"}, "a" * 600, "post", "quote"]


def _outcome(build: Callable[[dict[str, Any]], Post], record: dict[str, Any]) -> Post | tuple[str, str]:
    try:
        return build(record)
    except Exception as error:
        return (type(error).__name__, str(error))


def test_the_fast_post_path_builds_or_refuses_exactly_like_the_full_checks() -> None:
    """``Post.from_dict`` takes a shortcut for plainly valid records; it must agree with the field-by-field checks."""
    records = [dict(_VALID)]
    for key in [*_VALID, "extra"]:
        records.append({k: v for k, v in _VALID.items() if k != key})
        records.extend({**_VALID, key: value} for value in _ODD_VALUES)
    for key in [*_VALID["author"], "extra"]:
        records.extend({**_VALID, "author": {**_VALID["author"], key: value}} for value in _ODD_VALUES)
    for key in [*_VALID["engagement"], "extra"]:
        records.extend({**_VALID, "engagement": {**_VALID["engagement"], key: value}} for value in _ODD_VALUES)
    for record in records:
        assert _outcome(Post.from_dict, record) == _outcome(Post._checked, record), record


def test_the_fast_post_path_checks_ids_exactly_like_the_full_checks() -> None:
    """The fast path's id test (printable ASCII after the platform) must accept no id the id pattern refuses."""
    natives = ["1", "a:b", "u/status/1", "~!@#$%^&*()", "1 2", "1\t2", "1\n", "\x7f", "\x00", "\x1f", "é",
               "1\u00a02", "1\u20032", "日本", "😀", "a\x85", ""]
    for native in natives:
        record = {**_VALID, "id": "x:" + native}
        assert _outcome(Post.from_dict, record) == _outcome(Post._checked, record), record
