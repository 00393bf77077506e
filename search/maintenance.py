"""Rebuild and check the index against the database (``exchange search reindex|check``).

Rebuild streams every indexable row into a fresh index in batches and lets the
backend switch readers over only when the count is sane; writes that happened
meanwhile are replayed afterwards (rows updated since the rebuild began), so
nothing is lost while readers keep being served. Check lists missing, stale and
orphan documents; ``fix`` re-syncs exactly those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask

from exchange.db import utcnow
from exchange.resumes.models import Resume
from exchange.vacancies.models import Vacancy
from search import documents, sync
from search.backend import CheckReport

BATCH = 2000


def _batches(app: Flask, kind: str, ids: list[int], now: dt.datetime) -> Iterator[list[tuple[int, int, dict[str, Any]]]]:
    from exchange.app import state

    memo: dict[tuple, Any] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with state(app).db.unit_of_work() as session:
            docs = documents.build(session, kind, chunk, now, memo)
        yield [(i, d["version"], d) for i, d in docs.items() if d is not None]


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
        result = backend.rebuild(kind, _batches(app, kind, ids, started), len(ids), force)
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
