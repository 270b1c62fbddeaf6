"""``siaga worker``: run the Faust worker."""

from __future__ import annotations

import logging
from pathlib import Path

import click

__all__ = ["worker"]


@click.command()
@click.option("--watchlist", type=click.Path(exists=True, dir_okay=False, path_type=Path), envvar="SIAGA_WATCHLIST",
              help="Subjects to watch (TOML or JSON). Default: the bundled example watchlist.")
@click.option("--metrics-port", type=int, envvar="SIAGA_METRICS_PORT", help="Port of /metrics (default 9400).")
@click.option("--metrics-host", envvar="SIAGA_METRICS_HOST", help="Bind address of /metrics (default 127.0.0.1).")
@click.option("--loglevel", default="info", show_default=True, type=click.Choice(["debug", "info", "warn", "error"]))
def worker(watchlist: Path | None, metrics_port: int | None, metrics_host: str | None, loglevel: str) -> None:
    """Run the Faust worker: match, window, detect and emit crisis events."""
    import os
    from dataclasses import replace

    from pipeline.agent_failure import EXIT_AGENT_FAILED
    from pipeline.config import Settings
    from pipeline.metrics import serve_metrics
    from pipeline.process_guard import PARENT_PID_VARIABLE, terminate_with_parent
    from pipeline.topic_admin import create_topics
    from pipeline.worker import DeadlineWorker, build_worker

    if parent := os.environ.get(PARENT_PID_VARIABLE):
        terminate_with_parent(int(parent))

    logging.basicConfig(level=loglevel.upper().replace("WARN", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    overrides = {key: value for key, value in {"watchlist": watchlist, "metrics_port": metrics_port,
                                                "metrics_host": metrics_host}.items() if value is not None}
    settings = replace(settings, **overrides)
    create_topics(settings)
    streams = build_worker(settings)
    serve_metrics(settings.metrics_port, settings.metrics_host)
    try:
        DeadlineWorker(streams.app, stop_timeout=settings.stop_timeout_seconds, loglevel=loglevel, quiet=True,
                       redirect_stdouts=False).execute_from_commandline()
    finally:
        if streams.app.agent_failure.reason is not None:
            raise SystemExit(EXIT_AGENT_FAILED)
