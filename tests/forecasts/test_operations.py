"""Forecast jobs: validation, drafts, overlap rule, permissions and the training-needs table."""

from __future__ import annotations

import datetime as dt

import pytest

from exchange.errors import Conflict, PermissionDenied, ValidationFailed
from exchange.forecasts import operations as forecasts
from exchange.layoffs.models import FilingStatus
from tests import factories as f

NEXT_YEAR = dt.date.today().year + 1
ALMATY, ASTANA = f.ALMATY_DISTRICT, f.ASTANA_DISTRICT
ALMATY_CITY, ASTANA_CITY = "750000000", "710000000"  # the regions of those districts


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"period_kind": "month"}, "period_kind"),
        ({"period_kind": "quarter"}, "quarter"),  # a quarter report without the quarter
        ({"period_kind": "quarter", "quarter": 5}, "quarter"),
        ({"year": 2001}, "year"),  # over
        ({"year": NEXT_YEAR + 10}, "year"),
        ({"year": "soon"}, "year"),
        ({"kato_code": ALMATY_CITY}, "kato_code"),
        ({"lines": [{"occupation_code": "9999", "count": 1}]}, "lines.0.occupation_code"),
        ({"lines": [{"occupation_code": "7212", "count": -2}]}, "lines.0.count"),
        ({"lines": [{"occupation_code": "7212", "count": 1}, {"occupation_code": "7212", "count": 2}]}, "lines.1.occupation_code"),
    ],
)
def test_bad_forecast_names_the_field(db, overrides, field):
    _, employer = f.employer(db)
    with pytest.raises(ValidationFailed) as caught:
        f.forecast(db, employer, **overrides)
    assert field in caught.value.fields


def test_good_forecast_draft_submit_amend_history(db):
    _, employer = f.employer(db)
    report = f.forecast(db, employer, period_kind="quarter", quarter=2, note="Новый цех")
    assert report.status == FilingStatus.DRAFT and report.total_jobs == 7
    forecasts.submit_forecast(db, employer, report.id)
    data = {"period_kind": "quarter", "year": NEXT_YEAR, "quarter": 2, "kato_code": ALMATY,
            "lines": [{"occupation_code": "7212", "count": 6}]}
    forecasts.update_forecast(db, employer, report.id, data)
    assert [e.action for e in report.events] == ["created", "submitted", "updated"]
    assert report.events[-1].changes["lines"][1] == [{"occupation_code": "7212", "count": 6, "qualification": None}]
    # A year forecast saved for a quarter drops the quarter.
    yearly = f.forecast(db, employer, quarter=3)
    assert yearly.quarter is None


def test_empty_forecast_cannot_be_submitted_and_periods_do_not_overlap(db):
    _, employer = f.employer(db)
    empty = f.forecast(db, employer, lines=[])
    with pytest.raises(ValidationFailed) as caught:
        forecasts.submit_forecast(db, employer, empty.id)
    assert "lines" in caught.value.fields
    f.forecast(db, employer, submit=True)  # the whole next year
    quarter = f.forecast(db, employer, period_kind="quarter", quarter=1)
    with pytest.raises(Conflict):
        forecasts.submit_forecast(db, employer, quarter.id)
    elsewhere = f.forecast(db, employer, period_kind="quarter", quarter=1, kato_code=ASTANA)
    forecasts.submit_forecast(db, employer, elsewhere.id)  # another district is another report


def test_permissions(db):
    _, employer = f.employer(db)
    _, other = f.employer(db)
    _, agency = f.agency(db)
    _, centre = f.centre(db)
    _, far_centre = f.centre(db, district=ASTANA)
    report = f.forecast(db, employer)
    with pytest.raises(PermissionDenied):
        forecasts.get_forecast(db, other, report.id)
    with pytest.raises(PermissionDenied):
        forecasts.get_forecast(db, centre, report.id)  # a draft is the employer's own
    with pytest.raises(PermissionDenied):
        f.forecast(db, agency)
    forecasts.submit_forecast(db, employer, report.id)
    assert forecasts.get_forecast(db, centre, report.id) is report
    with pytest.raises(PermissionDenied):
        forecasts.get_forecast(db, far_centre, report.id)
    with pytest.raises(PermissionDenied):
        forecasts.update_forecast(db, centre, report.id, {})
    with pytest.raises(PermissionDenied):
        forecasts.training_needs(db, employer, {"year": NEXT_YEAR})
    assert forecasts.centre_forecasts(db, far_centre, NEXT_YEAR) == []


def _registered_welder(db, centre_actor, district=ALMATY, occupation="7212"):
    from exchange.seekers import operations as seekers

    profile, actor = f.seeker(db, kato_code=district)
    f.resume(db, profile, actor, occupation_code=occupation, kato_code=district)
    seekers.register(db, centre_actor, profile.id, {"category": "unemployed"})
    return profile


def test_training_needs_on_a_hand_built_data_set(db):
    from exchange.auth import Actor

    _, centre = f.centre(db)
    _, astana_centre = f.centre(db, district=ASTANA)
    _, employer_a = f.employer(db)
    _, employer_b = f.employer(db)
    # Almaly district (ALMATY), next year:
    #   A yearly: 7212 welders 5, 2512 developers 2
    #   B Q1:     7212 welders 4
    #   B draft:  7212 welders 100 (a draft counts for nothing)
    # Astana district: A Q1: 7212 welders 3
    f.forecast(db, employer_a, submit=True)
    f.forecast(db, employer_b, submit=True, period_kind="quarter", quarter=1, lines=[{"occupation_code": "7212", "count": 4}])
    f.forecast(db, employer_b, period_kind="quarter", quarter=2, lines=[{"occupation_code": "7212", "count": 100}])
    f.forecast(db, employer_a, submit=True, period_kind="quarter", quarter=1, kato_code=ASTANA,
               lines=[{"occupation_code": "7212", "count": 3}])
    # Registered seekers with a welder's resume: 2 at the Almaly centre, 1 at Astana; one more
    # welder in Almaly is not registered, so does not count as available.
    _registered_welder(db, centre)
    _registered_welder(db, centre)
    _registered_welder(db, astana_centre, district=ASTANA)
    unregistered, actor = f.seeker(db)
    f.resume(db, unregistered, actor, occupation_code="7212")

    rows = forecasts.training_needs(db, centre, {"year": NEXT_YEAR})
    table = {(r.area_code, r.occupation_code): (r.planned, r.employers, r.available, r.gap) for r in rows}
    # The centre sees its district only: welders 5 + 4 = 9 planned by 2 employers, 2 available → gap 7;
    # developers 2 planned by 1, 0 available → gap 2. Sorted by gap, largest first.
    assert table == {(ALMATY, "7212"): (9, 2, 2, 7), (ALMATY, "2512"): (2, 1, 0, 2)}
    assert [r.occupation_code for r in rows] == ["7212", "2512"]

    # Quarter 1 only: B's 4 welders against 2 available → gap 2 (A's yearly report is not split).
    q1 = forecasts.training_needs(db, centre, {"year": NEXT_YEAR, "quarter": 1})
    assert [(r.occupation_code, r.planned, r.available, r.gap) for r in q1] == [("7212", 4, 2, 2)]

    # The country by region: Almaty city welders 9 − 2 = 7, developers 2; Astana welders 3 − 1 = 2.
    admin = Actor.system("test")
    by_region = forecasts.training_needs(db, admin, {"year": NEXT_YEAR, "group": "region"})
    assert {(r.area_code, r.occupation_code): r.gap for r in by_region} == {
        (ALMATY_CITY, "7212"): 7, (ALMATY_CITY, "2512"): 2, (ASTANA_CITY, "7212"): 2}
    only_astana = forecasts.training_needs(db, admin, {"year": NEXT_YEAR, "area": ASTANA_CITY})
    assert [(r.area_code, r.planned, r.available) for r in only_astana] == [(ASTANA, 3, 1)]
    # No reports for a year means no jobs planned: an empty table.
    assert forecasts.training_needs(db, centre, {"year": NEXT_YEAR + 1}) == []
    with pytest.raises(ValidationFailed) as caught:
        forecasts.training_needs(db, admin, {"year": NEXT_YEAR, "group": "street"})
    assert "group" in caught.value.fields
