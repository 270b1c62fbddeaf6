"""``siaga ingest``: read posts from a source, validate them and publish to Kafka."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import click

from pipeline.config import Settings
from pipeline.ingest.file_ingest import DryRunSink, PostSink, ingest_paths, parser_for
from pipeline.ingest.publisher import PostPublisher
from pipeline.metrics import serve_metrics
from pipeline.topic_admin import create_topics

__all__ = ["ingest", "run_into_kafka"]


@click.group()
def ingest() -> None:
    """Read posts from a source, validate them and publish to Kafka."""


@ingest.command("file")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "format_name", default="post", show_default=True, envvar="SIAGA_INGEST_FORMAT",
              help="Line format: 'post' (Siaga's normalized JSON) or a platform payload such as 'x' or 'mastodon'.")
@click.option("--follow", is_flag=True, help="Keep reading as the file grows, like tail -f (Ctrl-C stops).")
@click.option("--dry-run", is_flag=True, help="Print normalized posts to stdout and rejections to stderr; no Kafka.")
@click.option("--metrics-port", default=9401, show_default=True, envvar="SIAGA_INGEST_METRICS_PORT",
              help="Port of /metrics (0 disables it).")
@click.option("--metrics-host", default="127.0.0.1", show_default=True, envvar="SIAGA_METRICS_HOST")
@click.option("--create-topics/--no-create-topics", "create_topics_first", default=True, show_default=True,
              help="Create Siaga's topics first when they are missing.")
def ingest_file(paths: tuple[Path, ...], format_name: str, follow: bool, dry_run: bool, metrics_port: int,
                metrics_host: str, create_topics_first: bool) -> None:
    """Ingest JSONL files (plain or gzip): valid posts to siaga.posts, invalid lines to siaga.posts.dlq."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        parse = parser_for(format_name)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--format") from None
    stop = threading.Event()
    if follow:
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    run_into_kafka("file", lambda sink: ingest_paths(paths, sink, parse=parse, follow=follow, stop=stop),
                   dry_run=dry_run, metrics_port=metrics_port, metrics_host=metrics_host,
                   create_topics_first=create_topics_first)


def run_into_kafka(source: str, feed: Callable[[PostSink], object], *, dry_run: bool, metrics_port: int,
                   metrics_host: str, create_topics_first: bool) -> None:
    """Feed a source into Kafka (or, with ``dry_run``, to stdout and stderr) and print its summary.

    Exits 1 when some valid post could not be delivered; rejections alone are not a failure.
    """
    if dry_run:
        sink = DryRunSink()
        feed(sink)
        click.echo(sink.summary.render(), err=True)
        return
    settings = Settings.from_env()
    serve_metrics(metrics_port, metrics_host)
    if create_topics_first:
        create_topics(settings)
    with PostPublisher(settings, source) as publisher:
        feed(publisher)
    click.echo(publisher.summary.render())
    if publisher.summary.failed:
        raise SystemExit(1)


def _attach_sources() -> None:
    """Add the network sources (webhook, mastodon, bluesky, reddit, rss) as ``siaga ingest`` subcommands."""
    from pipeline.cli.ingest_sources import COMMANDS

    for command in COMMANDS:
        ingest.add_command(command)


_attach_sources()
