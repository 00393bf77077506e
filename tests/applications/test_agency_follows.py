"""An agency that applies on a person's behalf follows that application afterwards (and only that agency)."""

from __future__ import annotations

import datetime as dt

import pytest

from exchange.applications import operations as ops
from exchange.applications import queries
from exchange.applications.models import ApplicationState
from exchange.applications.states import Side
from exchange.errors import PermissionDenied
from exchange.organisations import operations as orgs
from exchange.seekers import operations as seekers
from tests import factories as f


def _agency_response(db, world, agency_actor):
    """The agency registers a person, gives them a published resume and applies with it."""
    profile = seekers.create_profile(db, agency_actor, {"iin": f.iin(), "last_name": "Сериков", "first_name": "Арман",
                                                        "kato_code": f.ALMATY_DISTRICT, "consent_publish": True})
    resume = f.resume(db, profile, agency_actor)
    return ops.apply(db, agency_actor, resume.id, world.vacancy.id, {"cover_note": "Рекомендуем"})


def test_the_submitting_agency_reads_its_application(db, world):
    _agency, agency_actor = f.agency(db)
    application = _agency_response(db, world, agency_actor)
    assert application.initiated_by_organisation_id == agency_actor.organisation_id
    ops.transition(db, world.employer_actor, application.id, "interview", {
        "interview_kind": "individual", "interview_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat(),
        "interview_place": "Абая 1"})
    read, sides = ops.get_visible(db, agency_actor, application.id)
    assert sides == {Side.AGENCY} and read.state == ApplicationState.INTERVIEW
    rows, total = queries.submitted_applications(db, agency_actor)
    assert [a.id for a in rows] == [application.id] and total == 1
    assert queries.submitted_applications(db, agency_actor, open_only=True)[1] == 1


def test_the_agency_only_follows_it_decides_nothing(db, world):
    _agency, agency_actor = f.agency(db)
    application = _agency_response(db, world, agency_actor)
    for target in ("viewed", "rejected", "hired", "withdrawn"):
        with pytest.raises(PermissionDenied):
            ops.transition(db, agency_actor, application.id, target, {})
    with pytest.raises(PermissionDenied):
        ops.add_note(db, agency_actor, application.id, {"note": "Позвоните ему"})
    with pytest.raises(PermissionDenied):
        ops.request_contact(db, agency_actor, application.id, {"channel": "call"})
    stage = ops.create_stage(db, world.employer_actor, {"name": "Тест", "state": "viewed"})
    with pytest.raises(PermissionDenied):
        ops.move_to_stage(db, agency_actor, application.id, stage.id)
    assert ops.mark_viewed(db, agency_actor, application.id).state == ApplicationState.NEW


def test_other_agencies_and_former_staff_are_refused(db, world):
    agency, agency_actor = f.agency(db)
    application = _agency_response(db, world, agency_actor)
    _other, other_actor = f.agency(db)
    with pytest.raises(PermissionDenied):
        ops.get_visible(db, other_actor, application.id)
    assert queries.submitted_applications(db, other_actor)[1] == 0
    # Staff of the agency read it too; a person who is not a member (any more) does not.
    colleague = f.user(db, "agency")
    orgs.add_member(db, agency_actor, agency.id, colleague.email, "member")
    assert ops.get_visible(db, f.actor_for(db, colleague, agency), application.id)[1] == {Side.AGENCY}
    outsider = f.user(db, "agency")
    with pytest.raises(PermissionDenied):
        ops.get_visible(db, f.actor_for(db, outsider, agency), application.id)
    # Employers are not agencies: a list of "sent" applications is the agencies' page.
    with pytest.raises(PermissionDenied):
        queries.submitted_applications(db, world.employer_actor)


def test_an_agency_invitation_or_a_seeker_own_response_gives_no_agency_side(db, world):
    _agency, agency_actor = f.agency(db)
    profile, seeker_actor = f.seeker(db)
    own = ops.apply(db, seeker_actor, f.resume(db, profile, seeker_actor).id, world.vacancy.id)
    assert own.initiated_by_organisation_id is None
    with pytest.raises(PermissionDenied):
        ops.get_visible(db, agency_actor, own.id)


def test_agency_cabinet_lists_and_shows_its_applications(db, client, sign_in, world):
    _agency, agency_actor = f.agency(db)
    application = _agency_response(db, world, agency_actor)
    ops.add_note(db, world.employer_actor, application.id, {"note": "Внутренняя заметка работодателя"})
    ops.transition(db, world.employer_actor, application.id, "rejected", {"reason": "Нет опыта"})
    db.flush()
    sign_in(agency_actor.user)
    listed = client.get("/cabinet/applications/submitted")
    html = listed.get_data(as_text=True)
    assert listed.status_code == 200 and "Сериков" in html and world.vacancy.title in html and "Нет опыта" in html
    assert "Сериков" not in client.get("/cabinet/applications/submitted?filter=open").get_data(as_text=True)
    shown = client.get(f"/cabinet/applications/{application.id}")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Нет опыта" in page
    assert "Внутренняя заметка" not in page and "Save note" not in page
    assert client.get("/cabinet/applications/submitted?page=5").status_code == 404


def test_another_agency_cabinet_is_refused(db, client, sign_in, world):
    _agency, agency_actor = f.agency(db)
    application = _agency_response(db, world, agency_actor)
    _other, other_actor = f.agency(db)
    db.flush()
    sign_in(other_actor.user)
    assert client.get(f"/cabinet/applications/{application.id}").status_code == 403
    assert "Сериков" not in client.get("/cabinet/applications/submitted").get_data(as_text=True)
