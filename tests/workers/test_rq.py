"""Jobs through a real Redis and a real RQ worker (SimpleWorker, burst mode, no fork)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import subprocess
import time

import pytest
import sqlalchemy as sa
import time_machine
from redis import Redis
from rq import SimpleWorker

from exchange import dispatch, outbox
from exchange.app import state
from exchange.auth import Actor
from exchange.outbox import OutboxEvent
from tests.workers.conftest import DEFAULT, INDEX, NOTIFY
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


# --- one job per (event, consumer) on the consumer's queue -------------------------------------

def _queued(app) -> dict[str, list[str]]:
    return {name: queues.queue(app, name).get_job_ids() for name in queues.QUEUE_NAMES}


def test_one_job_per_consumer_on_its_queue(rq_app, db, three):
    event = outbox.emit(db, "test.created", "thing", 1, {})
    db.flush()
    assert relay_module.enqueue_events(rq_app, [event.id]) == 3
    prefix = state(rq_app).settings.RQ_QUEUE_PREFIX.replace(".", "-")
    assert _queued(rq_app) == {
        "index": [f"{prefix}-outbox-{event.id}-tests-workers-index_consumer"],
        "notify": [f"{prefix}-outbox-{event.id}-tests-workers-notify_consumer"],
        "default": [f"{prefix}-outbox-{event.id}-tests-workers-recording_consumer"],
        "imports": [],
        "reconcile": [],
    }
    # Only index is served: indexing is not held up by the other queues, and the event is not done yet.
    SimpleWorker([queues.queue(rq_app, "index")], connection=queues.redis_connection(rq_app)).work(burst=True)
    assert three.CALLS == [(INDEX, event.id)]
    db.expire_all()
    assert db.get(OutboxEvent, event.id).dispatched_at is None
    work(rq_app)
    assert sorted(three.CALLS) == sorted([(INDEX, event.id), (NOTIFY, event.id), (DEFAULT, event.id)])
    db.expire_all()
    assert db.get(OutboxEvent, event.id).dispatched_at is not None


def test_a_failing_consumer_is_retried_alone(rq_app, db, three):
    three.FAILING[NOTIFY] = 1  # a RuntimeError: permanent, straight to the failed list
    event = outbox.emit(db, "test.created", "thing", 2, {})
    db.flush()
    relay_module.enqueue_events(rq_app, [event.id])
    work(rq_app)
    assert sorted(three.CALLS) == sorted([(INDEX, event.id), (DEFAULT, event.id)])
    [failed] = deadletter.failed_jobs(rq_app)
    assert (failed.consumer, failed.queue, failed.event_id) == (NOTIFY, "notify", event.id)
    db.expire_all()
    assert db.get(OutboxEvent, event.id).dispatched_at is None

    report = relay_module.relay(rq_app, older_than=dt.timedelta(0))
    assert report["dispatched"] == 1 and report["skipped_in_flight"] == 0  # the failed job requeued, nothing else
    assert _queued(rq_app)["notify"] == [failed.id] and _queued(rq_app)["index"] == []
    work(rq_app)
    assert sorted(three.CALLS) == sorted([(INDEX, event.id), (DEFAULT, event.id), (NOTIFY, event.id)])
    db.expire_all()
    assert db.get(OutboxEvent, event.id).dispatched_at is not None
    assert deadletter.failed_jobs(rq_app) == []


def test_relay_after_a_partial_enqueue_duplicates_nothing(rq_app, db, three, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    event = outbox.emit(db, "test.created", "thing", 3, {})
    later = outbox.emit(db, "test.created", "thing", 4, {})
    db.flush()
    real = jobs.enqueue_batch

    def redis_dies_after_the_first(app, items):
        real(app, items[:1])
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(jobs, "enqueue_batch", redis_dies_after_the_first)
    assert relay_module.enqueue_events(rq_app, [event.id, later.id]) == 0  # the index job of the first event got through
    monkeypatch.setattr(jobs, "enqueue_batch", real)

    first = relay_module.relay(rq_app, older_than=dt.timedelta(0))
    assert first == {"pending": 2, "dispatched": 5, "skipped_in_flight": 1, "failed": 0, "waiting": 0}
    again = relay_module.relay(rq_app, older_than=dt.timedelta(0))
    assert again["dispatched"] == 0 and again["skipped_in_flight"] == 6
    queued = _queued(rq_app)
    assert [len(queued[name]) for name in ("index", "notify", "default")] == [2, 2, 2]
    work(rq_app)
    assert sorted(three.CALLS) == sorted((c, e.id) for c in (INDEX, NOTIFY, DEFAULT) for e in (event, later))


def test_a_dependent_consumer_waits_for_its_prerequisite_job(rq_app, db, three, monkeypatch):
    monkeypatch.setattr(dispatch, "AFTER", {NOTIFY: (INDEX,)})
    event = outbox.emit(db, "test.published", "thing", 5, {})
    db.flush()
    relay_module.enqueue_events(rq_app, [event.id])
    assert _queued(rq_app)["notify"] == []  # held back (deferred) until the index job finishes
    assert queues.queue(rq_app, "notify").deferred_job_registry.count == 1
    # This worker serves notify first, yet the notification waits for indexing.
    served = [queues.queue(rq_app, name) for name in ("notify", "default", "index")]
    SimpleWorker(served, connection=queues.redis_connection(rq_app)).work(burst=True)
    work(rq_app)
    order = [name for name, _ in three.CALLS]
    assert order.index(INDEX) < order.index(NOTIFY)
    db.expire_all()
    assert db.get(OutboxEvent, event.id).dispatched_at is not None


def test_a_dependent_job_run_too_early_waits_and_retries(rq_app, db, three, monkeypatch):
    """Requeued by hand before its prerequisite delivered: it does not run, it retries later."""
    monkeypatch.setattr(dispatch, "AFTER", {NOTIFY: (INDEX,)})
    event = outbox.emit(db, "test.published", "thing", 6, {})
    db.flush()
    job = relay_module._enqueue_one(rq_app, event.id, dispatch.consumer_named(NOTIFY), set())  # no depends_on
    SimpleWorker([queues.queue(rq_app, "notify")], connection=queues.redis_connection(rq_app)).work(burst=True)
    assert three.CALLS == []
    job.refresh()
    assert job.get_status() != "finished"
    db.expire_all()
    assert db.get(OutboxEvent, event.id).attempts == 0  # waiting is not counted as a failure


def test_exchange_worker_serves_every_queue_by_default(rq_app, db, monkeypatch):
    from workers.cli import worker_command

    monkeypatch.setattr("workers.runtime.install_job_logging", lambda level: None)  # leave pytest's logging alone

    made = {name: jobs.enqueue(rq_app, "tests.workers.sample_jobs.record", name, queue=name) for name in queues.QUEUE_NAMES}
    result = rq_app.test_cli_runner().invoke(worker_command, ["--burst", "--simple"])
    assert result.exit_code == 0, result.output
    for job in made.values():
        job.refresh()
        assert job.get_status() == "finished"


def test_exchange_worker_can_serve_chosen_queues(rq_app, db, monkeypatch):
    from workers.cli import worker_command

    monkeypatch.setattr("workers.runtime.install_job_logging", lambda level: None)  # leave pytest's logging alone

    index_job = jobs.enqueue(rq_app, "tests.workers.sample_jobs.record", "i", queue="index")
    notify_job = jobs.enqueue(rq_app, "tests.workers.sample_jobs.record", "n", queue="notify")
    result = rq_app.test_cli_runner().invoke(worker_command, ["--burst", "--simple", "-q", "index"])
    assert result.exit_code == 0, result.output
    index_job.refresh()
    notify_job.refresh()
    assert index_job.get_status() == "finished" and notify_job.get_status() == "queued"
    refused = rq_app.test_cli_runner().invoke(worker_command, ["--burst", "-q", "urgent"])
    assert refused.exit_code == 2 and "urgent" in refused.output


def test_failed_jobs_cli_shows_consumer_and_queue(rq_app, db, three):
    from workers.cli import jobs_failed

    three.FAILING[NOTIFY] = 1
    event = outbox.emit(db, "test.created", "thing", 7, {})
    db.flush()
    relay_module.enqueue_events(rq_app, [event.id])
    work(rq_app)
    text = rq_app.test_cli_runner().invoke(jobs_failed, []).output
    assert f"consumer={NOTIFY}" in text and "queue=notify" in text
    as_json = json.loads(rq_app.test_cli_runner().invoke(jobs_failed, ["--json"]).output)
    [job] = as_json["jobs"]
    assert (job["consumer"], job["queue"], job["event_id"]) == (NOTIFY, "notify", event.id)
    [stuck] = as_json["events"]
    by_consumer = {c["consumer"]: c for c in stuck["consumers"]}
    assert by_consumer[NOTIFY]["queue"] == "notify" and not by_consumer[NOTIFY]["delivered"]
    assert by_consumer[INDEX]["delivered"] and by_consumer[INDEX]["queue"] == "index"


def test_an_administrator_redelivers_a_failed_consumer_without_a_duplicate_job(rq_app, db, three):
    three.FAILING[NOTIFY] = 1
    event = outbox.emit(db, "test.created", "thing", 8, {})
    db.flush()
    relay_module.enqueue_events(rq_app, [event.id])
    work(rq_app)
    [failed] = deadletter.failed_jobs(rq_app)
    deadletter.redeliver_event(db, Actor.system("test"), event.id)
    db.commit()  # after the commit the failed job is requeued, not copied
    assert deadletter.failed_jobs(rq_app) == []
    assert _queued(rq_app)["notify"] == [failed.id]
    work(rq_app)
    assert sorted(three.CALLS) == sorted([(INDEX, event.id), (DEFAULT, event.id), (NOTIFY, event.id)])


def test_saved_search_alerts_wait_for_the_index_job(rq_app, db):
    """With the real consumers: a published vacancy's subscriptions job depends on its search job."""
    from rq.job import Job

    event = outbox.emit(db, "vacancy.published", "vacancy", 10**9, {"public": True})
    db.flush()
    relay_module.enqueue_events(rq_app, [event.id])
    connection = queues.redis_connection(rq_app)
    search_job = relay_module.job_id_for(rq_app, event.id, "search.consumers")
    alerts = Job.fetch(relay_module.job_id_for(rq_app, event.id, "exchange.subscriptions.consumers"), connection=connection)
    assert alerts.dependency_ids == [search_job] and alerts.get_status() == "deferred"
    assert Job.fetch(search_job, connection=connection).origin == queues.queue_name(rq_app, "index")
    assert alerts.origin == queues.queue_name(rq_app, "notify")
