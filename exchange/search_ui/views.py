"""Search pages: vacancy search (public), candidate search, matching tabs, typeahead.

Every page is a GET form that works without JavaScript; facets are links/checkboxes
with counts, paging follows ``search_after`` cursors ("more results"). The script
``static/js/search.js`` only adds typeahead and submit-on-change.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from exchange.accounts.models import AccountRole
from exchange.errors import DomainError, ValidationFailed
from exchange.form_choices import profile_choices
from exchange.i18n import gettext as _
from exchange.i18n import lazy_gettext as _l
from exchange.resumes import operations as resume_ops
from exchange.resumes.models import Resume
from exchange.seekers import operations as seeker_ops
from exchange.vacancies import operations as vacancy_ops
from exchange.vacancies.models import Vacancy
from exchange.web import current_actor, db_session, refused, role_required
from search import operations as filter_ops
from search.service import get_search

blueprint = Blueprint("search_ui", __name__, url_prefix="/search", template_folder="templates")
STAFF = (AccountRole.EMPLOYER, AccountRole.AGENCY, AccountRole.CENTRE)
# Query-string names kept when a facet link or "more results" changes one of them.
PARAM_NAMES = (
    "q", "occupation", "region", "lat", "lon", "radius_km", "salary_from", "salary_to", "with_salary", "employment_type",
    "schedule", "working_regime", "min_experience", "education", "language", "licence", "accessible", "kind", "employer",
    "published_since", "sort", "size", "age_from", "age_to", "available_by", "relocate", "status",
)


CONDITION_LABELS = {
    "region": _l("Place"), "licence": _l("Driving licence"), "occupation": _l("Occupation"), "skills": _l("Skills"),
    "experience": _l("Experience"), "education": _l("Education"), "languages": _l("Languages"), "salary": _l("Salary"),
    "schedule": _l("Schedule"), "distance": _l("Distance"),
}


@blueprint.app_context_processor
def _search_helpers():
    return {"condition_label": lambda name: str(CONDITION_LABELS.get(name, name))}


def _params() -> MultiDict:
    """The request's search parameters, without blanks (an empty form field means "any")."""
    out = MultiDict()
    for name in (*PARAM_NAMES, "cursor"):
        for value in request.args.getlist(name):
            if value.strip():
                out.add(name, value.strip())
    return out


def _url_with(endpoint: str, params: MultiDict, **kwargs: Any):
    """A link to the same search with one parameter changed (facets) or a cursor (paging)."""

    def build(name: str | None = None, value: str | None = None, toggle: bool = False, cursor: str | None = None, **extra) -> str:
        args = MultiDict([(k, v) for k, v in params.items(multi=True) if k != "cursor"])
        if name is not None:
            current = args.getlist(name)
            if toggle and value in current:
                args.setlist(name, [v for v in current if v != value])
            elif toggle:
                args.add(name, value)
            else:
                args.setlist(name, [value] if value not in (None, "") else [])
        if cursor:
            args["cursor"] = cursor
        return url_for(endpoint, **kwargs, **extra, **args.to_dict(flat=False))

    return build


def _ordered(model, ids: list[int]) -> list:
    if not ids:
        return []
    rows = {row.id: row for row in db_session().query(model).filter(model.id.in_(ids))}
    return [rows[i] for i in ids if i in rows]


def vacancy_search_page():
    """The public vacancy search (also served at /vacancies by the portal)."""
    params = _params()
    actor = current_actor() if current_user.is_authenticated else None
    errors: dict[str, list[str]] = {}
    result = None
    try:
        result = get_search().search_vacancies(params, actor)
    except ValidationFailed as error:
        errors = {k: [str(m) for m in v] for k, v in error.fields.items()}
    vacancies = _ordered(Vacancy, [h["id"] for h in result.hits]) if result else []
    distances = {h["id"]: h.get("distance_km") for h in result.hits} if result else {}
    context = dict(
        params=params, result=result, errors=errors, vacancies=vacancies, distances=distances,
        link=_url_with("portal.vacancies", params), choices=profile_choices(),
    )
    return render_template("search_ui/vacancies.html", **context), 422 if errors else 200


@blueprint.route("/typeahead")
def typeahead():
    kind = request.args.get("kind", "vacancy")
    if kind not in ("vacancy", "resume"):
        return jsonify({"error": {"code": "validation_failed", "message": _("Unknown kind."), "fields": {"kind": [_("Unknown kind.")]}}}), 422
    if kind == "resume" and not current_user.is_authenticated:
        abort(403)
    return jsonify({"suggestions": get_search().typeahead(request.args.get("q", ""), kind=kind)})


@blueprint.route("/candidates")
@role_required(*STAFF)
def candidates():
    params = _params()
    actor = current_actor()
    s = db_session()
    saved = filter_ops.list_filters(s, actor, "resume") if actor.organisation_id else []
    errors: dict[str, list[str]] = {}
    result = None
    try:
        result = get_search().search_resumes(params, actor)
    except ValidationFailed as error:
        errors = {k: [str(m) for m in v] for k, v in error.fields.items()}
    hits = result.hits if result else []
    resumes = {r.id: r for r in _ordered(Resume, [h["id"] for h in hits])}
    contacts = {
        r.id: seeker_ops.can_view_private(s, actor, r.seeker) for r in resumes.values()
    }
    context = dict(
        params=params, result=result, errors=errors, hits=hits, resumes=resumes, contacts=contacts, saved=saved,
        link=_url_with("search_ui.candidates", params), choices=profile_choices(),
    )
    return render_template("search_ui/candidates.html", **context), 422 if errors else 200


@blueprint.route("/candidates/filters", methods=["POST"])
@role_required(*STAFF)
def save_filter():
    chosen = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k in PARAM_NAMES and v.strip()])
    data = {"name": request.form.get("name", ""), "kind": "resume", "params": chosen.to_dict(flat=False)}
    try:
        saved = filter_ops.save_filter(db_session(), current_actor(), data)
    except DomainError as error:
        refused(error)
        return redirect(url_for("search_ui.candidates", **data["params"]))
    flash(_("Filter “%(name)s” saved.", name=saved.name), "success")
    return redirect(url_for("search_ui.candidates", **saved.params))


@blueprint.route("/candidates/filters/<int:filter_id>/delete", methods=["POST"])
@role_required(*STAFF)
def delete_filter(filter_id: int):
    try:
        filter_ops.delete_filter(db_session(), current_actor(), filter_id)
    except DomainError as error:
        refused(error)
    else:
        flash(_("Filter deleted."), "success")
    return redirect(url_for("search_ui.candidates"))


@blueprint.route("/vacancies/<int:vacancy_id>/candidates")
@role_required(*STAFF)
def vacancy_matches(vacancy_id: int):
    s = db_session()
    actor = current_actor()
    vacancy = vacancy_ops.get_vacancy(s, vacancy_id)
    matches = get_search().match_candidates(vacancy_id, actor, limit=50)
    resumes = {r.id: r for r in _ordered(Resume, [m.id for m in matches])}
    contacts = {r.id: seeker_ops.can_view_private(s, actor, r.seeker) for r in resumes.values()}
    return render_template("search_ui/matches.html", vacancy=vacancy, matches=matches, resumes=resumes, contacts=contacts)


@blueprint.route("/resumes/<int:resume_id>/vacancies")
@role_required(AccountRole.SEEKER, *STAFF)
def resume_matches(resume_id: int):
    s = db_session()
    resume = resume_ops.get_resume(s, resume_id)
    matches = get_search().match_vacancies(resume_id, current_actor(), limit=50)
    vacancies = {v.id: v for v in _ordered(Vacancy, [m.id for m in matches])}
    return render_template("search_ui/recommended.html", resume=resume, matches=matches, vacancies=vacancies)
