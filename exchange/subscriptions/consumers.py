"""Outbox consumer: newly published vacancies and resumes join the next matching micro-batch.

The document is queued in the database first (so nothing is lost if matching fails),
then whatever is queued — this document and any others that arrived meanwhile — is
matched as one batch.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from exchange.subscriptions.models import SubscriptionKind

KINDS = {
    "vacancy.published": SubscriptionKind.VACANCIES,
    "resume.published": SubscriptionKind.RESUMES,
    "resume.renewed": SubscriptionKind.RESUMES,
    "resume.unhidden": SubscriptionKind.RESUMES,
}
TOPICS = tuple(KINDS)
QUEUE = "notify"  # the RQ queue its outbox deliveries run on (exchange.dispatch)


def handle(app: Flask, message: dict[str, Any]) -> None:
    from exchange.app import state
    from exchange.subscriptions import matching

    kind = KINDS.get(message["topic"])
    if kind is None or message.get("aggregate_id") is None:
        return
    if message.get("payload", {}).get("public") is False:
        return
    with state(app).db.unit_of_work() as session:
        matching.enqueue(session, kind, [message["aggregate_id"]])
    matching.match_batch(app, kind)
