"""The admin dead-letter page: undeliverable events can be delivered again or discarded."""

from __future__ import annotations

import sqlalchemy as sa

from exchange.audit import AuditEntry
from exchange.outbox import OutboxEvent
from tests import factories as f
from tests.workers.test_outbox import pending_event


def test_admin_redelivers_and_discards_events(app, db, client, sign_in, recorder):
    admin = f.user(db, "admin")
    broken = pending_event(db, "test.broken")
    stuck = pending_event(db, "test.stuck")
    for event in (broken, stuck):
        event.attempts, event.last_error = 3, "RuntimeError: consumer refused"
    db.flush()
    sign_in(admin)
    page = client.get("/admin/jobs/?lang=en").get_data(as_text=True)
    assert "test.broken" in page and "test.stuck" in page
    assert "tests.workers.recording_consumer" in page and "not delivered, 0 failed attempts" in page  # consumer and queue

    assert client.post(f"/admin/jobs/events/{stuck.id}/redeliver").status_code == 302
    assert client.post(f"/admin/jobs/events/{broken.id}/discard").status_code == 302
    db.expire_all()
    assert [m["id"] for m in recorder.RECEIVED] == [stuck.id]  # delivered right after the commit
    assert db.get(OutboxEvent, stuck.id).dispatched_at is not None
    assert "discarded" in db.get(OutboxEvent, broken.id).last_error
    actions = set(db.scalars(sa.select(AuditEntry.action).where(AuditEntry.actor_user_id == admin.id)))
    assert {"outbox.redeliver", "outbox.discard"} <= actions
    assert "Every event was delivered" in client.get("/admin/jobs/?lang=en").get_data(as_text=True)


def test_only_administrators(app, db, client, sign_in):
    _centre, centre_actor = f.centre(db)
    sign_in(centre_actor.user)
    assert client.get("/admin/jobs/").status_code == 403
