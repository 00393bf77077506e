"""Jobs through a real Redis and a real RQ worker (SimpleWorker, burst mode, no fork)."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time

import pytest
import sqlalchemy as sa
import time_machine
from redis import Redis
from rq import SimpleWorker

from exchange import outbox
from exchange.app import state
from exchange.auth import Actor
from exchange.outbox import OutboxEvent
from tests.workers.test_outbox import pending_event
from workers import deadletter, jobs, queues
from workers import outbox as relay_module

pytestmark = pytest.mark.redis


def work(app) -> SimpleWorker:
    worker = SimpleWorker(queues.all_queues(app), connection=queues.redis_connection(app))
    worker.work(burst=True)
    return worker


def test_outbox_events_are_delivered_by_a_worker(rq_app, db, recorder):
    event = outbox.emit(db, "test.created", "thing", 1, {"thing_id": 1})
    db.flush()
    assert relay_module.enqueue_events(rq_app, [event.id]) == 1
    # Queued once: the relay sees the job in flight and does not queue it again.
    event.created_at = event.created_at - dt.timedelta(minutes=5)
    db.flush()
    assert relay_module.relay(rq_app)["skipped_in_flight"] == 1
    work(rq_app)
    assert [m["id"] for m in recorder.RECEIVED] == [event.id]
    db.expire_all()
    assert db.get(OutboxEvent, event.id).dispatched_at is not None


def test_job_id_is_on_every_log_line(rq_app):
    job = jobs.enqueue(rq_app, "tests.workers.sample_jobs.job_id_on_log_line")
    work(rq_app)
    job.refresh()
    assert job.return_value() == {"job_id": job.id, "current": job.id}


def test_transient_failure_is_retried_and_a_permanent_one_is_not(rq_app, db):
    flaky = jobs.enqueue(rq_app, "tests.workers.sample_jobs.flaky", "flaky-counter")
    broken = jobs.enqueue(rq_app, "tests.workers.sample_jobs.broken", "broken-counter")
    work(rq_app)
    connection = queues.redis_connection(rq_app)
    flaky.refresh()
    assert flaky.get_status() == "finished" and flaky.return_value() == {"attempt": 2}
    assert int(connection.get(queues.key(rq_app, "test", "broken-counter"))) == 1  # ran once
    failed = deadletter.failed_jobs(rq_app)
    assert [(j.id, j.path, j.args) for j in failed] == [(broken.id, "tests.workers.sample_jobs.broken", ("broken-counter",))]
    assert "ValueError" in failed[0].error

    assert deadletter.retry_jobs(db, rq_app, Actor.system("test"), broken.id) == 1
    work(rq_app)
    assert int(connection.get(queues.key(rq_app, "test", "broken-counter"))) == 2
    assert deadletter.purge_jobs(db, rq_app, Actor.system("test")) == 1
    assert deadletter.failed_jobs(rq_app) == []


def test_a_job_killed_midway_and_rerun_leaves_one_outcome(rq_app, db, monkeypatch):
    from exchange.employment.models import Employment
    from exchange.pension import reconcile as sql
    from exchange.pension.models import PensionMatch, PensionRun, RunStatus
    from tests import factories as f

    _centre, centre_actor = f.centre(db)
    employer, _ = f.employer(db)
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=40), tick=False):
        profile, _, _ = f.registered_seeker(db, centre_actor)
    paid = dt.date.today() - dt.timedelta(days=1)
    f.pension_feed(db, [{"iin": profile.iin, "employer_bin": employer.bin, "employer_name": "ТОО",
                         "period": paid.strftime("%Y-%m"), "amount": "50000", "paid_on": paid.isoformat()}])
    real, crashed = sql.archive_resumes, []

    def dies_once(*args, **kwargs):
        archived = real(*args, **kwargs)
        if not crashed:
            crashed.append(True)
            raise ConnectionError("server closed the connection unexpectedly")
        return archived

    monkeypatch.setattr(sql, "archive_resumes", dies_once)
    job = jobs.enqueue(rq_app, "exchange.pension.jobs.run_reconciliation", "test", queue="reconcile")
    work(rq_app)
    job.refresh()
    assert job.get_status() == "finished"
    db.expire_all()
    statuses = db.scalars(sa.select(PensionRun.status).order_by(PensionRun.id)).all()
    assert statuses == [RunStatus.FAILED, RunStatus.FINISHED]
    assert db.scalar(sa.select(sa.func.count()).select_from(PensionMatch)) == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(Employment).where(Employment.seeker_id == profile.id)) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = Redis(port=port)
    for _ in range(100):
        try:
            if client.ping():
                return process
        except Exception:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("throwaway redis-server did not start")


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary for a throwaway server")
def test_relay_redelivers_after_redis_is_stopped_and_started(rq_app, db, recorder, monkeypatch):
    port = _free_port()
    monkeypatch.setitem(state(rq_app).settings.values, "REDIS_URL", f"redis://127.0.0.1:{port}/0")
    shared = state(rq_app).services.pop("redis", None)
    server = _start_redis(port)
    try:
        server.terminate()
        server.wait(10)
        state(rq_app).services.pop("redis", None)
        event = pending_event(db, "test.during-outage", age=dt.timedelta(seconds=0))
        assert relay_module.enqueue_events(rq_app, [event.id]) == 0  # Redis down: the write stands
        server = _start_redis(port)
        state(rq_app).services.pop("redis", None)
        report = relay_module.relay(rq_app, older_than=dt.timedelta(0))
        assert report["dispatched"] == 1
        work(rq_app)
        assert [m["id"] for m in recorder.RECEIVED] == [event.id]
        db.expire_all()
        assert db.get(OutboxEvent, event.id).dispatched_at is not None
    finally:
        server.terminate()
        server.wait(10)
        state(rq_app).services.pop("redis", None)
        if shared is not None:
            state(rq_app).services["redis"] = shared
