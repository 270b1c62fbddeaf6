"""A child stops with its parent, and a stop that hangs ends at its deadline (real processes, no broker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline.process_guard import EXIT_STOP_DEADLINE
from tests.process_state import running

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")

#: a child that asks to stop with the parent whose pid is its first argument, says so, then sleeps
CHILD = ("import sys, time; from pipeline.process_guard import terminate_with_parent; "
         "terminate_with_parent(int(sys.argv[1])); print('ready', flush=True); time.sleep(60)")
#: a parent that starts CHILD, prints the child's pid once the child is ready, then sleeps
PARENT = ("import os, subprocess, sys, time; "
          "child = subprocess.Popen([sys.executable, '-c', sys.argv[1], str(os.getpid())], stdout=subprocess.PIPE); "
          "child.stdout.readline(); print(child.pid, flush=True); time.sleep(60)")




def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_stop_that_hangs_ends_at_its_deadline_with_its_exit_code() -> None:
    code = "import time; from pipeline.process_guard import arm_exit_deadline; arm_exit_deadline(0.2); time.sleep(30)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=20)

    assert done.returncode == EXIT_STOP_DEADLINE
    assert "the stop did not finish" in done.stderr


def test_a_child_stops_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD], stdout=subprocess.PIPE, text=True)
    try:
        child_pid = int(parent.stdout.readline())
        assert running(child_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert _wait_gone(child_pid, 10), "the child outlived its parent"
    finally:
        parent.kill()
        parent.wait(10)


def test_a_child_whose_parent_died_before_it_asked_stops_at_once() -> None:
    not_my_parent = os.getpid() + 1_000_000  # no process has this pid, so it cannot be the child's parent
    child = subprocess.run([sys.executable, "-c", CHILD, str(not_my_parent)],
                           capture_output=True, text=True, timeout=20)

    assert child.returncode == -signal.SIGTERM
    assert "ready" not in child.stdout


def test_a_child_whose_parent_lives_keeps_running() -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(os.getpid())],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        assert child.poll() is None
    finally:
        child.kill()
        child.wait(10)
