"""Cabinet pages of the hiring pipeline: the seeker's applications, the employer's board and candidates."""

from __future__ import annotations

import math

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from exchange import labels
from exchange.accounts.models import AccountRole
from exchange.applications import operations as ops
from exchange.applications import queries, states
from exchange.applications.models import ApplicationOrigin, ApplicationState, StageState
from exchange.errors import DomainError, ValidationFailed
from exchange.i18n import gettext as _
from exchange.i18n import lazy_gettext as _l
from exchange.portal.nav import NAV, PANELS, NavEntry, Panel
from exchange.resumes import operations as resumes
from exchange.resumes.models import Visibility
from exchange.seekers import operations as seekers
from exchange.timeutil import to_local
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

blueprint = Blueprint("applications", __name__, url_prefix="/cabinet/applications", template_folder="templates")
ORG_ROLES = (AccountRole.EMPLOYER, AccountRole.AGENCY, AccountRole.CENTRE)
HIRING_ROLES = (AccountRole.EMPLOYER, AccountRole.AGENCY)
S = AccountRole.SEEKER


@blueprint.app_context_processor
def _helpers():
    return {
        "deadline_status": queries.deadline_status,
        "local_time": lambda moment: to_local(moment) if moment else None,
        "vacancy_apply_context": vacancy_apply_context,
    }


def _back(default: str) -> str:
    target = request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


# --- seeker ---------------------------------------------------------------------------


@blueprint.route("/")
@role_required(S)
def mine():
    actor, s = current_actor(), db_session()
    profile = seekers.profile_for_user(s, actor.user_id)
    rows = queries.seeker_applications(s, actor, profile.id) if profile else []
    return render_template("applications/mine.html", applications=rows, profile=profile)


@blueprint.route("/apply/<int:vacancy_id>", methods=["POST"])
@role_required(S)
def apply(vacancy_id: int):
    actor, s = current_actor(), db_session()
    data = form_data()
    try:
        ops.apply(s, actor, int(data.get("resume_id") or 0), vacancy_id, data)
    except DomainError as error:
        refused(error)
        return redirect(url_for("portal.vacancy", vacancy_id=vacancy_id))
    flash(_("Your application is sent. Follow its progress in “My applications”."), "success")
    return redirect(url_for("applications.mine"))


@blueprint.route("/<int:application_id>/withdraw", methods=["POST"])
@role_required(S, AccountRole.CENTRE)
def withdraw(application_id: int):
    try:
        ops.withdraw(db_session(), current_actor(), application_id, form_data())
    except DomainError as error:
        refused(error)
    else:
        flash(_("The application is withdrawn from the pipeline."), "success")
    return redirect(_back(url_for("applications.mine")))


@blueprint.route("/<int:application_id>/invitation", methods=["POST"])
@role_required(S)
def answer_invitation(application_id: int):
    accept = request.form.get("answer") == "accept"
    try:
        ops.answer_invitation(db_session(), current_actor(), application_id, accept)
    except DomainError as error:
        refused(error)
    else:
        flash(_("You accepted the invitation; the employer sees your contacts.") if accept else _("You declined the invitation."), "success")
    return redirect(url_for("applications.mine"))


def vacancy_apply_context(vacancy) -> dict:
    """What the public vacancy page needs for its "apply" block."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return {"mode": "anonymous"}
    actor, s = current_actor(), db_session()
    if actor.role != S:
        return {"mode": "other"}
    profile = seekers.profile_for_user(s, actor.user_id)
    if profile is None:
        return {"mode": "no_profile"}
    existing = next((a for a in queries.seeker_applications(s, actor, profile.id) if a.vacancy_id == vacancy.id), None)
    usable = [r for r in resumes.resumes_of(s, profile.id) if r.visibility == Visibility.ACTIVE and r.is_public()]
    return {"mode": "seeker", "existing": existing, "resumes": usable}


# --- employer and agency ---------------------------------------------------------------


@blueprint.route("/hiring")
@role_required(*ORG_ROLES, org_kinds=("employer", "agency", "centre"))
def hiring():
    rows = queries.hiring_overview(db_session(), current_actor())
    return render_template("applications/hiring.html", rows=rows)


@blueprint.route("/vacancy/<int:vacancy_id>")
@role_required(*ORG_ROLES, org_kinds=("employer", "agency", "centre"))
def board(vacancy_id: int):
    actor, s = current_actor(), db_session()
    expand = request.args.get("column")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    vacancy, columns = queries.board(s, actor, vacancy_id, expand=expand, page=page)
    expanded = next((c for c in columns if c.key == expand), None)
    if expanded is not None and page > 1 and not expanded.cards:
        abort(404)
    # The organisation's active stages are the board's stage columns, in the same order.
    stages = [c.stage for c in columns if c.stage is not None]
    return render_template("applications/board.html", vacancy=vacancy, columns=columns, page=page,
                           expanded=expanded, page_size=queries.EXPANDED_PAGE, **_card_actions(stages))


def _card_actions(stages) -> dict:
    """What the board's cards offer and say, worked out once per state rather than once per card."""
    moves, stage_moves = {}, {}
    for state in ApplicationState:
        # One-click moves: those that need no extra details.
        targets = states.allowed_targets(state, {states.Side.EMPLOYER})
        moves[state.value] = [(t.value, labels.label("application_state", t)) for t in targets
                              if t in (ApplicationState.VIEWED, ApplicationState.OFFER, ApplicationState.REJECTED)]
        # Own stages a card may move to (the card's current stage is left out per card).
        stage_moves[state.value] = [
            s for s in stages
            if (s.state.value == state.value or s.state.value in ("viewed", "offer"))
            and not (s.state.value == "viewed" and state.value in ("interview", "offer"))
        ]
    origin_names = {origin.value: labels.label("application_origin", origin) for origin in ApplicationOrigin}
    return {"moves": moves, "stage_moves": stage_moves, "origin_names": origin_names}


@blueprint.route("/<int:application_id>")
@role_required(*ORG_ROLES, org_kinds=("employer", "agency", "centre"))
def show(application_id: int):
    actor, s = current_actor(), db_session()
    application = ops.mark_viewed(s, actor, application_id)
    application, sides = ops.get_visible(s, actor, application_id)
    return _render_show(application, sides)


def _render_show(application, sides, error: ValidationFailed | None = None, values: dict | None = None, form: str | None = None):
    s, actor = db_session(), current_actor()
    private = seekers.can_view_private(s, actor, application.seeker)
    targets = states.allowed_targets(application.state, sides - {states.Side.SYSTEM})
    stages = ops.stages_for(s, ops.pipeline_owner_id(application.vacancy))
    return render_form(
        "applications/show.html", error, application=application, sides=sides, private=private, targets=targets,
        stages=stages, values=values or {}, form=form, interview_kinds=labels.choices("interview_kind"),
        employer=states.Side.EMPLOYER in sides,
        # The agency that applied for the person follows it; the employer's notes stay internal.
        follower_only=not sides & {states.Side.EMPLOYER, states.Side.CENTRE, states.Side.SYSTEM},
    )


@blueprint.route("/<int:application_id>/move", methods=["POST"])
@role_required(*ORG_ROLES, org_kinds=("employer", "agency", "centre"))
def move(application_id: int):
    actor, s = current_actor(), db_session()
    data = form_data()
    try:
        if data.get("stage_id"):
            ops.move_to_stage(s, actor, application_id, int(data["stage_id"]), data)
        else:
            ops.transition(s, actor, application_id, data.get("to_state", ""), data)
    except ValidationFailed as error:
        s.rollback()
        application, sides = ops.get_visible(s, actor, application_id)
        return _render_show(application, sides, error, data, form=data.get("to_state"))
    except DomainError as error:
        refused(error)
        return redirect(_back(url_for("applications.show", application_id=application_id)))
    flash(_("Saved."), "success")
    return redirect(_back(url_for("applications.show", application_id=application_id)))


@blueprint.route("/<int:application_id>/note", methods=["POST"])
@role_required(*ORG_ROLES, org_kinds=("employer", "agency", "centre"))
def note(application_id: int):
    try:
        ops.add_note(db_session(), current_actor(), application_id, form_data())
    except DomainError as error:
        refused(error)
    else:
        flash(_("The note is added."), "success")
    return redirect(_back(url_for("applications.show", application_id=application_id)))


@blueprint.route("/<int:application_id>/contact", methods=["POST"])
@role_required(*HIRING_ROLES, org_kinds=("employer", "agency"))
def contact(application_id: int):
    try:
        ops.request_contact(db_session(), current_actor(), application_id, form_data())
    except DomainError as error:
        refused(error)
    else:
        flash(_("The SMS is queued for sending."), "success")
    return redirect(_back(url_for("applications.show", application_id=application_id)))


@blueprint.route("/<int:application_id>/work-history", methods=["POST"])
@role_required(*ORG_ROLES, org_kinds=("employer", "agency", "centre"))
def work_history(application_id: int):
    actor, s = current_actor(), db_session()
    application, sides = ops.get_visible(s, actor, application_id)
    data = form_data()
    try:
        resumes.add_work_history(s, actor, application.resume_id, data)
    except ValidationFailed as error:
        s.rollback()
        application, sides = ops.get_visible(s, actor, application_id)
        return _render_show(application, sides, error, data, form="work_history")
    except DomainError as error:
        refused(error)
        return redirect(url_for("applications.show", application_id=application_id))
    flash(_("The work history entry is added."), "success")
    return redirect(url_for("applications.show", application_id=application_id))


@blueprint.route("/candidates")
@role_required(*HIRING_ROLES, org_kinds=("employer", "agency"))
def candidates():
    which = request.args.get("filter", "active")
    if which not in queries.CANDIDATE_FILTERS:
        which = "active"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = queries.candidates(db_session(), current_actor(), which, page=page)
    pages = max(1, math.ceil(total / 25))
    if page > pages:
        abort(404)
    s, actor = db_session(), current_actor()
    contacts = {a.id: seekers.can_view_private(s, actor, a.seeker) for a in rows}
    return render_template("applications/candidates.html", rows=rows, total=total, which=which, page=page, pages=pages,
                           filters=queries.CANDIDATE_FILTERS, contacts=contacts)


@blueprint.route("/submitted")
@role_required(AccountRole.AGENCY, org_kinds=("agency",))
def submitted():
    """An agency follows the responses it sent for people: state, stage, interview, answer."""
    open_only = request.args.get("filter") == "open"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = queries.submitted_applications(db_session(), current_actor(), open_only=open_only, page=page)
    pages = max(1, math.ceil(total / 25))
    if page > pages:
        abort(404)
    return render_template("applications/submitted.html", rows=rows, total=total, open_only=open_only, page=page, pages=pages)


@blueprint.route("/stages", methods=["GET", "POST"])
@role_required(*HIRING_ROLES, org_kinds=("employer", "agency"))
def stages():
    actor, s = current_actor(), db_session()
    choices = {"state_choices": labels.choices("stage_state"), "interview_kinds": labels.choices("interview_kind")}
    if request.method == "POST":
        data = form_data()
        try:
            ops.create_stage(s, actor, data)
        except ValidationFailed as error:
            return render_form("applications/stages.html", error, values=data, stages=ops.stages_for(s, actor.organisation_id), **choices)
        except DomainError as error:
            refused(error)
            return redirect(url_for("applications.stages"))
        flash(_("The stage is added."), "success")
        return redirect(url_for("applications.stages"))
    return render_form("applications/stages.html", values={"state": StageState.INTERVIEW.value},
                       stages=ops.stages_for(s, actor.organisation_id), **choices)


@blueprint.route("/stages/<int:stage_id>/remove", methods=["POST"])
@role_required(*HIRING_ROLES, org_kinds=("employer", "agency"))
def remove_stage(stage_id: int):
    try:
        ops.remove_stage(db_session(), current_actor(), stage_id)
    except DomainError as error:
        refused(error)
    else:
        flash(_("The stage is removed."), "success")
    return redirect(url_for("applications.stages"))


@blueprint.route("/statistics")
@role_required(*HIRING_ROLES, org_kinds=("employer", "agency"))
def statistics():
    days = request.args.get("days", 30, type=int) or 30
    days = min(max(days, 7), 365)
    stats = queries.organisation_statistics(db_session(), current_actor(), days=days)
    return render_template("applications/statistics.html", stats=stats, days=days)


@blueprint.route("/statistics.json")
@role_required(*HIRING_ROLES, org_kinds=("employer", "agency"))
def statistics_json():
    days = min(max(request.args.get("days", 30, type=int) or 30, 7), 365)
    stats = queries.organisation_statistics(db_session(), current_actor(), days=days)
    names = {
        "responses": _("Responses"), "invitations": _("Invitations"), "referrals": _("Referrals"),
        "interviews": _("Interviews"), "hires": _("Hires"), "published": _("Vacancies published"),
    }
    return jsonify({"labels": stats["days"], "series": [{"key": k, "label": names[k], "data": v} for k, v in stats["daily"].items()],
                    "overall": stats["overall"]})


def _seeker_panel(actor):
    if actor.role != S:
        return None
    profile = seekers.profile_for_user(db_session(), actor.user_id)
    if profile is None:
        return None
    rows = queries.seeker_applications(db_session(), actor, profile.id)
    return {"open": [a for a in rows if a.is_open][:5], "total": len(rows)}


def _employer_panel(actor):
    if actor.organisation is None or actor.organisation.kind.value not in ("employer", "agency"):
        return None
    rows = queries.hiring_overview(db_session(), actor)
    waiting = sum(c.get("new", 0) for _v, c in rows)
    return {"waiting": waiting, "vacancies": len(rows)}


NAV.append(NavEntry("applications.mine", _l("My applications"), (S,)))
NAV.append(NavEntry("applications.hiring", _l("Hiring"), HIRING_ROLES))
NAV.append(NavEntry("applications.candidates", _l("Candidates"), HIRING_ROLES))
NAV.append(NavEntry("applications.submitted", _l("Applications we sent"), (AccountRole.AGENCY,)))
PANELS.append(Panel("applications/_seeker_panel.html", (S,), _seeker_panel, order=12))
PANELS.append(Panel("applications/_employer_panel.html", HIRING_ROLES, _employer_panel, order=22))
