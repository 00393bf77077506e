"""Health of the background machinery: Redis, queues, workers, scheduler, outbox backlog."""

from __future__ import annotations

from typing import Any

from flask import Flask

from exchange.app import state
from workers import outbox, queues

# The outbox backlog is unhealthy when its oldest event waits longer than this.
MAX_BACKLOG_AGE_SECONDS = 15 * 60


def check(app: Flask) -> dict[str, Any]:
    """A report with ``ok`` false when something needs a person's attention."""
    report: dict[str, Any] = {"mode": state(app).settings.jobs_mode, "problems": []}
    try:
        report["outbox"] = outbox.backlog(app)
    except Exception as error:  # the database itself is down
        report["problems"].append(f"database: {type(error).__name__}: {error}")
        report["outbox"] = None
    else:
        if report["outbox"]["oldest_age_seconds"] > MAX_BACKLOG_AGE_SECONDS:
            report["problems"].append(
                f"outbox: {report['outbox']['pending']} events undelivered, oldest {report['outbox']['oldest_age_seconds']:.0f}s old"
            )
        if report["outbox"]["gave_up"]:
            report["problems"].append(f"outbox: {report['outbox']['gave_up']} events gave up (see the dead-letter page)")
    if state(app).settings.jobs_mode == "rq":
        _check_rq(app, report)
    report["ok"] = not report["problems"]
    return report


def _check_rq(app: Flask, report: dict[str, Any]) -> None:
    from redis.exceptions import RedisError
    from rq import Worker
    from rq.cron import CronScheduler

    try:
        connection = queues.redis_connection(app)
        connection.ping()
    except RedisError as error:
        report["problems"].append(f"redis: {error}")
        return
    report["queues"] = {
        q.name: {"queued": q.count, "failed": q.failed_job_registry.count, "started": q.started_job_registry.count}
        for q in queues.all_queues(app)
    }
    names = {queues.queue_name(app, n) for n in queues.QUEUE_NAMES}
    workers = [w for w in Worker.all(connection=connection) if names & set(w.queue_names())]
    report["workers"] = [{"name": w.name, "state": str(w.get_state()), "queues": w.queue_names()} for w in workers]
    served = {n for w in workers for n in w.queue_names()}
    missing = sorted(names - served)
    if missing:
        report["problems"].append(f"no worker listens on: {', '.join(missing)}")
    prefix = queues.key(app, "cron", "")
    schedulers = [
        s.name for s in CronScheduler.all(connection=connection)
        if any(job.name.startswith(prefix) for job in s.get_jobs())
    ]
    report["schedulers"] = schedulers
    if not schedulers:
        report["problems"].append("no scheduler is running (`exchange scheduler`)")
