"""Per-subject detector overrides in the watchlist: parsing, validation, precedence, and their effect."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from detectors.presets import DEFAULTS, OVERRIDABLE, PRESETS
from detectors.tracker import SubjectTracker
from pipeline.config import EXAMPLE_WATCHLIST
from pipeline.demo_data import DemoScenario, demo_posts
from pipeline.replay import replay_posts
from schemas.errors import SchemaError
from schemas.watchlist import Watchlist, load_watchlist

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "schemas" / "watchlist.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

WATCHLIST_TOML = """
[defaults]
sensitivity = "balanced"
detector = { warmup_seconds = 21600, min_count = 4 }

[[subjects]]
id = "bank-a"
name = "Bank A"
terms = ["banka"]

[[subjects]]
id = "bank-b"
name = "Bank B"
terms = ["bankb"]
sensitivity = "high"

[subjects.detector]
warmup_seconds = 3600
threshold = 0.45
seasonal = false
"""


def _subject(**fields: Any) -> dict[str, Any]:
    return {"id": "a", "name": "A", "terms": ["a"], **fields}


def test_detector_tables_are_parsed_and_merged_key_by_key() -> None:
    raw = tomllib.loads(WATCHLIST_TOML)
    VALIDATOR.validate(raw)
    watchlist = Watchlist.from_dict(raw)
    assert watchlist["bank-a"].detector_overrides == {"warmup_seconds": 21600.0, "min_count": 4.0}
    assert watchlist["bank-b"].detector_overrides == {"warmup_seconds": 3600.0, "min_count": 4.0, "threshold": 0.45,
                                                      "seasonal": False}
    assert watchlist.to_dict()["subjects"][1]["detector"] == watchlist["bank-b"].detector_overrides


def test_subject_overrides_win_over_defaults_which_win_over_the_preset() -> None:
    watchlist = Watchlist.from_dict(tomllib.loads(WATCHLIST_TOML))
    a = SubjectTracker(watchlist["bank-a"]).detector
    b = SubjectTracker(watchlist["bank-b"]).detector
    assert (a.warmup_seconds, a.min_count, a.threshold) == (21600.0, 4.0, PRESETS["balanced"]["threshold"])
    assert (b.warmup_seconds, b.min_count, b.threshold) == (3600.0, 4.0, 0.45)
    assert b.critical_threshold == PRESETS["high"]["critical_threshold"]
    assert "seasonal" not in a.to_dict()["params"] and b.to_dict()["params"]["seasonal"] is False


def test_code_level_detector_params_win_over_the_watchlist() -> None:
    subject = Watchlist.from_dict(tomllib.loads(WATCHLIST_TOML))["bank-b"]
    tracker = SubjectTracker(subject, detector_params={"warmup_seconds": 60.0})
    assert (tracker.detector.warmup_seconds, tracker.detector.threshold) == (60.0, 0.45)


def test_a_subject_without_overrides_keeps_the_preset() -> None:
    subject = Watchlist.from_dict({"subjects": [_subject(sensitivity="low")]})["a"]
    assert subject.detector == ()
    detector = SubjectTracker(subject).detector
    assert (detector.threshold, detector.warmup_seconds) == (PRESETS["low"]["threshold"], DEFAULTS["warmup_seconds"])


@pytest.mark.parametrize(
    ("defaults", "subject", "field", "reason", "words"),
    [
        ({}, {"detector": {"treshold": 0.6}}, "subjects[0].detector.treshold", "invalid_value", "not a detector"),
        ({}, {"detector": {"clip_sigma": 2.0}}, "subjects[0].detector.clip_sigma", "invalid_value", "known:"),
        ({}, {"detector": {"threshold": "0.6"}}, "subjects[0].detector.threshold", "wrong_type", "must be a number"),
        ({}, {"detector": {"warmup_seconds": True}}, "subjects[0].detector.warmup_seconds", "wrong_type", "number"),
        ({}, {"detector": {"seasonal": 1}}, "subjects[0].detector.seasonal", "wrong_type", "true or false"),
        ({}, {"detector": {"warmup_seconds": -1}}, "subjects[0].detector.warmup_seconds", "invalid_value", "outside"),
        ({}, {"detector": {"threshold": 1.5}}, "subjects[0].detector.threshold", "invalid_value", "outside 0.01"),
        ({}, {"detector": {"utc_offset_hours": 24}}, "subjects[0].detector.utc_offset_hours", "invalid_value",
         "outside -12"),
        ({}, {"detector": {"threshold": 0.9}}, "subjects[0].detector.threshold", "invalid_value",
         "above critical_threshold 0.8 (of the balanced preset)"),
        ({}, {"sensitivity": "high", "detector": {"critical_threshold": 0.3}},
         "subjects[0].detector.critical_threshold", "invalid_value", "below threshold 0.4 (of the high preset)"),
        ({}, {"detector": {"threshold": 0.7, "critical_threshold": 0.6}}, "subjects[0].detector.threshold",
         "invalid_value", "above critical_threshold 0.6"),
        ({}, {"detector": 3}, "subjects[0].detector", "wrong_type", "must be an object"),
        ({"detector": {"min_count": "few"}}, {}, "defaults.detector.min_count", "wrong_type", "(subject 'a')"),
        ({"detector": {"threshold": 0.78}}, {"sensitivity": "high"}, "defaults.detector.threshold", "invalid_value",
         "above critical_threshold 0.75 (of the high preset) (subject 'a')"),
    ],
)
def test_bad_overrides_are_refused_naming_the_field(defaults: dict[str, Any], subject: dict[str, Any], field: str,
                                                    reason: str, words: str) -> None:
    record = {"defaults": defaults, "subjects": [_subject(**subject)]}
    with pytest.raises(SchemaError) as refused:
        Watchlist.from_dict(record)
    assert (refused.value.field, refused.value.reason) == (field, reason)
    assert words in refused.value.problem
    if "threshold" not in field:  # the order of the two thresholds depends on the preset: JSON Schema cannot say it
        assert not VALIDATOR.is_valid(record)


def test_a_bad_override_in_a_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    path.write_text('[[subjects]]\nid = "a"\nname = "A"\nterms = ["a"]\ndetector = { warmup_seconds = "1h" }\n')
    with pytest.raises(SchemaError, match=r"subjects\[0\]\.detector\.warmup_seconds: must be a number.*watchlist"):
        load_watchlist(path)


def test_the_schema_file_lists_the_overridable_parameters_with_their_bounds() -> None:
    properties = SCHEMA["$defs"]["detector"]["properties"]
    assert list(properties) == list(OVERRIDABLE)
    assert set(OVERRIDABLE) <= set(DEFAULTS)
    for name, bounds in OVERRIDABLE.items():
        if bounds is None:
            assert properties[name]["type"] == "boolean"
        else:
            assert (properties[name]["minimum"], properties[name]["maximum"]) == bounds


def _onsets(watchlist: Watchlist, scenario: DemoScenario) -> list[float]:
    events = replay_posts(demo_posts(scenario), watchlist, score_sentiment=True).events
    return [event.time for event in events if event.stage == "onset" and event.subject == "bank-nusantara"]


def test_a_subject_with_a_short_warm_up_alerts_where_the_preset_is_still_warming_up() -> None:
    scenario = DemoScenario(hours=6.0, crisis_start_hours=4.0, crisis_hours=1.0, seed=11)
    preset = load_watchlist(EXAMPLE_WATCHLIST)
    raw = tomllib.loads(EXAMPLE_WATCHLIST.read_text())
    raw["subjects"][0]["detector"] = {"warmup_seconds": 3 * 3600}
    short = Watchlist.from_dict(raw)
    assert _onsets(preset, scenario) == []
    onsets = _onsets(short, scenario)
    assert len(onsets) == 1
    assert scenario.crisis_start < onsets[0] <= scenario.crisis_end
