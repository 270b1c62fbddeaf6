"""A worker never outlives its purpose: its stop has a deadline when the broker is gone, and it stops with the
process that started it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.local_kafka import LocalKafka
from pipeline.process_guard import EXIT_STOP_DEADLINE
from tests.integration.stack import isolated_settings, start_worker, wait_for
from tests.process_state import running

#: starts a worker on the Kafka at argv[1] with topics prefixed argv[2], prints its pid, then sleeps
SUPERVISOR = """
import sys, time
from pathlib import Path
from tests.integration.stack import isolated_settings, start_worker
worker = start_worker(isolated_settings(sys.argv[1], sys.argv[2]), Path(sys.argv[3]))
print(worker.pid, flush=True)
time.sleep(600)
"""




@pytest.mark.slow
def test_a_worker_whose_broker_is_gone_exits_at_its_stop_deadline(
    local_kafka_factory: Callable[..., LocalKafka], tmp_path: Path
) -> None:
    cluster = local_kafka_factory()
    settings = isolated_settings(cluster.bootstrap_servers, "stopdeadline")
    worker = start_worker(settings, tmp_path, SIAGA_STOP_TIMEOUT_SECONDS="5")
    cluster.stop()
    # Faust's own stop would wait a minute for its consumer thread, then exit 0
    worker.stop(timeout=45)

    assert worker.returncode == EXIT_STOP_DEADLINE, worker.log_tail()
    assert "the stop did not finish in 5 s" in worker.log_tail(200)


def test_a_worker_stops_when_the_process_that_started_it_is_killed(
    kafka_bootstrap: str, unique_topic_prefix: str, tmp_path: Path
) -> None:
    supervisor = subprocess.Popen([sys.executable, "-c", SUPERVISOR, kafka_bootstrap, unique_topic_prefix,
                                   str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    try:
        worker_pid = int(supervisor.stdout.readline() or 0)
        assert worker_pid and running(worker_pid), f"the supervisor did not start a worker (exit {supervisor.poll()})"
        supervisor.kill()
        supervisor.wait(10)
        wait_for(lambda: not running(worker_pid), 40, "the orphaned worker to stop")
    finally:
        supervisor.kill()
        supervisor.wait(10)
    assert "Signal received: 15" in (tmp_path / "worker.log").read_text(errors="replace"), "not a graceful stop"
