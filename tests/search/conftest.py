"""Search fixtures: the hand-checked fixture set, indexed into each backend once per module."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import sessionmaker

from exchange.app import state
from search import documents
from search.backend import SearchBackend
from search.service import SearchService
from tests.conftest import ELASTICSEARCH_URL
from tests.search import fixture_set

BACKENDS = ["sql", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]


def make_backend(app, name: str, suffix: str) -> SearchBackend:
    if name == "sql":
        from search.sql_backend import SqlBackend

        return SqlBackend(state(app).db)
    from search.es_backend import ElasticsearchBackend

    return ElasticsearchBackend(ELASTICSEARCH_URL, f"birzha_test_{os.getpid()}_{suffix}", 30.0)


def index_everything(app, backend: SearchBackend) -> None:
    backend.ensure()
    with state(app).db.unit_of_work() as session:
        for kind in documents.KINDS:
            ids = sorted(documents.indexable_ids(session, kind))
            docs = documents.build(session, kind, ids)
            backend.apply(kind, [(i, d["version"], d) for i, d in docs.items() if d is not None])


@pytest.fixture(scope="module")
def shared_db(app) -> Iterator:
    """Like the ``db`` fixture, but one rolled-back transaction for a whole module (read-only tests)."""
    database = state(app).db
    connection = database.engine.connect()
    outer = connection.begin()
    original = database.sessionmaker
    database.sessionmaker = sessionmaker(
        bind=connection, expire_on_commit=False, autoflush=True, join_transaction_mode="create_savepoint"
    )
    try:
        with app.app_context():
            yield database
    finally:
        database.sessionmaker = original
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture(scope="module")
def fixture_data(app, shared_db) -> fixture_set.FixtureSet:
    session = shared_db.new_session()
    try:
        fx = fixture_set.build(session)
        session.commit()  # releases the savepoint: outbox consumers run as after a real commit
    finally:
        session.close()
    return fx


@pytest.fixture(scope="module", params=BACKENDS)
def service(request, app, shared_db, fixture_data) -> Iterator[SearchService]:
    backend = make_backend(app, request.param, request.module.__name__.rsplit(".", 1)[-1])
    if request.param == "elasticsearch":
        backend.reset()
    index_everything(app, backend)
    yield SearchService(app, backend)
    if request.param == "elasticsearch":
        backend.reset()
