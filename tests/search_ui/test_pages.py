"""Search pages: the public vacancy search, candidate search, matching tabs, typeahead, saved filters."""

from __future__ import annotations

import pytest

from search.models import SavedFilter
from search.service import get_search
from tests import factories as f


@pytest.fixture()
def indexed(app, db):
    backend = get_search(app).backend
    if backend.name == "elasticsearch":
        backend.reset()
    backend.ensure()
    yield
    if backend.name == "elasticsearch":
        backend.reset()


def test_vacancy_search_page_with_filters_facets_and_concepts(client, db, indexed):
    _, employer = f.employer(db)
    truck = f.vacancy(db, employer, title="Водитель грузовика")
    f.vacancy(db, employer, title="Повар", occupation_code="5120", driving_licences=[])
    db.commit()
    page = client.get("/vacancies?q=водителя&licence=C")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Водитель грузовика" in html and "Повар" not in html
    assert 'id="facet-occupation"' in html  # facets with counts
    assert "8332" in html  # the recognised concept's codes
    assert f'href="/vacancies/{truck.id}"' in html
    assert 'name="sort"' in html


def test_bad_parameter_answers_422_naming_it(client, db, indexed):
    page = client.get("/vacancies?region=12345")
    assert page.status_code == 422
    assert "<strong>region</strong>" in page.get_data(as_text=True)


def test_empty_result_has_a_clear_empty_state(client, db, indexed):
    page = client.get("/vacancies?q=несуществующееслово")
    assert page.status_code == 200
    assert "/vacancies" in page.get_data(as_text=True) and "card-vacancy" not in page.get_data(as_text=True)
    assert "border rounded bg-body-tertiary" in page.get_data(as_text=True)  # the empty_state macro


def test_more_results_link_follows_the_cursor(client, db, indexed):
    _, employer = f.employer(db)
    for n in range(3):
        f.vacancy(db, employer, title=f"Кассир {n}")
    db.commit()
    first = client.get("/vacancies?q=кассир&size=2&sort=date").get_data(as_text=True)
    assert "cursor=" in first
    cursor = first.split("cursor=", 1)[1].split('"', 1)[0].split("&", 1)[0]
    second = client.get(f"/vacancies?q=кассир&size=2&sort=date&cursor={cursor}").get_data(as_text=True)
    assert first.count("card-vacancy") == 2
    assert second.count("card-vacancy") == 1


def test_typeahead_json(client, db, indexed):
    answer = client.get("/search/typeahead?q=свар&kind=vacancy")
    assert answer.status_code == 200
    assert any(s["text"] == "сварщик" for s in answer.get_json()["suggestions"])
    assert client.get("/search/typeahead?q=свар&kind=resume").status_code == 403


def test_candidate_search_for_employers_only(client, db, sign_in, indexed):
    org, employer = f.employer(db)
    profile, person = f.seeker(db)
    f.resume(db, profile, person, title="Сварщик аргонщик", occupation_code="7212")
    db.commit()
    sign_in(person.user)
    assert client.get("/search/candidates").status_code == 403
    client.post("/sign-out")
    sign_in(employer.user)
    page = client.get("/search/candidates?q=сварщик")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Сварщик аргонщик" in html
    assert profile.phone not in html  # no contacts without an application or consent to share
    saved = client.post("/search/candidates/filters", data={"name": "Сварщики", "q": "сварщик"})
    assert saved.status_code == 302
    assert db.query(SavedFilter).filter_by(organisation_id=org.id, name="Сварщики").one().params == {"q": ["сварщик"]}
    assert "Сварщики" in client.get("/search/candidates").get_data(as_text=True)


def test_matching_tabs(client, db, sign_in, indexed):
    _, employer = f.employer(db)
    vacancy = f.vacancy(db, employer)
    profile, person = f.seeker(db)
    resume = f.resume(db, profile, person)
    db.commit()
    sign_in(employer.user)
    page = client.get(f"/search/vacancies/{vacancy.id}/candidates").get_data(as_text=True)
    assert resume.title in page and "<details" in page
    client.post("/sign-out")
    sign_in(person.user)
    page = client.get(f"/search/resumes/{resume.id}/vacancies").get_data(as_text=True)
    assert vacancy.title in page
    assert client.get(f"/search/vacancies/{vacancy.id}/candidates").status_code == 403


def test_cabinet_lists_link_to_matching(client, db, sign_in, indexed):
    _, employer = f.employer(db)
    vacancy = f.vacancy(db, employer)
    db.commit()
    sign_in(employer.user)
    assert f"/search/vacancies/{vacancy.id}/candidates" in client.get("/cabinet/vacancies/").get_data(as_text=True)
