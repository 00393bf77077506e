"""Webhooks: HTTPS-only registration, signed deliveries to a real local receiver, retries, disabling."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from exchange.api import jobs, webhooks
from exchange.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from exchange.app import state
from exchange.db import utcnow
from exchange.outbox import OutboxEvent
from tests.api.conftest import error_of


class Receiver:
    """A real HTTP server on loopback that records requests and answers with queued status codes."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else b"receiver is down")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver(app, monkeypatch):
    monkeypatch.setitem(state(app).settings.values, "WEBHOOK_ALLOW_LOOPBACK", True)
    item = Receiver()
    yield item
    item.close()


def _trigger_import(caller) -> int:
    line = {"external_id": "w-1", "title": "Продавец", "occupation_code": "5223", "kato_code": "751210000"}
    return caller.post("/imports?kind=vacancies&format=ndjson", data=json.dumps(line, ensure_ascii=False).encode()).get_json()["id"]


def test_registration_requires_https_and_public_addresses(employer_api):
    for url in ("http://example.kz/hook", "https://10.0.0.5/hook", "https://localhost/hook", "ftp://example.kz/x"):
        response = employer_api.post("/webhooks", {"url": url, "event_types": ["import.finished"]})
        assert response.status_code == 422 and "url" in error_of(response)["fields"], url
    bad_event = employer_api.post("/webhooks", {"url": "https://example.kz/hook", "event_types": ["everything"]})
    assert bad_event.status_code == 422
    created = employer_api.post("/webhooks", {"url": "https://example.kz/hook", "event_types": ["import.finished"]})
    assert created.status_code == 201 and len(created.get_json()["secret"]) > 30
    assert "secret" not in employer_api.get("/webhooks").get_json()[0]


def test_delivery_is_signed_and_recorded(db, employer_api, receiver):
    hook = employer_api.post("/webhooks", {"url": receiver.url, "event_types": ["import.finished"]}).get_json()
    import_id = _trigger_import(employer_api)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = request["headers"]
    assert headers["X-Birzha-Event"] == "import.finished"
    assert webhooks.verify_signature(hook["secret"], headers["X-Birzha-Timestamp"], request["body"], headers["X-Birzha-Signature"])
    assert not webhooks.verify_signature(hook["secret"], headers["X-Birzha-Timestamp"], request["body"] + b" ", headers["X-Birzha-Signature"])
    assert not webhooks.verify_signature("other", headers["X-Birzha-Timestamp"], request["body"], headers["X-Birzha-Signature"])
    payload = json.loads(request["body"])
    assert payload["type"] == "import.finished" and payload["data"]["import_id"] == import_id
    deliveries = employer_api.get(f"/webhooks/{hook['id']}/deliveries").get_json()
    assert deliveries[0]["status"] == "succeeded" and deliveries[0]["last_status_code"] == 200
    assert deliveries[0]["last_response"] == '{"ok": true}'


def test_failed_delivery_is_retried_with_backoff(db, app, employer_api, receiver):
    receiver.statuses = [500]
    hook = employer_api.post("/webhooks", {"url": receiver.url, "event_types": ["import.finished"]}).get_json()
    _trigger_import(employer_api)
    delivery = db.scalar(sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == hook["id"]))
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.last_status_code == 500
    wait = (delivery.next_attempt_at - utcnow()).total_seconds()
    assert webhooks.BACKOFF_SECONDS[0] - 5 < wait <= webhooks.BACKOFF_SECONDS[0]
    assert jobs.retry_due_webhooks(app) == {"attempted": 0}  # not due yet
    delivery.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
    db.commit()
    assert jobs.retry_due_webhooks(app) == {"attempted": 1}
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]


def test_endpoint_is_disabled_after_repeated_failures(db, app, employer_api, receiver, monkeypatch):
    monkeypatch.setitem(state(app).settings.values, "WEBHOOK_MAX_FAILURES", 3)
    receiver.statuses = [503] * 10
    hook = employer_api.post("/webhooks", {"url": receiver.url, "event_types": ["import.finished"]}).get_json()
    for _ in range(3):
        _trigger_import(employer_api)
    endpoint = db.get(WebhookEndpoint, hook["id"])
    db.refresh(endpoint)
    assert endpoint.active is False and endpoint.disabled_at is not None
    event = db.scalar(sa.select(OutboxEvent).where(OutboxEvent.topic == "webhook.disabled", OutboxEvent.aggregate_id == endpoint.id))
    assert event is not None and event.payload["organisation_id"] == endpoint.organisation_id
    requests_before = len(receiver.requests)
    _trigger_import(employer_api)
    assert len(receiver.requests) == requests_before  # a disabled endpoint gets nothing
    enabled = employer_api.post(f"/webhooks/{hook['id']}/enable").get_json()
    assert enabled["active"] is True and enabled["consecutive_failures"] == 0


def test_other_organisations_cannot_see_a_webhook(db, employer_api, agency_api):
    hook = employer_api.post("/webhooks", {"url": "https://example.kz/h", "event_types": ["vacancy.closed"]}).get_json()
    assert agency_api.get(f"/webhooks/{hook['id']}/deliveries").status_code == 404
    assert agency_api.delete(f"/webhooks/{hook['id']}").status_code == 404
    assert employer_api.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert employer_api.get("/webhooks").get_json() == []
