"""The index serializer reads plain rows of chosen columns in bulk (``documents.build``) but must give
exactly what it gives from the ORM models, field for field; a column missing from the bulk read
would otherwise silently index as empty."""

from __future__ import annotations

import datetime as dt

from exchange.resumes import operations as resumes
from exchange.resumes.models import Resume
from exchange.vacancies.models import Vacancy
from search import documents
from tests import factories as f


def test_vacancy_documents_from_rows_equal_those_from_the_model(db):
    employer_org, employer = f.employer(db)
    vacancy = f.vacancy(
        db, employer, title="Сварщик ёмкостей", qualification="Разряд не ниже 4", skills=["аргон", "полуавтомат"],
        languages="kk:B2, ru:C1", driving_licences=["B", "C"], education_level="bachelor", min_experience_months=24,
        health_restrictions="Без противопоказаний к работе на высоте", accessible=True, lat=43.24, lon=76.91,
        employment_type="part_time", schedule="shift", kind="social_job",
    )
    db.commit()
    db.expire_all()  # the model as loaded from the database, as matching reads it
    model = db.get(Vacancy, vacancy.id)
    expected = documents.vacancy_document(db, model, employer_org.name)
    built = documents.build(db, "vacancy", [vacancy.id, vacancy.id + 10_000])
    assert built[vacancy.id] == expected
    assert built[vacancy.id + 10_000] is None  # a missing row leaves (or stays out of) the index
    assert expected["languages"] == ["kk", "ru"] and expected["health_restrictions"] and expected["location"]


def test_resume_documents_from_rows_equal_those_from_the_model(db):
    centre_org, centre = f.centre(db)
    _, seeker, resume = f.registered_seeker(db, centre, has_disability=True)
    resumes.update_resume(db, seeker, resume.id, {
        "title": resume.title, "kato_code": resume.kato_code, "occupation_code": "8332", "about": "Опыт на межгороде",
        "desired_salary": 300000, "willing_to_relocate": True, "available_from": (dt.date.today() + dt.timedelta(days=7)).isoformat(),
        "education_level": "bachelor", "lat": 43.2, "lon": 76.9,
    })
    resumes.add_work_history(db, seeker, resume.id, {
        "employer_name": "ТОО Жол", "position": "Водитель", "start_date": "2019-03-01", "end_date": "2023-05-31",
        "description": "Рейсы Алматы — Астана"})
    resumes.add_education(db, seeker, resume.id, {"level": "bachelor", "institution": "КазАДИ", "speciality": "Логистика"})
    db.commit()
    db.expire_all()  # the model as loaded from the database, as matching reads it
    model = db.get(Resume, resume.id)
    expected = documents.resume_document(db, model, centre_org.id)
    assert documents.build(db, "resume", [resume.id])[resume.id] == expected
    assert expected["centre_id"] == centre_org.id and expected["accessibility_needs"] and expected["birth_date"]
    assert "КазАДИ" in expected["description"] and "межгороде" in expected["description"]
