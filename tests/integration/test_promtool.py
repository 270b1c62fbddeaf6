"""Prometheus and Alertmanager configuration, checked by their own tools.

``promtool`` (Debian package ``prometheus``) checks the scrape config and the alert rules and runs the rule unit
tests in ``deploy/prometheus/tests``; ``amtool`` (Debian package ``prometheus-alertmanager``) checks the
Alertmanager config and where its routing tree sends each kind of alert. A missing promtool fails the run; a
missing amtool fails it under CI (``CI`` set) and skips it elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import Settings
from schemas.watchlist import load_watchlist

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
RULE_FILES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
RULE_TEST_FILES = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
ALERTMANAGER_CONFIG = REPO / "deploy" / "alertmanager" / "alertmanager.yml"


def _promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is not on PATH: install it (Debian: apt-get install -y prometheus) to check the "
                    "Prometheus config and run the alert rule unit tests")
    return path


def _amtool() -> str:
    path = shutil.which("amtool")
    if path is None:
        message = "amtool is not on PATH: install it (Debian: apt-get install -y prometheus-alertmanager)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=120,
                            cwd=REPO, check=False)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _alert_rules() -> dict[str, dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    assert rule["alert"] not in rules, f"alert {rule['alert']} is defined twice"
                    rules[rule["alert"]] = rule
    return rules


def test_rule_and_test_files_exist() -> None:
    assert RULE_FILES, "no alert rule files in deploy/prometheus/rules"
    assert RULE_TEST_FILES, "no promtool test files in deploy/prometheus/tests"


def test_prometheus_config_is_valid() -> None:
    _run(_promtool(), "check", "config", PROMETHEUS_DIR / "prometheus.yml")


def test_alert_rules_are_valid() -> None:
    _run(_promtool(), "check", "rules", *RULE_FILES)


@pytest.mark.parametrize("test_file", RULE_TEST_FILES, ids=lambda path: path.name)
def test_alert_rule_unit_tests_pass(test_file: Path) -> None:
    _run(_promtool(), "test", "rules", test_file)


def test_every_alert_rule_has_a_firing_and_a_quiet_unit_test() -> None:
    """Each alert is expected to fire (with labels) somewhere, and to stay quiet somewhere else."""
    fires: set[str] = set()
    quiet: set[str] = set()
    loaded: set[Path] = set()
    for path in RULE_TEST_FILES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        loaded.update((path.parent / name).resolve() for name in spec["rule_files"])
        for test in spec["tests"]:
            for case in test.get("alert_rule_test", []):
                expected = case.get("exp_alerts") or []
                if expected:
                    assert all(alert.get("exp_labels") for alert in expected), (
                        f"{path.name}: {case['alertname']} at {case['eval_time']} expects an alert without labels")
                    fires.add(case["alertname"])
                else:
                    quiet.add(case["alertname"])
    names = set(_alert_rules())
    assert {path.resolve() for path in RULE_FILES} <= loaded, "a rule file is loaded by no promtool test file"
    assert names - fires == set(), f"alerts never expected to fire in a test: {sorted(names - fires)}"
    assert names - quiet == set(), f"alerts never expected to stay quiet in a test: {sorted(names - quiet)}"
    assert (fires | quiet) - names == set(), f"tests for alerts that do not exist: {sorted((fires | quiet) - names)}"


def test_alert_rules_carry_routing_labels_and_runbooks() -> None:
    """Alertmanager routes on `category` and `severity`; every notification links a runbook."""
    for name, rule in _alert_rules().items():
        labels = rule.get("labels", {})
        assert labels.get("category") in {"crisis", "pipeline"}, f"{name}: category label"
        if labels["category"] == "pipeline":
            assert labels.get("severity") in {"critical", "warning", "info"}, f"{name}: severity label"
        for annotation in ("summary", "description", "runbook_url"):
            assert rule.get("annotations", {}).get(annotation), f"{name}: {annotation} annotation"


def test_alertmanager_config_is_valid() -> None:
    _run(_amtool(), "check-config", ALERTMANAGER_CONFIG)


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        ({"category": "crisis", "team": "customer-care", "severity": "critical"},
         ["siaga-webhook", "customer-care-pager", "customer-care-chat"]),
        ({"category": "crisis", "team": "customer-care", "severity": "warning"},
         ["siaga-webhook", "customer-care-chat"]),
        ({"category": "crisis", "team": "comms", "severity": "critical"},
         ["siaga-webhook", "comms-desk-pager", "comms-desk-chat"]),
        ({"category": "crisis", "team": "a-team-without-a-route", "severity": "warning"},
         ["siaga-webhook", "comms-desk-chat"]),
        ({"category": "pipeline", "severity": "critical"}, ["siaga-webhook", "siaga-ops-pager", "siaga-ops-chat"]),
        ({"category": "pipeline", "severity": "warning"}, ["siaga-webhook", "siaga-ops-chat"]),
        ({"category": "pipeline", "severity": "info"}, ["siaga-webhook", "siaga-ops-chat"]),
        ({"alertname": "SomethingNew"}, ["siaga-webhook", "siaga-ops-chat"]),
    ],
    ids=lambda value: "-".join(value.values()) if isinstance(value, dict) else None,
)
def test_alertmanager_routes(labels: dict[str, str], receivers: list[str]) -> None:
    """Crisis alerts reach the owning team (critical pages), pipeline alerts the operators."""
    result = _run(_amtool(), "config", "routes", "test", f"--config.file={ALERTMANAGER_CONFIG}",
                  *(f"{key}={value}" for key, value in labels.items()))
    assert result.stdout.strip().split(",") == receivers


def test_every_watchlist_team_is_paged_for_a_critical_crisis() -> None:
    """Each team of the example watchlist gets a pager for critical incidents and a chat for warnings."""
    teams = {subject.team for subject in load_watchlist(Settings().watchlist).subjects}
    assert teams
    for team in sorted(teams):
        for severity, kind in (("critical", "-pager"), ("warning", "-chat")):
            result = _run(_amtool(), "config", "routes", "test", f"--config.file={ALERTMANAGER_CONFIG}",
                          "category=crisis", f"team={team}", f"severity={severity}")
            receivers = result.stdout.strip().split(",")
            assert any(receiver.endswith(kind) for receiver in receivers), f"team {team} {severity}: {receivers}"
            assert not any(receiver.startswith("siaga-ops") for receiver in receivers), "crises go to comms teams"


def test_alertmanager_inhibitions_name_existing_alerts() -> None:
    """Inhibition rules must name alerts the rules define, or they silently never apply."""
    names = set(_alert_rules())
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text(encoding="utf-8"))
    assert config["inhibit_rules"]
    for rule in config["inhibit_rules"]:
        for matcher in rule["source_matchers"] + rule["target_matchers"]:
            match = re.fullmatch(r'(\w+)(=~|!=|!~|=)"(.*)"', matcher)
            assert match, f"cannot read matcher {matcher!r}"
            key, operator, value = match.groups()
            if key == "alertname":
                assert operator in {"=", "=~"}, f"negated alertname matcher {matcher!r}"
                unknown = set(value.split("|")) - names
                assert not unknown, f"inhibition {matcher!r} names unknown alerts {sorted(unknown)}"
