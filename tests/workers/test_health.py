"""The health check: machine-readable problem codes, messages in kk/ru/en (admin page and CLI)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from exchange.i18n import force_locale
from tests import factories as f
from tests.workers.test_outbox import pending_event
from workers import health
from workers import outbox as relay_module
from workers.cli import jobs_health


def _in(app, lang: str, problem: dict) -> str:
    from flask import g

    with app.test_request_context(f"/?lang={lang}"):
        g.locale_override = lang
        with force_locale(lang):
            return health.message(problem)


def test_problems_are_codes_with_figures_and_translated_messages(app, db, recorder):
    event = pending_event(db, "test.broken", age=dt.timedelta(minutes=20))
    event.attempts = relay_module.MAX_ATTEMPTS
    db.flush()
    report = health.check(app)
    assert report["ok"] is False
    codes = {p["code"]: p["params"] for p in report["problems"]}
    assert codes["outbox_gave_up"] == {"count": 1}
    assert codes["outbox_backlog"]["pending"] == 1 and codes["outbox_backlog"]["seconds"] >= 20 * 60
    gave_up = next(p for p in report["problems"] if p["code"] == "outbox_gave_up")
    texts = {lang: _in(app, lang, gave_up) for lang in ("en", "ru", "kk")}
    assert texts["en"].startswith("1 event gave up")
    assert len(set(texts.values())) == 3 and all("1" in text for text in texts.values())


@pytest.mark.parametrize("code, params", [
    ("database_unreachable", {"error": "OperationalError: gone"}),
    ("outbox_backlog", {"pending": 5, "seconds": 1200}),
    ("outbox_gave_up", {"count": 2}),
    ("redis_unreachable", {"error": "ConnectionError: refused"}),
    ("queues_without_worker", {"queues": ["birzha.index", "birzha.notify"]}),
    ("no_scheduler", {}),
])
def test_every_code_has_a_message_in_every_language(app, code, params):
    problem = {"code": code, "params": params}
    texts = {lang: _in(app, lang, problem) for lang in ("en", "ru", "kk")}
    assert len(set(texts.values())) == 3, texts  # really translated, not the English fallback
    for value in params.values():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        assert all(shown in text for text in texts.values())
    assert set(health.CODES) >= {code}


def test_cli_prints_codes_and_messages_in_the_chosen_language(app, db, recorder):
    event = pending_event(db, "test.broken")
    event.attempts = relay_module.MAX_ATTEMPTS
    db.flush()
    runner = app.test_cli_runner()
    ru = runner.invoke(jobs_health, ["--lang", "ru"])
    assert ru.exit_code == 1
    assert "[outbox_gave_up]" in ru.output and "событие" in ru.output
    en = runner.invoke(jobs_health, ["--lang", "en"])
    assert "UNHEALTHY" in en.output and "1 event gave up" in en.output
    report = json.loads(runner.invoke(jobs_health, ["--json", "--lang", "kk"]).output)
    [problem] = [p for p in report["problems"] if p["code"] == "outbox_gave_up"]
    assert problem["params"] == {"count": 1} and problem["message"] != _in(app, "en", problem)


def test_healthy_when_nothing_is_waiting(app, db, recorder):
    report = health.check(app)
    assert report["ok"] is True and report["problems"] == []
    assert app.test_cli_runner().invoke(jobs_health, ["--lang", "en"]).output.strip() == "ok"


@pytest.mark.redis
def test_rq_mode_reports_missing_workers_and_scheduler(rq_app, db):
    report = health.check(rq_app)
    codes = {p["code"]: p["params"] for p in report["problems"]}
    assert "no_scheduler" in codes
    assert len(codes["queues_without_worker"]["queues"]) == 5


def test_admin_page_shows_the_translated_problems(app, db, client, sign_in, recorder):
    admin = f.user(db, "admin")
    event = pending_event(db, "test.broken")
    event.attempts = relay_module.MAX_ATTEMPTS
    db.flush()
    sign_in(admin)
    page = client.get("/admin/jobs/?lang=ru").get_data(as_text=True)
    problem = {"code": "outbox_gave_up", "params": {"count": 1}}
    assert _in(app, "ru", problem) in page
    assert "outbox_gave_up" not in page
