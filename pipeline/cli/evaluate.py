"""``siaga evaluate``: replay a simulated suite in-process and score its crisis events against the truth."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
import orjson

from pipeline.evaluate import Truth, score_events
from pipeline.replay import replay_files
from schemas.errors import SchemaError
from schemas.watchlist import SENSITIVITIES, load_watchlist

__all__ = ["evaluate"]

logger = logging.getLogger(__name__)

_COLUMNS = ("recall", "precision", "false_incidents_per_subject_week", "median_delay_windows", "p90_delay_windows",
            "median_delay_minutes", "p90_delay_minutes")
_HEADERS = ("recall", "precision", "false/subj-wk", "med win", "p90 win", "med min", "p90 min")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def format_table(report: dict[str, Any]) -> str:
    """The overall and per-kind figures as an aligned text table."""
    rows = [("overall", report), *sorted(report["per_kind"].items())]
    lines = [f"{'kind':<22}{'crises':>7}{'found':>6}{'alerts':>7}" + "".join(f"{h:>14}" for h in _HEADERS)]
    for name, figures in rows:
        lines.append(f"{name:<22}{figures['crises']:>7}{figures['detected']:>6}{figures['incidents']:>7}"
                     + "".join(f"{_cell(figures[c]):>14}" for c in _COLUMNS))
    return "\n".join(lines)


@click.command()
@click.argument("suite", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              envvar="SIAGA_EVALUATE_JSON", help="Write the figures as JSON to this file.")
@click.option("--sensitivity", type=click.Choice(sorted(SENSITIVITIES)), default=None,
              envvar="SIAGA_EVALUATE_SENSITIVITY", help="Override every subject's sensitivity.")
@click.option("--window-seconds", type=click.FloatRange(min=1.0), default=60.0, show_default=True,
              envvar="SIAGA_EVALUATE_WINDOW_SECONDS", help="Detection window length.")
@click.option("--allowed-lateness", type=click.FloatRange(min=0.0), default=60.0, show_default=True,
              envvar="SIAGA_EVALUATE_ALLOWED_LATENESS", help="Seconds a window waits for late posts.")
@click.option("--seed", type=int, default=0, show_default=True, envvar="SIAGA_EVALUATE_SEED",
              help="Seed of the detectors.")
def evaluate(suite: Path, json_out: Path | None, sensitivity: str | None, window_seconds: float,
             allowed_lateness: float, seed: int) -> None:
    """Replay a simulated suite and score detection against its truth."""
    try:
        truth_record = orjson.loads((suite / "truth.json").read_bytes())
        truth = Truth.from_dict(truth_record)
        watchlist = load_watchlist(suite / truth_record.get("watchlist", "watchlist.toml"))
    except (OSError, KeyError, orjson.JSONDecodeError, SchemaError) as error:
        raise click.ClickException(f"{suite} is not a simulated suite: {error}") from error
    paths = [suite / name for name in truth_record.get("files", ["posts.jsonl.gz"])]
    result = replay_files(paths, watchlist, window_seconds=window_seconds, allowed_lateness=allowed_lateness,
                          seed=seed, sensitivity=sensitivity)
    report = score_events(result.events, truth, window_seconds)
    report["replay"] = {"posts": result.posts, "mentions": result.mentions, "events": len(result.events),
                        "elapsed_seconds": round(result.elapsed_seconds, 3), "sensitivity": sensitivity,
                        "allowed_lateness": allowed_lateness, "seed": seed}
    click.echo(f"replayed {result.posts} posts ({result.mentions} mentions) in {result.elapsed_seconds:.1f} s; "
               f"{report['incidents']} incidents for {report['crises']} crises over "
               f"{report['subject_weeks']:g} subject-weeks")
    click.echo(format_table(report))
    causes = report["false_incidents_by_cause"]
    click.echo("false incidents: " + ", ".join(f"{k}={v}" for k, v in causes.items()))
    if json_out is not None:
        json_out.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
        click.echo(f"wrote {json_out}")
