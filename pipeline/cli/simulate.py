"""``siaga simulate``: write a crisis-drill suite (posts, watchlist and truth) for rehearsals and evaluation."""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path

import click

from pipeline.simulate import SuiteSpec, write_suite
from schemas.errors import SchemaError
from schemas.times import parse_time

__all__ = ["simulate"]

logger = logging.getLogger(__name__)

DEFAULT_START_TEXT = "2026-01-05T00:00:00+07:00"


def _parse_start(ctx: click.Context, param: click.Parameter, value: str) -> float:
    try:
        start = parse_time(value, "--start")
    except SchemaError as error:
        raise click.BadParameter(str(error)) from None
    if start % 60:
        raise click.BadParameter("must be on a whole minute")
    return start


@click.command()
@click.option("--seed", type=int, required=True, envvar="SIAGA_SIMULATE_SEED",
              help="Random seed; the same seed writes byte-identical files.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              envvar="SIAGA_SIMULATE_OUT", help="Directory to write posts, watchlist.toml and truth.json into.")
@click.option("--subjects", type=click.IntRange(1, 500), default=20, show_default=True,
              envvar="SIAGA_SIMULATE_SUBJECTS", help="How many fictional subjects to watch.")
@click.option("--weeks", type=click.IntRange(1, 52), default=1, show_default=True, envvar="SIAGA_SIMULATE_WEEKS",
              help="How many weeks of traffic.")
@click.option("--start", default=DEFAULT_START_TEXT, show_default=True, callback=_parse_start,
              envvar="SIAGA_SIMULATE_START", help="First instant, RFC 3339 with an offset, on a whole minute.")
@click.option("--gzip/--no-gzip", "compress", default=True, show_default=True, envvar="SIAGA_SIMULATE_GZIP",
              help="Write posts.jsonl.gz rather than posts.jsonl.")
@click.option("--volume", type=click.FloatRange(min=0.01, max=10.0), default=1.0, show_default=True,
              envvar="SIAGA_SIMULATE_VOLUME", help="Scale every mention rate (0.1 for a light suite).")
def simulate(seed: int, out: Path, subjects: int, weeks: int, start: float, compress: bool, volume: float) -> None:
    """Generate a crisis-drill suite of posts with its truth."""
    began = time.perf_counter()
    spec = SuiteSpec(seed=seed, subjects=subjects, weeks=weeks, start=start, gzip=compress, volume=volume)
    truth = write_suite(out, spec)
    elapsed = time.perf_counter() - began
    crises = Counter(crisis["kind"] for crisis in truth["crises"])
    bursts = Counter(burst["kind"] for burst in truth["benign_bursts"])
    click.echo(f"{truth['posts']} posts, {subjects} subjects x {weeks} week(s), {truth['start']} to {truth['end']}")
    click.echo(f"crises ({len(truth['crises'])}): " + ", ".join(f"{k}={n}" for k, n in sorted(crises.items())))
    click.echo(f"benign bursts ({len(truth['benign_bursts'])}): "
               + ", ".join(f"{k}={n}" for k, n in sorted(bursts.items())))
    click.echo(f"wrote {out / truth['files'][0]}, {out / 'watchlist.toml'}, {out / 'truth.json'} "
               f"in {elapsed:.1f} s ({truth['posts'] / elapsed:,.0f} posts/s)")
