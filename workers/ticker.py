"""The embedded default's scheduler: a small daemon thread over the same schedule table.

``exchange run`` calls :func:`start` when jobs run in-process (no Redis). Each tick
runs the entries that are due, one after another, through
:func:`workers.schedule.run_periodic` (same locks, same job functions as production).
A failing job is logged and tried again at its next time; it never stops the ticker.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from flask import Flask

from exchange.app import state
from exchange.db import utcnow
from workers import schedule

log = logging.getLogger(__name__)

TICK_SECONDS = 20.0


class Ticker:
    def __init__(self, app: Flask, entries: tuple[schedule.PeriodicJob, ...] = schedule.SCHEDULE,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.app = app
        self.entries = entries
        self.clock = clock
        now = clock()
        self.next_run: dict[str, dt.datetime] = {e.id: e.next_after(now) for e in entries}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self, now: dt.datetime) -> list[schedule.PeriodicJob]:
        return [e for e in self.entries if self.next_run[e.id] <= now]

    def tick(self) -> dict[str, dict]:
        """Run every due entry once; returns what each run reported."""
        now = self.clock()
        results: dict[str, dict] = {}
        for entry in self.due(now):
            # Next time is computed from now, so a ticker that slept through several
            # slots (laptop lid closed) runs the job once, not once per missed slot.
            self.next_run[entry.id] = entry.next_after(now)
            try:
                results[entry.id] = schedule.run_periodic(self.app, entry.id)
            except Exception as error:
                log.exception("periodic job %s failed; next try at %s", entry.id, self.next_run[entry.id])
                results[entry.id] = {"error": f"{type(error).__name__}: {error}"}
        return results

    def _loop(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self.tick()

    def start(self) -> Ticker:
        self._thread = threading.Thread(target=self._loop, name="birzha-ticker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def start(app: Flask) -> Ticker | None:
    """Start the ticker for the embedded default; in RQ mode ``exchange scheduler`` does this work."""
    if state(app).settings.jobs_mode == "rq":
        log.info("jobs run on RQ: periodic jobs come from `exchange scheduler`, not the in-process ticker")
        return None
    ticker = Ticker(app).start()
    state(app).services["ticker"] = ticker
    log.info("in-process ticker started with %d periodic jobs", len(ticker.entries))
    return ticker
