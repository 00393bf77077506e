"""Layoff notices: validation, drafts, history, permissions, and the conversion to seekers."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from exchange.errors import Conflict, PermissionDenied, ValidationFailed
from exchange.layoffs import operations as layoffs
from exchange.layoffs.models import FilingStatus, LayoffEvent
from exchange.outbox import OutboxEvent
from exchange.resumes.models import Resume, Visibility
from exchange.seekers.models import SeekerCategory, SeekerProfile
from tests import factories as f

ASTANA = f.ASTANA_DISTRICT


def _future(days: int = 40) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def test_good_notice_is_saved_as_draft_with_history(db):
    _, employer = f.employer(db)
    notice = f.layoff_notice(db, employer)
    assert notice.status == FilingStatus.DRAFT
    assert [p.occupation_code for p in notice.positions] == ["7212"]
    assert notice.people[0].consented and notice.people[0].seeker_id is None
    assert [e.action for e in notice.events] == ["created"]
    assert db.scalar(sa.select(OutboxEvent.topic).where(OutboxEvent.aggregate_id == notice.id,
                                                         OutboxEvent.aggregate_type == "layoff_notice")) == "layoff.created"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "bankruptcy"}, "reason"),
        ({"planned_date": "2001-01-01"}, "planned_date"),
        ({"planned_date": None}, "planned_date"),
        ({"people_count": 0}, "people_count"),
        ({"kato_code": "750000000"}, "kato_code"),  # a whole region, not a district
        ({"kato_code": "999999999"}, "kato_code"),
        ({"contact_phone": "12"}, "contact_phone"),
        ({"positions": [{"title": "Сварщик", "occupation_code": "72", "count": 3}]}, "positions.0.occupation_code"),
        ({"positions": [{"title": "Сварщик", "occupation_code": "7212", "count": 0}]}, "positions.0.count"),
        ({"people": [{"iin": "123456789012", "last_name": "Омаров", "first_name": "Данияр"}]}, "people.0.iin"),
        ({"people": [{"iin": f.iin("850315"), "first_name": "Данияр"}]}, "people.0.last_name"),
    ],
)
def test_bad_notice_names_the_field(db, overrides, field):
    _, employer = f.employer(db)
    with pytest.raises(ValidationFailed) as caught:
        f.layoff_notice(db, employer, **overrides)
    assert field in caught.value.fields


def test_duplicate_iin_and_too_many_people_are_refused(db):
    _, employer = f.employer(db)
    person = {"iin": f.iin("850315"), "last_name": "Омаров", "first_name": "Данияр"}
    with pytest.raises(ValidationFailed) as caught:
        f.layoff_notice(db, employer, people=[person, dict(person)])
    assert "people.1.iin" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        f.layoff_notice(db, employer, people_count=1, positions=[{"title": "Сварщик", "occupation_code": "7212", "count": 1}],
                        people=[person, {**person, "iin": f.iin("860101")}])
    assert "people" in caught.value.fields


def test_submit_needs_positions_adding_up(db):
    _, employer = f.employer(db)
    notice = f.layoff_notice(db, employer, positions=[])
    with pytest.raises(ValidationFailed) as caught:
        layoffs.submit_notice(db, employer, notice.id)
    assert "positions" in caught.value.fields
    notice = f.layoff_notice(db, employer, people_count=5)  # positions say 3
    with pytest.raises(ValidationFailed) as caught:
        layoffs.submit_notice(db, employer, notice.id)
    assert "people_count" in caught.value.fields
    layoffs.update_notice(db, employer, notice.id, {**_data(notice), "people_count": 3})
    layoffs.submit_notice(db, employer, notice.id)
    assert notice.status == FilingStatus.SUBMITTED and notice.submitted_at is not None
    with pytest.raises(Conflict):
        layoffs.submit_notice(db, employer, notice.id)


def _data(notice) -> dict:
    return {
        "reason": notice.reason.value, "planned_date": notice.planned_date.isoformat(), "people_count": notice.people_count,
        "kato_code": notice.kato_code, "positions": [{"title": p.title, "occupation_code": p.occupation_code, "count": p.count}
                                                     for p in notice.positions],
        "people": [{"iin": p.iin, "last_name": p.last_name, "first_name": p.first_name, "consent_publish": p.consented}
                   for p in notice.people],
    }


def test_amendment_is_recorded_field_by_field(db):
    _, employer = f.employer(db)
    notice = f.layoff_notice(db, employer, submit=True)
    new_date = _future(60)
    layoffs.update_notice(db, employer, notice.id, {**_data(notice), "planned_date": new_date, "reason": "liquidation"})
    event = db.scalars(sa.select(LayoffEvent).where(LayoffEvent.notice_id == notice.id).order_by(LayoffEvent.id.desc())).first()
    assert event.action == "updated"
    assert event.changes["planned_date"][1] == new_date
    assert event.changes["reason"] == ["staff_reduction", "liquidation"]
    # Saving the same values again records nothing new.
    count = len(notice.events)
    layoffs.update_notice(db, employer, notice.id, _data(notice))
    db.refresh(notice)
    assert len(notice.events) == count


def test_withdrawn_notice_is_frozen(db):
    _, employer = f.employer(db)
    notice = f.layoff_notice(db, employer, submit=True)
    layoffs.withdraw_notice(db, employer, notice.id, {"note": "Заказ продлён"})
    with pytest.raises(Conflict):
        layoffs.update_notice(db, employer, notice.id, _data(notice))


def test_permissions_employer_own_only_centre_own_district_only(db):
    _, employer = f.employer(db)
    _, other_employer = f.employer(db)
    _, centre = f.centre(db)
    _, far_centre = f.centre(db, district=ASTANA)
    _, agency = f.agency(db)
    _seeker, seeker_actor = f.seeker(db)
    draft = f.layoff_notice(db, employer)
    with pytest.raises(PermissionDenied):
        layoffs.get_notice(db, other_employer, draft.id)
    with pytest.raises(PermissionDenied):
        layoffs.update_notice(db, other_employer, draft.id, _data(draft))
    with pytest.raises(PermissionDenied):  # the centre does not see drafts
        layoffs.get_notice(db, centre, draft.id)
    with pytest.raises(PermissionDenied):
        f.layoff_notice(db, agency)
    with pytest.raises(PermissionDenied):
        f.layoff_notice(db, seeker_actor)
    layoffs.submit_notice(db, employer, draft.id)
    assert layoffs.get_notice(db, centre, draft.id) is draft
    with pytest.raises(PermissionDenied):
        layoffs.get_notice(db, far_centre, draft.id)
    assert draft in layoffs.centre_notices(db, centre)
    assert draft not in layoffs.centre_notices(db, far_centre)
    # A centre asking for another area still gets its own district only.
    assert draft not in layoffs.centre_notices(db, far_centre, area="750000000")
    with pytest.raises(PermissionDenied):
        layoffs.centre_notices(db, employer)
    assert layoffs.organisation_notices(db, employer, employer.organisation_id) == [draft]
    with pytest.raises(PermissionDenied):
        layoffs.organisation_notices(db, other_employer, employer.organisation_id)
    with pytest.raises(PermissionDenied):
        layoffs.convert_people(db, far_centre, draft.id)


def test_conversion_publishes_only_consenting_people(db):
    _, employer = f.employer(db)
    centre_org, centre = f.centre(db)
    consenting = {"iin": f.iin("850315"), "last_name": "Омаров", "first_name": "Данияр", "position": "Сварщик",
                  "occupation_code": "7212", "consent_publish": True}
    refusing = {"iin": f.iin("870707"), "last_name": "Ким", "first_name": "Виктор", "position": "Сварщик",
                "consent_publish": False}
    notice = f.layoff_notice(db, employer, people=[consenting, refusing], submit=True)
    result = layoffs.convert_people(db, centre, notice.id)
    assert [p.iin for p in result.converted] == [consenting["iin"]]
    assert [p.iin for p in result.without_consent] == [refusing["iin"]]
    # Nothing is published about the person without consent.
    assert db.scalar(sa.select(SeekerProfile).where(SeekerProfile.iin == refusing["iin"])) is None
    profile = db.scalar(sa.select(SeekerProfile).where(SeekerProfile.iin == consenting["iin"]))
    assert profile.category == SeekerCategory.TO_BE_LAID_OFF
    assert profile.consent_publish_at is not None
    assert profile.current_registration.centre_id == centre_org.id
    assert profile.current_registration.category == SeekerCategory.TO_BE_LAID_OFF
    resume = db.get(Resume, notice.people[0].resume_id)
    assert resume.seeker_id == profile.id and resume.occupation_code == "7212" and resume.title == "Сварщик"
    assert resume.is_public() and resume.visibility == Visibility.ACTIVE
    assert resume.available_from == notice.planned_date
    assert notice.events[-1].action == "converted"
    # Running it again converts nobody twice.
    again = layoffs.convert_people(db, centre, notice.id)
    assert again.converted == [] and [p.iin for p in again.already] == [consenting["iin"]]


def test_consent_recorded_by_the_centre_then_conversion(db):
    _, employer = f.employer(db)
    _, centre = f.centre(db)
    person = {"iin": f.iin("870707"), "last_name": "Ким", "first_name": "Виктор", "consent_publish": False}
    notice = f.layoff_notice(db, employer, people=[person], submit=True)
    assert layoffs.convert_people(db, centre, notice.id).converted == []
    layoffs.record_contact(db, centre, notice.people[0].id, {"consent_publish": True, "note": "Согласен по телефону",
                                                              "phone": "+77017778899"})
    assert notice.people[0].contacted_at is not None and notice.people[0].phone == "+77017778899"
    converted = layoffs.convert_people(db, centre, notice.id).converted
    assert len(converted) == 1
    # One position on the notice: the resume takes its title and occupation.
    resume = db.get(Resume, converted[0].resume_id)
    assert (resume.title, resume.occupation_code) == ("Сварщик", "7212")
    with pytest.raises(Conflict):  # consent cannot be withdrawn here once published
        layoffs.record_contact(db, centre, notice.people[0].id, {"consent_publish": False})


def test_existing_seeker_is_linked_not_duplicated(db):
    _, employer = f.employer(db)
    _, centre = f.centre(db)
    profile, _ = f.seeker(db)
    notice = f.layoff_notice(db, employer, submit=True, people=[
        {"iin": profile.iin, "last_name": profile.last_name, "first_name": profile.first_name, "consent_publish": True}])
    result = layoffs.convert_people(db, centre, notice.id)
    assert result.converted[0].seeker_id == profile.id
    assert db.scalar(sa.select(sa.func.count()).select_from(SeekerProfile).where(SeekerProfile.iin == profile.iin)) == 1
    assert profile.current_registration.category == SeekerCategory.TO_BE_LAID_OFF


def test_one_bad_person_does_not_stop_the_others(db):
    _, employer = f.employer(db)
    _, centre = f.centre(db)
    child = {"iin": f.iin("200101", 6), "last_name": "Юный", "first_name": "Тимур", "consent_publish": True}  # age < 14
    adult = {"iin": f.iin("800202"), "last_name": "Садыков", "first_name": "Арман", "consent_publish": True}
    notice = f.layoff_notice(db, employer, people=[child, adult], submit=True)
    result = layoffs.convert_people(db, centre, notice.id)
    assert [p.iin for p in result.converted] == [adult["iin"]]
    assert [p.iin for p, _ in result.failed] == [child["iin"]]
    assert "14" in result.failed[0][1]  # the age range, in whatever language
    assert notice.people[0].seeker_id is None


def test_employer_cannot_drop_a_published_person(db):
    _, employer = f.employer(db)
    _, centre = f.centre(db)
    notice = f.layoff_notice(db, employer, submit=True)
    layoffs.convert_people(db, centre, notice.id)
    with pytest.raises(ValidationFailed) as caught:
        layoffs.update_notice(db, employer, notice.id, {**_data(notice), "people": []})
    assert "people" in caught.value.fields
