"""The periodic jobs, declared once: stable id, dotted path, cron line in Asia/Almaty.

Production: ``exchange scheduler`` registers every entry with RQ's own cron
scheduler (:class:`rq.cron.CronScheduler`), which enqueues :func:`run_periodic`
on the entry's queue. Embedded: the ticker (:mod:`workers.ticker`) reads the same
table. Either way :func:`run_periodic` takes the entry's no-overlap lock first, so a
slow run is never joined by the next one. Ids are stable: they name the locks, the
cron jobs in Redis and the log lines; rename a function, not an id.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from croniter import croniter
from flask import Flask

from exchange.timeutil import ALMATY
from workers import jobs, locks, queues

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    id: str
    path: str  # dotted path of ``func(app) -> dict``
    cron: str  # minute hour day month weekday, read in Asia/Almaty
    queue: str
    timeout: int  # seconds; also the lock's expiry
    description: str

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The next run strictly after ``moment`` (aware), as an aware UTC datetime."""
        local = moment.astimezone(ALMATY)
        return croniter(self.cron, local).get_next(dt.datetime).astimezone(dt.UTC)


SCHEDULE: tuple[PeriodicJob, ...] = (
    PeriodicJob("outbox-relay", "workers.outbox.relay_job", "* * * * *", "default", 300,
                "Re-dispatch outbox events that were not delivered"),
    PeriodicJob("resume-expiry", "exchange.resumes.expiry.run_expiry", "*/15 * * * *", "default", 900,
                "Expire resumes at their term; reminders three days before"),
    PeriodicJob("referral-auto-reject", "exchange.applications.jobs.auto_reject_overdue", "*/15 * * * *", "default", 900,
                "Referrals unanswered after three working days count as refused"),
    PeriodicJob("referral-due-tomorrow", "exchange.applications.jobs.remind_due_tomorrow", "0 9 * * *", "notify", 900,
                "Remind employers of referral answers due by the end of tomorrow (09:00)"),
    PeriodicJob("pension-reconciliation", "exchange.pension.jobs.weekly_reconciliation", "0 3 * * 1", "reconcile", 3 * 3600,
                "Weekly pension-contribution reconciliation (Monday 03:00)"),
    PeriodicJob("saved-search-digests", "exchange.subscriptions.jobs.send_daily_digests", "0 8 * * *", "notify", 3600,
                "Daily digests of saved searches (08:00)"),
    PeriodicJob("search-index-check", "search.jobs.nightly_check", "30 2 * * *", "index", 3600,
                "Nightly index consistency check (02:30)"),
    PeriodicJob("webhook-retries", "exchange.api.jobs.retry_due_webhooks", "* * * * *", "notify", 300,
                "Retry webhook deliveries whose back-off has passed"),
    PeriodicJob("notifications-send-due", "exchange.notifications.jobs.send_due", "* * * * *", "notify", 300,
                "Send notification retries and messages held back by quiet hours or rate limits"),
    PeriodicJob("saved-search-alerts", "exchange.subscriptions.jobs.match_new_documents", "*/5 * * * *", "notify", 600,
                "Instant alerts: match micro-batches of newly published documents to saved searches"),
    PeriodicJob("indicators-rollup", "exchange.indicators.jobs.rollup", "15 0 * * *", "default", 1800,
                "Nightly roll-up of the programme's platform indicators (00:15)"),
)

BY_ID: dict[str, PeriodicJob] = {entry.id: entry for entry in SCHEDULE}


def run_periodic(app: Flask, job_id: str) -> dict[str, Any]:
    """Run one schedule entry now, unless a previous run of it still holds the lock."""
    entry = BY_ID[job_id]
    with locks.no_overlap(app, f"periodic:{entry.id}", entry.timeout) as acquired:
        if not acquired:
            log.info("%s skipped: the previous run is still going", entry.id)
            return {"skipped": "running"}
        with app.app_context():
            result = jobs.resolve(entry.path)(app)
    return result if isinstance(result, dict) else {"result": result}


def register_cron(scheduler, app: Flask) -> list:
    """Register every entry with an :class:`rq.cron.CronScheduler`.

    RQ reads cron lines in the process's local zone; ``exchange scheduler`` sets
    TZ to the configured zone (Asia/Almaty) before calling this.
    """
    registered = []
    for entry in SCHEDULE:
        registered.append(
            scheduler.register(
                jobs.run,
                queue_name=queues.queue_name(app, entry.queue),
                args=("workers.schedule.run_periodic", entry.id),
                cron=entry.cron,
                job_timeout=entry.timeout,
                failure_ttl=jobs.FAILURE_TTL,
                name=queues.key(app, "cron", entry.id),
            )
        )
    return registered
