"""Entry points for the schedule, the CLI and the admin page (each owns its units of work)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from flask import Flask

from exchange.app import state
from exchange.auth import Actor
from exchange.db import utcnow
from exchange.pension import operations as ops
from exchange.pension.sources import FileFeed, HttpFeed

log = logging.getLogger(__name__)


def import_source(app: Flask, source: FileFeed | HttpFeed, actor: Actor | None = None,
                  today: dt.date | None = None) -> dict[str, Any]:
    actor = actor or Actor.system("job")
    with source.open() as (name, stream), state(app).db.unit_of_work() as session:
        result = ops.import_feed(session, actor, stream, name, source.kind, today=today)
        feed = result.feed
        return {
            "feed_id": feed.id, "name": feed.name, "already_imported": result.already_imported,
            "rows_total": feed.rows_total, "rows_loaded": feed.rows_loaded,
            "rows_duplicate": feed.rows_duplicate, "rows_rejected": feed.rows_rejected,
            "errors": list(feed.errors),
        }


def import_file(app: Flask, path: str | Path, actor: Actor | None = None, today: dt.date | None = None) -> dict[str, Any]:
    return import_source(app, FileFeed(Path(path)), actor, today)


def run_reconciliation(app: Flask, trigger: str = "cli", actor: Actor | None = None,
                       now: dt.datetime | None = None) -> dict[str, Any]:
    """Start a run (committed), do it (one transaction), record a failure if it breaks."""
    actor = actor or Actor.system("job")
    db = state(app).db
    with db.unit_of_work() as session:
        run_id = ops.start_run(session, actor, trigger, now).id
    try:
        with db.unit_of_work() as session:
            report = ops.reconcile(session, actor, run_id, now).report()
    except Exception as error:
        with db.unit_of_work() as session:
            ops.fail_run(session, run_id, error)
        raise
    log.info("pension reconciliation %s: %s", run_id, {k: report[k] for k in ("matched", "seekers_deregistered", "through_platform")})
    return report


def weekly_reconciliation(app: Flask) -> dict[str, Any]:
    """The Monday job: fetch the week's feed (when a source is configured), then reconcile once."""
    settings = state(app).settings
    fetched = None
    if settings.PENSION_FEED_URL:
        fetched = import_source(app, HttpFeed(settings.PENSION_FEED_URL))
        fetched.pop("errors", None)
    now = utcnow()
    with state(app).db.unit_of_work() as session:
        done = ops.finished_this_week(session, now)
        done_id = done.id if done is not None else None
    if done_id is not None:
        return {"skipped": "already_done", "run_id": done_id, "feed": fetched}
    report = run_reconciliation(app, trigger="schedule", now=now)
    report["feed"] = fetched
    return report


def reconcile_for_user(app: Flask, user_id: int) -> dict[str, Any]:
    """The admin page's "reconcile now" (runs as a job on RQ; in-process in the embedded default)."""
    from exchange.accounts.models import User

    with state(app).db.unit_of_work() as session:
        user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} is gone")
    return run_reconciliation(app, trigger="web", actor=Actor(user=user, via="job"))
