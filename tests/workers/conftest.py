from __future__ import annotations

import pytest

from exchange import dispatch
from tests.workers import recording_consumer


@pytest.fixture()
def recorder(monkeypatch):
    """Route outbox events to the recording consumer only."""
    monkeypatch.setattr(dispatch, "CONSUMER_MODULES", ("tests.workers.recording_consumer",))
    recording_consumer.reset()
    yield recording_consumer
    recording_consumer.reset()


INDEX = "tests.workers.index_consumer"
NOTIFY = "tests.workers.notify_consumer"
DEFAULT = "tests.workers.recording_consumer"


@pytest.fixture()
def three(monkeypatch):
    """Three consumers of ``test.*`` events, on the index, notify and default queues."""
    monkeypatch.setattr(dispatch, "CONSUMER_MODULES", (INDEX, NOTIFY, DEFAULT))
    monkeypatch.setattr(dispatch, "AFTER", {})
    recording_consumer.reset()
    yield recording_consumer
    recording_consumer.reset()


@pytest.fixture()
def rq_app(app, monkeypatch):
    """The app switched to RQ mode on the test Redis; its queues are emptied afterwards."""
    from exchange.app import state
    from workers import queues, runtime
    from workers.jobs import RETRY_INTERVALS  # noqa: F401  (patched below)

    settings = state(app).settings
    if not settings.REDIS_URL:
        pytest.skip("needs redis")
    monkeypatch.setitem(settings.values, "JOBS_MODE", "rq")
    from workers.outbox import enqueue_events

    # The hook was chosen when the app was built (in-process); commits now queue jobs instead.
    monkeypatch.setattr(state(app).db, "after_commit_hooks", [lambda ids: enqueue_events(app, ids)])
    monkeypatch.setattr("workers.jobs.RETRY_INTERVALS", (0, 0, 0))  # retry at once in burst mode
    runtime.bind(app)
    yield app
    queues.purge(app)
