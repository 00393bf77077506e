"""Layoff notices in the cabinets: employers file them, the district centre handles them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from exchange import labels
from exchange.accounts.models import AccountRole
from exchange.errors import DomainError, ValidationFailed
from exchange.form_choices import profile_choices
from exchange.i18n import gettext as _
from exchange.i18n import lazy_gettext as _l
from exchange.i18n import ngettext
from exchange.layoffs import operations as ops
from exchange.layoffs.models import FilingStatus, LayoffNotice
from exchange.portal.nav import NAV, PANELS, NavEntry, Panel
from exchange.reports import scope
from exchange.reports.filing_views import save_filing
from exchange.reports.formrows import flatten_rows, rows_from_form
from exchange.timeutil import local_today
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

blueprint = Blueprint("layoffs", __name__, url_prefix="/cabinet/layoffs", template_folder="templates")
EMPLOYER, CENTRE = AccountRole.EMPLOYER, AccountRole.CENTRE
POSITION_FIELDS = ("title", "occupation_code", "count")
PERSON_FIELDS = ("iin", "last_name", "first_name", "middle_name", "phone", "email", "position", "occupation_code")


def _form_input() -> dict:
    data = form_data()
    data = {k: v for k, v in data.items() if "." not in k}
    data["positions"] = rows_from_form(request.form, "positions", POSITION_FIELDS)
    data["people"] = rows_from_form(request.form, "people", PERSON_FIELDS, checkboxes=("consent_publish",))
    return data


def _values(notice: LayoffNotice) -> dict:
    values = {name: getattr(notice, name) for name in ops.NOTICE_FIELDS}
    values["reason"] = notice.reason.value
    values["planned_date"] = notice.planned_date.isoformat()
    values["positions"] = [{"title": p.title, "occupation_code": p.occupation_code, "count": p.count} for p in notice.positions]
    values["people"] = [{**{n: getattr(p, n) or "" for n in PERSON_FIELDS}, "consent_publish": p.consented} for p in notice.people]
    return values


def _render(values: dict, error: ValidationFailed | None = None, notice: LayoffNotice | None = None):
    flat, position_rows = flatten_rows(values, "positions")
    flat, people_rows = flatten_rows(flat, "people")
    return render_form("layoffs/form.html", error, values=flat, notice=notice, position_rows=position_rows,
                       people_rows=people_rows, reasons=labels.choices("layoff_reason"), **profile_choices())


@blueprint.route("/")
@role_required(EMPLOYER, CENTRE, org_kinds=("employer", "centre"))
def index():
    actor, s = current_actor(), db_session()
    if actor.is_admin or scope.is_centre_staff(actor):
        status = request.args.get("status") or None
        area = request.args.get("area") or None if actor.is_admin else None
        try:
            notices = ops.centre_notices(s, actor, area=area, status=status)
        except ValidationFailed as error:
            refused(error)
            notices = ops.centre_notices(s, actor, status=status)
        return render_template("layoffs/centre.html", notices=notices, status=status, today=local_today())
    return render_template("layoffs/mine.html", notices=ops.organisation_notices(s, actor, actor.organisation_id))


@blueprint.route("/new", methods=["GET", "POST"])
@role_required(EMPLOYER, org_kinds=("employer",))
def create():
    actor = current_actor()
    if request.method == "GET":
        return _render({"kato_code": actor.organisation.kato_code, "reason": "staff_reduction",
                        "contact_name": actor.user.full_name if actor.user else "",
                        "contact_phone": actor.user.phone if actor.user else ""})
    data = _form_input()
    return save_filing(
        lambda: ops.create_notice(db_session(), actor, data),
        lambda notice: ops.submit_notice(db_session(), actor, notice.id),
        rerender=lambda error: _render(data, error),
        show_url=lambda notice: url_for("layoffs.show", notice_id=notice.id),
        refused_url=url_for("layoffs.index"),
        saved_message=_("The draft is saved."),
        submitted_message=_("The notice is submitted to the employment centre."),
    )


@blueprint.route("/<int:notice_id>/edit", methods=["GET", "POST"])
@role_required(EMPLOYER, org_kinds=("employer",))
def edit(notice_id: int):
    actor, s = current_actor(), db_session()
    notice = ops.get_editable(s, actor, notice_id)
    if request.method == "GET":
        return _render(_values(notice), notice=notice)
    data = _form_input()
    return save_filing(
        lambda: ops.update_notice(s, actor, notice_id, data),
        lambda _notice: ops.submit_notice(s, actor, notice_id),
        rerender=lambda error: _render(data, error, notice=notice),
        show_url=lambda _notice: url_for("layoffs.show", notice_id=notice_id),
        refused_url=url_for("layoffs.show", notice_id=notice_id),
        saved_message=_("Saved."),
        submitted_message=_("The notice is submitted to the employment centre."),
    )


@blueprint.route("/<int:notice_id>")
@role_required(EMPLOYER, CENTRE)
def show(notice_id: int):
    actor, s = current_actor(), db_session()
    notice = ops.get_notice(s, actor, notice_id)
    return render_template("layoffs/show.html", notice=notice, can_edit=_can_edit(actor, notice),
                           handling=ops.is_handling_centre(actor, notice))


def _can_edit(actor, notice: LayoffNotice) -> bool:
    return notice.status != FilingStatus.WITHDRAWN and (actor.is_admin or actor.organisation_id == notice.organisation_id)


@blueprint.route("/<int:notice_id>/submit", methods=["POST"])
@role_required(EMPLOYER, org_kinds=("employer",))
def submit(notice_id: int):
    try:
        ops.submit_notice(db_session(), current_actor(), notice_id)
    except DomainError as error:
        refused(error)
        return redirect(url_for("layoffs.show", notice_id=notice_id))
    flash(_("The notice is submitted to the employment centre."), "success")
    return redirect(url_for("layoffs.show", notice_id=notice_id))


@blueprint.route("/<int:notice_id>/withdraw", methods=["POST"])
@role_required(EMPLOYER, org_kinds=("employer",))
def withdraw(notice_id: int):
    try:
        ops.withdraw_notice(db_session(), current_actor(), notice_id, form_data())
    except DomainError as error:
        refused(error)
        return redirect(url_for("layoffs.show", notice_id=notice_id))
    flash(_("The notice is withdrawn."), "success")
    return redirect(url_for("layoffs.show", notice_id=notice_id))


@blueprint.route("/people/<int:person_id>/contact", methods=["POST"])
@role_required(CENTRE, org_kinds=("centre",))
def contact(person_id: int):
    actor, s = current_actor(), db_session()
    data = form_data()
    data["consent_publish"] = bool(data.get("consent_publish"))
    try:
        person = ops.record_contact(s, actor, person_id, data)
    except DomainError as error:
        refused(error)
        return redirect(request.referrer or url_for("layoffs.index"))
    flash(_("The contact is recorded."), "success")
    return redirect(url_for("layoffs.show", notice_id=person.notice_id) + f"#person-{person.id}")


@blueprint.route("/<int:notice_id>/convert", methods=["POST"])
@role_required(CENTRE, org_kinds=("centre",))
def convert(notice_id: int):
    actor, s = current_actor(), db_session()
    chosen = [int(v) for v in request.form.getlist("person_id") if v.isdigit()]
    try:
        result = ops.convert_people(s, actor, notice_id, chosen or None)
    except DomainError as error:
        refused(error)
        return redirect(url_for("layoffs.show", notice_id=notice_id))
    if result.converted:
        flash(ngettext("%(num)d person is published as a job seeker.", "%(num)d people are published as job seekers.",
                       len(result.converted)), "success")
    if result.without_consent:
        flash(ngettext("%(num)d person has not consented and was left out.",
                       "%(num)d people have not consented and were left out.", len(result.without_consent)), "info")
    for person, message in result.failed:
        flash(_("%(name)s: %(message)s", name=person.full_name, message=message), "error")
    if not (result.converted or result.without_consent or result.failed):
        flash(_("Nobody to publish: everyone chosen is already on the exchange."), "info")
    return redirect(url_for("layoffs.show", notice_id=notice_id))


def _panel(actor):
    s = db_session()
    if scope.is_centre_staff(actor):
        notices = ops.centre_notices(s, actor, status=FilingStatus.SUBMITTED.value)
        waiting = sum(1 for n in notices for p in n.people if p.consented and p.seeker_id is None)
        return {"centre": True, "count": len(notices), "waiting": waiting, "next": notices[:3]}
    if actor.organisation is not None and actor.organisation.kind.value == "employer":
        notices = ops.organisation_notices(s, actor, actor.organisation_id)
        return {"centre": False, "count": len(notices), "drafts": sum(n.status == FilingStatus.DRAFT for n in notices),
                "next": notices[:3]}
    return None


NAV.append(NavEntry("layoffs.index", _l("Layoffs"), (EMPLOYER, CENTRE)))
PANELS.append(Panel("layoffs/_panel.html", (EMPLOYER, CENTRE), _panel, order=60))
