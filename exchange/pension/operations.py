"""Pension operations: import a feed, start / carry out / fail a reconciliation run, read reports.

Importing and reconciling are national-level tasks: administrators and the system
(schedule, CLI). Centre staff read the reports, with the people of their own centre.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import audit, outbox
from exchange.auth import Actor, deny
from exchange.db import utcnow
from exchange.errors import NotFound
from exchange.i18n import lazy_gettext as _l
from exchange.pension import feed as feed_format
from exchange.pension import reconcile as sql
from exchange.pension.loading import Stage
from exchange.pension.models import FeedSource, PensionFeed, PensionMatch, PensionRun, RunStatus
from exchange.timeutil import to_local

log = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000
CHUNK_ROWS = 10_000
# A run still "running" after this long died with its process.
STALE_RUN = dt.timedelta(hours=3)


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise deny(_l("Only administrators import pension data and start reconciliations."))


def can_view_runs(actor: Actor) -> bool:
    return actor.is_admin or actor.is_centre_staff


@dataclass(frozen=True)
class ImportResult:
    feed: PensionFeed
    already_imported: bool


def checksum(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def import_feed(session: Session, actor: Actor, stream: IO[bytes], name: str,
                source: FeedSource = FeedSource.FILE, today: dt.date | None = None) -> ImportResult:
    """Load a feed (seekable binary stream). The same bytes a second time load nothing."""
    require_admin(actor)
    digest = checksum(stream)
    existing = session.scalar(sa.select(PensionFeed).where(PensionFeed.sha256 == digest))
    if existing is not None:
        return ImportResult(existing, True)
    feed = PensionFeed(name=name[:300], source=source, sha256=digest, imported_by_user_id=actor.user_id)
    session.add(feed)
    session.flush()
    stage = Stage(session, feed.id)
    errors: list[dict] = []
    total = rejected = 0
    chunk: list[feed_format.Contribution] = []
    for item in feed_format.read(stream, name, today):
        total += 1
        if isinstance(item, list):
            rejected += 1
            if len(errors) < MAX_STORED_ERRORS:
                errors.extend(e.as_dict() for e in item)
            continue
        chunk.append(item)
        if len(chunk) >= CHUNK_ROWS:
            stage.write(chunk)
            chunk = []
    stage.write(chunk)
    duplicates, duplicate_errors = stage.duplicates(MAX_STORED_ERRORS)
    loaded = stage.load()
    stage.drop()
    feed.rows_total = total
    feed.rows_rejected = rejected + duplicates
    feed.rows_loaded = loaded
    feed.rows_duplicate = total - rejected - duplicates - loaded
    feed.errors = sorted(errors + [e.as_dict() for e in duplicate_errors], key=lambda e: e["line"])[:MAX_STORED_ERRORS]
    session.flush()
    audit.record(session, actor, "pension.import", "pension_feed", feed.id, rows=total, loaded=loaded)
    outbox.emit(session, "pension.imported", "pension_feed", feed.id,
                {"feed_id": feed.id, "rows_loaded": loaded, "rows_rejected": feed.rows_rejected}, actor.user_id)
    return ImportResult(feed, False)


def week_start(moment: dt.datetime) -> dt.date:
    local = to_local(moment).date()
    return local - dt.timedelta(days=local.weekday())


def start_run(session: Session, actor: Actor, trigger: str, now: dt.datetime | None = None) -> PensionRun:
    """Record that a run begins (committed on its own, so a crash still leaves a trace)."""
    require_admin(actor)
    now = now or utcnow()
    run = PensionRun(week_start=week_start(now), trigger=trigger, started_at=now, started_by_user_id=actor.user_id)
    session.add(run)
    session.flush()
    return run


def reconcile(session: Session, actor: Actor, run_id: int, now: dt.datetime | None = None) -> PensionRun:
    """Carry out a started run in the caller's transaction: all of it happens, or none of it."""
    require_admin(actor)
    now = now or utcnow()
    started = time.monotonic()
    sql.lock(session)
    sql.use_work_memory(session)
    run = session.get(PensionRun, run_id)
    if run is None:
        raise NotFound()
    session.execute(
        sa.update(PensionRun)
        .where(PensionRun.status == RunStatus.RUNNING, PensionRun.id != run_id, PensionRun.started_at < now - STALE_RUN)
        .values(status=RunStatus.ABANDONED, error="the process running it stopped")
    )
    feeds = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(PensionFeed.rows_total), 0),
                  sa.func.coalesce(sa.func.sum(PensionFeed.rows_rejected), 0))
        .where(PensionFeed.run_id.is_(None))
    ).one()
    session.execute(sa.update(PensionFeed).where(PensionFeed.run_id.is_(None)).values(run_id=run_id))
    run.feeds, run.rows_read, run.rows_rejected = int(feeds[0]), int(feeds[1]), int(feeds[2])

    run.matched = sql.match(session, run_id)
    sql.refresh_statistics(session)
    run.employments_created = sql.record_employments(session, run_id, now)
    run.seekers_deregistered = sql.close_registrations(session, run_id, now)
    run.resumes_archived = sql.archive_resumes(session, run_id, now)
    run.applications_closed = sql.close_applications(session, run_id, actor)
    sql.emit_deregistrations(session, run_id, now)
    run.through_platform, run.by_centre = sql.summary(session, run_id)
    run.status = RunStatus.FINISHED
    run.finished_at = utcnow()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    session.flush()
    audit.record(session, actor, "pension.reconcile", "pension_run", run.id, deregistered=run.seekers_deregistered)
    outbox.emit(session, "pension.reconciled", "pension_run", run.id, {"run_id": run.id}, actor.user_id)
    # Rows written by SQL above are not in the identity map's view of loaded objects.
    session.expire_all()
    return session.get(PensionRun, run_id)


def fail_run(session: Session, run_id: int, error: BaseException) -> None:
    session.execute(
        sa.update(PensionRun)
        .where(PensionRun.id == run_id, PensionRun.status == RunStatus.RUNNING)
        .values(status=RunStatus.FAILED, finished_at=utcnow(), error=f"{type(error).__name__}: {error}"[:2000])
    )


def finished_this_week(session: Session, now: dt.datetime, trigger: str = "schedule") -> PensionRun | None:
    return session.scalar(
        sa.select(PensionRun)
        .where(PensionRun.week_start == week_start(now), PensionRun.trigger == trigger,
               PensionRun.status == RunStatus.FINISHED)
        .order_by(PensionRun.id.desc())
        .limit(1)
    )


def list_runs(session: Session, actor: Actor, limit: int = 52) -> list[PensionRun]:
    if not can_view_runs(actor):
        raise deny()
    return list(session.scalars(sa.select(PensionRun).order_by(PensionRun.id.desc()).limit(limit)))


def list_feeds(session: Session, actor: Actor, limit: int = 52) -> list[PensionFeed]:
    require_admin(actor)
    return list(session.scalars(sa.select(PensionFeed).order_by(PensionFeed.id.desc()).limit(limit)))


def get_run(session: Session, actor: Actor, run_id: int) -> PensionRun:
    if not can_view_runs(actor):
        raise deny()
    run = session.get(PensionRun, run_id)
    if run is None:
        raise NotFound(_l("No such reconciliation run."))
    return run


def run_matches(session: Session, actor: Actor, run_id: int, limit: int = 500) -> list[PensionMatch]:
    """People a run took off the register: everyone for administrators, own centre's for centre staff."""
    get_run(session, actor, run_id)
    stmt = sa.select(PensionMatch).where(PensionMatch.run_id == run_id).order_by(PensionMatch.id).limit(limit)
    if not actor.is_admin:
        stmt = stmt.where(PensionMatch.centre_id == actor.organisation_id)
    return list(session.scalars(stmt))
