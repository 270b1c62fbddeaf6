"""``siaga demo``: the whole pipeline on the bundled demo stream."""

from __future__ import annotations

import logging
from pathlib import Path

import click

__all__ = ["demo"]


@click.command()
@click.option("--exit-after-replay", is_flag=True, help="Stop by itself once the file has been processed.")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Posts to replay (JSONL, gzip allowed). Default: the bundled demo stream.")
def demo(exit_after_replay: bool, path: Path | None) -> None:
    """Start Kafka, a worker and a demo ingest, and print crisis events."""
    from pipeline.demo import DEMO_FILE, run_demo

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    run_demo(path or DEMO_FILE, exit_after_replay=exit_after_replay, echo=click.echo)
