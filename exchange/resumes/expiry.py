"""Resume expiry (R-MON-2): the 15-minute sweep, and the reminder three days before.

Rules (see docs/jobs.md):

* A self-published resume runs until the term its owner chose, at most one calendar
  month after publication (``operations.max_expiry``). An agency's resume has the
  same one-month limit. A centre publishes a registered person's resume for as long
  as the registration lasts (no term; deregistration archives it), unless the centre
  chose an end date — then that date applies like any other term.
* At ``expires_at`` the sweep sets ``expired_at`` and emits ``resume.expired``
  (``public: false``), so the resume leaves the portal and the index; the owner is
  told, with a one-click link to publish it again (a fresh publication, again at
  most a month). Queries never rely on the sweep alone: a resume is public only
  while ``expires_at > now``.
* Three days before, ``resume.expiring`` goes out exactly once per term (a row in
  ``resume_expiry_reminders`` per resume and term). A term of three days or less
  gets no reminder: the owner chose it moments ago.

The sweep works in batches (one transaction each), oldest term first. On PostgreSQL a
batch is one statement (select the batch, update it, insert its outbox events with
payloads built by ``jsonb_build_object``), so nothing per resume passes through Python;
the embedded SQLite default does the same in three set-based statements with the
payloads built in Python. Both give the same events with the same payloads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Mapped, Session, mapped_column

from exchange import outbox
from exchange.app import state
from exchange.db import Base, UTCDateTime, utcnow
from exchange.resumes.models import Resume, Visibility

REMIND_BEFORE = dt.timedelta(days=3)
BATCH = 5000


class ResumeExpiryReminder(Base):
    """The reminder for one term of one resume was sent (a renewal starts a new term)."""

    __tablename__ = "resume_expiry_reminders"

    resume_id: Mapped[int] = mapped_column(sa.ForeignKey("resumes.id", ondelete="CASCADE"), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def renew_path(resume_id: int) -> str:
    """Where the owner republishes in one click (signed in; the form is pre-filled)."""
    return f"/cabinet/resumes/{resume_id}/publish"


def _due(now: dt.datetime):
    return sa.and_(
        Resume.published_at.is_not(None),
        Resume.expires_at.is_not(None),
        Resume.expires_at <= now,
        Resume.expired_at.is_(None),
        Resume.visibility != Visibility.ARCHIVED,
    )


def _iso_utc(column: str) -> str:
    """PostgreSQL text of a timestamptz exactly as Python's ``datetime.isoformat()`` writes it in UTC."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN extract(microseconds FROM {utc})::bigint % 1000000 = 0 "
            f"THEN '' ELSE to_char({utc}, '.US') END || '+00:00'")


def _insert_events_sql(topic: str, source: str, payload: str) -> str:
    return ("INSERT INTO outbox_events (topic, aggregate_type, aggregate_id, payload, actor_user_id, created_at, attempts) "  # noqa: S608
            f"SELECT '{topic}', 'resume', b.id, jsonb_build_object({payload}), NULL, :now, 0 FROM {source} b RETURNING id")


_RENEW_URL = "'renew_url', :public_url || '/cabinet/resumes/' || b.id || '/publish'"

_EXPIRE_PG = f"""
    WITH batch AS (
        SELECT id FROM resumes
        WHERE published_at IS NOT NULL AND expires_at IS NOT NULL AND expires_at <= :now AND expired_at IS NULL
          AND visibility <> 'archived'
        ORDER BY expires_at, id LIMIT :limit FOR UPDATE SKIP LOCKED
    ), done AS (
        UPDATE resumes r SET expired_at = :now, version = r.version + 1 FROM batch WHERE r.id = batch.id
        RETURNING r.id, r.seeker_id, r.version, r.source, r.source_organisation_id, r.expires_at, r.visibility
    ), events AS (
        {_insert_events_sql("resume.expired", "done",
            "'version', b.version, 'seeker_id', b.seeker_id, 'public', false, 'source', b.source, "
            "'source_organisation_id', b.source_organisation_id, 'expires_at', " + _iso_utc("b.expires_at") + ", "
            "'was_visible', b.visibility = 'active', " + _RENEW_URL)}
    )
    SELECT (SELECT count(*) FROM done), (SELECT array_agg(id) FROM events)
"""  # noqa: S608 - constant fragments only; values are bound

_REMIND_PG = f"""
    WITH candidates AS (
        SELECT r.id, r.seeker_id, r.expires_at, r.published_at, r.source, r.source_organisation_id FROM resumes r
        WHERE r.published_at IS NOT NULL AND r.expires_at > :now AND r.expires_at <= :until AND r.expired_at IS NULL
          AND r.visibility = 'active'
          AND NOT EXISTS (SELECT 1 FROM resume_expiry_reminders x WHERE x.resume_id = r.id AND x.expires_at = r.expires_at)
        ORDER BY r.expires_at, r.id LIMIT :limit
    ), marked AS (
        INSERT INTO resume_expiry_reminders (resume_id, expires_at, sent_at)
        SELECT id, expires_at, :now FROM candidates ON CONFLICT DO NOTHING RETURNING resume_id, expires_at
    ), remind AS (
        SELECT c.* FROM candidates c JOIN marked m ON m.resume_id = c.id AND m.expires_at = c.expires_at
        WHERE c.expires_at - c.published_at > :notice
    ), events AS (
        {_insert_events_sql("resume.expiring", "remind",
            "'seeker_id', b.seeker_id, 'expires_at', " + _iso_utc("b.expires_at") + ", 'resume_id', b.id, "
            "'source', b.source, 'source_organisation_id', b.source_organisation_id, " + _RENEW_URL)}
    )
    SELECT (SELECT count(*) FROM candidates), (SELECT array_agg(id) FROM events)
"""  # noqa: S608 - constant fragments only; values are bound


def _run_pg(session: Session, statement: str, params: dict[str, Any]) -> tuple[int, list[int]]:
    """One batch in one statement; its events go to after-commit dispatch like any other."""
    clause = sa.text(statement).bindparams(
        *(sa.bindparam(name, type_=UTCDateTime()) for name in ("now", "until") if f":{name}" in statement)
    )
    count, ids = session.execute(clause, params).one()
    ids = outbox.track(session, ids or [])
    return int(count), ids


def expire_batch(session: Session, now: dt.datetime, public_url: str = "", limit: int = BATCH) -> int:
    """Expire up to ``limit`` resumes whose term has come; returns how many."""
    if session.get_bind().dialect.name == "postgresql":
        return _run_pg(session, _EXPIRE_PG, {"now": now, "limit": limit, "public_url": public_url})[0]
    ids = session.scalars(sa.select(Resume.id).where(_due(now)).order_by(Resume.expires_at, Resume.id).limit(limit)).all()
    if not ids:
        return 0
    session.execute(
        sa.update(Resume)
        .where(Resume.id.in_(ids), _due(now))
        .values(expired_at=now, version=Resume.version + 1)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        sa.select(Resume.id, Resume.seeker_id, Resume.version, Resume.source, Resume.source_organisation_id,
                  Resume.expires_at, Resume.visibility)
        .where(Resume.id.in_(ids), Resume.expired_at == now)
    ).all()
    outbox.emit_many(session, [
        {
            "topic": "resume.expired", "aggregate_type": "resume", "aggregate_id": r.id, "created_at": now,
            "payload": {
                "version": r.version, "seeker_id": r.seeker_id, "public": False, "source": str(r.source),
                "source_organisation_id": r.source_organisation_id, "expires_at": r.expires_at.isoformat(),
                "was_visible": r.visibility == Visibility.ACTIVE, "renew_url": public_url + renew_path(r.id),
            },
        }
        for r in rows
    ])
    return len(rows)


def remind_batch(session: Session, now: dt.datetime, public_url: str = "", limit: int = BATCH) -> tuple[int, int]:
    """Send the three-days-before reminder for this term; returns (resumes looked at, reminders sent)."""
    if session.get_bind().dialect.name == "postgresql":
        seen, ids = _run_pg(session, _REMIND_PG, {"now": now, "until": now + REMIND_BEFORE, "limit": limit,
                                                  "notice": REMIND_BEFORE, "public_url": public_url})
        return seen, len(ids)
    already = sa.exists().where(
        ResumeExpiryReminder.resume_id == Resume.id, ResumeExpiryReminder.expires_at == Resume.expires_at
    )
    rows = session.execute(
        sa.select(Resume.id, Resume.seeker_id, Resume.expires_at, Resume.published_at, Resume.source,
                  Resume.source_organisation_id)
        .where(
            Resume.published_at.is_not(None),
            Resume.expires_at > now,
            Resume.expires_at <= now + REMIND_BEFORE,
            Resume.expired_at.is_(None),
            Resume.visibility == Visibility.ACTIVE,
            ~already,
        )
        .order_by(Resume.expires_at, Resume.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0, 0
    # Every candidate gets a reminder row (so it is never looked at again for this term),
    # but only terms longer than the notice period get a message.
    session.execute(
        sa.insert(ResumeExpiryReminder),
        [{"resume_id": r.id, "expires_at": r.expires_at, "sent_at": now} for r in rows],
    )
    remind = [r for r in rows if r.expires_at - r.published_at > REMIND_BEFORE]
    outbox.emit_many(session, [
        {
            "topic": "resume.expiring", "aggregate_type": "resume", "aggregate_id": r.id, "created_at": now,
            "payload": {
                "seeker_id": r.seeker_id, "expires_at": r.expires_at.isoformat(), "resume_id": r.id,
                "source": str(r.source), "source_organisation_id": r.source_organisation_id,
                "renew_url": public_url + renew_path(r.id),
            },
        }
        for r in remind
    ])
    return len(rows), len(remind)


def run_expiry(app: Flask, now: dt.datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """The scheduled job: reminders first, then expiry, each batch its own transaction."""
    now = now or utcnow()
    db, public_url = state(app).db, state(app).settings.PUBLIC_URL.rstrip("/")
    reminded = expired = 0
    while True:
        with db.unit_of_work() as session:
            seen, sent = remind_batch(session, now, public_url, batch)
        reminded += sent
        if seen < batch:
            break
    while True:
        with db.unit_of_work() as session:
            count = expire_batch(session, now, public_url, batch)
        expired += count
        if count < batch:
            break
    return {"reminded": reminded, "expired": expired}
