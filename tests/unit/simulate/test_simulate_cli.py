"""``siaga simulate`` writes a suite and says what is in it."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from pipeline.cli.simulate import DEFAULT_START_TEXT, simulate
from pipeline.simulate import DEFAULT_START
from schemas.times import parse_time
from schemas.watchlist import load_watchlist


def test_simulate_writes_posts_watchlist_and_truth(tmp_path: Path) -> None:
    result = CliRunner().invoke(simulate, ["--seed", "3", "--out", str(tmp_path), "--subjects", "2", "--volume",
                                           "0.05", "--no-gzip", "--start", "2026-03-02T00:00:00+07:00"])
    assert result.exit_code == 0, result.output
    assert "posts" in result.output and "crises" in result.output
    truth = orjson.loads((tmp_path / "truth.json").read_bytes())
    assert truth["start"] == "2026-03-01T17:00:00Z" and truth["files"] == ["posts.jsonl"]
    assert len(load_watchlist(tmp_path / "watchlist.toml")) == 2
    assert (tmp_path / "posts.jsonl").stat().st_size > 0


def test_simulate_rejects_a_start_without_offset(tmp_path: Path) -> None:
    result = CliRunner().invoke(simulate, ["--seed", "3", "--out", str(tmp_path), "--start", "2026-03-02T00:00"])
    assert result.exit_code != 0 and "offset" in result.output


def test_simulate_rejects_a_start_off_the_minute(tmp_path: Path) -> None:
    result = CliRunner().invoke(simulate, ["--seed", "3", "--out", str(tmp_path), "--start", "2026-03-02T00:00:30Z"])
    assert result.exit_code != 0 and "whole minute" in result.output


def test_default_start_is_monday_midnight_in_jakarta() -> None:
    assert parse_time(DEFAULT_START_TEXT, "start") == DEFAULT_START
