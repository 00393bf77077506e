"""Training applications in every cabinet: seekers, employers, agencies file; centres decide."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from exchange import labels
from exchange.accounts.models import AccountRole
from exchange.errors import DomainError, ValidationFailed
from exchange.form_choices import profile_choices
from exchange.i18n import gettext as _
from exchange.i18n import lazy_gettext as _l
from exchange.portal.nav import NAV, PANELS, NavEntry, Panel
from exchange.reports import scope
from exchange.reports.filing_views import save_filing
from exchange.training import operations as ops
from exchange.training.models import TrainingApplication, TrainingStatus
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

blueprint = Blueprint("training", __name__, url_prefix="/cabinet/training", template_folder="templates")
S, E, A, C = AccountRole.SEEKER, AccountRole.EMPLOYER, AccountRole.AGENCY, AccountRole.CENTRE
FILERS = (S, E, A)


def _for_self(actor) -> bool:
    return actor.role == S


def _form_input() -> dict:
    data = form_data()
    data["employer_commitment"] = bool(data.get("employer_commitment"))
    return data


def _render(values: dict, error: ValidationFailed | None = None, item: TrainingApplication | None = None):
    return render_form("training/form.html", error, values=values, item=item, for_self=_for_self(current_actor()),
                       forms=labels.choices("training_form"), **profile_choices())


@blueprint.route("/")
@role_required(S, E, A, C)
def index():
    actor, s = current_actor(), db_session()
    if actor.is_admin or scope.is_centre_staff(actor):
        status = request.args.get("status") or None
        return render_template("training/queue.html", items=ops.centre_queue(s, actor, status=status), status=status,
                               statuses=[v for v, _label in labels.choices("training_status") if v != "draft"])
    if actor.role == S:
        items = ops.applications_for_seeker(s, actor)
    elif actor.organisation is not None:
        items = ops.applications_of_organisation(s, actor, actor.organisation_id)
    else:
        return redirect(url_for("organisations.create"))
    return render_template("training/mine.html", items=items)


@blueprint.route("/new", methods=["GET", "POST"])
@role_required(*FILERS)
def create():
    actor = current_actor()
    if request.method == "GET":
        return _render({"form": "short_course", "kato_code": actor.organisation.kato_code if actor.organisation else None})
    data = _form_input()
    return save_filing(
        lambda: ops.create_application(db_session(), actor, data),
        lambda item: ops.submit_application(db_session(), actor, item.id),
        rerender=lambda error: _render(data, error),
        show_url=lambda item: url_for("training.show", application_id=item.id),
        refused_url=url_for("training.index"),
        saved_message=_("The draft is saved."),
        submitted_message=_("The application is sent to the employment centre."),
    )


@blueprint.route("/<int:application_id>/edit", methods=["GET", "POST"])
@role_required(*FILERS)
def edit(application_id: int):
    actor, s = current_actor(), db_session()
    item = ops.get_application(s, actor, application_id)
    if not ops.is_filer(s, actor, item) or item.status not in ops.EDITABLE:
        return redirect(url_for("training.show", application_id=application_id))
    if request.method == "GET":
        values = {name: getattr(item, name) for name in ops.FIELDS}
        values["form"] = item.form.value
        return _render(values, item=item)
    data = _form_input()
    return save_filing(
        lambda: ops.update_application(s, actor, application_id, data),
        lambda _item: ops.submit_application(s, actor, application_id),
        rerender=lambda error: _render(data, error, item=item),
        show_url=lambda _item: url_for("training.show", application_id=application_id),
        refused_url=url_for("training.show", application_id=application_id),
        saved_message=_("Saved."),
        submitted_message=_("The application is sent to the employment centre."),
    )


@blueprint.route("/<int:application_id>")
@role_required(S, E, A, C)
def show(application_id: int):
    actor, s = current_actor(), db_session()
    item = ops.get_application(s, actor, application_id)
    return render_template("training/show.html", item=item, is_filer=ops.is_filer(s, actor, item),
                           is_person=ops.is_the_person(s, actor, item), deciding=ops.is_deciding_centre(actor, item),
                           errors={})


@blueprint.route("/<int:application_id>/<action>", methods=["POST"])
@role_required(S, E, A)
def act(application_id: int, action: str):
    operations = {"submit": (ops.submit_application, _("The application is sent to the employment centre.")),
                  "withdraw": (ops.withdraw_application, _("The application is withdrawn."))}
    if action not in operations:
        return render_template("error.html", error=DomainError(_("Unknown action."))), 404
    operation, message = operations[action]
    try:
        operation(db_session(), current_actor(), application_id)
    except DomainError as error:
        refused(error)
        return redirect(url_for("training.show", application_id=application_id))
    flash(message, "success")
    return redirect(url_for("training.show", application_id=application_id))


@blueprint.route("/<int:application_id>/decide", methods=["POST"])
@role_required(C, org_kinds=("centre",))
def decide(application_id: int):
    actor, s = current_actor(), db_session()
    try:
        ops.decide(s, actor, application_id, form_data())
    except ValidationFailed as error:
        item = ops.get_application(s, actor, application_id)
        return render_form("training/show.html", error, item=item, is_filer=False, is_person=False, deciding=True,
                           values=form_data())
    except DomainError as error:
        refused(error)
        return redirect(url_for("training.show", application_id=application_id))
    flash(_("The decision is recorded; the applicant sees it now."), "success")
    return redirect(url_for("training.index"))


def _panel(actor):
    s = db_session()
    if scope.is_centre_staff(actor):
        items = ops.centre_queue(s, actor, status=TrainingStatus.SUBMITTED.value)
        return {"centre": True, "count": len(items)}
    if actor.role == S:
        items = ops.applications_for_seeker(s, actor)
    elif actor.organisation is not None and actor.organisation.kind.value in ("employer", "agency"):
        items = ops.applications_of_organisation(s, actor, actor.organisation_id)
    else:
        return None
    return {"centre": False, "count": len(items), "latest": items[:3]}


NAV.append(NavEntry("training.index", _l("Training"), (S, E, A, C)))
PANELS.append(Panel("training/_panel.html", (S, E, A, C), _panel, order=62))
