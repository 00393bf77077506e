"""Disjunctive facets: each facet counts with every filter except its own (issue 3, hh.kz style).

The same test lives in the shared contract suite (tests/search/test_contract.py); this copy
came with the Elasticsearch layout (post_filter plus one ``filter`` aggregation per facet that
owns a filter) and runs on both backends like the contract suite.
"""

from __future__ import annotations

from tests.search.fixture_set import ALMATY_REGION


def _facet(result, name) -> dict[str, int]:
    return {item["value"]: item["count"] for item in result.facets[name]}


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
