"""Matching with expected order and reasons, on every backend (fixture table in fixture_set.py)."""

from __future__ import annotations

import pytest

from exchange.errors import PermissionDenied
from search.matching import WEIGHTS, explain, passes_hard


def _by_condition(match) -> dict[str, dict]:
    return {r["condition"]: r for r in match.reasons}


def test_candidates_for_a_vacancy_in_order_with_reasons(service, fixture_data):
    matches = service.match_candidates(fixture_data["v_truck"], fixture_data.actors["employer"])
    assert [fixture_data.keys_of([m.id], "r_").pop() for m in matches] == ["r_truck", "r_taxi"]
    best, second = matches
    assert best.score > second.score
    reasons = _by_condition(best)
    assert set(reasons) == {"region", "licence", "occupation", "skills", "experience", "education", "languages", "salary",
                            "schedule", "distance"}
    assert reasons["occupation"] == {**reasons["occupation"], "matched": True, "contribution": WEIGHTS["occupation"]}
    assert reasons["skills"]["contribution"] == WEIGHTS["skills"]
    assert reasons["salary"]["matched"] is True
    assert reasons["distance"]["matched"] is True and 0 < reasons["distance"]["contribution"] <= WEIGHTS["distance"]
    # 8322 vs 8332: only the sub-major group (83) is shared.
    assert _by_condition(second)["occupation"]["contribution"] == round(WEIGHTS["occupation"] * 0.35, 2)
    assert round(sum(r["contribution"] for r in best.reasons), 2) == best.score


def test_candidates_without_the_required_licence_or_elsewhere_are_excluded(service, fixture_data):
    # r_kk_driver would relocate but has no C licence; r_welder is another occupation and did not consent.
    found = {m.id for m in service.match_candidates(fixture_data["v_truck"], fixture_data.actors["centre"])}
    assert fixture_data["r_kk_driver"] not in found
    assert fixture_data["r_welder"] not in found


def test_vacancies_for_a_resume(service, fixture_data):
    mine = service.match_vacancies(fixture_data["r_truck"], fixture_data.actors["seeker"])
    assert [m.id for m in mine] == [fixture_data["v_truck"]]
    # Willing to relocate: Astana and Almaty both qualify, but only the B-licence job fits the licences held.
    relocating = service.match_vacancies(fixture_data["r_kk_driver"], fixture_data.actors["seeker_kk"])
    assert [m.id for m in relocating] == [fixture_data["v_kk_driver"]]
    assert _by_condition(relocating[0])["occupation"]["contribution"] == WEIGHTS["occupation"]


def test_matching_is_only_for_those_involved(service, fixture_data):
    with pytest.raises(PermissionDenied):
        service.match_candidates(fixture_data["v_truck"], fixture_data.actors["employer_b"])
    with pytest.raises(PermissionDenied):
        service.match_vacancies(fixture_data["r_kk_driver"], fixture_data.actors["seeker"])


def test_hard_conditions_and_scores_of_a_pair():
    vacancy = {"occupation_code": "7212", "region_code": "750000000", "licences": ["C"], "skills": ["сварка", "чертежи"],
               "min_experience_months": 24, "education_rank": 4, "language_levels": [{"code": "kk", "level": "B2"}],
               "salary_max": 300000, "schedule": "shift", "location": None, "health_restrictions": True, "accessible": False}
    resume = {"occupation_code": "7212", "region_code": "750000000", "licences": ["C", "B"], "skills": ["Сварка"],
              "experience_months": 12, "education_rank": 5, "language_levels": [{"code": "kk", "level": "native"}],
              "salary_min": 350000, "schedule": None, "location": None, "willing_to_relocate": False, "accessibility_needs": False}
    assert passes_hard(vacancy, resume)
    score, reasons = explain(vacancy, resume)
    by = {r["condition"]: r for r in reasons}
    assert by["skills"]["contribution"] == 7.5  # one of two skills, case-insensitive
    assert by["experience"]["matched"] is False and by["experience"]["contribution"] == 2.5
    assert by["salary"]["matched"] is False and by["salary"]["contribution"] == 0
    assert by["languages"]["matched"] is True
    assert score == round(sum(r["contribution"] for r in reasons), 2)
    assert not passes_hard(vacancy, {**resume, "region_code": "710000000"})
    assert passes_hard(vacancy, {**resume, "region_code": "710000000", "willing_to_relocate": True})
    assert not passes_hard(vacancy, {**resume, "licences": ["B"]})
    assert not passes_hard(vacancy, {**resume, "accessibility_needs": True})
