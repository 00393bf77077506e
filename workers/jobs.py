"""The thin job layer every background job goes through.

* Jobs are named by dotted path and take plain arguments (ids, strings, numbers);
  ORM objects are refused at enqueue time, because a job must read fresh rows in its
  own unit of work (``state(app).db.unit_of_work()``), not a stale copy.
* The worker calls :func:`run`, which resolves the path, hands the process's app to
  the job function, and logs start and end (every line carries the job id).
* Transient failures (Redis, database connection or lock trouble, Elasticsearch or
  HTTP unreachable) are retried with growing delays; anything else fails at once and
  lands in the failed-job registry (``exchange jobs failed``, the admin dead-letter page).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from rq import Queue, Retry, get_current_job
from rq.job import Job

from exchange.app import state
from workers import queues, runtime

log = logging.getLogger(__name__)

# Delays in seconds between attempts: quick first, then back off.
RETRY_INTERVALS: tuple[int, ...] = (15, 60, 300)
# Failed jobs are kept a week for the dead-letter page; results a day.
FAILURE_TTL = 7 * 24 * 3600
RESULT_TTL = 24 * 3600

_PLAIN = (int, str, float, bool, type(None))


class TransientError(Exception):
    """Raise from a job to ask for a retry later (e.g. a remote service answered 503)."""


def resolve(path: str) -> Callable[..., Any]:
    module_name, _, attribute = path.rpartition(".")
    if not module_name:
        raise ValueError(f"not a dotted path: {path!r}")
    return getattr(importlib.import_module(module_name), attribute)


def _transient_types() -> tuple[type[BaseException], ...]:
    import redis.exceptions
    import sqlalchemy.exc
    from sqlalchemy.orm.exc import StaleDataError

    types: list[type[BaseException]] = [
        TransientError,
        ConnectionError,
        TimeoutError,
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        sqlalchemy.exc.OperationalError,  # lost connection, lock timeout, deadlock, serialisation failure
        sqlalchemy.exc.TimeoutError,  # connection pool exhausted
        StaleDataError,  # someone changed the row meanwhile; a retry reads it again
    ]
    try:
        import elastic_transport

        types += [elastic_transport.ConnectionError, elastic_transport.ConnectionTimeout]
    except ImportError:  # pragma: no cover - elasticsearch is a declared dependency
        pass
    try:
        import urllib.error

        types.append(urllib.error.URLError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(types)


def is_transient(error: BaseException) -> bool:
    import sqlalchemy.exc

    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _transient_types())


def _check_plain(value: Any, where: str) -> None:
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_plain(item, where)
        return
    if isinstance(value, dict):
        for k, item in value.items():
            _check_plain(k, where)
            _check_plain(item, where)
        return
    raise TypeError(f"{where}: jobs take ids and plain values, not {type(value).__name__}")


def run(path: str, *args: Any, **kwargs: Any) -> Any:
    """What the worker executes: ``path(app, *args, **kwargs)`` with logging and retry policy."""
    app = runtime.current_app()
    job = get_current_job()
    func = resolve(path)
    log.info("start %s args=%s", path, args)
    started = time.monotonic()
    try:
        with app.app_context():
            result = func(app, *args, **kwargs)
    except Exception as error:
        transient = is_transient(error)
        if job is not None and not transient:
            job.retries_left = 0  # a bug or bad data will not fix itself: straight to the failed list
        log.exception("%s failed (%s) after %.2fs", path, "will retry" if transient else "permanent", time.monotonic() - started)
        raise
    log.info("done %s in %.2fs", path, time.monotonic() - started)
    return result


def enqueue(
    app: Flask,
    path: str,
    *args: Any,
    queue: str = "default",
    timeout: int | None = None,
    job_id: str | None = None,
    retry: bool = True,
    description: str | None = None,
    meta: dict[str, Any] | None = None,
    depends_on: list[str] | None = None,
) -> Job:
    """Put ``path(app, *args)`` on a named queue (RQ mode only).

    ``depends_on`` names jobs (by id) that must finish first; RQ holds this one back until then.
    """
    _check_plain(args, path)
    resolve(path)  # fail now, in the caller, on a typo, not later in a worker
    return queues.queue(app, queue).enqueue(
        run,
        args=(path, *args),
        job_timeout=timeout or state(app).settings.JOB_TIMEOUT,
        job_id=job_id,
        retry=Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)) if retry else None,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        description=description or f"{path}{tuple(args)!r}",
        meta={"path": path, **(meta or {})},
        depends_on=depends_on or None,
    )


def _options(app: Flask, path: str, args: tuple, timeout: int | None, retry: bool,
             description: str | None, meta: dict[str, Any] | None) -> dict[str, Any]:
    _check_plain(args, path)
    resolve(path)  # fail now, in the caller, on a typo, not later in a worker
    return {
        "args": (path, *args),
        "timeout": timeout or state(app).settings.JOB_TIMEOUT,
        "retry": Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)) if retry else None,
        "result_ttl": RESULT_TTL,
        "failure_ttl": FAILURE_TTL,
        "description": description or f"{path}{tuple(args)!r}",
        "meta": {"path": path, **(meta or {})},
    }


def enqueue_batch(app: Flask, items: list[dict[str, Any]]) -> list[Job]:
    """Queue many jobs without dependencies in one Redis round trip (RQ's ``enqueue_many``).

    Each item: ``path``, ``args`` (tuple), ``queue``, and optionally ``job_id``,
    ``description``, ``meta``, ``timeout``. All of them are queued, or (Redis error)
    none: the pipeline is one MULTI/EXEC transaction.
    """
    by_queue: dict[str, list[Any]] = {}
    for item in items:
        options = _options(app, item["path"], tuple(item.get("args", ())), item.get("timeout"), True,
                           item.get("description"), item.get("meta"))
        by_queue.setdefault(item.get("queue", "default"), []).append(
            Queue.prepare_data(run, args=options["args"], timeout=options["timeout"], result_ttl=options["result_ttl"],
                               failure_ttl=options["failure_ttl"], description=options["description"],
                               job_id=item.get("job_id"), meta=options["meta"], retry=options["retry"])
        )
    if not by_queue:
        return []
    connection = queues.redis_connection(app)
    made: list[Job] = []
    with connection.pipeline() as pipe:
        for name, datas in by_queue.items():
            made += queues.queue(app, name).enqueue_many(datas, pipeline=pipe)
        pipe.execute()
    return made


def submit(app: Flask, path: str, *args: Any, queue: str = "default", **options: Any) -> Job | Any:
    """Run a job the way this deployment runs jobs: on RQ, or right here in the embedded default."""
    if state(app).settings.jobs_mode == "rq":
        return enqueue(app, path, *args, queue=queue, **options)
    _check_plain(args, path)
    with app.app_context():
        return resolve(path)(app, *args)
