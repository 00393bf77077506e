"""Domain events from the hiring flow reach the right people (R-EMP-4, R-FLOW-5, R-SFLOW-3)."""

from __future__ import annotations

import sqlalchemy as sa

from exchange.notifications.models import Notification
from tests import factories


def _notes(db, **where) -> list[Notification]:
    stmt = sa.select(Notification)
    for key, value in where.items():
        stmt = stmt.where(getattr(Notification, key) == value)
    return list(db.scalars(stmt.order_by(Notification.id)))


def test_response_notifies_the_employers_team(db):
    _employer_org, employer = factories.employer(db)
    vacancy = factories.vacancy(db, employer)
    profile, seeker = factories.seeker(db)
    resume = factories.resume(db, profile, seeker)
    db.commit()
    factories.application(db, seeker, resume.id, vacancy.id)
    db.commit()
    [note] = _notes(db, user_id=employer.user_id, event_type="application_received")
    assert note.context["vacancy"] == vacancy.title and note.context["seeker"] == profile.full_name
    assert note.context["path"].startswith("/cabinet/applications/")


def test_referral_tells_employer_the_deadline_and_the_seeker(db):
    _centre, centre_actor = factories.centre(db)
    employer_org, employer = factories.employer(db)
    vacancy = factories.vacancy(db, employer)
    profile, _seeker_actor, resume = factories.registered_seeker(db, centre_actor)
    db.commit()
    factories.referral(db, centre_actor, resume.id, vacancy.id)
    db.commit()
    [to_employer] = _notes(db, user_id=employer.user_id, event_type="referral_received")
    assert to_employer.context["deadline"] and ":" in to_employer.context["deadline"]
    [to_seeker] = _notes(db, seeker_id=profile.id, event_type="referral_sent")
    assert to_seeker.context["organisation"] == employer_org.name


def test_layoff_notice_reaches_the_district_centre_and_its_withdrawal_too(db):
    _centre_org, centre_actor = factories.centre(db)
    _other_centre, other = factories.centre(db, district=factories.ASTANA_DISTRICT)
    employer_org, employer = factories.employer(db)
    draft = factories.layoff_notice(db, employer)
    db.commit()
    assert _notes(db, event_type="layoff_submitted") == []  # a draft is the employer's own
    from exchange.layoffs import operations as layoffs

    layoffs.submit_notice(db, employer, draft.id)
    db.commit()
    [note] = _notes(db, event_type="layoff_submitted")
    assert note.user_id == centre_actor.user_id  # not the other district's centre
    assert note.context["organisation"] == employer_org.name and note.context["people"] == 3
    assert note.context["path"] == f"/cabinet/layoffs/{draft.id}"
    layoffs.withdraw_notice(db, employer, draft.id)
    db.commit()
    [withdrawn] = _notes(db, event_type="layoff_withdrawn")
    assert withdrawn.user_id == centre_actor.user_id and other.user_id != centre_actor.user_id


def test_withdrawn_draft_tells_nobody(db):
    factories.centre(db)
    _org, employer = factories.employer(db)
    draft = factories.layoff_notice(db, employer)
    from exchange.layoffs import operations as layoffs

    layoffs.withdraw_notice(db, employer, draft.id)
    db.commit()
    assert _notes(db, event_type="layoff_withdrawn") == []


def test_forecast_reaches_the_district_centre(db):
    _centre, centre_actor = factories.centre(db)
    employer_org, employer = factories.employer(db)
    report = factories.forecast(db, employer, submit=True)
    db.commit()
    [note] = _notes(db, event_type="forecast_submitted")
    assert note.user_id == centre_actor.user_id
    assert note.context["jobs"] == 7 and note.context["year"] == report.year and note.context["quarter"] is None
    assert note.context["organisation"] == employer_org.name


def test_training_application_submitted_then_decided(db):
    from exchange.training import operations as training

    _centre, centre_actor = factories.centre(db)
    profile, _seeker = factories.seeker(db)
    _employer_org, employer = factories.employer(db)
    item = factories.training_application(db, employer, submit=True, iin=profile.iin, full_name=profile.full_name)
    db.commit()
    [to_centre] = _notes(db, event_type="training_submitted")
    assert to_centre.user_id == centre_actor.user_id and to_centre.context["person"] == profile.full_name
    training.decide(db, centre_actor, item.id, {"decision": "refuse", "reason": "Нет мест в группе"})
    db.commit()
    decided = _notes(db, event_type="training_decided")
    assert {n.user_id for n in decided} == {profile.user_id, employer.user_id}
    assert all(n.context["status"] == "refused" and n.context["reason"] == "Нет мест в группе" for n in decided)


def test_disabled_webhook_tells_the_owners_by_email(app, db):
    from bots.render import render
    from exchange.api import consumers as api_consumers
    from exchange.notifications.models import Delivery
    from exchange.notifications.sending import _context_for_render

    org, owner = factories.employer(db)
    db.commit()
    api_consumers.handle(app, {"id": 1, "topic": "webhook.disabled", "aggregate_type": "webhook", "aggregate_id": 42,
                               "payload": {"organisation_id": org.id, "url": "https://hooks.example.kz/in", "failures": 10},
                               "actor_user_id": None, "created_at": "2026-11-26T00:00:00+00:00"})
    [note] = _notes(db, user_id=owner.user_id, event_type="webhook.disabled")
    assert [d.channel for d in db.scalars(sa.select(Delivery).where(Delivery.notification_id == note.id))] == ["email"]
    with app.app_context():
        message = render(note.event_type, _context_for_render(app, db, note), "kk", "https://birzha.kz")
    assert "https://hooks.example.kz/in" in message.text and "10" in message.text
    assert message.link == "https://birzha.kz/cabinet/integrations/webhooks/42"
