"""Grafana dashboards and provisioning: every panel queries Prometheus, and only for metrics Siaga exports.

A dashboard that names a metric, a label or a variable that does not exist shows "No data" and nobody notices
until a crisis; these tests catch that when the code or a dashboard changes. The same metric check runs over the
alert rules' expressions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

import pipeline.metrics

REPO = Path(__file__).resolve().parents[2]
GRAFANA = REPO / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
RULE_FILES = sorted((REPO / "deploy" / "prometheus" / "rules").glob("*.yml"))

#: Series Prometheus makes itself rather than scraping them from Siaga.
PROMETHEUS_SERIES = {"up": set(), "ALERTS": {"alertname", "alertstate", "severity"}}
#: Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"job", "instance"}
#: Grafana's own variables.
GRAFANA_VARIABLES = {"__range", "__rate_interval", "__interval", "__auto"}
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool",
    "inf", "nan", "atan2",
}


def _exported_series() -> dict[str, set[str]]:
    """Every series name pipeline.metrics exports, with its label names (counters as _total, histograms split)."""
    series: dict[str, set[str]] = {}
    for value in vars(pipeline.metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        name, labels = value._name, set(value._labelnames)
        if value._type == "counter":
            series[f"{name}_total"] = labels
        elif value._type == "histogram":
            series.update({f"{name}_bucket": labels | {"le"}, f"{name}_sum": labels, f"{name}_count": labels})
        else:
            series[name] = labels
    return series


EXPORTED = _exported_series()


def _selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names in its matcher) for every series selector in a PromQL expression."""
    expr = re.sub(r"\$\{?(\w+)\}?", "VAR", expr)  # Grafana variables are values, never names
    found = []
    without_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    # Grouping clauses and durations name labels or times, not metrics.
    without_clauses = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", without_strings)
    without_clauses = re.sub(r"\[[^\]]*\]", "", without_clauses)
    for match in re.finditer(r"([A-Za-z_:][\w:]*)\s*(\{[^}]*\})?\s*(\()?", without_clauses):
        name, matchers, call = match.groups()
        if call or name in PROMQL_WORDS or name == "VAR":
            continue
        labels = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers or ""))
        found.append((name, labels))
    return found


def _check_expr(expr: str, where: str) -> None:
    selectors = _selectors(expr)
    assert selectors, f"{where}: no metric in {expr!r}"
    known = {**EXPORTED, **PROMETHEUS_SERIES}
    for name, labels in selectors:
        assert name in known, f"{where}: {name} is not exported by pipeline/metrics.py ({expr!r})"
        unknown = labels - known[name] - TARGET_LABELS
        assert not unknown, f"{where}: {name} has no label {sorted(unknown)} ({expr!r})"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    panels = []
    for panel in dashboard["panels"]:
        panels.extend(panel.get("panels", []) if panel["type"] == "row" else [panel])
    return panels


def _datasource_uid() -> str:
    provisioning = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text("utf-8"))
    (datasource,) = provisioning["datasources"]
    assert datasource["type"] == "prometheus"
    return datasource["uid"]


def test_the_self_check_knows_siaga_metrics() -> None:
    assert "siaga_incident_open" in EXPORTED and EXPORTED["siaga_incident_open"] == {"subject", "team", "severity"}
    assert "siaga_posts_ingested_total" in EXPORTED
    assert "siaga_window_close_to_event_seconds_bucket" in EXPORTED
    assert _selectors('sum by (le) (rate(siaga_x_bucket{subject=~"$subject"}[$__rate_interval]))') == [
        ("siaga_x_bucket", {"subject"})]
    with pytest.raises(AssertionError, match="not exported"):
        _check_expr("rate(siaga_no_such_metric_total[5m])", "self-check")
    with pytest.raises(AssertionError, match="has no label"):
        _check_expr('siaga_window_mentions{topic="x"}', "self-check")


def test_the_four_dashboards_exist_with_unique_uids() -> None:
    uids = [_load(path)["uid"] for path in DASHBOARDS]
    assert sorted(uids) == ["siaga-kpis", "siaga-overview", "siaga-pipeline", "siaga-subject"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_every_panel_queries_the_provisioned_prometheus(path: Path) -> None:
    dashboard = _load(path)
    uid = _datasource_uid()
    panels = _panels(dashboard)
    assert panels
    ids = [panel["id"] for panel in dashboard["panels"]]
    ids += [child["id"] for panel in dashboard["panels"] for child in panel.get("panels", [])]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels:
        where = f"{path.name}: panel {panel['title']!r}"
        assert panel.get("datasource", {}).get("uid") == uid, f"{where}: datasource"
        assert panel.get("targets"), f"{where}: no queries"
        for target in panel["targets"]:
            assert target.get("datasource", {}).get("uid") == uid, f"{where}: query datasource"
            assert target.get("expr", "").strip(), f"{where}: empty expr"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_every_query_names_exported_metrics_and_defined_variables(path: Path) -> None:
    dashboard = _load(path)
    variables = {variable["name"] for variable in dashboard["templating"]["list"]} | GRAFANA_VARIABLES
    exprs = [(f"panel {panel['title']!r}", target["expr"]) for panel in _panels(dashboard)
             for target in panel["targets"]]
    exprs += [(f"annotation {annotation['name']!r}", annotation["expr"])
              for annotation in dashboard["annotations"]["list"] if "expr" in annotation]
    for variable in dashboard["templating"]["list"]:
        query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
        label_values = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
        assert label_values, f"{path.name}: variable {variable['name']} is not a label_values() query"
        exprs.append((f"variable {variable['name']!r}", label_values.group(1)))
        metric_labels = _selectors(label_values.group(1))[0]
        assert label_values.group(2) in EXPORTED.get(metric_labels[0], set()), f"variable {variable['name']}"
    for where, expr in exprs:
        _check_expr(expr, f"{path.name}: {where}")
        used = set(re.findall(r"\$\{?(\w+)", expr))
        assert used <= variables, f"{path.name}: {where} uses undefined variables {sorted(used - variables)}"


def test_subject_drill_down_is_what_the_crisis_alert_links() -> None:
    """The alert's dashboard link (uid siaga-subject, ?var-subject=) opens this dashboard on the subject."""
    dashboard = _load(GRAFANA / "dashboards" / "siaga-subject.json")
    assert dashboard["uid"] == "siaga-subject"
    assert "subject" in {variable["name"] for variable in dashboard["templating"]["list"]}
    rules = "\n".join(path.read_text(encoding="utf-8") for path in RULE_FILES)
    assert "/d/siaga-subject/siaga-subject-drill-down?var-subject={{ $labels.subject }}" in rules
    exprs = [target["expr"] for panel in _panels(dashboard) for target in panel["targets"]]
    assert any("siaga_signal_observed" in expr for expr in exprs)
    assert any("siaga_signal_expected" in expr for expr in exprs)
    annotations = [annotation["expr"] for annotation in dashboard["annotations"]["list"] if "expr" in annotation]
    assert any("siaga_incident_open" in expr for expr in annotations), "incidents are annotated"


def test_dashboard_provider_loads_the_dashboard_folder() -> None:
    provisioning = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "siaga.yml").read_text("utf-8"))
    (provider,) = provisioning["providers"]
    assert provider["type"] == "file" and provider["options"]["path"] == "/var/lib/grafana/dashboards"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda path: path.name)
def test_alert_rules_name_exported_metrics(path: Path) -> None:
    for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
        for rule in group["rules"]:
            _check_expr(rule["expr"], f"{path.name}: {rule.get('alert') or rule.get('record')}")
