"""Pension reconciliation in the cabinets: run reports (admins and centres), feed import (admins)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from exchange.accounts.models import AccountRole
from exchange.errors import DomainError
from exchange.i18n import gettext as _
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import Organisation
from exchange.pension import feed as feed_format
from exchange.pension import operations as ops
from exchange.pension.models import FeedSource, PensionFeed
from exchange.portal.nav import NAV, PANELS, NavEntry, Panel
from exchange.web import current_actor, db_session, refused, role_required

blueprint = Blueprint("pension", __name__, url_prefix="/cabinet/pension", template_folder="templates")
VIEWERS = (AccountRole.CENTRE, AccountRole.ADMIN)


@blueprint.route("/")
@role_required(*VIEWERS)
def runs():
    actor, s = current_actor(), db_session()
    return render_template(
        "pension/runs.html", runs=ops.list_runs(s, actor),
        feeds=ops.list_feeds(s, actor, limit=20) if actor.is_admin else [],
    )


@blueprint.route("/runs/<int:run_id>")
@role_required(*VIEWERS)
def run(run_id: int):
    actor, s = current_actor(), db_session()
    item = ops.get_run(s, actor, run_id)
    by_centre = item.by_centre if actor.is_admin else [c for c in item.by_centre if c["centre_id"] == actor.organisation_id]
    centre_names = {o.id: o.name for o in s.scalars(sa.select(Organisation).where(
        Organisation.id.in_([c["centre_id"] for c in by_centre])))}
    return render_template("pension/run.html", run=item, matches=ops.run_matches(s, actor, run_id),
                           by_centre=by_centre, centre_names=centre_names)


@blueprint.route("/feeds/<int:feed_id>")
@role_required(AccountRole.ADMIN)
def feed(feed_id: int):
    item = db_session().get(PensionFeed, feed_id)
    if item is None:
        abort(404)
    return render_template("pension/feed.html", feed=item, reason=feed_format.reason)


@blueprint.route("/import", methods=["POST"])
@role_required(AccountRole.ADMIN)
def upload():
    actor, s = current_actor(), db_session()
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash(_("Choose a feed file to upload."), "error")
        return redirect(url_for("pension.runs"))
    try:
        result = ops.import_feed(s, actor, upload_file.stream, upload_file.filename, FeedSource.FILE)
    except DomainError as error:
        refused(error)
        return redirect(url_for("pension.runs"))
    if result.already_imported:
        flash(_("This file was already imported (feed %(id)s); nothing was loaded again.", id=result.feed.id), "info")
    else:
        flash(_("Feed imported: %(loaded)s rows loaded, %(rejected)s rejected.",
                loaded=result.feed.rows_loaded, rejected=result.feed.rows_rejected), "success")
    return redirect(url_for("pension.feed", feed_id=result.feed.id))


@blueprint.route("/reconcile", methods=["POST"])
@role_required(AccountRole.ADMIN)
def reconcile_now():
    from workers.jobs import submit

    actor = current_actor()
    # Commit this request's session first: the run uses its own units of work.
    db_session().commit()
    try:
        submit(current_app._get_current_object(), "exchange.pension.jobs.reconcile_for_user", actor.user_id,
               queue="reconcile", timeout=3 * 3600)
    except DomainError as error:
        refused(error)
        return redirect(url_for("pension.runs"))
    flash(_("Reconciliation started; its report appears below when it finishes."), "success")
    return redirect(url_for("pension.runs"))


def _panel(actor):
    if not (actor.is_admin or actor.is_centre_staff):
        return None
    latest = ops.list_runs(db_session(), actor, limit=1)
    if not latest:
        return {"run": None, "mine": None}
    run = latest[0]
    mine = next((c for c in run.by_centre if c["centre_id"] == actor.organisation_id), None)
    return {"run": run, "mine": mine}


NAV.append(NavEntry("pension.runs", _l("Pension reconciliation"), (AccountRole.CENTRE, AccountRole.ADMIN)))
PANELS.append(Panel("pension/_panel.html", VIEWERS, _panel, order=40))

