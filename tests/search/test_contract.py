"""The shared contract: the same queries give the same hits on every backend.

Expected results are written by hand from the table in ``fixture_set.py``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from exchange.auth import Actor
from exchange.errors import PermissionDenied, ValidationFailed
from search.params import Visibility
from tests.search.fixture_set import ALMATY_POINT, ALMATY_REGION, ASTANA_POINT


def vacancies(service, fx, **params) -> set[str]:
    result = service.search_vacancies({"size": 100, **params})
    assert result.total == len(result.hits)
    return fx.keys_of(h["id"] for h in result.hits)


def resumes(service, fx, actor, **params) -> set[str]:
    result = service.search_resumes({"size": 100, **params}, actor)
    assert result.total == len(result.hits)
    return fx.keys_of((h["id"] for h in result.hits), "r_")


PUBLIC_VACANCIES = {"v_truck", "v_kk_driver", "v_teacher", "v_accountant_1c", "v_welder", "v_accountant"}


def test_only_published_vacancies_are_found(service, fixture_data):
    assert vacancies(service, fixture_data) == PUBLIC_VACANCIES


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # Russian word forms; "водитель" is also an occupation concept (8322, 8332), so the Kazakh title matches too.
        ("водителя", {"v_truck", "v_kk_driver"}),
        ("водители", {"v_truck", "v_kk_driver"}),
        # Kazakh plural of жүргізуші: the concept and the word.
        ("жүргізушілер", {"v_truck", "v_kk_driver"}),
        ("мұғалімдер", {"v_teacher"}),
        ("бухгалтера", {"v_accountant", "v_accountant_1c"}),
        ('"грузового автомобиля"', {"v_truck"}),
        ('"автомобиля грузового"', set()),
        ("бухгалтер -1с", {"v_accountant"}),
        ("+стройку сварщик", {"v_welder"}),
        ("балалармен", {"v_teacher"}),
        ("несуществующееслово", set()),
    ],
)
def test_free_text(service, fixture_data, q, expected):
    assert vacancies(service, fixture_data, q=q) == expected


def test_recognised_concepts_are_reported(service, fixture_data):
    result = service.search_vacancies({"q": "водитель в Алматы"})
    assert [c["term"] for c in result.concepts] == ["водитель"]
    assert result.concepts[0]["codes"] == ["8322", "8332"]
    assert fixture_data.keys_of(h["id"] for h in result.hits) == {"v_truck"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"occupation": "83"}, {"v_truck", "v_kk_driver"}),
        ({"occupation": "8332"}, {"v_truck"}),
        ({"occupation": ["2341", "7212"]}, {"v_teacher", "v_welder"}),
        ({"region": ALMATY_REGION}, {"v_truck", "v_teacher", "v_welder", "v_accountant"}),
        ({"salary_from": 300000}, {"v_truck", "v_accountant_1c", "v_welder"}),
        ({"salary_to": 220000}, {"v_kk_driver", "v_accountant"}),
        ({"salary_from": 160000, "salary_to": 260000}, {"v_truck", "v_kk_driver", "v_accountant"}),
        ({"with_salary": "true"}, PUBLIC_VACANCIES - {"v_teacher"}),
        ({"employment_type": "part_time"}, {"v_kk_driver"}),
        ({"schedule": "shift"}, {"v_kk_driver"}),
        ({"working_regime": "night"}, {"v_welder"}),
        ({"min_experience": 12}, PUBLIC_VACANCIES - {"v_accountant_1c"}),
        ({"education": "bachelor"}, {"v_teacher"}),
        ({"language": "kk"}, {"v_teacher"}),
        ({"licence": "B"}, {"v_kk_driver"}),
        ({"licence": "B,C"}, {"v_kk_driver", "v_truck"}),
        ({"accessible": "1"}, {"v_kk_driver"}),
        ({"kind": "social_job"}, {"v_kk_driver"}),
        ({"kind": "public_works"}, {"v_welder"}),
        ({"published_since": "3"}, PUBLIC_VACANCIES - {"v_welder"}),
        ({"lat": ASTANA_POINT[0], "lon": ASTANA_POINT[1], "radius_km": 30}, {"v_kk_driver", "v_accountant_1c"}),
        ({"q": "водитель", "region": ALMATY_REGION, "licence": "C"}, {"v_truck"}),
    ],
)
def test_filters(service, fixture_data, params, expected):
    assert vacancies(service, fixture_data, **params) == expected


def test_employer_filter(service, fixture_data):
    assert vacancies(service, fixture_data, employer=fixture_data["employer_b"]) == {"v_kk_driver", "v_accountant_1c"}


def _facet(result, name) -> dict[str, int]:
    return {item["value"]: item["count"] for item in result.facets[name]}


def test_facets_count_the_filtered_result(service, fixture_data):
    result = service.search_vacancies({"region": ALMATY_REGION})
    assert result.total == 4
    assert _facet(result, "occupation") == {"8332": 1, "2341": 1, "7212": 1, "2411": 1}
    assert _facet(result, "region") == {ALMATY_REGION: 4, "710000000": 2}  # its own filter does not narrow it
    assert _facet(result, "kind") == {"regular": 3, "public_works": 1}
    assert _facet(result, "working_regime") == {"day": 3, "night": 1}
    assert _facet(result, "licence") == {"C": 1}
    assert _facet(result, "language") == {"kk": 1}
    assert _facet(result, "education") == {"bachelor": 1}
    assert _facet(result, "employer") == {str(fixture_data["employer_a"]): 4}
    assert _facet(result, "with_salary") == {"true": 3}
    assert _facet(result, "accessible") == {"true": 0}
    assert _facet(result, "salary_from") == {"100000": 3, "200000": 2, "300000": 2, "500000": 0, "1000000": 0}
    assert _facet(result, "min_experience") == {"0": 4, "12": 4, "36": 4, "72": 4}
    assert _facet(result, "published_since") == {"1": 3, "3": 3, "7": 3, "30": 4}
    assert "radius_km" not in result.facets
    labels = {item["value"]: item["label"] for item in result.facets["occupation"]}
    assert labels["8332"] and labels["8332"] != "8332"


def test_facet_counts_ignore_their_own_filter(service, fixture_data):
    """Each facet applies every other filter but not its own, so a visitor can widen a choice."""
    result = service.search_vacancies({"region": ALMATY_REGION, "occupation": "2411", "salary_from": 300000})
    assert result.total == 0  # the Almaty accountant earns at most 180k
    # region: accountants (2411) from 300k anywhere = the Astana 1C accountant.
    assert _facet(result, "region") == {"710000000": 1}
    # occupation: Almaty from 300k = the truck driver (350k) and the welder (400k).
    assert _facet(result, "occupation") == {"8332": 1, "7212": 1}
    # salary_from: Almaty accountants at any salary = the 150-180k one.
    assert _facet(result, "salary_from") == {"100000": 1, "200000": 0, "300000": 0, "500000": 0, "1000000": 0}
    # Facets without a filter of their own apply all three.
    assert _facet(result, "with_salary") == {"true": 0}

    result = service.search_vacancies({"licence": "B", "published_since": "3"})
    assert fixture_data.keys_of(h["id"] for h in result.hits) == {"v_kk_driver"}
    assert _facet(result, "licence") == {"B": 1, "C": 1}
    assert _facet(result, "published_since") == {"1": 1, "3": 1, "7": 1, "30": 1}
    assert _facet(result, "region") == {"710000000": 1}

    employer = fixture_data.actors["employer"]
    result = service.search_resumes({"age_from": 30, "licence": "C"}, employer)
    assert fixture_data.keys_of((h["id"] for h in result.hits), "r_") == {"r_truck", "r_taxi"}
    # age: licence C at any age = r_truck (36) and r_taxi (34).
    assert _facet(result, "age")["25-34"] == 1 and _facet(result, "age")["35-44"] == 1
    # licence: 30 or older with any licence = r_truck (C) and r_taxi (B, C).
    assert _facet(result, "licence") == {"B": 1, "C": 2}
    result = service.search_resumes({"age_to": 30}, employer)
    assert fixture_data.keys_of((h["id"] for h in result.hits), "r_") == {"r_kk_driver"}
    assert _facet(result, "age")["25-34"] == 2 and _facet(result, "age")["35-44"] == 1


def test_one_facet_filter_leaves_its_own_counts_whole(service, fixture_data):
    """With a single facet filter its facet counts the whole unfiltered set; hits and total obey it."""
    everything = service.search_vacancies({"size": 100})
    result = service.search_vacancies({"region": ALMATY_REGION, "size": 100})
    assert result.total == len(result.hits) == 4
    assert _facet(result, "region") == _facet(everything, "region")
    assert _facet(result, "kind") == {"regular": 3, "public_works": 1}


def test_radius_facet_and_distance_sort(service, fixture_data):
    result = service.search_vacancies({"lat": ALMATY_POINT[0], "lon": ALMATY_POINT[1], "sort": "distance", "size": 100})
    assert _facet(result, "radius_km")["100"] == 4
    ids = [fixture_data.keys_of([h["id"]]).pop() for h in result.hits]
    assert set(ids[:4]) == {"v_truck", "v_teacher", "v_welder", "v_accountant"}
    assert set(ids[4:]) == {"v_kk_driver", "v_accountant_1c"}
    distances = [h["distance_km"] for h in result.hits]
    assert distances == sorted(distances)


def test_sort_by_date_and_salary(service, fixture_data):
    by_date = service.search_vacancies({"sort": "date", "size": 100}).hits
    assert fixture_data.keys_of([by_date[-1]["id"]]) == {"v_welder"}
    published = [h["published_at"] for h in by_date]
    assert published == sorted(published, reverse=True)
    by_salary = service.search_vacancies({"sort": "salary", "size": 100}).hits
    assert [h["salary_max"] for h in by_salary] == [400000, 400000, 350000, 200000, 180000, None]


def test_relevance_puts_title_matches_first(service, fixture_data):
    hits = service.search_vacancies({"q": "водитель грузового"}).hits
    assert fixture_data.keys_of([hits[0]["id"]]) == {"v_truck"}
    assert hits[0]["score"] > 0


@pytest.mark.parametrize("sort", ["date", "salary", "relevance", "distance"])
def test_deep_paging_with_search_after(service, fixture_data, sort):
    params = {"sort": sort, "size": 2, "lat": ALMATY_POINT[0], "lon": ALMATY_POINT[1]}
    if sort == "relevance":
        params["q"] = "работа OR жұмыс"
        params.pop("q")
    expected = [h["id"] for h in service.search_vacancies({**params, "size": 100}).hits]
    seen, cursor = [], None
    for _ in range(10):
        page = service.search_vacancies({**params, **({"cursor": cursor} if cursor else {})})
        seen.extend(h["id"] for h in page.hits)
        assert page.total == 6
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    assert len(seen) == 6


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"occupation": "99999"}, "occupation"),
        ({"occupation": "x1"}, "occupation"),
        ({"region": "123"}, "region"),
        ({"salary_from": "abc"}, "salary_from"),
        ({"salary_from": 500, "salary_to": 100}, "salary_to"),
        ({"lat": "43.2"}, "lon"),
        ({"lat": "95", "lon": "76"}, "lat"),
        ({"radius_km": "10"}, "radius_km"),
        ({"sort": "distance"}, "sort"),
        ({"sort": "price"}, "sort"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"size": "1000"}, "size"),
        ({"kind": "volunteer"}, "kind"),
        ({"employment_type": "forever"}, "employment_type"),
        ({"language": "xx"}, "language"),
        ({"licence": "Z"}, "licence"),
        ({"education": "phd"}, "education"),
        ({"employer": "abc"}, "employer"),
        ({"employer": "999999"}, "employer"),
        ({"published_since": "yesterday"}, "published_since"),
        ({"with_salary": "maybe"}, "with_salary"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_parameters_name_the_parameter(service, fixture_data, params, name):
    with pytest.raises(ValidationFailed) as caught:
        service.search_vacancies(params)
    assert name in caught.value.fields


# --- resumes ---------------------------------------------------------------------

def test_employer_sees_public_active_candidates(service, fixture_data):
    employer = fixture_data.actors["employer"]
    assert resumes(service, fixture_data, employer) == {"r_truck", "r_kk_driver", "r_taxi"}
    assert resumes(service, fixture_data, employer, status="hidden") == set()
    assert resumes(service, fixture_data, employer, status="departed") == {"r_departed"}


def test_centre_also_sees_its_registered_seekers(service, fixture_data):
    centre = fixture_data.actors["centre"]
    assert resumes(service, fixture_data, centre) == {"r_truck", "r_kk_driver", "r_taxi", "r_welder"}
    assert resumes(service, fixture_data, centre, status="hidden") == {"r_hidden"}
    assert resumes(service, fixture_data, centre, status="departed") == {"r_departed"}


def test_seekers_and_visitors_cannot_search_candidates(service, fixture_data):
    with pytest.raises(PermissionDenied):
        service.search_resumes({}, fixture_data.actors["seeker"])
    with pytest.raises(PermissionDenied):
        service.search_resumes({}, None)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "водителя"}, {"r_truck", "r_kk_driver", "r_taxi"}),
        ({"q": "жүргізушісі"}, {"r_truck", "r_kk_driver", "r_taxi"}),
        ({"age_from": 30}, {"r_truck", "r_taxi"}),
        ({"age_to": 30}, {"r_kk_driver"}),
        ({"relocate": "1"}, {"r_kk_driver"}),
        ({"available_by": dt.date.today().isoformat()}, {"r_truck", "r_taxi"}),
        ({"min_experience": 24}, {"r_truck"}),
        ({"licence": "C"}, {"r_truck", "r_taxi"}),
        ({"salary_to": 250000}, set()),
        ({"salary_from": 250000}, {"r_truck"}),
        ({"region": ALMATY_REGION}, {"r_truck", "r_taxi"}),
        ({"occupation": "832"}, {"r_kk_driver", "r_taxi"}),
    ],
)
def test_resume_filters(service, fixture_data, params, expected):
    assert resumes(service, fixture_data, fixture_data.actors["employer"], **params) == expected


def test_resume_facets(service, fixture_data):
    result = service.search_resumes({}, fixture_data.actors["employer"])
    assert _facet(result, "licence") == {"B": 2, "C": 2}
    assert _facet(result, "relocate") == {"true": 1}
    assert _facet(result, "age")["35-44"] == 1
    assert _facet(result, "age")["25-34"] == 2


@pytest.mark.parametrize(("params", "name"), [({"status": "gone"}, "status"), ({"age_from": 5}, "age_from"),
                                              ({"age_from": 40, "age_to": 30}, "age_to"), ({"available_by": "soon"}, "available_by")])
def test_bad_resume_parameters(service, fixture_data, params, name):
    with pytest.raises(ValidationFailed) as caught:
        service.search_resumes(params, fixture_data.actors["employer"])
    assert name in caught.value.fields


def test_expired_resumes_are_filtered_at_query_time(service, fixture_data):
    """A resume whose term ran out disappears even before the expiry job removes it."""
    query = service.parse("resume", {"size": 100})
    query.visibility = Visibility(public=True)
    query.now = query.now + dt.timedelta(days=40)  # beyond every one-month publication
    assert service.run(query).total == 0


def test_ids_restrict_the_search(service, fixture_data):
    ids = [fixture_data["v_truck"], fixture_data["v_draft"]]
    assert vacancies_by_ids(service, fixture_data, ids) == {"v_truck"}


def vacancies_by_ids(service, fx, ids) -> set[str]:
    return fx.keys_of(h["id"] for h in service.search_vacancies({}, None, ids=ids).hits)


def test_typeahead_offers_titles_and_occupations(service, fixture_data):
    suggestions = service.typeahead("вод")
    texts = [s["text"] for s in suggestions]
    assert "водитель" in texts
    assert "водитель грузового автомобиля" in texts
    occupation = next(s for s in suggestions if s["text"] == "водитель")
    assert occupation["type"] == "occupation" and occupation["codes"] == ["8322", "8332"]
    assert service.typeahead("в") == []


def test_system_actor_sees_everything(service, fixture_data):
    assert "r_hidden" in resumes(service, fixture_data, Actor.system(), status="hidden")
