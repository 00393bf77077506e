from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from exchange.accounts.models import AccountRole
from exchange.errors import DomainError, NotFound, ValidationFailed
from exchange.form_choices import profile_choices
from exchange.i18n import gettext as _
from exchange.portal.nav import PANELS, Panel
from exchange.resumes import operations as ops
from exchange.resumes.models import Resume
from exchange.seekers import operations as seekers
from exchange.timeutil import add_months, to_local, utcnow
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

blueprint = Blueprint("resumes", __name__, url_prefix="/cabinet/resumes")
EDITABLE = (
    "title", "occupation_code", "about", "desired_salary", "desired_schedule", "desired_employment_type",
    "desired_working_regime", "education_level", "kato_code", "lat", "lon", "willing_to_relocate",
    "accessibility_needs", "available_from", "experience_months",
)


def _values(resume: Resume) -> dict:
    values = {name: getattr(resume, name) for name in EDITABLE}
    values["skills"] = ", ".join(resume.skills or [])
    values["languages"] = ", ".join(f"{item['code']}:{item['level']}" for item in resume.languages or [])
    values["driving_licences"] = resume.driving_licences or []
    return values


def _form_input() -> dict:
    data = form_data("driving_licences")
    data["skills"] = [s.strip() for s in data.get("skills", "").split(",") if s.strip()]
    data["willing_to_relocate"] = bool(data.get("willing_to_relocate"))
    return data


def _my_profile():
    profile = seekers.profile_for_user(db_session(), current_actor().user_id)
    if profile is None:
        raise NotFound(_("Fill in your profile first."))
    return profile


@blueprint.route("/")
@role_required(AccountRole.SEEKER)
def mine():
    s = db_session()
    profile = seekers.profile_for_user(s, current_actor().user_id)
    if profile is None:
        flash(_("Fill in your profile first."), "info")
        return redirect(url_for("seekers.edit_profile"))
    return render_template("resumes/mine.html", resumes=ops.resumes_of(s, profile.id), profile=profile, now=utcnow())


@blueprint.route("/new", methods=["GET", "POST"])
@role_required(AccountRole.SEEKER)
def create():
    profile = _my_profile()
    if request.method == "GET":
        return render_form("resumes/form.html", values={"kato_code": profile.kato_code}, creating=True, **profile_choices())
    data = _form_input()
    try:
        resume = ops.create_resume(db_session(), current_actor(), profile.id, data)
    except ValidationFailed as error:
        data["skills"] = ", ".join(data["skills"])
        return render_form("resumes/form.html", error, values=data, creating=True, **profile_choices())
    flash(_("The resume is saved. Publish it so employers can find you."), "success")
    return redirect(url_for("resumes.publish", resume_id=resume.id))


@blueprint.route("/<int:resume_id>/edit", methods=["GET", "POST"])
@role_required(AccountRole.SEEKER, AccountRole.CENTRE, AccountRole.AGENCY)
def edit(resume_id: int):
    actor, s = current_actor(), db_session()
    resume = ops.get_editable(s, actor, resume_id)
    if request.method == "GET":
        return render_form("resumes/form.html", values=_values(resume), resume=resume, creating=False, **profile_choices())
    data = _form_input()
    try:
        ops.update_resume(s, actor, resume_id, data)
    except ValidationFailed as error:
        data["skills"] = ", ".join(data["skills"])
        return render_form("resumes/form.html", error, values=data, resume=resume, creating=False, **profile_choices())
    flash(_("Saved."), "success")
    return redirect(url_for("resumes.show", resume_id=resume_id))


@blueprint.route("/<int:resume_id>")
def show(resume_id: int):
    actor, s = current_actor(), db_session()
    resume = ops.get_resume(s, resume_id)
    if actor.user is None or not ops.can_view(s, actor, resume):
        raise NotFound(_("No such resume."))
    private = seekers.can_view_private(s, actor, resume.seeker)
    if private and actor.user_id != resume.seeker.user_id:
        from exchange import audit

        audit.record(s, actor, "view", "resume", resume.id)
    return render_template("resumes/show.html", resume=resume, private=private, can_edit=ops.can_edit(s, actor, resume), now=utcnow())


@blueprint.route("/<int:resume_id>/publish", methods=["GET", "POST"])
@role_required(AccountRole.SEEKER, AccountRole.CENTRE, AccountRole.AGENCY)
def publish(resume_id: int):
    actor, s = current_actor(), db_session()
    resume = ops.get_editable(s, actor, resume_id)
    now = utcnow()
    limit = ops.max_expiry(resume, now)
    context = {"resume": resume, "latest": to_local(limit).date() if limit else None,
               "default_until": to_local(add_months(now, 1)).date() if limit else None}
    if request.method == "GET":
        return render_form("resumes/publish.html", values={"until": context["default_until"]}, **context)
    data = form_data()
    data["consent_publish"] = bool(data.get("consent_publish"))
    try:
        ops.publish_resume(s, actor, resume_id, data)
    except ValidationFailed as error:
        return render_form("resumes/publish.html", error, values=data, **context)
    except DomainError as error:
        refused(error)
        return redirect(url_for("resumes.show", resume_id=resume_id))
    flash(_("The resume is published."), "success")
    return redirect(url_for("resumes.show", resume_id=resume_id))


ACTIONS = {
    "hide": (ops.hide_resume, "The resume is hidden from employers."),
    "unhide": (ops.unhide_resume, "The resume is visible again."),
    "archive": (ops.archive_resume, "The resume is archived."),
}


@blueprint.route("/<int:resume_id>/<action>", methods=["POST"])
@role_required(AccountRole.SEEKER, AccountRole.CENTRE, AccountRole.AGENCY)
def act(resume_id: int, action: str):
    if action not in ACTIONS:
        raise NotFound()
    operation, message = ACTIONS[action]
    try:
        operation(db_session(), current_actor(), resume_id)
    except DomainError as error:
        refused(error)
        return redirect(url_for("resumes.show", resume_id=resume_id))
    flash(_(message), "success")
    return redirect(url_for("resumes.show", resume_id=resume_id))


@blueprint.route("/<int:resume_id>/work-history", methods=["POST"])
@role_required(AccountRole.SEEKER, AccountRole.CENTRE, AccountRole.AGENCY, AccountRole.EMPLOYER)
def add_work_history(resume_id: int):
    try:
        ops.add_work_history(db_session(), current_actor(), resume_id, form_data())
    except ValidationFailed as error:
        refused(error)
        return redirect(url_for("resumes.show", resume_id=resume_id))
    flash(_("The work history entry is added."), "success")
    return redirect(url_for("resumes.show", resume_id=resume_id))


def _panel(actor):
    s = db_session()
    profile = seekers.profile_for_user(s, actor.user_id)
    if profile is None:
        return None
    return {"resumes": ops.resumes_of(s, profile.id), "now": utcnow()}


PANELS.append(Panel("resumes/_panel.html", (AccountRole.SEEKER,), _panel, order=20))
