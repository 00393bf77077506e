"""Forecast jobs in the cabinets and the training-needs table for centres and administrators."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from exchange import labels
from exchange.accounts.models import AccountRole
from exchange.errors import DomainError, ValidationFailed
from exchange.forecasts import operations as ops
from exchange.forecasts.models import ForecastReport
from exchange.form_choices import profile_choices
from exchange.i18n import gettext as _
from exchange.i18n import lazy_gettext as _l
from exchange.layoffs.models import FilingStatus
from exchange.portal.nav import NAV, PANELS, NavEntry, Panel
from exchange.reports import scope
from exchange.reports.filing_views import save_filing
from exchange.reports.formrows import flatten_rows, rows_from_form
from exchange.timeutil import local_today
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

blueprint = Blueprint("forecasts", __name__, url_prefix="/cabinet/forecasts", template_folder="templates")
EMPLOYER, CENTRE, ADMIN = AccountRole.EMPLOYER, AccountRole.CENTRE, AccountRole.ADMIN
LINE_FIELDS = ("occupation_code", "count", "qualification")


def _form_input() -> dict:
    data = {k: v for k, v in form_data().items() if "." not in k}
    data["lines"] = rows_from_form(request.form, "lines", LINE_FIELDS)
    return data


def _values(report: ForecastReport) -> dict:
    return {"period_kind": report.period_kind.value, "year": report.year, "quarter": report.quarter,
            "kato_code": report.kato_code, "note": report.note,
            "lines": [{n: getattr(line, n) or "" for n in LINE_FIELDS} for line in report.lines]}


def _render(values: dict, error: ValidationFailed | None = None, report: ForecastReport | None = None):
    flat, line_rows = flatten_rows(values, "lines", blank=3)
    return render_form("forecasts/form.html", error, values=flat, report=report, line_rows=line_rows,
                       period_kinds=labels.choices("forecast_period_kind"), quarters=[(q, q) for q in range(1, 5)],
                       **profile_choices())


@blueprint.route("/")
@role_required(EMPLOYER, org_kinds=("employer",))
def mine():
    actor = current_actor()
    return render_template("forecasts/mine.html", reports=ops.organisation_forecasts(db_session(), actor, actor.organisation_id))


@blueprint.route("/new", methods=["GET", "POST"])
@role_required(EMPLOYER, org_kinds=("employer",))
def create():
    actor = current_actor()
    if request.method == "GET":
        today = local_today()
        return _render({"period_kind": "year", "year": today.year + 1, "kato_code": actor.organisation.kato_code})
    data = _form_input()
    return save_filing(
        lambda: ops.create_forecast(db_session(), actor, data),
        lambda report: ops.submit_forecast(db_session(), actor, report.id),
        rerender=lambda error: _render(data, error),
        show_url=lambda report: url_for("forecasts.show", report_id=report.id),
        refused_url=url_for("forecasts.mine"),
        saved_message=_("The draft is saved."),
        submitted_message=_("The forecast is submitted."),
    )


@blueprint.route("/<int:report_id>/edit", methods=["GET", "POST"])
@role_required(EMPLOYER, org_kinds=("employer",))
def edit(report_id: int):
    actor, s = current_actor(), db_session()
    report = ops.get_editable(s, actor, report_id)
    if request.method == "GET":
        return _render(_values(report), report=report)
    data = _form_input()
    return save_filing(
        lambda: ops.update_forecast(s, actor, report_id, data),
        lambda _report: ops.submit_forecast(s, actor, report_id),
        rerender=lambda error: _render(data, error, report=report),
        show_url=lambda _report: url_for("forecasts.show", report_id=report_id),
        refused_url=url_for("forecasts.show", report_id=report_id),
        saved_message=_("Saved."),
        submitted_message=_("The forecast is submitted."),
    )


@blueprint.route("/<int:report_id>")
@role_required(EMPLOYER, CENTRE)
def show(report_id: int):
    actor = current_actor()
    report = ops.get_forecast(db_session(), actor, report_id)
    can_edit = report.status != FilingStatus.WITHDRAWN and (actor.is_admin or actor.organisation_id == report.organisation_id)
    return render_template("forecasts/show.html", report=report, can_edit=can_edit)


@blueprint.route("/<int:report_id>/<action>", methods=["POST"])
@role_required(EMPLOYER, org_kinds=("employer",))
def act(report_id: int, action: str):
    operations = {"submit": (ops.submit_forecast, _("The forecast is submitted.")),
                  "withdraw": (ops.withdraw_forecast, _("The forecast is withdrawn."))}
    if action not in operations:
        return render_template("error.html", error=DomainError(_("Unknown action."))), 404
    operation, message = operations[action]
    try:
        operation(db_session(), current_actor(), report_id)
    except DomainError as error:
        refused(error)
        return redirect(url_for("forecasts.show", report_id=report_id))
    flash(message, "success")
    return redirect(url_for("forecasts.show", report_id=report_id))


@blueprint.route("/needs")
@role_required(CENTRE, org_kinds=("centre",))
def needs():
    actor, s = current_actor(), db_session()
    params = {"year": request.args.get("year") or local_today().year, "quarter": request.args.get("quarter"),
              "area": request.args.get("area") if actor.is_admin else None, "group": request.args.get("group")}
    try:
        rows = ops.training_needs(s, actor, params)
        error = None
    except ValidationFailed as failure:
        rows, error = [], failure
    reports = [] if error else ops.centre_forecasts(s, actor, int(params["year"]), params["quarter"] and int(params["quarter"]),
                                                      params["area"] or None)
    return render_form("forecasts/needs.html", error, rows=rows, values=params, reports=reports,
                       groups=labels.choices("report_group"), quarters=[(q, q) for q in range(1, 5)],
                       chart_labels=[f"{row.occupation_code} · {row.area_code}" for row in rows[:15]],
                       chart_planned=[row.planned for row in rows[:15]], chart_available=[row.available for row in rows[:15]],
                       status=422 if error else 200)


def _panel(actor):
    if scope.is_centre_staff(actor):
        return {"centre": True, "gap": sum(r.gap for r in ops.training_needs(db_session(), actor, {"year": local_today().year}))}
    if actor.organisation is not None and actor.organisation.kind.value == "employer":
        reports = ops.organisation_forecasts(db_session(), actor, actor.organisation_id)
        return {"centre": False, "count": len(reports), "jobs": sum(r.total_jobs for r in reports if r.status == FilingStatus.SUBMITTED)}
    return None


NAV.append(NavEntry("forecasts.mine", _l("Forecast jobs"), (EMPLOYER,)))
PANELS.append(Panel("forecasts/_panel.html", (EMPLOYER, CENTRE), _panel, order=61))
