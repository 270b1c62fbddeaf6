"""Keep a child process from outliving its purpose: it stops with its parent, and a stop has a deadline."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading

__all__ = ["EXIT_STOP_DEADLINE", "PARENT_PID_VARIABLE", "arm_exit_deadline", "terminate_with_parent"]

logger = logging.getLogger(__name__)

EXIT_STOP_DEADLINE = 70  # EX_SOFTWARE: the stop did not finish in time
PARENT_PID_VARIABLE = "SIAGA_PARENT_PID"  # set by a process that starts a worker as its child: stop when it dies
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def terminate_with_parent(parent_pid: int | None = None) -> None:
    """Ask Linux to SIGTERM this process when its parent dies (a no-op elsewhere).

    Called in a forked child before exec, or early in a child's own start. With ``parent_pid`` (the pid that
    started this process), a parent that died before the request took hold also SIGTERMs the process at once.
    Linux ties the request to the parent *thread*: start the child from a thread that lives as long as it does.
    """
    if not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent_pid is not None and os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGTERM)


def arm_exit_deadline(seconds: float, exit_code: int = EXIT_STOP_DEADLINE) -> threading.Timer:
    """Exit the process with ``exit_code`` in ``seconds`` unless it has exited by then; returns the timer."""

    def expire() -> None:
        logger.error("the stop did not finish in %.0f s: exiting now (uncommitted records are read again on restart)",
                     seconds)
        logging.shutdown()
        os._exit(exit_code)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer
