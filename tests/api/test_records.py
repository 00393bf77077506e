"""Vacancies, resumes and seekers through the API: contracts, ownership, scopes, errors, audit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from exchange.audit import AuditEntry
from exchange.auth import SCOPES
from tests import factories
from tests.api.conftest import error_of

VACANCY = {
    "title": "Сварщик", "occupation_code": "7212", "kato_code": factories.ALMATY_DISTRICT,
    "description": "Сварка металлоконструкций на производстве, официальное оформление.", "salary_from": 300000,
    "positions": 2, "external_id": "v-1",
}


def _person(**extra):
    return {"iin": factories.iin(), "last_name": "Ахметов", "first_name": "Ерлан", "kato_code": factories.ALMATY_DISTRICT,
            "phone": "+77015550011", "consent_publish": True, "consent_verification": True, **extra}


def test_employer_vacancy_lifecycle(employer_api, employer):
    created = employer_api.post("/vacancies", VACANCY)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "draft" and body["organisation_id"] == employer[0].id and body["external_id"] == "v-1"
    vid = body["id"]
    assert employer_api.post(f"/vacancies/{vid}/publish").get_json()["status"] == "published"
    updated = employer_api.put(f"/vacancies/{vid}", {**VACANCY, "title": "Сварщик 5 разряда"})
    assert updated.status_code == 200 and updated.get_json()["title"] == "Сварщик 5 разряда"
    assert employer_api.post(f"/vacancies/{vid}/hide").get_json()["status"] == "draft"
    assert error_of(employer_api.post(f"/vacancies/{vid}/hide"))["code"] == "conflict"
    closed = employer_api.post(f"/vacancies/{vid}/close", {"reason": "filled"})
    assert closed.get_json()["status"] == "closed" and closed.get_json()["close_reason"] == "filled"
    assert employer_api.post(f"/vacancies/{vid}/close", {"reason": "whatever"}).status_code == 422
    assert employer_api.post(f"/vacancies/{vid}/reopen").get_json()["status"] == "draft"
    listed = employer_api.get("/vacancies?status=draft").get_json()
    assert [v["id"] for v in listed["items"]] == [vid] and listed["next_cursor"] is None


def test_validation_errors_name_fields(employer_api):
    response = employer_api.post("/vacancies", {"title": "", "kato_code": "nowhere", "salary_from": -5})
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert {"title", "salary_from"} <= set(fields)
    assert "kato_code" in error_of(employer_api.post("/vacancies", {**VACANCY, "kato_code": "nowhere"}))["fields"]
    assert employer_api.post("/vacancies", data="not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert employer_api.post("/vacancies", json=[1, 2]).status_code == 400
    assert employer_api.post("/vacancies", {**VACANCY, "title": "a\x00b"}).status_code == 400


def test_paging_by_cursor(employer_api):
    ids = [employer_api.post("/vacancies", {**VACANCY, "external_id": f"p-{i}"}).get_json()["id"] for i in range(5)]
    first = employer_api.get("/vacancies?limit=2").get_json()
    second = employer_api.get(f"/vacancies?limit=2&cursor={first['next_cursor']}").get_json()
    third = employer_api.get(f"/vacancies?limit=2&cursor={second['next_cursor']}").get_json()
    seen = [v["id"] for page in (first, second, third) for v in page["items"]]
    assert seen == ids and third["next_cursor"] is None
    assert error_of(employer_api.get("/vacancies?cursor=garbage"))["fields"].keys() == {"cursor"}


def test_agency_posts_for_an_employer_and_others_cannot_touch_it(db, agency_api, employer, make_caller):
    created = agency_api.post("/vacancies", {**VACANCY, "organisation_id": employer[0].id})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["source"] == "agency" and body["organisation_id"] == employer[0].id
    _other_org, other_owner = factories.agency(db)
    db.flush()
    other = make_caller(other_owner)
    assert other.put(f"/vacancies/{body['id']}", VACANCY).status_code == 403
    assert other.get(f"/vacancies/{body['id']}").status_code == 404  # a draft is not public
    assert other.get("/vacancies/2147483648").status_code == 404
    assert other.get("/vacancies/999999").status_code == 404


def test_agency_registers_a_person_and_manages_the_resume(db, agency_api, agency):
    person = agency_api.post("/seekers", _person())
    assert person.status_code == 201, person.get_json()
    seeker_id = person.get_json()["id"]
    duplicate = agency_api.post("/seekers", {**_person(), "iin": person.get_json()["iin"]})
    assert duplicate.status_code == 422 and "iin" in error_of(duplicate)["fields"]
    resume = agency_api.post("/resumes", {"seeker_id": seeker_id, "title": "Сварщик", "occupation_code": "7212",
                                          "kato_code": factories.ALMATY_DISTRICT, "external_id": "r-1"})
    assert resume.status_code == 201, resume.get_json()
    rid = resume.get_json()["id"]
    assert resume.get_json()["seeker"]["phone"] == "+77015550011"
    published = agency_api.post(f"/resumes/{rid}/publish", {})
    assert published.status_code == 200 and published.get_json()["published_at"]
    assert agency_api.post(f"/resumes/{rid}/hide").get_json()["visibility"] == "hidden"
    assert agency_api.post(f"/resumes/{rid}/unhide").get_json()["visibility"] == "active"
    history = agency_api.post(f"/resumes/{rid}/work-history", {"employer_name": "ТОО Металл", "position": "Сварщик",
                                                                "start_date": "2015-03-01", "end_date": "2020-05-31"})
    assert history.status_code == 201
    assert agency_api.get(f"/resumes/{rid}").get_json()["experience_months"] > 60
    assert agency_api.get("/resumes?external_id=r-1").get_json()["items"][0]["id"] == rid
    assert agency_api.post(f"/resumes/{rid}/close").get_json()["visibility"] == "archived"
    assert agency_api.get(f"/seekers/{seeker_id}").get_json()["last_name"] == "Ахметов"
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.via == "api", AuditEntry.subject_type.in_(("resume", "seeker")))) >= 3


def test_public_resume_hides_contacts_from_other_organisations(db, employer_api):
    profile, actor = factories.seeker(db)
    resume = factories.resume(db, profile, actor)
    db.flush()
    body = employer_api.get(f"/resumes/{resume.id}").get_json()
    assert body["seeker"]["first_name"] == profile.first_name
    assert body["seeker"]["phone"] is None and body["seeker"]["last_name"] is None
    assert employer_api.get(f"/seekers/{profile.id}").status_code == 403
    entry = db.scalar(sa.select(AuditEntry).where(AuditEntry.subject_type == "resume", AuditEntry.subject_id == resume.id))
    assert entry is not None and entry.via == "api"


SCOPE_MATRIX = [
    # (method, path builder, body, scope that opens it)
    ("GET", lambda ids: "/vacancies", None, "vacancies:write"),
    ("POST", lambda ids: "/vacancies", VACANCY, "vacancies:write"),
    ("GET", lambda ids: f"/vacancies/{ids['public_vacancy']}", None, "vacancies:read"),
    ("GET", lambda ids: f"/resumes/{ids['public_resume']}", None, "resumes:read"),
    ("GET", lambda ids: "/resumes", None, "resumes:write"),
    ("POST", lambda ids: "/seekers", None, "resumes:write"),
    ("GET", lambda ids: "/applications", None, "applications:read"),
    ("POST", lambda ids: "/applications", None, "applications:write"),
    ("GET", lambda ids: "/webhooks", None, "webhooks:manage"),
    ("GET", lambda ids: "/changes?types=resume", None, "resumes:read"),
    ("GET", lambda ids: "/snapshot/vacancies", None, "vacancies:read"),
    ("GET", lambda ids: f"/organisations/{ids['other_org']}", None, "vacancies:read"),
]


@pytest.mark.parametrize("scope", SCOPES)
def test_permission_matrix(db, employer, make_caller, scope):
    """Each key reaches exactly the endpoints its scope opens; the rest answer 403 with the scope named."""
    profile, actor = factories.seeker(db)
    public_resume = factories.resume(db, profile, actor)
    other_org, other_actor = factories.employer(db)
    public_vacancy = factories.vacancy(db, other_actor)
    db.flush()
    ids = {"public_vacancy": public_vacancy.id, "public_resume": public_resume.id, "other_org": other_org.id}
    caller = make_caller(employer[1], [scope])
    for method, path, body, needed in SCOPE_MATRIX:
        payload = body if body is not None else ({} if method == "POST" else None)
        response = caller.call(method, path(ids), json=payload)
        if needed == scope:
            assert response.status_code not in (401, 403), (method, path(ids), response.get_json())
        else:
            assert response.status_code == 403, (scope, method, path(ids), response.status_code)
            assert error_of(response)["code"] == "forbidden"
