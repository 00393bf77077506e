"""Outbox events to RQ jobs, and the relay that re-dispatches whatever was not delivered.

After a commit, :func:`enqueue_events` puts one job per (event, consumer) on the
consumer's queue (``QUEUE`` in the consumer module: search indexing on ``index``,
notifications on ``notify``, …), with the deterministic id ``outbox-<event>-<consumer>``.
A slow notification channel never delays indexing, and a failing consumer is retried
alone. If Redis is down at that moment nothing is lost: the write has committed, the
event row stays undispatched, and :func:`relay` (every minute, from the schedule) finds
it and queues the consumers that have not delivered it yet (``outbox_deliveries``, see
:mod:`exchange.dispatch` for why the bookkeeping lives in the database). A job still
queued or running is left alone; a failed one is requeued; a lost one (Redis restarted,
worker died and its job expired) is queued again under the same id.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
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
# After this many failed deliveries (any consumer) an event waits on the dead-letter page for a person.
MAX_ATTEMPTS = 8
_ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def job_id_for(app: Flask, event_id: int, consumer: str) -> str:
    """One job id per (deployment, event, consumer): the relay can see that delivery is already on its way.

    RQ job ids are global in Redis (only queue names carry ``RQ_QUEUE_PREFIX``), so the
    prefix goes into the id too. Module paths have no ``-``, so turning dots into dashes
    keeps ids distinct (RQ allows only letters, digits, ``_`` and ``-``).
    """
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", state(app).settings.RQ_QUEUE_PREFIX)
    return f"{prefix}-outbox-{event_id}-{consumer.replace('.', '-')}"


def deliver_event(app: Flask, event_id: int, consumer: str | None = None) -> Any:
    """The job: run one consumer for one event; record a failure for the relay and the admin page."""
    if consumer is None:
        # A job queued by an earlier release (one job for all consumers): split it up.
        return enqueue_events(app, [event_id])
    try:
        return dispatch.deliver_to(app, event_id, consumer)
    except dispatch.PrerequisitePending as waiting:
        raise jobs.TransientError(str(waiting)) from waiting  # not a failure: retried after a delay
    except Exception as error:
        dispatch.record_failure(app, event_id, error, consumer)
        raise


def _job_item(app: Flask, event_id: int, consumer: dispatch.Consumer) -> dict[str, Any]:
    return {
        "path": DELIVER_PATH, "args": (event_id, consumer.name), "queue": consumer.queue,
        "job_id": job_id_for(app, event_id, consumer.name),
        "description": f"deliver outbox event {event_id} to {consumer.name}",
        "meta": {"event_id": event_id, "consumer": consumer.name},
    }


def _enqueue_one(app: Flask, event_id: int, consumer: dispatch.Consumer, pending: set[str]) -> Job:
    # Wait for prerequisites still to deliver this event; their jobs were queued (or are in
    # flight) just before this one, because prerequisites come first in CONSUMER_MODULES.
    depends_on = [job_id_for(app, event_id, p) for p in consumer.after if p in pending]
    return jobs.enqueue(
        app, DELIVER_PATH, event_id, consumer.name, queue=consumer.queue,
        job_id=job_id_for(app, event_id, consumer.name),
        description=f"deliver outbox event {event_id} to {consumer.name}",
        meta={"event_id": event_id, "consumer": consumer.name},
        depends_on=depends_on,
    )


def _dispatch(app: Flask, todo: list[dispatch.Pending], report: dict[str, Any]) -> None:
    """Queue each (event, consumer) unless its job is already on its way; requeue failed ones.

    One pipelined EXISTS per batch tells fresh pairs (the usual case right after a commit)
    from those with a job in Redis, which are looked at one by one: queued, running,
    scheduled for a retry or deferred behind a prerequisite → left alone; failed →
    requeued (which also takes it off the failed list); finished or gone → queued again.
    Fresh jobs go to Redis in one pipelined ``enqueue_many`` per 500; jobs that wait on a
    prerequisite's job are queued one by one afterwards, once that job exists.
    Redis errors propagate, with ``report`` counting what was done before them.
    """
    pairs = [(p.event_id, consumer) for p in todo for consumer in p.consumers]
    if not pairs:
        return
    connection = queues.redis_connection(app)
    pipe = connection.pipeline(transaction=False)
    for event_id, consumer in pairs:
        pipe.exists(Job.key_for(job_id_for(app, event_id, consumer.name)))
    known = dict(zip(((e, c.name) for e, c in pairs), pipe.execute(), strict=True))
    fresh: list[dict[str, Any]] = []  # no job in Redis and nothing to wait for: one round trip for all
    later: list[tuple[int, dispatch.Consumer, set[str]]] = []  # wait on a prerequisite's job: after those exist
    for item in todo:
        event_id, pending = item.event_id, {c.name for c in item.consumers}
        for consumer in item.consumers:
            if not known[(event_id, consumer.name)]:
                if any(p in pending for p in consumer.after):
                    later.append((event_id, consumer, pending))
                else:
                    fresh.append(_job_item(app, event_id, consumer))
                continue
            job = _existing_job(app, job_id_for(app, event_id, consumer.name))
            status = job.get_status(refresh=False) if job is not None else None
            if status in _ACTIVE:
                report["skipped_in_flight"] += 1
                continue
            if status == JobStatus.FAILED:
                job.requeue()
                report["dispatched"] += 1
            elif any(p in pending for p in consumer.after):
                later.append((event_id, consumer, pending))
            else:
                fresh.append(_job_item(app, event_id, consumer))  # finished or stopped, yet not delivered: again
    for start in range(0, len(fresh), 500):
        batch = fresh[start:start + 500]
        jobs.enqueue_batch(app, batch)
        report["dispatched"] += len(batch)
    for event_id, consumer, pending in later:
        _enqueue_one(app, event_id, consumer, pending)
        report["dispatched"] += 1


def enqueue_events(app: Flask, event_ids: list[int]) -> int:
    """After-commit hook (RQ mode): one job per (event, consumer). Never raises: the relay delivers what could not be queued."""
    try:
        todo = dispatch.plan(app, event_ids)
    except Exception:  # database trouble right after a commit: the relay will find the events
        log.exception("could not plan outbox events %s…; the relay will deliver them", event_ids[:5])
        return 0
    report = {"dispatched": 0, "skipped_in_flight": 0}
    try:
        _dispatch(app, todo, report)
    except (RedisError, OSError) as error:
        log.warning("could not queue every job for outbox events %s… (%s); the relay will deliver the rest", event_ids[:5], error)
    return report["dispatched"]


def _existing_job(app: Flask, job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=queues.redis_connection(app))
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
    """Dispatch undelivered events again, consumer by consumer: queue them (RQ) or run them here (embedded).

    Only consumers without a delivery row are dispatched, so consumers that already ran
    are never run again; in RQ mode a job still queued or running is left alone.
    """
    event_ids = pending_events(app, older_than, limit)
    report = {"pending": len(event_ids), "dispatched": 0, "skipped_in_flight": 0, "failed": 0, "waiting": 0}
    if not event_ids:
        return report
    todo = dispatch.plan(app, event_ids)
    if state(app).settings.jobs_mode != "rq":
        for pending in todo:
            result = dispatch.deliver_here(app, pending)
            report["dispatched"] += result["delivered"]
            report["failed"] += result["failed"]
            report["waiting"] += result["waiting"]
        return report
    _dispatch(app, todo, report)  # Redis errors propagate: the relay job itself is retried
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
