"""Webhooks: organisations register HTTPS endpoints; events reach them signed, retried, and audited.

Signature: ``X-Birzha-Signature: sha256=<hex>`` where hex is HMAC-SHA256 with the
endpoint's secret over ``"<X-Birzha-Timestamp>.<raw body>"``. Receivers recompute it
and refuse timestamps older than a few minutes (replay protection).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from marshmallow import fields as mm_fields
from marshmallow import validate
from sqlalchemy.orm import Session

from exchange import audit, outbox, schemas
from exchange.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from exchange.auth import Actor, deny, require_org, require_scope
from exchange.db import utcnow
from exchange.errors import Conflict, NotFound, field_error
from exchange.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)

# Event types an organisation may subscribe to (outbox topics).
EVENT_TYPES: tuple[str, ...] = (
    "application.created",
    "application.changed",
    "application.hired",
    "referral.due_tomorrow",
    "referral.auto_rejected",
    "vacancy.closed",
    "resume.expired",
    "import.finished",
)
# Seconds to wait before attempt n+1 (after attempt n failed); then the delivery is given up.
BACKOFF_SECONDS: tuple[int, ...] = (30, 120, 600, 1800, 7200, 21600)
MAX_ENDPOINTS = 20
RESPONSE_KEEP = 2000
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class WebhookSchema(schemas.InputSchema):
    url = schemas.text(required=True, max_len=500, min_len=8)
    event_types = mm_fields.List(
        schemas.Text(validate=validate.OneOf(EVENT_TYPES, error=_l("Choose one of: {choices}."))),
        required=True,
        validate=validate.Length(min=1, max=len(EVENT_TYPES), error=_l("Choose at least one event type.")),
    )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (documented, and used by the tests as a receiver would)."""
    try:
        age = abs((now or time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


def _loopback_allowed() -> bool:
    from flask import current_app

    return bool(current_app.config["BIRZHA"].WEBHOOK_ALLOW_LOOPBACK)


def _check_url(url: str, allow_loopback: bool) -> None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if allow_loopback and parts.scheme in ("http", "https") and host in LOOPBACK_HOSTS:
        return
    if parts.scheme != "https" or not host:
        raise field_error("url", _l("Use an https:// address."))
    if parts.username or parts.password:
        raise field_error("url", _l("Do not put a user name or password in the address."))
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(".localhost") or host.endswith(".local"):
            raise field_error("url", _l("Use a public address on the internet.")) from None
        return
    if not address.is_global:
        raise field_error("url", _l("Use a public address on the internet."))


def _resolves_public(host: str) -> bool:
    """Refuse at delivery time a name that now points into a private network (DNS rebinding)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return True  # let the HTTP call fail and be retried like any unreachable host
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


def _require(session: Session, actor: Actor) -> int:
    require_scope(actor, "webhooks:manage")
    if actor.organisation_id is None:
        raise deny()
    require_org(session, actor, actor.organisation_id, manage=actor.via != "api")
    return actor.organisation_id


def create_endpoint(session: Session, actor: Actor, data: dict[str, Any]) -> WebhookEndpoint:
    organisation_id = _require(session, actor)
    values = schemas.load(WebhookSchema(), data)
    _check_url(values["url"], _loopback_allowed())
    count = session.scalar(
        sa.select(sa.func.count()).where(WebhookEndpoint.organisation_id == organisation_id, WebhookEndpoint.active.is_(True))
    )
    if count >= MAX_ENDPOINTS:
        raise Conflict(_l("An organisation may have at most %(n)s active webhooks.", n=MAX_ENDPOINTS))
    endpoint = WebhookEndpoint(
        organisation_id=organisation_id,
        url=values["url"],
        secret=secrets.token_urlsafe(32),
        event_types=sorted(set(values["event_types"])),
        created_by_user_id=actor.user_id,
    )
    session.add(endpoint)
    session.flush()
    audit.record(session, actor, "create_webhook", "webhook", endpoint.id, url=endpoint.url)
    return endpoint


def get_endpoint(session: Session, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    organisation_id = _require(session, actor)
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organisation_id != organisation_id:
        raise NotFound(_l("No such webhook."))
    return endpoint


def list_endpoints(session: Session, actor: Actor) -> list[WebhookEndpoint]:
    organisation_id = _require(session, actor)
    return list(
        session.scalars(sa.select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == organisation_id).order_by(WebhookEndpoint.id))
    )


def delete_endpoint(session: Session, actor: Actor, endpoint_id: int) -> None:
    endpoint = get_endpoint(session, actor, endpoint_id)
    audit.record(session, actor, "delete_webhook", "webhook", endpoint.id, url=endpoint.url)
    session.delete(endpoint)
    session.flush()


def enable_endpoint(session: Session, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    """Switch a disabled endpoint back on after the receiver is fixed; failures count from zero."""
    endpoint = get_endpoint(session, actor, endpoint_id)
    endpoint.active = True
    endpoint.disabled_at = None
    endpoint.consecutive_failures = 0
    return endpoint


def deliveries(session: Session, actor: Actor, endpoint_id: int, *, before: int | None = None, limit: int = 50) -> list[WebhookDelivery]:
    endpoint = get_endpoint(session, actor, endpoint_id)
    stmt = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before:
        stmt = stmt.where(WebhookDelivery.id < before)
    return list(session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(limit)))


def fan_out(session: Session, message: dict[str, Any], organisation_ids: set[int]) -> list[int]:
    """Create one pending delivery per subscribed active endpoint; returns their ids (idempotent)."""
    if not organisation_ids:
        return []
    endpoints = session.scalars(
        sa.select(WebhookEndpoint).where(
            WebhookEndpoint.organisation_id.in_(organisation_ids), WebhookEndpoint.active.is_(True)
        )
    )
    created = []
    for endpoint in endpoints:
        if message["topic"] not in endpoint.event_types:
            continue
        exists = session.scalar(
            sa.select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event_id == message["id"])
        )
        if exists:
            continue
        body = json.dumps(
            {"id": message["id"], "type": message["topic"], "created_at": message["created_at"],
             "data": {"aggregate_type": message["aggregate_type"], "aggregate_id": message["aggregate_id"], **message["payload"]}},
            ensure_ascii=False, separators=(",", ":"), sort_keys=True,
        )
        delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=message["id"], topic=message["topic"], body=body)
        session.add(delivery)
        session.flush()
        created.append(delivery.id)
    return created


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str, str | None]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked on registration
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(RESPONSE_KEEP).decode("utf-8", "replace"), None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(RESPONSE_KEEP).decode("utf-8", "replace"), None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, "", f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:500]


def attempt(session: Session, delivery_id: int, *, timeout: float, max_failures: int, allow_loopback: bool) -> WebhookDelivery | None:
    """Send one due delivery now and record the outcome; safe to call twice (only due ones are sent)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    now = utcnow()
    if delivery is None or delivery.status != DeliveryStatus.PENDING or (delivery.next_attempt_at and delivery.next_attempt_at > now):
        return delivery
    endpoint = delivery.endpoint
    if not endpoint.active:
        return delivery
    # Claim the attempt first, so a second worker picking the same delivery skips it.
    claimed = session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.attempts == delivery.attempts)
        .values(attempts=delivery.attempts + 1)
    ).rowcount
    if not claimed:
        return delivery
    session.refresh(delivery)
    host = urlsplit(endpoint.url).hostname or ""
    timestamp = str(int(time.time()))
    body = delivery.body.encode("utf-8")
    if not (allow_loopback and host in LOOPBACK_HOSTS) and not _resolves_public(host):
        status, text, error = None, "", "refused: the address resolves to a private network"
    else:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Birzha-Webhooks/1",
            "X-Birzha-Event": delivery.topic,
            "X-Birzha-Delivery": str(delivery.id),
            "X-Birzha-Timestamp": timestamp,
            "X-Birzha-Signature": sign(endpoint.secret, timestamp, body),
        }
        status, text, error = _post(endpoint.url, body, headers, timeout)
    delivery.last_status_code = status
    delivery.last_response = text or None
    delivery.last_error = error
    if status is not None and 200 <= status < 300:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = utcnow()
        delivery.next_attempt_at = None
        endpoint.consecutive_failures = 0
        return delivery
    endpoint.consecutive_failures += 1
    if delivery.attempts > len(BACKOFF_SECONDS):
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=BACKOFF_SECONDS[delivery.attempts - 1])
    if endpoint.consecutive_failures >= max_failures and endpoint.active:
        endpoint.active = False
        endpoint.disabled_at = utcnow()
        outbox.emit(
            session, "webhook.disabled", "webhook", endpoint.id,
            {"organisation_id": endpoint.organisation_id, "url": endpoint.url, "failures": endpoint.consecutive_failures},
        )
    return delivery


def due_deliveries(session: Session, limit: int = 200) -> list[int]:
    return list(
        session.scalars(
            sa.select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= utcnow(),
                WebhookEndpoint.active.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
    )
