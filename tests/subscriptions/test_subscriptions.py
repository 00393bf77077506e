"""Saved searches: validation, instant alerts from micro-batches (never twice), digests, one-click unsubscribe."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from exchange.accounts.models import AccountRole
from exchange.errors import PermissionDenied, ValidationFailed
from exchange.notifications.models import Notification
from exchange.subscriptions import jobs, matching
from exchange.subscriptions import operations as subs
from exchange.subscriptions.models import NewDocument, SubscriptionHit, SubscriptionKind
from exchange.vacancies import operations as vacancies
from tests import factories


def _alerts(db, user_id, event_type="new_matching_vacancies") -> list[Notification]:
    return list(db.scalars(sa.select(Notification).where(Notification.user_id == user_id, Notification.event_type == event_type).order_by(Notification.id)))


def test_who_may_subscribe_and_params_are_validated(db):
    seeker_user = factories.user(db, AccountRole.SEEKER)
    seeker = factories.actor_for(db, seeker_user)
    with pytest.raises(PermissionDenied):
        subs.create_subscription(db, seeker, {"kind": "resumes", "params": {}})
    with pytest.raises(ValidationFailed) as error:
        subs.create_subscription(db, seeker, {"kind": "vacancies", "params": {"region": "999999999", "salary_from": "a lot"}})
    assert {"params.region", "params.salary_from"} <= set(error.value.fields) or error.value.fields
    sub = subs.create_subscription(db, seeker, {"kind": "vacancies", "params": {"q": "водитель", "sort": "date", "page": "3"}})
    assert sub.params == {"q": "водитель"} and sub.name == "водитель" and sub.frequency.value == "instant"
    _org, employer = factories.employer(db)
    resumes_sub = subs.create_subscription(db, employer, {"kind": "resumes", "params": {"occupation": "8332"}, "frequency": "daily"})
    assert resumes_sub.organisation_id == employer.organisation_id
    with pytest.raises(PermissionDenied):
        subs.set_active(db, employer, sub.id, False)


def test_instant_alert_once_per_document(app, db):
    seeker_user = factories.user(db, AccountRole.SEEKER)
    seeker = factories.actor_for(db, seeker_user)
    matching_sub = subs.create_subscription(db, seeker, {"kind": "vacancies", "params": {"q": "водитель"}})
    other_sub = subs.create_subscription(db, seeker, {"kind": "vacancies", "params": {"q": "бухгалтер"}})
    _org, employer = factories.employer(db)
    db.commit()
    vacancy = factories.vacancy(db, employer)  # "Водитель грузового автомобиля", published
    db.commit()
    [alert] = _alerts(db, seeker_user.id)
    assert alert.context["subscription_id"] == matching_sub.id and alert.context["count"] == 1
    assert alert.context["items"][0]["title"] == vacancy.title
    assert db.scalar(sa.select(sa.func.count()).select_from(SubscriptionHit).where(SubscriptionHit.subscription_id == other_sub.id)) == 0
    # Hidden and published again: still the same document, so no second alert.
    vacancies.unpublish_vacancy(db, employer, vacancy.id)
    db.commit()
    vacancies.publish_vacancy(db, employer, vacancy.id)
    db.commit()
    assert len(_alerts(db, seeker_user.id)) == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(NewDocument)) == 0


def test_micro_batch_matches_many_documents_with_few_queries(app, db, monkeypatch):
    seekers = [factories.user(db, AccountRole.SEEKER) for _ in range(3)]
    for person in seekers:  # three people with the same search share one query
        factories.subscription(db, factories.actor_for(db, person), q="водитель")
    factories.subscription(db, factories.actor_for(db, seekers[0]), occupation="2411")
    _org, employer = factories.employer(db)
    db.commit()
    monkeypatch.setattr("exchange.subscriptions.consumers.handle", lambda app, message: None)  # collect a batch first
    monkeypatch.setattr("exchange.dispatch.consumers", _without_subscriptions(monkeypatch))
    made = [factories.vacancy(db, employer, title=f"Водитель {n}") for n in range(4)]
    db.commit()
    matching.enqueue(db, SubscriptionKind.VACANCIES, [v.id for v in made])
    db.commit()
    stats = matching.match_batch(app, SubscriptionKind.VACANCIES)
    assert stats.documents == 4 and stats.subscriptions == 4
    assert stats.candidates == 3  # the occupation 2411 search is prefiltered out without a query
    assert stats.queries == 1 and stats.hits == 12 and stats.alerts == 3
    for person in seekers:
        [alert] = _alerts(db, person.id)
        assert alert.context["count"] == 4


def _without_subscriptions(monkeypatch):
    """The consumer list without the subscriptions consumer, so new documents wait for a batch."""
    from exchange import dispatch

    original = dispatch.consumers

    def consumers():
        return [c for c in original() if c.name != "exchange.subscriptions.consumers"]

    return consumers


def test_daily_digest_collects_matches_once_a_day(app, db):
    _org, employer = factories.employer(db)
    sub = subs.create_subscription(db, employer, {"kind": "resumes", "params": {"q": "водитель"}, "frequency": "daily"})
    db.commit()
    for _ in range(2):
        profile, seeker = factories.seeker(db)
        factories.resume(db, profile, seeker)
        db.commit()
    assert _alerts(db, employer.user_id, "new_matching_resumes") == []  # daily: nothing instant
    assert jobs.send_daily_digests(app) == {"digests": 1, "subscriptions": 1}
    [digest] = _alerts(db, employer.user_id, "new_matching_resumes")
    assert digest.context["count"] == 2 and digest.context["digest"] is True
    assert digest.context["path"] == f"/subscriptions/{sub.id}/results"
    assert jobs.send_daily_digests(app) == {"digests": 0, "subscriptions": 0}  # already sent


def test_cabinet_pages_and_one_click_unsubscribe(app, db, client, sign_in):
    person = factories.user(db, AccountRole.SEEKER)
    db.commit()
    sign_in(person)
    page = client.get("/subscriptions/")
    assert page.status_code == 200 and "Сохранённых поисков пока нет" in page.get_data(as_text=True)
    assert client.get("/subscriptions/new?q=повар").status_code == 200
    assert client.post("/subscriptions/new", data={"q": "повар", "region": "nowhere", "frequency": "instant"}).status_code == 422
    assert client.post("/subscriptions/new", data={"q": "повар", "frequency": "daily"}).status_code == 302
    [sub] = subs.subscriptions_of(db, factories.actor_for(db, person))
    assert client.post(f"/subscriptions/{sub.id}/mute").status_code == 302
    db.refresh(sub)
    assert sub.active is False
    client.post(f"/subscriptions/{sub.id}/resume")
    assert client.get(f"/subscriptions/{sub.id}/results").status_code == 200
    token = subs.unsubscribe_token(app.config["SECRET_KEY"], sub.id)
    anonymous = app.test_client()
    assert anonymous.get(f"/subscriptions/unsubscribe/{token}").status_code == 200
    db.refresh(sub)
    assert sub.active is True  # a mail scanner's GET changes nothing
    assert anonymous.post(f"/subscriptions/unsubscribe/{token}").status_code == 200
    db.refresh(sub)
    assert sub.active is False
    assert anonymous.post("/subscriptions/unsubscribe/forged").status_code == 422


def _batch_of_drivers(app, db, monkeypatch, count: int) -> list[int]:
    """Publish ``count`` vacancies without matching them yet, then queue them as one micro-batch."""
    _org, employer = factories.employer(db)
    db.commit()
    monkeypatch.setattr("exchange.dispatch.consumers", _without_subscriptions(monkeypatch))
    made = [factories.vacancy(db, employer, title=f"Водитель {n}") for n in range(count)]
    db.commit()
    matching.enqueue(db, SubscriptionKind.VACANCIES, [v.id for v in made])
    db.commit()
    return [v.id for v in made]


def test_bulk_alerts_follow_each_persons_channels_quiet_hours_and_telegram_link(app, db, monkeypatch):
    import datetime as dt

    from exchange.notifications import operations as notes
    from exchange.notifications.models import Delivery
    from exchange.outbox import OutboxEvent

    plain, telegram_only, quiet, no_link = (factories.user(db, AccountRole.SEEKER) for _ in range(4))
    for person in (plain, telegram_only, quiet, no_link):
        factories.subscription(db, factories.actor_for(db, person), q="водитель")
    factories.telegram_link(db, telegram_only, 5551)
    factories.telegram_link(db, quiet, 5552)
    notes.set_preferences(db, factories.actor_for(db, telegram_only), telegram_only.id,
                          {"events": {"new_matching_vacancies": ["telegram"]}})
    notes.set_preferences(db, factories.actor_for(db, quiet), quiet.id, {"quiet_from": "00:00", "quiet_until": "23:59"})
    db.commit()
    ids = _batch_of_drivers(app, db, monkeypatch, 2)
    stats = matching.match_batch(app, SubscriptionKind.VACANCIES)
    assert stats.alerts == 4 and stats.hits == 8

    def deliveries(person):
        [alert] = _alerts(db, person.id)
        assert alert.context["count"] == 2 and {i["path"] for i in alert.context["items"]} == {f"/vacancies/{i}" for i in ids}
        rows = db.scalars(sa.select(Delivery).where(Delivery.notification_id == alert.id).order_by(Delivery.channel))
        return alert, {d.channel.value: d for d in rows}

    _alert, got = deliveries(plain)
    assert set(got) == {"email", "telegram"} and got["email"].address == plain.email
    assert got["telegram"].address is None and got["telegram"].error == "no address for this channel"  # no linked chat
    _alert, got = deliveries(telegram_only)
    # (the channels are not configured in this test, so the sender marks the rest skipped for that reason)
    assert set(got) == {"telegram"} and got["telegram"].address == "5551" and got["telegram"].error != "no address for this channel"
    _alert, got = deliveries(quiet)
    assert got["telegram"].next_attempt_at > got["email"].next_attempt_at  # Telegram waits for the quiet hours' end
    assert got["telegram"].next_attempt_at == notes.in_quiet_hours(db, quiet.id, got["email"].next_attempt_at)
    alert, got = deliveries(no_link)
    assert got["email"].idempotency_key == f"{alert.dedupe_key}:email"
    # Each alert is announced through the outbox like any notification.
    events = db.scalars(sa.select(OutboxEvent.aggregate_id).where(OutboxEvent.topic == "notification.created"))
    assert {a.id for a in (_alerts(db, p.id)[0] for p in (plain, telegram_only, quiet, no_link))} <= set(events)
    assert isinstance(got["email"].next_attempt_at, dt.datetime)


def test_matching_the_same_documents_again_alerts_nobody_twice(app, db, monkeypatch):
    from exchange.outbox import OutboxEvent

    person = factories.user(db, AccountRole.SEEKER)
    factories.subscription(db, factories.actor_for(db, person), q="водитель")
    db.commit()
    ids = _batch_of_drivers(app, db, monkeypatch, 2)
    assert matching.match_batch(app, SubscriptionKind.VACANCIES).alerts == 1
    before = db.scalar(sa.select(sa.func.count()).select_from(OutboxEvent))
    matching.enqueue(db, SubscriptionKind.VACANCIES, ids)  # e.g. the relay delivered the events again
    db.commit()
    again = matching.match_batch(app, SubscriptionKind.VACANCIES)
    assert again.documents == 2 and again.hits == 0 and again.alerts == 0
    assert len(_alerts(db, person.id)) == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == before


def test_more_matches_than_a_page_are_all_found(app, db, monkeypatch):
    person = factories.user(db, AccountRole.SEEKER)
    sub = factories.subscription(db, factories.actor_for(db, person), q="водитель")
    db.commit()
    ids = _batch_of_drivers(app, db, monkeypatch, 5)
    monkeypatch.setattr(matching, "PAGE", 2)
    stats = matching.match_batch(app, SubscriptionKind.VACANCIES)
    assert stats.queries == 3 and stats.hits == 5  # pages of 2, 2 and 1
    found = set(db.scalars(sa.select(SubscriptionHit.document_id).where(SubscriptionHit.subscription_id == sub.id)))
    assert found == set(ids)
    [alert] = _alerts(db, person.id)
    assert alert.context["count"] == 5
