"""The schedule table: the right jobs, at the right Almaty times, registered with RQ's cron scheduler."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from redis import Redis
from rq.cron import CronScheduler

from exchange.app import state
from exchange.timeutil import ALMATY
from workers import jobs, locks, queues, schedule

EXPECTED = {
    "outbox-relay": ("workers.outbox.relay_job", "* * * * *", "default"),
    "resume-expiry": ("exchange.resumes.expiry.run_expiry", "*/15 * * * *", "default"),
    "referral-auto-reject": ("exchange.applications.jobs.auto_reject_overdue", "*/15 * * * *", "default"),
    "referral-due-tomorrow": ("exchange.applications.jobs.remind_due_tomorrow", "0 9 * * *", "notify"),
    "pension-reconciliation": ("exchange.pension.jobs.weekly_reconciliation", "0 3 * * 1", "reconcile"),
    "saved-search-digests": ("exchange.subscriptions.jobs.send_daily_digests", "0 8 * * *", "notify"),
    "search-index-check": ("search.jobs.nightly_check", "30 2 * * *", "index"),
    "webhook-retries": ("exchange.api.jobs.retry_due_webhooks", "* * * * *", "notify"),
    "notifications-send-due": ("exchange.notifications.jobs.send_due", "* * * * *", "notify"),
    "saved-search-alerts": ("exchange.subscriptions.jobs.match_new_documents", "*/5 * * * *", "notify"),
    "indicators-rollup": ("exchange.indicators.jobs.rollup", "15 0 * * *", "default"),
}


def test_the_schedule_declares_the_expected_jobs_once():
    assert {e.id: (e.path, e.cron, e.queue) for e in schedule.SCHEDULE} == EXPECTED
    assert len({e.id for e in schedule.SCHEDULE}) == len(schedule.SCHEDULE)
    assert all(e.queue in queues.QUEUE_NAMES and e.timeout > 0 for e in schedule.SCHEDULE)


@pytest.mark.parametrize("path", [e.path for e in schedule.SCHEDULE])
def test_every_scheduled_path_imports(path):
    assert callable(jobs.resolve(path))


def test_times_are_read_in_almaty():
    pension = schedule.BY_ID["pension-reconciliation"]
    wednesday = dt.datetime(2025, 6, 4, 12, 0, tzinfo=ALMATY)
    assert pension.next_after(wednesday) == dt.datetime(2025, 6, 9, 3, 0, tzinfo=ALMATY).astimezone(dt.UTC)
    expiry = schedule.BY_ID["resume-expiry"]
    assert expiry.next_after(dt.datetime(2025, 6, 4, 12, 7, tzinfo=ALMATY)) == dt.datetime(2025, 6, 4, 12, 15, tzinfo=ALMATY)
    rollup = schedule.BY_ID["indicators-rollup"]
    assert rollup.next_after(dt.datetime(2025, 12, 31, 23, 0, tzinfo=ALMATY)) == dt.datetime(2026, 1, 1, 0, 15, tzinfo=ALMATY)


@pytest.fixture()
def almaty_process_zone():
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Almaty"
    time.tzset()
    yield
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    time.tzset()


def test_registered_with_rqs_cron_scheduler(app, almaty_process_zone):
    scheduler = CronScheduler(connection=Redis())  # registering talks to no server
    registered = schedule.register_cron(scheduler, app)
    prefix = state(app).settings.RQ_QUEUE_PREFIX
    by_name = {job.name: job for job in registered}
    assert set(by_name) == {f"{prefix}:cron:{e.id}" for e in schedule.SCHEDULE}
    pension = by_name[f"{prefix}:cron:pension-reconciliation"]
    assert pension.func is jobs.run
    assert pension.args == ("workers.schedule.run_periodic", "pension-reconciliation")
    assert pension.queue_name == f"{prefix}.reconcile"
    assert pension.cron == "0 3 * * 1"
    assert pension.job_options["job_timeout"] == schedule.BY_ID["pension-reconciliation"].timeout
    # RQ computes the next time in the process zone, which the scheduler command sets to Almaty.
    local = pension.next_enqueue_time.astimezone(ALMATY)
    assert (local.weekday(), local.hour, local.minute) == (0, 3, 0)


def test_a_running_job_is_not_started_again(app, monkeypatch):
    calls = []
    monkeypatch.setitem(schedule.BY_ID, "test-entry", schedule.PeriodicJob(
        "test-entry", "tests.workers.sample_jobs.record", "* * * * *", "default", 60, "test"))
    monkeypatch.setattr("tests.workers.sample_jobs.CALLS", calls)
    with locks.no_overlap(app, "periodic:test-entry", 60) as held:
        assert held
        assert schedule.run_periodic(app, "test-entry") == {"skipped": "running"}
    assert calls == []
    assert schedule.run_periodic(app, "test-entry") == {"args": []}
    assert calls == [()]


@pytest.mark.redis
def test_redis_lock_is_set_nx_with_expiry_and_released_only_by_its_holder(app):
    connection = queues.redis_connection(app)
    key = queues.key(app, "lock", "periodic:probe")
    try:
        with locks.no_overlap(app, "periodic:probe", 30) as first:
            assert first
            assert 0 < connection.ttl(key) <= 30
            with locks.no_overlap(app, "periodic:probe", 30) as second:
                assert not second
            assert connection.exists(key)  # the loser did not free the holder's lock
        assert not connection.exists(key)
    finally:
        connection.delete(key)
