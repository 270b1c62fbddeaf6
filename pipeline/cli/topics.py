"""``siaga topics``: create or describe Siaga's Kafka topics."""

from __future__ import annotations

import click

from pipeline.config import Settings
from pipeline.topic_admin import create_topics, topic_specs

__all__ = ["topics"]


@click.group()
def topics() -> None:
    """Create or describe Siaga's Kafka topics."""


@topics.command("create")
def create() -> None:
    """Create every missing topic (bootstrap servers and security from the environment)."""
    settings = Settings.from_env()
    created = create_topics(settings)
    for spec in topic_specs(settings):
        state = "created" if spec.name in created else "exists"
        click.echo(f"{spec.name:32} {spec.partitions:3d} partitions  {state}")


@topics.command("list")
def list_topics() -> None:
    """Print the topic names, partitions and settings Siaga uses."""
    for spec in topic_specs(Settings.from_env()):
        settings = ", ".join(f"{key}={value}" for key, value in sorted(spec.config.items()))
        click.echo(f"{spec.name:32} {spec.partitions:3d} partitions  {settings}")
