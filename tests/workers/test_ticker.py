"""The embedded default's ticker runs due entries from the schedule table."""

from __future__ import annotations

import datetime as dt

import pytest

from exchange.timeutil import ALMATY
from tests.workers import sample_jobs
from workers import schedule, ticker


class Clock:
    def __init__(self, moment: dt.datetime) -> None:
        self.now = moment

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture()
def entries(monkeypatch):
    sample_jobs.CALLS.clear()
    table = (
        schedule.PeriodicJob("t-every-15", "tests.workers.sample_jobs.record", "*/15 * * * *", "default", 60, "t"),
        schedule.PeriodicJob("t-broken", "tests.workers.sample_jobs.boom", "*/15 * * * *", "default", 60, "t"),
        schedule.PeriodicJob("t-monday", "tests.workers.sample_jobs.record", "0 3 * * 1", "default", 60, "t"),
    )
    for entry in table:
        monkeypatch.setitem(schedule.BY_ID, entry.id, entry)
    return table


def test_ticker_runs_due_jobs_once_and_survives_a_failure(app, entries):
    clock = Clock(dt.datetime(2025, 6, 2, 2, 50, tzinfo=ALMATY))  # a Monday
    t = ticker.Ticker(app, entries, clock)
    assert t.tick() == {}
    clock.now = dt.datetime(2025, 6, 2, 3, 0, tzinfo=ALMATY)
    results = t.tick()
    assert results["t-every-15"] == {"args": []} and results["t-monday"] == {"args": []}
    assert results["t-broken"]["error"].startswith("RuntimeError")
    assert len(sample_jobs.CALLS) == 2
    # Asleep for two hours: each job runs once on waking, not once per missed slot.
    clock.now = dt.datetime(2025, 6, 2, 5, 1, tzinfo=ALMATY)
    assert set(t.tick()) == {"t-every-15", "t-broken"}
    assert t.next_run["t-every-15"] == dt.datetime(2025, 6, 2, 5, 15, tzinfo=ALMATY)
    assert t.next_run["t-monday"] == dt.datetime(2025, 6, 9, 3, 0, tzinfo=ALMATY)


def test_start_is_a_daemon_thread_in_embedded_mode_only(app, monkeypatch):
    from exchange.app import state

    monkeypatch.setattr(ticker, "TICK_SECONDS", 3600)
    started = ticker.start(app)
    try:
        assert started is not None and started._thread.daemon and started._thread.is_alive()
    finally:
        started.stop()
        state(app).services.pop("ticker", None)
    monkeypatch.setitem(state(app).settings.values, "JOBS_MODE", "rq")
    assert ticker.start(app) is None
