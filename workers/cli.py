"""``exchange worker``, ``exchange scheduler``, ``exchange jobs …`` and ``exchange outbox relay``."""

from __future__ import annotations

import json
import os
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from exchange.app import state
from exchange.auth import Actor
from exchange.i18n import LOCALES


def _app():
    return current_app._get_current_object()


def _require_rq(app) -> None:
    if state(app).settings.jobs_mode != "rq":
        raise click.ClickException("jobs run in-process here (REDIS_URL is empty); nothing to start")


@click.command("worker")
@click.option("--queue", "-q", "queue_names", multiple=True,
              type=click.Choice(("index", "notify", "default", "imports", "reconcile")),
              help="Queue to serve, repeatable, in priority order; all of index, notify, default, imports, reconcile when omitted.")
@click.option("--burst", is_flag=True, help="Run what is queued, then stop.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked child.")
@with_appcontext
def worker_command(queue_names: tuple[str, ...], burst: bool, simple: bool) -> None:
    """Run an RQ worker for this deployment's queues."""
    from rq import SimpleWorker, Worker

    from workers import queues, runtime

    app = _app()
    _require_rq(app)
    runtime.bind(app)
    runtime.install_job_logging(state(app).settings.LOG_LEVEL)
    chosen = [queues.queue(app, name) for name in (queue_names or queues.QUEUE_NAMES)]
    worker_class = SimpleWorker if simple else Worker
    worker = worker_class(chosen, connection=queues.redis_connection(app))
    # with_scheduler moves retries with a delay back onto their queue when due.
    worker.work(burst=burst, with_scheduler=True, logging_level=state(app).settings.LOG_LEVEL)


@click.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Print the schedule and exit.")
@with_appcontext
def scheduler_command(list_only: bool) -> None:
    """Run RQ's cron scheduler with the periodic jobs of workers/schedule.py."""
    from workers import schedule

    app = _app()
    if list_only:
        for entry in schedule.SCHEDULE:
            click.echo(f"{entry.id:24} {entry.cron:14} {entry.queue:9} {entry.path}")
        return
    _require_rq(app)
    from rq.cron import CronScheduler

    from workers import queues

    # RQ reads cron lines in the process's local time; the schedule is written in Asia/Almaty.
    os.environ["TZ"] = state(app).settings.TIMEZONE
    time.tzset()
    scheduler = CronScheduler(connection=queues.redis_connection(app), logging_level=state(app).settings.LOG_LEVEL)
    schedule.register_cron(scheduler, app)
    scheduler.start()


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs: failed jobs, retries, health."""


@jobs_group.command("failed")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def jobs_failed(as_json: bool) -> None:
    """List failed jobs and outbox events that keep failing."""
    from workers import deadletter

    app = _app()
    failed = deadletter.failed_jobs(app)
    with state(app).db.unit_of_work() as session:
        stuck = deadletter.stuck_events(session)
        per_consumer = deadletter.event_consumers(session, stuck)
        events = [
            {"id": e.id, "topic": e.topic, "attempts": e.attempts, "error": (e.last_error or "")[:200],
             "consumers": [{**c, "error": c["error"][:200]} for c in per_consumer.get(e.id, [])]}
            for e in stuck
        ]
    if as_json:
        click.echo(json.dumps({"jobs": [j.as_dict() for j in failed], "events": events}, ensure_ascii=False))
        return
    if not failed and not events:
        click.echo("no failed jobs")
    for job in failed:
        ended = f"{job.ended_at:%Y-%m-%d %H:%M}" if job.ended_at else "-"
        click.echo(f"{job.id}  queue={job.queue}  consumer={job.consumer or '-'}  {job.path}{job.args}  {ended}  {job.error}")
    for event in events:
        click.echo(f"event {event['id']}  {event['topic']}  attempts={event['attempts']}  {event['error']}")
        for c in event["consumers"]:
            done = "delivered" if c["delivered"] else f"pending, {c['attempts']} failed  {c['error']}"
            click.echo(f"    consumer={c['consumer']}  queue={c['queue']}  {done}")


@jobs_group.command("retry")
@click.argument("job_id", required=False)
@click.option("--all", "retry_all", is_flag=True, help="Retry every failed job.")
@with_appcontext
def jobs_retry(job_id: str | None, retry_all: bool) -> None:
    """Put a failed job (or, with --all, every one) back on its queue."""
    from workers import deadletter

    if not job_id and not retry_all:
        raise click.UsageError("give a JOB_ID or --all")
    app = _app()
    with state(app).db.unit_of_work() as session:
        count = deadletter.retry_jobs(session, app, Actor.system("cli"), None if retry_all else job_id)
    click.echo(f"requeued {count}")


@jobs_group.command("purge")
@click.argument("job_id", required=False)
@click.option("--all", "purge_all", is_flag=True, help="Delete every failed job.")
@with_appcontext
def jobs_purge(job_id: str | None, purge_all: bool) -> None:
    """Delete a failed job (or, with --all, every one)."""
    from workers import deadletter

    if not job_id and not purge_all:
        raise click.UsageError("give a JOB_ID or --all")
    app = _app()
    with state(app).db.unit_of_work() as session:
        count = deadletter.purge_jobs(session, app, Actor.system("cli"), None if purge_all else job_id)
    click.echo(f"purged {count}")


@jobs_group.command("health")
@click.option("--json", "as_json", is_flag=True,
              help="Machine-readable report: problem codes with their figures, plus each message.")
@click.option("--lang", type=click.Choice(LOCALES), default=None,
              help="Language of the messages (kk, ru, en); DEFAULT_LOCALE when omitted.")
@with_appcontext
def jobs_health(as_json: bool, lang: str | None) -> None:
    """Check Redis, queues, workers, the scheduler and the outbox backlog; exit 1 when unhealthy."""
    from flask import g

    from exchange.i18n import force_locale, gettext
    from workers import health

    app = _app()
    report = health.check(app)
    lang = lang or state(app).settings.DEFAULT_LOCALE
    g.locale_override = lang  # outside a request the locale selector reads this
    with force_locale(lang):
        for problem in report["problems"]:
            problem["message"] = health.message(problem)
        verdict = gettext("ok") if report["ok"] else gettext("UNHEALTHY")
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, default=str))
    else:
        click.echo(verdict)
        for problem in report["problems"]:
            click.echo(f"  - [{problem['code']}] {problem['message']}")
    if not report["ok"]:
        raise SystemExit(1)


@jobs_group.command("relay")
@with_appcontext
def jobs_relay() -> None:
    """Dispatch undelivered outbox events now (the schedule does this every minute)."""
    import datetime as dt

    from workers import outbox

    report = outbox.relay(_app(), older_than=dt.timedelta(0))
    click.echo(json.dumps(report))


@jobs_group.command("run")
@click.argument("schedule_id")
@with_appcontext
def jobs_run(schedule_id: str) -> None:
    """Run one periodic job now, in this process (by its schedule id)."""
    from workers import schedule

    if schedule_id not in schedule.BY_ID:
        raise click.BadParameter(f"unknown id; one of: {', '.join(schedule.BY_ID)}")
    click.echo(json.dumps(schedule.run_periodic(_app(), schedule_id), ensure_ascii=False, default=str))


COMMANDS = (worker_command, scheduler_command, jobs_group)
