from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from exchange.accounts.models import AccountRole
from exchange.errors import DomainError, ValidationFailed
from exchange.form_choices import profile_choices
from exchange.i18n import gettext as _
from exchange.portal.nav import PANELS, Panel
from exchange.vacancies import operations as ops
from exchange.vacancies.models import Vacancy, VacancyStatus
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

blueprint = Blueprint("vacancies", __name__, url_prefix="/cabinet/vacancies")
ORG_ROLES = (AccountRole.EMPLOYER, AccountRole.AGENCY, AccountRole.CENTRE)
ORG_KINDS = ("employer", "agency", "centre")
EDITABLE = (
    "title", "occupation_code", "description", "qualification", "min_experience_months", "education_level",
    "health_restrictions", "salary_from", "salary_to", "employment_type", "schedule", "working_regime", "kato_code",
    "address", "lat", "lon", "transport_notes", "positions", "kind", "accessible", "contact_name", "contact_phone",
    "contact_email", "skills", "driving_licences",
)


def _values(vacancy: Vacancy) -> dict:
    values = {name: getattr(vacancy, name) for name in EDITABLE}
    for name in ("employment_type", "schedule", "working_regime", "kind"):
        values[name] = values[name].value if values[name] else None
    values["skills"] = ", ".join(vacancy.skills or [])
    values["languages"] = ", ".join(f"{item['code']}:{item['level']}" for item in vacancy.languages or [])
    return values


def _form_input() -> dict:
    data = form_data("driving_licences")
    data["skills"] = [s.strip() for s in data.get("skills", "").split(",") if s.strip()]
    data["accessible"] = bool(data.get("accessible"))
    return data


@blueprint.route("/")
@role_required(*ORG_ROLES, org_kinds=ORG_KINDS)
def mine():
    actor = current_actor()
    status = request.args.get("status") or None
    if status and status not in VacancyStatus.__members__.values():
        status = None
    rows = ops.organisation_vacancies(db_session(), actor, actor.organisation_id, status)
    return render_template("vacancies/mine.html", vacancies=rows, status=status, statuses=list(VacancyStatus))


@blueprint.route("/new", methods=["GET", "POST"])
@role_required(*ORG_ROLES, org_kinds=ORG_KINDS)
def create():
    actor = current_actor()
    if request.method == "GET":
        defaults = {"positions": 1, "employment_type": "full_time", "schedule": "five_day", "working_regime": "day",
                    "kind": "regular", "kato_code": actor.organisation.kato_code}
        return render_form("vacancies/form.html", values=defaults, creating=True, **profile_choices())
    data = _form_input()
    try:
        vacancy = ops.create_vacancy(db_session(), actor, data)
        if request.form.get("action") == "publish":
            ops.publish_vacancy(db_session(), actor, vacancy.id)
    except ValidationFailed as error:
        data["skills"] = ", ".join(data["skills"])
        return render_form("vacancies/form.html", error, values=data, creating=True, **profile_choices())
    flash(_("The vacancy is saved."), "success")
    return redirect(url_for("vacancies.mine"))


@blueprint.route("/<int:vacancy_id>/edit", methods=["GET", "POST"])
@role_required(*ORG_ROLES, org_kinds=ORG_KINDS)
def edit(vacancy_id: int):
    actor, s = current_actor(), db_session()
    vacancy = ops.get_editable(s, actor, vacancy_id)
    if request.method == "GET":
        return render_form("vacancies/form.html", values=_values(vacancy), vacancy=vacancy, creating=False, **profile_choices())
    data = _form_input()
    try:
        ops.update_vacancy(s, actor, vacancy_id, data)
    except ValidationFailed as error:
        data["skills"] = ", ".join(data["skills"])
        return render_form("vacancies/form.html", error, values=data, vacancy=vacancy, creating=False, **profile_choices())
    flash(_("Saved."), "success")
    return redirect(url_for("vacancies.mine"))


ACTIONS = {
    "publish": (ops.publish_vacancy, "The vacancy is published."),
    "hide": (ops.unpublish_vacancy, "The vacancy is hidden from the portal."),
    "close": (ops.close_vacancy, "The vacancy is closed."),
    "reopen": (ops.reopen_vacancy, "The vacancy is reopened as a draft."),
    "archive": (ops.archive_vacancy, "The vacancy is archived."),
}


@blueprint.route("/<int:vacancy_id>/<action>", methods=["POST"])
@role_required(*ORG_ROLES, org_kinds=ORG_KINDS)
def act(vacancy_id: int, action: str):
    if action not in ACTIONS:
        return render_template("error.html", error=DomainError(_("Unknown action."))), 404
    operation, message = ACTIONS[action]
    try:
        operation(db_session(), current_actor(), vacancy_id)
    except ValidationFailed as error:
        refused(error)
        return redirect(url_for("vacancies.edit", vacancy_id=vacancy_id))
    except DomainError as error:
        refused(error)
        return redirect(url_for("vacancies.mine"))
    flash(_(message), "success")
    return redirect(url_for("vacancies.mine"))


def _panel(actor):
    if actor.organisation is None:
        return None
    rows = ops.organisation_vacancies(db_session(), actor, actor.organisation_id)
    counts = {status.value: 0 for status in VacancyStatus}
    for row in rows:
        counts[row.status.value] += 1
    return {"counts": counts, "latest": rows[:5]}


PANELS.append(Panel("vacancies/_panel.html", ORG_ROLES, _panel, order=20))
