"""What makes an import line cheap, with the guarantees kept: one-step create-and-publish in the
operations, outbox events handed to the caller and inserted per chunk, and no re-reads."""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from exchange import outbox
from exchange.api import imports
from exchange.errors import ValidationFailed
from exchange.outbox import OutboxEvent
from exchange.resumes import operations as resumes
from exchange.resumes.models import Resume
from exchange.vacancies import operations as vacancies
from exchange.vacancies.models import Vacancy, VacancyStatus
from tests import factories
from tests.api.test_imports import ndjson, vacancy_line
from tests.conftest import ON_POSTGRES
from tests.support.statements import recorded_statements

VACANCY = {"title": "Оператор линии", "occupation_code": "8189", "kato_code": factories.ALMATY_DISTRICT,
           "description": "Работа на производственной линии, обучение на месте."}


def _events(db, aggregate_type: str, aggregate_id: int) -> list[tuple[str, dict]]:
    rows = db.scalars(sa.select(OutboxEvent).where(OutboxEvent.aggregate_type == aggregate_type,
                                                   OutboxEvent.aggregate_id == aggregate_id).order_by(OutboxEvent.id))
    return [(e.topic, e.payload) for e in rows]


@contextlib.contextmanager
def _statements(db) -> Iterator[collections.Counter[str]]:
    """Statements run on the session's connection inside the block, counted by their first words."""
    seen: collections.Counter[str] = collections.Counter()
    with recorded_statements(db.connection()) as statements:
        yield seen
    seen.update(" ".join(statement.split()[:3]).upper() for statement in statements)


def test_a_vacancy_created_published_is_one_insert_with_both_events(db):
    _org, actor = factories.employer(db)
    db.flush()
    with _statements(db) as seen:
        vacancy = vacancies.create_vacancy(db, actor, VACANCY, publish=True)
    assert seen["INSERT INTO VACANCIES"] == 1 and not any(k.startswith("UPDATE") for k in seen)
    assert vacancy.status == VacancyStatus.PUBLISHED and vacancy.published_at is not None and vacancy.is_public
    topics = _events(db, "vacancy", vacancy.id)
    assert [t for t, _p in topics] == ["vacancy.created", "vacancy.published"]
    assert all(p["public"] and p["version"] == vacancy.version == 1 for _t, p in topics)


def test_publishing_at_creation_checks_what_publish_checks_before_writing(db):
    _org, actor = factories.employer(db)
    db.flush()
    before = db.scalar(sa.select(sa.func.count()).select_from(Vacancy))
    with pytest.raises(ValidationFailed) as refused:
        vacancies.create_vacancy(db, actor, {**VACANCY, "description": "Коротко"}, publish=True)
    assert set(refused.value.fields) == {"description"}
    assert db.scalar(sa.select(sa.func.count()).select_from(Vacancy)) == before and not db.new
    # Without publish the same data is a valid draft, as before.
    draft = vacancies.create_vacancy(db, actor, {**VACANCY, "description": "Коротко"})
    assert draft.status == VacancyStatus.DRAFT and [t for t, _p in _events(db, "vacancy", draft.id)] == ["vacancy.created"]


def test_operations_hand_their_events_to_a_collecting_caller(db):
    _org, actor = factories.employer(db)
    db.flush()
    events: list[dict] = []
    vacancy = vacancies.create_vacancy(db, actor, VACANCY, events=events)
    vacancies.update_vacancy(db, actor, vacancy.id, {**VACANCY, "salary_from": 300000}, events=events)
    vacancies.publish_vacancy(db, actor, vacancy.id, events=events)
    vacancies.close_vacancy(db, actor, vacancy.id, "filled", events=events)
    assert _events(db, "vacancy", vacancy.id) == []  # nothing inserted yet: the caller does that
    assert [(e["topic"], e["payload"]["version"]) for e in events] == [
        ("vacancy.created", 1), ("vacancy.updated", 2), ("vacancy.published", 3), ("vacancy.closed", 4)]
    ids = outbox.emit_many(db, events)
    assert outbox.pending_count(db) >= len(ids) == 4
    assert [t for t, _p in _events(db, "vacancy", vacancy.id)] == [e["topic"] for e in events]
    assert _events(db, "vacancy", vacancy.id)[-1][1] == {**events[-1]["payload"]}


def test_a_resume_created_published_is_one_insert_and_consent_is_still_required(db):
    org, actor = factories.agency(db)
    profile, _seeker = factories.seeker(db, with_account=False, consent=False)
    profile.created_by_organisation_id = org.id
    db.flush()
    data = {"title": "Бухгалтер", "occupation_code": "2411", "kato_code": factories.ALMATY_DISTRICT}
    with pytest.raises(ValidationFailed) as refused:
        resumes.create_resume(db, actor, profile.id, data, publish={})
    assert set(refused.value.fields) == {"consent_publish"} and not db.new
    assert db.scalar(sa.select(sa.func.count()).select_from(Resume).where(Resume.seeker_id == profile.id)) == 0
    with _statements(db) as seen:
        resume = resumes.create_resume(db, actor, profile.id, data, publish={"consent_publish": True})
    assert seen["INSERT INTO RESUMES"] == 1 and "UPDATE RESUMES SET" not in seen
    assert resume.published_at is not None and resume.expires_at is not None and resume.is_public()
    assert [t for t, _p in _events(db, "resume", resume.id)] == ["resume.created", "resume.published"]
    assert profile.consent_publish_at is not None


def test_an_imported_created_line_costs_one_statement_and_events_go_in_once_per_chunk(app, db, employer_api, monkeypatch):
    from exchange.app import state

    database = state(app).db
    monkeypatch.setattr(database, "after_commit_hooks", [])  # consumers off: count the import job's own statements
    count = imports.CHUNK * 2
    response = employer_api.post("/imports?kind=vacancies&format=ndjson", data=ndjson([vacancy_line(n) for n in range(count)]))
    import_id = response.get_json()["id"]
    with _statements(db) as seen:
        assert imports.process(database, import_id) == {"created": count, "updated": 0, "failed": 0}
    assert seen["INSERT INTO VACANCIES"] == count
    assert not [k for k in seen if k.startswith("UPDATE VACANCIES")]
    # The batch's look-up by external id, and no re-read per line.
    assert sum(n for k, n in seen.items() if k.startswith("SELECT VACANCIES.")) == 1
    if ON_POSTGRES:  # one multi-row insert per chunk, then import.finished (SQLite inserts row by row, in-process)
        assert seen["INSERT INTO OUTBOX_EVENTS"] == 2 + 1
    published = db.scalar(sa.select(sa.func.count()).where(OutboxEvent.topic == "vacancy.published"))
    assert published == db.scalar(sa.select(sa.func.count()).where(OutboxEvent.topic == "vacancy.created")) == count


def test_a_line_whose_update_changed_nothing_and_then_failed_leaves_no_event(db, employer_api, employer):
    """An update to identical values writes no row yet records an event; a later refusal must drop that event too."""
    _org, actor = employer
    draft = vacancies.create_vacancy(db, actor, {**vacancy_line(1, description="Коротко"), "status": None})
    db.flush()
    lines = [vacancy_line(0), vacancy_line(1, description="Коротко"), vacancy_line(2)]  # line 2: identical, then publish refused
    response = employer_api.post("/imports?kind=vacancies&format=ndjson", data=ndjson(lines))
    job = employer_api.get(f"/imports/{response.get_json()['id']}").get_json()
    assert (job["created_count"], job["updated_count"], job["failed_count"]) == (2, 0, 1)
    assert [(e["line"], sorted(e["fields"])) for e in job["errors"]] == [(2, ["description"])]
    assert [t for t, _p in _events(db, "vacancy", draft.id)] == ["vacancy.created"]
    db.expire_all()
    assert db.get(Vacancy, draft.id).status == VacancyStatus.DRAFT


def test_a_resume_line_refused_for_its_own_fields_creates_no_person_and_good_lines_publish_with_consent(db, agency_api):
    from exchange.seekers.models import SeekerProfile

    def line(n: int, **extra) -> dict:
        return {"external_id": f"r-{n}", "title": "Бухгалтер", "occupation_code": "2411", "kato_code": factories.ALMATY_DISTRICT,
                "publish": True, "consent_publish": True, **extra,
                "seeker": {"iin": factories.iin(), "last_name": "Омарова", "first_name": f"Дина {n}", "kato_code": factories.ALMATY_DISTRICT}}

    lines = [line(1), line(2, desired_salary=-1), line(3)]
    response = agency_api.post("/imports?kind=resumes&format=ndjson", data=ndjson(lines))
    job = agency_api.get(f"/imports/{response.get_json()['id']}").get_json()
    assert (job["created_count"], job["failed_count"]) == (2, 1)
    assert [(e["line"], sorted(e["fields"])) for e in job["errors"]] == [(2, ["desired_salary"])]
    assert db.scalar(sa.select(SeekerProfile).where(SeekerProfile.iin == lines[1]["seeker"]["iin"])) is None
    made = db.scalars(sa.select(Resume).where(Resume.external_id.in_(["r-1", "r-3"]))).all()
    assert len(made) == 2
    for resume in made:
        assert resume.is_public() and resume.seeker.consent_publish_at is not None
        assert [t for t, _p in _events(db, "resume", resume.id)] == ["resume.created", "resume.published"]
    # The same file again updates and renews; nothing is created twice.
    again = agency_api.post("/imports?kind=resumes&format=ndjson", data=ndjson([lines[0]]))
    job2 = agency_api.get(f"/imports/{again.get_json()['id']}").get_json()
    assert (job2["created_count"], job2["updated_count"], job2["failed_count"]) == (0, 1, 0)
    first = next(r for r in made if r.external_id == "r-1")
    assert [t for t, _p in _events(db, "resume", first.id)][-2:] == ["resume.updated", "resume.renewed"]
