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

The sweep works in batches (one transaction each), oldest term first, with
set-based updates and one bulk insert of outbox events per batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Mapped, Session, mapped_column

from exchange.app import state
from exchange.db import Base, utcnow
from exchange.outbox import OutboxEvent
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


def _emit_many(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    ids = session.scalars(sa.insert(OutboxEvent).returning(OutboxEvent.id), rows).all()
    session.info.setdefault("outbox_pending", []).extend(ids)


def expire_batch(session: Session, now: dt.datetime, public_url: str = "", limit: int = BATCH) -> int:
    """Expire up to ``limit`` resumes whose term has come; returns how many."""
    stmt = sa.select(Resume.id).where(_due(now)).order_by(Resume.expires_at, Resume.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # two sweeps never fight over a row
    ids = session.scalars(stmt).all()
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
    _emit_many(session, [
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
    _emit_many(session, [
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
