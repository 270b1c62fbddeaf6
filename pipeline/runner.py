"""Run Siaga's processes from Python: a worker subprocess, and the reads a demo or a test makes of Kafka."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from pipeline.config import KafkaSettings
from pipeline.process_guard import PARENT_PID_VARIABLE
from schemas.crisis_event import CrisisEvent

__all__ = ["WorkerProcess", "committed_lag", "follow_events", "metric_total"]

logger = logging.getLogger(__name__)


class WorkerProcess:
    """``siaga worker`` in a child process, with its environment, log file and metrics port.

    Its local directory (``SIAGA_STATE_DIR``) sits beside the log unless ``env`` names one. The worker stops when
    this process dies, so a supervisor cut short leaves no worker behind.
    """

    def __init__(self, env: Mapping[str, str], log_path: Path, metrics_port: int) -> None:
        self.env = {**os.environ, "SIAGA_STATE_DIR": str(log_path.with_suffix(".state")), **env,
                    "SIAGA_METRICS_PORT": str(metrics_port), "PYTHONUNBUFFERED": "1",
                    PARENT_PID_VARIABLE: str(os.getpid())}
        self.log_path = log_path
        self.metrics_port = metrics_port
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        """The child's exit code once it has exited (negative: killed by that signal), else None."""
        return self._process.poll() if self._process is not None else None

    def start(self, ready_timeout: float = 90.0) -> None:
        """Start the worker and wait until it has joined its group and restored its tables.

        ``siaga_state_recovering`` reads 0 once Faust completes a rebalance; /metrics answers earlier than that.
        """
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen([sys.executable, "-m", "pipeline", "worker"], env=self.env,
                                         stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the worker exited with {self._process.returncode}:\n{self.log_tail()}")
            text = self.metrics_text(["siaga_state_recovering"])
            if text is not None and _recovered(text):
                return
            time.sleep(0.2)
        raise RuntimeError(f"the worker was not ready in {ready_timeout:.0f}s:\n{self.log_tail()}")

    def metrics_text(self, names: Sequence[str] = ()) -> str | None:
        """The worker's current /metrics page (only the series ``names`` when given), or None if it does not answer.

        Asking for a few names keeps the poll cheap for the worker: with thousands of subjects the whole page has
        hundreds of thousands of series.
        """
        query = "?" + urllib.parse.urlencode([("name[]", name) for name in names]) if names else ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics{query}",
                                        timeout=10) as response:
                return response.read().decode()
        except OSError:
            return None

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within ``timeout``."""
        self._signal(signal.SIGTERM)
        try:
            if self._process is not None:
                self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_log()

    def kill(self) -> None:
        """SIGKILL the worker (a crash, for fault tests)."""
        self._signal(signal.SIGKILL)
        if self._process is not None:
            self._process.wait(10)
        self._close_log()

    def log_tail(self, lines: int = 40) -> str:
        """The end of the worker's log."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _signal(self, signum: signal.Signals) -> None:
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signum)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def _recovered(text: str) -> bool:
    return any(line == "siaga_state_recovering 0.0" for line in text.splitlines())


def follow_events(kafka: KafkaSettings, topic: str, *, idle_timeout: float, stop_after: float,
                  from_beginning: bool = True) -> Iterator[CrisisEvent]:
    """Crisis events from ``topic`` until none arrives for ``idle_timeout`` s or ``stop_after`` s have passed."""
    consumer = KafkaConsumer(topic, auto_offset_reset="earliest" if from_beginning else "latest",
                             enable_auto_commit=False, group_id=None, consumer_timeout_ms=500,
                             **kafka.kafka_python())
    try:
        deadline = time.monotonic() + stop_after
        last = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last < idle_timeout:
            for record in consumer:
                last = time.monotonic()
                yield CrisisEvent.from_json(record.value)
    finally:
        consumer.close()


def committed_lag(kafka: KafkaSettings, group: str, topic: str) -> int | None:
    """Records of ``topic`` the consumer group has not committed yet (None before it has committed at all)."""
    admin = KafkaAdminClient(**kafka.kafka_python())
    consumer = KafkaConsumer(**kafka.kafka_python())
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = consumer.end_offsets(partitions)
        committed = admin.list_group_offsets({group: None}).get(group, {})
        if not any(tp in committed for tp in partitions):
            return None if any(ends.values()) else 0
        return sum(ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in partitions)
    finally:
        consumer.close()
        admin.close()


def metric_total(text: str, name: str) -> float:
    """Sum of every sample of metric ``name`` (all label sets) in a /metrics page.

    >>> metric_total('a_total{s="x"} 2.0\\na_total{s="y"} 3.0\\nb 1\\n', "a_total")
    5.0
    """
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name):len(name) + 1] in ("{", " "):
            total += float(line.rsplit(" ", 1)[1])
    return total
