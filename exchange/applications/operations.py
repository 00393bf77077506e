"""Applications: responses, invitations, centre referrals, the pipeline, hiring.

Every state change goes through :func:`transition`, which asks the state machine in
:mod:`exchange.applications.states`; every change is an :class:`ApplicationEvent` in
the application's history and an outbox event for notifications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from marshmallow import fields
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exchange import outbox, schemas
from exchange.accounts.models import AccountRole
from exchange.applications import states
from exchange.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationOrigin,
    ApplicationState,
    EventKind,
    InterviewKind,
    OrganisationStage,
    StageState,
)
from exchange.applications.states import Side
from exchange.auth import Actor, deny, require_org, require_scope
from exchange.db import UTCDateTime, utcnow
from exchange.employment.models import Employment, EmploymentSource
from exchange.errors import Conflict, NotFound, ValidationFailed, field_error
from exchange.i18n import lazy_gettext as _l
from exchange.labels import label
from exchange.organisations.models import OrganisationKind
from exchange.resumes import operations as resumes
from exchange.resumes.models import Resume, Visibility
from exchange.seekers import operations as seekers
from exchange.seekers.models import DeregistrationReason
from exchange.timeutil import ALMATY, local_today
from exchange.vacancies import operations as vacancies
from exchange.vacancies.models import Vacancy, VacancySource, VacancyStatus
from exchange.workdays import referral_deadline

WRITE_SCOPE = "applications:write"
READ_SCOPE = "applications:read"


class LocalDateTime(fields.AwareDateTime):
    """An ISO date-time; a time without a zone (an HTML datetime-local input) is Almaty time."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=ALMATY, **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if isinstance(value, str) and not value.strip():
            value = None
        return super().deserialize(value, attr, data, **kwargs)


class ApplySchema(schemas.InputSchema):
    cover_note = schemas.text(max_len=2000)


class ReferSchema(schemas.InputSchema):
    consent = schemas.boolean()
    consent_note = schemas.text(max_len=300)
    note = schemas.text(max_len=2000)


class TransitionSchema(schemas.InputSchema):
    note = schemas.text(max_len=2000)
    reason = schemas.text(max_len=300)
    interview_kind = schemas.enum(InterviewKind)
    interview_at = LocalDateTime(allow_none=True, load_default=None)
    interview_place = schemas.text(max_len=300)
    hired_on = schemas.date()
    stage_id = schemas.integer(minimum=1)


class NoteSchema(schemas.InputSchema):
    note = schemas.text(required=True, min_len=1, max_len=2000)


class ContactSchema(schemas.InputSchema):
    channel = schemas.text(required=True, max_len=10)
    message = schemas.text(max_len=480)


# --- loading and permissions ----------------------------------------------------


def get_application(session: Session, application_id: int, *, for_update: bool = False) -> Application:
    stmt = sa.select(Application).where(Application.id == application_id)
    if for_update:
        # populate_existing: a row already in the session is refreshed with the locked, current values.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    application = session.scalar(stmt)
    if application is None:
        raise NotFound(_l("No such application."))
    return application


def pipeline_owner_id(vacancy: Vacancy) -> int:
    """Whose stages a vacancy's pipeline uses: the agency that manages it, else the employer."""
    if vacancy.source == VacancySource.AGENCY and vacancy.source_organisation_id is not None:
        return vacancy.source_organisation_id
    return vacancy.organisation_id


def manages_vacancy(session: Session, actor: Actor, vacancy: Vacancy) -> bool:
    """The employer, or the agency or centre that posted the vacancy for it, as a current member."""
    if actor.is_admin:
        return True
    if not vacancies.can_edit(session, actor, vacancy):
        return False
    if actor.via != "api":
        require_org(session, actor, actor.organisation_id)
    return True


def submitted_by(actor: Actor, application: Application) -> bool:
    """The actor's agency applied with this resume on the person's behalf (a response it initiated).

    Only that organisation: another agency managing the same person, or one that merely
    invited, gets no reading right from this.
    """
    return (
        actor.organisation_id is not None
        and actor.in_org_kind(OrganisationKind.AGENCY)
        and application.origin == ApplicationOrigin.RESPONSE
        and application.initiated_by_organisation_id == actor.organisation_id
    )


def sides_of(session: Session, actor: Actor, application: Application) -> set[Side]:
    if actor.is_system:
        return {Side.SYSTEM, Side.EMPLOYER, Side.SEEKER, Side.CENTRE}
    if actor.is_admin:
        return {Side.EMPLOYER, Side.SEEKER, Side.CENTRE}
    sides: set[Side] = set()
    if actor.user_id is not None and actor.user_id == application.seeker.user_id:
        sides.add(Side.SEEKER)
    if actor.organisation_id is not None:
        if manages_vacancy(session, actor, application.vacancy):
            sides.add(Side.EMPLOYER)
        if submitted_by(actor, application):
            if actor.via != "api":
                require_org(session, actor, actor.organisation_id)
            sides.add(Side.AGENCY)
        registration = application.seeker.current_registration
        if actor.is_centre_staff and actor.organisation_id in (
            application.centre_id, registration.centre_id if registration else None
        ):
            require_org(session, actor, actor.organisation_id)
            sides.add(Side.CENTRE)
    return sides


def get_visible(session: Session, actor: Actor, application_id: int, *, for_update: bool = False) -> tuple[Application, set[Side]]:
    """Load an application the actor takes part in; another organisation's is refused."""
    require_scope(actor, READ_SCOPE)
    application = get_application(session, application_id, for_update=for_update)
    sides = sides_of(session, actor, application)
    if not sides:
        raise deny(_l("This application belongs to another organisation or person."))
    return application, sides


# --- creating applications ----------------------------------------------------------


def _open_vacancy(session: Session, vacancy_id: int) -> Vacancy:
    vacancy = vacancies.get_vacancy(session, vacancy_id)
    if vacancy.status != VacancyStatus.PUBLISHED:
        raise Conflict(_l("This vacancy is not open: it is %(status)s.", status=label("vacancy_status", vacancy.status)))
    if vacancy.positions_open <= 0:
        raise Conflict(_l("Every position of this vacancy is already filled."))
    return vacancy


def _usable_resume(resume: Resume, *, public_needed: bool) -> None:
    """Responses and invitations need a published resume; a referral may send a hidden one (with consent)."""
    if resume.visibility == Visibility.ARCHIVED:
        raise field_error("resume_id", _l("This resume is archived; choose another one."))
    if not public_needed:
        return
    if resume.visibility == Visibility.HIDDEN:
        raise field_error("resume_id", _l("This resume is hidden; show it again before using it."))
    if resume.published_at is None:
        raise field_error("resume_id", _l("This resume is not published yet; publish it first."))
    if not resume.is_public():
        raise field_error("resume_id", _l("The publication of this resume has expired; renew it first."))


def _refuse_duplicate(session: Session, resume_id: int, vacancy_id: int) -> None:
    existing = session.scalar(
        sa.select(Application).where(Application.resume_id == resume_id, Application.vacancy_id == vacancy_id)
    )
    if existing is not None:
        raise Conflict(
            _l(
                "This resume is already in this vacancy's pipeline (%(origin)s, %(state)s).",
                origin=label("application_origin", existing.origin),
                state=label("application_state", existing.state),
            )
        )


def _event(
    session: Session, actor: Actor, application: Application, kind: EventKind, *, from_state: str | None = None,
    to_state: str | None = None, note: str | None = None, stage_id: int | None = None, data: dict[str, Any] | None = None,
) -> ApplicationEvent:
    event = ApplicationEvent(
        application_id=application.id, kind=kind, from_state=from_state, to_state=to_state, note=note, stage_id=stage_id,
        data=data or {}, actor_user_id=actor.user_id, actor_organisation_id=actor.organisation_id, via=actor.via,
    )
    session.add(event)
    return event


def _ids(application: Application) -> dict[str, Any]:
    return {
        "application_id": application.id, "origin": application.origin.value, "vacancy_id": application.vacancy_id,
        "resume_id": application.resume_id, "seeker_id": application.seeker_id,
        "organisation_id": application.organisation_id, "centre_id": application.centre_id,
    }


def _create(
    session: Session, actor: Actor, resume: Resume, vacancy: Vacancy, origin: ApplicationOrigin, **values: Any
) -> Application:
    _refuse_duplicate(session, resume.id, vacancy.id)
    application = Application(
        resume_id=resume.id, vacancy_id=vacancy.id, seeker_id=resume.seeker_id, organisation_id=vacancy.organisation_id,
        origin=origin, state=ApplicationState.NEW, created_by_user_id=actor.user_id, **values,
    )
    try:
        # A savepoint: a concurrent duplicate trips the unique constraint without spoiling the transaction.
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("This resume is already in this vacancy's pipeline.")) from None
    _event(session, actor, application, EventKind.CREATED, to_state=ApplicationState.NEW.value, note=values.get("cover_note"),
           data={"origin": origin.value})
    payload = _ids(application)
    if application.answer_due_at is not None:
        payload["answer_due_at"] = application.answer_due_at.isoformat()
    outbox.emit(session, "application.created", "application", application.id, payload, actor.user_id)
    return application


def apply(session: Session, actor: Actor, resume_id: int, vacancy_id: int, data: dict[str, Any] | None = None) -> Application:
    """A seeker (or the agency that represents them) responds to a vacancy with a resume."""
    require_scope(actor, WRITE_SCOPE)
    resume = resumes.get_resume(session, resume_id)
    if actor.is_centre_staff:
        raise deny(_l("Employment centres send referrals instead of responses."))
    own = actor.user_id is not None and actor.user_id == resume.seeker.user_id
    if not (own or actor.is_admin or (actor.in_org_kind(OrganisationKind.AGENCY) and resumes.can_edit(session, actor, resume))):
        raise deny(_l("You can apply only with your own resume."))
    values = schemas.load(ApplySchema(), data or {})
    _usable_resume(resume, public_needed=True)
    vacancy = _open_vacancy(session, vacancy_id)
    initiated_by = actor.organisation_id if not own else None
    return _create(
        session, actor, resume, vacancy, ApplicationOrigin.RESPONSE, cover_note=values.get("cover_note"),
        consent_at=utcnow(), initiated_by_organisation_id=initiated_by,
    )


def invite(session: Session, actor: Actor, resume_id: int, vacancy_id: int, data: dict[str, Any] | None = None) -> Application:
    """An employer or agency invites the author of a published resume to one of its vacancies (R-EMP-4)."""
    require_scope(actor, WRITE_SCOPE)
    vacancy = vacancies.get_vacancy(session, vacancy_id)
    if not manages_vacancy(session, actor, vacancy):
        raise deny(_l("You can invite people only to your own organisation's vacancies."))
    values = schemas.load(ApplySchema(), data or {})
    resume = resumes.get_resume(session, resume_id)
    if not (resume.is_public() or resumes.can_view(session, actor, resume)):
        raise NotFound(_l("No such resume."))
    _usable_resume(resume, public_needed=True)
    _open_vacancy(session, vacancy_id)
    return _create(
        session, actor, resume, vacancy, ApplicationOrigin.INVITATION, cover_note=values.get("cover_note"),
        initiated_by_organisation_id=actor.organisation_id,
    )


def refer(session: Session, actor: Actor, resume_id: int, vacancy_id: int, data: dict[str, Any]) -> Application:
    """A centre sends a registered seeker's resume to an employer with the seeker's consent (R-FLOW-4).

    The answer is due by :func:`exchange.workdays.referral_deadline` of the sending time.
    """
    require_scope(actor, WRITE_SCOPE)
    if not (actor.is_centre_staff or actor.is_admin):
        raise deny(_l("Only employment-centre staff send referrals."))
    if actor.organisation_id is not None:
        require_org(session, actor, actor.organisation_id)
    values = schemas.load(ReferSchema(), data)
    resume = resumes.get_resume(session, resume_id)
    registration = resume.seeker.current_registration
    if registration is None or (not actor.is_admin and registration.centre_id != actor.organisation_id):
        raise Conflict(_l("Only people registered at your centre can be referred."))
    if not values.get("consent"):
        raise field_error("consent", _l("Record the person's consent to this referral before sending it."))
    _usable_resume(resume, public_needed=False)
    vacancy = _open_vacancy(session, vacancy_id)
    now = utcnow()
    consent_note = values.get("consent_note")
    return _create(
        session, actor, resume, vacancy, ApplicationOrigin.REFERRAL, cover_note=values.get("note"),
        consent_at=now, consent_note=consent_note, centre_id=registration.centre_id,
        initiated_by_organisation_id=registration.centre_id, referral_sent_at=now, answer_due_at=referral_deadline(now),
    )


def refer_many(
    session: Session, actor: Actor, vacancy_id: int, resume_ids: list[int], data: dict[str, Any]
) -> tuple[list[Application], list[tuple[int, str]]]:
    """Bulk referrals: each one stands alone; refused ones are reported with the reason and leave nothing behind."""
    if not resume_ids:
        raise field_error("resume_ids", _l("Choose at least one person to refer."))
    sent: list[Application] = []
    refused: list[tuple[int, str]] = []
    for resume_id in dict.fromkeys(resume_ids):
        try:
            with session.begin_nested():
                sent.append(refer(session, actor, resume_id, vacancy_id, data))
        except (Conflict, ValidationFailed, NotFound) as error:
            messages = [str(m) for msgs in error.fields.values() for m in msgs] or [str(error.message)]
            refused.append((resume_id, " ".join(messages)))
    return sent, refused


# --- moving through the pipeline ---------------------------------------------------


def _stage(session: Session, application: Application, stage_id: int) -> OrganisationStage:
    stage = session.get(OrganisationStage, stage_id)
    if stage is None or not stage.active or stage.organisation_id != pipeline_owner_id(application.vacancy):
        raise field_error("stage_id", _l("Choose one of your organisation's stages."))
    return stage


def _interview_values(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list] = {}
    if not values.get("interview_kind"):
        errors["interview_kind"] = [_l("Choose the kind of interview.")]
    if values.get("interview_at") is None:
        errors["interview_at"] = [_l("Give the date and time of the interview.")]
    elif values["interview_at"] < utcnow() - dt.timedelta(hours=1):
        errors["interview_at"] = [_l("The interview time is in the past.")]
    if not values.get("interview_place"):
        errors["interview_place"] = [_l("Give the address or the link of the interview.")]
    if errors:
        raise ValidationFailed(errors)
    return {
        "interview_kind": InterviewKind(values["interview_kind"]),
        "interview_at": values["interview_at"].astimezone(dt.UTC),
        "interview_place": values["interview_place"],
    }


def transition(session: Session, actor: Actor, application_id: int, to_state: str, data: dict[str, Any] | None = None) -> Application:
    """Move an application to another state (the one place that does it)."""
    require_scope(actor, WRITE_SCOPE)
    try:
        target = ApplicationState(to_state)
    except ValueError:
        raise field_error("to_state", _l("Unknown state.")) from None
    application, sides = get_visible(session, actor, application_id, for_update=True)
    current = application.state
    states.check(current, target, sides)
    values = schemas.load(TransitionSchema(), data or {})
    stage = _stage(session, application, values["stage_id"]) if values.get("stage_id") else None
    if stage is not None and stage.state.value != target.value:
        raise field_error("stage_id", _l("This stage belongs to another step of the pipeline."))
    extra: dict[str, Any] = {}
    if target == ApplicationState.INTERVIEW:
        extra = _interview_values(values)
        if stage is not None and stage.interview_kind is not None and values.get("interview_kind") != stage.interview_kind.value:
            raise field_error("interview_kind", _l("This stage is a %(kind)s.", kind=label("interview_kind", stage.interview_kind)))
    now = utcnow()
    if target == ApplicationState.HIRED:
        hired_on = values.get("hired_on") or local_today()
        if not (local_today() - dt.timedelta(days=365) <= hired_on <= local_today() + dt.timedelta(days=92)):
            raise field_error("hired_on", _l("The first working day must be within the last year or the next three months."))
        _hire(session, actor, application, hired_on)
        application.hired_on = hired_on
    for key, value in extra.items():
        setattr(application, key, value)
    application.state = target
    application.stage_id = stage.id if stage is not None else None
    if target in states.ANSWERS and application.answered_at is None:
        application.answered_at = now
    if target in states.TERMINAL:
        application.closed_at = now
        application.closed_reason = (values.get("reason") or values.get("note") or "")[:300] or None
    session.flush()
    event_data = {k: (v.isoformat() if hasattr(v, "isoformat") else getattr(v, "value", v)) for k, v in extra.items()}
    if values.get("reason"):
        event_data["reason"] = values["reason"]
    _event(session, actor, application, EventKind.TRANSITION, from_state=current.value, to_state=target.value,
           note=values.get("note"), stage_id=application.stage_id, data=event_data)
    payload = {**_ids(application), "from_state": current.value, "to_state": target.value, **event_data}
    outbox.emit(session, "application.changed", "application", application.id, payload, actor.user_id)
    if target == ApplicationState.HIRED:
        outbox.emit(session, "application.hired", "application", application.id,
                    {"application_id": application.id, "vacancy_id": application.vacancy_id, "seeker_id": application.seeker_id},
                    actor.user_id)
    return application


def _locked_vacancy(session: Session, vacancy_id: int) -> Vacancy:
    # FOR UPDATE serialises hires into one vacancy: the second waits, then sees the filled count.
    stmt = sa.select(Vacancy).where(Vacancy.id == vacancy_id).with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).one()


def _hire(session: Session, actor: Actor, application: Application, hired_on: dt.date) -> None:
    """Fill a position: count it, record the employment, close a full vacancy, update the registration (R-FLOW-6)."""
    vacancy = _locked_vacancy(session, application.vacancy_id)
    if vacancy.positions_filled >= vacancy.positions:
        raise Conflict(_l("Every position of this vacancy is already filled; this person cannot be hired into it."))
    if vacancy.status not in (VacancyStatus.PUBLISHED, VacancyStatus.DRAFT):
        raise Conflict(_l("This vacancy is %(status)s; reopen it to hire.", status=label("vacancy_status", vacancy.status)))
    vacancy.positions_filled += 1
    employer = application.organisation
    employment = session.scalar(
        sa.select(Employment).where(
            Employment.seeker_id == application.seeker_id, Employment.employer_bin == employer.bin, Employment.started_on == hired_on
        )
    )
    if employment is None:
        session.add(Employment(
            seeker_id=application.seeker_id, employer_organisation_id=employer.id, employer_bin=employer.bin or "",
            employer_name=employer.name, started_on=hired_on, source=EmploymentSource.HIRE, through_platform=True,
            vacancy_id=vacancy.id, application_id=application.id, occupation_code=vacancy.occupation_code,
            kato_code=vacancy.kato_code,
        ))
    else:  # already known (e.g. from pension data): link it to this hire
        employment.through_platform = True
        employment.vacancy_id = employment.vacancy_id or vacancy.id
        employment.application_id = employment.application_id or application.id
    if vacancy.positions_filled >= vacancy.positions:
        vacancies.mark_closed(session, vacancy, "filled", actor)
    else:
        session.flush()
    profile = application.seeker
    if profile.current_registration is not None:
        seekers.end_registration(
            session, actor, profile, DeregistrationReason.EMPLOYED,
            str(_l("Hired by %(employer)s (application %(id)s).", employer=employer.name, id=application.id)),
        )
    else:
        profile.departed_at = utcnow()


def move_to_stage(session: Session, actor: Actor, application_id: int, stage_id: int, data: dict[str, Any] | None = None) -> Application:
    """Put an application on one of the organisation's own stages; a stage of another step moves the state too."""
    application, sides = get_visible(session, actor, application_id, for_update=True)
    if Side.EMPLOYER not in sides:
        raise deny(_l("Only the employer can make this decision."))
    stage = _stage(session, application, stage_id)
    if stage.state.value != application.state.value:
        return transition(session, actor, application_id, stage.state.value, {**(data or {}), "stage_id": stage_id})
    values = schemas.load(TransitionSchema(), data or {})
    previous = application.stage_id
    application.stage_id = stage.id
    session.flush()
    _event(session, actor, application, EventKind.STAGE, from_state=application.state.value, to_state=application.state.value,
           note=values.get("note"), stage_id=stage.id, data={"from_stage_id": previous})
    outbox.emit(session, "application.changed", "application", application.id,
                {**_ids(application), "from_state": application.state.value, "to_state": application.state.value,
                 "stage_id": stage.id}, actor.user_id)
    return application


def mark_viewed(session: Session, actor: Actor, application_id: int) -> Application:
    """The employer opened a new application: it becomes "viewed" (once)."""
    application, sides = get_visible(session, actor, application_id)
    if application.state == ApplicationState.NEW and Side.EMPLOYER in sides and not actor.is_admin:
        return transition(session, actor, application_id, ApplicationState.VIEWED.value, {})
    return application


def withdraw(session: Session, actor: Actor, application_id: int, data: dict[str, Any] | None = None) -> Application:
    return transition(session, actor, application_id, ApplicationState.WITHDRAWN.value, data)


def answer_invitation(session: Session, actor: Actor, application_id: int, accept: bool) -> Application:
    """The seeker accepts an invitation (sharing contacts with the employer) or declines it."""
    application, sides = get_visible(session, actor, application_id, for_update=True)
    if Side.SEEKER not in sides:
        raise deny(_l("Only the job seeker answers an invitation."))
    if application.origin != ApplicationOrigin.INVITATION:
        raise Conflict(_l("This is not an invitation."))
    if not accept:
        return transition(session, actor, application_id, ApplicationState.WITHDRAWN.value,
                          {"reason": str(_l("The invitation was declined."))})
    if not application.is_open:
        raise Conflict(_l("This application is closed (%(state)s); it cannot change any more.",
                          state=label("application_state", application.state)))
    if application.consent_at is None:
        application.consent_at = utcnow()
        session.flush()
        _event(session, actor, application, EventKind.CONSENT, note=str(_l("The invitation was accepted.")))
        outbox.emit(session, "application.changed", "application", application.id,
                    {**_ids(application), "from_state": application.state.value, "to_state": application.state.value,
                     "accepted": True}, actor.user_id)
    return application


def add_note(session: Session, actor: Actor, application_id: int, data: dict[str, Any]) -> ApplicationEvent:
    """A note in the history, seen by the employer side and the centre (not an outbox event)."""
    application, sides = get_visible(session, actor, application_id)
    if not sides & {Side.EMPLOYER, Side.CENTRE, Side.SYSTEM}:
        raise deny(_l("Only the employer and the centre keep notes on an application."))
    values = schemas.load(NoteSchema(), data)
    event = _event(session, actor, application, EventKind.NOTE, note=values["note"])
    session.flush()
    return event


CONTACT_CHANNELS = ("sms", "call")


def request_contact(session: Session, actor: Actor, application_id: int, data: dict[str, Any]) -> ApplicationEvent:
    """Record that the employer wants to text or call the candidate (R-EMP-14); delivery is the notifier's job."""
    require_scope(actor, WRITE_SCOPE)
    application, sides = get_visible(session, actor, application_id)
    if Side.EMPLOYER not in sides:
        raise deny(_l("Only the employer contacts candidates from the pipeline."))
    values = schemas.load(ContactSchema(), data)
    if values["channel"] not in CONTACT_CHANNELS:
        raise field_error("channel", _l("Choose SMS or a phone call."))
    profile = application.seeker
    if not seekers.can_view_private(session, actor, profile):
        raise deny(_l("The candidate has not shared their contacts with you yet."))
    if not profile.phone:
        raise Conflict(_l("The candidate has no phone number on the exchange."))
    if values["channel"] == "sms" and not values.get("message"):
        raise field_error("message", _l("Write the text of the SMS."))
    event = _event(session, actor, application, EventKind.CONTACT, note=values.get("message"), data={"channel": values["channel"]})
    session.flush()
    outbox.emit(session, "candidate.contact_requested", "application", application.id,
                {**_ids(application), "channel": values["channel"], "message": values.get("message"), "event_id": event.id},
                actor.user_id)
    return event


def close_open_for_seeker(session: Session, seeker_id: int, reason: str, actor: Actor) -> list[Application]:
    """Withdraw every open application of a person (e.g. death or a closed account).

    Called by other operations after their own permission checks.
    """
    ids = close_open_for_seekers(session, [seeker_id], reason, actor)
    if not ids:
        return []
    return list(session.scalars(sa.select(Application).where(Application.id.in_(ids)).order_by(Application.id)))


def close_open_for_seekers(
    session: Session, seekers: Iterable[int] | sa.SelectBase, reason: str, actor: Actor
) -> list[int]:
    """Withdraw every open application of many people in three statements, whatever their number.

    ``seekers`` is a collection of seeker ids or a one-column select of them (e.g. a
    reconciliation run's matches). Each application gets what :func:`transition` would
    write: a TRANSITION history entry and an ``application.changed`` event with the
    usual ids, ``from_state``, ``to_state`` and ``reason``. Returns the closed ids.

    The history insert locks the rows it reads (FOR UPDATE on PostgreSQL) and defines
    the set: the event and the update touch only applications that have that entry,
    so an application committed meanwhile by someone else is left alone rather than
    closed without history. Called by other operations after their permission checks.
    """
    from exchange.applications.jobs import ids_payload
    from exchange.sqljson import json_object

    if not isinstance(seekers, sa.SelectBase):
        seekers = sorted({int(s) for s in seekers})
        if not seekers:
            return []
    a, e = Application, ApplicationEvent
    now = utcnow()
    withdrawn = ApplicationState.WITHDRAWN.value
    at = sa.literal(now, UTCDateTime())
    open_of_seekers = sa.and_(a.seeker_id.in_(seekers), a.state.in_(states.OPEN_STATE_LIST))
    session.execute(
        sa.insert(e).from_select(
            ["application_id", "kind", "from_state", "to_state", "note", "data", "actor_user_id",
             "actor_organisation_id", "via", "created_at"],
            sa.select(
                a.id, sa.literal(EventKind.TRANSITION.value), a.state, sa.literal(withdrawn), sa.literal(reason, sa.Text),
                json_object(session), sa.literal(actor.user_id, sa.Integer), sa.literal(actor.organisation_id, sa.Integer),
                sa.literal(actor.via), at,
            ).where(open_of_seekers).with_for_update(of=a),
        )
    )
    recorded = sa.exists().where(
        e.application_id == a.id, e.kind == EventKind.TRANSITION, e.to_state == withdrawn, e.created_at == at,
        e.note == reason,
    )
    closing = sa.and_(open_of_seekers, recorded)
    # The event reads the state each row leaves, so it goes before the update.
    outbox.emit_from_select(session, sa.select(
        sa.literal("application.changed"), sa.literal("application"), a.id,
        ids_payload(session, a, from_state=a.state, to_state=sa.literal(withdrawn), reason=sa.literal(reason, sa.Text)),
        sa.literal(actor.user_id, sa.Integer), at, sa.literal(0),
    ).where(closing))
    closed = session.scalars(
        sa.update(a).where(closing)
        .values(state=ApplicationState.WITHDRAWN, closed_at=now, closed_reason=reason[:300], updated_at=now,
                version=a.version + 1)
        .returning(a.id)
        .execution_options(synchronize_session="fetch")
    ).all()
    return sorted(closed)


# --- organisation stages -------------------------------------------------------------


class StageInput(schemas.InputSchema):
    name = schemas.text(required=True, min_len=1, max_len=100)
    state = schemas.enum(StageState, required=True)
    interview_kind = schemas.enum(InterviewKind)
    position = schemas.integer(minimum=0, maximum=1000)


def stages_for(session: Session, organisation_id: int, *, include_inactive: bool = False) -> list[OrganisationStage]:
    stmt = sa.select(OrganisationStage).where(OrganisationStage.organisation_id == organisation_id)
    if not include_inactive:
        stmt = stmt.where(OrganisationStage.active.is_(True))
    stages = list(session.scalars(stmt.order_by(OrganisationStage.position, OrganisationStage.id)))
    order = {value: i for i, value in enumerate(states.STAGE_ORDER)}
    return sorted(stages, key=lambda s: (order[s.state.value], s.position, s.id))


def _stage_org(session: Session, actor: Actor) -> int:
    if actor.organisation is None or actor.organisation.kind not in (OrganisationKind.EMPLOYER, OrganisationKind.AGENCY):
        raise deny(_l("Employers and agencies configure hiring stages."))
    require_org(session, actor, actor.organisation_id, manage=True)
    return actor.organisation_id


def _stage_values(values: dict[str, Any]) -> dict[str, Any]:
    values["state"] = StageState(values["state"])
    kind = values.get("interview_kind")
    values["interview_kind"] = InterviewKind(kind) if kind and values["state"] == StageState.INTERVIEW else None
    return values


def create_stage(session: Session, actor: Actor, data: dict[str, Any]) -> OrganisationStage:
    organisation_id = _stage_org(session, actor)
    values = _stage_values(schemas.load(StageInput(), data))
    if values.get("position") is None:
        values["position"] = len(stages_for(session, organisation_id)) + 1
    if session.scalar(sa.select(sa.func.count()).where(OrganisationStage.organisation_id == organisation_id,
                                                        OrganisationStage.active.is_(True))) >= 20:
        raise Conflict(_l("An organisation can have at most 20 stages."))
    stage = OrganisationStage(organisation_id=organisation_id, **values)
    session.add(stage)
    session.flush()
    return stage


def update_stage(session: Session, actor: Actor, stage_id: int, data: dict[str, Any]) -> OrganisationStage:
    organisation_id = _stage_org(session, actor)
    stage = session.get(OrganisationStage, stage_id)
    if stage is None or stage.organisation_id != organisation_id:
        raise NotFound(_l("No such stage."))
    values = schemas.load(StageInput(), data)
    if values["state"] != stage.state.value and session.scalar(
        sa.select(sa.func.count()).where(Application.stage_id == stage.id, Application.state.in_(states.OPEN_STATE_LIST))
    ):
        raise field_error("state", _l("Candidates are on this stage; move them before changing its step."))
    values = _stage_values(values)
    for key, value in values.items():
        if value is not None or key == "interview_kind":
            setattr(stage, key, value)
    session.flush()
    return stage


def remove_stage(session: Session, actor: Actor, stage_id: int) -> OrganisationStage:
    """Deactivate (history keeps pointing at it); candidates on it stay in their state."""
    organisation_id = _stage_org(session, actor)
    stage = session.get(OrganisationStage, stage_id)
    if stage is None or stage.organisation_id != organisation_id:
        raise NotFound(_l("No such stage."))
    stage.active = False
    session.execute(sa.update(Application).where(Application.stage_id == stage.id).values(stage_id=None)
                    .execution_options(synchronize_session="fetch"))
    return stage


def is_seeker(actor: Actor) -> bool:
    return actor.role == AccountRole.SEEKER
