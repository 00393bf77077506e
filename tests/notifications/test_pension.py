"""Pension reconciliation found people employed: they and their centres are told (issue 5, item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine

from bots.render import render
from exchange.accounts.models import AccountRole
from exchange.notifications import consumers, recipients
from exchange.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from exchange.organisations import operations as organisations
from exchange.outbox import OutboxEvent
from exchange.pension import jobs
from exchange.seekers import operations as seekers
from exchange.timeutil import ALMATY
from tests import factories as f

REGISTERED = dt.datetime(2025, 3, 3, 10, 0, tzinfo=ALMATY)
EMPLOYER_NAME = "ТОО «Жаңа Жұмыс»"
PERSON_TYPES = ("employment_recorded",)
REPORT_TYPES = ("reconciliation_result", "reconciliation_centre_result")


def _registered(db, centre_actor, *, with_account: bool, locale: str | None = None):
    with time_machine.travel(REGISTERED, tick=False):
        profile, actor, _resume = f.registered_seeker(db, centre_actor, with_account=with_account)
    if locale:
        actor.user.locale = locale
    return profile, actor


def _row(profile, employer_bin: str, paid_on: str, period: str) -> dict:
    return {"iin": profile.iin, "employer_bin": employer_bin, "employer_name": EMPLOYER_NAME,
            "period": period, "amount": "42000.00", "paid_on": paid_on}


@pytest.fixture()
def world(db):
    """Two centres; in each, people the run finds employed (with and without accounts) and one it does not."""
    almaty, almaty_staff = f.centre(db)
    almaty.phone = "+77272500000"
    astana, astana_staff = f.centre(db, district=f.ASTANA_DISTRICT)
    colleague = f.user(db, AccountRole.CENTRE)
    organisations.add_member(db, almaty_staff, almaty.id, colleague.email)
    admin = f.user(db, AccountRole.ADMIN)
    employer, _ = f.employer(db)
    kk_person, kk_actor = _registered(db, almaty_staff, with_account=True, locale="kk")
    no_account, _ = _registered(db, almaty_staff, with_account=False)
    en_person, en_actor = _registered(db, astana_staff, with_account=True, locale="en")
    ru_person, ru_actor = _registered(db, astana_staff, with_account=True, locale="ru")
    bystander, bystander_actor = _registered(db, almaty_staff, with_account=True)
    rows = [_row(p, employer.bin, "2025-04-20", "2025-03") for p in (kk_person, no_account, en_person, ru_person)]
    rows.append(_row(bystander, employer.bin, "2025-02-25", "2025-02"))  # before registering: not a match
    f.pension_feed(db, rows)
    db.commit()
    return {
        "almaty": almaty, "almaty_staff": almaty_staff, "astana": astana, "astana_staff": astana_staff, "admin": admin,
        "kk": (kk_person, kk_actor), "none": no_account, "en": (en_person, en_actor), "ru": (ru_person, ru_actor),
        "bystander": (bystander, bystander_actor), "colleague": colleague,
    }


def _reconcile(app, db) -> dict:
    report = jobs.run_reconciliation(app, trigger="test")
    db.expire_all()
    return report


def _notes(db, *event_types: str) -> list[Notification]:
    return list(db.scalars(sa.select(Notification).where(Notification.event_type.in_(event_types)).order_by(Notification.id)))


def test_people_with_accounts_are_told_in_their_language(app, db, world, monkeypatch):
    monkeypatch.setattr(recipients, "EMPLOYMENT_CHUNK", 2)  # three people with accounts: two chunks
    report = _reconcile(app, db)
    assert report["seekers_deregistered"] == 4

    notes = {n.user_id: n for n in _notes(db, *PERSON_TYPES)}
    kk_person, kk_actor = world["kk"]
    _, en_actor = world["en"]
    _, ru_actor = world["ru"]
    # The person without an account is left to the centre; the bystander was not matched.
    assert set(notes) == {kk_actor.user_id, en_actor.user_id, ru_actor.user_id}
    assert db.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.seeker_id == world["none"].id)) == 0

    kk_note = notes[kk_actor.user_id]
    assert kk_note.seeker_id == kk_person.id and kk_note.locale == "kk" and kk_note.read_at is None
    assert kk_note.context == {"employer": EMPLOYER_NAME, "date": "01.03.2025", "centre": world["almaty"].name,
                               "centre_phone": "+77272500000", "path": "/cabinet/resumes/"}
    assert notes[en_actor.user_id].context["centre"] == world["astana"].name
    assert notes[en_actor.user_id].context["centre_phone"] == ""

    texts = {locale: render(n.event_type, n.context, n.locale, "https://birzha.kz") for locale, n in (
        ("kk", kk_note), ("en", notes[en_actor.user_id]), ("ru", notes[ru_actor.user_id]))}
    assert "Зейнетақы қоры" in texts["kk"].text and "мұрағат" in texts["kk"].text
    assert "тел. +77272500000" in texts["kk"].text and world["almaty"].name in texts["kk"].text
    assert "pension fund" in texts["en"].text and "archived your resumes" in texts["en"].text
    assert "Пенсионный фонд" in texts["ru"].text and "центр занятости" in texts["ru"].text
    for message in texts.values():
        assert EMPLOYER_NAME in message.text and "01.03.2025" in message.text
        assert message.link == "https://birzha.kz/cabinet/resumes/"
        assert world["almaty"].name in message.sms() or world["astana"].name in message.sms()  # the contact survives SMS

    # Deliveries follow the usual rules: e-mail to the account, SMS to the profile's phone, no Telegram link
    by_channel = {d.channel: d for d in db.scalars(sa.select(Delivery).where(Delivery.notification_id == kk_note.id))}
    assert set(by_channel) == {Channel.EMAIL, Channel.SMS, Channel.TELEGRAM}
    # (the test app configures no provider, so the inline sender marks them skipped as "channel not configured")
    assert by_channel[Channel.EMAIL].address == kk_actor.user.email and by_channel[Channel.EMAIL].error != "no address for this channel"
    assert by_channel[Channel.SMS].address == kk_person.phone and by_channel[Channel.SMS].error != "no address for this channel"
    assert by_channel[Channel.TELEGRAM].status == DeliveryStatus.SKIPPED


def test_each_centre_gets_its_own_counts_and_admins_the_total(app, db, world, client, sign_in):
    report = _reconcile(app, db)
    run_path = f"/cabinet/pension/runs/{report['run_id']}"
    centre_notes = {n.user_id: n for n in _notes(db, "reconciliation_centre_result")}
    assert set(centre_notes) == {world["almaty_staff"].user_id, world["colleague"].id, world["astana_staff"].user_id}
    assert centre_notes[world["colleague"].id].context == centre_notes[world["almaty_staff"].user_id].context
    almaty = centre_notes[world["almaty_staff"].user_id].context
    astana = centre_notes[world["astana_staff"].user_id].context
    assert (almaty["centre"], almaty["deregistered"], almaty["through_platform"], almaty["path"]) == (
        world["almaty"].name, 2, 0, run_path)
    assert (astana["centre"], astana["deregistered"], astana["path"]) == (world["astana"].name, 2, run_path)

    [admin_note] = _notes(db, "reconciliation_result")
    assert admin_note.user_id == world["admin"].id
    assert (admin_note.context["employed"], admin_note.context["deregistered"], admin_note.context["path"]) == (4, 4, run_path)
    # Nobody gets the other's report: seekers get no summaries, centre staff no personal notice.
    report_users = {n.user_id for n in _notes(db, *REPORT_TYPES)}
    assert report_users == {world["almaty_staff"].user_id, world["colleague"].id, world["astana_staff"].user_id, world["admin"].id}

    for locale, needle in (("kk", "есебінен 2 адамды"), ("ru", "сняла с учёта"), ("en", "took 2 people off the register")):
        message = render("reconciliation_centre_result", almaty, locale, "https://birzha.kz")
        assert needle in message.text and world["almaty"].name in message.subject
        assert message.link == f"https://birzha.kz{run_path}"
    admin_text = render("reconciliation_result", admin_note.context, "en", "https://birzha.kz").text
    assert "4 people found employed, 4 taken off the register" in admin_text

    # The link opens the run's report in the centre's cabinet, with that centre's two people.
    sign_in(world["almaty_staff"].user)
    page = client.get(run_path)
    assert page.status_code == 200 and page.get_data(as_text=True).count(EMPLOYER_NAME) == 2


def test_redelivering_the_event_adds_nothing(app, db, world, monkeypatch):
    report = _reconcile(app, db)
    before = db.scalar(sa.select(sa.func.count()).select_from(Notification))
    deliveries = db.scalar(sa.select(sa.func.count()).select_from(Delivery))
    event = db.scalar(sa.select(OutboxEvent).where(OutboxEvent.topic == "pension.reconciled",
                                                   OutboxEvent.aggregate_id == report["run_id"]))
    monkeypatch.setattr(recipients, "EMPLOYMENT_CHUNK", 1)
    consumers.handle(app, event.as_message())
    consumers.handle(app, event.as_message())
    db.expire_all()
    assert db.scalar(sa.select(sa.func.count()).select_from(Notification)) == before
    assert db.scalar(sa.select(sa.func.count()).select_from(Delivery)) == deliveries
    assert len(_notes(db, *PERSON_TYPES)) == 3


def test_a_later_run_does_not_tell_the_same_people_again(app, db, world):
    _reconcile(app, db)
    again = _reconcile(app, db)
    assert again["seekers_deregistered"] == 0
    assert len(_notes(db, *PERSON_TYPES)) == 3
    # The second run has nothing for the centres; administrators still get its (empty) summary.
    assert len(_notes(db, "reconciliation_centre_result")) == 3  # two Almaty staff, one Astana
    assert len(_notes(db, "reconciliation_result")) == 2


def test_manual_deregistration_at_the_centre_is_not_notified(app, db, world):
    person, actor = world["bystander"]
    seekers.deregister(db, world["almaty_staff"], person.id, {"reason": "employed"})
    db.commit()
    assert db.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == actor.user_id)) == 0
    assert "seeker.deregistered" in recipients.NOT_PLANNED
    assert "seeker.deregistered" not in recipients.PLANNERS
