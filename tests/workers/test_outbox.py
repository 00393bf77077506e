"""The outbox relay: undelivered events are delivered again; Redis trouble never fails a write."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from exchange import outbox
from exchange.app import state
from exchange.db import utcnow
from exchange.outbox import OutboxEvent
from workers import outbox as relay_module
from workers import queues


def pending_event(db, topic: str = "test.thing", age: dt.timedelta = dt.timedelta(minutes=5)) -> OutboxEvent:
    event = outbox.emit(db, topic, "thing", 7, {"thing_id": 7})
    db.info.pop("outbox_pending", None)  # as if the after-commit dispatch never happened
    event.created_at = utcnow() - age
    db.flush()
    return event


def test_relay_delivers_what_was_missed_and_leaves_fresh_events(app, db, recorder):
    missed = pending_event(db)
    fresh = pending_event(db, "test.fresh", age=dt.timedelta(seconds=1))
    report = relay_module.relay(app)
    assert report == {"pending": 1, "dispatched": 1, "skipped_in_flight": 0, "failed": 0, "waiting": 0}
    assert [m["id"] for m in recorder.RECEIVED] == [missed.id]
    db.expire_all()
    assert db.get(OutboxEvent, missed.id).dispatched_at is not None
    assert db.get(OutboxEvent, fresh.id).dispatched_at is None
    assert relay_module.relay(app)["pending"] == 0  # delivered once


def test_failures_are_counted_and_eventually_left_for_a_person(app, db, recorder, monkeypatch):
    event = pending_event(db, "test.broken")
    recorder.FAIL_TOPICS.add("test.broken")
    assert relay_module.relay(app)["failed"] == 1
    db.expire_all()
    stored = db.get(OutboxEvent, event.id)
    assert stored.attempts == 1 and "consumer refused" in stored.last_error
    stored.attempts = relay_module.MAX_ATTEMPTS
    db.flush()
    assert relay_module.relay(app)["pending"] == 0
    assert relay_module.backlog(app)["gave_up"] >= 1


def test_enqueue_with_redis_down_is_harmless(app, db, monkeypatch, recorder):
    monkeypatch.setitem(state(app).settings.values, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.delitem(state(app).services, "redis", raising=False)
    event = pending_event(db)
    assert relay_module.enqueue_events(app, [event.id]) == 0
    state(app).services.pop("redis", None)
    db.expire_all()
    assert db.get(OutboxEvent, event.id).dispatched_at is None  # still there for the relay


def test_jobs_take_ids_not_objects(app, db):
    from workers import jobs

    with pytest.raises(TypeError, match="ids and plain values"):
        jobs.enqueue(app, "tests.workers.sample_jobs.record", db.scalar(sa.select(OutboxEvent).limit(1)) or object())


def test_transient_errors_are_told_apart():
    import sqlalchemy.exc

    from workers.jobs import TransientError, is_transient

    assert is_transient(TransientError("503"))
    assert is_transient(ConnectionError("reset"))
    assert is_transient(sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("deadlock detected")))
    assert not is_transient(ValueError("bad row"))
    assert not is_transient(KeyError("missing"))


def test_queue_names_carry_the_prefix(app):
    prefix = state(app).settings.RQ_QUEUE_PREFIX
    assert queues.queue_name(app, "reconcile") == f"{prefix}.reconcile"
    with pytest.raises(ValueError):
        queues.queue_name(app, "nonsense")
