"""Named, prefixed RQ queues and the shared Redis connection.

Queue names carry ``RQ_QUEUE_PREFIX`` so several deployments (or parallel test runs)
can share one Redis without seeing each other's jobs.
"""

from __future__ import annotations

from flask import Flask
from redis import Redis
from rq import Queue

from exchange.app import state

# Also the order a worker serves them in when started without ``-q``: RQ takes the next job
# from the first non-empty queue in this list. Index updates are small and decide whether a
# search shows a change, so they go first; notifications next (people wait for them, but a
# slow channel must not hold up the index); then everything else; bulk imports (minutes each); the weekly
# reconciliation, long and not urgent, last. Larger deployments run separate workers per
# queue (``exchange worker -q index``, ``-q notify``, …) so one slow job never blocks another queue.
QUEUE_NAMES: tuple[str, ...] = ("index", "notify", "default", "imports", "reconcile")


class JobsNotConfigured(RuntimeError):
    """Raised when RQ is asked for but REDIS_URL is empty (the embedded default)."""


def redis_connection(app: Flask) -> Redis:
    """One client per app (redis-py pools connections itself); created on first use, never at import."""
    services = state(app).services
    connection = services.get("redis")
    if connection is None:
        url = state(app).settings.REDIS_URL
        if not url:
            raise JobsNotConfigured("REDIS_URL is not set; jobs run in-process")
        # Short timeouts: a request that enqueues after commit must not hang when Redis is down.
        connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)
        services["redis"] = connection
    return connection


def queue_name(app: Flask, name: str) -> str:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}; expected one of {', '.join(QUEUE_NAMES)}")
    return f"{state(app).settings.RQ_QUEUE_PREFIX}.{name}"


def key(app: Flask, *parts: str) -> str:
    """A Redis key in this deployment's namespace (locks, heartbeats)."""
    return ":".join((state(app).settings.RQ_QUEUE_PREFIX, *parts))


def queue(app: Flask, name: str = "default") -> Queue:
    return Queue(
        queue_name(app, name),
        connection=redis_connection(app),
        default_timeout=state(app).settings.JOB_TIMEOUT,
    )


def all_queues(app: Flask) -> list[Queue]:
    return [queue(app, name) for name in QUEUE_NAMES]


def purge(app: Flask) -> None:
    """Delete every queue, job and registry entry and every key in this deployment's namespace
    (a test's or a benchmark's throw-away prefix; never call it on a live deployment)."""
    for q in all_queues(app):
        for registry in (q.failed_job_registry, q.finished_job_registry, q.scheduled_job_registry,
                         q.deferred_job_registry, q.started_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
        q.delete(delete_jobs=True)
    connection = redis_connection(app)
    for name in connection.scan_iter(match=key(app, "*")):
        connection.delete(name)
