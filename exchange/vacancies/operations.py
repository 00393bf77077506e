"""Vacancies: create, edit, publish, unpublish (hide), close, reopen (renew), archive."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import outbox, schemas
from exchange.auth import Actor, acts_for, deny, require_org, require_scope
from exchange.db import utcnow
from exchange.errors import Conflict, NotFound, ValidationFailed
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import Organisation, OrganisationKind
from exchange.profile_fields import MAX_SALARY, check_common, common_fields
from exchange.vacancies.models import (
    EmploymentType,
    Schedule,
    Vacancy,
    VacancyKind,
    VacancySource,
    VacancyStatus,
    WorkingRegime,
)

VacancySchema = schemas.InputSchema.from_dict(
    {
        "title": schemas.text(required=True, max_len=200, min_len=2),
        "description": schemas.text(max_len=20000),
        "qualification": schemas.text(max_len=5000),
        "min_experience_months": schemas.integer(minimum=0, maximum=600),
        "health_restrictions": schemas.text(max_len=2000),
        "salary_from": schemas.integer(minimum=0, maximum=MAX_SALARY),
        "salary_to": schemas.integer(minimum=0, maximum=MAX_SALARY),
        "employment_type": schemas.enum(EmploymentType),
        "schedule": schemas.enum(Schedule),
        "working_regime": schemas.enum(WorkingRegime),
        "address": schemas.text(max_len=300),
        "transport_notes": schemas.text(max_len=2000),
        "positions": schemas.integer(minimum=1, maximum=10000),
        "kind": schemas.enum(VacancyKind),
        "accessible": schemas.boolean(),
        "contact_name": schemas.text(max_len=200),
        "contact_phone": schemas.phone(),
        "contact_email": schemas.email(),
        "external_id": schemas.text(max_len=100),
        "organisation_id": schemas.integer(minimum=1),
        **common_fields(),
    },
    name="VacancySchema",
)

CLOSE_REASONS = ("filled", "cancelled", "expired", "employer_request", "moderation")

# Built once: an instance costs ~1 ms to build (fields copied and bound) and loading keeps no
# state on it; its messages are lazy, translated when shown, so one serves every locale.
_VACANCY_SCHEMA = VacancySchema()


def _validate(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    values = schemas.load_checked(_VACANCY_SCHEMA, data, lambda v: check_common(session, v))
    if values.get("salary_from") and values.get("salary_to") and values["salary_from"] > values["salary_to"]:
        raise ValidationFailed({"salary_to": [_l("The upper bound is below the lower bound.")]})
    return values


def _owning_organisation(session: Session, actor: Actor, organisation_id: int | None) -> tuple[Organisation, VacancySource]:
    """Employers post their own vacancies; agencies and centres may post on behalf of an employer."""
    target_id = organisation_id or actor.organisation_id
    if target_id is None:
        raise deny(_l("Choose the organisation that offers the job."))
    organisation = session.get(Organisation, target_id)
    if organisation is None or organisation.kind != OrganisationKind.EMPLOYER:
        raise ValidationFailed({"organisation_id": [_l("Vacancies belong to an employer organisation.")]})
    if actor.is_admin:
        return organisation, VacancySource.EMPLOYER
    if acts_for(actor, organisation.id):
        require_org(session, actor, organisation.id)
        return organisation, VacancySource.EMPLOYER
    if actor.organisation is not None and actor.organisation.kind in (OrganisationKind.AGENCY, OrganisationKind.CENTRE):
        require_org(session, actor, actor.organisation_id)
        kind = actor.organisation.kind
        return organisation, VacancySource.AGENCY if kind == OrganisationKind.AGENCY else VacancySource.CENTRE
    raise deny()


def can_edit(session: Session, actor: Actor, vacancy: Vacancy) -> bool:
    if actor.is_admin or acts_for(actor, vacancy.organisation_id):
        return True
    # The agency or centre that posted it on an employer's behalf manages it too.
    return vacancy.source_organisation_id is not None and acts_for(actor, vacancy.source_organisation_id)


def get_vacancy(session: Session, vacancy_id: int, *, for_update: bool = False) -> Vacancy:
    if for_update:
        vacancy = session.scalar(sa.select(Vacancy).where(Vacancy.id == vacancy_id).with_for_update())
    else:
        # From the session when it already holds the row (a SELECT would hand back that same
        # object without refreshing it): no round trip to re-read what was just written.
        vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound(_l("No such vacancy."))
    return vacancy


def get_editable(session: Session, actor: Actor, vacancy_id: int, *, for_update: bool = False) -> Vacancy:
    require_scope(actor, "vacancies:write")
    vacancy = get_vacancy(session, vacancy_id, for_update=for_update)
    if not can_edit(session, actor, vacancy):
        raise deny()
    if actor.via != "api" and not actor.is_admin:
        require_org(session, actor, actor.organisation_id)
    return vacancy


def can_view(session: Session, actor: Actor | None, vacancy: Vacancy) -> bool:
    return vacancy.is_public or (actor is not None and can_edit(session, actor, vacancy))


Events = list[dict[str, Any]] | None
"""Where an operation's outbox events go: ``None`` emits each at once (the usual case); a list
collects them as :func:`exchange.outbox.emit_many` rows, for a caller that writes many records
in one transaction (the bulk import) and must insert the list before it commits."""


def _changed(session: Session, actor: Actor, vacancy: Vacancy, what: str, events: Events = None, **extra: Any) -> None:
    session.flush()
    payload = {"version": vacancy.version, "organisation_id": vacancy.organisation_id, "public": vacancy.is_public, **extra}
    if events is None:
        outbox.emit(session, f"vacancy.{what}", "vacancy", vacancy.id, payload, actor.user_id)
    else:
        events.append({"topic": f"vacancy.{what}", "aggregate_type": "vacancy", "aggregate_id": vacancy.id,
                       "payload": payload, "actor_user_id": actor.user_id})


def _publish_errors(occupation_code: str | None, description: str | None) -> dict[str, list[Any]]:
    errors = {}
    if not occupation_code:
        errors["occupation_code"] = [_l("Choose an occupation before publishing.")]
    if len(description or "") < 20:
        errors["description"] = [_l("Describe the job in at least 20 characters before publishing.")]
    return errors


def create_vacancy(
    session: Session, actor: Actor, data: dict[str, Any], *, publish: bool = False, events: Events = None
) -> Vacancy:
    """Create a draft, or with ``publish`` a published vacancy in one step (one INSERT).

    Publishing at once checks what :func:`publish_vacancy` checks, before anything is
    written, and records the same two events (``created``, then ``published``).
    """
    require_scope(actor, "vacancies:write")
    values = _validate(session, data)
    organisation, source = _owning_organisation(session, actor, values.pop("organisation_id", None))
    if publish and (errors := _publish_errors(values.get("occupation_code"), values.get("description"))):
        raise ValidationFailed(errors)
    vacancy = Vacancy(
        organisation_id=organisation.id,
        source=source,
        source_organisation_id=actor.organisation_id if source != VacancySource.EMPLOYER else None,
        created_by_user_id=actor.user_id,
        status=VacancyStatus.PUBLISHED if publish else VacancyStatus.DRAFT,
        published_at=utcnow() if publish else None,
        **{k: v for k, v in values.items() if v is not None},
    )
    session.add(vacancy)
    _changed(session, actor, vacancy, "created", events)
    if publish:
        _changed(session, actor, vacancy, "published", events)
    return vacancy


def update_vacancy(session: Session, actor: Actor, vacancy_id: int, data: dict[str, Any], *, events: Events = None) -> Vacancy:
    vacancy = get_editable(session, actor, vacancy_id)
    if vacancy.status in (VacancyStatus.CLOSED, VacancyStatus.ARCHIVED):
        raise Conflict(_l("A closed vacancy cannot be edited; reopen it first."))
    values = _validate(session, data)
    values.pop("organisation_id", None)
    values.pop("external_id", None)
    if values.get("positions") is not None and values["positions"] < vacancy.positions_filled:
        raise ValidationFailed({"positions": [_l("%(n)s positions are already filled.", n=vacancy.positions_filled)]})
    for key, value in values.items():
        if value is None and key in ("employment_type", "schedule", "working_regime", "kind", "positions"):
            continue  # keep the defaults rather than blank out required columns
        setattr(vacancy, key, value)
    _changed(session, actor, vacancy, "updated", events)
    return vacancy


def publish_vacancy(session: Session, actor: Actor, vacancy_id: int, *, events: Events = None) -> Vacancy:
    vacancy = get_editable(session, actor, vacancy_id)
    if vacancy.status == VacancyStatus.PUBLISHED:
        return vacancy
    if vacancy.status in (VacancyStatus.CLOSED, VacancyStatus.ARCHIVED):
        raise Conflict(_l("A closed vacancy cannot be published; reopen it first."))
    if errors := _publish_errors(vacancy.occupation_code, vacancy.description):
        raise ValidationFailed(errors)
    vacancy.status = VacancyStatus.PUBLISHED
    vacancy.published_at = utcnow()
    _changed(session, actor, vacancy, "published", events)
    return vacancy


def unpublish_vacancy(session: Session, actor: Actor, vacancy_id: int, *, events: Events = None) -> Vacancy:
    """Hide from the portal without closing (back to draft)."""
    vacancy = get_editable(session, actor, vacancy_id)
    if vacancy.status != VacancyStatus.PUBLISHED:
        raise Conflict(_l("Only a published vacancy can be hidden."))
    vacancy.status = VacancyStatus.DRAFT
    _changed(session, actor, vacancy, "hidden", events)
    return vacancy


def close_vacancy(
    session: Session, actor: Actor, vacancy_id: int, reason: str = "employer_request", *, events: Events = None
) -> Vacancy:
    vacancy = get_editable(session, actor, vacancy_id)
    if reason not in CLOSE_REASONS:
        raise ValidationFailed({"reason": [_l("Choose one of: {choices}.").format(choices=", ".join(CLOSE_REASONS))]})
    if vacancy.status == VacancyStatus.CLOSED:
        return vacancy
    mark_closed(session, vacancy, reason, actor, events=events)
    return vacancy


def mark_closed(session: Session, vacancy: Vacancy, reason: str, actor: Actor, *, events: Events = None) -> None:
    """Close after the caller has checked permission (also used when the last position is filled)."""
    vacancy.status = VacancyStatus.CLOSED
    vacancy.closed_at = utcnow()
    vacancy.close_reason = reason
    _changed(session, actor, vacancy, "closed", events, reason=reason)


def reopen_vacancy(session: Session, actor: Actor, vacancy_id: int, *, events: Events = None) -> Vacancy:
    """Renew a closed vacancy as a draft, e.g. to hire again for the same job."""
    vacancy = get_editable(session, actor, vacancy_id)
    if vacancy.status != VacancyStatus.CLOSED:
        raise Conflict(_l("Only a closed vacancy can be reopened."))
    if vacancy.positions_filled >= vacancy.positions:
        raise Conflict(_l("Every position is filled; raise the number of positions first."))
    vacancy.status = VacancyStatus.DRAFT
    vacancy.closed_at = None
    vacancy.close_reason = None
    _changed(session, actor, vacancy, "reopened", events)
    return vacancy


def archive_vacancy(session: Session, actor: Actor, vacancy_id: int) -> Vacancy:
    vacancy = get_editable(session, actor, vacancy_id)
    vacancy.status = VacancyStatus.ARCHIVED
    _changed(session, actor, vacancy, "archived")
    return vacancy


def record_view(session: Session, vacancy: Vacancy) -> None:
    # A single UPDATE, so concurrent views never lose counts (and do not bump the version).
    session.execute(sa.update(Vacancy).where(Vacancy.id == vacancy.id).values(view_count=Vacancy.view_count + 1).execution_options(synchronize_session=False))


def organisation_vacancies(session: Session, actor: Actor, organisation_id: int, status: str | None = None) -> list[Vacancy]:
    require_org(session, actor, organisation_id)
    stmt = sa.select(Vacancy).where(
        sa.or_(Vacancy.organisation_id == organisation_id, Vacancy.source_organisation_id == organisation_id)
    )
    if status:
        stmt = stmt.where(Vacancy.status == status)
    return list(session.scalars(stmt.order_by(Vacancy.updated_at.desc())))


def public_vacancies(session: Session, *, limit: int = 20, offset: int = 0) -> tuple[list[Vacancy], int]:
    base = sa.select(Vacancy).where(Vacancy.status == VacancyStatus.PUBLISHED)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = session.scalars(base.order_by(Vacancy.published_at.desc(), Vacancy.id.desc()).limit(limit).offset(offset))
    return list(rows), total or 0
