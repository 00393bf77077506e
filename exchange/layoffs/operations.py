"""Layoff notices: employers file them, the district centre contacts people and publishes them.

An employer (its members) files a notice as a draft, edits it, submits it, and may
amend or withdraw it; every change is kept in ``layoff_events``. The centre of the
notice's district sees submitted notices, records contact with each person and their
consent, and converts consenting people in one step into registered seekers with a
published resume in the "to be laid off" category. Nobody is published without consent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from marshmallow import fields as mm_fields
from sqlalchemy.orm import Session

from exchange import audit, outbox, schemas
from exchange.auth import Actor, deny, require_org
from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.db import utcnow
from exchange.errors import Conflict, DomainError, NotFound, ValidationFailed
from exchange.i18n import get_locale
from exchange.i18n import lazy_gettext as _l
from exchange.layoffs.models import FilingStatus, LayoffEvent, LayoffNotice, LayoffPerson, LayoffPosition, LayoffReason
from exchange.organisations.models import OrganisationKind
from exchange.reports import scope
from exchange.reports.history import differences, plain, snapshot
from exchange.resumes import operations as resumes
from exchange.seekers import operations as seekers
from exchange.seekers.models import SeekerCategory
from exchange.timeutil import local_today

MAX_PEOPLE = 100_000
MAX_LINES = 200
NOTICE_FIELDS = ("reason", "planned_date", "people_count", "kato_code", "contact_name", "contact_phone", "note")
PERSON_FIELDS = ("last_name", "first_name", "middle_name", "phone", "email", "position", "occupation_code")


class PositionSchema(schemas.InputSchema):
    title = schemas.text(required=True, max_len=200, min_len=2)
    occupation_code = schemas.code(required=True, max_len=4)
    count = schemas.integer(required=True, minimum=1, maximum=MAX_PEOPLE)


class PersonSchema(schemas.InputSchema):
    iin = schemas.iin(required=True)
    last_name = schemas.text(required=True, max_len=100, min_len=1)
    first_name = schemas.text(required=True, max_len=100, min_len=1)
    middle_name = schemas.text(max_len=100)
    phone = schemas.phone()
    email = schemas.email()
    position = schemas.text(max_len=200)
    occupation_code = schemas.code(max_len=4)
    consent_publish = schemas.boolean()


class NoticeSchema(schemas.InputSchema):
    reason = schemas.enum(LayoffReason, required=True)
    planned_date = schemas.date(required=True)
    people_count = schemas.integer(required=True, minimum=1, maximum=MAX_PEOPLE)
    kato_code = schemas.code(required=True, max_len=9)
    contact_name = schemas.text(max_len=200)
    contact_phone = schemas.phone()
    note = schemas.text(max_len=5000)
    positions = mm_fields.List(mm_fields.Nested(PositionSchema), load_default=list)
    people = mm_fields.List(mm_fields.Nested(PersonSchema), load_default=list)


class ContactSchema(schemas.InputSchema):
    consent_publish = schemas.boolean()
    phone = schemas.phone()
    note = schemas.text(max_len=2000)


def _check(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """Classifier codes, dates and list consistency; every problem is reported at once."""
    errors: dict[str, list] = {}
    message = scope.district_error(session, values["kato_code"])
    if message:
        errors["kato_code"] = [message]
    today = local_today()
    if values["planned_date"] < today:
        errors["planned_date"] = [_l("The planned date is in the past.")]
    elif values["planned_date"] > today + dt.timedelta(days=730):
        errors["planned_date"] = [_l("Report releases planned within the next two years.")]
    if len(values["positions"]) > MAX_LINES:
        errors["positions"] = [_l("At most %(n)s lines.", n=MAX_LINES)]
    for index, line in enumerate(values["positions"]):
        message = scope.occupation_error(session, line["occupation_code"])
        if message:
            errors[f"positions.{index}.occupation_code"] = [message]
    if len(values["people"]) > min(values["people_count"], MAX_LINES * 50):
        errors["people"] = [_l("More people are named than the notice releases.")]
    seen: set[str] = set()
    for index, person in enumerate(values["people"]):
        if person["iin"] in seen:
            errors[f"people.{index}.iin"] = [_l("This IIN is already in the list.")]
        seen.add(person["iin"])
        if person.get("occupation_code"):
            message = scope.occupation_error(session, person["occupation_code"])
            if message:
                errors[f"people.{index}.occupation_code"] = [message]
    if errors:
        raise ValidationFailed(errors)
    return values


def _check_complete(notice: LayoffNotice) -> None:
    """What a notice needs before the centre gets it (drafts may be incomplete)."""
    if not notice.positions:
        raise ValidationFailed({"positions": [_l("Name at least one position with its occupation.")]})
    total = sum(p.count for p in notice.positions)
    if total != notice.people_count:
        raise ValidationFailed(
            {"people_count": [_l("The positions add up to %(total)s people, but the notice says %(count)s.",
                                 total=total, count=notice.people_count)]}
        )


def _event(session: Session, actor: Actor, notice: LayoffNotice, action: str, changes: dict[str, Any] | None = None) -> None:
    session.add(LayoffEvent(notice_id=notice.id, user_id=actor.user_id, organisation_id=actor.organisation_id,
                            action=action, changes=changes or {}))
    session.flush()
    outbox.emit(session, f"layoff.{action}", "layoff_notice", notice.id,
                {"organisation_id": notice.organisation_id, "kato_code": notice.kato_code, "status": notice.status.value},
                actor.user_id)


def _state(notice: LayoffNotice) -> dict[str, Any]:
    """The notice as plain data, for the difference between two saves."""
    state = snapshot(notice, NOTICE_FIELDS)
    state["positions"] = [snapshot(p, ("title", "occupation_code", "count")) for p in notice.positions]
    state["people"] = [
        {**snapshot(p, ("iin", *PERSON_FIELDS)), "consent": p.consent_publish_at is not None} for p in notice.people
    ]
    return state


def _require_employer(session: Session, actor: Actor, organisation_id: int | None) -> None:
    if actor.is_admin:
        return
    if organisation_id is None or not actor.in_org_kind(OrganisationKind.EMPLOYER):
        raise deny(_l("Layoff notices are filed by employers."))
    require_org(session, actor, organisation_id)


def _set_people(notice: LayoffNotice, people: list[dict[str, Any]]) -> None:
    """Merge the named people by IIN, keeping what the centre recorded for each."""
    existing = {p.iin: p for p in notice.people}
    wanted = {p["iin"] for p in people}
    for iin, person in existing.items():
        if iin not in wanted:
            if person.seeker_id is not None:
                raise ValidationFailed({"people": [_l("%(name)s is already published as a seeker and cannot be removed.",
                                                     name=person.full_name)]})
            notice.people.remove(person)
    now = utcnow()
    for values in people:
        person = existing.get(values["iin"])
        if person is None:
            person = LayoffPerson(iin=values["iin"])
            notice.people.append(person)
        for name in PERSON_FIELDS:
            setattr(person, name, values.get(name))
        if values.get("consent_publish") and person.consent_publish_at is None:
            person.consent_publish_at = now
        elif not values.get("consent_publish") and person.consent_publish_at is not None and person.seeker_id is None:
            person.consent_publish_at = None


def _apply(notice: LayoffNotice, values: dict[str, Any]) -> None:
    for name in NOTICE_FIELDS:
        setattr(notice, name, values.get(name))
    notice.reason = LayoffReason(values["reason"])
    notice.positions = [LayoffPosition(**line) for line in values["positions"]]
    _set_people(notice, values["people"])


def create_notice(session: Session, actor: Actor, data: dict[str, Any]) -> LayoffNotice:
    """Save a new notice as a draft for the actor's organisation (or ``organisation_id`` for admins)."""
    organisation_id = data.get("organisation_id") if actor.is_admin else actor.organisation_id
    _require_employer(session, actor, organisation_id)
    if organisation_id is None:
        raise ValidationFailed({"organisation_id": [_l("This field is required.")]})
    values = _check(session, schemas.load(NoticeSchema(), data))
    notice = LayoffNotice(organisation_id=organisation_id, status=FilingStatus.DRAFT, created_by_user_id=actor.user_id)
    session.add(notice)
    _apply(notice, values)
    session.flush()
    _event(session, actor, notice, "created", {"state": _state(notice)})
    return notice


def get_notice(session: Session, actor: Actor, notice_id: int) -> LayoffNotice:
    """A notice the actor may see: its employer always; the district centre once it is submitted."""
    notice = session.get(LayoffNotice, notice_id)
    if notice is None:
        raise NotFound(_l("No such layoff notice."))
    if not can_view(session, actor, notice):
        raise deny()
    if notice.people and actor.organisation_id != notice.organisation_id:
        # The named people's IINs and contacts are personal data: record who looked.
        audit.record(session, actor, "view", "layoff_notice", notice.id)
    return notice


def can_view(session: Session, actor: Actor, notice: LayoffNotice) -> bool:
    if actor.is_admin or (actor.organisation_id == notice.organisation_id and _is_member(session, actor, notice.organisation_id)):
        return True
    return notice.status != FilingStatus.DRAFT and scope.can_see_district(actor, notice.kato_code)


def _is_member(session: Session, actor: Actor, organisation_id: int) -> bool:
    try:
        require_org(session, actor, organisation_id)
    except DomainError:
        return False
    return True


def is_handling_centre(actor: Actor, notice: LayoffNotice) -> bool:
    return notice.status != FilingStatus.DRAFT and scope.is_centre_staff(actor) and scope.can_see_district(actor, notice.kato_code)


def get_editable(session: Session, actor: Actor, notice_id: int) -> LayoffNotice:
    notice = session.get(LayoffNotice, notice_id)
    if notice is None:
        raise NotFound(_l("No such layoff notice."))
    _require_employer(session, actor, notice.organisation_id)
    if notice.status == FilingStatus.WITHDRAWN:
        raise Conflict(_l("This notice is withdrawn and can no longer be changed."))
    return notice


def update_notice(session: Session, actor: Actor, notice_id: int, data: dict[str, Any]) -> LayoffNotice:
    """Edit a draft, or amend a submitted notice (the centre sees the amendment in the history)."""
    notice = get_editable(session, actor, notice_id)
    values = _check(session, schemas.load(NoticeSchema(), data))
    before = _state(notice)
    _apply(notice, values)
    if notice.status == FilingStatus.SUBMITTED:
        _check_complete(notice)
    session.flush()
    changes = differences(before, _state(notice))
    if changes:
        _event(session, actor, notice, "updated", changes)
    return notice


def submit_notice(session: Session, actor: Actor, notice_id: int) -> LayoffNotice:
    notice = get_editable(session, actor, notice_id)
    if notice.status != FilingStatus.DRAFT:
        raise Conflict(_l("This notice is already submitted."))
    _check_complete(notice)
    if notice.planned_date < local_today():
        raise ValidationFailed({"planned_date": [_l("The planned date is in the past.")]})
    notice.status = FilingStatus.SUBMITTED
    notice.submitted_at = utcnow()
    _event(session, actor, notice, "submitted")
    return notice


def withdraw_notice(session: Session, actor: Actor, notice_id: int, data: dict[str, Any] | None = None) -> LayoffNotice:
    """The release is cancelled; people already published stay seekers (they consented)."""
    notice = get_editable(session, actor, notice_id)
    values = schemas.load(ContactSchema(), data or {})
    notice.status = FilingStatus.WITHDRAWN
    _event(session, actor, notice, "withdrawn", {"note": values.get("note")})
    return notice


def organisation_notices(session: Session, actor: Actor, organisation_id: int) -> list[LayoffNotice]:
    _require_employer(session, actor, organisation_id)
    return list(session.scalars(
        sa.select(LayoffNotice).where(LayoffNotice.organisation_id == organisation_id).order_by(LayoffNotice.id.desc())
    ))


def centre_notices(session: Session, actor: Actor, area: str | None = None, status: str | None = None) -> list[LayoffNotice]:
    """Submitted (and withdrawn) notices in the districts the actor oversees, soonest release first."""
    districts = scope.visible_districts(session, actor, area)
    if districts is not None and not districts:
        raise deny()
    stmt = sa.select(LayoffNotice).where(LayoffNotice.status != FilingStatus.DRAFT)
    if districts is not None:
        stmt = stmt.where(LayoffNotice.kato_code.in_(sorted(districts)))
    if status in (FilingStatus.SUBMITTED.value, FilingStatus.WITHDRAWN.value):
        stmt = stmt.where(LayoffNotice.status == status)
    return list(session.scalars(stmt.order_by(LayoffNotice.planned_date, LayoffNotice.id)))


def _person_for_centre(session: Session, actor: Actor, person_id: int) -> LayoffPerson:
    person = session.get(LayoffPerson, person_id)
    if person is None:
        raise NotFound(_l("No such person in the notice."))
    if not is_handling_centre(actor, person.notice):
        raise deny(_l("Only the employment centre of the notice's district handles the people in it."))
    if person.notice.status == FilingStatus.WITHDRAWN:
        raise Conflict(_l("This notice is withdrawn and can no longer be changed."))
    return person


def record_contact(session: Session, actor: Actor, person_id: int, data: dict[str, Any]) -> LayoffPerson:
    """The centre reached the person: record when, what was agreed, and whether they consent."""
    person = _person_for_centre(session, actor, person_id)
    values = schemas.load(ContactSchema(), data)
    before = {"consent": person.consented, "phone": person.phone, "note": person.contact_note}
    person.contacted_at = utcnow()
    person.contact_note = values.get("note")
    if values.get("phone"):
        person.phone = values["phone"]
    if values.get("consent_publish") and person.consent_publish_at is None:
        person.consent_publish_at = person.contacted_at
    elif not values.get("consent_publish") and person.consent_publish_at is not None:
        if person.seeker_id is not None:
            raise Conflict(_l("The person is already published; withdraw consent on their seeker profile."))
        person.consent_publish_at = None
    after = {"consent": person.consented, "phone": person.phone, "note": person.contact_note}
    audit.record(session, actor, "contact", "layoff_person", person.id)
    _event(session, actor, person.notice, "contacted", {"person_id": person.id, **differences(before, after)})
    return person


@dataclass
class Conversion:
    """What one conversion did, person by person."""

    converted: list[LayoffPerson] = field(default_factory=list)
    without_consent: list[LayoffPerson] = field(default_factory=list)
    already: list[LayoffPerson] = field(default_factory=list)
    failed: list[tuple[LayoffPerson, str]] = field(default_factory=list)


def _resume_title(session: Session, notice: LayoffNotice, person: LayoffPerson) -> tuple[str, str | None]:
    occupation = person.occupation_code or (notice.positions[0].occupation_code if len(notice.positions) == 1 else None)
    title = person.position or (notice.positions[0].title if len(notice.positions) == 1 else None)
    if not title and occupation:
        title = classifiers.label(session, Scheme.ISCO, occupation, str(get_locale() or "ru"))
    return (title or str(_l("Worker to be laid off")))[:200], occupation


def _convert_one(session: Session, actor: Actor, notice: LayoffNotice, person: LayoffPerson) -> None:
    profile = seekers.get_by_iin(session, person.iin)
    if profile is None:
        profile = seekers.create_profile(session, actor, {
            "iin": person.iin, "last_name": person.last_name, "first_name": person.first_name,
            "middle_name": person.middle_name, "phone": person.phone, "email": person.email,
            "kato_code": notice.kato_code, "category": SeekerCategory.TO_BE_LAID_OFF.value, "consent_publish": True,
        })
    if profile.current_registration is None:
        seekers.register(session, actor, profile.id, {"category": SeekerCategory.TO_BE_LAID_OFF.value})
    person.seeker_id = profile.id
    if seekers.can_edit(session, actor, profile):
        title, occupation = _resume_title(session, notice, person)
        resume = resumes.create_resume(session, actor, profile.id, {
            "title": title, "occupation_code": occupation, "kato_code": profile.kato_code,
            "available_from": notice.planned_date,
        })
        resumes.publish_resume(session, actor, resume.id, {"consent_publish": True})
        person.resume_id = resume.id
    person.converted_at = utcnow()


def convert_people(session: Session, actor: Actor, notice_id: int, person_ids: list[int] | None = None) -> Conversion:
    """Publish the consenting people of a notice as seekers in one step (R-FLOW-7).

    Each consenting person gets a seeker profile ("to be laid off"), a registration at
    this centre and a published resume; a person already on the exchange is registered
    and linked instead of duplicated. People without consent are left untouched. One
    person's bad data (say, an IIN outside the age range) does not stop the others.
    """
    notice = session.get(LayoffNotice, notice_id)
    if notice is None:
        raise NotFound(_l("No such layoff notice."))
    if not is_handling_centre(actor, notice):
        raise deny(_l("Only the employment centre of the notice's district handles the people in it."))
    if notice.status != FilingStatus.SUBMITTED:
        raise Conflict(_l("Only submitted notices are handled."))
    result = Conversion()
    chosen = set(person_ids) if person_ids else None
    for person in notice.people:
        if chosen is not None and person.id not in chosen:
            continue
        if person.seeker_id is not None:
            result.already.append(person)
        elif not person.consented:
            result.without_consent.append(person)
        else:
            savepoint = session.begin_nested()
            try:
                _convert_one(session, actor, notice, person)
                savepoint.commit()
                result.converted.append(person)
            except DomainError as error:
                savepoint.rollback()
                messages = [str(m) for msgs in error.fields.values() for m in msgs] or [str(error.message)]
                result.failed.append((person, " ".join(messages)))
    if result.converted:
        _event(session, actor, notice, "converted", {
            "people": [{"person_id": p.id, "seeker_id": p.seeker_id, "resume_id": p.resume_id} for p in result.converted],
        })
    return result


def history(session: Session, actor: Actor, notice_id: int) -> list[LayoffEvent]:
    notice = get_notice(session, actor, notice_id)
    return list(notice.events)


def as_dict(notice: LayoffNotice) -> dict[str, Any]:
    """Plain data for the API and exports."""
    return {"id": notice.id, "organisation_id": notice.organisation_id, "status": notice.status.value,
            "submitted_at": plain(notice.submitted_at), **_state(notice)}
