"""``siaga demo``: a private Kafka, a worker and an ingest of the demo file, with crisis events printed as they come."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from kafka import KafkaConsumer

from pipeline.config import Settings, TopicNames
from pipeline.ingest.file_ingest import ingest_paths
from pipeline.ingest.publisher import IngestSummary, PostPublisher
from pipeline.local_kafka import LocalKafka, find_free_port
from pipeline.metrics import serve_metrics
from pipeline.runner import WorkerProcess, committed_lag, metric_total
from pipeline.topic_admin import create_topics
from schemas.crisis_event import CrisisEvent

__all__ = ["DEMO_FILE", "format_event", "run_demo"]

logger = logging.getLogger(__name__)

DEMO_FILE = Path(__file__).parent / "data" / "demo_posts.jsonl.gz"


def format_event(event: CrisisEvent) -> str:
    """A crisis event as a few readable lines."""
    data = event.data
    head = (f"{event.stage.upper():10} {event.subject} ({data.get('subject_name', '')})  at "
            f"{data.get('window', {}).get('end', '')}  severity={data.get('severity')}  "
            f"score={data.get('score', 0):.2f} (threshold {data.get('threshold', 0):.2f})")
    lines = [head, f"           id {event.id}"]
    for reason in (data.get("reasons") or [])[:3]:
        lines.append(f"           - {reason}")
    drivers = data.get("drivers") or {}
    terms = ", ".join(f"{item.get('term')} x{item.get('lift', 0):.1f}" for item in (drivers.get("top_terms") or [])[:5])
    if terms:
        lines.append(f"           top terms: {terms}")
    if data.get("response"):
        response = data["response"]
        lines.append(f"           first response by @{response.get('author')} after "
                     f"{response.get('seconds_since_start', 0) / 60:.0f} min")
    if data.get("summary"):
        summary = data["summary"]
        lines.append(f"           {summary.get('mentions')} mentions over {summary.get('duration_seconds', 0) / 60:.0f}"
                     f" min, negative share {summary.get('negative_share') or 0:.0%}")
    return "\n".join(lines)


def run_demo(path: Path = DEMO_FILE, *, exit_after_replay: bool = False, echo: Callable[[str], None] = print,
             timeout: float = 600.0) -> int:
    """Run the whole pipeline on ``path``; returns the number of crisis events printed."""
    workdir = Path(tempfile.mkdtemp(prefix="siaga-demo-"))
    run_id = uuid.uuid4().hex[:6]
    settings = Settings.from_env()
    kafka: LocalKafka | None = None
    worker: WorkerProcess | None = None
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            topics = TopicNames(**{name: f"demo-{run_id}.{value}" for name, value in vars(TopicNames()).items()})
            settings = replace(settings, topics=topics)
        else:
            echo("Starting a private Apache Kafka broker (the first run downloads it from Maven Central)...")
            kafka = LocalKafka(workdir / "kafka", port=None, stop_with_parent=True)
            settings = replace(settings, kafka=replace(settings.kafka, bootstrap_servers=kafka.start()))
        settings = replace(settings, app_id=f"siaga-demo-{run_id}", partitions=1)
        echo(f"Kafka at {settings.kafka.bootstrap_servers}")
        create_topics(settings)
        worker_port, ingest_port = _port(9400), _port(9401)
        worker = WorkerProcess(
            {"KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers, "SIAGA_APP_ID": settings.app_id,
             "SIAGA_PARTITIONS": "1", "SIAGA_IDLE_CLOSE_SECONDS": "5",
             "SIAGA_TOPIC_PREFIX": settings.topics.posts.removesuffix("siaga.posts")},
            workdir / "worker.log", worker_port)
        echo("Starting the worker...")
        worker.start()
        serve_metrics(ingest_port)
        echo(f"Metrics: worker http://127.0.0.1:{worker_port}/metrics, ingest http://127.0.0.1:{ingest_port}/metrics")
        echo(f"Crisis events on topic {settings.topics.crisis_events}; ingesting {path} ...\n")
        summary: list[IngestSummary | BaseException] = []
        ingest = threading.Thread(target=_ingest, args=(settings, path, summary, stop), daemon=True)
        ingest.start()
        return _print_events(settings, worker, ingest, summary, echo, exit_after_replay, timeout)
    except KeyboardInterrupt:
        echo("\nStopping...")
        return 0
    finally:
        stop.set()
        if worker is not None:
            worker.stop()
        if kafka is not None:
            kafka.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _port(preferred: int) -> int:
    try:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", preferred))
        return preferred
    except OSError:
        return find_free_port()


def _ingest(settings: Settings, path: Path, summary: list[IngestSummary | BaseException],
            stop: threading.Event) -> None:
    try:
        with PostPublisher(settings, "file") as publisher:
            ingest_paths([path], publisher, stop=stop)
        summary.append(publisher.summary)
    except Exception as error:  # reported by the main thread, which stops the demo
        summary.append(error)


def _print_events(settings: Settings, worker: WorkerProcess, ingest: threading.Thread,
                  summary: list[IngestSummary | BaseException],
                  echo: Callable[[str], None], exit_after_replay: bool, timeout: float) -> int:
    consumer = KafkaConsumer(settings.topics.crisis_events, auto_offset_reset="earliest", group_id=None,
                             consumer_timeout_ms=500, **settings.kafka.kafka_python())
    printed = 0
    announced = False
    caught_up_since: float | None = None
    deadline = time.monotonic() + timeout
    try:
        while True:
            for record in consumer:
                echo(format_event(CrisisEvent.from_json(record.value)) + "\n")
                printed += 1
                caught_up_since = None
            if summary and isinstance(summary[0], BaseException):
                raise RuntimeError(f"ingest failed: {summary[0]}") from summary[0]
            if summary and not announced:
                echo(f"Ingest finished: {summary[0].render()}")
                announced = True
            if not exit_after_replay:
                continue
            if summary and _caught_up(settings, worker):
                caught_up_since = caught_up_since or time.monotonic()
                if time.monotonic() - caught_up_since > 3.0:
                    echo(f"Replay processed: {printed} crisis events.")
                    return printed
            if time.monotonic() > deadline:
                echo(f"Gave up waiting after {timeout:.0f}s; worker log:\n{worker.log_tail()}")
                return printed
    finally:
        consumer.close()


def _caught_up(settings: Settings, worker: WorkerProcess) -> bool:
    """True when the worker has read every post and every mention it published."""
    text = worker.metrics_text()
    if text is None or committed_lag(settings.kafka, settings.app_id, settings.topics.posts) != 0:
        return False
    return metric_total(text, "siaga_mentions_total") == metric_total(text, "siaga_mentions_consumed_total")
