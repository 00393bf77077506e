"""Applications through the API: an agency responds for its candidate, the employer moves it through stages."""

from __future__ import annotations

from tests import factories
from tests.api.conftest import error_of


def _candidate(agency_api) -> int:
    person = agency_api.post("/seekers", {"iin": factories.iin(), "last_name": "Жумабаев", "first_name": "Нурлан",
                                          "kato_code": factories.ALMATY_DISTRICT, "consent_publish": True}).get_json()
    resume = agency_api.post("/resumes", {"seeker_id": person["id"], "title": "Водитель", "occupation_code": "8332",
                                          "kato_code": factories.ALMATY_DISTRICT}).get_json()
    agency_api.post(f"/resumes/{resume['id']}/publish", {})
    return resume["id"]


def test_response_then_interview_and_hire(db, employer, employer_api, agency_api):
    vacancy = factories.vacancy(db, employer[1])
    db.flush()
    resume_id = _candidate(agency_api)
    created = agency_api.post("/applications", {"origin": "response", "resume_id": resume_id, "vacancy_id": vacancy.id,
                                                "cover_note": "Опыт 5 лет"})
    assert created.status_code == 201, created.get_json()
    app_id = created.get_json()["id"]
    assert created.get_json()["state"] == "new" and created.get_json()["organisation_id"] == employer[0].id
    duplicate = agency_api.post("/applications", {"origin": "response", "resume_id": resume_id, "vacancy_id": vacancy.id})
    assert duplicate.status_code in (409, 422)
    listed = employer_api.get(f"/applications?vacancy_id={vacancy.id}").get_json()["items"]
    assert [a["id"] for a in listed] == [app_id]
    moved = employer_api.post(f"/applications/{app_id}/transitions", {"to_state": "interview", "interview_kind": "individual",
                                                                       "interview_at": "2030-05-06T10:00:00+05:00",
                                                                       "interview_place": "Алматы, ул. Абая 1"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["state"] == "interview"
    assert error_of(employer_api.post(f"/applications/{app_id}/transitions", {"to_state": "flying"}))["fields"].keys() == {"to_state"}
    assert employer_api.get(f"/applications/{app_id}").get_json()["state"] == "interview"


def test_referrals_are_for_centres_only(db, employer, agency_api):
    vacancy = factories.vacancy(db, employer[1])
    db.flush()
    resume_id = _candidate(agency_api)
    response = agency_api.post("/applications", {"origin": "referral", "resume_id": resume_id, "vacancy_id": vacancy.id, "consent": True})
    assert response.status_code == 403


def test_strangers_cannot_read_an_application(db, employer, employer_api, agency_api, make_caller):
    vacancy = factories.vacancy(db, employer[1])
    db.flush()
    app_id = agency_api.post("/applications", {"origin": "response", "resume_id": _candidate(agency_api),
                                               "vacancy_id": vacancy.id}).get_json()["id"]
    _org, stranger_owner = factories.employer(db)
    db.flush()
    stranger = make_caller(stranger_owner)
    assert stranger.get(f"/applications/{app_id}").status_code == 403
    assert stranger.get("/applications").get_json()["items"] == []


def test_the_agency_that_applied_follows_the_application(db, employer, employer_api, agency, agency_api, make_caller):
    """After applying for a person, the agency reads state, stage and interview; it decides nothing."""
    from exchange.applications import operations as app_ops

    vacancy = factories.vacancy(db, employer[1])
    db.flush()
    app_id = agency_api.post("/applications", {"origin": "response", "resume_id": _candidate(agency_api),
                                               "vacancy_id": vacancy.id}).get_json()["id"]
    stage = app_ops.create_stage(db, employer[1], {"name": "Звонок рекрутёра", "state": "viewed"})
    db.flush()
    employer_api.post(f"/applications/{app_id}/transitions", {"to_state": "viewed", "stage_id": stage.id})
    employer_api.post(f"/applications/{app_id}/transitions", {"to_state": "interview", "interview_kind": "individual",
                                                               "interview_at": "2030-05-06T10:00:00+05:00",
                                                               "interview_place": "Алматы, ул. Абая 1"})
    read = agency_api.get(f"/applications/{app_id}")
    assert read.status_code == 200, read.get_json()
    body = read.get_json()
    assert body["state"] == "interview" and body["interview_at"].startswith("2030-05-06T05:00")
    assert body["interview_place"] == "Алматы, ул. Абая 1" and body["initiated_by_organisation_id"] == agency[0].id
    assert [a["id"] for a in agency_api.get("/applications").get_json()["items"]] == [app_id]
    assert [a["id"] for a in agency_api.get("/applications?state=interview").get_json()["items"]] == [app_id]
    # Reading is all: the decisions stay the employer's.
    refused = agency_api.post(f"/applications/{app_id}/transitions", {"to_state": "hired"})
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    assert agency_api.post(f"/applications/{app_id}/transitions", {"to_state": "withdrawn"}).status_code == 403
    assert employer_api.get(f"/applications/{app_id}").get_json()["state"] == "interview"


def test_stage_name_is_shown_to_the_agency(db, employer, employer_api, agency_api):
    from exchange.applications import operations as app_ops

    vacancy = factories.vacancy(db, employer[1])
    db.flush()
    app_id = agency_api.post("/applications", {"origin": "response", "resume_id": _candidate(agency_api),
                                               "vacancy_id": vacancy.id}).get_json()["id"]
    assert agency_api.get(f"/applications/{app_id}").get_json().get("stage_name") is None
    stage = app_ops.create_stage(db, employer[1], {"name": "Звонок рекрутёра", "state": "viewed"})
    db.flush()
    assert employer_api.post(f"/applications/{app_id}/transitions", {"to_state": "viewed", "stage_id": stage.id}).status_code == 200
    body = agency_api.get(f"/applications/{app_id}").get_json()
    assert body["state"] == "viewed" and body["stage_id"] == stage.id and body["stage_name"] == "Звонок рекрутёра"


def test_other_agencies_and_read_less_keys_are_refused(db, employer, agency, agency_api, make_caller):
    """Only the agency that submitted it; and only with applications:read."""
    vacancy = factories.vacancy(db, employer[1])
    db.flush()
    app_id = agency_api.post("/applications", {"origin": "response", "resume_id": _candidate(agency_api),
                                               "vacancy_id": vacancy.id}).get_json()["id"]
    _other, other_owner = factories.agency(db)
    db.flush()
    other = make_caller(other_owner)
    assert error_of(other.get(f"/applications/{app_id}"))["code"] == "forbidden"
    assert other.get("/applications").get_json()["items"] == []
    write_only = make_caller(agency[1], ["applications:write"])
    refused = write_only.get(f"/applications/{app_id}")
    assert refused.status_code == 403 and "applications:read" in error_of(refused)["message"]
