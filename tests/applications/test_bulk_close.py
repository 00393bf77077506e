"""Set-based closing of many people's open applications (reconciliation, deaths, closed accounts).

The bulk operation must leave exactly what the per-application ORM loop it replaced left:
the same history rows and the same ``application.changed`` payloads.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from exchange.applications import operations as ops
from exchange.applications.models import Application, ApplicationEvent, ApplicationState, EventKind
from exchange.db import utcnow
from exchange.outbox import OutboxEvent, emit, pending_count
from tests import factories as f

REASON = "pension_contributions"


def _closed_one_by_one(db, seeker_id: int, reason: str, actor) -> list[int]:
    """The single-person implementation as it was before the bulk operation (the reference)."""
    from exchange.applications import states

    rows = list(db.scalars(
        sa.select(Application).where(Application.seeker_id == seeker_id, Application.state.in_(states.OPEN_STATE_LIST))
        .with_for_update().execution_options(populate_existing=True)
    ))
    now = utcnow()
    for application in rows:
        current = application.state
        application.state = ApplicationState.WITHDRAWN
        application.closed_at = now
        application.closed_reason = reason[:300]
        db.flush()
        db.add(ApplicationEvent(
            application_id=application.id, kind=EventKind.TRANSITION, from_state=current.value,
            to_state=ApplicationState.WITHDRAWN.value, note=reason, data={}, actor_user_id=actor.user_id,
            actor_organisation_id=actor.organisation_id, via=actor.via,
        ))
        emit(db, "application.changed", "application", application.id,
             {**ops._ids(application), "from_state": current.value, "to_state": ApplicationState.WITHDRAWN.value,
              "reason": reason}, actor.user_id)
    db.flush()
    return [a.id for a in rows]


def _left_behind(db, application_ids: list[int]) -> dict[str, Any]:
    """What closing wrote, as plain data without generated ids and clocks."""
    db.expire_all()
    apps = db.scalars(sa.select(Application).where(Application.id.in_(application_ids)).order_by(Application.id)).all()
    history = db.execute(
        sa.select(ApplicationEvent.application_id, ApplicationEvent.kind, ApplicationEvent.from_state,
                  ApplicationEvent.to_state, ApplicationEvent.note, ApplicationEvent.data, ApplicationEvent.actor_user_id,
                  ApplicationEvent.actor_organisation_id, ApplicationEvent.via, ApplicationEvent.stage_id)
        .where(ApplicationEvent.application_id.in_(application_ids), ApplicationEvent.to_state == "withdrawn")
        .order_by(ApplicationEvent.application_id)
    ).all()
    events = db.execute(
        sa.select(OutboxEvent.topic, OutboxEvent.aggregate_type, OutboxEvent.aggregate_id, OutboxEvent.payload,
                  OutboxEvent.actor_user_id, OutboxEvent.attempts, OutboxEvent.dispatched_at)
        .where(OutboxEvent.topic == "application.changed", OutboxEvent.aggregate_id.in_(application_ids))
        .order_by(OutboxEvent.aggregate_id)
    ).all()
    return {
        "applications": [(a.id, a.state, a.closed_reason, a.closed_at is not None, a.version) for a in apps],
        "history": [tuple(row) for row in history],
        "events": [tuple(row) for row in events],
    }


def _person_with_applications(db, world) -> tuple[int, list[int]]:
    """A registered person with a response, a referral, an invitation in interview and a rejected response."""
    profile, seeker_actor, resume = f.registered_seeker(db, world.centre_actor)
    second = f.vacancy(db, world.employer_actor)
    third = f.vacancy(db, world.employer_actor)
    fourth = f.vacancy(db, world.employer_actor)
    response = ops.apply(db, seeker_actor, resume.id, world.vacancy.id)
    referral = f.referral(db, world.centre_actor, resume.id, second.id)
    invitation = ops.invite(db, world.employer_actor, resume.id, third.id)
    ops.transition(db, world.employer_actor, invitation.id, "viewed")
    rejected = ops.apply(db, seeker_actor, resume.id, fourth.id)
    ops.transition(db, world.employer_actor, rejected.id, "rejected", {"reason": "Нет опыта"})
    return profile.id, [response.id, referral.id, invitation.id, rejected.id]


def test_bulk_close_leaves_what_the_one_by_one_loop_left(db, world):
    actor = f.Actor.system("pension")
    seeker_id, application_ids = _person_with_applications(db, world)
    other_id, other_ids = _person_with_applications(db, world)
    everything = application_ids + other_ids

    savepoint = db.begin_nested()
    before = [*_closed_one_by_one(db, seeker_id, REASON, actor), *_closed_one_by_one(db, other_id, REASON, actor)]
    expected = _left_behind(db, everything)
    savepoint.rollback()
    db.expire_all()

    mark = pending_count(db)
    closed = ops.close_open_for_seekers(db, sa.select(Application.seeker_id).where(Application.id.in_(everything)), REASON, actor)
    assert closed == sorted(before)
    assert len(closed) == 6  # the rejected ones stay as they were
    got = _left_behind(db, everything)
    assert got == expected
    assert {e[3]["from_state"] for e in got["events"]} == {"new", "viewed"}
    assert all(e[3]["centre_id"] == world.centre.id for e in got["events"] if e[3]["origin"] == "referral")
    # Every new event is queued for dispatch after commit.
    queued = db.info["outbox_pending"][mark:]
    assert sorted(db.scalars(sa.select(OutboxEvent.aggregate_id).where(OutboxEvent.id.in_(queued)))) == closed


def test_bulk_close_twice_and_with_nothing_open(db, world):
    actor = f.Actor.system("test")
    seeker_id, _ids = _person_with_applications(db, world)
    assert len(ops.close_open_for_seekers(db, [seeker_id], "death", actor)) == 3
    history = db.scalar(sa.select(sa.func.count()).select_from(ApplicationEvent))
    outbox = db.scalar(sa.select(sa.func.count()).select_from(OutboxEvent))
    assert ops.close_open_for_seekers(db, [seeker_id], "death", actor) == []
    assert ops.close_open_for_seekers(db, [], "death", actor) == []
    assert db.scalar(sa.select(sa.func.count()).select_from(ApplicationEvent)) == history
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == outbox
