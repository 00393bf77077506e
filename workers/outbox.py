"""Outbox events to RQ jobs, and the relay that re-dispatches whatever was not delivered.

After a commit, :func:`enqueue_events` puts one delivery job per event on the
``default`` queue. If Redis is down at that moment nothing is lost: the write has
committed, the event row stays undispatched, and :func:`relay` (every minute, from
the schedule) finds it and dispatches it again. The same relay recovers events whose
job died with its worker. Consumers are idempotent, so a second delivery is harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from exchange import dispatch
from exchange.app import state
from exchange.db import utcnow
from exchange.outbox import OutboxEvent
from workers import jobs, queues

log = logging.getLogger(__name__)

DELIVER_PATH = "workers.outbox.deliver_event"
# Give the after-commit enqueue (or inline delivery) time to do its work before the
# relay treats an event as lost.
RELAY_GRACE = dt.timedelta(seconds=60)
RELAY_BATCH = 1000
# After this many failed deliveries an event waits on the dead-letter page for a person.
MAX_ATTEMPTS = 8
_ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def job_id_for(event_id: int) -> str:
    """One job id per event: the relay can see the event is already on its way."""
    return f"outbox-{event_id}"


def deliver_event(app: Flask, event_id: int) -> bool:
    """The job: run the event's consumers; record the failure for the relay and the admin page."""
    try:
        return dispatch.deliver(app, event_id)
    except Exception as error:
        dispatch.record_failure(app, event_id, error)
        raise


def _enqueue_one(app: Flask, event_id: int) -> None:
    jobs.enqueue(
        app, DELIVER_PATH, event_id, queue="default", job_id=job_id_for(event_id),
        description=f"deliver outbox event {event_id}",
    )


def enqueue_events(app: Flask, event_ids: list[int]) -> int:
    """After-commit hook (RQ mode). Never raises: the relay delivers what could not be queued."""
    queued = 0
    for event_id in event_ids:
        try:
            _enqueue_one(app, event_id)
            queued += 1
        except (RedisError, OSError) as error:
            log.warning("could not queue outbox events %s… (%s); the relay will deliver them", event_ids[queued:][:5], error)
            break
    return queued


def _existing_job(app: Flask, event_id: int) -> Job | None:
    try:
        return Job.fetch(job_id_for(event_id), connection=queues.redis_connection(app))
    except NoSuchJobError:
        return None


def pending_events(app: Flask, older_than: dt.timedelta = RELAY_GRACE, limit: int = RELAY_BATCH) -> list[int]:
    cutoff = utcnow() - older_than
    with state(app).db.unit_of_work() as session:
        return list(
            session.scalars(
                sa.select(OutboxEvent.id)
                .where(
                    OutboxEvent.dispatched_at.is_(None),
                    OutboxEvent.created_at <= cutoff,
                    OutboxEvent.attempts < MAX_ATTEMPTS,
                )
                .order_by(OutboxEvent.id)
                .limit(limit)
            )
        )


def relay(app: Flask, older_than: dt.timedelta = RELAY_GRACE, limit: int = RELAY_BATCH) -> dict[str, Any]:
    """Dispatch undelivered events again: queue them (RQ) or deliver them here (embedded)."""
    event_ids = pending_events(app, older_than, limit)
    report = {"pending": len(event_ids), "dispatched": 0, "skipped_in_flight": 0, "failed": 0}
    if not event_ids:
        return report
    if state(app).settings.jobs_mode != "rq":
        for event_id in event_ids:
            try:
                dispatch.deliver(app, event_id)
                report["dispatched"] += 1
            except Exception as error:
                log.exception("relay: event %s failed again", event_id)
                dispatch.record_failure(app, event_id, error)
                report["failed"] += 1
        return report
    for event_id in event_ids:
        job = _existing_job(app, event_id)  # Redis errors propagate: the relay job itself is retried
        status = job.get_status(refresh=False) if job is not None else None
        if status in _ACTIVE:
            report["skipped_in_flight"] += 1
            continue
        if status == JobStatus.FAILED:
            job.requeue()  # also takes it off the failed list
        else:
            _enqueue_one(app, event_id)
        report["dispatched"] += 1
    log.info("relay: %s", report)
    return report


def relay_job(app: Flask) -> dict[str, Any]:
    """Scheduled entry point (``workers.schedule``)."""
    return relay(app)


def backlog(app: Flask) -> dict[str, Any]:
    """Undelivered events: how many, the oldest, and how many gave up (for the health check)."""
    with state(app).db.unit_of_work() as session:
        pending, oldest = session.execute(
            sa.select(sa.func.count(), sa.func.min(OutboxEvent.created_at)).where(OutboxEvent.dispatched_at.is_(None))
        ).one()
        dead = session.scalar(
            sa.select(sa.func.count()).where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.attempts >= MAX_ATTEMPTS)
        )
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    age = (utcnow() - oldest).total_seconds() if oldest else 0.0
    return {"pending": pending, "oldest_age_seconds": round(age, 1), "gave_up": dead}
