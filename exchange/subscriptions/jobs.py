"""Periodic jobs for saved searches: leftover micro-batches and the daily digest."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from exchange.db import utcnow
from exchange.subscriptions import matching
from exchange.subscriptions.models import Frequency, Subscription, SubscriptionHit, SubscriptionKind
from exchange.timeutil import local_today


def match_new_documents(app: Flask) -> dict[str, Any]:
    """Match whatever is still queued (e.g. a batch whose matching failed); runs every few minutes."""
    out: dict[str, Any] = {}
    for kind in SubscriptionKind:
        total = matching.MatchStats()
        while True:
            stats = matching.match_batch(app, kind)
            if stats.documents == 0 and stats.queries == 0:
                break
            total.documents += stats.documents
            total.queries += stats.queries
            total.alerts += stats.alerts
        out[kind.value] = {"documents": total.documents, "queries": total.queries, "alerts": total.alerts}
    return out


def send_daily_digests(app: Flask) -> dict[str, int]:
    """One digest per daily subscription with unannounced matches; at most one per subscription and day."""
    from exchange.app import state

    day = local_today().isoformat()
    sent = 0
    with state(app).db.unit_of_work() as session:
        ids = list(session.scalars(
            sa.select(Subscription.id).where(Subscription.frequency == Frequency.DAILY, Subscription.active.is_(True))
            .where(sa.exists().where(SubscriptionHit.subscription_id == Subscription.id, SubscriptionHit.notified_at.is_(None)))
            .order_by(Subscription.id)
        ))
    for subscription_id in ids:
        # One transaction per subscription: a failure leaves the others done and this one for the next run.
        with app.app_context(), state(app).db.unit_of_work() as session:
            sub = session.get(Subscription, subscription_id)
            if sub is None or not sub.active:
                continue
            doc_ids = list(session.scalars(
                sa.select(SubscriptionHit.document_id)
                .where(SubscriptionHit.subscription_id == sub.id, SubscriptionHit.notified_at.is_(None))
                .order_by(SubscriptionHit.document_id)
            ))
            docs = matching.documents_for(session, sub.kind, doc_ids)
            items = [docs[i] | {"id": i} for i in doc_ids if i in docs]
            if items:
                matching.alert(app, session, sub, sub.kind, items, f"digest:{sub.id}:{day}", digest=True)
                sent += 1
            session.execute(
                sa.update(SubscriptionHit)
                .where(SubscriptionHit.subscription_id == sub.id, SubscriptionHit.document_id.in_(doc_ids))
                .values(notified_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            sub.last_alert_at = utcnow()
    return {"digests": sent, "subscriptions": len(ids)}
