from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from exchange import labels
from exchange.accounts.models import AccountRole
from exchange.errors import DomainError, ValidationFailed
from exchange.form_choices import profile_choices
from exchange.i18n import gettext as _
from exchange.portal.nav import PANELS, Panel
from exchange.seekers import operations as ops
from exchange.seekers.models import SeekerProfile
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

blueprint = Blueprint("seekers", __name__, url_prefix="/cabinet/seekers")
FIELDS = ("iin", "last_name", "first_name", "middle_name", "phone", "email", "kato_code", "address", "category", "has_disability")


def _values(profile: SeekerProfile) -> dict:
    values = {f: getattr(profile, f) for f in FIELDS}
    values["category"] = profile.category.value
    values["birth_date"] = profile.birth_date.isoformat()
    for name in ops.CONSENTS:
        values[f"consent_{name}"] = getattr(profile, f"consent_{name}_at") is not None
    return values


def _form_input() -> dict:
    data = form_data()
    for key in ("has_disability", "consent_publish", "consent_verification", "consent_credit_check"):
        data[key] = bool(data.get(key))
    return data


def _choices() -> dict:
    return {**profile_choices(), "categories": [c for c in labels.choices("seeker_category") if c[0] != "to_be_laid_off"]}


@blueprint.route("/me", methods=["GET", "POST"])
@role_required(AccountRole.SEEKER)
def edit_profile():
    actor, s = current_actor(), db_session()
    profile = ops.profile_for_user(s, actor.user_id)
    if request.method == "GET":
        values = _values(profile) if profile else {"phone": actor.user.phone, "email": actor.user.email, "category": "job_seeker"}
        return render_form("seekers/form.html", values=values, profile=profile, **_choices())
    data = _form_input()
    try:
        if profile is None:
            ops.create_profile(s, actor, data)
        else:
            ops.update_profile(s, actor, profile.id, data)
    except ValidationFailed as error:
        return render_form("seekers/form.html", error, values=data, profile=profile, **_choices())
    flash(_("Your profile is saved."), "success")
    return redirect(url_for("resumes.mine"))


@blueprint.route("/centre", methods=["GET", "POST"])
@role_required(AccountRole.CENTRE, org_kinds=("centre",))
def centre_register():
    """The centre's register: find a person by IIN, register new people, deregister."""
    actor, s = current_actor(), db_session()
    if request.method == "POST":
        data = _form_input()
        try:
            profile = ops.get_by_iin(s, (data.get("iin") or "").strip())
            if profile is None:
                profile = ops.create_profile(s, actor, data)
            ops.register(s, actor, profile.id, {"category": data.get("category") or "job_seeker"})
        except ValidationFailed as error:
            return render_form("seekers/centre.html", error, values=data, seekers=ops.registered_at_centre(s, actor, actor.organisation_id), **_choices())
        except DomainError as error:
            refused(error)
            return redirect(url_for("seekers.centre_register"))
        flash(_("The person is registered."), "success")
        return redirect(url_for("seekers.centre_register"))
    return render_form("seekers/centre.html", values={"category": "job_seeker", "kato_code": actor.organisation.kato_code},
                       seekers=ops.registered_at_centre(s, actor, actor.organisation_id), **_choices())


@blueprint.route("/<int:seeker_id>")
@role_required(AccountRole.CENTRE, AccountRole.EMPLOYER, AccountRole.AGENCY)
def show(seeker_id: int):
    actor, s = current_actor(), db_session()
    profile = ops.get_profile(s, actor, seeker_id, private=True)
    return render_template("seekers/show.html", profile=profile, reasons=labels.choices("deregistration_reason"),
                           can_edit=ops.can_edit(s, actor, profile))


@blueprint.route("/<int:seeker_id>/deregister", methods=["POST"])
@role_required(AccountRole.CENTRE, org_kinds=("centre",))
def deregister(seeker_id: int):
    try:
        ops.deregister(db_session(), current_actor(), seeker_id, form_data())
    except ValidationFailed as error:
        refused(error)
        return redirect(url_for("seekers.show", seeker_id=seeker_id))
    flash(_("The person is deregistered."), "success")
    return redirect(url_for("seekers.centre_register"))


@blueprint.route("/<int:seeker_id>/consents", methods=["POST"])
@role_required(AccountRole.CENTRE, AccountRole.SEEKER, AccountRole.AGENCY)
def consents(seeker_id: int):
    data = _form_input()
    ops.set_consents(db_session(), current_actor(), seeker_id, **{k: data[f"consent_{k}"] for k in ops.CONSENTS})
    flash(_("Consents are recorded."), "success")
    if current_actor().role == AccountRole.SEEKER:
        return redirect(url_for("seekers.edit_profile"))
    return redirect(url_for("seekers.show", seeker_id=seeker_id))


def _seeker_panel(actor):
    if actor.role != AccountRole.SEEKER:
        return None
    profile = ops.profile_for_user(db_session(), actor.user_id)
    return {"profile": profile, "registration": profile.current_registration if profile else None}


def _centre_panel(actor):
    if actor.organisation is None or actor.organisation.kind.value != "centre":
        return None
    return {"registered": len(ops.registered_at_centre(db_session(), actor, actor.organisation_id))}


PANELS.append(Panel("seekers/_panel.html", (AccountRole.SEEKER,), _seeker_panel, order=10))
PANELS.append(Panel("seekers/_centre_panel.html", (AccountRole.CENTRE,), _centre_panel, order=15))

