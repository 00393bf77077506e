"""The app a worker process runs jobs with, and job ids in every log line.

A worker builds the Flask app once per process (``exchange worker`` binds the app it
was started with); job functions receive that app. After a fork (RQ's default work
horse) the child must not reuse the parent's database connections, so the pool is
dropped the first time a job runs in a new process.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask

_lock = threading.Lock()
_app: Flask | None = None
_pid: int | None = None

LOG_FORMAT = "%(asctime)s %(levelname)s [job %(job_id)s] %(name)s: %(message)s"


def bind(app: Flask) -> None:
    """Use this app for jobs run in this process (the worker command and tests call it)."""
    global _app, _pid
    with _lock:
        _app, _pid = app, os.getpid()


def current_app() -> Flask:
    """The process's app: the bound one, else built from the environment once."""
    global _app, _pid
    with _lock:
        if _app is None:
            from exchange.app import create_app

            _app, _pid = create_app(), os.getpid()
        elif _pid != os.getpid():
            # A forked work horse: connections inherited from the parent are not ours to use.
            from exchange.app import state

            state(_app).db.engine.dispose(close=False)
            state(_app).services.pop("redis", None)
            _pid = os.getpid()
        return _app


def current_job_id() -> str:
    from rq import get_current_job

    job = get_current_job()
    return job.id if job is not None else "-"


class JobIdFilter(logging.Filter):
    """Adds ``job_id`` to every record, so each log line says which job wrote it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "job_id"):
            record.job_id = current_job_id()
        return True


def install_job_logging(level: str | int = "INFO") -> None:
    """Root logging for worker processes: one format, with the job id on every line."""
    root = logging.getLogger()
    root.setLevel(level)
    job_filter = JobIdFilter()
    formatter = logging.Formatter(LOG_FORMAT)
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.addFilter(job_filter)
        handler.setFormatter(formatter)
