"""Periodic jobs of the three-working-day rule: auto-reject overdue referrals, remind the day before.

Both are set-based (a handful of statements whatever the number of rows) and exactly
once: a row changes only while it still matches, inside one transaction, so running
a job twice, or two schedulers at once, never writes a second event or notification.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from exchange import outbox
from exchange.applications import states
from exchange.applications.models import Application, ApplicationEvent, ApplicationOrigin, ApplicationState, EventKind
from exchange.db import UTCDateTime, utcnow
from exchange.sqljson import json_object
from exchange.timeutil import end_of_local_day, to_local

log = logging.getLogger(__name__)

AUTO_REJECT_REASON = "no_answer_in_three_working_days"


def auto_reject_overdue(app: Flask, now: dt.datetime | None = None) -> dict[str, Any]:
    """Mark every unanswered referral past its deadline ``auto_rejected`` (R-FLOW-5)."""
    from exchange.app import state

    with state(app).db.unit_of_work() as session:
        result = sweep_overdue(session, now or utcnow())
    log.info("auto-reject sweep: %s", result)
    return result


def remind_due_tomorrow(app: Flask, now: dt.datetime | None = None) -> dict[str, Any]:
    """Tell employers (and centres) about referrals whose answer is due by the end of tomorrow."""
    from exchange.app import state

    with state(app).db.unit_of_work() as session:
        result = remind(session, now or utcnow())
    log.info("referral reminders: %s", result)
    return result


def ids_payload(session: Session, a: Any, **extra: Any) -> sa.ColumnElement:
    """The ids every application event carries (see the cross-team interface)."""
    return json_object(
        session, application_id=a.id, origin=a.origin, vacancy_id=a.vacancy_id, resume_id=a.resume_id,
        seeker_id=a.seeker_id, organisation_id=a.organisation_id, centre_id=a.centre_id, **extra,
    )


def _lock(session: Session, condition: sa.ColumnElement[bool]) -> int:
    """Lock the matching rows (FOR UPDATE on PostgreSQL) and count them.

    With the rows locked, the statements that follow see exactly the same set: an
    employer answering meanwhile waits for this transaction, then finds the referral
    closed; a second sweep waits, then finds nothing left to do.
    """
    locked = sa.select(Application.id).where(condition).with_for_update().subquery()
    return session.scalar(sa.select(sa.func.count()).select_from(locked)) or 0


def _emit(session: Session, topic: str, condition: sa.ColumnElement[bool], payload: sa.ColumnElement, now: dt.datetime) -> list[int]:
    """One outbox row per matching application, queued for dispatch after commit."""
    select = sa.select(
        sa.literal(topic), sa.literal("application"), Application.id, payload, sa.literal(None, sa.Integer),
        sa.literal(now, UTCDateTime()), sa.literal(0),
    ).where(condition)
    return outbox.emit_from_select(session, select)


def sweep_overdue(session: Session, now: dt.datetime) -> dict[str, Any]:
    a = Application
    rejected = ApplicationState.AUTO_REJECTED.value
    # The state machine says from which states the clock may refuse a referral.
    sources = [s for s, moves in states.TRANSITIONS.items() if ApplicationState.AUTO_REJECTED in moves]
    overdue = sa.and_(
        a.origin == ApplicationOrigin.REFERRAL, a.state.in_(sources), a.answered_at.is_(None),
        a.answer_due_at.is_not(None), a.answer_due_at < now,
    )
    if not _lock(session, overdue):
        return {"auto_rejected": 0, "by_state": {}, "at": now.isoformat()}
    by_state = {
        getattr(state, "value", state): count
        for state, count in session.execute(sa.select(a.state, sa.func.count()).where(overdue).group_by(a.state))
    }
    # History and notifications first, while each row still shows the state it leaves.
    session.execute(
        sa.insert(ApplicationEvent).from_select(
            ["application_id", "kind", "from_state", "to_state", "data", "via", "created_at"],
            sa.select(
                a.id, sa.literal(EventKind.TRANSITION.value), a.state, sa.literal(rejected),
                json_object(session, reason=sa.literal(AUTO_REJECT_REASON)), sa.literal("job"), sa.literal(now, UTCDateTime()),
            ).where(overdue),
        )
    )
    ids = _emit(
        session, "referral.auto_rejected", overdue,
        ids_payload(session, a, from_state=a.state, to_state=sa.literal(rejected), reason=sa.literal(AUTO_REJECT_REASON)), now,
    )
    session.execute(
        sa.update(a).where(overdue)
        .values(state=ApplicationState.AUTO_REJECTED, closed_at=now, closed_reason=AUTO_REJECT_REASON,
                updated_at=now, version=a.version + 1)
        .execution_options(synchronize_session=False)
    )
    return {"auto_rejected": len(ids), "by_state": by_state, "at": now.isoformat()}


def remind(session: Session, now: dt.datetime) -> dict[str, Any]:
    a = Application
    tomorrow_end = end_of_local_day(to_local(now).date() + dt.timedelta(days=1))
    due_soon = sa.and_(
        a.origin == ApplicationOrigin.REFERRAL, a.state.in_(states.OPEN_STATE_LIST), a.answered_at.is_(None),
        a.reminded_at.is_(None), a.answer_due_at > now, a.answer_due_at <= tomorrow_end,
    )
    if not _lock(session, due_soon):
        return {"reminded": 0}
    ids = _emit(session, "referral.due_tomorrow", due_soon, ids_payload(session, a), now)
    session.execute(sa.update(a).where(due_soon).values(reminded_at=now).execution_options(synchronize_session=False))
    return {"reminded": len(ids)}
