"""A large rebuild builds its batches in producer processes while this one writes (SQL rows, or
Elasticsearch bulk bodies).

These use committed data (``committed_app``): the producer is another process with its own
connection, so it sees only what is committed. The size threshold is lowered so a handful of
records takes the producer path, and the batch size so they make several batches.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool

import pytest

from exchange.app import state
from search import documents, maintenance
from search.service import SearchService, get_search
from search.sql_backend import SqlBackend, prepare_batch
from tests import factories as f
from tests.search.conftest import make_backend

BROKEN_TITLE = "Сломанная вакансия"
FATAL_TITLE = "Роковая вакансия"


def prepare_failing(kind, dialect, items):
    """prepare_batch that fails on the batch holding BROKEN_TITLE (runs in the producer process)."""
    if any(doc["title"] == BROKEN_TITLE for _, _, doc in items):
        raise RuntimeError("the producer could not build this batch")
    return prepare_batch(kind, dialect, items)


def prepare_dying(kind, dialect, items):
    """prepare_batch whose process dies without a word on the batch holding FATAL_TITLE."""
    if any(doc["title"] == FATAL_TITLE for _, _, doc in items):
        os._exit(3)
    return prepare_batch(kind, dialect, items)


class FailingBackend(SqlBackend):
    prepare_batch = staticmethod(prepare_failing)


class DyingBackend(SqlBackend):
    prepare_batch = staticmethod(prepare_dying)


def _serving(app, monkeypatch, backend) -> Iterator[SearchService]:
    """``backend``, emptied, as the app's search backend, with producers used from 1 record on
    and batches of 3 documents."""
    service = get_search(app)
    monkeypatch.setattr(service, "backend", backend)
    monkeypatch.setattr(maintenance, "PRODUCER_MIN_RECORDS", 1)
    monkeypatch.setattr(maintenance, "BATCH", 3)
    backend.reset()
    backend.ensure()
    yield service
    backend.reset()


@pytest.fixture()
def sql(committed_app, monkeypatch):
    """The SQL backend (on the test database: SQLite, or PostgreSQL with the service exports)."""
    yield from _serving(committed_app, monkeypatch, SqlBackend(state(committed_app).db))


def _vacancies(app, titles: list[str]) -> list[int]:
    with state(app).db.unit_of_work() as session:
        _, employer = f.employer(session)
        return [f.vacancy(session, employer, title=title).id for title in titles]


def _expected(app, kind: str) -> dict[int, dict]:
    with state(app).db.unit_of_work() as session:
        ids = sorted(documents.indexable_ids(session, kind))
        return {i: d for i, d in documents.build(session, kind, ids).items() if d is not None}


def test_a_rebuild_through_a_producer_indexes_every_document(sql, committed_app):
    ids = _vacancies(committed_app, [f"Токарь {n}" for n in range(8)])
    [result] = maintenance.reindex(committed_app, kinds=("vacancy",))
    assert result["swapped"] and result["indexed"] == 8, result
    expected = _expected(committed_app, "vacancy")
    stored = sql.backend.get_documents("vacancy", ids)
    assert stored.keys() == expected.keys() == set(ids)
    assert stored == expected  # the producer built the documents this process builds
    hits = sql.search_vacancies({"q": "токарь", "size": 50}).hits
    assert {h["id"] for h in hits} == set(ids)
    assert not multiprocessing.active_children()  # the producer ended with the rebuild


@pytest.mark.parametrize(("backend_class", "title", "error"), [
    (FailingBackend, BROKEN_TITLE, RuntimeError),
    (DyingBackend, FATAL_TITLE, BrokenProcessPool),
])
def test_a_failing_producer_fails_the_rebuild_and_keeps_the_old_index(sql, committed_app, monkeypatch, backend_class, title, error):
    # The batch holding the breaking record comes after batches that were already written.
    bakers = _vacancies(committed_app, [f"Пекарь {n}" for n in range(7)])
    _vacancies(committed_app, ["Кондитер 1", "Кондитер 2", title, "Кондитер 3"])
    [first] = maintenance.reindex(committed_app, kinds=("vacancy",))
    assert first["swapped"] and first["indexed"] == 11
    before = sql.backend.versions("vacancy")

    monkeypatch.setattr(sql, "backend", backend_class(state(committed_app).db))
    with pytest.raises(error):
        maintenance.reindex(committed_app, kinds=("vacancy",))

    # Readers are still served the old index, whole: nothing of the failed rebuild is visible.
    assert sql.backend.versions("vacancy") == before
    assert len(before) == 11
    assert {h["id"] for h in sql.search_vacancies({"q": "пекарь", "size": 50}).hits} == set(bakers)
    assert sql.search_vacancies({"q": "кондитер"}).total == 3
    assert not multiprocessing.active_children()


def test_readers_see_the_old_index_until_the_rebuild_commits(sql, committed_app):
    """Searches during a rebuild (other connections) are answered from the old index, whole."""
    old = _vacancies(committed_app, ["Штукатур 1", "Штукатур 2", "Штукатур 3"])
    [first] = maintenance.reindex(committed_app, kinds=("vacancy",))
    assert first["swapped"]
    docs = _expected(committed_app, "vacancy")
    new = [(i, docs[i]["version"], docs[i]) for i in old[:2]]  # the new index holds two of the three
    seen_during: list[set[int]] = []

    def found() -> set[int]:
        return {h["id"] for h in sql.search_vacancies({"q": "штукатур", "size": 50}).hits}

    def batches():
        for item in new:
            yield [item]
            seen_during.append(found())

    result = sql.backend.rebuild("vacancy", batches(), len(new), True)
    assert result["swapped"] and result["indexed"] == 2
    assert seen_during == [set(old), set(old)]  # the old index, never the half-written new one
    assert found() == set(old[:2])
    assert sql.backend.versions("vacancy").keys() == set(old[:2])


# --- Elasticsearch: producers prepare whole bulk bodies -------------------------------------

def prepare_unmapped(kind, dialect, items):
    """An Elasticsearch body whose last document carries a field the strict mapping refuses: the
    node answers the bulk request with an error for that item only."""
    from search import es_backend

    prepared = es_backend.prepare_batch(kind, dialect, items)
    if not any(doc["title"] == BROKEN_TITLE for _, _, doc in items):
        return prepared
    lines = prepared.body.rstrip(b"\n").split(b"\n")
    lines[-1] = lines[-1][:-1] + b',"not_in_the_mapping":1}'
    return es_backend.PreparedBulk(b"\n".join(lines) + b"\n", prepared.count)


@pytest.fixture()
def es(committed_app, monkeypatch):
    """An Elasticsearch backend with this process's own index prefix."""
    yield from _serving(committed_app, monkeypatch, make_backend(committed_app, "elasticsearch", "producers"))


@pytest.mark.elasticsearch
def test_an_elasticsearch_rebuild_through_producers_indexes_every_document(es, committed_app):
    ids = _vacancies(committed_app, [f"Фрезеровщик {n}" for n in range(8)])
    [result] = maintenance.reindex(committed_app, kinds=("vacancy",))
    assert result["swapped"] and result["indexed"] == 8, result
    expected = _expected(committed_app, "vacancy")
    assert es.backend.versions("vacancy") == {i: d["version"] for i, d in expected.items()}
    assert es.backend.get_documents("vacancy", ids) == expected  # what this process would have sent
    assert {h["id"] for h in es.search_vacancies({"q": "фрезеровщика", "size": 50}).hits} == set(ids)
    assert es.backend.suggest_titles("vacancy", "фрез", 5)  # the typeahead input came along
    assert not multiprocessing.active_children()


@pytest.mark.elasticsearch
def test_a_refused_document_fails_the_elasticsearch_rebuild_and_keeps_the_old_index(es, committed_app, monkeypatch):
    welders = _vacancies(committed_app, [f"Сварщик {n}" for n in range(7)])
    _vacancies(committed_app, ["Слесарь 1", BROKEN_TITLE])
    [first] = maintenance.reindex(committed_app, kinds=("vacancy",))
    assert first["swapped"] and first["indexed"] == 9
    before = es.backend.versions("vacancy")

    monkeypatch.setattr(type(es.backend), "prepare_batch", staticmethod(prepare_unmapped))
    with pytest.raises(RuntimeError, match="not_in_the_mapping"):
        maintenance.reindex(committed_app, kinds=("vacancy",))

    assert es.backend.versions("vacancy") == before
    assert {h["id"] for h in es.search_vacancies({"q": "сварщик", "size": 50}).hits} == set(welders)
    indices = es.backend.client.indices.get(index=f"{es.backend.read_alias('vacancy')}-*")
    assert len(indices) == 1  # the half-filled new index was deleted
    assert not multiprocessing.active_children()
