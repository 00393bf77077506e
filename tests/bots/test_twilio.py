"""SMS and calls with the real twilio client against Prism (Twilio's contract, validation on),
status callbacks with X-Twilio-Signature, a Twilio outage, and organisations texting candidates."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from exchange.accounts.models import AccountRole
from exchange.errors import Conflict, PermissionDenied
from exchange.notifications import operations, sending
from exchange.notifications.models import Channel, Delivery, DeliveryStatus
from tests import factories
from tests.support.fixtures import TWILIO_TOKEN


def _delivery(db, notification, channel: Channel) -> Delivery:
    found = db.scalar(sa.select(Delivery).where(Delivery.notification_id == notification.id, Delivery.channel == channel))
    db.refresh(found)
    return found


def test_sms_and_call_are_accepted_by_the_twilio_contract(db, twilio_on):
    person = factories.user(db, AccountRole.SEEKER, phone="+77011112233")
    sms = operations.notify(db, person.id, "hired", {"vacancy": "Аспаз", "organisation": "ТОО"}, ["sms"])
    call = operations.notify(db, person.id, "organisation_message", {"organisation": "ТОО", "message": "Сұхбатқа келіңіз"}, ["call"])
    db.commit()
    sent_sms, sent_call = _delivery(db, sms, Channel.SMS), _delivery(db, call, Channel.CALL)
    assert sent_sms.status == DeliveryStatus.SENT and sent_sms.provider_id.startswith("SM"), sent_sms.error
    assert sent_call.status == DeliveryStatus.SENT and sent_call.provider_id.startswith("CA"), sent_call.error


def _signed_post(client, url: str, form: dict, token: str = TWILIO_TOKEN):
    signature = RequestValidator(token).compute_signature("http://localhost" + url, form)
    return client.post(url, data=form, headers={"X-Twilio-Signature": signature})


def test_status_callback_checks_the_signature(db, client, twilio_on):
    person = factories.user(db, AccountRole.SEEKER, phone="+77011112233")
    note = operations.notify(db, person.id, "hired", {}, ["sms"])
    db.commit()
    delivery = _delivery(db, note, Channel.SMS)
    form = {"MessageSid": delivery.provider_id, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}
    forged = client.post("/notifications/twilio/status", data=form, headers={"X-Twilio-Signature": "bad"})
    assert forged.status_code == 403
    assert _signed_post(client, "/notifications/twilio/status", form, token="another-token").status_code == 403
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT
    assert _signed_post(client, "/notifications/twilio/status", form).status_code == 204
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at is not None
    # A late "sent" never moves it back.
    _signed_post(client, "/notifications/twilio/status", {**form, "MessageStatus": "sent"})
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED


def test_failed_status_callback_records_the_error(db, client, twilio_on):
    person = factories.user(db, AccountRole.SEEKER, phone="+77011112233")
    note = operations.notify(db, person.id, "hired", {}, ["sms"])
    db.commit()
    delivery = _delivery(db, note, Channel.SMS)
    form = {"MessageSid": delivery.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert _signed_post(client, "/notifications/twilio/status", form).status_code == 204
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.FAILED and "30003" in delivery.error


@pytest.fixture()
def broken_twilio(settings_override):
    """A Twilio that answers every request with 500, like an outage."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            hits.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b'{"code": 20500, "message": "Internal Server Error", "status": 500}'
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings_override(TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_AUTH_TOKEN=TWILIO_TOKEN, TWILIO_FROM_NUMBER="+77010000000",
                      TWILIO_BASE_URL=f"http://127.0.0.1:{server.server_address[1]}")
    yield hits
    server.shutdown()
    server.server_close()


def test_twilio_500_retries_then_fails_without_duplicates(app, db, broken_twilio):
    person = factories.user(db, AccountRole.SEEKER, phone="+77011112233")
    note = operations.notify(db, person.id, "hired", {}, ["sms"])
    db.commit()
    delivery = _delivery(db, note, Channel.SMS)
    assert delivery.status == DeliveryStatus.QUEUED and "500" in delivery.error and delivery.provider_status == "500"
    moment = delivery.next_attempt_at
    while delivery.status == DeliveryStatus.QUEUED:
        sending.send_due(app, now=moment + dt.timedelta(seconds=1))
        db.refresh(delivery)
        moment = delivery.next_attempt_at
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == sending.MAX_ATTEMPTS == len(broken_twilio)


def test_organisation_texts_only_its_candidates_within_the_daily_cap(db, twilio_on):
    agency, agency_actor = factories.agency(db)
    own, _ = factories.seeker(db, with_account=False, phone="+77017778899")
    # A person the agency registered itself (with their consent) is its candidate.
    own.created_by_organisation_id = agency.id
    stranger, _ = factories.seeker(db, phone="+77012223344")
    db.flush()
    with pytest.raises(PermissionDenied):
        operations.contact_candidate(db, agency_actor, stranger.id, {"channel": "sms", "message": "Сәлем"}, daily_cap=2)
    for _ in range(2):
        operations.contact_candidate(db, agency_actor, own.id, {"channel": "sms", "message": "Сұхбатқа шақырамыз"}, daily_cap=2)
    with pytest.raises(Conflict):
        operations.contact_candidate(db, agency_actor, own.id, {"channel": "call", "message": "Сұхбатқа шақырамыз"}, daily_cap=2)
    assert operations.capped_today(db, agency.id) == 2


def test_contact_page(db, client, sign_in, twilio_on):
    employer, actor = factories.employer(db)
    profile, _ = factories.seeker(db, with_account=False, phone="+77017778899")
    profile.created_by_organisation_id = employer.id
    db.commit()
    sign_in(actor.user)
    assert client.get(f"/notifications/contact/{profile.id}").status_code == 200
    assert client.post(f"/notifications/contact/{profile.id}", data={"channel": "sms", "message": ""}).status_code == 422
    response = client.post(f"/notifications/contact/{profile.id}", data={"channel": "sms", "message": "Сұхбатқа шақырамыз"})
    assert response.status_code == 302
    sent = db.scalars(sa.select(Delivery).where(Delivery.organisation_id == employer.id)).all()
    assert [d.status for d in sent] == [DeliveryStatus.SENT]
