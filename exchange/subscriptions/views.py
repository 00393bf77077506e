"""Cabinet pages for saved searches, their results, and one-click unsubscribe from alert e-mails."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from exchange.accounts.models import AccountRole
from exchange.errors import DomainError, ValidationFailed
from exchange.form_choices import profile_choices
from exchange.i18n import gettext as _
from exchange.security import csrf
from exchange.subscriptions import matching
from exchange.subscriptions import operations as ops
from exchange.subscriptions.models import Frequency, SubscriptionHit, SubscriptionKind
from exchange.web import current_actor, db_session, form_data, refused, render_form

blueprint = Blueprint("subscriptions", __name__, url_prefix="/subscriptions", template_folder="templates")
PARAM_FIELDS = ("q", "occupation", "region", "salary_from", "employment_type", "schedule")


def _kind_for_actor() -> SubscriptionKind:
    return SubscriptionKind.VACANCIES if current_actor().role == AccountRole.SEEKER else SubscriptionKind.RESUMES


def _input() -> dict:
    data = form_data()
    params = {k: data.pop(k) for k in PARAM_FIELDS if k in data}
    return {"name": data.get("name"), "frequency": data.get("frequency"), "kind": data.get("kind") or _kind_for_actor().value,
            "params": params}


def _form(template_values: dict, error: ValidationFailed | None = None, subscription=None):
    errors_from = error
    if error is not None:  # show "params.q" errors next to the "q" input
        errors_from = ValidationFailed({k.removeprefix("params."): v for k, v in error.fields.items()})
    return render_form(
        "subscriptions/form.html", errors_from, values=template_values, subscription=subscription,
        frequencies=[(Frequency.INSTANT.value, _("As soon as they appear")), (Frequency.DAILY.value, _("Once a day, in a digest"))],
        kind=SubscriptionKind(template_values.get("kind") or _kind_for_actor().value), **profile_choices(),
    )


@blueprint.route("/")
@login_required
def mine():
    items = ops.subscriptions_of(db_session(), current_actor())
    return render_template("subscriptions/mine.html", items=items, kind=_kind_for_actor())


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if request.method == "GET":
        # "Save this search" links pass the search page's parameters along.
        values = {k: request.args.get(k, "") for k in PARAM_FIELDS}
        values.update(kind=request.args.get("kind") or _kind_for_actor().value, frequency=Frequency.INSTANT.value)
        return _form(values)
    data = _input()
    try:
        ops.create_subscription(db_session(), current_actor(), data)
    except ValidationFailed as error:
        return _form({**data["params"], **{k: v for k, v in data.items() if k != "params"}}, error)
    except DomainError as error:
        refused(error)
        return redirect(url_for("subscriptions.mine"))
    flash(_("The search is saved. We will tell you about new matches."), "success")
    return redirect(url_for("subscriptions.mine"))


@blueprint.route("/<int:subscription_id>/edit", methods=["GET", "POST"])
@login_required
def edit(subscription_id: int):
    s, actor = db_session(), current_actor()
    subscription = ops.get_own(s, actor, subscription_id)
    if request.method == "GET":
        values = {**subscription.params, "name": subscription.name, "frequency": subscription.frequency.value, "kind": subscription.kind.value}
        return _form(values, subscription=subscription)
    data = _input()
    try:
        ops.update_subscription(s, actor, subscription_id, data)
    except ValidationFailed as error:
        return _form({**data["params"], **{k: v for k, v in data.items() if k != "params"}}, error, subscription)
    flash(_("Saved."), "success")
    return redirect(url_for("subscriptions.mine"))


@blueprint.route("/<int:subscription_id>/<any(mute, resume, delete):action>", methods=["POST"])
@login_required
def act(subscription_id: int, action: str):
    s, actor = db_session(), current_actor()
    if action == "delete":
        ops.delete_subscription(s, actor, subscription_id)
        flash(_("The saved search is deleted."), "success")
    else:
        ops.set_active(s, actor, subscription_id, action == "resume")
        flash(_("Alerts are paused.") if action == "mute" else _("Alerts are on again."), "success")
    return redirect(url_for("subscriptions.mine"))


@blueprint.route("/<int:subscription_id>/results")
@login_required
def results(subscription_id: int):
    s = db_session()
    subscription = ops.get_own(s, current_actor(), subscription_id)
    doc_ids = list(s.scalars(
        sa.select(SubscriptionHit.document_id).where(SubscriptionHit.subscription_id == subscription.id)
        .order_by(SubscriptionHit.created_at.desc(), SubscriptionHit.id.desc()).limit(100)
    ))
    docs = matching.documents_for(s, subscription.kind, doc_ids)
    items = [docs[i] | {"id": i} for i in doc_ids if i in docs]
    return render_template("subscriptions/results.html", subscription=subscription, items=items)


@blueprint.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail clients POST here (RFC 8058 one-click)
def unsubscribe(token: str):
    if request.method == "GET":
        return render_template("subscriptions/unsubscribe.html", done=False)
    try:
        subscription = ops.unsubscribe(db_session(), token, current_app.config["SECRET_KEY"])
    except DomainError as error:
        return render_template("error.html", error=error), error.status
    return render_template("subscriptions/unsubscribe.html", done=True, subscription=subscription)
