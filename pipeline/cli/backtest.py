"""``siaga backtest``: score a count series with the volume detector."""

from __future__ import annotations

import logging

import click

from detectors.presets import SENSITIVITIES
from pipeline.backtest import read_series, run_backtest, write_rows

__all__ = ["backtest"]

logger = logging.getLogger(__name__)


@click.command()
@click.option("--series", "series", type=click.File("r"), required=True, envvar="SIAGA_BACKTEST_SERIES",
              help="CSV with columns timestamp,value (naive timestamps are UTC).")
@click.option("--output", "output", type=click.File("w"), required=True, envvar="SIAGA_BACKTEST_OUTPUT",
              help="CSV to write: timestamp,value,anomaly_score,alert.")
@click.option("--sensitivity", type=click.Choice(SENSITIVITIES), default="balanced", show_default=True,
              envvar="SIAGA_BACKTEST_SENSITIVITY", help="Detector preset.")
def backtest(series, output, sensitivity: str) -> None:
    """Score a timestamp,value count series with the volume detector."""
    try:
        rows = read_series(series)
        alerts = write_rows(run_backtest(rows, sensitivity=sensitivity), output)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{len(rows)} rows, {alerts} alerts", err=True)
