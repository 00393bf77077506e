"""Employment-centre cabinet: pick a vacancy, refer matching registered seekers, watch deadlines."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from exchange.accounts.models import AccountRole
from exchange.applications import operations as applications
from exchange.applications import queries
from exchange.centre import matching
from exchange.centre import queries as centre_queries
from exchange.errors import DomainError, ValidationFailed
from exchange.i18n import lazy_gettext as _l
from exchange.i18n import ngettext
from exchange.portal.nav import NAV, PANELS, NavEntry, Panel
from exchange.vacancies import operations as vacancies
from exchange.web import current_actor, db_session, form_data, refused, role_required

blueprint = Blueprint("centre", __name__, url_prefix="/cabinet/centre", template_folder="templates")
C = AccountRole.CENTRE
CENTRE = ("centre",)


@blueprint.route("/")
@role_required(C, org_kinds=CENTRE)
def index():
    actor, s = current_actor(), db_session()
    q = (request.args.get("q") or "").strip()[:100]
    rows = centre_queries.open_vacancies(s, actor, q)
    _rows, totals = queries.centre_deadlines(s, actor, "due_today", limit=1)
    return render_template("centre/index.html", vacancies=rows, q=q, totals=totals)


@blueprint.route("/vacancies/<int:vacancy_id>")
@role_required(C, org_kinds=CENTRE)
def match(vacancy_id: int):
    actor, s = current_actor(), db_session()
    vacancy = vacancies.get_vacancy(s, vacancy_id)
    candidates = matching.matching_seekers(current_app._get_current_object(), s, actor, vacancy)
    referred = centre_queries.referred_to(s, actor, vacancy.id)
    return render_template("centre/match.html", vacancy=vacancy, candidates=candidates, referred=referred,
                           errors={}, values={})


@blueprint.route("/vacancies/<int:vacancy_id>/refer", methods=["POST"])
@role_required(C, org_kinds=CENTRE)
def refer(vacancy_id: int):
    actor, s = current_actor(), db_session()
    data = form_data("resume_ids")
    try:
        resume_ids = [int(x) for x in data.pop("resume_ids", [])]
    except ValueError:
        resume_ids = []
    try:
        sent, refusals = applications.refer_many(s, actor, vacancy_id, resume_ids, data)
    except ValidationFailed as error:
        refused(error)
        return redirect(url_for("centre.match", vacancy_id=vacancy_id))
    except DomainError as error:
        refused(error)
        return redirect(url_for("centre.index"))
    if sent:
        flash(ngettext("%(num)d referral is sent; the employer must answer within three working days.",
                       "%(num)d referrals are sent; the employer must answer within three working days.", len(sent)), "success")
    for _resume_id, message in refusals:
        flash(message, "error")
    return redirect(url_for("centre.match", vacancy_id=vacancy_id))


@blueprint.route("/deadlines")
@role_required(C, org_kinds=CENTRE)
def deadlines():
    bucket = request.args.get("bucket", "due_today")
    if bucket not in queries.DEADLINE_BUCKETS:
        bucket = "due_today"
    rows, totals = queries.centre_deadlines(db_session(), current_actor(), bucket)
    return render_template("centre/deadlines.html", rows=rows, totals=totals, bucket=bucket, buckets=queries.DEADLINE_BUCKETS)


def _panel(actor):
    if not actor.is_centre_staff:
        return None
    _rows, totals = queries.centre_deadlines(db_session(), actor, "due_today", limit=1)
    return {"totals": totals}


NAV.append(NavEntry("centre.index", _l("Referrals"), (C,)))
NAV.append(NavEntry("centre.deadlines", _l("Deadlines"), (C,)))
PANELS.append(Panel("centre/_panel.html", (C,), _panel, order=16))
