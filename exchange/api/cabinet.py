"""Cabinet pages for integrations: API keys, webhooks and their deliveries, imports, verification, agency reports."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for

from exchange.accounts.models import AccountRole
from exchange.api import imports, keys, reports, verification, webhooks
from exchange.api.models import SCOPES, SeekerVerification
from exchange.api.resources.agency import registry
from exchange.errors import DomainError, ValidationFailed
from exchange.i18n import get_locale
from exchange.i18n import gettext as _
from exchange.seekers.models import SeekerProfile
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

blueprint = Blueprint("api_cabinet", __name__, url_prefix="/cabinet/integrations", template_folder="templates")

E, A = AccountRole.EMPLOYER, AccountRole.AGENCY
ORG_KINDS = ("employer", "agency")


def _keys_page(error: ValidationFailed | None = None, values: dict | None = None, token: str | None = None):
    actor, s = current_actor(), db_session()
    return render_form(
        "api/keys.html", error, status=201 if token else None, keys=keys.organisation_keys(s, actor), scopes=SCOPES,
        scope_descriptions=keys.SCOPE_DESCRIPTIONS,
        values=values or {"scopes": ["vacancies:read"]}, token=token,
    )


@blueprint.route("/keys", methods=["GET", "POST"])
@role_required(E, A, org_kinds=ORG_KINDS)
def api_keys():
    if request.method == "GET":
        return _keys_page()
    data = form_data("scopes")
    try:
        _key, token = keys.issue_key(db_session(), current_actor(), data)
    except ValidationFailed as error:
        return _keys_page(error, data)
    # Shown on this response only: the token is not stored anywhere it could be read again.
    return _keys_page(token=token)


@blueprint.route("/keys/<int:key_id>/revoke", methods=["POST"])
@role_required(E, A, org_kinds=ORG_KINDS)
def revoke_key(key_id: int):
    try:
        keys.revoke_key(db_session(), current_actor(), key_id)
    except DomainError as error:
        refused(error)
        return redirect(url_for("api_cabinet.api_keys"))
    flash(_("The key is revoked; programs using it are refused from now on."), "success")
    return redirect(url_for("api_cabinet.api_keys"))


def _hooks_page(error: ValidationFailed | None = None, values: dict | None = None, secret: str | None = None):
    actor, s = current_actor(), db_session()
    return render_form(
        "api/webhooks.html", error, status=201 if secret else None, endpoints=webhooks.list_endpoints(s, actor),
        event_types=webhooks.EVENT_TYPES, values=values or {"event_types": []}, secret=secret,
    )


@blueprint.route("/webhooks", methods=["GET", "POST"])
@role_required(E, A, org_kinds=ORG_KINDS)
def hooks():
    if request.method == "GET":
        return _hooks_page()
    data = form_data("event_types")
    try:
        endpoint = webhooks.create_endpoint(db_session(), current_actor(), data)
    except ValidationFailed as error:
        return _hooks_page(error, data)
    except DomainError as error:
        refused(error)
        return redirect(url_for("api_cabinet.hooks"))
    return _hooks_page(secret=endpoint.secret)


@blueprint.route("/webhooks/<int:endpoint_id>")
@role_required(E, A, org_kinds=ORG_KINDS)
def hook(endpoint_id: int):
    actor, s = current_actor(), db_session()
    endpoint = webhooks.get_endpoint(s, actor, endpoint_id)
    before = request.args.get("before", type=int)
    items = webhooks.deliveries(s, actor, endpoint_id, before=before, limit=50)
    return render_template("api/webhook.html", endpoint=endpoint, deliveries=items)


@blueprint.route("/webhooks/<int:endpoint_id>/<action>", methods=["POST"])
@role_required(E, A, org_kinds=ORG_KINDS)
def hook_action(endpoint_id: int, action: str):
    actor, s = current_actor(), db_session()
    try:
        if action == "delete":
            webhooks.delete_endpoint(s, actor, endpoint_id)
            flash(_("The webhook is removed."), "success")
            return redirect(url_for("api_cabinet.hooks"))
        if action == "enable":
            webhooks.enable_endpoint(s, actor, endpoint_id)
            flash(_("The webhook is switched on again."), "success")
            return redirect(url_for("api_cabinet.hook", endpoint_id=endpoint_id))
    except DomainError as error:
        refused(error)
        return redirect(url_for("api_cabinet.hooks"))
    return redirect(url_for("api_cabinet.hooks"))


@blueprint.route("/imports")
@role_required(E, A, org_kinds=ORG_KINDS)
def import_list():
    return render_template("api/imports.html", imports=imports.list_imports(db_session(), current_actor()))


@blueprint.route("/imports/<int:import_id>")
@role_required(E, A, org_kinds=ORG_KINDS)
def import_detail(import_id: int):
    return render_template("api/import.html", item=imports.get_import(db_session(), current_actor(), import_id))


def _occupations() -> list[tuple[str, str]]:
    from exchange.classifiers import operations as classifiers

    return [(code, f"{code} {name}") for code, name in classifiers.choices(db_session(), "isco", str(get_locale()), level=4)]


def _reports_page(error: ValidationFailed | None = None, values: dict | None = None):
    actor, s = current_actor(), db_session()
    return render_form("api/reports.html", error, reports=reports.list_reports(s, actor), occupations=_occupations(), values=values or {})


@blueprint.route("/reports", methods=["GET", "POST"])
@role_required(A, org_kinds=("agency",))
def agency_reports():
    if request.method == "GET":
        return _reports_page()
    data = form_data()
    try:
        reports.submit_report(db_session(), current_actor(), data)
    except ValidationFailed as error:
        return _reports_page(error, data)
    flash(_("The report is submitted. Sending the same period and occupation again corrects it."), "success")
    return redirect(url_for("api_cabinet.agency_reports"))


@blueprint.route("/verification")
@role_required(A, org_kinds=("agency",))
def verification_list():
    actor, s = current_actor(), db_session()
    people = list(
        s.scalars(
            sa.select(SeekerProfile)
            .where(SeekerProfile.created_by_organisation_id == actor.organisation_id)
            .order_by(SeekerProfile.last_name, SeekerProfile.first_name)
            .limit(500)
        )
    )
    latest: dict[int, SeekerVerification] = {}
    if people:
        for item in s.scalars(
            sa.select(SeekerVerification)
            .where(SeekerVerification.seeker_id.in_([p.id for p in people]))
            .order_by(SeekerVerification.checked_at)
        ):
            latest[item.seeker_id] = item
    return render_template("api/verification.html", people=people, latest=latest, configured=registry() is not None)


@blueprint.route("/verification/<int:seeker_id>", methods=["POST"])
@role_required(A, org_kinds=("agency",))
def verify(seeker_id: int):
    try:
        result = verification.verify_seeker(db_session(), current_actor(), seeker_id, registry())
    except DomainError as error:
        refused(error)
        return redirect(url_for("api_cabinet.verification_list"))
    flash(_("Verification result: %(status)s.", status=_status_label(result.status.value)), "success")
    return redirect(url_for("api_cabinet.verification_list"))


def _status_label(value: str) -> str:
    return {
        "verified": _("data confirmed"), "mismatch": _("data differs from the registry"),
        "not_found": _("not found in the registry"), "unavailable": _("registry unavailable"),
    }.get(value, value)


@blueprint.app_template_filter("verification_label")
def verification_label(value: str) -> str:
    return _status_label(value)
