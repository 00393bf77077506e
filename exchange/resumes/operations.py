"""Resumes: create, edit, publish (at most one month at a time), hide, renew, archive."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import audit, outbox, schemas
from exchange.auth import Actor, deny
from exchange.db import utcnow
from exchange.errors import Conflict, NotFound, ValidationFailed, field_error
from exchange.i18n import lazy_gettext as _l
from exchange.profile_fields import MAX_SALARY, check_common, common_fields
from exchange.resumes.models import EducationEntry, RecordSource, Resume, Visibility, WorkHistoryEntry
from exchange.seekers import operations as seekers
from exchange.seekers.models import SeekerProfile
from exchange.timeutil import add_months, end_of_local_day, to_local
from exchange.vacancies.models import EmploymentType, Schedule, WorkingRegime

ResumeSchema = schemas.InputSchema.from_dict(
    {
        "title": schemas.text(required=True, max_len=200, min_len=2),
        "about": schemas.text(max_len=5000),
        "desired_salary": schemas.integer(minimum=0, maximum=MAX_SALARY),
        "desired_schedule": schemas.enum(Schedule),
        "desired_employment_type": schemas.enum(EmploymentType),
        "desired_working_regime": schemas.enum(WorkingRegime),
        "experience_months": schemas.integer(minimum=0, maximum=720),
        "willing_to_relocate": schemas.boolean(),
        "accessibility_needs": schemas.text(max_len=2000),
        "available_from": schemas.date(),
        "external_id": schemas.text(max_len=100),
        **common_fields(),
    },
    name="ResumeSchema",
)


class WorkHistorySchema(schemas.InputSchema):
    employer_name = schemas.text(required=True, max_len=300, min_len=1)
    position = schemas.text(required=True, max_len=200, min_len=1)
    occupation_code = schemas.code(max_len=4)
    start_date = schemas.date(required=True)
    end_date = schemas.date()
    description = schemas.text(max_len=3000)


class EducationSchema(schemas.InputSchema):
    level = schemas.code(required=True, max_len=30)
    institution = schemas.text(required=True, max_len=300, min_len=1)
    speciality = schemas.text(max_len=200)
    graduation_year = schemas.integer(minimum=1940, maximum=2100)


class PublishSchema(schemas.InputSchema):
    until = schemas.date()
    consent_publish = schemas.boolean()


# Built once: an instance costs ~1 ms to build (fields copied and bound) and loading keeps no
# state on it; its messages are lazy, translated when shown, so one serves every locale.
_RESUME_SCHEMA = ResumeSchema()
_PUBLISH_SCHEMA = PublishSchema()


def _source_for(actor: Actor) -> RecordSource:
    if actor.is_centre_staff:
        return RecordSource.CENTRE
    if actor.organisation is not None:
        return RecordSource.AGENCY
    return RecordSource.SELF


def can_edit(session: Session, actor: Actor, resume: Resume) -> bool:
    if seekers.can_edit(session, actor, resume.seeker):
        return True
    # An agency that brought a resume to the exchange keeps editing it (R-AG-7).
    return resume.source_organisation_id is not None and actor.organisation_id == resume.source_organisation_id


def get_resume(session: Session, resume_id: int, *, for_update: bool = False) -> Resume:
    if for_update:
        resume = session.scalar(sa.select(Resume).where(Resume.id == resume_id).with_for_update())
    else:
        # From the session when it already holds the row (a SELECT would hand back that same
        # object without refreshing it): no round trip to re-read what was just written.
        resume = session.get(Resume, resume_id)
    if resume is None:
        raise NotFound(_l("No such resume."))
    return resume


def get_editable(session: Session, actor: Actor, resume_id: int) -> Resume:
    resume = get_resume(session, resume_id)
    if not can_edit(session, actor, resume):
        raise deny()
    return resume


def can_view(session: Session, actor: Actor, resume: Resume) -> bool:
    """Public resumes are visible to everyone signed in; hidden ones only to owner and centre."""
    if resume.is_public() and resume.seeker.consent_publish_at is not None:
        return True
    if can_edit(session, actor, resume):
        return True
    return seekers.can_view_private(session, actor, resume.seeker)


def _experience_from_history(entries: list[WorkHistoryEntry]) -> int:
    today = dt.date.today()
    months = 0
    for entry in entries:
        end = entry.end_date or today
        months += max(0, (end.year - entry.start_date.year) * 12 + end.month - entry.start_date.month)
    return min(months, 720)


Events = list[dict[str, Any]] | None
"""Where an operation's outbox events go: ``None`` emits each at once (the usual case); a list
collects them as :func:`exchange.outbox.emit_many` rows, for a caller that writes many records
in one transaction (the bulk import) and must insert the list before it commits."""


def _changed(session: Session, actor: Actor, resume: Resume, what: str, events: Events = None) -> None:
    session.flush()
    payload = {"version": resume.version, "seeker_id": resume.seeker_id, "public": resume.is_public()}
    if events is None:
        outbox.emit(session, f"resume.{what}", "resume", resume.id, payload, actor.user_id)
    else:
        events.append({"topic": f"resume.{what}", "aggregate_type": "resume", "aggregate_id": resume.id,
                       "payload": payload, "actor_user_id": actor.user_id})


def validate_resume(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """The resume fields checked (schema and classifiers), as create and update check them; raises ValidationFailed."""
    return schemas.load_checked(_RESUME_SCHEMA, data, lambda v: check_common(session, v))


def create_resume(
    session: Session, actor: Actor, seeker_id: int, data: dict[str, Any], *,
    publish: dict[str, Any] | None = None, events: Events = None,
) -> Resume:
    """Create a resume; with ``publish`` (:func:`publish_resume`'s data) it is published in the same INSERT.

    Publishing at once checks what :func:`publish_resume` checks, before the resume is
    written, and records the same two events (``created``, then ``published``).
    """
    profile = session.get(SeekerProfile, seeker_id)
    if profile is None:
        raise NotFound(_l("No such job seeker."))
    if not seekers.can_edit(session, actor, profile):
        raise deny()
    values = validate_resume(session, data)
    source = _source_for(actor)
    if values.get("external_id") and source != RecordSource.AGENCY:
        values.pop("external_id")
    resume = Resume(
        seeker_id=profile.id,
        source=source,
        source_organisation_id=actor.organisation_id if source != RecordSource.SELF else None,
        visibility=Visibility.ACTIVE,
        **{k: v for k, v in values.items() if v is not None},
    )
    if publish is not None:
        _publish(session, actor, resume, profile, publish)
    session.add(resume)
    _changed(session, actor, resume, "created", events)
    if publish is not None:
        _changed(session, actor, resume, "published", events)
    return resume


def update_resume(session: Session, actor: Actor, resume_id: int, data: dict[str, Any], *, events: Events = None) -> Resume:
    resume = get_editable(session, actor, resume_id)
    if resume.visibility == Visibility.ARCHIVED:
        raise Conflict(_l("An archived resume cannot be edited; create a new one."))
    values = validate_resume(session, data)
    values.pop("external_id", None)
    for key, value in values.items():
        setattr(resume, key, value)
    if resume.work_history and "experience_months" not in data:
        resume.experience_months = _experience_from_history(resume.work_history)
    if actor.user_id != resume.seeker.user_id:
        audit.record(session, actor, "update", "resume", resume.id)
    _changed(session, actor, resume, "updated", events)
    return resume


def max_expiry(resume: Resume, published_at: dt.datetime) -> dt.datetime | None:
    """The latest a publication may last (R-MON-2).

    Self-published and agency resumes: one calendar month. A centre publishes a
    registered person's resume for as long as the registration lasts (None here;
    deregistration archives it).
    """
    if resume.source == RecordSource.CENTRE:
        return None
    return add_months(published_at, 1)


def publish_resume(
    session: Session, actor: Actor, resume_id: int, data: dict[str, Any] | None = None, *, events: Events = None
) -> Resume:
    """Publish (or renew) a resume until the chosen day, never beyond one calendar month."""
    resume = get_editable(session, actor, resume_id)
    renewal = resume.published_at is not None
    _publish(session, actor, resume, resume.seeker, data)
    _changed(session, actor, resume, "renewed" if renewal else "published", events)
    return resume


def _publish(session: Session, actor: Actor, resume: Resume, profile: SeekerProfile, data: dict[str, Any] | None) -> None:
    """Check a publication (consent, the chosen day) and set it on the resume; the caller records the event."""
    values = schemas.load(_PUBLISH_SCHEMA, data or {})
    if resume.visibility == Visibility.ARCHIVED:
        raise Conflict(_l("An archived resume cannot be published; create a new one."))
    if profile.consent_publish_at is None:
        if not values.get("consent_publish"):
            raise field_error("consent_publish", _l("Publishing needs the person's consent to show the resume on the internet."))
        seekers.set_consents(session, actor, profile.id, publish=True)
    now = utcnow()
    limit = max_expiry(resume, now)
    until = values.get("until")
    expires_at = limit
    if until is not None:
        chosen = end_of_local_day(until)
        if chosen <= now:
            raise field_error("until", _l("Choose a day in the future."))
        if limit is not None and chosen > limit and to_local(chosen).date() == to_local(limit).date():
            chosen = limit  # the last allowed day ends at the limit, not at midnight
        if limit is not None and chosen > limit:
            raise field_error("until", _l("A resume is published for at most one month; choose an earlier day."))
        expires_at = chosen
    resume.published_at = now
    resume.expires_at = expires_at
    resume.expired_at = None
    resume.visibility = Visibility.ACTIVE


def hide_resume(session: Session, actor: Actor, resume_id: int) -> Resume:
    resume = get_editable(session, actor, resume_id)
    if resume.visibility == Visibility.ARCHIVED:
        raise Conflict(_l("This resume is archived."))
    resume.visibility = Visibility.HIDDEN
    _changed(session, actor, resume, "hidden")
    return resume


def unhide_resume(session: Session, actor: Actor, resume_id: int) -> Resume:
    resume = get_editable(session, actor, resume_id)
    if resume.visibility == Visibility.ARCHIVED:
        raise Conflict(_l("This resume is archived."))
    resume.visibility = Visibility.ACTIVE
    _changed(session, actor, resume, "unhidden")
    return resume


def archive_resume(session: Session, actor: Actor, resume_id: int, reason: str = "owner") -> Resume:
    resume = get_editable(session, actor, resume_id)
    resume.visibility = Visibility.ARCHIVED
    resume.archived_reason = reason[:60]
    _changed(session, actor, resume, "archived")
    return resume


def add_work_history(session: Session, actor: Actor, resume_id: int, data: dict[str, Any]) -> WorkHistoryEntry:
    """Seekers, their centre, and employers or agencies the seeker works with add work history (R-EMP-10)."""
    resume = get_resume(session, resume_id)
    if not (can_edit(session, actor, resume) or seekers.can_view_private(session, actor, resume.seeker)):
        raise deny()
    values = schemas.load(WorkHistorySchema(), data)
    errors = {}
    if values.get("end_date") and values["end_date"] < values["start_date"]:
        errors["end_date"] = [_l("The end date is before the start date.")]
    if values["start_date"] > dt.date.today():
        errors["start_date"] = [_l("The start date is in the future.")]
    if values.get("occupation_code"):
        check_common(session, {"occupation_code": values["occupation_code"], "kato_code": resume.kato_code})
    if errors:
        raise ValidationFailed(errors)
    entry = WorkHistoryEntry(resume_id=resume.id, added_by_organisation_id=actor.organisation_id, **values)
    session.add(entry)
    resume.work_history.append(entry)
    resume.experience_months = _experience_from_history(resume.work_history)
    _changed(session, actor, resume, "updated")
    return entry


def add_education(session: Session, actor: Actor, resume_id: int, data: dict[str, Any]) -> EducationEntry:
    resume = get_editable(session, actor, resume_id)
    values = schemas.load(EducationSchema(), data)
    check_common(session, {"education_level": values["level"], "kato_code": resume.kato_code})
    entry = EducationEntry(resume_id=resume.id, **values)
    resume.education.append(entry)
    _changed(session, actor, resume, "updated")
    return entry


def resumes_of(session: Session, seeker_id: int) -> list[Resume]:
    return list(session.scalars(sa.select(Resume).where(Resume.seeker_id == seeker_id).order_by(Resume.updated_at.desc())))
