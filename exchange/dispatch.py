"""Hands committed outbox events to their consumers: in-process (embedded) or via RQ.

A consumer module declares ``TOPICS`` (topic prefixes such as ``"vacancy."``) and
``handle(app, message)``; it must be idempotent, because the relay may deliver an
event again after a crash. The list below is fixed in code, not discovered.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from types import ModuleType

import sqlalchemy as sa
from flask import Flask

from exchange.db import utcnow
from exchange.outbox import OutboxEvent

log = logging.getLogger(__name__)

CONSUMER_MODULES: tuple[str, ...] = (
    "exchange.notifications.consumers",
    "search.consumers",
    # after search.consumers: alerts match against the index, so the document must be in it first
    "exchange.subscriptions.consumers",
    "exchange.api.consumers",
)


def consumer_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in CONSUMER_MODULES]


def consumers_for(topic: str) -> list[Callable]:
    return [m.handle for m in consumer_modules() if any(topic.startswith(prefix) for prefix in m.TOPICS)]


def deliver(app: Flask, event_id: int) -> bool:
    """Run every consumer of one event, then mark it dispatched. Safe to call again."""
    from exchange.app import state

    db = state(app).db
    with db.unit_of_work() as session:
        event = session.get(OutboxEvent, event_id)
        if event is None or event.dispatched_at is not None:
            return False
        message = event.as_message()
    with app.app_context():
        for handle in consumers_for(message["topic"]):
            handle(app, message)
    with db.unit_of_work() as session:
        session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.dispatched_at.is_(None))
            .values(dispatched_at=utcnow(), attempts=OutboxEvent.attempts + 1)
        )
    return True


def record_failure(app: Flask, event_id: int, error: BaseException) -> None:
    from exchange.app import state

    with state(app).db.unit_of_work() as session:
        session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id == event_id)
            .values(attempts=OutboxEvent.attempts + 1, last_error=f"{type(error).__name__}: {error}"[:2000])
        )


def run_inline(app: Flask, event_ids: list[int]) -> None:
    """Embedded mode: deliver right after commit; a failure stays pending for the relay."""
    for event_id in event_ids:
        try:
            deliver(app, event_id)
        except Exception as exc:  # the write already succeeded; never fail the request for a consumer
            log.exception("outbox event %s failed inline; left for the relay", event_id)
            record_failure(app, event_id, exc)


def init_dispatch(app: Flask) -> None:
    from exchange.app import state

    st = state(app)
    if st.settings.jobs_mode == "inline":
        st.db.after_commit_hooks.append(lambda ids: run_inline(app, ids))
    else:
        from workers.outbox import enqueue_events

        st.db.after_commit_hooks.append(lambda ids: enqueue_events(app, ids))
