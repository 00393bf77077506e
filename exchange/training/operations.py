"""Training applications: filed by seekers, employers or agencies; decided by the district centre.

A seeker applies for themselves; an employer or agency names the person (IIN, name,
contacts) and the application is linked to that person's seeker profile when they are
on the exchange, so the person sees it too. The centre of the person's district
approves it or refuses it with a reason. Every change is kept in ``training_events``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import outbox, schemas
from exchange.accounts.models import AccountRole
from exchange.auth import Actor, deny, require_org
from exchange.db import utcnow
from exchange.errors import Conflict, DomainError, NotFound, ValidationFailed
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import OrganisationKind
from exchange.reports import scope
from exchange.reports.history import differences, snapshot
from exchange.seekers import operations as seekers
from exchange.seekers.models import SeekerProfile
from exchange.training.models import TrainingApplication, TrainingEvent, TrainingForm, TrainingStatus

EDITABLE = (TrainingStatus.DRAFT, TrainingStatus.SUBMITTED)
FIELDS = ("iin", "full_name", "phone", "occupation_code", "form", "preferred_kato_code", "kato_code", "motivation",
          "employer_commitment")


class SelfApplicationSchema(schemas.InputSchema):
    occupation_code = schemas.code(required=True, max_len=4)
    form = schemas.enum(TrainingForm, required=True)
    preferred_kato_code = schemas.code(required=True, max_len=9)
    kato_code = schemas.code(max_len=9)
    motivation = schemas.text(max_len=3000)


class NamedApplicationSchema(SelfApplicationSchema):
    iin = schemas.iin(required=True)
    full_name = schemas.text(required=True, max_len=300, min_len=3)
    phone = schemas.phone()
    kato_code = schemas.code(required=True, max_len=9)
    employer_commitment = schemas.boolean()


class DecisionSchema(schemas.InputSchema):
    decision = schemas.text(required=True, max_len=10)
    reason = schemas.text(max_len=3000)


def _is_filing_org(actor: Actor) -> bool:
    return actor.in_org_kind(OrganisationKind.EMPLOYER) or actor.in_org_kind(OrganisationKind.AGENCY)


def _own_profile(session: Session, actor: Actor) -> SeekerProfile | None:
    if actor.user_id is None or actor.role != AccountRole.SEEKER:
        return None
    return seekers.profile_for_user(session, actor.user_id)


def _values(session: Session, actor: Actor, data: dict[str, Any], profile: SeekerProfile | None) -> dict[str, Any]:
    """Validated fields; for a seeker filing for themselves the person comes from their profile."""
    if profile is not None:
        values = schemas.load(SelfApplicationSchema(), data)
        values.update(iin=profile.iin, full_name=profile.full_name, phone=profile.phone, employer_commitment=False)
        if not values.get("kato_code"):
            # The centre the person is registered at decides; otherwise the one where they live.
            centre = seekers.registering_centre(session, profile)
            values["kato_code"] = centre.kato_code if centre is not None else profile.kato_code
    else:
        values = schemas.load(NamedApplicationSchema(), data)
        if not actor.in_org_kind(OrganisationKind.EMPLOYER):
            values["employer_commitment"] = False
    values["form"] = TrainingForm(values["form"])
    errors: dict[str, list] = {}
    for name, check in (("occupation_code", scope.occupation_error), ("kato_code", scope.district_error),
                        ("preferred_kato_code", scope.region_error)):
        message = check(session, values.get(name))
        if message:
            errors[name] = [message]
    if errors:
        raise ValidationFailed(errors)
    return values


def _event(session: Session, actor: Actor, item: TrainingApplication, action: str, changes: dict[str, Any] | None = None) -> None:
    session.add(TrainingEvent(application_id=item.id, user_id=actor.user_id, organisation_id=actor.organisation_id,
                              action=action, changes=changes or {}))
    session.flush()
    outbox.emit(session, f"training.{action}", "training_application", item.id,
                {"seeker_id": item.seeker_id, "status": item.status.value, "kato_code": item.kato_code,
                 "organisation_id": item.filed_by_organisation_id}, actor.user_id)


def create_application(session: Session, actor: Actor, data: dict[str, Any]) -> TrainingApplication:
    """Save a draft: a seeker for themselves, or an employer or agency for a person it names."""
    profile = _own_profile(session, actor)
    if profile is None and actor.role == AccountRole.SEEKER:
        raise Conflict(_l("Fill in your seeker profile first."))
    if profile is None:
        if not _is_filing_org(actor) and not actor.is_admin:
            raise deny(_l("Training applications are filed by job seekers, employers and agencies."))
        if not actor.is_admin:
            require_org(session, actor, actor.organisation_id)
    values = _values(session, actor, data, profile)
    linked = profile or seekers.get_by_iin(session, values["iin"])
    item = TrainingApplication(
        status=TrainingStatus.DRAFT, seeker_id=linked.id if linked else None, filed_by_user_id=actor.user_id,
        filed_by_organisation_id=None if profile is not None else actor.organisation_id, **values,
    )
    session.add(item)
    session.flush()
    _event(session, actor, item, "created", {"state": snapshot(item, FIELDS)})
    return item


def is_filer(session: Session, actor: Actor, item: TrainingApplication) -> bool:
    if actor.is_admin:
        return True
    if item.filed_by_organisation_id is None:
        return actor.user_id is not None and actor.user_id == item.filed_by_user_id
    if actor.organisation_id != item.filed_by_organisation_id:
        return False
    try:
        require_org(session, actor, item.filed_by_organisation_id)
    except DomainError:
        return False
    return True


def is_the_person(session: Session, actor: Actor, item: TrainingApplication) -> bool:
    profile = _own_profile(session, actor)
    return profile is not None and (profile.id == item.seeker_id or profile.iin == item.iin)


def is_deciding_centre(actor: Actor, item: TrainingApplication) -> bool:
    return scope.is_centre_staff(actor) and scope.can_see_district(actor, item.kato_code)


def can_view(session: Session, actor: Actor, item: TrainingApplication) -> bool:
    if is_filer(session, actor, item):
        return True
    if item.status == TrainingStatus.DRAFT:
        return False
    return is_the_person(session, actor, item) or is_deciding_centre(actor, item)


def get_application(session: Session, actor: Actor, application_id: int) -> TrainingApplication:
    item = session.get(TrainingApplication, application_id)
    if item is None:
        raise NotFound(_l("No such training application."))
    if not can_view(session, actor, item):
        raise deny()
    return item


def _editable(session: Session, actor: Actor, application_id: int) -> TrainingApplication:
    item = session.get(TrainingApplication, application_id)
    if item is None:
        raise NotFound(_l("No such training application."))
    if not is_filer(session, actor, item):
        raise deny()
    if item.status not in EDITABLE:
        raise Conflict(_l("This application is decided or withdrawn and can no longer be changed."))
    return item


def update_application(session: Session, actor: Actor, application_id: int, data: dict[str, Any]) -> TrainingApplication:
    item = _editable(session, actor, application_id)
    profile = _own_profile(session, actor) if item.filed_by_organisation_id is None else None
    if profile is None and item.filed_by_organisation_id is None and not actor.is_admin:
        raise deny()
    values = _values(session, actor, data, profile)
    before = snapshot(item, FIELDS)
    for name, value in values.items():
        setattr(item, name, value)
    if profile is None:
        linked = seekers.get_by_iin(session, item.iin)
        item.seeker_id = linked.id if linked else None
    session.flush()
    changes = differences(before, snapshot(item, FIELDS))
    if changes:
        _event(session, actor, item, "updated", changes)
    return item


def submit_application(session: Session, actor: Actor, application_id: int) -> TrainingApplication:
    item = _editable(session, actor, application_id)
    if item.status != TrainingStatus.DRAFT:
        raise Conflict(_l("This application is already submitted."))
    duplicate = session.scalar(
        sa.select(TrainingApplication.id).where(
            TrainingApplication.id != item.id, TrainingApplication.iin == item.iin,
            TrainingApplication.occupation_code == item.occupation_code,
            TrainingApplication.status.in_((TrainingStatus.SUBMITTED, TrainingStatus.APPROVED)),
        ).limit(1)
    )
    if duplicate is not None:
        raise Conflict(_l("This person already has an application for this occupation (no. %(id)s).", id=duplicate))
    item.status = TrainingStatus.SUBMITTED
    item.submitted_at = utcnow()
    _event(session, actor, item, "submitted")
    return item


def withdraw_application(session: Session, actor: Actor, application_id: int) -> TrainingApplication:
    """The filer, or the person it is about, withdraws an application that is not decided yet."""
    item = session.get(TrainingApplication, application_id)
    if item is None:
        raise NotFound(_l("No such training application."))
    if not (is_filer(session, actor, item) or (item.status != TrainingStatus.DRAFT and is_the_person(session, actor, item))):
        raise deny()
    if item.status not in EDITABLE:
        raise Conflict(_l("This application is decided or withdrawn and can no longer be changed."))
    item.status = TrainingStatus.WITHDRAWN
    _event(session, actor, item, "withdrawn")
    return item


def decide(session: Session, actor: Actor, application_id: int, data: dict[str, Any]) -> TrainingApplication:
    """The centre of the person's district approves, or refuses with a reason."""
    item = session.get(TrainingApplication, application_id)
    if item is None:
        raise NotFound(_l("No such training application."))
    if not is_deciding_centre(actor, item):
        raise deny(_l("Only the employment centre of the person's district decides on this application."))
    values = schemas.load(DecisionSchema(), data)
    if values["decision"] not in ("approve", "refuse"):
        raise ValidationFailed({"decision": [_l("Choose to approve or to refuse.")]})
    if values["decision"] == "refuse" and not values.get("reason"):
        raise ValidationFailed({"reason": [_l("Give the reason for the refusal; the applicant will see it.")]})
    if item.status != TrainingStatus.SUBMITTED:
        raise Conflict(_l("Only submitted applications are decided."))
    item.status = TrainingStatus.APPROVED if values["decision"] == "approve" else TrainingStatus.REFUSED
    item.decision_reason = values.get("reason")
    item.decided_at = utcnow()
    item.decided_by_user_id = actor.user_id
    item.decision_centre_id = actor.organisation_id
    _event(session, actor, item, item.status.value, {"reason": item.decision_reason})
    return item


def applications_for_seeker(session: Session, actor: Actor) -> list[TrainingApplication]:
    """A seeker's own applications and those others filed for them (drafts of others excluded)."""
    profile = _own_profile(session, actor)
    if profile is None:
        return []
    about_me = sa.or_(TrainingApplication.seeker_id == profile.id, TrainingApplication.iin == profile.iin)
    mine = TrainingApplication.filed_by_user_id == actor.user_id
    return list(session.scalars(
        sa.select(TrainingApplication)
        .where(sa.or_(mine, sa.and_(about_me, TrainingApplication.status != TrainingStatus.DRAFT)))
        .order_by(TrainingApplication.id.desc())
    ))


def applications_of_organisation(session: Session, actor: Actor, organisation_id: int) -> list[TrainingApplication]:
    require_org(session, actor, organisation_id)
    return list(session.scalars(
        sa.select(TrainingApplication).where(TrainingApplication.filed_by_organisation_id == organisation_id)
        .order_by(TrainingApplication.id.desc())
    ))


def centre_queue(session: Session, actor: Actor, status: str | None = None, area: str | None = None) -> list[TrainingApplication]:
    """Applications from the districts the actor oversees; undecided ones first, oldest first."""
    districts = scope.visible_districts(session, actor, area)
    if districts is not None and not districts:
        raise deny()
    stmt = sa.select(TrainingApplication).where(TrainingApplication.status != TrainingStatus.DRAFT)
    if districts is not None:
        stmt = stmt.where(TrainingApplication.kato_code.in_(sorted(districts)))
    if status in {s.value for s in TrainingStatus} - {TrainingStatus.DRAFT.value}:
        stmt = stmt.where(TrainingApplication.status == status)
    undecided_first = sa.case((TrainingApplication.status == TrainingStatus.SUBMITTED, 0), else_=1)
    return list(session.scalars(stmt.order_by(undecided_first, TrainingApplication.submitted_at, TrainingApplication.id)))
