"""Outbox consumer: turns domain events into notifications, and sends notifications once created.

Idempotent: notifications are keyed by (event, recipient, type) and deliveries by
(event, recipient, channel), so the relay delivering an event twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from exchange.notifications.recipients import BULK_PLANNERS, PLANNERS

TOPICS = (*PLANNERS, "notification.created")
QUEUE = "notify"  # the RQ queue its outbox deliveries run on (exchange.dispatch)


def handle(app: Flask, message: dict[str, Any]) -> None:
    from exchange.app import state
    from exchange.notifications import operations, sending

    topic = message["topic"]
    if topic == "notification.created":
        sending.send_notification(app, message["payload"]["notification_id"])
        return
    planner = PLANNERS.get(topic)
    if planner is None:
        return
    with state(app).db.unit_of_work() as session:
        for item in planner(session, message):
            if item.user_id is None and item.seeker_id is None:
                continue
            operations.notify(
                session, item.user_id, item.event_type, item.context, item.channels,
                seeker_id=item.seeker_id, event_id=message["id"],
            )
    bulk = BULK_PLANNERS.get(topic)
    after: int | None = 0
    while bulk is not None and after is not None:
        # One transaction per chunk: a run of 100k people never holds one huge transaction,
        # and a retry after a failure skips the chunks already done (their dedupe keys exist).
        with state(app).db.unit_of_work() as session:
            batch = bulk(session, message, after)
            operations.notify_users(session, batch.event_type, batch.items)
        after = batch.next_after
