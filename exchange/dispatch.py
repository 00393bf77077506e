"""Hands committed outbox events to their consumers: in-process (embedded) or via RQ.

A consumer module declares ``TOPICS`` (topic prefixes such as ``"vacancy."``),
``handle(app, message)`` and optionally ``QUEUE`` (one of the RQ queues: ``index``,
``notify``, ``default``, ``imports``, ``reconcile``; ``default`` when absent). It must be idempotent,
because the relay may deliver an event to it again after a crash. The list below is
fixed in code, not discovered.

Every (event, consumer) pair is delivered on its own: in RQ mode as one job on the
consumer's queue (``workers.outbox``), in the embedded default one after another in
this process, each in its own ``try``. A failing consumer is recorded and retried
alone; the others are not run again.

Bookkeeping — why per-consumer delivery rows (``outbox_deliveries``) rather than only
deterministic RQ job ids: Redis keeps a finished job for a day at most and loses
everything on a restart without persistence, so "did search already index event 41?"
cannot be answered from Redis a week later, after an outage, or in the embedded mode,
which has no Redis at all. The database can: a consumer's row gets ``delivered_at`` in
a transaction that first locks the event row, so concurrent consumers of one event are
serialised and exactly one of them sees "all delivered" and sets the event's
``dispatched_at``. The relay re-dispatches only consumers without a delivered row. The
job ids are deterministic as well (``<prefix>-outbox-<event>-<consumer>``), so the relay can tell
a job that is still queued or running from one that was lost, and never queues a
second copy. The remaining window — a consumer that finished its work but died before
its row was written — re-runs that one consumer, which is why consumers are idempotent
("exactly-once-ish").
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from exchange.db import chunks, utcnow
from exchange.outbox import OutboxDelivery, OutboxEvent

log = logging.getLogger(__name__)

CONSUMER_MODULES: tuple[str, ...] = (
    "exchange.notifications.consumers",
    "search.consumers",
    # after search.consumers: alerts match against the index, so the document must be in it first
    "exchange.subscriptions.consumers",
    "exchange.api.consumers",
    "exchange.api.import_consumers",
)

# Consumers that must not handle an event before another consumer of the same event has
# delivered it (the prerequisite must come earlier in CONSUMER_MODULES). In RQ mode the
# dependent job waits on the prerequisite's job (RQ ``depends_on``); at run time it also
# checks the delivery rows and, if the prerequisite has not delivered, waits and retries.
AFTER: dict[str, tuple[str, ...]] = {
    "exchange.subscriptions.consumers": ("search.consumers",),
}

DEFAULT_QUEUE = "default"
_CHUNK = 1000  # ids per IN (...) list (SQLite caps the number of bound parameters)


class PrerequisitePending(Exception):
    """A consumer's prerequisite has not delivered this event yet: try again later (not a failure)."""


@dataclass(frozen=True)
class Consumer:
    name: str  # the module path, as listed in CONSUMER_MODULES
    queue: str
    topics: tuple[str, ...]
    after: tuple[str, ...]

    def wants(self, topic: str) -> bool:
        return any(topic.startswith(prefix) for prefix in self.topics)

    def handle(self, app: Flask, message: dict[str, Any]) -> None:
        # Resolved at call time, so a replaced ``handle`` (tests, reloads) is the one that runs.
        importlib.import_module(self.name).handle(app, message)


def consumer_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in CONSUMER_MODULES]


def consumers() -> list[Consumer]:
    """Every consumer, in CONSUMER_MODULES order, with its declared queue."""
    from workers.queues import QUEUE_NAMES  # late: workers imports the app, which imports this module

    out: list[Consumer] = []
    for name in CONSUMER_MODULES:
        module = importlib.import_module(name)
        queue = getattr(module, "QUEUE", DEFAULT_QUEUE)
        if queue not in QUEUE_NAMES:
            raise ValueError(f"{name}.QUEUE = {queue!r}; expected one of {', '.join(QUEUE_NAMES)}")
        after = AFTER.get(name, ())
        earlier = {c.name for c in out}
        for prerequisite in after:
            if prerequisite in CONSUMER_MODULES and prerequisite not in earlier:
                raise ValueError(f"{name} runs after {prerequisite}, which must be listed before it")
        out.append(Consumer(name, queue, tuple(module.TOPICS), after))
    return out


def consumer_named(name: str) -> Consumer | None:
    return next((c for c in consumers() if c.name == name), None)


def consumers_of(topic: str, among: Iterable[Consumer] | None = None) -> list[Consumer]:
    return [c for c in (consumers() if among is None else among) if c.wants(topic)]


def delivered(session: Session, event_ids: list[int]) -> dict[int, set[str]]:
    """Consumers that already handled each event."""
    done: dict[int, set[str]] = {}
    for chunk in chunks(event_ids, _CHUNK):
        rows = session.execute(
            sa.select(OutboxDelivery.event_id, OutboxDelivery.consumer)
            .where(OutboxDelivery.event_id.in_(chunk), OutboxDelivery.delivered_at.is_not(None))
        )
        for event_id, name in rows:
            done.setdefault(event_id, set()).add(name)
    return done


@dataclass
class Pending:
    """An undispatched event and the consumers that have yet to handle it (in order)."""

    event_id: int
    message: dict[str, Any]
    consumers: list[Consumer]


def plan(app: Flask, event_ids: list[int]) -> list[Pending]:
    """For each undispatched event (oldest first): the consumers still to run, in order.

    Events left with nothing to run (no consumer for the topic, or every consumer done)
    are marked dispatched here. One query per chunk reads the events with their
    delivered consumers.
    """
    from exchange.app import state

    if not event_ids:
        return []
    every = consumers()
    todo: list[Pending] = []
    delivered_rows = (
        sa.select(OutboxDelivery.event_id, OutboxDelivery.consumer)
        .where(OutboxDelivery.delivered_at.is_not(None))
        .subquery()
    )
    with state(app).db.unit_of_work() as session:
        for chunk in chunks(sorted(set(event_ids)), _CHUNK):
            rows = session.execute(
                sa.select(OutboxEvent, delivered_rows.c.consumer)
                .outerjoin(delivered_rows, delivered_rows.c.event_id == OutboxEvent.id)
                .where(OutboxEvent.id.in_(chunk), OutboxEvent.dispatched_at.is_(None))
                .order_by(OutboxEvent.id)
            ).all()
            events: dict[int, OutboxEvent] = {}
            done: dict[int, set[str]] = {}
            for event, consumer_name in rows:
                events[event.id] = event
                if consumer_name is not None:
                    done.setdefault(event.id, set()).add(consumer_name)
            settled: list[int] = []
            for event_id, event in events.items():
                left = [c for c in consumers_of(event.topic, every) if c.name not in done.get(event_id, set())]
                if left:
                    todo.append(Pending(event_id, event.as_message(), left))
                else:
                    settled.append(event_id)
            if settled:
                session.execute(
                    sa.update(OutboxEvent)
                    .where(OutboxEvent.id.in_(settled), OutboxEvent.dispatched_at.is_(None))
                    .values(dispatched_at=utcnow())
                )
    return todo


def _lock_event(session: Session, event_id: int) -> sa.Row | None:
    # Every write about one event's deliveries takes this row lock first (PostgreSQL;
    # SQLite serialises writers anyway), so "were all consumers delivered?" is decided
    # by exactly one transaction.
    return session.execute(
        sa.select(OutboxEvent.topic, OutboxEvent.dispatched_at).where(OutboxEvent.id == event_id).with_for_update()
    ).one_or_none()


def _insert(session: Session):
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def deliver_to(app: Flask, event_id: int, consumer_name: str) -> bool:
    """Run one consumer for one event and record it; False when there was nothing to do."""
    from exchange.app import state

    consumer = consumer_named(consumer_name)
    if consumer is None:  # a job queued before that consumer was removed from the list
        log.warning("outbox event %s: no consumer %s any more; nothing to do", event_id, consumer_name)
        return False
    db = state(app).db
    with db.unit_of_work() as session:
        event = session.get(OutboxEvent, event_id)
        if event is None or event.dispatched_at is not None or not consumer.wants(event.topic):
            return False
        done = delivered(session, [event_id]).get(event_id, set())
        if consumer.name in done:
            return False
        waiting = [p for p in consumer.after if p not in done and (c := consumer_named(p)) and c.wants(event.topic)]
        if waiting:
            raise PrerequisitePending(f"event {event_id}: {consumer.name} waits for {', '.join(waiting)}")
        message = event.as_message()
    with app.app_context():
        consumer.handle(app, message)
    _record_delivery(app, event_id, consumer.name)
    return True


def _record(app: Flask, event_id: int, delivered_by: Sequence[str] = (), failures: Sequence[tuple[str | None, str]] = ()) -> None:
    """Record consumers that delivered and failed attempts, in one transaction.

    Locks the event row, upserts the delivery rows, counts failures on the event (the
    relay's give-up limit) and on each consumer's row, and — in one UPDATE — marks the
    event dispatched when every consumer of its topic has a delivered row.
    """
    from exchange.app import state

    now = utcnow()
    with state(app).db.unit_of_work() as session:
        event = _lock_event(session, event_id)
        if event is None:
            return
        insert = _insert(session)(OutboxDelivery)
        if failures:
            name, text = failures[-1]
            session.execute(
                sa.update(OutboxEvent)
                .where(OutboxEvent.id == event_id)
                .values(attempts=OutboxEvent.attempts + len(failures), last_error=(f"{name}: {text}" if name else text)[:2000])
            )
            rows = [{"event_id": event_id, "consumer": n, "attempts": 1, "last_error": t} for n, t in failures if n]
            if rows:
                failed = insert.values(rows)
                session.execute(failed.on_conflict_do_update(
                    index_elements=["event_id", "consumer"],
                    set_={"attempts": OutboxDelivery.attempts + 1, "last_error": failed.excluded.last_error},
                ))
        if not delivered_by:
            return
        done_rows = insert.values([{"event_id": event_id, "consumer": n, "delivered_at": now, "attempts": 0} for n in delivered_by])
        session.execute(done_rows.on_conflict_do_update(
            index_elements=["event_id", "consumer"],
            set_={"delivered_at": sa.func.coalesce(OutboxDelivery.delivered_at, done_rows.excluded.delivered_at)},
        ))
        if event.dispatched_at is not None:
            return
        names = [c.name for c in consumers_of(event.topic)]
        done = (
            sa.select(sa.func.count()).select_from(OutboxDelivery)
            .where(OutboxDelivery.event_id == event_id, OutboxDelivery.delivered_at.is_not(None),
                   OutboxDelivery.consumer.in_(names))
            .scalar_subquery()
        )
        session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.dispatched_at.is_(None), done == len(names))
            .values(dispatched_at=now)
        )


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _record_delivery(app: Flask, event_id: int, consumer_name: str) -> None:
    _record(app, event_id, delivered_by=[consumer_name])


def record_failure(app: Flask, event_id: int, error: BaseException, consumer_name: str | None = None) -> None:
    """Count a failed attempt on the event (the relay's give-up limit) and on the consumer's row."""
    _record(app, event_id, failures=[(consumer_name, _error_text(error))])


def deliver_here(app: Flask, pending: Pending) -> dict[str, int]:
    """Run an event's remaining consumers in this process, each on its own.

    One consumer failing does not stop the others; its failure is recorded for the relay,
    which runs only that consumer again. A consumer whose prerequisite has not delivered
    waits (the relay runs it later). The outcomes are recorded together, in one
    transaction after the consumers ran (four round trips instead of four per consumer:
    this runs inside the request that committed). Should the process die before that,
    the relay runs this event's consumers again, which their idempotency absorbs.
    """
    result = {"delivered": 0, "failed": 0, "waiting": 0}
    event_id, message = pending.event_id, pending.message
    left = {c.name for c in pending.consumers}
    delivered_now: list[str] = []
    failures: list[tuple[str | None, str]] = []
    for consumer in pending.consumers:
        waiting = [p for p in consumer.after if p in left]
        if waiting:
            log.info("outbox event %s: %s waits for %s; left for the relay", event_id, consumer.name, ", ".join(waiting))
            result["waiting"] += 1
            continue
        try:
            with app.app_context():
                consumer.handle(app, message)
        except Exception as error:  # isolate consumers: record and go on with the next one
            log.exception("outbox event %s failed in %s; left for the relay", event_id, consumer.name)
            failures.append((consumer.name, _error_text(error)))
            result["failed"] += 1
            continue
        left.discard(consumer.name)
        delivered_now.append(consumer.name)
        result["delivered"] += 1
    if delivered_now or failures:
        _record(app, event_id, delivered_by=delivered_now, failures=failures)
    return result


def run_inline(app: Flask, event_ids: list[int]) -> None:
    """Embedded mode: deliver right after commit; a failure stays pending for the relay."""
    try:
        todo = plan(app, event_ids)
    except Exception:  # the write already succeeded; never fail the request for a consumer
        log.exception("could not plan outbox events %s…; left for the relay", event_ids[:5])
        return
    for pending in todo:
        try:
            deliver_here(app, pending)
        except Exception:  # recording the failure itself failed (database down): the relay retries
            log.exception("outbox event %s: delivery bookkeeping failed; left for the relay", pending.event_id)


def init_dispatch(app: Flask) -> None:
    from exchange.app import state

    st = state(app)
    if st.settings.jobs_mode == "inline":
        st.db.after_commit_hooks.append(lambda ids: run_inline(app, ids))
    else:
        from workers.outbox import enqueue_events

        st.db.after_commit_hooks.append(lambda ids: enqueue_events(app, ids))
