"""Search, facets and matches through the API, backed by the portal's search service."""

from __future__ import annotations

from tests import factories
from tests.api.conftest import error_of


def test_vacancy_search_with_filters_and_facets(db, employer, make_caller):
    caller = make_caller(employer[1], ["vacancies:read"])
    driver = factories.vacancy(db, employer[1])
    factories.vacancy(db, employer[1], title="Повар горячего цеха", occupation_code="5120", driving_licences=[],
                      description="Приготовление блюд горячего цеха в ресторане, полный день.")
    db.commit()  # the index follows committed changes
    body = caller.get("/search/vacancies?q=водитель&size=5").get_json()
    assert body["total"] >= 1 and body["hits"][0]["id"] == driver.id
    assert body["hits"][0]["item"]["title"] == driver.title
    assert isinstance(body["facets"], dict)
    filtered = caller.get("/search/vacancies?occupation=5120").get_json()
    assert driver.id not in {h["id"] for h in filtered["hits"]}
    assert "occupation" in error_of(caller.get("/search/vacancies?occupation=99999"))["fields"]


def test_resume_search_needs_read_candidates_and_is_audited(db, employer, make_caller):
    profile, actor = factories.seeker(db)
    resume = factories.resume(db, profile, actor)
    db.commit()
    assert make_caller(employer[1], ["vacancies:read"]).get("/search/resumes?q=водитель").status_code == 403
    body = make_caller(employer[1], ["resumes:read"]).get("/search/resumes?q=водитель").get_json()
    hit = next(h for h in body["hits"] if h["id"] == resume.id)
    assert hit["item"]["seeker"]["phone"] is None


def test_matches_for_our_vacancy_and_for_a_resume(db, employer, make_caller):
    caller = make_caller(employer[1], ["vacancies:read", "resumes:read"])
    vacancy = factories.vacancy(db, employer[1])
    profile, actor = factories.seeker(db)
    resume = factories.resume(db, profile, actor)
    db.commit()
    matches = caller.get(f"/vacancies/{vacancy.id}/matches?limit=10").get_json()["items"]
    assert resume.id in {m["id"] for m in matches}
    assert all({"condition", "matched"} <= set(r) for m in matches for r in m["reasons"])
    assert caller.get(f"/resumes/{resume.id}/matches").status_code == 404  # not a resume the employer manages
    _other_org, other_actor = factories.employer(db)
    foreign = factories.vacancy(db, other_actor)
    db.commit()
    assert caller.get(f"/vacancies/{foreign.id}/matches").status_code == 404


def test_agency_matches_vacancies_for_its_candidate(db, employer, agency_api):
    vacancy = factories.vacancy(db, employer[1])
    db.commit()
    person = agency_api.post("/seekers", {"iin": factories.iin(), "last_name": "Бекова", "first_name": "Алия",
                                          "kato_code": factories.ALMATY_DISTRICT, "consent_publish": True}).get_json()
    resume = agency_api.post("/resumes", {"seeker_id": person["id"], "title": "Водитель", "occupation_code": "8332",
                                          "kato_code": factories.ALMATY_DISTRICT, "driving_licences": ["C"]}).get_json()
    agency_api.post(f"/resumes/{resume['id']}/publish", {})
    matches = agency_api.get(f"/resumes/{resume['id']}/matches").get_json()["items"]
    assert vacancy.id in {m["id"] for m in matches}
