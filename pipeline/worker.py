"""Compose the streaming worker: settings, watchlist and models in; a Faust app with every agent out."""

from __future__ import annotations

import logging
import threading
from typing import Any

from aiokafka.errors import KafkaError
from faust.worker import Worker

from detectors.sentiment import SentimentScorer
from pipeline import metrics
from pipeline.agents.enrich import attach_enrich_agent
from pipeline.agents.feedback import attach_feedback_consumer
from pipeline.agents.subjects import SubjectStage, attach_subject_agent
from pipeline.app import Streams, create_app
from pipeline.config import Settings
from pipeline.enrichment import Enricher
from pipeline.process_guard import arm_exit_deadline
from pipeline.progress import ProgressWatch, task_stacks
from schemas.watchlist import load_watchlist

__all__ = ["DeadlineWorker", "build_worker"]

logger = logging.getLogger(__name__)

#: A source partition with records waiting whose position has not moved for this long is reported as stalled.
STALL_SECONDS = 60.0


def build_worker(settings: Settings) -> Streams:
    """The app and its topics: enrich and subject agents, the sentiment-feedback learner, lag monitor, metrics at 0."""
    watchlist = load_watchlist(settings.watchlist)
    scorer = SentimentScorer.from_model_dir(settings.sentiment_model_dir)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    streams = create_app(settings)
    enricher = Enricher(watchlist, scorer)
    attach_enrich_agent(streams, enricher)
    attach_feedback_consumer(streams, enricher, settings)
    attach_subject_agent(streams, SubjectStage(streams, watchlist, settings))
    _attach_lag_monitor(streams, settings)
    metrics.register_subjects(watchlist.subjects)
    logger.info("watching %d subjects from %s", len(watchlist), settings.watchlist)
    return streams


class DeadlineWorker(Worker):
    """Faust's worker whose stop, however it begins (signal, crash, end of run), ends the process in time.

    Without a broker, Faust's graceful stop can take a minute (each service waits up to 60 s for its consumer
    thread); past ``stop_timeout`` the process exits as a crash would, and a restart reads again what it had not
    committed.
    """

    def __init__(self, *services: Any, stop_timeout: float, **kwargs: Any) -> None:
        super().__init__(*services, **kwargs)
        self.stop_timeout = stop_timeout
        self._deadline: threading.Timer | None = None

    async def stop(self) -> None:
        """Stop every service as Faust does, the process exiting ``stop_timeout`` s after the first call at most."""
        if self._deadline is None:
            self._deadline = arm_exit_deadline(self.stop_timeout)
        await super().stop()


def _attach_lag_monitor(streams: Streams, settings: Settings) -> None:
    """Export consumer lag of the source topics and whether table state is being recovered; log a stalled one."""
    app = streams.app
    sources = {settings.topics.posts, settings.topics.mentions}
    watch = ProgressWatch(STALL_SECONDS)
    metrics.STATE_RECOVERY.set(1)

    @app.on_partitions_revoked.connect
    async def on_revoked(sender: Any, revoked: Any, **_: Any) -> None:
        metrics.STATE_RECOVERY.set(1)

    @app.on_rebalance_complete.connect
    async def on_complete(sender: Any, **_: Any) -> None:
        metrics.STATE_RECOVERY.set(0)

    @app.timer(interval=5.0)
    async def export_lag() -> None:
        consumer = app.consumer
        partitions = [tp for tp in consumer.assignment() if tp.topic in sources]
        if not partitions:
            return
        # Faust's own flag, from revocation until the streams are sought and resumed: stream partitions stay paused
        # while table state is restored, which is no stall
        rebalancing = app.rebalancing
        watch.keep_only(() if rebalancing else partitions)
        try:
            highwaters = await consumer.highwaters(*partitions)
            for tp in partitions:
                position = await consumer.position(tp)
                if position is not None and tp in highwaters:
                    metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwaters[tp] - position))
                    if not rebalancing and watch.observe(tp, position, highwaters[tp]):
                        logger.warning("no progress on %s/%d for %.0f s with %d records waiting; the worker's tasks "
                                       "wait at:\n  %s", tp.topic, tp.partition, watch.stalled_for(tp),
                                       highwaters[tp] - position, "\n  ".join(task_stacks()))
        except KafkaError as error:
            # a rebalance took a partition away between assignment() and position(): a timer must never take the
            # worker down with it; the next tick reads the new assignment
            logger.debug("consumer lag not exported this time: %s", error)
