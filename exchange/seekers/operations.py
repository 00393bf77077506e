"""Seeker profiles, consents, and registration at employment centres."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import audit, outbox, schemas
from exchange.accounts.models import AccountRole
from exchange.applications.grants import shared_through_application
from exchange.auth import Actor, deny, require_org
from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.db import utcnow
from exchange.errors import Conflict, NotFound, ValidationFailed, field_error
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import Organisation, OrganisationKind
from exchange.seekers.models import DeregistrationReason, Registration, SeekerCategory, SeekerProfile
from exchange.validators import iin_birth_date

CONSENTS = ("publish", "verification", "credit_check")


class SeekerSchema(schemas.InputSchema):
    iin = schemas.iin(required=True)
    last_name = schemas.text(required=True, max_len=100, min_len=1)
    first_name = schemas.text(required=True, max_len=100, min_len=1)
    middle_name = schemas.text(max_len=100)
    birth_date = schemas.date()
    phone = schemas.phone()
    email = schemas.email()
    kato_code = schemas.code(required=True, max_len=9)
    address = schemas.text(max_len=300)
    category = schemas.enum(SeekerCategory)
    has_disability = schemas.boolean()
    consent_publish = schemas.boolean()
    consent_verification = schemas.boolean()
    consent_credit_check = schemas.boolean()


def _check(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list] = {}
    born = iin_birth_date(values["iin"])
    if values.get("birth_date") is None:
        values["birth_date"] = born
    elif values["birth_date"] != born:
        errors["birth_date"] = [_l("The birth date does not match the IIN.")]
    if born is not None:
        age = (dt.date.today() - born).days // 365
        if age < 14 or age > 100:
            errors["iin"] = [_l("The IIN gives an age outside 14–100 years.")]
    if not classifiers.exists(session, Scheme.KATO, values.get("kato_code")):
        errors["kato_code"] = [_l("Choose a region or district from the list.")]
    if errors:
        raise ValidationFailed(errors)
    return values


def _apply_consents(profile: SeekerProfile, values: dict[str, Any]) -> list[str]:
    """Set or withdraw consents; each keeps the time it was given."""
    changed = []
    for name in CONSENTS:
        key = f"consent_{name}"
        if key not in values:
            continue
        attr = f"{key}_at"
        given = bool(values[key])
        if given and getattr(profile, attr) is None:
            setattr(profile, attr, utcnow())
            changed.append(f"{name}:given")
        elif not given and getattr(profile, attr) is not None:
            setattr(profile, attr, None)
            changed.append(f"{name}:withdrawn")
    return changed


def get_by_iin(session: Session, iin: str) -> SeekerProfile | None:
    return session.scalar(sa.select(SeekerProfile).where(SeekerProfile.iin == iin))


def profile_for_user(session: Session, user_id: int) -> SeekerProfile | None:
    return session.scalar(sa.select(SeekerProfile).where(SeekerProfile.user_id == user_id))


def create_profile(session: Session, actor: Actor, data: dict[str, Any]) -> SeekerProfile:
    """A seeker creates their own profile, or a centre or agency creates one for a person."""
    values = _check(session, schemas.load(SeekerSchema(), data))
    if actor.is_admin:
        owner_id = data.get("user_id")
    elif actor.role == AccountRole.SEEKER:
        if profile_for_user(session, actor.user_id) is not None:
            raise Conflict(_l("You already have a profile."))
        owner_id = actor.user_id
    elif actor.is_centre_staff or actor.in_org_kind(OrganisationKind.AGENCY):
        require_org(session, actor, actor.organisation_id)
        owner_id = None
    else:
        raise deny()
    if get_by_iin(session, values["iin"]) is not None:
        raise field_error("iin", _l("A person with this IIN is already on the exchange."))
    consent_values = {k: values.pop(k) for k in list(values) if k.startswith("consent_")}
    profile = SeekerProfile(
        **{k: v for k, v in values.items() if v is not None},
        user_id=owner_id,
        # An API actor has no user: compare only when there is an owner, or agency-made profiles lose their owner.
        created_by_organisation_id=None if owner_id is not None and owner_id == actor.user_id else actor.organisation_id,
    )
    _apply_consents(profile, consent_values)
    session.add(profile)
    session.flush()
    outbox.emit(session, "seeker.created", "seeker", profile.id, {}, actor.user_id)
    return profile


def get_profile(session: Session, actor: Actor, seeker_id: int, *, private: bool = False) -> SeekerProfile:
    """Load a profile; ``private`` also checks the right to see personal data and audits it."""
    profile = session.get(SeekerProfile, seeker_id)
    if profile is None:
        raise NotFound(_l("No such job seeker."))
    if private:
        if not can_view_private(session, actor, profile):
            raise deny()
        if actor.user_id != profile.user_id:
            audit.record(session, actor, "view", "seeker", profile.id)
    return profile


def update_profile(session: Session, actor: Actor, seeker_id: int, data: dict[str, Any]) -> SeekerProfile:
    profile = session.get(SeekerProfile, seeker_id)
    if profile is None:
        raise NotFound()
    if not can_edit(session, actor, profile):
        raise deny()
    values = _check(session, schemas.load(SeekerSchema(), {"iin": profile.iin, **data, }))
    if values["iin"] != profile.iin:
        raise field_error("iin", _l("The IIN cannot be changed."))
    changes = _apply_consents(profile, {k: values.pop(k) for k in list(values) if k.startswith("consent_")})
    for key, value in values.items():
        if key != "iin" and (value is not None or key in ("middle_name", "phone", "email", "address")):
            setattr(profile, key, value)
    if actor.user_id != profile.user_id:
        audit.record(session, actor, "update", "seeker", profile.id)
    outbox.emit(session, "seeker.updated", "seeker", profile.id, {"consents": changes}, actor.user_id)
    return profile


def set_consents(session: Session, actor: Actor, seeker_id: int, **consents: bool) -> SeekerProfile:
    """Record consents. Centre staff may record consent the person gave them in person."""
    profile = session.get(SeekerProfile, seeker_id)
    if profile is None:
        raise NotFound()
    if not (actor.user_id == profile.user_id or can_edit(session, actor, profile)):
        raise deny()
    unknown = set(consents) - set(CONSENTS)
    if unknown:
        raise field_error(sorted(unknown)[0], _l("Unknown consent."))
    changes = _apply_consents(profile, {f"consent_{k}": v for k, v in consents.items()})
    if changes:
        outbox.emit(session, "seeker.consents_changed", "seeker", profile.id, {"consents": changes}, actor.user_id)
    return profile


def registering_centre(session: Session, profile: SeekerProfile) -> Organisation | None:
    reg = profile.current_registration
    return session.get(Organisation, reg.centre_id) if reg else None


def can_edit(session: Session, actor: Actor, profile: SeekerProfile) -> bool:
    if actor.is_admin or (actor.user_id is not None and actor.user_id == profile.user_id):
        return True
    reg = profile.current_registration
    if reg is not None and actor.is_centre_staff and actor.organisation_id == reg.centre_id:
        return True
    # An agency or centre that created a profile for someone without an account keeps it.
    return profile.user_id is None and actor.organisation_id is not None and actor.organisation_id == profile.created_by_organisation_id


def can_view_private(session: Session, actor: Actor, profile: SeekerProfile) -> bool:
    """Personal data (IIN, contacts, address) is for the person, their centre, and whom they chose."""
    if can_edit(session, actor, profile):
        return True
    if actor.organisation_id is None:
        return False
    return any(grant(session, actor.organisation_id, profile.id) for grant in PRIVATE_DATA_GRANTS)


# Other modules add grants here (e.g. the seeker applied to that organisation).
PRIVATE_DATA_GRANTS: list = [shared_through_application]


class RegistrationSchema(schemas.InputSchema):
    category = schemas.enum(SeekerCategory, required=True)


def register(session: Session, actor: Actor, seeker_id: int, data: dict[str, Any]) -> Registration:
    """Put a person on the centre's register as a job seeker or unemployed."""
    if not actor.is_centre_staff and not actor.is_admin:
        raise deny(_l("Only employment-centre staff register job seekers."))
    require_org(session, actor, actor.organisation_id)
    profile = session.get(SeekerProfile, seeker_id)
    if profile is None:
        raise NotFound()
    values = schemas.load(RegistrationSchema(), data)
    category = SeekerCategory(values["category"])
    if category not in (SeekerCategory.JOB_SEEKER, SeekerCategory.UNEMPLOYED, SeekerCategory.TO_BE_LAID_OFF):
        raise field_error("category", _l("Only job seekers and unemployed people are registered."))
    if profile.current_registration is not None:
        raise Conflict(_l("This person is already registered at an employment centre."))
    registration = Registration(
        seeker_id=profile.id, centre_id=actor.organisation_id, category=category, registered_by_user_id=actor.user_id
    )
    profile.registrations.append(registration)
    profile.category = category
    profile.departed_at = None
    session.flush()
    audit.record(session, actor, "register", "seeker", profile.id)
    outbox.emit(
        session, "seeker.registered", "seeker", profile.id,
        {"centre_id": actor.organisation_id, "registration_id": registration.id}, actor.user_id,
    )
    return registration


class DeregistrationSchema(schemas.InputSchema):
    reason = schemas.enum(DeregistrationReason, required=True)
    note = schemas.text(max_len=2000)


def deregister(session: Session, actor: Actor, seeker_id: int, data: dict[str, Any]) -> Registration:
    profile = session.get(SeekerProfile, seeker_id)
    if profile is None:
        raise NotFound()
    registration = profile.current_registration
    if registration is None:
        raise Conflict(_l("This person is not registered."))
    if not actor.is_admin and not (actor.is_centre_staff and actor.organisation_id == registration.centre_id):
        raise deny(_l("Only the centre that registered the person can deregister them."))
    values = schemas.load(DeregistrationSchema(), data)
    return end_registration(session, actor, profile, DeregistrationReason(values["reason"]), values.get("note"))


def end_registration(
    session: Session, actor: Actor, profile: SeekerProfile, reason: DeregistrationReason, note: str | None = None
) -> Registration:
    """Close the open registration after the caller checked the right to (also used when a hire is confirmed)."""
    registration = profile.current_registration
    if registration is None:
        raise Conflict(_l("This person is not registered."))
    registration.deregistered_at = utcnow()
    registration.deregistration_reason = reason
    registration.deregistration_note = note
    if reason in (DeregistrationReason.EMPLOYED, DeregistrationReason.PENSION_CONTRIBUTIONS):
        profile.departed_at = registration.deregistered_at
    audit.record(session, actor, "deregister", "seeker", profile.id, reason=reason.value)
    outbox.emit(
        session, "seeker.deregistered", "seeker", profile.id,
        {"centre_id": registration.centre_id, "reason": reason.value}, actor.user_id,
    )
    return registration


def registered_at_centre(session: Session, actor: Actor, centre_id: int) -> list[SeekerProfile]:
    require_org(session, actor, centre_id)
    return list(
        session.scalars(
            sa.select(SeekerProfile)
            .join(Registration, Registration.seeker_id == SeekerProfile.id)
            .where(Registration.centre_id == centre_id, Registration.deregistered_at.is_(None))
            .order_by(SeekerProfile.last_name, SeekerProfile.first_name)
        )
    )
