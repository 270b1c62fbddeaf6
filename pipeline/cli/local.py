"""``siaga local kafka start|stop|status``: a local Apache Kafka for development, demos and tests."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from pipeline.local_kafka import DEFAULT_PORT, LocalKafka, LocalKafkaError, default_state_dir

__all__ = ["local"]

logger = logging.getLogger(__name__)

#: Exit status of ``status`` when the broker is not running (as ``systemctl status`` does).
NOT_RUNNING_EXIT = 3

state_dir_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SIAGA_LOCAL_KAFKA_DIR",
    default=None,
    help="Where the broker keeps its config, data, pid files and logs [default: .siaga/kafka].",
)


def _open(state_dir: Path | None) -> LocalKafka:
    return LocalKafka(state_dir or default_state_dir())


@click.group()
def local() -> None:
    """Run a local Apache Kafka for development, demos and tests."""


@local.group()
def kafka() -> None:
    """A local Kafka on loopback (KRaft, no Docker).

    Its jars come from Maven Central on first use and are cached in ~/.cache/siaga/kafka.
    """


@kafka.command()
@click.option("--brokers", type=click.Choice(["1", "3"]), default=None,
              help="1, or 3 for a replicated cluster (RF 3, min ISR 2) [default: 1].")
@click.option("--port", type=click.IntRange(1, 65535), default=None, envvar="SIAGA_LOCAL_KAFKA_PORT",
              help=f"Bootstrap port of the first broker; others take the next ports [default: {DEFAULT_PORT}].")
@state_dir_option
def start(brokers: str | None, port: int | None, state_dir: Path | None) -> None:
    """Start the local Kafka in the background and print its address.

    Starting a running broker only prints its address. A state directory keeps its cluster: to change the
    number of brokers or the port, run `siaga local kafka stop --purge` first, or use another --state-dir.
    """
    cluster = LocalKafka(state_dir or default_state_dir(), brokers=int(brokers or 1), port=port or DEFAULT_PORT)
    if cluster.is_configured:
        wrong_brokers = brokers is not None and int(brokers) != cluster.brokers
        wrong_port = port is not None and port != cluster.nodes[0].port
        if wrong_brokers or wrong_port:
            raise click.ClickException(
                f"{cluster.state_dir} holds a {cluster.brokers}-broker Kafka at {cluster.bootstrap_servers}; "
                "run `siaga local kafka stop --purge` first, or use another --state-dir"
            )
    if cluster.status().running:
        click.echo(f"Kafka is already running ({cluster.state_dir}).")
    else:
        click.echo(f"Starting Kafka ({cluster.brokers} broker(s), state in {cluster.state_dir}); "
                   "the very first start also downloads the Kafka jars with Maven...", err=True)
        try:
            cluster.start()
        except LocalKafkaError as error:
            raise click.ClickException(str(error)) from error
        click.echo("Kafka is running. Stop it with: siaga local kafka stop", err=True)
    click.echo(f"bootstrap: {cluster.bootstrap_servers}")


@kafka.command()
@click.option("--purge", is_flag=True, help="Also delete the broker's data, config and logs.")
@state_dir_option
def stop(purge: bool, state_dir: Path | None) -> None:
    """Stop the local Kafka; stopping a stopped one is fine.

    Each broker gets SIGTERM and, if it still runs 30 s later, SIGKILL.
    """
    cluster = _open(state_dir)
    if not cluster.is_configured:
        click.echo(f"No local Kafka in {cluster.state_dir}: nothing to stop.")
        return
    try:
        stopped = cluster.stop()
        if purge:
            cluster.purge()
    except LocalKafkaError as error:
        raise click.ClickException(str(error)) from error
    if stopped:
        click.echo(f"Kafka stopped (node(s) {', '.join(map(str, stopped))}).")
    else:
        click.echo("Kafka was not running.")
    if purge:
        click.echo(f"Deleted {cluster.state_dir}.")


@kafka.command()
@state_dir_option
def status(state_dir: Path | None) -> None:
    """Say whether the local Kafka runs, and its address.

    The exit status is 0 when every broker runs, 3 otherwise.
    """
    cluster = _open(state_dir)
    if not cluster.is_configured:
        click.echo(f"not running (no local Kafka in {cluster.state_dir})")
        sys.exit(NOT_RUNNING_EXIT)
    state = cluster.status()
    for node_id, pid in state.pids.items():
        click.echo(f"node {node_id}: " + (f"running (pid {pid})" if pid is not None else "stopped"))
    if state.running:
        click.echo("running")
        click.echo(f"bootstrap: {state.bootstrap_servers}")
        return
    click.echo("partly running" if state.any_running else "not running")
    sys.exit(NOT_RUNNING_EXIT)
