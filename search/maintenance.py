"""Rebuild and check the index against the database (``exchange search reindex|check``).

Rebuild streams every indexable row into a fresh index in batches and lets the
backend switch readers over only when the count is sane; writes that happened
meanwhile are replayed afterwards (rows updated since the rebuild began), so
nothing is lost while readers keep being served. Check lists missing, stale and
orphan documents; ``fix`` re-syncs exactly those.

A large rebuild on a backend that can take prepared batches builds its batches in
producer processes: they read the rows, serialise the documents and turn them into
what the backend writes (driver-ready rows for the SQL backend, whose SQLite has one
writer; bulk request bodies for Elasticsearch) while this process writes the previous
batches, so both cores work. A few batches are in flight
at most (bounded memory); a failure in the producer (an exception, or the process
dying) fails the rebuild, whose transaction then rolls back and leaves the old index.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import sqlalchemy as sa
from flask import Flask

from exchange.db import Database, utcnow
from exchange.resumes.models import Resume
from exchange.vacancies.models import Vacancy
from search import documents, sync
from search.backend import CheckReport

BATCH = 2000
# Producer processes for a large rebuild (0: build every batch in this process), and the size
# from which they pay off: starting one (a fresh interpreter importing the app) takes about a
# second. Building a batch costs more CPU than writing it (SQL backend: ~0.27 against ~0.17 ms
# per document), so two producers share the cores with the writer better than one; with a
# single core there is nothing to share.
PRODUCERS = 2 if (os.cpu_count() or 1) > 1 else 0
PRODUCER_MIN_RECORDS = 20_000
# Batches handed to each producer ahead of the writer: enough that it never waits on the
# writer, few enough that memory stays bounded (a prepared batch of 2,000 documents is ~5 MB).
AHEAD = 2

Batch = Any  # list of (id, version, document), or what the backend's prepare_batch made of one
Prepare = Callable[[str, sa.engine.Dialect, list[tuple[int, int, dict[str, Any]]]], Any]


def _batches(app: Flask, kind: str, ids: list[int], now: dt.datetime) -> Iterator[list[tuple[int, int, dict[str, Any]]]]:
    from exchange.app import state

    memo: dict[tuple, Any] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with state(app).db.unit_of_work() as session:
            docs = documents.build(session, kind, chunk, now, memo)
        yield [(i, d["version"], d) for i, d in docs.items() if d is not None]


# --- producer processes ------------------------------------------------------------------
_producer: dict[str, Any] = {}


def _start_producer(database_url: str) -> None:
    """In a producer process: its own engine (nothing is shared with the parent's), and a memo of
    classifier-derived values kept for all the batches it builds."""
    _producer["db"] = Database(database_url)
    _producer["memo"] = {}


def _produce(kind: str, ids: list[int], now: dt.datetime, prepare: Prepare) -> Batch:
    db: Database = _producer["db"]
    with db.unit_of_work() as session:
        docs = documents.build(session, kind, ids, now, _producer["memo"])
    return prepare(kind, db.engine.dialect, [(i, d["version"], d) for i, d in docs.items() if d is not None])


def _produced_batches(database_url: str, kind: str, ids: list[int], now: dt.datetime, prepare: Prepare, processes: int) -> Iterator[Batch]:
    """The batches of ``ids`` in order, built by ``processes`` producer processes.

    "spawn": a producer starts from a fresh interpreter rather than a fork of this process and
    its open connections and threads. The pool reports a producer that dies (BrokenProcessPool)
    or fails (its exception) at the batch it was building; closing this generator early cancels
    the batches not started and waits for the running ones, so no producer outlives the rebuild.
    """
    chunks = (ids[start : start + BATCH] for start in range(0, len(ids), BATCH))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context, initializer=_start_producer, initargs=(database_url,)) as pool:
        pending: deque[Future] = deque(pool.submit(_produce, kind, chunk, now, prepare) for chunk in itertools.islice(chunks, processes * AHEAD))
        try:
            while pending:
                batch = pending.popleft().result()
                chunk = next(chunks, None)
                if chunk is not None:
                    pending.append(pool.submit(_produce, kind, chunk, now, prepare))
                yield batch
        finally:
            for future in pending:
                future.cancel()


def _rebuild_batches(app: Flask, backend: Any, kind: str, ids: list[int], now: dt.datetime) -> Iterator[Batch]:
    from exchange.app import state

    prepare = getattr(backend, "prepare_batch", None)
    url = state(app).db.url
    in_memory = url.startswith("sqlite") and (url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url)
    if prepare is None or PRODUCERS < 1 or len(ids) < PRODUCER_MIN_RECORDS or in_memory:
        return _batches(app, kind, ids, now)
    return _produced_batches(url, kind, ids, now, prepare, PRODUCERS)


def reindex(app: Flask, kinds: tuple[str, ...] = documents.KINDS, force: bool = False) -> list[dict[str, Any]]:
    from exchange.app import state
    from search.service import get_search

    backend = get_search(app).backend
    reports = []
    for kind in kinds:
        started = utcnow()
        with state(app).db.unit_of_work() as session:
            expected = documents.indexable_ids(session, kind, started)
        ids = sorted(expected)
        batches = _rebuild_batches(app, backend, kind, ids, started)
        try:
            result = backend.rebuild(kind, batches, len(ids), force)
        finally:
            batches.close()  # stops the producers at once if the rebuild failed
        if result["swapped"]:
            model = Vacancy if kind == "vacancy" else Resume
            with state(app).db.unit_of_work() as session:
                changed = list(session.scalars(sa.select(model.id).where(model.updated_at >= started - dt.timedelta(seconds=5))))
            result["caught_up"] = sync.sync_records(app, kind, changed) if changed else 0
        result["seconds"] = round((utcnow() - started).total_seconds(), 2)
        reports.append(result)
    return reports


def check(app: Flask, kinds: tuple[str, ...] = documents.KINDS, fix: bool = False) -> list[CheckReport]:
    from exchange.app import state
    from search.service import get_search

    backend = get_search(app).backend
    reports = []
    for kind in kinds:
        with state(app).db.unit_of_work() as session:
            expected = documents.indexable_ids(session, kind)
        indexed = backend.versions(kind)
        report = CheckReport(
            kind=kind,
            expected=len(expected),
            indexed=len(indexed),
            missing=sorted(set(expected) - set(indexed)),
            stale=sorted(i for i in set(expected) & set(indexed) if indexed[i] != expected[i]),
            orphans=sorted(set(indexed) - set(expected)),
        )
        if fix and not report.ok:
            sync.sync_records(app, kind, report.missing + report.stale + report.orphans)
        reports.append(report)
    return reports
