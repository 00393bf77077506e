"""What the bot answers: commands, the guided subscription dialogue, and inline-button presses.

:func:`respond` is plain synchronous code over the operations (one unit of work per
update) and returns the answers to send; :func:`execute` sends them with
python-telegram-bot. The dialogue state lives in the database (``TelegramLink.dialog``),
so webhook requests served by different portal processes continue the same dialogue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask
from telegram import Bot
from telegram.constants import ParseMode

from bots.telegram.runner import keyboard
from exchange.accounts.models import AccountRole, User
from exchange.auth import Actor, user_organisations
from exchange.errors import DomainError
from exchange.i18n import LOCALE_NAMES, LOCALES, gettext
from exchange.notifications import operations as notifications
from exchange.notifications.catalogue import in_locale
from exchange.notifications.models import TelegramLink

log = logging.getLogger(__name__)
RESULTS = 5
QUICK_REGIONS = (("750000000", "Алматы"), ("710000000", "Астана"), ("790000000", "Шымкент"))


@dataclass
class Answer:
    text: str
    buttons: list[list[dict[str, str]]] = field(default_factory=list)


@dataclass
class Outcome:
    chat_id: int | None
    answers: list[Answer] = field(default_factory=list)
    callback_query_id: str | None = None
    callback_text: str | None = None


def _esc(value: Any) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Conversation:
    """One update from one chat, with the linked account (if any) and its language."""

    def __init__(self, app: Flask, session, chat_id: int, from_user: dict[str, Any]) -> None:
        self.app, self.session, self.chat_id = app, session, chat_id
        self.username = from_user.get("username")
        self.link: TelegramLink | None = notifications.telegram_link_for_chat(session, chat_id)
        self.user: User | None = session.get(User, self.link.user_id) if self.link else None
        language = (from_user.get("language_code") or "")[:2]
        self.locale = self.user.locale if self.user else (language if language in LOCALES else "ru")
        self.answers: list[Answer] = []

    @property
    def public_url(self) -> str:
        from exchange.app import state

        return state(self.app).settings.PUBLIC_URL.rstrip("/")

    def actor(self) -> Actor:
        assert self.user is not None
        organisations = user_organisations(self.session, self.user)
        return Actor(user=self.user, organisation=organisations[0] if organisations else None, via="bot")

    def say(self, text: str, buttons: list[list[dict[str, str]]] | None = None) -> None:
        self.answers.append(Answer(text, buttons or []))

    def set_dialog(self, **state: Any) -> None:
        if self.link is not None:
            self.link.dialog = state

    @property
    def dialog(self) -> dict[str, Any]:
        return dict(self.link.dialog or {}) if self.link else {}

    def need_link(self) -> bool:
        if self.user is None:
            self.say(gettext(
                "First connect your Birzha account: in the portal open Notifications → Settings → Connect Telegram."
            ))
            return True
        return False

    # --- commands ---------------------------------------------------------------------

    def help(self) -> None:
        self.say(gettext(
            "I can help you with:\n/search — find vacancies (or just send me the words)\n/subscriptions — saved searches and alerts\n"
            "/applications — your applications and deadlines\n/language — change the language\n/unlink — disconnect this chat"
        ))

    def start(self, token: str) -> None:
        if token:
            try:
                self.user = notifications.complete_telegram_link(self.session, token, self.chat_id, self.username)
            except DomainError as error:
                self.say(str(error.fields.get("token", [error.message])[0]))
                return
            self.link = notifications.telegram_link_for_chat(self.session, self.chat_id)
            self.locale = self.user.locale
            with in_locale(self.locale):
                self.say(gettext("Hello, %(name)s! Your Birzha account is connected; alerts will come here.", name=_esc(self.user.full_name)))
                self.help()
            return
        if self.user is not None:
            self.help()
            return
        self.say(gettext("Hello! I am the Birzha labour exchange bot. Send me words to search vacancies, e.g. “бухгалтер”."))
        self.need_link()

    def search(self, words: str) -> None:
        words = words.strip()
        if not words:
            self.set_dialog(step="search")
            self.say(gettext("What job are you looking for? Send a few words."))
            return
        self.set_dialog()
        from search.service import get_search

        try:
            result = get_search(self.app).search_vacancies({"q": words, "size": RESULTS}, self.actor() if self.user else None)
        except DomainError as error:
            self.say(str(error.message))
            return
        if not result.hits:
            self.say(gettext("Nothing found for “%(q)s”. Try other words.", q=_esc(words)))
            return
        from exchange.vacancies.models import Vacancy

        ids = [int(hit["id"]) for hit in result.hits]
        titles = dict(self.session.execute(sa.select(Vacancy.id, Vacancy.title).where(Vacancy.id.in_(ids))).tuples().all())
        lines = [gettext("Found %(n)s vacancies for “%(q)s”:", n=result.total, q=_esc(words))]
        buttons = [[{"text": titles.get(i, str(i))[:60], "url": f"{self.public_url}/vacancies/{i}"}] for i in ids if i in titles]
        if self.user is not None and self.user.role == AccountRole.SEEKER:
            self.set_dialog(step="search_done", q=words[:200])
            buttons.append([{"text": gettext("Subscribe to this search"), "callback_data": "subq"}])
        self.say("\n".join(lines), buttons)

    def subscriptions(self) -> None:
        if self.need_link():
            return
        from exchange.subscriptions import operations as subs

        items = subs.subscriptions_of(self.session, self.actor())
        if not items:
            self.say(gettext("You have no saved searches yet."), [[{"text": gettext("New subscription"), "callback_data": "sub:new"}]])
            return
        rows = []
        for sub in items[:10]:
            toggle = {"text": f"🔕 {sub.name[:30]}", "callback_data": f"mute:{sub.id}"} if sub.active else {
                "text": f"🔔 {sub.name[:30]}", "callback_data": f"unmute:{sub.id}"}
            rows.append([toggle, {"text": "✖", "callback_data": f"subdel:{sub.id}"}])
        rows.append([{"text": gettext("New subscription"), "callback_data": "sub:new"}])
        self.say(gettext("Your saved searches. 🔕 pauses alerts, 🔔 resumes them, ✖ deletes."), rows)

    def applications(self) -> None:
        if self.need_link():
            return
        from exchange.applications.models import Application
        from exchange.notifications.recipients import format_deadline
        from exchange.seekers.models import SeekerProfile
        from exchange.vacancies.models import Vacancy

        actor = self.actor()
        stmt = sa.select(Application, Vacancy.title).join(Vacancy, Vacancy.id == Application.vacancy_id)
        if self.user.role == AccountRole.SEEKER:  # type: ignore[union-attr]
            stmt = stmt.join(SeekerProfile, SeekerProfile.id == Application.seeker_id).where(SeekerProfile.user_id == actor.user_id)
        elif actor.organisation_id is not None:
            stmt = stmt.where(Application.organisation_id == actor.organisation_id, Application.closed_at.is_(None))
        else:
            self.say(gettext("You have no applications yet."))
            return
        rows = self.session.execute(stmt.order_by(Application.answer_due_at.is_(None), Application.answer_due_at, Application.id.desc()).limit(10)).all()
        if not rows:
            self.say(gettext("You have no applications yet."))
            return
        from exchange.notifications.catalogue import _status_label

        lines = [gettext("Applications:")]
        for application, title in rows:
            line = f"• {_esc(title)} — {_status_label(application.state.value)}"
            if application.answer_due_at is not None and application.answered_at is None and application.closed_at is None:
                line += " " + gettext("(answer due %(when)s)", when=format_deadline(application.answer_due_at))
            lines.append(line)
        self.say("\n".join(lines), [[{"text": gettext("Open in the portal"), "url": f"{self.public_url}/cabinet"}]])

    def language(self) -> None:
        self.say(gettext("Choose the language:"), [[{"text": LOCALE_NAMES[code], "callback_data": f"lang:{code}"} for code in LOCALES]])

    def unlink(self) -> None:
        if self.need_link():
            return
        self.say(gettext("Disconnect this chat from your Birzha account? Alerts will stop coming here."), [[
            {"text": gettext("Yes, disconnect"), "callback_data": "unlink:yes"}, {"text": gettext("No"), "callback_data": "unlink:no"},
        ]])

    # --- the subscription dialogue ----------------------------------------------------------

    def new_subscription(self) -> None:
        if self.need_link():
            return
        self.set_dialog(step="sub_query")
        self.say(gettext("Step 1 of 3. Send the words to look for, e.g. “бухгалтер” (or “-” for everything)."))

    def sub_query(self, words: str) -> None:
        words = "" if words.strip() == "-" else words.strip()[:200]
        self.set_dialog(step="sub_region", q=words)
        rows = [[{"text": gettext("Anywhere in Kazakhstan"), "callback_data": "subr:any"}]]
        rows += [[{"text": name, "callback_data": f"subr:{code}"}] for code, name in QUICK_REGIONS]
        self.say(gettext("Step 2 of 3. Where?"), rows)

    def sub_region(self, code: str) -> None:
        state = self.dialog
        if state.get("step") != "sub_region":
            self.new_subscription()
            return
        self.set_dialog(step="sub_frequency", q=state.get("q", ""), region="" if code == "any" else code)
        self.say(gettext("Step 3 of 3. How often should I write?"), [[
            {"text": gettext("At once"), "callback_data": "subf:instant"}, {"text": gettext("Once a day"), "callback_data": "subf:daily"},
        ]])

    def sub_frequency(self, frequency: str) -> None:
        state = self.dialog
        if state.get("step") != "sub_frequency":
            self.new_subscription()
            return
        from exchange.subscriptions import operations as subs
        from exchange.subscriptions.models import SubscriptionKind

        actor = self.actor()
        kind = SubscriptionKind.VACANCIES if actor.role == AccountRole.SEEKER else SubscriptionKind.RESUMES
        params = {"q": state.get("q", ""), "region": state.get("region", "")}
        try:
            sub = subs.create_subscription(self.session, actor, {"kind": kind.value, "frequency": frequency, "params": params})
        except DomainError as error:
            messages = [str(m) for msgs in error.fields.values() for m in msgs] or [str(error.message)]
            self.say(" ".join(messages))
            return
        self.set_dialog()
        self.say(gettext("Saved: “%(name)s”. I will write when something new appears.", name=_esc(sub.name)))

    def subscription_action(self, action: str, subscription_id: int) -> str:
        if self.user is None:
            return gettext("First connect your Birzha account.")
        from exchange.subscriptions import operations as subs

        try:
            if action == "subdel":
                subs.delete_subscription(self.session, self.actor(), subscription_id)
                return gettext("Deleted.")
            sub = subs.set_active(self.session, self.actor(), subscription_id, action == "unmute")
        except DomainError as error:
            return str(error.message)
        return gettext("Alerts for “%(name)s” are paused.", name=sub.name) if action == "mute" else gettext(
            "Alerts for “%(name)s” are on again.", name=sub.name)

    # --- routing ---------------------------------------------------------------------------------

    def on_text(self, text: str) -> None:
        command, _, rest = text.strip().partition(" ")
        command = command.split("@")[0].lower()
        routes = {
            "/start": lambda: self.start(rest.strip()), "/help": self.help, "/search": lambda: self.search(rest),
            "/subscriptions": self.subscriptions, "/applications": self.applications, "/language": self.language,
            "/unlink": self.unlink, "/cancel": lambda: (self.set_dialog(), self.say(gettext("Cancelled."))),
        }
        if command in routes:
            routes[command]()
            return
        step = self.dialog.get("step")
        if step == "sub_query":
            self.sub_query(text)
        else:
            self.search(text)

    def on_callback(self, data: str) -> str | None:
        action, _, value = data.partition(":")
        if action in ("mute", "unmute", "subdel") and value.isdigit():
            note = self.subscription_action(action, int(value))
            self.say(note)
            return note
        if action == "sub" and value == "new":
            self.new_subscription()
        elif action == "subq":
            self.quick_subscribe()
        elif action == "subr":
            self.sub_region(value)
        elif action == "subf" and value in ("instant", "daily"):
            self.sub_frequency(value)
        elif action == "lang" and value in LOCALES:
            return self.change_language(value)
        elif action == "unlink":
            if value == "yes" and self.user is not None:
                notifications.unlink_telegram(self.session, self.actor())
                self.user = self.link = None
                self.say(gettext("Disconnected. Send /start with a new link from the portal to connect again."))
            else:
                self.say(gettext("Nothing changed."))
        return None

    def quick_subscribe(self) -> None:
        state = self.dialog
        if self.need_link() or not state.get("q"):
            return
        self.set_dialog(step="sub_region", q=state["q"])
        self.sub_query(state["q"])

    def change_language(self, code: str) -> str:
        if self.user is not None:
            from exchange.accounts import operations as accounts

            accounts.update_profile(self.session, self.actor(), self.user.id,
                                    {"full_name": self.user.full_name, "phone": self.user.phone, "locale": code})
        self.locale = code
        with in_locale(code):
            note = gettext("Language: %(name)s", name=LOCALE_NAMES[code])
            self.say(note)
            if self.user is None:
                self.say(gettext("Connect your account so I remember it."))
        return note


def respond(app: Flask, update: dict[str, Any]) -> Outcome:
    """Handle one Telegram update (as JSON) and return what to send back."""
    from exchange.app import state

    message = update.get("message") or update.get("edited_message")
    callback = update.get("callback_query")
    source = callback.get("message", {}) if callback else message
    if not source or "chat" not in source:
        return Outcome(chat_id=None)
    chat = source["chat"]
    if chat.get("type", "private") != "private":
        return Outcome(chat_id=None)  # the bot talks to people, not groups
    chat_id = int(chat["id"])
    sender = (callback or message).get("from", {})
    with app.app_context(), state(app).db.unit_of_work() as session:
        talk = Conversation(app, session, chat_id, sender)
        outcome = Outcome(chat_id=chat_id)
        with in_locale(talk.locale):
            if callback:
                outcome.callback_query_id = str(callback["id"])
                outcome.callback_text = talk.on_callback(str(callback.get("data", "")))
            elif isinstance(message.get("text"), str):
                talk.on_text(message["text"])
        outcome.answers = talk.answers
    return outcome


async def execute(bot: Bot, outcome: Outcome) -> None:
    if outcome.callback_query_id:
        await bot.answer_callback_query(outcome.callback_query_id, text=(outcome.callback_text or "")[:200] or None)
    for answer in outcome.answers:
        await bot.send_message(
            chat_id=outcome.chat_id, text=answer.text[:4096], parse_mode=ParseMode.HTML,
            reply_markup=keyboard(answer.buttons) if answer.buttons else None,
        )


def process_update_sync(app: Flask, update: dict[str, Any]) -> Outcome:
    """Webhook entry: handle the update, then send the answers through the bot's loop."""
    from bots import channels

    outcome = respond(app, update)
    runner = channels.bot_runner(app)
    if runner is not None and outcome.chat_id is not None:
        runner.run(lambda bot: execute(bot, outcome))
    return outcome
