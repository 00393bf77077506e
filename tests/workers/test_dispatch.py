"""Per-consumer delivery of outbox events in the embedded (in-process) mode, and the consumer table."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import sqlalchemy as sa

from exchange import dispatch, outbox
from exchange.outbox import OutboxDelivery, OutboxEvent
from tests.workers.conftest import DEFAULT, INDEX, NOTIFY
from workers import outbox as relay_module


def deliveries(db, event_id: int) -> dict[str, tuple[bool, int, str | None]]:
    db.expire_all()
    rows = db.scalars(sa.select(OutboxDelivery).where(OutboxDelivery.event_id == event_id))
    return {r.consumer: (r.delivered_at is not None, r.attempts, r.last_error) for r in rows}


def is_dispatched(db, event_id: int) -> bool:
    db.expire_all()
    return db.get(OutboxEvent, event_id).dispatched_at is not None


def test_the_real_consumers_declare_their_queues():
    queues = {c.name: c.queue for c in dispatch.consumers()}
    assert queues == {
        "search.consumers": "index",
        "exchange.notifications.consumers": "notify",
        "exchange.subscriptions.consumers": "notify",
        "exchange.api.consumers": "notify",
        "exchange.api.import_consumers": "imports",
    }
    subscriptions = dispatch.consumer_named("exchange.subscriptions.consumers")
    assert subscriptions.after == ("search.consumers",)  # alerts match against the index


def test_a_consumer_without_queue_gets_default_and_a_bad_queue_is_refused(monkeypatch, three):
    assert {c.name: c.queue for c in dispatch.consumers()} == {INDEX: "index", NOTIFY: "notify", DEFAULT: "default"}
    monkeypatch.setattr(importlib.import_module(NOTIFY), "QUEUE", "urgent")
    with pytest.raises(ValueError, match="urgent"):
        dispatch.consumers()


def test_a_prerequisite_must_be_listed_first(monkeypatch, three):
    monkeypatch.setattr(dispatch, "AFTER", {INDEX: (NOTIFY,)})
    with pytest.raises(ValueError, match="must be listed before"):
        dispatch.consumers()


def test_each_consumer_runs_on_its_own_and_a_failure_is_retried_alone(app, db, three):
    three.FAILING[NOTIFY] = 1
    event = outbox.emit(db, "test.created", "thing", 1, {"thing_id": 1})
    db.commit()  # the after-commit hook delivers in-process
    assert sorted(three.CALLS) == sorted([(INDEX, event.id), (DEFAULT, event.id)])  # notify failed, the others ran
    rows = deliveries(db, event.id)
    assert rows[INDEX][:2] == (True, 0) and rows[DEFAULT][:2] == (True, 0)
    assert rows[NOTIFY][0] is False and rows[NOTIFY][1] == 1 and "refused" in rows[NOTIFY][2]
    assert not is_dispatched(db, event.id)
    db.expire_all()
    stored = db.get(OutboxEvent, event.id)
    assert stored.attempts == 1 and stored.last_error.startswith(f"{NOTIFY}: RuntimeError")

    report = relay_module.relay(app, older_than=dt.timedelta(0))
    assert report == {"pending": 1, "dispatched": 1, "skipped_in_flight": 0, "failed": 0, "waiting": 0}
    assert sorted(three.CALLS) == sorted([(INDEX, event.id), (DEFAULT, event.id), (NOTIFY, event.id)])  # only notify again
    assert is_dispatched(db, event.id)
    assert relay_module.relay(app, older_than=dt.timedelta(0))["pending"] == 0


def test_a_consumer_waits_for_its_prerequisite(app, db, three, monkeypatch):
    monkeypatch.setattr(dispatch, "AFTER", {NOTIFY: (INDEX,)})
    three.FAILING[INDEX] = 1
    event = outbox.emit(db, "test.published", "thing", 2, {})
    db.commit()
    assert three.CALLS == [(DEFAULT, event.id)]  # index failed, so notify did not run either
    rows = deliveries(db, event.id)
    assert NOTIFY not in rows  # waiting is not a failure
    assert rows[INDEX][:2] == (False, 1)

    report = relay_module.relay(app, older_than=dt.timedelta(0))
    assert report["dispatched"] == 2 and report["failed"] == 0
    assert three.CALLS == [(DEFAULT, event.id), (INDEX, event.id), (NOTIFY, event.id)]
    assert is_dispatched(db, event.id)


def test_an_event_nobody_consumes_is_settled_at_once(app, db, three):
    event = outbox.emit(db, "nobody.listens", "thing", 3, {})
    db.commit()
    assert three.CALLS == []
    assert is_dispatched(db, event.id)


def test_delivering_again_changes_nothing(app, db, three):
    event = outbox.emit(db, "test.created", "thing", 4, {})
    db.commit()
    assert len(three.CALLS) == 3 and is_dispatched(db, event.id)
    assert dispatch.deliver_to(app, event.id, INDEX) is False  # a duplicate job finds it done
    assert dispatch.plan(app, [event.id]) == []
    assert len(three.CALLS) == 3


def test_a_recorded_delivery_is_not_run_again_after_a_crash(app, db, three):
    """Index delivered, then the process died before the others ran: the relay runs only the rest."""
    event = outbox.emit(db, "test.created", "thing", 5, {})
    db.info.pop("outbox_pending", None)  # the after-commit delivery never happened
    db.commit()
    assert dispatch.deliver_to(app, event.id, INDEX) is True
    three.CALLS.clear()
    report = relay_module.relay(app, older_than=dt.timedelta(0))
    assert report["dispatched"] == 2
    assert sorted(three.CALLS) == sorted([(NOTIFY, event.id), (DEFAULT, event.id)])
    assert is_dispatched(db, event.id)
