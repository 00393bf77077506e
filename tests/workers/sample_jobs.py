"""Job functions the worker tests enqueue by dotted path (jobs take the app, then plain values)."""

from __future__ import annotations

import logging

from workers import jobs, queues, runtime

CALLS: list[tuple] = []


def record(app, *args):
    CALLS.append(args)
    return {"args": list(args)}


def job_id_on_log_line(app):
    record_ = logging.LogRecord("t", logging.INFO, __file__, 1, "hello", None, None)
    runtime.JobIdFilter().filter(record_)
    return {"job_id": record_.job_id, "current": runtime.current_job_id()}


def flaky(app, counter: str):
    """Fails with a transient error the first time it runs (the count lives in Redis)."""
    attempt = queues.redis_connection(app).incr(queues.key(app, "test", counter))
    if attempt == 1:
        raise jobs.TransientError("remote service answered 503")
    return {"attempt": attempt}


def broken(app, counter: str):
    queues.redis_connection(app).incr(queues.key(app, "test", counter))
    raise ValueError("bad data will not fix itself")


def boom(app):
    raise RuntimeError("periodic job failed")
