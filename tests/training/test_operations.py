"""Training applications: validation, who files for whom, the centre's decision, who sees what."""

from __future__ import annotations

import pytest

from exchange.errors import Conflict, PermissionDenied, ValidationFailed
from exchange.training import operations as training
from exchange.training.models import TrainingForm, TrainingStatus
from tests import factories as f

ASTANA = f.ASTANA_DISTRICT


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"occupation_code": None}, "occupation_code"),
        ({"occupation_code": "721"}, "occupation_code"),  # a group, not an occupation
        ({"form": "university"}, "form"),
        ({"preferred_kato_code": "123"}, "preferred_kato_code"),
        ({"kato_code": "750000000"}, "kato_code"),
        ({"motivation": "x" * 3001}, "motivation"),
    ],
)
def test_seeker_application_validation(db, overrides, field):
    _profile, seeker = f.seeker(db)
    with pytest.raises(ValidationFailed) as caught:
        f.training_application(db, seeker, **overrides)
    assert field in caught.value.fields


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"iin": "111111111111"}, "iin"),
        ({"full_name": "Я"}, "full_name"),
        ({"phone": "abc"}, "phone"),
        ({"kato_code": None}, "kato_code"),
    ],
)
def test_named_application_validation(db, overrides, field):
    _, employer = f.employer(db)
    with pytest.raises(ValidationFailed) as caught:
        f.training_application(db, employer, **overrides)
    assert field in caught.value.fields


def test_seeker_applies_for_themselves(db):
    profile, seeker = f.seeker(db)
    item = f.training_application(db, seeker, motivation="Хочу стать сварщиком")
    assert (item.seeker_id, item.iin, item.full_name) == (profile.id, profile.iin, profile.full_name)
    assert item.form == TrainingForm.SHORT_COURSE and item.kato_code == profile.kato_code
    assert item.status == TrainingStatus.DRAFT and item.filed_by_organisation_id is None
    training.update_application(db, seeker, item.id, {"occupation_code": "7212", "form": "tve",
                                                      "preferred_kato_code": ASTANA})
    assert item.events[-1].changes["form"] == ["short_course", "tve"]
    training.submit_application(db, seeker, item.id)
    assert item.status == TrainingStatus.SUBMITTED
    assert training.applications_for_seeker(db, seeker) == [item]


def test_seeker_without_profile_is_told_to_fill_it(db):
    person = f.user(db)
    with pytest.raises(Conflict):
        f.training_application(db, f.actor_for(db, person))


def test_employer_names_a_person_who_then_sees_the_status(db):
    _, centre = f.centre(db)
    profile, seeker = f.seeker(db)
    employer_org, employer = f.employer(db)
    item = f.training_application(db, employer, iin=profile.iin, full_name=profile.full_name, employer_commitment=True)
    assert item.seeker_id == profile.id and item.employer_commitment
    assert training.applications_for_seeker(db, seeker) == []  # not a draft of someone else's
    training.submit_application(db, employer, item.id)
    assert training.applications_for_seeker(db, seeker) == [item]
    assert training.get_application(db, seeker, item.id) is item
    training.decide(db, centre, item.id, {"decision": "approve"})
    assert item.status == TrainingStatus.APPROVED and item.decision_centre_id == centre.organisation_id
    assert training.applications_of_organisation(db, employer, employer_org.id) == [item]
    with pytest.raises(Conflict):
        training.update_application(db, employer, item.id, {})


def test_agency_application_has_no_employer_commitment(db):
    _, agency = f.agency(db)
    item = f.training_application(db, agency, employer_commitment=True)
    assert item.employer_commitment is False and item.seeker_id is None


def test_refusal_needs_a_reason_and_only_the_district_centre_decides(db):
    _, centre = f.centre(db)
    _, far_centre = f.centre(db, district=ASTANA)
    _, seeker = f.seeker(db)
    item = f.training_application(db, seeker)
    with pytest.raises(PermissionDenied):
        training.get_application(db, centre, item.id)  # drafts stay with the filer
    training.submit_application(db, seeker, item.id)
    with pytest.raises(PermissionDenied):
        training.decide(db, far_centre, item.id, {"decision": "refuse", "reason": "Нет мест"})
    with pytest.raises(ValidationFailed) as caught:
        training.decide(db, centre, item.id, {"decision": "refuse"})
    assert "reason" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        training.decide(db, centre, item.id, {"decision": "maybe"})
    assert "decision" in caught.value.fields
    training.decide(db, centre, item.id, {"decision": "refuse", "reason": "Курсы набраны, подайте в следующем квартале"})
    assert item.status == TrainingStatus.REFUSED and item.decision_reason.startswith("Курсы")
    assert [e.action for e in item.events] == ["created", "submitted", "refused"]
    with pytest.raises(Conflict):
        training.decide(db, centre, item.id, {"decision": "approve"})
    assert item in training.centre_queue(db, centre)
    assert training.centre_queue(db, far_centre) == []


def test_duplicate_pending_application_is_refused(db):
    _, seeker = f.seeker(db)
    f.training_application(db, seeker, submit=True)
    second = f.training_application(db, seeker)
    with pytest.raises(Conflict):
        training.submit_application(db, seeker, second.id)


def test_strangers_see_nothing_and_the_person_may_withdraw(db):
    profile, seeker = f.seeker(db)
    _, other_seeker = f.seeker(db)
    _, employer = f.employer(db)
    _, other_employer = f.employer(db)
    item = f.training_application(db, employer, iin=profile.iin, full_name=profile.full_name, submit=True)
    for stranger in (other_seeker, other_employer):
        with pytest.raises(PermissionDenied):
            training.get_application(db, stranger, item.id)
        with pytest.raises(PermissionDenied):
            training.withdraw_application(db, stranger, item.id)
    with pytest.raises(PermissionDenied):
        training.update_application(db, seeker, item.id, {})
    training.withdraw_application(db, seeker, item.id)
    assert item.status == TrainingStatus.WITHDRAWN
