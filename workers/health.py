"""Health of the background machinery: Redis, queues, workers, scheduler, outbox backlog.

:func:`check` reports problems as machine-readable codes with their figures
(``{"code": "outbox_backlog", "params": {"pending": 3, "seconds": 1200}}``), for
monitoring; :func:`message` turns one into a sentence in the current language
(kk/ru/en) for the admin page and the ``exchange jobs health`` command.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from exchange.app import state
from exchange.i18n import gettext as _
from exchange.i18n import ngettext
from workers import outbox, queues

# The outbox backlog is unhealthy when its oldest event waits longer than this.
MAX_BACKLOG_AGE_SECONDS = 15 * 60

# Every problem code check() can report.
CODES = (
    "database_unreachable", "outbox_backlog", "outbox_gave_up",
    "redis_unreachable", "queues_without_worker", "no_scheduler",
)


def _problem(code: str, **params: Any) -> dict[str, Any]:
    if code not in CODES:
        raise ValueError(f"unknown health problem {code!r}")
    return {"code": code, "params": params}


def check(app: Flask) -> dict[str, Any]:
    """A report with ``ok`` false when something needs a person's attention."""
    report: dict[str, Any] = {"mode": state(app).settings.jobs_mode, "problems": []}
    try:
        report["outbox"] = outbox.backlog(app)
    except Exception as error:  # the database itself is down
        report["problems"].append(_problem("database_unreachable", error=f"{type(error).__name__}: {error}"))
        report["outbox"] = None
    else:
        backlog = report["outbox"]
        if backlog["oldest_age_seconds"] > MAX_BACKLOG_AGE_SECONDS:
            report["problems"].append(
                _problem("outbox_backlog", pending=backlog["pending"], seconds=round(backlog["oldest_age_seconds"]))
            )
        if backlog["gave_up"]:
            report["problems"].append(_problem("outbox_gave_up", count=backlog["gave_up"]))
    if state(app).settings.jobs_mode == "rq":
        _check_rq(app, report)
    report["ok"] = not report["problems"]
    return report


def message(problem: dict[str, Any]) -> str:
    """One problem as a sentence for people, in the current language."""
    code, params = problem["code"], problem["params"]
    if code == "database_unreachable":
        return _("The database cannot be reached: %(error)s", error=params["error"])
    if code == "outbox_backlog":
        return ngettext(
            "%(num)d event is undelivered; the oldest has waited %(seconds)d s.",
            "%(num)d events are undelivered; the oldest has waited %(seconds)d s.",
            params["pending"], seconds=params["seconds"],
        )
    if code == "outbox_gave_up":
        return ngettext(
            "%(num)d event gave up after repeated failures (see the dead-letter page).",
            "%(num)d events gave up after repeated failures (see the dead-letter page).",
            params["count"],
        )
    if code == "redis_unreachable":
        return _("Redis cannot be reached: %(error)s", error=params["error"])
    if code == "queues_without_worker":
        return _("No worker listens on: %(queues)s", queues=", ".join(params["queues"]))
    if code == "no_scheduler":
        return _("No scheduler is running (start `exchange scheduler`).")
    raise ValueError(f"unknown health problem {code!r}")


def messages(report: dict[str, Any]) -> list[str]:
    return [message(problem) for problem in report["problems"]]


def _check_rq(app: Flask, report: dict[str, Any]) -> None:
    from redis.exceptions import RedisError
    from rq import Worker
    from rq.cron import CronScheduler

    try:
        connection = queues.redis_connection(app)
        connection.ping()
    except RedisError as error:
        report["problems"].append(_problem("redis_unreachable", error=f"{type(error).__name__}: {error}"))
        return
    report["queues"] = {
        q.name: {"queued": q.count, "failed": q.failed_job_registry.count, "started": q.started_job_registry.count,
                 "deferred": q.deferred_job_registry.count}
        for q in queues.all_queues(app)
    }
    names = {queues.queue_name(app, n) for n in queues.QUEUE_NAMES}
    workers = [w for w in Worker.all(connection=connection) if names & set(w.queue_names())]
    report["workers"] = [{"name": w.name, "state": str(w.get_state()), "queues": w.queue_names()} for w in workers]
    served = {n for w in workers for n in w.queue_names()}
    missing = [queues.queue_name(app, n) for n in queues.QUEUE_NAMES if queues.queue_name(app, n) not in served]
    if missing:
        report["problems"].append(_problem("queues_without_worker", queues=missing))
    prefix = queues.key(app, "cron", "")
    schedulers = [
        s.name for s in CronScheduler.all(connection=connection)
        if any(job.name.startswith(prefix) for job in s.get_jobs())
    ]
    report["schedulers"] = schedulers
    if not schedulers:
        report["problems"].append(_problem("no_scheduler"))
