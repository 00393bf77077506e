"""Index sync: bring documents in line with database rows, in bulk and idempotently.

Consumers, the ``check --fix`` repair and the catch-up after a rebuild all call
:func:`sync_records`; it reads the rows as they are now (never the event payload),
so replaying an event, or applying events out of order, cannot make the index wrong.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from exchange.resumes.models import Resume
from search import documents

# Removing a record that is gone from the database: a version above any real one.
GONE_VERSION = 2**40


def sync_records(app: Flask, kind: str, ids: list[int]) -> int:
    """Index or remove the records ``ids`` of ``kind`` according to their current rows."""
    from exchange.app import state
    from search.service import get_search

    ids = sorted(set(ids))
    if not ids:
        return 0
    model = documents.Vacancy if kind == "vacancy" else Resume
    with state(app).db.unit_of_work() as session:
        versions = dict(session.execute(sa.select(model.id, model.version).where(model.id.in_(ids))).all())
        docs = documents.build(session, kind, ids)
    ops = [(i, versions.get(i, GONE_VERSION), docs.get(i)) for i in ids]
    return get_search(app).backend.apply(kind, ops)


def resumes_of_seeker(app: Flask, seeker_id: int) -> list[int]:
    from exchange.app import state

    with state(app).db.unit_of_work() as session:
        return list(session.scalars(sa.select(Resume.id).where(Resume.seeker_id == seeker_id)))
