"""Index sync through the outbox, versioning, removal, expiry, rebuild with alias swap, check/fix.

These run on the configured backend (SQL embedded; Elasticsearch with real services).
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from exchange.db import utcnow
from exchange.resumes import operations as resumes
from exchange.resumes.models import Resume
from exchange.seekers import operations as seekers
from exchange.vacancies import operations as vacancies
from exchange.vacancies.models import Vacancy
from search import documents, maintenance, sync
from search.service import get_search
from tests import factories as f


@pytest.fixture()
def search(app, db):
    service = get_search(app)
    if service.backend.name == "elasticsearch":
        service.backend.reset()  # the index outlives the rolled-back transaction
    service.backend.ensure()
    yield service
    if service.backend.name == "elasticsearch":
        service.backend.reset()


def found(search, **params) -> set[int]:
    return {h["id"] for h in search.search_vacancies({"size": 100, **params}).hits}


def test_vacancy_lifecycle_is_followed_at_once(search, db):
    _, employer = f.employer(db)
    vacancy = f.vacancy(db, employer, publish=False, title="Электрик на завод")
    db.commit()
    assert found(search, q="электрик") == set()
    vacancies.publish_vacancy(db, employer, vacancy.id)
    db.commit()
    assert found(search, q="электрик") == {vacancy.id}
    vacancies.update_vacancy(db, employer, vacancy.id, {"title": "Электромонтёр", "kato_code": vacancy.kato_code,
                                                         "occupation_code": "7411", "description": vacancy.description})
    db.commit()
    assert found(search, q="завод") == set()  # the old title's word is gone
    assert found(search, q="электромонтёр") == {vacancy.id}
    assert search.backend.versions("vacancy")[vacancy.id] == vacancy.version
    vacancies.unpublish_vacancy(db, employer, vacancy.id)
    db.commit()
    assert found(search) == set()
    vacancies.publish_vacancy(db, employer, vacancy.id)
    vacancies.close_vacancy(db, employer, vacancy.id, "filled")
    db.commit()
    assert found(search) == set()


def test_an_older_version_never_overwrites_a_newer_one(search, db):
    _, employer = f.employer(db)
    vacancy = f.vacancy(db, employer, title="Оператор котельной")
    db.commit()
    old_doc = documents.build(db, "vacancy", [vacancy.id])[vacancy.id]
    vacancies.update_vacancy(db, employer, vacancy.id, {"title": "Машинист котельной", "kato_code": vacancy.kato_code,
                                                         "occupation_code": vacancy.occupation_code, "description": vacancy.description})
    db.commit()
    newer = vacancy.version
    # A late delivery of the earlier state arrives after the newer one.
    assert search.backend.apply("vacancy", [(vacancy.id, old_doc["version"], old_doc)]) == 0
    assert search.backend.versions("vacancy")[vacancy.id] == newer
    assert search.backend.get_documents("vacancy", [vacancy.id])[vacancy.id]["title"] == "Машинист котельной"
    # Re-delivering the current state is harmless (idempotent).
    sync.sync_records(search.app, "vacancy", [vacancy.id])
    assert search.backend.versions("vacancy")[vacancy.id] == newer


def test_deleted_rows_leave_the_index(search, db):
    _, employer = f.employer(db)
    vacancy = f.vacancy(db, employer)
    db.commit()
    assert vacancy.id in search.backend.versions("vacancy")
    db.execute(sa.delete(Vacancy).where(Vacancy.id == vacancy.id))
    db.commit()
    sync.sync_records(search.app, "vacancy", [vacancy.id])
    assert vacancy.id not in search.backend.versions("vacancy")


def test_hidden_resumes_and_withdrawn_consent_leave_public_search(search, db):
    _, employer = f.employer(db)
    profile, person = f.seeker(db)
    resume = f.resume(db, profile, person, title="Крановщик")
    db.commit()

    def visible() -> bool:
        return resume.id in {h["id"] for h in search.search_resumes({"q": "крановщик"}, employer).hits}

    assert visible()
    resumes.hide_resume(db, person, resume.id)
    db.commit()
    assert not visible()
    resumes.unhide_resume(db, person, resume.id)
    db.commit()
    assert visible()
    seekers.set_consents(db, person, profile.id, publish=False)
    db.commit()
    assert not visible()
    seekers.set_consents(db, person, profile.id, publish=True)
    resumes.archive_resume(db, person, resume.id)
    db.commit()
    assert resume.id not in search.backend.versions("resume")


def test_expired_resumes_are_removed_by_check(search, db):
    profile, person = f.seeker(db)
    resume = f.resume(db, profile, person)
    db.commit()
    assert resume.id in search.backend.versions("resume")
    db.execute(sa.update(Resume).where(Resume.id == resume.id).values(
        published_at=utcnow() - dt.timedelta(days=32), expires_at=utcnow() - dt.timedelta(minutes=1)))
    db.commit()
    report = {r.kind: r for r in maintenance.check(search.app)}["resume"]
    assert report.orphans == [resume.id]
    maintenance.check(search.app, fix=True)
    assert resume.id not in search.backend.versions("resume")


def test_check_lists_missing_stale_and_orphans_and_fix_repairs(search, db):
    _, employer = f.employer(db)
    b = f.vacancy(db, employer, title="Фрезеровщик")
    db.commit()
    assert all(r.ok for r in maintenance.check(search.app))
    doc_b = search.backend.get_documents("vacancy", [b.id])[b.id]
    # missing: a draft turned public by a direct write that emitted no event
    a = f.vacancy(db, employer, publish=False, title="Токарь-расточник")
    db.commit()
    db.execute(sa.update(Vacancy).where(Vacancy.id == a.id).values(status="published", published_at=utcnow()))
    db.commit()
    # stale: the row changed without its event reaching the index (e.g. a lost queue)
    db.execute(sa.update(Vacancy).where(Vacancy.id == b.id).values(title="Фрезеровщик ЧПУ", version=Vacancy.version + 1))
    db.commit()
    search.backend.apply("vacancy", [(987654, 1, {**doc_b, "id": 987654, "version": 1})])  # orphan
    report = {r.kind: r for r in maintenance.check(search.app)}["vacancy"]
    assert (report.missing, report.stale, report.orphans) == ([a.id], [b.id], [987654])
    maintenance.check(search.app, kinds=("vacancy",), fix=True)
    report = maintenance.check(search.app, kinds=("vacancy",))[0]
    assert report.ok, report
    assert found(search, q="чпу") == {b.id}


def test_rebuild_swaps_only_a_sane_index(search, db):
    _, employer = f.employer(db)
    items = [f.vacancy(db, employer, title=f"Грузчик {n}") for n in range(3)]
    db.commit()
    [result] = maintenance.reindex(search.app, kinds=("vacancy",))
    assert result["swapped"] and result["indexed"] == 3, result
    assert found(search, q="грузчик") == {v.id for v in items}
    # A rebuild that produced fewer documents than the database holds is refused; readers keep the old index.
    refused = search.backend.rebuild("vacancy", iter([[]]), expected=3, force=False)
    assert refused["swapped"] is False
    assert found(search, q="грузчик") == {v.id for v in items}


@pytest.mark.elasticsearch
def test_elasticsearch_rebuild_moves_both_aliases(search, db):
    backend = search.backend
    _, employer = f.employer(db)
    f.vacancy(db, employer)
    db.commit()
    before = list(backend.client.indices.get_alias(name=backend.read_alias("vacancy")))
    [result] = maintenance.reindex(search.app, kinds=("vacancy",))
    after_read = list(backend.client.indices.get_alias(name=backend.read_alias("vacancy")))
    after_write = list(backend.client.indices.get_alias(name=backend.write_alias("vacancy")))
    assert after_read == after_write == [result["index"]]
    assert result["index"] not in before
    assert not backend.client.indices.exists(index=before[0])


def test_seeker_events_resync_their_resumes(search, db):
    centre, centre_actor = f.centre(db)
    profile, person = f.seeker(db)
    resume = f.resume(db, profile, person)
    db.commit()
    seekers.register(db, centre_actor, profile.id, {"category": "unemployed"})
    db.commit()
    doc = search.backend.get_documents("resume", [resume.id])[resume.id]
    assert doc["centre_id"] == centre.id
