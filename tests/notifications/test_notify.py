"""Creating notifications: recipients' channels, preferences, quiet hours, idempotency, the inbox."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from exchange.accounts.models import AccountRole
from exchange.errors import PermissionDenied, ValidationFailed
from exchange.notifications import consumers, operations
from exchange.notifications.models import Delivery, DeliveryStatus, Notification
from exchange.outbox import OutboxEvent
from exchange.timeutil import ALMATY
from tests import factories


def _deliveries(db, notification) -> dict[str, Delivery]:
    return {d.channel.value: d for d in db.scalars(sa.select(Delivery).where(Delivery.notification_id == notification.id))}


def test_default_channels_and_inbox(db):
    person = factories.user(db, AccountRole.SEEKER, phone="+77011112233")
    note = operations.notify(db, person.id, "hired", {"vacancy": "Бухгалтер", "organisation": "ТОО"})
    deliveries = _deliveries(db, note)
    assert set(deliveries) == {"email", "telegram", "sms"}
    assert deliveries["email"].address == person.email and deliveries["email"].status == DeliveryStatus.QUEUED
    assert deliveries["sms"].address == "+77011112233"
    # No Telegram chat linked: recorded, not lost, and visibly skipped.
    assert deliveries["telegram"].status == DeliveryStatus.SKIPPED and deliveries["telegram"].address is None
    assert operations.unread_count(db, person.id) == 1


def test_seeker_without_account_is_reached_by_phone(db):
    profile, _ = factories.seeker(db, with_account=False, phone="+77015554433")
    note = operations.notify(db, None, "referral_sent", {"vacancy": "Сварщик"}, seeker_id=profile.id)
    assert note.user_id is None and note.read_at is not None  # no inbox to show it in
    assert _deliveries(db, note)["sms"].address == "+77015554433"


def test_preferences_choose_channels(db):
    person = factories.user(db, AccountRole.SEEKER, phone="+77011112233")
    actor = factories.actor_for(db, person)
    operations.set_preferences(db, actor, person.id, {
        "events": {"hired": ["telegram"], "application_status": ["email", "sms"]},
        "enabled": ["email", "telegram"],
    })
    assert set(_deliveries(db, operations.notify(db, person.id, "hired", {}))) == {"telegram"}
    # SMS is switched off globally, so only e-mail remains.
    assert set(_deliveries(db, operations.notify(db, person.id, "application_status", {"status": "viewed"}))) == {"email"}
    view = operations.preferences_view(db, actor, person.id)
    assert view["events"]["hired"] == ["telegram"] and view["enabled"] == ["email", "telegram"]


def test_preferences_validation_and_permission(db):
    person = factories.user(db, AccountRole.SEEKER)
    other = factories.user(db, AccountRole.SEEKER)
    actor = factories.actor_for(db, person)
    with pytest.raises(ValidationFailed) as error:
        operations.set_preferences(db, actor, person.id, {"events": {"hired": ["call"]}, "quiet_from": "25:99", "quiet_until": "7:00"})
    assert set(error.value.fields) == {"events.hired", "quiet_from"}
    with pytest.raises(ValidationFailed) as error:
        operations.set_preferences(db, actor, person.id, {"quiet_from": "22:00"})
    assert "quiet_until" in error.value.fields
    with pytest.raises(PermissionDenied):
        operations.set_preferences(db, factories.actor_for(db, other), person.id, {})


def test_quiet_hours_defer_sms_and_telegram_not_email(db):
    person = factories.user(db, AccountRole.SEEKER, phone="+77011112233")
    operations.set_preferences(db, factories.actor_for(db, person), person.id, {"quiet_from": "22:00", "quiet_until": "08:00"})
    night = dt.datetime(2025, 3, 5, 23, 30, tzinfo=ALMATY).astimezone(dt.UTC)
    assert operations.in_quiet_hours(db, person.id, night) == dt.datetime(2025, 3, 6, 8, 0, tzinfo=ALMATY).astimezone(dt.UTC)
    early = dt.datetime(2025, 3, 6, 6, 0, tzinfo=ALMATY).astimezone(dt.UTC)
    assert operations.in_quiet_hours(db, person.id, early) == dt.datetime(2025, 3, 6, 8, 0, tzinfo=ALMATY).astimezone(dt.UTC)
    noon = dt.datetime(2025, 3, 6, 12, 0, tzinfo=ALMATY).astimezone(dt.UTC)
    assert operations.in_quiet_hours(db, person.id, noon) is None


def test_quiet_hours_applied_when_notifying(db, monkeypatch):
    person = factories.user(db, AccountRole.SEEKER, phone="+77011112233")
    now_local = dt.datetime.now(ALMATY)
    start = (now_local - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now_local + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    operations.set_preferences(db, factories.actor_for(db, person), person.id, {"quiet_from": start.strftime("%H:%M"), "quiet_until": end.strftime("%H:%M")})
    deliveries = _deliveries(db, operations.notify(db, person.id, "hired", {}))
    assert deliveries["sms"].next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=90)
    assert deliveries["email"].next_attempt_at <= dt.datetime.now(dt.UTC)


def test_consumer_is_idempotent(app, db):
    person = factories.user(db, AccountRole.SEEKER)
    event = OutboxEvent(topic="account.password_reset_requested", aggregate_type="user", aggregate_id=person.id, payload={})
    db.add(event)
    db.flush()
    message = event.as_message()
    db.commit()
    consumers.handle(app, message)
    consumers.handle(app, message)  # the relay may deliver an event twice
    notes = list(db.scalars(sa.select(Notification).where(Notification.user_id == person.id)))
    assert len(notes) == 1 and notes[0].event_type == "password_reset"
    assert list(_deliveries(db, notes[0])) == ["email"]
    # Password-reset mail never shows in the inbox.
    assert operations.unread_count(db, person.id) == 0


def test_inbox_read_and_pages(db, client, sign_in):
    person = factories.user(db, AccountRole.SEEKER)
    for n in range(3):
        operations.notify(db, person.id, "application_status", {"vacancy": f"Вакансия {n}", "organisation": "ТОО", "status": "viewed", "path": "/cabinet"})
    db.commit()
    sign_in(person)
    page = client.get("/notifications/", headers={"Accept-Language": "ru"})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Вакансия 2" in body and "badge" in body
    first = db.scalars(sa.select(Notification).where(Notification.user_id == person.id)).first()
    response = client.post(f"/notifications/{first.id}/read", data={"follow": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/cabinet")
    assert operations.unread_count(db, person.id) == 2
    client.post("/notifications/read-all")
    assert operations.unread_count(db, person.id) == 0
    other = factories.user(db, AccountRole.SEEKER)
    db.commit()
    sign_in(other)
    assert client.post(f"/notifications/{first.id}/read").status_code == 403
    empty = client.get("/notifications/").get_data(as_text=True)
    assert "Уведомлений пока нет" in empty and "Вакансия 2" not in empty


def test_preferences_page_round_trip(db, client, sign_in):
    person = factories.user(db, AccountRole.EMPLOYER)
    db.commit()
    sign_in(person)
    assert client.get("/notifications/preferences").status_code == 200
    response = client.post("/notifications/preferences", data={
        "enabled-email": "1", "enabled-telegram": "1", "pref-application_received-telegram": "1",
        "quiet_from": "22:00", "quiet_until": "07:30",
    })
    assert response.status_code == 302
    view = operations.preferences_view(db, factories.actor_for(db, person), person.id)
    assert view["events"]["application_received"] == ["telegram"] and view["quiet_until"] == "07:30"
    bad = client.post("/notifications/preferences", data={"quiet_from": "22:00"})
    assert bad.status_code == 422


def test_one_click_unsubscribe(app, db, client):
    person = factories.user(db, AccountRole.SEEKER)
    token = operations.unsubscribe_token(app.config["SECRET_KEY"], person.id, "resume_expiring")
    db.commit()
    assert client.get(f"/notifications/unsubscribe/{token}").status_code == 200
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200
    assert "email" not in operations.effective_channels(db, person.id, "resume_expiring")
    assert "email" in operations.effective_channels(db, person.id, "resume_expired")
    assert client.post("/notifications/unsubscribe/forged-token").status_code == 400
