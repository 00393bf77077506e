from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from exchange.accounts import operations as ops
from exchange.accounts.models import AccountRole
from exchange.errors import ValidationFailed
from exchange.i18n import get_locale
from exchange.i18n import gettext as _
from exchange.security import limiter
from exchange.web import current_actor, db_session, form_data, render_form, safe_next

blueprint = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["BIRZHA"].LOGIN_RATE_LIMIT


def _email_key() -> str:
    return f"email:{(request.form.get('email') or '').strip().lower()}"


@blueprint.route("/sign-up", methods=["GET", "POST"])
def sign_up():
    roles = [
        (AccountRole.SEEKER.value, _("I am looking for work")),
        (AccountRole.EMPLOYER.value, _("I hire for an employer")),
        (AccountRole.AGENCY.value, _("I work for a private employment agency")),
    ]
    if request.method == "GET":
        return render_form("accounts/sign_up.html", values={"role": request.args.get("role", "seeker")}, roles=roles)
    data = form_data()
    data["locale"] = str(get_locale())
    try:
        user = ops.sign_up(db_session(), data)
    except ValidationFailed as error:
        data.pop("password", None)
        return render_form("accounts/sign_up.html", error, values=data, roles=roles)
    db_session().flush()
    login_user(user)
    flash(_("Welcome to Birzha! Your account is ready."), "success")
    if user.role == AccountRole.SEEKER:
        return redirect(url_for("seekers.edit_profile"))
    return redirect(url_for("organisations.create"))


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def sign_in():
    if request.method == "GET":
        return render_form("accounts/sign_in.html", values={})
    data = form_data()
    user = ops.authenticate(db_session(), data.get("email", ""), data.get("password", ""))
    if user is None:
        error = ValidationFailed({"email": [_("Wrong e-mail or password.")]})
        return render_form("accounts/sign_in.html", error, status=401, values={"email": data.get("email", "")})
    login_user(user, remember=bool(data.get("remember")))
    return redirect(safe_next(url_for("portal.dashboard")))


@blueprint.route("/sign-out", methods=["POST"])
def sign_out():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("portal.home"))


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    if request.method == "GET":
        return render_form("accounts/forgot.html", values={})
    email = request.form.get("email", "")
    ops.request_password_reset(db_session(), email, current_app.config["SECRET_KEY"])
    # Same answer whether or not the account exists, so the form cannot probe for accounts.
    flash(_("If an account uses this e-mail, a reset link is on its way."), "info")
    return redirect(url_for("accounts.sign_in"))


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if request.method == "GET":
        return render_form("accounts/reset.html", values={}, token=token)
    settings = current_app.config["BIRZHA"]
    try:
        ops.reset_password(
            db_session(), token, request.form.get("password", ""), current_app.config["SECRET_KEY"], settings.PASSWORD_RESET_MAX_AGE
        )
    except ValidationFailed as error:
        return render_form("accounts/reset.html", error, values={}, token=token)
    flash(_("Your password is changed. Sign in with the new one."), "success")
    return redirect(url_for("accounts.sign_in"))


@blueprint.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user
    if request.method == "GET":
        return render_form("accounts/profile.html", values={"full_name": user.full_name, "phone": user.phone, "locale": user.locale})
    data = form_data()
    try:
        ops.update_profile(db_session(), current_actor(), user.id, data)
    except ValidationFailed as error:
        return render_form("accounts/profile.html", error, values=data)
    flash(_("Saved."), "success")
    return redirect(url_for("accounts.profile", lang=data.get("locale")))


@blueprint.route("/account/password", methods=["POST"])
@login_required
def change_password():
    data = form_data()
    session = db_session()
    user = current_user._get_current_object()  # the real object: login_user() must not get the proxy
    if ops.authenticate(session, user.email, data.get("current_password", "")) is None:
        error = ValidationFailed({"current_password": [_("The current password is wrong.")]})
        return render_form("accounts/profile.html", error, values={"full_name": current_user.full_name, "phone": current_user.phone, "locale": current_user.locale})
    try:
        ops.set_password(session, user, data.get("password", ""))
    except ValidationFailed as error:
        return render_form("accounts/profile.html", error, values={"full_name": current_user.full_name, "phone": current_user.phone, "locale": current_user.locale})
    session.flush()
    login_user(user)  # keep this session valid after the stamp changed
    flash(_("Your password is changed."), "success")
    return redirect(url_for("accounts.profile"))

