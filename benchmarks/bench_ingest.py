"""Ingest benchmark: a real Kafka broker, a simulated suite published by file ingest and through the webhook.

``file`` publishes the suite's posts.jsonl.gz as ``siaga ingest file`` does, in this process: posts/s from the
start until the publisher has closed (every record acknowledged), and the CPU time this process used meanwhile.
``webhook`` starts ``siaga ingest webhook`` as a subprocess and POSTs the same posts to it as signed NDJSON batches
(``--batch`` posts a request, ``--concurrency`` requests in flight) from this process: posts/s from the first
request until the webhook's /metrics counts every post as acknowledged by Kafka, requests/s until the last answer,
and the CPU time of the webhook process and of the client. Each mode has its own topics. Figures only; nothing is
asserted.

    python benchmarks/bench_ingest.py [--mode file|webhook|both] [--volume 0.1] [--seed 7] [--partitions 4]
                                      [--batch 500] [--concurrency 4]

The posts are read and the request bodies signed before timing starts, so the client measures HTTP, not gzip.
A 503 (ingest behind) is retried after its Retry-After (or 0.1 s) and counted, up to ``MAX_RETRIES`` times a
request; any other answer but 202 stops the run.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.processes import cpu_seconds  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.ingest.file_ingest import ingest_paths  # noqa: E402
from pipeline.ingest.publisher import PostPublisher  # noqa: E402
from pipeline.ingest.sources.webhook import sign  # noqa: E402
from pipeline.local_kafka import LocalKafka, find_free_port  # noqa: E402
from pipeline.runner import metric_total  # noqa: E402
from tests.integration.stack import isolated_settings  # noqa: E402

#: 503 answers one request may get before the run stops.
MAX_RETRIES = 100


@dataclass
class Posted:
    """What the client sent and what the webhook answered."""

    requests: int = 0
    answered: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    busy: int = 0


def bench_file(settings: Settings, posts_file: Path) -> tuple[int, float, float]:
    """Publish ``posts_file`` as ``siaga ingest file`` does: posts published, wall seconds, CPU seconds."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with PostPublisher(settings, "file") as publisher:
        ingest_paths([posts_file], publisher)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if publisher.summary.failed:
        raise RuntimeError(f"file ingest failed to deliver: {publisher.summary.render()}")
    return publisher.summary.published, elapsed, cpu


class WebhookProcess:
    """``siaga ingest webhook`` in a child process, on free ports, publishing to ``settings``' topics."""

    def __init__(self, settings: Settings, secret: bytes, log_path: Path) -> None:
        self.port, self.metrics_port = find_free_port(), find_free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith("SIAGA_WEBHOOK_")}
        env.update({"KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers, "SIAGA_APP_ID": settings.app_id,
                    "SIAGA_TOPIC_PREFIX": settings.topics.posts.removesuffix("siaga.posts"),
                    "SIAGA_PARTITIONS": str(settings.partitions), "SIAGA_WEBHOOK_SECRET": secret.decode(),
                    "PYTHONUNBUFFERED": "1"})
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "ingest", "webhook", "--port", str(self.port),
             "--metrics-port", str(self.metrics_port)],
            env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def url(self) -> str:
        """The base URL of the webhook."""
        return f"http://127.0.0.1:{self.port}"

    def _get(self, url: str) -> tuple[int, str] | None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except OSError:
            return None

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until ``GET /healthz`` answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the webhook exited with {self.process.returncode}:\n{self.log_tail()}")
            answer = self._get(f"{self.url}/healthz")
            if answer is not None and answer[0] == 200:
                return
            time.sleep(0.1)
        raise RuntimeError(f"the webhook was not ready in {timeout:.0f}s:\n{self.log_tail()}")

    def ingested(self) -> float:
        """``siaga_posts_ingested_total`` over every label: posts Kafka has acknowledged."""
        answer = self._get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        return metric_total(answer[1], "siaga_posts_ingested_total") if answer is not None else 0.0

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited within ``timeout``; the exit code (None when killed)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                self._log.close()
                return None
        self._log.close()
        return self.process.returncode

    def log_tail(self, lines: int = 30) -> str:
        """The end of the webhook's log."""
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def read_batches(posts_file: Path, batch: int) -> list[bytes]:
    """The posts of a gzip JSONL file as NDJSON bodies of ``batch`` lines each."""
    with gzip.open(posts_file) as stream:
        lines = [line if line.endswith(b"\n") else line + b"\n" for line in stream if line.strip()]
    return [b"".join(lines[start:start + batch]) for start in range(0, len(lines), batch)]


async def post_all(url: str, bodies: list[tuple[bytes, str]], concurrency: int) -> Posted:
    """POST every signed body to ``url`` with ``concurrency`` requests in flight; retry 503s."""
    posted = Posted()
    pending = iter(bodies)

    async def client(session: aiohttp.ClientSession) -> None:
        for body, signature in pending:
            headers = {"Content-Type": "application/x-ndjson", "X-Siaga-Signature": signature}
            for _ in range(MAX_RETRIES + 1):
                async with session.post(url, data=body, headers=headers) as response:
                    answer = await response.json(content_type=None)
                    posted.requests += 1
                    if response.status == 503:
                        posted.busy += 1
                        await asyncio.sleep(float(response.headers.get("Retry-After", "0.1")))
                        continue
                    if response.status != 202:
                        raise RuntimeError(f"POST {url} answered {response.status}: {answer}")
                    posted.answered += 1
                    posted.accepted += answer["accepted"]
                    posted.duplicates += answer["duplicates"]
                    posted.rejected += len(answer["rejected"])
                    break
            else:
                raise RuntimeError(f"POST {url} answered 503 {MAX_RETRIES + 1} times in a row: {answer}")

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency), timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    return posted


@dataclass
class WebhookRun:
    """Figures of one webhook run: what was sent, how long it took, the CPU it cost, what was answered."""

    sent: int
    batches: int
    elapsed: float
    answered_after: float
    cpu_server: float
    cpu_client: float
    posted: Posted


def bench_webhook(settings: Settings, posts_file: Path, work: Path, batch: int, concurrency: int) -> WebhookRun:
    """POST ``posts_file`` to a webhook subprocess; figures from the first request until Kafka acknowledged all."""
    secret = secrets.token_hex(32).encode()
    batches = read_batches(posts_file, batch)
    sent = sum(body.count(b"\n") for body in batches)
    bodies = [(body, sign(secret, body)) for body in batches]
    webhook = WebhookProcess(settings, secret, work / "webhook.log")
    try:
        webhook.wait_ready()
        cpu_server, cpu_client = cpu_seconds(webhook.process.pid), time.process_time()
        started = time.perf_counter()
        posted = asyncio.run(post_all(f"{webhook.url}/ingest/post", bodies, concurrency))
        answered_after = time.perf_counter() - started
        deadline = time.monotonic() + 120
        while (ingested := webhook.ingested()) < sent:
            if time.monotonic() > deadline or webhook.process.poll() is not None:
                raise RuntimeError(f"Kafka acknowledged {ingested:.0f} of {sent} posts:\n{webhook.log_tail()}")
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        cpu_server = cpu_seconds(webhook.process.pid) - cpu_server
        cpu_client = time.process_time() - cpu_client
    finally:
        code = webhook.stop()
        if code is None:
            print("webhook                    did not exit within 10 s of SIGTERM: killed", file=sys.stderr)
        elif code != 0:
            print(f"webhook                    exited with {code} after SIGTERM:\n{webhook.log_tail()}",
                  file=sys.stderr)
    return WebhookRun(sent, len(batches), elapsed, answered_after, cpu_server, cpu_client, posted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["file", "webhook", "both"], default="both")
    parser.add_argument("--volume", type=float, default=0.1, help="scale of the simulated suite (1.0 = 1M posts)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500, help="posts per webhook request")
    parser.add_argument("--concurrency", type=int, default=4, help="webhook requests in flight")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="siaga-bench-ingest-"))
    suite = work / "suite"
    subprocess.run([sys.executable, "-m", "pipeline", "simulate", "--seed", str(args.seed), "--out", str(suite),
                    "--subjects", "20", "--volume", str(args.volume)], check=True, stdout=subprocess.DEVNULL)
    posts_file = suite / "posts.jsonl.gz"
    kafka = LocalKafka(work / "kafka", port=None, stop_with_parent=True)
    try:
        bootstrap = kafka.start()
        header = False
        if args.mode in ("file", "both"):
            settings = isolated_settings(bootstrap, "bench.file", partitions=args.partitions)
            published, elapsed, cpu = bench_file(settings, posts_file)
            print(f"posts                      {published:,} ({args.partitions} partitions)")
            header = True
            print(f"file ingest                {published / elapsed:,.0f} posts/s ({elapsed:.1f} s wall, {cpu:.1f} s "
                  "CPU in the ingest process)")
        if args.mode in ("webhook", "both"):
            settings = isolated_settings(bootstrap, "bench.webhook", partitions=args.partitions)
            run = bench_webhook(settings, posts_file, work, args.batch, args.concurrency)
            posted = run.posted
            if not header:
                print(f"posts                      {run.sent:,} ({args.partitions} partitions)")
            print(f"webhook ingest             {run.sent / run.elapsed:,.0f} posts/s ({run.elapsed:.1f} s, "
                  f"{run.batches:,} requests of {args.batch} posts, {args.concurrency} in flight)")
            print(f"webhook requests           {posted.requests / run.answered_after:,.1f} requests/s "
                  f"({posted.requests:,} in {run.answered_after:.1f} s to the last answer: {posted.answered:,} "
                  f"answered 202, {posted.busy:,} answered 503 and were retried)")
            print(f"webhook CPU                {run.cpu_server:.1f} s in the webhook process, {run.cpu_client:.1f} s "
                  "in the client")
            if posted.accepted != run.sent or posted.duplicates or posted.rejected:
                print(f"webhook answers            {posted.accepted:,} accepted, {posted.duplicates:,} duplicates, "
                      f"{posted.rejected:,} rejected of {run.sent:,} sent")
    finally:
        kafka.stop()


if __name__ == "__main__":
    main()
