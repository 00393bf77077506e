"""Fixtures for the notification tests: local SMTP, Bot API and Twilio (Prism) servers, and
switching a channel's settings on for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exchange.app import state
from tests.support.botapi import BotApiServer
from tests.support.prism import Prism
from tests.support.smtp import SmtpServer

BOT_TOKEN = "123456:TEST-token_for-birzha"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "twilio-test-auth-token"


@pytest.fixture()
def settings_override(app, monkeypatch):
    """Change settings for one test (channels read them on every send)."""

    def _set(**values):
        for name, value in values.items():
            monkeypatch.setitem(state(app).settings.values, name, value)

    return _set


@pytest.fixture()
def smtp_server(settings_override) -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    settings_override(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
    yield server
    server.stop()


@pytest.fixture()
def bot_api(app, settings_override) -> Iterator[BotApiServer]:
    server = BotApiServer(BOT_TOKEN).start()
    settings_override(TELEGRAM_BOT_TOKEN=BOT_TOKEN, TELEGRAM_API_URL=server.url, TELEGRAM_WEBHOOK_SECRET="hook-secret")
    yield server
    runner = state(app).services.pop("telegram.runner", None)
    if runner is not None:
        runner[1].close()
    server.stop()
    assert not server.errors, f"calls that break the Bot API contract: {server.errors}"


@pytest.fixture(scope="session")
def prism_server(tmp_path_factory) -> Iterator[Prism]:
    if not Prism.available():
        pytest.skip("Stoplight Prism is not installed (bash scripts/services.sh install)")
    server = Prism(tmp_path_factory.mktemp("prism")).start()
    yield server
    server.stop()


@pytest.fixture()
def twilio_on(prism_server, settings_override) -> Prism:
    settings_override(
        TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN=TWILIO_TOKEN, TWILIO_FROM_NUMBER="+77010000000",
        TWILIO_BASE_URL=prism_server.url,
    )
    return prism_server
