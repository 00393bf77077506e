"""Admin dead-letter page: failed jobs and undeliverable outbox events, with retry and purge."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from exchange.accounts.models import AccountRole
from exchange.errors import DomainError
from exchange.i18n import gettext as _
from exchange.i18n import lazy_gettext as _l
from exchange.portal.nav import NAV, NavEntry
from exchange.web import current_actor, db_session, refused, role_required
from workers import deadletter, health

blueprint = Blueprint("jobs_admin", __name__, url_prefix="/admin/jobs", template_folder="templates")


def _app():
    return current_app._get_current_object()


@blueprint.route("/")
@role_required(AccountRole.ADMIN)
def failed():
    app = _app()
    try:
        jobs = deadletter.failed_jobs(app)
        redis_error = None
    except Exception as error:  # Redis down: still show the outbox side
        jobs, redis_error = [], f"{type(error).__name__}: {error}"
    session = db_session()
    events = deadletter.stuck_events(session)
    report = health.check(app)
    return render_template(
        "jobs_admin/failed.html", jobs=jobs, events=events, consumers=deadletter.event_consumers(session, events),
        report=report, problems=health.messages(report), redis_error=redis_error, rq=deadletter.rq_enabled(app),
    )


def _act(action, *args, done: str):
    try:
        count = action(*args)
    except DomainError as error:
        refused(error)
    else:
        flash(done % {"count": count if isinstance(count, int) else 1}, "success")
    return redirect(url_for("jobs_admin.failed"))


@blueprint.route("/retry/<job_id>", methods=["POST"])
@role_required(AccountRole.ADMIN)
def retry(job_id: str):
    return _act(deadletter.retry_jobs, db_session(), _app(), current_actor(), job_id, done=_("Requeued %(count)s job(s)."))


@blueprint.route("/retry-all", methods=["POST"])
@role_required(AccountRole.ADMIN)
def retry_all():
    return _act(deadletter.retry_jobs, db_session(), _app(), current_actor(), None, done=_("Requeued %(count)s job(s)."))


@blueprint.route("/purge/<job_id>", methods=["POST"])
@role_required(AccountRole.ADMIN)
def purge(job_id: str):
    return _act(deadletter.purge_jobs, db_session(), _app(), current_actor(), job_id, done=_("Deleted %(count)s job(s)."))


@blueprint.route("/purge-all", methods=["POST"])
@role_required(AccountRole.ADMIN)
def purge_all():
    return _act(deadletter.purge_jobs, db_session(), _app(), current_actor(), None, done=_("Deleted %(count)s job(s)."))


@blueprint.route("/events/<int:event_id>/redeliver", methods=["POST"])
@role_required(AccountRole.ADMIN)
def redeliver(event_id: int):
    return _act(deadletter.redeliver_event, db_session(), current_actor(), event_id,
                done=_("The event will be delivered again."))


@blueprint.route("/events/<int:event_id>/discard", methods=["POST"])
@role_required(AccountRole.ADMIN)
def discard(event_id: int):
    return _act(deadletter.discard_event, db_session(), current_actor(), event_id, done=_("The event was discarded."))


NAV.append(NavEntry("jobs_admin.failed", _l("Background jobs"), (AccountRole.ADMIN,)))
