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
