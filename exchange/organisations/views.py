from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_login import login_required

from exchange import labels
from exchange.accounts.models import AccountRole
from exchange.auth import user_organisations
from exchange.classifiers import operations as classifiers
from exchange.errors import DomainError, ValidationFailed
from exchange.i18n import get_locale
from exchange.i18n import gettext as _
from exchange.organisations import operations as ops
from exchange.organisations.models import OrganisationKind
from exchange.portal.nav import PANELS, Panel
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

blueprint = Blueprint("organisations", __name__, url_prefix="/organisation")
FIELDS = ("name", "bin", "registry_number", "kato_code", "address", "phone", "email", "website", "description")


def _regions() -> list[tuple[str, str]]:
    locale = str(get_locale())
    items = classifiers.CACHE.scheme(db_session(), "kato").values()
    return [(e.code, ("— " if e.level > 1 else "") + e.name(locale)) for e in items]


@blueprint.route("/new", methods=["GET", "POST"])
@role_required(AccountRole.EMPLOYER, AccountRole.AGENCY, AccountRole.ADMIN)
def create():
    actor = current_actor()
    kind = {AccountRole.EMPLOYER: "employer", AccountRole.AGENCY: "agency"}.get(actor.role, request.values.get("kind", "centre"))
    if request.method == "GET":
        return render_form("organisations/form.html", values={"kind": kind}, regions=_regions(), kind=kind, creating=True)
    data = {**form_data(), "kind": kind}
    try:
        organisation = ops.create_organisation(db_session(), actor, data)
    except ValidationFailed as error:
        return render_form("organisations/form.html", error, values=data, regions=_regions(), kind=kind, creating=True)
    session["org_id"] = organisation.id
    flash(_("The organisation is registered."), "success")
    return redirect(url_for("portal.dashboard"))


@blueprint.route("/", methods=["GET", "POST"])
@role_required(AccountRole.EMPLOYER, AccountRole.AGENCY, AccountRole.CENTRE, org_kinds=tuple(OrganisationKind))
def profile():
    actor = current_actor()
    organisation = actor.organisation
    if organisation is None:
        abort(404)
    s = db_session()
    if request.method == "GET":
        values = {f: getattr(organisation, f) for f in FIELDS}
        return render_form("organisations/form.html", values=values, regions=_regions(), kind=organisation.kind.value,
                           creating=False, members=ops.members(s, actor, organisation.id))
    data = form_data()
    try:
        ops.update_organisation(s, actor, organisation.id, data)
    except ValidationFailed as error:
        return render_form("organisations/form.html", error, values=data, regions=_regions(), kind=organisation.kind.value,
                           creating=False, members=ops.members(s, actor, organisation.id))
    flash(_("Saved."), "success")
    return redirect(url_for("organisations.profile"))


@blueprint.route("/members", methods=["POST"])
@login_required
def add_member():
    actor = current_actor()
    if actor.organisation is None:
        abort(404)
    try:
        ops.add_member(db_session(), actor, actor.organisation_id, request.form.get("email", ""), request.form.get("role", "member"))
    except DomainError as error:
        refused(error)
        return redirect(url_for("organisations.profile"))
    flash(_("The person is added to the team."), "success")
    return redirect(url_for("organisations.profile"))


@blueprint.route("/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_member(user_id: int):
    actor = current_actor()
    if actor.organisation is None:
        abort(404)
    try:
        ops.remove_member(db_session(), actor, actor.organisation_id, user_id)
    except DomainError as error:
        refused(error)
        return redirect(url_for("organisations.profile"))
    flash(_("The person is removed from the team."), "success")
    return redirect(url_for("organisations.profile"))


@blueprint.route("/switch/<int:organisation_id>", methods=["POST"])
@login_required
def switch(organisation_id: int):
    actor = current_actor()
    if organisation_id not in {o.id for o in user_organisations(db_session(), actor.user)}:
        abort(403)
    session["org_id"] = organisation_id
    return redirect(url_for("portal.dashboard"))


def _org_panel(actor):
    if actor.organisation is None:
        return {"organisation": None, "kind_label": None}
    return {"organisation": actor.organisation, "kind_label": labels.label("organisation_kind", actor.organisation.kind)}


PANELS.append(Panel("organisations/_panel.html", (AccountRole.EMPLOYER, AccountRole.AGENCY, AccountRole.CENTRE), _org_panel, order=10))
