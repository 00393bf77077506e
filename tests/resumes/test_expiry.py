"""Resume expiry and reminders (R-MON-2) with frozen time, at the boundaries."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine

from exchange.app import state
from exchange.outbox import OutboxEvent
from exchange.resumes import operations as resumes
from exchange.resumes.expiry import ResumeExpiryReminder, run_expiry
from exchange.resumes.models import Visibility
from exchange.timeutil import ALMATY
from tests import factories as f


def almaty(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ALMATY)


def events(db, topic: str, resume_id: int) -> list[OutboxEvent]:
    return list(db.scalars(sa.select(OutboxEvent).where(OutboxEvent.topic == topic, OutboxEvent.aggregate_id == resume_id)))


def publish_at(db, moment: dt.datetime, **data):
    with time_machine.travel(moment, tick=False):
        profile, actor = f.seeker(db)
        item = f.resume(db, profile, actor, publish=False)
        resumes.publish_resume(db, actor, item.id, {"consent_publish": True, **data})
    return item, actor


def sweep(app, db, moment: dt.datetime) -> dict:
    with time_machine.travel(moment, tick=False):
        result = run_expiry(app)
    db.expire_all()
    return result


@pytest.mark.parametrize(("year", "last_day"), [(2025, 28), (2024, 29)])
def test_published_on_31_january_runs_to_the_end_of_february(app, db, year, last_day):
    item, _ = publish_at(db, almaty(year, 1, 31, 10, 0))
    limit = almaty(year, 2, last_day, 10, 0)
    assert item.expires_at == limit.astimezone(dt.UTC)

    assert sweep(app, db, limit - dt.timedelta(seconds=1))["expired"] == 0
    assert db.get(type(item), item.id).expired_at is None
    assert item.is_public(limit - dt.timedelta(seconds=1))

    assert sweep(app, db, limit)["expired"] == 1
    expired = db.get(type(item), item.id)
    assert expired.expired_at == limit.astimezone(dt.UTC)
    assert not expired.is_public(limit)
    [event] = events(db, "resume.expired", item.id)
    assert event.payload["public"] is False
    assert event.payload["seeker_id"] == item.seeker_id
    assert event.payload["version"] == expired.version
    assert event.payload["renew_url"].endswith(f"/cabinet/resumes/{item.id}/publish")


def test_choosing_the_last_allowed_day_is_accepted_and_capped(app, db):
    item, _ = publish_at(db, almaty(2025, 1, 31, 10, 0), until="2025-02-28")
    assert item.expires_at == almaty(2025, 2, 28, 10, 0).astimezone(dt.UTC)


def test_expiry_runs_once_and_renewal_starts_a_new_term(app, db):
    item, actor = publish_at(db, almaty(2025, 3, 1, 9, 0), until="2025-03-20")
    end = almaty(2025, 3, 20, 23, 59, 59)
    assert sweep(app, db, end)["expired"] == 1
    assert sweep(app, db, end + dt.timedelta(hours=1))["expired"] == 0
    assert len(events(db, "resume.expired", item.id)) == 1

    with time_machine.travel(almaty(2025, 3, 22, 12, 0), tick=False):
        renewed = resumes.publish_resume(db, actor, item.id, {})
    assert renewed.expired_at is None
    assert renewed.expires_at == almaty(2025, 4, 22, 12, 0).astimezone(dt.UTC)
    assert renewed.is_public(almaty(2025, 3, 23, 0, 0))


def test_reminder_three_days_before_exactly_once_per_term(app, db):
    item, actor = publish_at(db, almaty(2025, 5, 1, 8, 0))
    expires = almaty(2025, 6, 1, 8, 0)
    assert sweep(app, db, expires - dt.timedelta(days=3, seconds=1))["reminded"] == 0
    assert sweep(app, db, expires - dt.timedelta(days=3))["reminded"] == 1
    assert sweep(app, db, expires - dt.timedelta(days=2))["reminded"] == 0
    [event] = events(db, "resume.expiring", item.id)
    assert event.payload == {
        "seeker_id": item.seeker_id, "expires_at": expires.astimezone(dt.UTC).isoformat(), "resume_id": item.id,
        "source": "self", "source_organisation_id": None,
        "renew_url": f"{state(app).settings.PUBLIC_URL}/cabinet/resumes/{item.id}/publish",
    }
    # Renewing starts a new term, which gets its own reminder.
    with time_machine.travel(almaty(2025, 5, 30, 8, 0), tick=False):
        resumes.publish_resume(db, actor, item.id, {})
    assert sweep(app, db, almaty(2025, 6, 27, 8, 0))["reminded"] == 1
    assert len(events(db, "resume.expiring", item.id)) == 2


def test_a_short_term_gets_no_reminder(app, db):
    item, _ = publish_at(db, almaty(2025, 5, 1, 8, 0), until="2025-05-03")
    assert sweep(app, db, almaty(2025, 5, 1, 9, 0))["reminded"] == 0
    assert events(db, "resume.expiring", item.id) == []
    assert db.scalar(sa.select(sa.func.count()).select_from(ResumeExpiryReminder)
                     .where(ResumeExpiryReminder.resume_id == item.id)) == 1


def test_centre_publication_has_no_term_and_archived_resumes_are_left_alone(app, db):
    _centre, centre_actor = f.centre(db)
    with time_machine.travel(almaty(2025, 1, 10, 10, 0), tick=False):
        _profile, _, by_centre = f.registered_seeker(db, centre_actor, with_account=False)
    assert by_centre.expires_at is None
    archived, actor = publish_at(db, almaty(2025, 1, 10, 10, 0))
    resumes.archive_resume(db, actor, archived.id)
    assert sweep(app, db, almaty(2025, 12, 31, 0, 0))["expired"] == 0
    assert db.get(type(by_centre), by_centre.id).expired_at is None
    assert db.get(type(archived), archived.id).visibility == Visibility.ARCHIVED


def test_hidden_resume_expires_quietly(app, db):
    item, actor = publish_at(db, almaty(2025, 2, 1, 10, 0))
    resumes.hide_resume(db, actor, item.id)
    assert sweep(app, db, almaty(2025, 3, 1, 10, 0))["expired"] == 1
    [event] = events(db, "resume.expired", item.id)
    assert event.payload["was_visible"] is False


def test_sweep_works_in_batches(app, db):
    items = [publish_at(db, almaty(2025, 2, 1, 10, minute))[0] for minute in range(5)]
    with time_machine.travel(almaty(2025, 3, 2, 0, 0), tick=False):
        result = run_expiry(app, batch=2)
    assert result["expired"] == 5
    db.expire_all()
    assert all(db.get(type(i), i.id).expired_at is not None for i in items)


@pytest.mark.parametrize("second", [0, 7])
def test_the_expired_event_carries_the_whole_payload(app, db, second):
    """Every field, with and without a fraction of a second in the term (PostgreSQL builds it in SQL)."""
    item, _ = publish_at(db, almaty(2025, 2, 1, 10, 0, second, 250000 if second else 0))
    expires = db.get(type(item), item.id).expires_at
    assert sweep(app, db, expires)["expired"] == 1
    expired = db.get(type(item), item.id)
    [event] = events(db, "resume.expired", item.id)
    assert event.payload == {
        "version": expired.version, "seeker_id": item.seeker_id, "public": False, "source": "self",
        "source_organisation_id": None, "expires_at": expires.isoformat(), "was_visible": True,
        "renew_url": f"{state(app).settings.PUBLIC_URL}/cabinet/resumes/{item.id}/publish",
    }
    assert event.aggregate_type == "resume" and event.created_at == expires
