"""``siaga backtest``: CSV in, ``timestamp,value,anomaly_score,alert`` out, alerts only on onsets."""

from __future__ import annotations

import csv
import io
import math
import random
import sys
from pathlib import Path

import pytest

# pytest puts tests/unit first on sys.path for this file, where tests/unit/detectors/ would shadow the real
# detectors package as a namespace package; the repository root must come first.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from click.testing import CliRunner

from pipeline.backtest import infer_step, parse_timestamp, read_series, run_backtest, write_rows
from pipeline.cli import main
from pipeline.cli.backtest import backtest


def _series_csv(step_minutes: int = 5, days: int = 4, surge_day: float = 3.5, seed: int = 0) -> str:
    rng = random.Random(seed)
    lines = ["timestamp,value"]
    n = days * 24 * 60 // step_minutes
    for i in range(n):
        minutes = i * step_minutes
        hour = (minutes / 60) % 24
        lam = 40 + 30 * math.sin(hour / 24 * 2 * math.pi)
        if surge_day * 24 * 60 <= minutes < surge_day * 24 * 60 + 120:
            lam *= 8
        stamp = f"2015-03-0{2 + minutes // 1440} {minutes % 1440 // 60:02d}:{minutes % 60:02d}:53"
        lines.append(f"{stamp},{max(0, round(rng.gauss(lam, math.sqrt(lam))))}")
    return "\n".join(lines) + "\n"


def test_cli_writes_scores_and_one_onset(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(_series_csv())
    result = CliRunner().invoke(main, ["backtest", "--series", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open()))
    assert list(rows[0]) == ["timestamp", "value", "anomaly_score", "alert"]
    assert len(rows) == 4 * 288
    assert all(0.0 <= float(r["anomaly_score"]) <= 1.0 for r in rows)
    alerts = [i for i, r in enumerate(rows) if r["alert"] == "1"]
    assert {r["alert"] for r in rows} <= {"0", "1"}
    assert len(alerts) == 1 and 3.5 * 288 <= alerts[0] <= 3.5 * 288 + 3
    assert rows[0]["timestamp"] == "2015-03-02 00:00:53"


@pytest.mark.parametrize("sensitivity", ["low", "balanced", "high"])
def test_sensitivities_run(sensitivity):
    rows = read_series(io.StringIO(_series_csv(step_minutes=10, days=3, surge_day=2.5)))
    out = list(run_backtest(rows, sensitivity=sensitivity))
    assert len(out) == len(rows) and sum(row.alert for row in out) >= 1


def test_one_minute_step_is_inferred():
    rows = read_series(io.StringIO(_series_csv(step_minutes=1, days=2, surge_day=1.5)))
    assert infer_step(t for _, t, _ in rows) == 60.0
    buffer = io.StringIO()
    assert write_rows(run_backtest(rows), buffer) == 1


def test_timestamps_and_bad_input():
    assert parse_timestamp("2015-02-26 21:42:53") == parse_timestamp("2015-02-26T21:42:53Z")
    with pytest.raises(ValueError, match="timestamp,value"):
        read_series(io.StringIO("time,count\n1,2\n"))
    with pytest.raises(ValueError, match="line 3"):
        read_series(io.StringIO("timestamp,value\n2015-01-01 00:00:00,1\n2015-01-01 00:05:00,x\n"))
    with pytest.raises(ValueError):
        infer_step([1.0])


def test_cli_reports_bad_input(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("when,count\n")
    result = CliRunner().invoke(backtest, ["--series", str(source), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code != 0 and "timestamp,value" in result.output
