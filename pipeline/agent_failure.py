"""An agent that fails stops the worker, so that the batch it was in is read again rather than skipped."""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

__all__ = ["EXIT_AGENT_FAILED", "StopOnFailure"]

logger = logging.getLogger(__name__)

EXIT_AGENT_FAILED = 1


class StopOnFailure:
    """What :class:`~pipeline.transport.SiagaApp` does when an agent fails: the first failure stops the worker as
    SIGTERM does.

    Faust's default restarts a failed agent at the record after the batch it was in: those records are neither
    counted nor acknowledged, and the consumer's commits stall behind them. Stopping instead leaves them
    uncommitted, so the worker that restarts (or takes the partitions over) reads them again. ``reason`` holds the
    first failure; the process then exits with :data:`EXIT_AGENT_FAILED` so that a supervisor restarts it.
    """

    def __init__(self) -> None:
        self.reason: BaseException | None = None

    async def __call__(self, agent: Any, error: BaseException) -> None:
        """Record the first failure and ask this process to stop."""
        if self.reason is not None:
            return
        self.reason = error
        logger.critical("agent %s failed: stopping the worker so that its unacknowledged records are read again",
                        getattr(agent, "name", agent), exc_info=error)
        os.kill(os.getpid(), signal.SIGTERM)
