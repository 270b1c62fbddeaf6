"""The ``siaga`` command line: one subcommand per user task.

Subcommands are imported lazily so that ``siaga --help`` answers at once, without loading Faust or River.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["main"]

#: name -> ("module:attribute", one-line help). Keep the help identical to the command's docstring first line.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "local": ("pipeline.cli.local:local", "Run a local Apache Kafka for development, demos and tests."),
    "ingest": ("pipeline.cli.ingest:ingest", "Read posts from a source, validate them and publish to Kafka."),
    "worker": ("pipeline.cli.worker:worker", "Run the Faust worker: match, window, detect and emit crisis events."),
    "demo": ("pipeline.cli.demo:demo", "Start Kafka, a worker and a demo ingest, and print crisis events."),
    "replay": ("pipeline.cli.replay:replay", "Run detection in-process over post files, by event time."),
    "simulate": ("pipeline.cli.simulate:simulate", "Generate a crisis-drill suite of posts with its truth."),
    "backtest": ("pipeline.cli.backtest:backtest", "Score a timestamp,value count series with the volume detector."),
    "evaluate": ("pipeline.cli.evaluate:evaluate", "Replay a simulated suite and score detection against its truth."),
    "sentiment": ("pipeline.cli.sentiment:sentiment", "Train, evaluate and label the sentiment models."),
    "topics": ("pipeline.cli.topics:topics", "Create or describe Siaga's Kafka topics."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand only when it is invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in SUBCOMMANDS:
            return None
        target, _ = SUBCOMMANDS[name]
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="siaga")
def main() -> None:
    """Siaga: early warning for social-media crises."""
