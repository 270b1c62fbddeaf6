"""A real Prometheus scrapes a running worker and ingest through a simulated crisis.

Debian's ``prometheus`` binary runs on a free port with the repository's alert rules, a 1 s scrape and rule
interval, and a temporary config that scrapes the two Siaga processes under the job names the rules expect. The
ingest replays a demo stream that ends thirty minutes into a surge on bank-nusantara (the organization answers
after fifteen), so the incident is still open when the stream ends. Then Prometheus' HTTP API must show the
crisis alert firing for that subject with its team and severity, no pipeline-health alert, and data for every
query of every Grafana panel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.demo_data import DemoScenario, write_demo_file
from pipeline.local_kafka import find_free_port
from pipeline.runner import WorkerProcess

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((REPO / "deploy" / "prometheus" / "rules").glob("*.yml"))
DASHBOARDS = sorted((REPO / "deploy" / "grafana" / "dashboards").glob("*.json"))
CRISIS_SUBJECT, CRISIS_TEAM = "bank-nusantara", "customer-care"
#: What the Grafana variables stand for in the queries below (the time range is the test's own length).
VARIABLES = {"subject": CRISIS_SUBJECT, "signal": "volume", "__range": "10m", "__rate_interval": "5s"}
TIMEOUT = 300.0

pytestmark = pytest.mark.slow


class Prometheus:
    """Debian's prometheus binary on a free loopback port, with its own data directory."""

    def __init__(self, directory: Path, targets: dict[str, int]) -> None:
        binary = shutil.which("prometheus")
        if binary is None:
            pytest.fail("the prometheus binary is not on PATH: install it (Debian: apt-get install -y prometheus)")
        self.port = find_free_port()
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(path) for path in RULE_FILES],
            "scrape_configs": [{"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
                               for job, port in targets.items()],
        }
        config_file = directory / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
        self.log_path = directory / "prometheus.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [binary, f"--config.file={config_file}", f"--storage.tsdb.path={directory / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def api(self, path: str, **params: str) -> Any:
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        return self.api("query", query=expr)["result"]

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"prometheus exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"prometheus was not ready in {timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def _panel_queries() -> list[tuple[str, str]]:
    """(where, expr) for every panel query, annotation and variable of every dashboard, variables filled in."""
    queries = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        panels = [child for panel in dashboard["panels"] for child in (panel.get("panels") or [panel])
                  if child["type"] != "row"]
        exprs = [(f"{path.name} / {panel['title']}", target["expr"]) for panel in panels
                 for target in panel["targets"]]
        exprs += [(f"{path.name} / annotation {item['name']}", item["expr"])
                  for item in dashboard["annotations"]["list"] if "expr" in item]
        # A variable's label_values(selector, label) offers the label's values of that selector's series.
        for variable in dashboard["templating"]["list"]:
            selector, label = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", variable["query"]["query"]).groups()
            exprs.append((f"{path.name} / variable {variable['name']}", f"group by ({label}) ({selector})"))
        for where, expr in exprs:
            filled = re.sub(r"\$\{?(\w+)\}?", lambda match: VARIABLES[match.group(1)], expr)
            queries.append((where, filled))
    return queries


class Pipeline:
    """The processes under test, with their logs for failure messages."""

    def __init__(self, prometheus: Prometheus, worker: WorkerProcess, ingest: subprocess.Popen[bytes],
                 directory: Path) -> None:
        self.prometheus = prometheus
        self.worker = worker
        self.ingest = ingest
        self.directory = directory

    def diagnostics(self) -> str:
        logs = {name: (self.directory / name).read_text(errors="replace").splitlines()[-25:]
                for name in ("worker.log", "ingest.log")}
        return "\n".join(f"--- {name}\n" + "\n".join(lines) for name, lines in logs.items()) + (
            f"\n--- prometheus.log\n{self.prometheus.log_tail()}")

    def assert_running(self) -> None:
        """The ingest follows its file and the worker serves /metrics until the test ends."""
        assert self.ingest.poll() is None, f"the ingest exited with {self.ingest.returncode}\n{self.diagnostics()}"
        assert self.worker.metrics_text() is not None, f"the worker stopped answering\n{self.diagnostics()}"
        assert self.prometheus.process.poll() is None, f"prometheus exited\n{self.diagnostics()}"


def _labels(series: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [item["metric"] for item in series]


@pytest.fixture
def pipeline_under_prometheus(kafka_bootstrap: str, unique_topic_prefix: str, tmp_path: Path) -> Iterator[Pipeline]:
    """Worker, ingest (replaying the crisis stream, then following the file) and Prometheus scraping both."""
    stream = tmp_path / "crisis.jsonl.gz"
    write_demo_file(stream, DemoScenario(hours=27.5, crisis_start_hours=27.0, crisis_hours=1.0))
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "SIAGA_TOPIC_PREFIX": f"{unique_topic_prefix}.",
        "SIAGA_APP_ID": f"{unique_topic_prefix}-app",
        # One partition: a stream of history ingested at full speed stays in event-time order (see the README).
        "SIAGA_PARTITIONS": "1",
        "SIAGA_IDLE_CLOSE_SECONDS": "5",
        "SIAGA_STATE_DIR": str(tmp_path / "worker-state"),
        "SIAGA_METRICS_HOST": "127.0.0.1",
    }
    worker = WorkerProcess(env, tmp_path / "worker.log", find_free_port())
    ingest_port = find_free_port()
    ingest_log = (tmp_path / "ingest.log").open("wb")
    ingest: subprocess.Popen[bytes] | None = None
    prometheus: Prometheus | None = None
    try:
        worker.start()
        ingest = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "ingest", "file", str(stream), "--follow",
             "--metrics-port", str(ingest_port)],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"}, stdout=ingest_log, stderr=subprocess.STDOUT,
            start_new_session=True)
        prometheus = Prometheus(tmp_path, {"siaga-worker": worker.metrics_port, "siaga-ingest": ingest_port})
        prometheus.wait_ready()
        yield Pipeline(prometheus, worker, ingest, tmp_path)
    finally:
        if prometheus is not None:
            prometheus.stop()
        if ingest is not None and ingest.poll() is None:
            ingest.send_signal(signal.SIGTERM)
            try:
                ingest.wait(timeout=15)
            except subprocess.TimeoutExpired:
                ingest.kill()
                ingest.wait()
        ingest_log.close()
        worker.stop()


def test_crisis_alert_fires_and_every_panel_has_data(pipeline_under_prometheus: Pipeline) -> None:
    run = pipeline_under_prometheus
    prometheus = run.prometheus
    deadline = time.monotonic() + TIMEOUT

    # Both targets are scraped under the job names the rules select.
    while {item["metric"]["job"] for item in prometheus.query("up == 1")} != {"siaga-worker", "siaga-ingest"}:
        run.assert_running()
        assert time.monotonic() < deadline, f"targets never came up: {prometheus.api('targets')}\n{run.diagnostics()}"
        time.sleep(1)

    crisis: list[dict[str, str]] = []
    while not crisis:
        run.assert_running()
        assert time.monotonic() < deadline, f"the crisis alert never fired\n{run.diagnostics()}"
        firing_health = _labels(prometheus.query('ALERTS{category="pipeline", alertstate="firing"}'))
        assert not firing_health, f"pipeline-health alerts fired during a healthy run: {firing_health}"
        crisis = _labels(prometheus.query('ALERTS{alertname="SiagaCrisisIncidentOpen", alertstate="firing"}'))
        time.sleep(1)

    assert {alert["subject"] for alert in crisis} == {CRISIS_SUBJECT}, crisis
    for alert in crisis:
        assert alert["team"] == CRISIS_TEAM and alert["severity"] in {"warning", "critical"}, alert
        assert alert["category"] == "crisis" and alert["job"] == "siaga-worker", alert
    (rule_alert, *_) = [alert for alert in prometheus.api("alerts")["alerts"]
                        if alert["labels"]["alertname"] == "SiagaCrisisIncidentOpen"]
    assert rule_alert["annotations"]["dashboard"].endswith(f"?var-subject={CRISIS_SUBJECT}")
    assert rule_alert["annotations"]["runbook_url"].startswith("https://")

    # The worker catches up (the organization's response included); then every panel must show data.
    queries = _panel_queries()
    assert len(queries) > 40
    empty = queries
    while empty:
        run.assert_running()
        if time.monotonic() > deadline:
            pytest.fail("panels without data:\n" + "\n".join(f"{where}: {expr}" for where, expr in empty)
                        + f"\n{run.diagnostics()}")
        empty = [(where, expr) for where, expr in queries if not prometheus.query(expr)]
        if empty:
            time.sleep(2)

    # The incident is still open at the end of the stream, and no pipeline alert fires. (A lag alert may be
    # pending while the worker catches up with a stream ingested all at once: its `for` keeps it from firing.)
    assert prometheus.query(f'siaga_incident_open{{subject="{CRISIS_SUBJECT}"}} == 1')
    assert _labels(prometheus.query('ALERTS{category="pipeline", alertstate="firing"}')) == []
