"""Which channels are on (credentials set) and the client for each, built from settings once per app."""

from __future__ import annotations

from typing import Any

from flask import Flask

from bots.email import EmailChannel
from bots.sms import TwilioChannel
from bots.telegram.channel import TelegramChannel
from bots.telegram.runner import BotRunner


def _settings(app: Flask):
    from exchange.app import state

    return state(app).settings


def _cached(app: Flask, name: str, key: tuple, build) -> Any:
    # Rebuilt when the relevant settings change (tests switch channels on and off).
    from exchange.app import state

    services = state(app).services
    entry = services.get(name)
    if entry is None or entry[0] != key:
        if entry is not None and hasattr(entry[1], "close"):
            entry[1].close()
        entry = (key, build())
        services[name] = entry
    return entry[1]


def email(app: Flask) -> EmailChannel | None:
    s = _settings(app)
    if not s.SMTP_HOST:
        return None
    key = (s.SMTP_HOST, s.SMTP_PORT, s.MAIL_FROM, s.SMTP_USERNAME, s.SMTP_PASSWORD, s.SMTP_STARTTLS)
    return _cached(app, "channel.email", key, lambda: EmailChannel(
        s.SMTP_HOST, s.SMTP_PORT, s.MAIL_FROM, s.SMTP_USERNAME, s.SMTP_PASSWORD, s.SMTP_STARTTLS))


def twilio(app: Flask) -> TwilioChannel | None:
    s = _settings(app)
    if not (s.TWILIO_ACCOUNT_SID and s.TWILIO_AUTH_TOKEN and s.TWILIO_FROM_NUMBER):
        return None
    callback = s.PUBLIC_URL.rstrip("/") + "/notifications/twilio/status"
    key = (s.TWILIO_ACCOUNT_SID, s.TWILIO_AUTH_TOKEN, s.TWILIO_FROM_NUMBER, s.TWILIO_BASE_URL, callback)
    return _cached(app, "channel.twilio", key, lambda: TwilioChannel(
        s.TWILIO_ACCOUNT_SID, s.TWILIO_AUTH_TOKEN, s.TWILIO_FROM_NUMBER, s.TWILIO_BASE_URL, callback))


def bot_runner(app: Flask) -> BotRunner | None:
    s = _settings(app)
    if not s.TELEGRAM_BOT_TOKEN:
        return None
    key = (s.TELEGRAM_BOT_TOKEN, s.TELEGRAM_API_URL)
    return _cached(app, "telegram.runner", key, lambda: BotRunner(s.TELEGRAM_BOT_TOKEN, s.TELEGRAM_API_URL))


def telegram(app: Flask) -> TelegramChannel | None:
    runner = bot_runner(app)
    return TelegramChannel(runner) if runner is not None else None
