"""``exchange indicators rollup [--day YYYY-MM-DD]``."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("indicators")
def indicators_group() -> None:
    """The programme's platform indicators."""


@indicators_group.command("rollup")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), help="Recompute this day only.")
@with_appcontext
def indicators_rollup(day: dt.datetime | None) -> None:
    """Compute the daily indicators (yesterday, plus missing days of the last 90)."""
    from exchange.indicators.jobs import rollup

    click.echo(json.dumps(rollup(current_app._get_current_object(), day.date() if day else None)))
