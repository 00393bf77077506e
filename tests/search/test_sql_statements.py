"""The SQL backend answers a search with a fixed, small number of statements, and its two ways of
counting disjunctive facets (a CTE bounded by the text, or one scan per filter in use) agree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exchange.app import state
from search.service import SearchService
from search.sql_backend import SqlBackend
from tests.search.conftest import index_everything
from tests.search.fixture_set import ALMATY_REGION
from tests.support.statements import recorded_statements


@pytest.fixture(scope="module")
def sql_service(app, shared_db, fixture_data) -> SearchService:
    backend = SqlBackend(state(app).db)
    index_everything(app, backend)
    return SearchService(app, backend)


@pytest.fixture
def statements(app) -> Iterator[list[str]]:
    with recorded_statements(state(app).db.engine, starting=("SELECT", "WITH")) as seen:
        yield seen


def _facet(result, name) -> dict[str, int]:
    return {item["value"]: item["count"] for item in result.facets[name]}


@pytest.mark.parametrize(
    "params",
    [
        {"q": "водитель", "region": ALMATY_REGION, "salary_from": 150000, "schedule": "five_day"},
        {"region": ALMATY_REGION, "employment_type": "full_time", "with_salary": "1", "sort": "date"},
        {"lat": 43.25, "lon": 76.92, "radius_km": 25, "sort": "distance", "licence": "C"},
    ],
)
def test_a_search_with_every_facet_is_two_statements(sql_service, statements, params):
    query = sql_service.parse("vacancy", params)
    statements.clear()
    raw = sql_service.backend.search(query)
    assert len(statements) == 2, statements  # the page with its documents; the total with every facet
    assert {"occupation", "region", "licence", "salary_from", "published_since"} <= set(raw.facets)


def test_without_facets_a_short_first_page_is_one_statement(sql_service, statements):
    query = sql_service.parse("vacancy", {"q": "бухгалтер"})
    query.facets = False
    statements.clear()
    raw = sql_service.backend.search(query)
    assert raw.total == 2 and len(raw.hits) == 2
    assert len(statements) == 1


def test_facets_bounded_by_text_ignore_their_own_filter(sql_service, fixture_data):
    # "водитель" matches v_truck (Almaty, licence C) and v_kk_driver (Astana, licence B).
    result = sql_service.search_vacancies({"q": "водитель", "region": ALMATY_REGION, "licence": "B"})
    assert result.total == 0
    assert _facet(result, "region") == {"710000000": 1}  # licence B anywhere: the Astana driver
    assert _facet(result, "licence") == {"C": 1}  # Almaty drivers with any licence: the truck driver
    assert _facet(result, "occupation") == {}
    result = sql_service.search_vacancies({"q": "водитель", "region": ALMATY_REGION})
    assert fixture_data.keys_of(h["id"] for h in result.hits) == {"v_truck"}
    assert _facet(result, "region") == {ALMATY_REGION: 1, "710000000": 1}
    assert _facet(result, "licence") == {"C": 1}
    assert _facet(result, "with_salary") == {"true": 1}


def test_ids_bound_the_facets_too(sql_service, fixture_data):
    ids = [fixture_data["v_truck"], fixture_data["v_kk_driver"], fixture_data["v_teacher"]]
    result = sql_service.search_vacancies({"region": ALMATY_REGION}, ids=ids)
    assert fixture_data.keys_of(h["id"] for h in result.hits) == {"v_truck", "v_teacher"}
    assert _facet(result, "region") == {ALMATY_REGION: 2, "710000000": 1}
    assert _facet(result, "occupation") == {"8332": 1, "2341": 1}
