"""Scoring crisis events against a drill's truth, on constructed cases."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest
from click.testing import CliRunner

from pipeline.cli import evaluate as command
from pipeline.evaluate import Episode, Truth, incident_start, percentile, score_events
from pipeline.simulate import SuiteSpec, write_suite
from schemas.crisis_event import CrisisEvent

HOUR = 3600.0
T0 = 1767546000.0
TRUTH = Truth(
    crises=(
        Episode("crisis-001", "bank-merapi", "outage", T0 + 50 * HOUR, T0 + 52 * HOUR),
        Episode("crisis-002", "sinyalku", "data_breach", T0 + 60 * HOUR, T0 + 70 * HOUR),
        Episode("crisis-003", "bank-merapi", "outage", T0 + 100 * HOUR, T0 + 101 * HOUR),
    ),
    bursts=(Episode("burst-004", "sinyalku", "sports_match", T0 + 80 * HOUR, T0 + 82 * HOUR),),
    subject_weeks=2.0,
)


def onset(subject: str, start: float, time: float | None = None, stage: str = "onset") -> CrisisEvent:
    return CrisisEvent.create(f"siaga.crisis.{stage}", subject, incident_start=start,
                              time=start + 60.0 if time is None else time, data={})


def perfect(delay: float = 120.0) -> list[CrisisEvent]:
    return [onset(c.subject, c.start, c.start + delay) for c in TRUTH.crises]


def test_perfect_detector_has_full_recall_and_precision() -> None:
    report = score_events(perfect(), TRUTH, window_seconds=60.0)
    assert report["recall"] == 1.0 and report["precision"] == 1.0
    assert report["false_incidents_per_subject_week"] == 0.0
    assert report["median_delay_windows"] == 2.0 and report["p90_delay_minutes"] == 2.0
    assert report["crises"] == 3 and report["incidents"] == 3 and report["subject_weeks"] == 2.0
    assert all(row["detected"] for row in report["matches"])
    assert report["per_kind"]["outage"]["recall"] == 1.0
    assert report["per_kind"]["sports_match"]["recall"] is None


def test_only_onset_events_count() -> None:
    events = perfect() + [onset(c.subject, c.start, c.start + 900, "escalated") for c in TRUTH.crises]
    report = score_events(events, TRUTH)
    assert report["incidents"] == 3 and report["precision"] == 1.0


def test_alerts_on_benign_bursts_and_quiet_times_are_false_incidents() -> None:
    events = [*perfect(), onset("sinyalku", T0 + 80.5 * HOUR), onset("bank-merapi", T0 + 10 * HOUR)]
    report = score_events(events, TRUTH)
    assert report["recall"] == 1.0
    assert report["precision"] == 0.6
    assert report["false_incidents_per_subject_week"] == 1.0
    assert report["false_incidents_by_cause"] == {"duplicate": 0, "benign": 1, "other": 1}
    assert report["per_kind"]["sports_match"]["false_incidents_per_subject_week"] == 0.5
    assert report["per_kind"]["sports_match"]["precision"] == 0.0
    assert report["per_kind"]["none"]["false_incidents"] == 1


def test_second_alert_in_a_crisis_is_a_duplicate_and_first_one_sets_the_delay() -> None:
    crisis = TRUTH.crises[1]
    events = [onset(crisis.subject, crisis.start + 5 * HOUR), onset(crisis.subject, crisis.start + 600)]
    report = score_events(events, TRUTH, window_seconds=300.0)
    assert report["recall"] == pytest.approx(1 / 3, abs=1e-3)
    assert report["false_incidents_by_cause"]["duplicate"] == 1
    assert report["median_delay_windows"] == 2.2  # (600 + 60) / 300
    assert report["median_delay_minutes"] == 11.0
    assert report["per_kind"]["data_breach"]["precision"] == 0.5


def test_window_before_onset_counts_and_other_subjects_do_not() -> None:
    crisis = TRUTH.crises[0]
    early = onset(crisis.subject, crisis.start - 60.0, crisis.start)
    too_early = onset(crisis.subject, crisis.start - 180.0, crisis.start - 120.0)
    wrong_subject = onset("sinyalku", crisis.start, crisis.start + 60)
    report = score_events([too_early, early, wrong_subject], TRUTH, window_seconds=60.0)
    assert report["matches"][0]["detected"] and report["matches"][0]["delay_minutes"] == 0.0
    assert report["false_incidents_by_cause"]["other"] == 2


def test_late_event_of_an_incident_that_started_inside_the_crisis_counts() -> None:
    crisis = TRUTH.crises[2]
    report = score_events([onset(crisis.subject, crisis.start + 1800, crisis.end + 600)], TRUTH)
    assert report["matches"][2]["detected"] and report["matches"][2]["delay_minutes"] == 70.0


def test_no_events_gives_zero_recall_and_no_precision() -> None:
    report = score_events([], TRUTH)
    assert report["recall"] == 0.0 and report["precision"] is None and report["median_delay_windows"] is None


def test_p90_interpolates_between_delays() -> None:
    assert percentile([0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0], 90) == 90.0
    assert percentile([60.0, 120.0], 90) == pytest.approx(114.0)


def test_incident_start_is_read_from_the_event_id() -> None:
    event = onset("bank-merapi", T0 + 50 * HOUR, T0 + 51 * HOUR)
    assert incident_start(event) == T0 + 50 * HOUR
    odd = CrisisEvent(id="x", type="siaga.crisis.onset", subject="s", time=5.0, data={"incident_start": 3.0})
    assert incident_start(odd) == 3.0


def test_truth_reads_simulated_truth_json() -> None:
    truth = Truth.from_dict({
        "subject_weeks": 20.0,
        "crises": [{"id": "crisis-001", "subject": "a", "kind": "hoax", "onset": "2026-01-07T01:00:00Z",
                    "end": "2026-01-07T05:00:00Z"}],
        "benign_bursts": [{"id": "burst-002", "subject": "a", "kind": "holiday", "start": "2026-01-08T01:00:00Z",
                           "end": "2026-01-08T09:00:00Z"}],
    })
    assert truth.crises[0].end - truth.crises[0].start == 4 * HOUR and truth.bursts[0].kind == "holiday"


def test_evaluate_command_replays_scores_and_writes_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_suite(tmp_path, SuiteSpec(seed=2, subjects=2, volume=0.02))
    truth = Truth.from_dict(orjson.loads((tmp_path / "truth.json").read_bytes()))
    seen = {}

    def fake_replay(paths, watchlist, **options):
        seen.update(options, paths=paths, subjects=len(watchlist))
        events = [onset(c.subject, c.start, c.start + 180) for c in truth.crises]
        return SimpleNamespace(events=events, posts=10, mentions=9, elapsed_seconds=0.5)

    monkeypatch.setattr(command, "replay_files", fake_replay)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(command.evaluate, [str(tmp_path), "--json", str(out), "--sensitivity", "high"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(out.read_bytes())
    assert seen["sensitivity"] == "high" and seen["subjects"] == 2 and seen["paths"] == [tmp_path / "posts.jsonl.gz"]
    assert report["recall"] == 1.0 and report["median_delay_windows"] == 3.0 and report["replay"]["posts"] == 10
    assert set(report["per_kind"]) >= {c.kind for c in truth.crises}
    assert "overall" in result.output
