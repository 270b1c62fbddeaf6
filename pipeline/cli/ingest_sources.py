"""``siaga ingest webhook|mastodon|bluesky|reddit|rss``: run one live source into Kafka.

Each command builds its :class:`~pipeline.ingest.sources.base.Source`, then pumps it into a
:class:`~pipeline.ingest.publisher.PostPublisher` (or, with ``--dry-run``, prints posts as JSONL) until SIGINT or
SIGTERM. Secrets come from ``SIAGA_*`` variables or the files their ``*_FILE`` variants name, and are never
printed. Attach to the ``ingest`` group with ``ingest.add_command(...)`` for each command in :data:`COMMANDS`.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pipeline.ingest.sources.base import Source, pump, read_secret

__all__ = ["COMMANDS", "bluesky", "mastodon", "reddit", "rss", "webhook"]

logger = logging.getLogger(__name__)


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--dry-run", is_flag=True, help="Print normalized posts to stdout and rejections to stderr."),
        click.option("--metrics-port", default=9402, show_default=True, envvar="SIAGA_INGEST_METRICS_PORT",
                     help="Port of /metrics (0 disables it)."),
        click.option("--metrics-host", default="127.0.0.1", show_default=True, envvar="SIAGA_METRICS_HOST"),
        click.option("--create-topics/--no-create-topics", "create_topics_first", default=True, show_default=True,
                     help="Create Siaga's topics first when they are missing."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _state_option(name: str) -> Callable[..., Any]:
    return click.option("--state-file", type=click.Path(dir_okay=False, path_type=Path),
                        default=Path(f".siaga/ingest/{name}.json"), show_default=True,
                        envvar=f"SIAGA_{name.upper()}_STATE_FILE", help="Where resume positions are kept.")


def _run(source: Source, dry_run: bool, metrics_port: int, metrics_host: str, create_topics_first: bool) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGINT, lambda *_: source.stop())
    signal.signal(signal.SIGTERM, lambda *_: source.stop())
    from pipeline.cli.ingest import run_into_kafka

    run_into_kafka(source.name, lambda sink: pump(source, sink), dry_run=dry_run, metrics_port=metrics_port,
                   metrics_host=metrics_host, create_topics_first=create_topics_first)


@click.command("webhook")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="SIAGA_WEBHOOK_HOST")
@click.option("--port", default=8090, show_default=True, envvar="SIAGA_WEBHOOK_PORT")
@click.option("--max-bytes", default=1_048_576, show_default=True, envvar="SIAGA_WEBHOOK_MAX_BYTES",
              help="Largest request body accepted (413 above it).")
@click.option("--queue-size", default=64, show_default=True, envvar="SIAGA_WEBHOOK_QUEUE_SIZE",
              help="Requests waiting for Kafka before new ones get 503 (memory is bounded by this times --max-bytes).")
@click.option("--allow-unsigned", is_flag=True, help="Accept unsigned bodies (local testing only).")
@_common
def webhook(host: str, port: int, max_bytes: int, queue_size: int, allow_unsigned: bool, **common: Any) -> None:
    """Receive posts over HTTP: POST /ingest/<format>, HMAC-SHA256 signed with $SIAGA_WEBHOOK_SECRET(_FILE)."""
    from pipeline.ingest.sources.webhook import WebhookSource

    secret = read_secret("SIAGA_WEBHOOK_SECRET")
    verify = read_secret("SIAGA_WEBHOOK_VERIFY_TOKEN")
    try:
        source = WebhookSource(host, port, secret=secret, allow_unsigned=allow_unsigned, max_bytes=max_bytes,
                               queue_size=queue_size, verify_token=verify.decode() if verify else None)
    except ValueError as error:
        raise click.UsageError(f"{error}: set SIAGA_WEBHOOK_SECRET or SIAGA_WEBHOOK_SECRET_FILE") from None
    _run(source, **common)


@click.command("mastodon")
@click.option("--instance", required=True, envvar="SIAGA_MASTODON_INSTANCE", help="e.g. https://mastodon.social")
@click.option("--stream", type=click.Choice(["public", "public:local", "hashtag", "user"]), default="public",
              show_default=True, envvar="SIAGA_MASTODON_STREAM")
@click.option("--tag", envvar="SIAGA_MASTODON_TAG", help="Hashtag for --stream hashtag.")
@_state_option("mastodon")
@_common
def mastodon(instance: str, stream: str, tag: str | None, state_file: Path, **common: Any) -> None:
    """Stream statuses from a Mastodon instance (token: $SIAGA_MASTODON_TOKEN or _FILE, optional)."""
    from pipeline.ingest.sources.mastodon import MastodonSource

    source = MastodonSource(instance, stream=stream, tag=tag, token=read_secret("SIAGA_MASTODON_TOKEN"),
                            state_path=state_file)
    _run(source, **common)


@click.command("bluesky")
@click.option("--url", default="wss://jetstream2.us-east.bsky.network/subscribe", show_default=True,
              envvar="SIAGA_JETSTREAM_URL", help="Jetstream subscribe endpoint.")
@click.option("--did", "dids", multiple=True, help="Only these accounts (repeatable).")
@_state_option("bluesky")
@_common
def bluesky(url: str, dids: tuple[str, ...], state_file: Path, **common: Any) -> None:
    """Stream Bluesky posts and reposts from Jetstream, resuming from the saved cursor."""
    from pipeline.ingest.sources.bluesky import BlueskySource

    _run(BlueskySource(url, dids=dids, state_path=state_file), **common)


@click.command("reddit")
@click.argument("subreddits", nargs=-1, required=True)
@click.option("--interval", default=30.0, show_default=True, envvar="SIAGA_REDDIT_INTERVAL",
              help="Seconds between polls.")
@click.option("--api", default="https://oauth.reddit.com", show_default=True, envvar="SIAGA_REDDIT_API")
@_state_option("reddit")
@_common
def reddit(subreddits: tuple[str, ...], interval: float, api: str, state_file: Path, **common: Any) -> None:
    """Poll subreddits' new submissions and comments (token: $SIAGA_REDDIT_TOKEN or _FILE)."""
    from pipeline.ingest.sources.reddit import RedditSource

    source = RedditSource(subreddits, api=api, token=read_secret("SIAGA_REDDIT_TOKEN"), interval=interval,
                          state_path=state_file)
    _run(source, **common)


@click.command("rss")
@click.argument("feeds", nargs=-1, required=True)
@click.option("--interval", default=300.0, show_default=True, envvar="SIAGA_RSS_INTERVAL",
              help="Seconds between polls.")
@_state_option("rss")
@_common
def rss(feeds: tuple[str, ...], interval: float, state_file: Path, **common: Any) -> None:
    """Poll RSS/Atom feeds with conditional GETs (ETag, Last-Modified)."""
    from pipeline.ingest.sources.rss import RssSource

    _run(RssSource(feeds, interval=interval, state_path=state_file), **common)


#: The commands to attach to ``siaga ingest``.
COMMANDS = (webhook, mastodon, bluesky, reddit, rss)
