"""The auto-reject sweep and the day-before reminder: exactly once, with frozen time."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from exchange.applications import jobs
from exchange.applications import operations as ops
from exchange.applications.models import ApplicationEvent, ApplicationState
from exchange.outbox import OutboxEvent
from exchange.timeutil import ALMATY
from tests import factories as f

MONDAY = dt.datetime(2024, 6, 3, 10, 0, tzinfo=ALMATY)  # due Thursday 6 June, 23:59:59


def _events(db, topic):
    return list(db.scalars(sa.select(OutboxEvent).where(OutboxEvent.topic == topic).order_by(OutboxEvent.id)))


def _referrals(db, world, n):
    with time_machine.travel(MONDAY, tick=False):
        apps = []
        for _ in range(n):
            _p, _a, resume = f.registered_seeker(db, world.centre_actor)
            apps.append(f.referral(db, world.centre_actor, resume.id, world.vacancy.id))
    return apps


def test_sweep_rejects_overdue_exactly_once(db, world):
    waiting, viewed, answered, fresh = _referrals(db, world, 4)
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        ops.mark_viewed(db, world.employer_actor, viewed.id)
        ops.transition(db, world.employer_actor, answered.id, "rejected", {"reason": "Нет вакантных мест"})
    fresh.answer_due_at = dt.datetime(2024, 6, 20, 18, 59, 59, tzinfo=dt.UTC)
    db.flush()

    before_deadline = dt.datetime(2024, 6, 6, 23, 59, 58, tzinfo=ALMATY)
    assert jobs.sweep_overdue(db, before_deadline)["auto_rejected"] == 0

    after = dt.datetime(2024, 6, 7, 0, 0, 1, tzinfo=ALMATY)
    result = jobs.sweep_overdue(db, after)
    assert result["auto_rejected"] == 2 and result["by_state"] == {"new": 1, "viewed": 1}
    again = jobs.sweep_overdue(db, after + dt.timedelta(hours=1))
    assert again["auto_rejected"] == 0

    db.expire_all()
    assert waiting.state == viewed.state == ApplicationState.AUTO_REJECTED
    assert waiting.closed_reason == jobs.AUTO_REJECT_REASON and waiting.closed_at is not None
    assert answered.state == ApplicationState.REJECTED and fresh.state == ApplicationState.NEW
    events = list(db.scalars(sa.select(ApplicationEvent).where(ApplicationEvent.to_state == "auto_rejected")))
    assert sorted((e.application_id, e.from_state) for e in events) == sorted([(waiting.id, "new"), (viewed.id, "viewed")])
    notices = _events(db, "referral.auto_rejected")
    assert sorted(n.aggregate_id for n in notices) == sorted([waiting.id, viewed.id])
    payload = next(n.payload for n in notices if n.aggregate_id == viewed.id)
    assert payload["centre_id"] == world.centre.id and payload["seeker_id"] == viewed.seeker_id
    assert payload["from_state"] == "viewed" and payload["to_state"] == "auto_rejected"
    assert payload["vacancy_id"] == world.vacancy.id


def test_answer_before_deadline_stops_the_clock(db, world):
    (app,) = _referrals(db, world, 1)
    when = dt.datetime(2024, 6, 10, 10, 0, tzinfo=ALMATY)
    with time_machine.travel(MONDAY + dt.timedelta(hours=3), tick=False):
        ops.transition(db, world.employer_actor, app.id, "interview",
                       {"interview_kind": "individual", "interview_at": when.isoformat(), "interview_place": "офис"})
    assert jobs.sweep_overdue(db, dt.datetime(2024, 6, 8, tzinfo=ALMATY))["auto_rejected"] == 0
    assert app.state == ApplicationState.INTERVIEW


def test_job_runs_in_its_own_unit_of_work(app, db, world):
    _referrals(db, world, 2)
    with time_machine.travel(dt.datetime(2024, 6, 8, tzinfo=ALMATY), tick=False):
        assert jobs.auto_reject_overdue(app)["auto_rejected"] == 2
        assert jobs.auto_reject_overdue(app)["auto_rejected"] == 0
    assert len(_events(db, "referral.auto_rejected")) == 2


def test_reminder_the_day_before(db, world):
    (app,) = _referrals(db, world, 1)
    wednesday = dt.datetime(2024, 6, 5, 9, 0, tzinfo=ALMATY)
    assert jobs.remind(db, MONDAY + dt.timedelta(hours=1)) == {"reminded": 0}
    assert jobs.remind(db, wednesday) == {"reminded": 1}
    assert jobs.remind(db, wednesday + dt.timedelta(hours=2)) == {"reminded": 0}
    (notice,) = _events(db, "referral.due_tomorrow")
    assert notice.aggregate_id == app.id and notice.payload["organisation_id"] == world.employer.id
