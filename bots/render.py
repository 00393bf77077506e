"""Turns a notification into each channel's form: e-mail (HTML + text), SMS, spoken call, Telegram."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import render_template

from exchange.i18n import gettext
from exchange.notifications.catalogue import compose, in_locale

SMS_LIMIT = 480  # three concatenated Cyrillic (UCS-2) segments of 160 characters at most
TELEGRAM_LIMIT = 4096
CALL_LANGUAGES = {"ru": "ru-RU", "kk": "ru-RU", "en": "en-US"}  # Twilio <Say> has no Kazakh voice


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    link: str | None
    locale: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    unsubscribe_url: str | None = None

    def email_text(self) -> str:
        parts = [self.text]
        if self.link:
            parts.append(self.link)
        if self.unsubscribe_url:
            with in_locale(self.locale):
                parts.append("--\n" + gettext("Stop these e-mails: %(url)s", url=self.unsubscribe_url))
        return "\n\n".join(parts) + "\n"

    def email_html(self) -> str:
        with in_locale(self.locale):
            return render_template("notifications/email.html", message=self, paragraphs=self.text.split("\n"))

    def sms(self) -> str:
        body = f"Birzha: {self.text}"
        if self.link:
            room = SMS_LIMIT - len(self.link) - 1
            body = (body if len(body) <= room else body[: room - 1] + "…") + " " + self.link
        return body[:SMS_LIMIT]

    def speech(self) -> str:
        # Links and bullets read badly aloud; say the message twice so it is not missed.
        spoken = re.sub(r"https?://\S+", "", self.text).replace("•", "").strip()
        return f"{self.subject}. {spoken} {spoken}"

    def telegram(self) -> str:
        text = f"<b>{_escape(self.subject)}</b>\n\n{_escape(self.text)}"
        return text[:TELEGRAM_LIMIT]


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def absolute(public_url: str, path: str | None) -> str | None:
    if not path:
        return None
    if path.startswith(("http://", "https://")):
        return path
    return public_url.rstrip("/") + "/" + path.lstrip("/")


def render(event_type: str, context: dict[str, Any], locale: str, public_url: str) -> Rendered:
    composed = compose(event_type, context, locale)
    link = absolute(public_url, context.get("path"))
    buttons: list[dict[str, str]] = []
    with in_locale(locale):
        if link:
            buttons.append({"text": gettext("Open"), "url": link})
        if context.get("subscription_id"):
            buttons.append({"text": gettext("Mute this subscription"), "callback_data": f"mute:{context['subscription_id']}"})
    return Rendered(
        subject=composed.subject,
        text=composed.body,
        link=link,
        locale=locale,
        buttons=buttons,
        unsubscribe_url=absolute(public_url, context.get("unsubscribe_path")),
    )
