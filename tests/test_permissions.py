"""Object-level permissions: the matrix of who may touch what."""

import pytest

from exchange.errors import PermissionDenied
from exchange.resumes import operations as resumes
from exchange.seekers import operations as seekers
from exchange.vacancies import operations as vacancies
from tests import factories


def test_a_seeker_cannot_touch_another_seekers_resume(db):
    owner, owner_actor = factories.seeker(db)
    item = factories.resume(db, owner, owner_actor)
    _, stranger = factories.seeker(db)
    for attempt in (
        lambda: resumes.update_resume(db, stranger, item.id, {"title": "Hacked", "kato_code": owner.kato_code}),
        lambda: resumes.publish_resume(db, stranger, item.id, {}),
        lambda: resumes.hide_resume(db, stranger, item.id),
        lambda: resumes.archive_resume(db, stranger, item.id),
        lambda: resumes.add_education(db, stranger, item.id, {"level": "bachelor", "institution": "X"}),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    db.refresh(item)
    assert item.title == "Водитель категории C"


def test_an_employer_cannot_touch_another_organisations_vacancy(db):
    _, employer_a = factories.employer(db)
    _, employer_b = factories.employer(db)
    item = factories.vacancy(db, employer_a)
    for attempt in (
        lambda: vacancies.update_vacancy(db, employer_b, item.id, {"title": "Hacked", "kato_code": item.kato_code}),
        lambda: vacancies.unpublish_vacancy(db, employer_b, item.id),
        lambda: vacancies.close_vacancy(db, employer_b, item.id),
        lambda: vacancies.archive_vacancy(db, employer_b, item.id),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    db.refresh(item)
    assert item.title == "Водитель грузового автомобиля" and item.status.value == "published"


def test_a_member_acts_only_for_the_current_organisation(db):
    _org_a, employer_a = factories.employer(db)
    # Same person, acting for no organisation (e.g. the session lost it): refused.
    lost = factories.actor_for(db, employer_a.user, None)
    item = factories.vacancy(db, employer_a)
    with pytest.raises(PermissionDenied):
        vacancies.close_vacancy(db, lost, item.id)


def test_centre_staff_see_private_data_only_of_their_own_registered_seekers(db):
    _centre_a, staff_a = factories.centre(db, factories.ALMATY_DISTRICT)
    _centre_b, staff_b = factories.centre(db, factories.ASTANA_DISTRICT)
    person, _ = factories.seeker(db)
    seekers.register(db, staff_a, person.id, {"category": "unemployed"})
    assert seekers.get_profile(db, staff_a, person.id, private=True).iin == person.iin
    with pytest.raises(PermissionDenied):
        seekers.get_profile(db, staff_b, person.id, private=True)
    _, employer = factories.employer(db)
    with pytest.raises(PermissionDenied):
        seekers.get_profile(db, employer, person.id, private=True)


def test_only_the_registering_centre_deregisters(db):
    _, staff_a = factories.centre(db, factories.ALMATY_DISTRICT)
    _, staff_b = factories.centre(db, factories.ASTANA_DISTRICT)
    person, _ = factories.seeker(db)
    seekers.register(db, staff_a, person.id, {"category": "job_seeker"})
    with pytest.raises(PermissionDenied):
        seekers.deregister(db, staff_b, person.id, {"reason": "moved_away"})
    registration = seekers.deregister(db, staff_a, person.id, {"reason": "employed"})
    assert registration.deregistration_reason.value == "employed"


def test_employers_cannot_register_seekers_or_create_centres(db):
    from exchange.organisations import operations as organisations

    _, employer = factories.employer(db)
    person, _ = factories.seeker(db)
    with pytest.raises(PermissionDenied):
        seekers.register(db, employer, person.id, {"category": "job_seeker"})
    with pytest.raises(PermissionDenied):
        organisations.create_organisation(db, employer, {"kind": "centre", "name": "Fake centre", "kato_code": factories.ALMATY_DISTRICT})


def test_viewing_private_data_is_audited(db):
    import sqlalchemy as sa

    from exchange.audit import AuditEntry

    _, staff = factories.centre(db)
    person, _ = factories.seeker(db)
    seekers.register(db, staff, person.id, {"category": "job_seeker"})
    seekers.get_profile(db, staff, person.id, private=True)
    entries = db.scalars(sa.select(AuditEntry).where(AuditEntry.subject_type == "seeker", AuditEntry.subject_id == person.id)).all()
    assert {e.action for e in entries} >= {"register", "view"}
    assert all(e.actor_user_id == staff.user_id for e in entries)
