"""Failed jobs and undeliverable outbox events: list, retry, purge (admin page and CLI).

Two kinds of dead letters: RQ jobs in a failed-job registry (RQ mode), and outbox
events whose delivery keeps failing (both modes; in the embedded default these are
the only kind). Only administrators act on them, and each action is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from rq.job import Job
from sqlalchemy.orm import Session

from exchange import audit, dispatch, outbox
from exchange.accounts.models import AccountRole
from exchange.app import state
from exchange.auth import Actor, require_role
from exchange.db import utcnow
from exchange.errors import NotFound
from exchange.i18n import lazy_gettext as _l
from exchange.outbox import OutboxDelivery, OutboxEvent
from workers import queues


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str  # the short name: index, notify, default, imports, reconcile
    path: str
    args: tuple[Any, ...]
    error: str
    ended_at: dt.datetime | None
    consumer: str | None = None  # outbox deliveries: the consumer module that failed
    event_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "queue": self.queue, "consumer": self.consumer, "event_id": self.event_id,
            "path": self.path, "args": list(self.args),
            "error": self.error, "ended_at": self.ended_at.isoformat() if self.ended_at else None,
        }


def rq_enabled(app: Flask) -> bool:
    return bool(state(app).settings.REDIS_URL)


def _describe(job: Job, queue_name: str) -> FailedJob:
    args = tuple(job.args or ())
    path = job.meta.get("path") or (args[0] if args and isinstance(args[0], str) else job.func_name)
    if args and args[0] == path:
        args = args[1:]
    error = (job.latest_result().exc_string if job.latest_result() else "") or ""
    last_line = next((line for line in reversed(error.strip().splitlines()) if line.strip()), "")
    ended = job.ended_at.replace(tzinfo=dt.UTC) if job.ended_at and job.ended_at.tzinfo is None else job.ended_at
    return FailedJob(job.id, queue_name, str(path), args, last_line[:500], ended,
                     consumer=job.meta.get("consumer"), event_id=job.meta.get("event_id"))


def failed_jobs(app: Flask, limit: int = 200) -> list[FailedJob]:
    if not rq_enabled(app):
        return []
    out: list[FailedJob] = []
    for short_name, queue in zip(queues.QUEUE_NAMES, queues.all_queues(app), strict=True):
        registry = queue.failed_job_registry
        for job_id in registry.get_job_ids(0, limit - 1, desc=True):
            try:
                job = Job.fetch(job_id, connection=queue.connection)
            except Exception:
                registry.remove(job_id)  # the job hash expired; drop the dangling id
                continue
            out.append(_describe(job, short_name))
    out.sort(key=lambda j: j.ended_at or dt.datetime.min.replace(tzinfo=dt.UTC), reverse=True)
    return out[:limit]


def _find(app: Flask, job_id: str):
    for queue in queues.all_queues(app):
        if job_id in queue.failed_job_registry:
            return queue.failed_job_registry
    raise NotFound(_l("No such failed job."))


def retry_jobs(session: Session, app: Flask, actor: Actor, job_id: str | None = None) -> int:
    """Put one failed job (or every one) back on its queue."""
    require_role(actor, AccountRole.ADMIN)
    if not rq_enabled(app):
        return 0
    if job_id is not None:
        _find(app, job_id).requeue(job_id)
        count = 1
    else:
        count = 0
        for queue in queues.all_queues(app):
            for failed_id in queue.failed_job_registry.get_job_ids():
                queue.failed_job_registry.requeue(failed_id)
                count += 1
    audit.record(session, actor, "jobs.retry", "job", None, job_id=job_id, count=count)
    return count


def purge_jobs(session: Session, app: Flask, actor: Actor, job_id: str | None = None) -> int:
    """Delete one failed job (or every one) for good."""
    require_role(actor, AccountRole.ADMIN)
    if not rq_enabled(app):
        return 0
    if job_id is not None:
        _find(app, job_id).remove(job_id, delete_job=True)
        count = 1
    else:
        count = 0
        for queue in queues.all_queues(app):
            for failed_id in queue.failed_job_registry.get_job_ids():
                queue.failed_job_registry.remove(failed_id, delete_job=True)
                count += 1
    audit.record(session, actor, "jobs.purge", "job", None, job_id=job_id, count=count)
    return count


def stuck_events(session: Session, limit: int = 200) -> list[OutboxEvent]:
    """Outbox events that failed at least once and are still undelivered."""
    return list(
        session.scalars(
            sa.select(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.attempts > 0)
            .order_by(OutboxEvent.id.desc())
            .limit(limit)
        )
    )


def event_consumers(session: Session, events: list[OutboxEvent]) -> dict[int, list[dict[str, Any]]]:
    """Per event: each consumer of its topic, its queue, whether it delivered, its failed attempts and error."""
    if not events:
        return {}
    rows = {
        (row.event_id, row.consumer): row
        for row in session.scalars(sa.select(OutboxDelivery).where(OutboxDelivery.event_id.in_([e.id for e in events])))
    }
    every = dispatch.consumers()
    out: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        out[event.id] = [
            {
                "consumer": c.name, "queue": c.queue,
                "delivered": bool((row := rows.get((event.id, c.name))) and row.delivered_at),
                "attempts": row.attempts if row else 0,
                "error": (row.last_error or "") if row else "",
            }
            for c in dispatch.consumers_of(event.topic, every)
        ]
    return out


def _event(session: Session, event_id: int) -> OutboxEvent:
    event = session.get(OutboxEvent, event_id)
    if event is None or event.dispatched_at is not None:
        raise NotFound(_l("No such undelivered event."))
    return event


def redeliver_event(session: Session, actor: Actor, event_id: int) -> OutboxEvent:
    """Give an event a fresh set of attempts; it is dispatched again right after commit."""
    require_role(actor, AccountRole.ADMIN)
    event = _event(session, event_id)
    event.attempts = 0
    event.last_error = None
    outbox.track(session, [event.id])
    audit.record(session, actor, "outbox.redeliver", "outbox_event", event.id, topic=event.topic)
    return event


def discard_event(session: Session, actor: Actor, event_id: int) -> OutboxEvent:
    """Give up on an event (its consumers will never see it); kept, marked, and audited."""
    require_role(actor, AccountRole.ADMIN)
    event = _event(session, event_id)
    event.dispatched_at = utcnow()
    event.last_error = f"discarded by an administrator; last error: {event.last_error or '-'}"[:2000]
    audit.record(session, actor, "outbox.discard", "outbox_event", event.id, topic=event.topic)
    return event
