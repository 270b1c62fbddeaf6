"""Backtest the volume detector over a ``timestamp,value`` count series (the CSV logic behind ``siaga backtest``).

Each row is one window of the series' own step. The detector scores the row, the incident lifecycle decides
whether an incident opens on it (the ``alert`` column: 1 on onset rows only), and the row is learned whenever no
incident is open, anomalous or not; rows of an open incident are skipped (``skip_one``: the baselines learn
nothing, the evidence accumulators move on). That is the learning contract of :class:`CrisisDetector` (it
winsorizes what it learns, and it must see a subject's ordinary bursts to calibrate how bursty the subject is).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import logging
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from detectors.anomaly import CrisisDetector
from detectors.lifecycle import IncidentLifecycle
from detectors.presets import lifecycle_preset

__all__ = ["BacktestRow", "infer_step", "parse_timestamp", "read_series", "run_backtest", "write_rows"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BacktestRow:
    """One output row."""

    timestamp: str
    value: float
    anomaly_score: float
    alert: int


def parse_timestamp(text: str) -> float:
    """Epoch seconds of an ISO-8601 timestamp; a naive timestamp is UTC.

    >>> parse_timestamp("1970-01-01 00:01:00"), parse_timestamp("1970-01-01T01:00:00+01:00")
    (60.0, 0.0)
    """
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def read_series(stream: IO[str]) -> list[tuple[str, float, float]]:
    """``(timestamp text, epoch seconds, value)`` per row of a ``timestamp,value`` CSV, sorted by time."""
    reader = csv.DictReader(stream)
    if reader.fieldnames is None or not {"timestamp", "value"} <= set(reader.fieldnames):
        raise ValueError("the series needs the columns timestamp,value")
    rows = []
    for line, record in enumerate(reader, start=2):
        try:
            rows.append((record["timestamp"], parse_timestamp(record["timestamp"]), float(record["value"])))
        except (TypeError, ValueError) as error:
            raise ValueError(f"line {line}: {error}") from error
    rows.sort(key=lambda row: row[1])
    return rows


def infer_step(times: Iterable[float]) -> float:
    """The series' step: the median gap between consecutive distinct timestamps.

    >>> infer_step([0.0, 300.0, 600.0, 1200.0, 1500.0])
    300.0
    """
    ordered = sorted(set(times))
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    if not gaps:
        raise ValueError("need at least two distinct timestamps to infer the step")
    return float(statistics.median(gaps))


def run_backtest(
    rows: list[tuple[str, float, float]], sensitivity: str = "balanced", **overrides: Any
) -> Iterator[BacktestRow]:
    """Score every row with the volume-only :class:`CrisisDetector` and the lifecycle of ``sensitivity``.

    ``overrides`` change detector parameters (as a watchlist subject may).

    >>> rows = [(str(i), i * 300.0, 50.0 + (i % 5)) for i in range(400)]
    >>> rows += [(str(i), i * 300.0, 500.0) for i in range(400, 404)]
    >>> out = list(run_backtest(rows))
    >>> sum(row.alert for row in out), out[401].alert, out[-1].anomaly_score > 0.9
    (1, 1, True)
    """
    step = infer_step(row[1] for row in rows)
    detector = CrisisDetector(sensitivity=sensitivity, window_seconds=step, **overrides)
    lifecycle = IncidentLifecycle(**lifecycle_preset(sensitivity))
    for text, t, value in rows:
        x = {"volume": value}
        assessment = detector.score_one(x, t)
        transitions = lifecycle.update(assessment, t, t + step)
        alert = int(any(transition.kind == "onset" for transition in transitions))
        if not lifecycle.in_incident:
            detector.learn_one(x, t)
        else:
            detector.skip_one(x, t)
        yield BacktestRow(text, value, assessment.score, alert)


def write_rows(rows: Iterable[BacktestRow], stream: IO[str]) -> int:
    """Write ``timestamp,value,anomaly_score,alert``; returns the number of alerts."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["timestamp", "value", "anomaly_score", "alert"])
    alerts = 0
    for row in rows:
        value = int(row.value) if row.value.is_integer() else row.value
        writer.writerow([row.timestamp, value, f"{row.anomaly_score:.6f}", row.alert])
        alerts += row.alert
    return alerts
