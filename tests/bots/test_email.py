"""E-mail through a real local SMTP server: multipart content, unsubscribe headers, retries, no duplicates."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from exchange.accounts import operations as accounts
from exchange.accounts.models import AccountRole
from exchange.notifications import operations, sending
from exchange.notifications.models import Channel, Delivery, DeliveryStatus
from tests import factories
from tests.support.smtp import free_port


def _email_delivery(db, notification) -> Delivery:
    return db.scalar(sa.select(Delivery).where(Delivery.notification_id == notification.id, Delivery.channel == Channel.EMAIL))


def test_alert_email_has_text_html_and_one_click_unsubscribe(app, db, smtp_server):
    person = factories.user(db, AccountRole.SEEKER, locale="kk")
    note = operations.notify(db, person.id, "resume_expiring", {"resume": "Аспаз", "deadline": "05.03.2025 23:59", "path": "/cabinet/resumes/"})
    db.commit()  # after commit the consumer sends
    delivery = _email_delivery(db, note)
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1 and delivery.provider_id.startswith("<")
    [mail] = smtp_server.messages
    assert mail["To"] == person.email and mail["Content-Language"] == "kk"
    assert "түйіндеме" in mail["Subject"].lower()
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Аспаз" in text and "http://localhost/cabinet/resumes/" in text
    assert 'lang="kk"' in html and "Аспаз" in html
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    client = app.test_client()
    assert client.post(unsubscribe.removeprefix("http://localhost")).status_code == 200
    assert "email" not in operations.effective_channels(db, person.id, "resume_expiring")
    # Sending again is a no-op: the delivery is no longer queued.
    assert sending.send_delivery(app, delivery.id) is None
    assert len(smtp_server.messages) == 1


def test_password_reset_mail_carries_a_working_link(app, db, smtp_server):
    person = factories.user(db, AccountRole.EMPLOYER)
    db.commit()
    accounts.request_password_reset(db, person.email, app.config["SECRET_KEY"])
    db.commit()
    [mail] = smtp_server.messages
    text = mail.get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/password/reset/" in word)
    token = link.rsplit("/", 1)[1]
    assert "List-Unsubscribe" not in mail  # a reset mail cannot be unsubscribed from
    accounts.reset_password(db, token, "new-Password-2025", app.config["SECRET_KEY"], 3600)


def test_smtp_refused_is_retried_with_backoff_then_failed(app, db, settings_override):
    settings_override(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    person = factories.user(db, AccountRole.SEEKER)
    note = operations.notify(db, person.id, "hired", {"vacancy": "Аспаз", "organisation": "ТОО"}, ["email"])
    db.commit()
    delivery = _email_delivery(db, note)
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 1
    assert "SMTP unavailable" in delivery.error
    first_retry = delivery.next_attempt_at
    assert first_retry > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=50)
    # Not due yet: the retry job leaves it alone.
    assert sending.send_delivery(app, delivery.id) is None
    moment = first_retry
    for _ in range(sending.MAX_ATTEMPTS - 1):
        sending.send_due(app, now=moment)
        db.refresh(delivery)
        moment = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == sending.MAX_ATTEMPTS


def test_smtp_recovers_on_retry_and_sends_once(app, db, settings_override, smtp_server):
    port = smtp_server.port
    settings_override(SMTP_PORT=free_port())
    person = factories.user(db, AccountRole.SEEKER)
    note = operations.notify(db, person.id, "hired", {"vacancy": "Аспаз", "organisation": "ТОО"}, ["email"])
    db.commit()
    delivery = _email_delivery(db, note)
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.QUEUED
    settings_override(SMTP_PORT=port)  # the server is back
    later = delivery.next_attempt_at + dt.timedelta(seconds=1)
    sending.send_due(app, now=later)
    sending.send_due(app, now=later)  # a second run of the job finds nothing to do
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert len(smtp_server.messages) == 1


def test_interrupted_send_is_failed_not_resent(app, db):
    person = factories.user(db, AccountRole.SEEKER)
    note = operations.notify(db, person.id, "hired", {}, ["email"])
    delivery = _email_delivery(db, note)
    delivery.status = DeliveryStatus.SENDING
    delivery.claimed_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    db.commit()
    assert sending.fail_stale(app) == 1
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.FAILED and "not resent" in delivery.error


def test_rate_limit_defers_instead_of_dropping(app, db, smtp_server):
    person = factories.user(db, AccountRole.SEEKER)
    limit, _window = sending.RATE_LIMITS[Channel.EMAIL]
    for _ in range(limit + 2):
        operations.notify(db, person.id, "application_status", {"status": "viewed"}, ["email"])
    db.commit()
    statuses = [d.status for d in db.scalars(sa.select(Delivery).where(Delivery.address == person.email).order_by(Delivery.id))]
    assert statuses.count(DeliveryStatus.SENT) == limit
    assert statuses.count(DeliveryStatus.QUEUED) == 2
    assert len(smtp_server.messages) == limit


def _peers(smtp_server) -> list:
    """Record the client address of each message: one address per SMTP connection."""
    peers: list = []
    keep = smtp_server.keeper.handle_DATA

    async def handle_DATA(server, session, envelope):
        peers.append(session.peer)
        return await keep(server, session, envelope)

    smtp_server.keeper.handle_DATA = handle_DATA
    return peers


def test_a_batch_goes_over_one_smtp_connection_with_one_commit_per_message(app, db, smtp_server, monkeypatch):
    from exchange.app import state

    people = [factories.user(db, AccountRole.SEEKER) for _ in range(5)]
    db.commit()
    monkeypatch.setattr(state(app).db, "after_commit_hooks", [])  # send below, as the retry job does, not after commit
    notes = [operations.notify(db, p.id, "hired", {"vacancy": "Аспаз", "organisation": "ТОО"}, ["email"]) for p in people]
    db.commit()
    peers = _peers(smtp_server)
    commits: list[int] = []

    def count(_conn):
        commits.append(1)

    sa.event.listen(state(app).db.engine, "commit", count)
    try:
        outcome = sending.send_due(app)
    finally:
        sa.event.remove(state(app).db.engine, "commit", count)
    assert outcome["sent"] == 5 and len(smtp_server.messages) == 5
    assert len(set(peers)) == 1  # one SMTP session for the whole batch
    # claim + outcome of each message share a transaction: 5 messages, 5 + 2 commits (stale sweep, last outcome)
    assert len(commits) <= 5 + 2
    for note in notes:
        delivery = _email_delivery(db, note)
        db.refresh(delivery)
        assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1 and delivery.sent_at is not None


def test_a_dropped_smtp_connection_is_reopened_and_nothing_is_sent_twice(app, db, smtp_server, monkeypatch):
    from bots import channels
    from bots.email import EmailChannel

    first = factories.user(db, AccountRole.SEEKER)
    operations.notify(db, first.id, "hired", {"vacancy": "Аспаз", "organisation": "ТОО"}, ["email"])
    db.commit()
    assert len(smtp_server.messages) == 1
    client = channels.email(app)
    client._smtp.sock.close()  # the server side went away while idle
    monkeypatch.setattr(EmailChannel, "IDLE_CHECK", 0.0)  # idle long enough to be checked first
    second = factories.user(db, AccountRole.SEEKER)
    note = operations.notify(db, second.id, "hired", {"vacancy": "Аспаз", "organisation": "ТОО"}, ["email"])
    db.commit()
    delivery = _email_delivery(db, note)
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert [m["To"] for m in smtp_server.messages] == [first.email, second.email]
