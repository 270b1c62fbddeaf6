"""``siaga replay``: run detection in-process over post files, by event time, and write the crisis events."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from pipeline.replay import ReplayResult, replay_files
from schemas.crisis_event import CrisisEvent
from schemas.errors import SchemaError
from schemas.times import format_time
from schemas.watchlist import SENSITIVITIES, load_watchlist

__all__ = ["format_summary", "incidents", "replay"]

logger = logging.getLogger(__name__)


def incidents(events: list[CrisisEvent]) -> list[dict[str, Any]]:
    """One row per incident the events tell of: subject, start, severity (the latest), onset and resolved times.

    A time is None when its event is absent (an incident still open at the end of the replay has no resolved).
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        start = str(event.data.get("incident_start", ""))
        row = rows.setdefault((event.subject, start), {"subject": event.subject, "start": start, "severity": None,
                                                        "onset": None, "resolved": None})
        row["severity"] = event.data.get("severity", row["severity"])
        if event.stage in ("onset", "resolved"):
            row[event.stage] = format_time(event.time)
    return sorted(rows.values(), key=lambda row: (row["start"], row["subject"]))


def format_summary(result: ReplayResult) -> str:
    """The replay's counts, events by type, throughput and one row per incident, as aligned text."""
    by_type = Counter(event.stage for event in result.events)
    lines = [
        f"{'posts':<22}{result.posts:>12,}",
        f"{'rejected':<22}{result.rejected:>12,}",
        f"{'mentions':<22}{result.mentions:>12,}",
        f"{'late':<22}{result.late:>12,}",
        f"{'duplicates':<22}{result.duplicates:>12,}",
        f"{'events':<22}{len(result.events):>12,}",
        *(f"{'  ' + stage:<22}{by_type[stage]:>12,}" for stage in sorted(by_type)),
        f"{'posts/s':<22}{result.posts_per_second:>12,.0f}",
        f"{'elapsed (s)':<22}{result.elapsed_seconds:>12.2f}",
    ]
    rows = incidents(result.events)
    lines.append("")
    if not rows:
        lines.append("no incidents")
        return "\n".join(lines)
    width = max(len("subject"), *(len(row["subject"]) for row in rows)) + 2
    lines.append(f"{'subject':<{width}}{'start':<26}{'severity':<10}{'onset':<26}resolved")
    for row in rows:
        lines.append(f"{row['subject']:<{width}}{row['start'] or '-':<26}{row['severity'] or '-':<10}"
                     f"{row['onset'] or '-':<26}{row['resolved'] or '-'}")
    return "\n".join(lines)


def _content_bytes(paths: list[Path]) -> int | None:
    """Bytes the replay will read (a gzip file's own record of its uncompressed size); None when unknown."""
    total = 0
    for path in paths:
        size = path.stat().st_size
        with path.open("rb") as stream:
            if stream.read(2) != b"\x1f\x8b":
                total += size
                continue
            stream.seek(-4, 2)
            recorded = int.from_bytes(stream.read(4), "little")  # modulo 2**32, per RFC 1952
        if recorded < size // 2:  # over 4 GiB or several members: the trailer cannot be trusted
            return None
        total += recorded
    return total


@contextlib.contextmanager
def _progress(paths: list[Path]) -> Iterator[Any]:
    """A ``update(n)`` callback: a progress bar on stderr when it is a terminal, else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=_content_bytes(paths), label="replaying", file=sys.stderr,
                           show_pos=False) as bar:
        yield bar.update


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--watchlist", "watchlist_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, envvar="SIAGA_WATCHLIST", help="Watchlist TOML of the subjects to watch.")
@click.option("--events", "events_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              envvar="SIAGA_REPLAY_EVENTS", help="JSONL file to write the crisis events to (one per line).")
@click.option("--window-seconds", type=click.FloatRange(min=1.0), default=60.0, show_default=True,
              envvar="SIAGA_REPLAY_WINDOW_SECONDS", help="Detection window length.")
@click.option("--allowed-lateness", type=click.FloatRange(min=0.0), default=60.0, show_default=True,
              envvar="SIAGA_REPLAY_ALLOWED_LATENESS", help="Seconds a window waits for late posts.")
@click.option("--sensitivity", type=click.Choice(sorted(SENSITIVITIES)), default=None,
              envvar="SIAGA_REPLAY_SENSITIVITY", help="Override every subject's sensitivity.")
@click.option("--seed", type=int, default=0, show_default=True, envvar="SIAGA_REPLAY_SEED",
              help="Seed of the detectors.")
@click.option("--no-sentiment", "no_sentiment", is_flag=True, envvar="SIAGA_REPLAY_NO_SENTIMENT",
              help="Skip language and sentiment scoring (faster; negative-share signals stay empty).")
def replay(paths: tuple[Path, ...], watchlist_path: Path, events_path: Path, window_seconds: float,
           allowed_lateness: float, sensitivity: str | None, seed: int, no_sentiment: bool) -> None:
    """Run detection in-process over post files, by event time."""
    try:
        watchlist = load_watchlist(watchlist_path)
    except (OSError, SchemaError) as error:
        raise click.ClickException(f"cannot load the watchlist {watchlist_path}: {error}") from error
    files = list(paths)
    with events_path.open("wb") as out, _progress(files) as on_bytes:
        result = replay_files(files, watchlist, window_seconds=window_seconds, allowed_lateness=allowed_lateness,
                              seed=seed, sensitivity=sensitivity, score_sentiment=not no_sentiment,
                              on_event=lambda event: out.write(event.to_json() + b"\n"), on_bytes=on_bytes)
    click.echo(format_summary(result))
    click.echo(f"wrote {len(result.events)} events to {events_path}")
