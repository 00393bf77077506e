from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from exchange.accounts.models import AccountRole
from exchange.admin import operations as ops
from exchange.errors import DomainError, ValidationFailed
from exchange.form_choices import profile_choices
from exchange.i18n import gettext as _
from exchange.i18n import lazy_gettext as _l
from exchange.organisations import operations as organisations
from exchange.portal.nav import NAV, PANELS, NavEntry, Panel
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

blueprint = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
ADMIN = (AccountRole.ADMIN,)


@blueprint.route("/organisations", methods=["GET", "POST"])
@role_required(*ADMIN)
def organisations_page():
    actor, s = current_actor(), db_session()
    kind, query = request.args.get("kind") or None, request.args.get("q", "")
    rows = ops.list_organisations(s, actor, kind, query)
    if request.method == "POST":
        data = {**form_data(), "kind": "centre"}
        try:
            organisations.create_organisation(s, actor, data)
        except ValidationFailed as error:
            return render_form("admin/organisations.html", error, values=data, rows=rows, kind=kind, query=query, **profile_choices())
        flash(_("The employment centre is registered."), "success")
        return redirect(url_for("admin.organisations_page", kind="centre"))
    return render_form("admin/organisations.html", values={}, rows=rows, kind=kind, query=query, **profile_choices())


@blueprint.route("/centres/<int:centre_id>/staff", methods=["GET", "POST"])
@role_required(*ADMIN)
def centre_staff(centre_id: int):
    actor, s = current_actor(), db_session()
    centre = organisations.get_organisation(s, centre_id)
    members = organisations.members(s, actor, centre_id)
    if request.method == "POST":
        data = form_data()
        data["manager"] = bool(data.get("manager"))
        try:
            ops.create_centre_staff(s, actor, centre_id, data)
        except ValidationFailed as error:
            data.pop("password", None)
            return render_form("admin/centre_staff.html", error, values=data, centre=centre, members=members)
        flash(_("The staff account is created."), "success")
        return redirect(url_for("admin.centre_staff", centre_id=centre_id))
    return render_form("admin/centre_staff.html", values={}, centre=centre, members=members)


@blueprint.route("/users")
@role_required(*ADMIN)
def users():
    query = request.args.get("q", "")
    return render_template("admin/users.html", rows=ops.find_users(db_session(), current_actor(), query), query=query)


@blueprint.route("/users/<int:user_id>/<action>", methods=["POST"])
@role_required(*ADMIN)
def user_action(user_id: int, action: str):
    if action not in ("activate", "deactivate"):
        return redirect(url_for("admin.users"))
    try:
        ops.set_active(db_session(), current_actor(), user_id, action == "activate")
    except DomainError as error:
        refused(error)
        return redirect(url_for("admin.users"))
    flash(_("Saved."), "success")
    return redirect(url_for("admin.users"))


def _panel(actor):
    if not actor.is_admin:
        return None
    return {"counts": ops.counts(db_session(), actor)}


PANELS.append(Panel("admin/_panel.html", ADMIN, _panel, order=5))
NAV.append(NavEntry("admin.organisations_page", _l("Administration"), ADMIN))
