"""Inbox, notification preferences, Telegram linking, one-click unsubscribe, contacting candidates,
and the two provider endpoints: Twilio status callbacks and the Telegram webhook."""

from __future__ import annotations

import hmac
import logging
import math

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from twilio.request_validator import RequestValidator

from exchange.accounts.models import AccountRole
from exchange.errors import DomainError, ValidationFailed
from exchange.i18n import gettext as _
from exchange.notifications import operations as ops
from exchange.notifications import sending
from exchange.notifications.catalogue import EVENT_TYPES
from exchange.portal.nav import PANELS, Panel
from exchange.security import csrf
from exchange.seekers.models import SeekerProfile
from exchange.timeutil import to_local
from exchange.web import current_actor, db_session, form_data, refused, render_form, role_required

log = logging.getLogger(__name__)
blueprint = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")
PAGE_SIZE = 20


def _settings():
    return current_app.config["BIRZHA"]


@blueprint.app_context_processor
def _unread():
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return ops.unread_count(db_session(), current_user.id)

    return {"unread_notifications": unread_notifications}


@blueprint.app_template_filter("local_time")
def local_time(moment) -> str:
    return to_local(moment).strftime("%d.%m.%Y %H:%M") if moment else ""


@blueprint.route("/")
@login_required
def inbox():
    page = max(1, request.args.get("page", 1, type=int) or 1)
    unread_only = request.args.get("unread") == "1"
    rows, total = ops.inbox(db_session(), current_actor(), unread_only=unread_only, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    from bots.render import render

    settings = _settings()
    items = [(n, render(n.event_type, n.context, str(current_user.locale or "ru"), settings.PUBLIC_URL)) for n in rows]
    return render_template(
        "notifications/inbox.html", items=items, page=page, pages=max(1, math.ceil(total / PAGE_SIZE)),
        unread_only=unread_only, unread=ops.unread_count(db_session(), current_user.id),
    )


@blueprint.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    item = ops.mark_read(db_session(), current_actor(), notification_id)
    target = request.form.get("open")
    if target and target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    if item.context.get("path") and request.form.get("follow"):
        return redirect(item.context["path"])
    return redirect(url_for("notifications.inbox"))


@blueprint.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    count = ops.mark_all_read(db_session(), current_actor())
    flash(_("%(n)s notifications marked as read.", n=count), "success")
    return redirect(url_for("notifications.inbox"))


def _preference_input() -> dict:
    events = {}
    for key, event in EVENT_TYPES.items():
        if event.configurable:
            events[key] = [c for c in ops.allowed_channels(key) if request.form.get(f"pref-{key}-{c}")]
    return {
        "events": events,
        "enabled": [c for c in ("email", "sms", "telegram", "call") if request.form.get(f"enabled-{c}")],
        "quiet_from": request.form.get("quiet_from", ""),
        "quiet_until": request.form.get("quiet_until", ""),
    }


def _preferences_page(error: ValidationFailed | None = None, values: dict | None = None):
    s, actor = db_session(), current_actor()
    values = values or ops.preferences_view(s, actor, actor.user_id)
    link = ops.telegram_status(s, actor.user_id)
    events = [(key, e) for key, e in EVENT_TYPES.items() if e.configurable]
    return render_form(
        "notifications/preferences.html", error, values=values, events=events,
        allowed={key: ops.allowed_channels(key) for key, _e in events},
        telegram=link, bot_username=_settings().TELEGRAM_BOT_USERNAME, deep_link=None,
    )


@blueprint.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    if request.method == "GET":
        return _preferences_page()
    data = _preference_input()
    try:
        ops.set_preferences(db_session(), current_actor(), current_user.id, data)
    except ValidationFailed as error:
        return _preferences_page(error, values=data)
    flash(_("Your notification settings are saved."), "success")
    return redirect(url_for("notifications.preferences"))


@blueprint.route("/telegram/link", methods=["POST"])
@login_required
def telegram_link():
    token = ops.start_telegram_link(db_session(), current_actor())
    deep_link = f"https://t.me/{_settings().TELEGRAM_BOT_USERNAME}?start={token}"
    return render_template("notifications/telegram_link.html", deep_link=deep_link)


@blueprint.route("/telegram/unlink", methods=["POST"])
@login_required
def telegram_unlink():
    if ops.unlink_telegram(db_session(), current_actor()):
        flash(_("Telegram is disconnected from your account."), "success")
    return redirect(url_for("notifications.preferences"))


@blueprint.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail clients POST here for one-click unsubscribe
def unsubscribe(token: str):
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", token=token, done=False)
    try:
        _user, event_type = ops.unsubscribe(db_session(), token, current_app.config["SECRET_KEY"])
    except ValidationFailed as error:
        return render_template("error.html", error=error), 400
    return render_template("notifications/unsubscribe.html", token=token, done=True, event=EVENT_TYPES[event_type])


@blueprint.route("/contact/<int:seeker_id>", methods=["GET", "POST"])
@role_required(AccountRole.EMPLOYER, AccountRole.AGENCY, AccountRole.CENTRE)
def contact(seeker_id: int):
    s, actor = db_session(), current_actor()
    profile = s.get(SeekerProfile, seeker_id)
    if profile is None:
        abort(404)
    cap = _settings().SMS_DAILY_CAP_PER_ORGANISATION
    used = ops.capped_today(s, actor.organisation_id) if actor.organisation_id else 0
    context = {"profile": profile, "cap": cap, "used": used}
    if request.method == "GET":
        return render_form("notifications/contact.html", values={"channel": "sms"}, **context)
    data = form_data()
    try:
        ops.contact_candidate(s, actor, seeker_id, data, daily_cap=cap)
    except ValidationFailed as error:
        return render_form("notifications/contact.html", error, values=data, **context)
    except DomainError as error:
        refused(error)
        return redirect(url_for("notifications.contact", seeker_id=seeker_id))
    flash(_("Your message is on its way."), "success")
    return redirect(url_for("notifications.contact", seeker_id=seeker_id))


# --- provider endpoints -------------------------------------------------------------------

@blueprint.route("/twilio/status", methods=["POST"])
@csrf.exempt
def twilio_status():
    """Twilio's delivery-status callback for SMS and calls; only signed requests count."""
    settings = _settings()
    if not settings.TWILIO_AUTH_TOKEN:
        abort(404)
    # Twilio signs the URL it called, which is our public address, not what the proxy passes on.
    url = settings.PUBLIC_URL.rstrip("/") + request.full_path.rstrip("?")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.form.to_dict(), signature):
        log.warning("Twilio callback with a bad signature from %s", request.remote_addr)
        abort(403)
    sid = request.form.get("MessageSid") or request.form.get("CallSid") or ""
    status = request.form.get("MessageStatus") or request.form.get("CallStatus") or ""
    delivery = sending.record_provider_status(db_session(), sid, status, request.form.get("ErrorCode"))
    return ("", 204) if delivery is not None else ("", 200)


@blueprint.route("/telegram/webhook", methods=["POST"])
@csrf.exempt
def telegram_webhook():
    settings = _settings()
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not settings.TELEGRAM_BOT_TOKEN or not secret or not hmac.compare_digest(given, secret):
        abort(403)
    update = request.get_json(silent=True)
    if not isinstance(update, dict) or "update_id" not in update:
        abort(400)
    from bots.telegram.handlers import process_update_sync

    process_update_sync(current_app._get_current_object(), update)
    return jsonify({"ok": True})


def _inbox_panel(actor):
    if actor.user_id is None:
        return None
    s = db_session()
    rows, _total = ops.inbox(s, actor, limit=3)
    return {"unread": ops.unread_count(s, actor.user_id), "latest": [(n, EVENT_TYPES[n.event_type].label) for n in rows]}


PANELS.append(Panel("notifications/_panel.html", tuple(AccountRole), _inbox_panel, order=5))
