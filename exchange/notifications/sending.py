"""Sends queued deliveries: claim once, respect rate limits, retry with backoff, record the outcome.

A delivery moves queued → sending in one conditional UPDATE, so two workers (or a
retried job) never both send it. If a process dies between the provider accepting a
message and our commit, the row stays "sending"; :func:`fail_stale` marks it failed
rather than resending, because a duplicate SMS or call is worse than a visible failure.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import joinedload

from bots import channels as channel_clients
from bots.errors import ChannelError, PermanentError
from bots.render import Rendered, render
from exchange.db import utcnow
from exchange.notifications.models import Channel, Delivery, DeliveryStatus, Notification

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (60, 300, 1800, 7200)  # after the 1st, 2nd, 3rd, 4th failed attempt
STALE_AFTER = dt.timedelta(minutes=15)
# Per recipient address and channel: (messages, window). Protects people from floods and
# keeps us inside providers' per-recipient limits; excess waits, it is never dropped.
RATE_LIMITS: dict[Channel, tuple[int, dt.timedelta]] = {
    Channel.EMAIL: (20, dt.timedelta(hours=1)),
    Channel.SMS: (5, dt.timedelta(hours=1)),
    Channel.CALL: (3, dt.timedelta(hours=1)),
    Channel.TELEGRAM: (30, dt.timedelta(hours=1)),
}


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def _client(app: Flask, channel: Channel) -> Any:
    if channel == Channel.EMAIL:
        return channel_clients.email(app)
    if channel in (Channel.SMS, Channel.CALL):
        return channel_clients.twilio(app)
    if channel == Channel.TELEGRAM:
        return channel_clients.telegram(app)
    return None


def _rate_limited_until(session, delivery: Delivery, now: dt.datetime) -> dt.datetime | None:
    limit, window = RATE_LIMITS[delivery.channel]
    recent = list(session.scalars(
        sa.select(Delivery.sent_at).where(
            Delivery.channel == delivery.channel, Delivery.address == delivery.address,
            Delivery.sent_at.is_not(None), Delivery.sent_at > now - window,
        ).order_by(Delivery.sent_at.desc()).limit(limit)
    ))
    if len(recent) < limit:
        return None
    return min(recent) + window


def _context_for_render(app: Flask, session, notification: Notification) -> dict[str, Any]:
    context = dict(notification.context)
    if notification.event_type == "webhook.disabled" and "path" not in context and context.get("webhook_id"):
        context["path"] = f"/cabinet/integrations/webhooks/{context['webhook_id']}"
    if notification.event_type == "password_reset" and notification.user_id:
        # The reset token is made at send time so no secret sits in the database.
        from exchange.accounts.models import User
        from exchange.accounts.operations import make_reset_token
        from exchange.app import state

        user = session.get(User, notification.user_id)
        context["path"] = f"/password/reset/{make_reset_token(user, app.config['SECRET_KEY'])}"
        context["minutes"] = state(app).settings.PASSWORD_RESET_MAX_AGE // 60
    elif notification.user_id and notification.event_type != "organisation_message" and "unsubscribe_path" not in context:
        from exchange.notifications.operations import unsubscribe_token

        token = unsubscribe_token(app.config["SECRET_KEY"], notification.user_id, notification.event_type)
        context["unsubscribe_path"] = f"/notifications/unsubscribe/{token}"
    return context


def send_delivery(app: Flask, delivery_id: int, now: dt.datetime | None = None) -> DeliveryStatus | None:
    """Send one delivery if it is due; returns its new status (None: not ours to send now)."""
    return send_many(app, [delivery_id], now).get(delivery_id)


@dataclass
class _Claimed:
    """A delivery claimed for sending (status "sending"), with everything the provider call needs."""

    delivery_id: int
    client: Any
    channel: Channel
    address: str
    key: str
    attempts: int
    message: Rendered


def _claim(app: Flask, session, delivery_id: int, now: dt.datetime) -> _Claimed | DeliveryStatus | None:
    """Claim one due delivery (queued → sending in one conditional UPDATE), or say why not."""
    from exchange.app import state

    delivery = session.get(Delivery, delivery_id, options=[joinedload(Delivery.notification)])
    if delivery is None or delivery.status != DeliveryStatus.QUEUED or delivery.next_attempt_at > now:
        return None
    client = _client(app, delivery.channel)
    if client is None:
        delivery.status, delivery.error = DeliveryStatus.SKIPPED, "channel not configured"
        return DeliveryStatus.SKIPPED
    later = _rate_limited_until(session, delivery, now)
    if later is not None:
        delivery.next_attempt_at = later
        return DeliveryStatus.QUEUED
    claimed = session.execute(
        sa.update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.QUEUED)
        .values(status=DeliveryStatus.SENDING, claimed_at=now, attempts=Delivery.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    notification = delivery.notification
    settings = state(app).settings
    message = render(notification.event_type, _context_for_render(app, session, notification), notification.locale, settings.PUBLIC_URL)
    return _Claimed(delivery_id, client, delivery.channel, delivery.address or "", delivery.idempotency_key, delivery.attempts + 1, message)


def _deliver(job: _Claimed) -> tuple[DeliveryStatus, dict[str, Any]]:
    """The provider call; returns the outcome and the values that record it."""
    try:
        provider_id, provider_status = _send(job.client, job.channel, job.address, job.message, job.key)
    except ChannelError as exc:
        give_up = isinstance(exc, PermanentError) or job.attempts >= MAX_ATTEMPTS
        status = DeliveryStatus.FAILED if give_up else DeliveryStatus.QUEUED
        log.warning("delivery %s via %s attempt %s failed (%s): %s", job.delivery_id, job.channel, job.attempts, status, exc)
        values: dict[str, Any] = {"status": status, "error": str(exc)[:2000], "provider_status": exc.provider_status, "updated_at": utcnow()}
        if not give_up:
            values["next_attempt_at"] = utcnow() + backoff(job.attempts)
        return status, values
    return DeliveryStatus.SENT, {
        "status": DeliveryStatus.SENT, "provider_id": provider_id, "provider_status": provider_status,
        "sent_at": utcnow(), "error": None, "updated_at": utcnow(),
    }


def _record(session, delivery_id: int, values: dict[str, Any]) -> None:
    session.execute(
        sa.update(Delivery).where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.SENDING)
        .values(**values).execution_options(synchronize_session=False)
    )


def send_many(app: Flask, delivery_ids: list[int], now: dt.datetime | None = None,
              on_outcome: Callable[[int, DeliveryStatus], None] | None = None) -> dict[int, DeliveryStatus]:
    """Send due deliveries one after another; returns each one's new status (absent: not ours to send now).

    Each delivery is claimed before its provider call and its outcome recorded after it,
    so at any moment at most one delivery of this sender is "sending" — the one whose
    call is in flight — exactly as when sending them one by one. The saving is in the
    transactions: the outcome of one delivery commits together with the claim of the
    next (one commit per message instead of two), and the channel clients keep their
    connections open across the batch (one SMTP session, HTTP keep-alive).
    """
    from exchange.app import state

    db = state(app).db
    now = now or utcnow()
    outcome: dict[int, DeliveryStatus] = {}
    unrecorded: tuple[int, dict[str, Any]] | None = None
    # Rendering (templates, translations) needs an app context, also in a bare RQ worker.
    with app.app_context():
        for delivery_id in delivery_ids:
            error: BaseException | None = None
            with db.unit_of_work() as session:
                if unrecorded is not None:
                    _record(session, *unrecorded)
                try:
                    claimed = _claim(app, session, delivery_id, now)
                except Exception as exc:  # re-raised once the previous outcome is safely recorded
                    error = exc
                    session.rollback()
            if error is not None:
                if unrecorded is not None:
                    with db.unit_of_work() as session:
                        _record(session, *unrecorded)
                raise error
            unrecorded = None
            if not isinstance(claimed, _Claimed):
                if claimed is not None:
                    outcome[delivery_id] = claimed
                    if on_outcome:
                        on_outcome(delivery_id, claimed)
                continue
            status, values = _deliver(claimed)
            unrecorded = (delivery_id, values)
            outcome[delivery_id] = status
            if on_outcome:
                on_outcome(delivery_id, status)
        if unrecorded is not None:
            with db.unit_of_work() as session:
                _record(session, *unrecorded)
    return outcome


def _send(client: Any, channel: Channel, address: str, message: Rendered, key: str) -> tuple[str, str | None]:
    if channel == Channel.EMAIL:
        return client.send(address, message, key), "accepted"
    if channel == Channel.SMS:
        return client.send_sms(address, message)
    if channel == Channel.CALL:
        return client.call(address, message)
    if channel == Channel.TELEGRAM:
        return client.send(address, message), "sent"
    raise PermanentError(f"no sender for channel {channel}")


def send_notification(app: Flask, notification_id: int) -> dict[str, int]:
    """Send every due delivery of one notification (the consumer of ``notification.created``)."""
    from exchange.app import state

    with state(app).db.unit_of_work() as session:
        ids = list(session.scalars(
            sa.select(Delivery.id).where(Delivery.notification_id == notification_id, Delivery.status == DeliveryStatus.QUEUED)
        ))
    outcome: dict[str, int] = {}
    for status in send_many(app, ids).values():
        outcome[status.value] = outcome.get(status.value, 0) + 1
    return outcome


def fail_stale(app: Flask, now: dt.datetime | None = None) -> int:
    from exchange.app import state

    now = now or utcnow()
    with state(app).db.unit_of_work() as session:
        result = session.execute(
            sa.update(Delivery)
            .where(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_at < now - STALE_AFTER)
            .values(status=DeliveryStatus.FAILED, error="interrupted while sending; not resent to avoid a duplicate", updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


def send_due(app: Flask, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Retry and deferred deliveries whose time has come (run every minute by the scheduler)."""
    from exchange.app import state

    now = now or utcnow()
    stale = fail_stale(app, now)
    with state(app).db.unit_of_work() as session:
        ids = list(session.scalars(
            sa.select(Delivery.id).where(Delivery.status == DeliveryStatus.QUEUED, Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
        ))
    outcome: dict[str, int] = {"stale_failed": stale}
    for status in send_many(app, ids, now).values():
        outcome[status.value] = outcome.get(status.value, 0) + 1
    return outcome


TWILIO_FINAL = {
    "delivered": DeliveryStatus.DELIVERED, "completed": DeliveryStatus.DELIVERED, "read": DeliveryStatus.DELIVERED,
    "failed": DeliveryStatus.FAILED, "undelivered": DeliveryStatus.FAILED, "busy": DeliveryStatus.FAILED,
    "no-answer": DeliveryStatus.FAILED, "canceled": DeliveryStatus.FAILED,
}


def record_provider_status(session, sid: str, provider_status: str, error_code: str | None = None) -> Delivery | None:
    """Twilio told us what became of a message or call; never moves a delivery backwards."""
    delivery = session.scalar(
        sa.select(Delivery).where(Delivery.channel.in_([Channel.SMS, Channel.CALL]), Delivery.provider_id == sid)
    )
    if delivery is None:
        return None
    delivery.provider_status = provider_status[:40]
    final = TWILIO_FINAL.get(provider_status)
    if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.SENDING) and final is not None:
        delivery.status = final
        if final == DeliveryStatus.DELIVERED:
            delivery.delivered_at = utcnow()
        else:
            delivery.error = f"Twilio reported {provider_status}" + (f" (error {error_code})" if error_code else "")
    return delivery
