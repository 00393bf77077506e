"""Every notification type renders in Kazakh, Russian and English, for every channel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markupsafe import escape

from bots.render import render
from exchange.notifications.catalogue import EVENT_TYPES
from exchange.notifications.recipients import NOT_PLANNED, PLANNERS

CONTEXT = {
    "vacancy": "Бухгалтер", "seeker": "Серікбаева Айгерім", "organisation": "ТОО «Алма»", "deadline": "05.03.2025 23:59",
    "status": "interview", "resume": "Водитель", "search": "бухгалтер", "count": 3,
    "items": [{"title": "Бухгалтер", "path": "/vacancies/1"}], "employed": 4, "deregistered": 2, "created": 10,
    "updated": 1, "rejected": 0, "minutes": 60, "message": "Сәлеметсіз бе! Сұхбатқа шақырамыз.", "path": "/cabinet",
    "subscription_id": 7, "unsubscribe_path": "/subscriptions/unsubscribe/x",
    "people": 12, "date": "01.02.2027", "jobs": 7, "year": 2027, "quarter": 2, "person": "Бекова Асель", "number": 15,
    "reason": "Нет мест", "url": "https://hooks.example.kz/in", "failures": 10,
    "employer": "ТОО «Жаңа Жұмыс»", "centre": "ХЖО Алмалы", "centre_phone": "+77272500000", "through_platform": 1,
}


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_type_renders_in_each_language(app, event_type):
    with app.app_context():
        rendered = {loc: render(event_type, CONTEXT, loc, "https://birzha.kz") for loc in ("kk", "ru", "en")}
        for locale, message in rendered.items():
            assert message.subject.strip() and message.text.strip(), locale
            assert "%(" not in message.subject + message.text, f"unfilled placeholder in {locale}"
            assert message.link == "https://birzha.kz/cabinet"
            html = message.email_html()
            assert f'lang="{locale}"' in html and str(escape(message.subject)) in html
            assert message.sms().startswith("Birzha: ") and len(message.sms()) <= 480
            assert message.telegram().startswith("<b>")
            assert "http" not in message.speech()
        # Translated, not the English source shown to everyone.
        assert rendered["kk"].subject != rendered["en"].subject
        assert rendered["ru"].subject != rendered["en"].subject
        assert rendered["kk"].subject != rendered["ru"].subject
        if event_type != "organisation_message":  # that body is the organisation's own words
            assert rendered["kk"].text != rendered["en"].text
            assert rendered["ru"].text != rendered["en"].text


def test_kazakh_plural_and_values_in_text(app):
    with app.app_context():
        message = render("new_matching_vacancies", {**CONTEXT, "count": 5}, "kk", "https://birzha.kz")
    assert "5" in message.text and "бухгалтер" in message.text
    assert "• Бухгалтер" in message.text


def test_alert_has_open_and_mute_buttons(app):
    with app.app_context():
        message = render("new_matching_vacancies", CONTEXT, "ru", "https://birzha.kz")
    assert message.buttons[0]["url"] == "https://birzha.kz/cabinet"
    assert message.buttons[1]["callback_data"] == "mute:7"
    assert message.unsubscribe_url == "https://birzha.kz/subscriptions/unsubscribe/x"


def _emitted_topics() -> set[str]:
    """Every outbox topic the code emits, found in the source: literal topics, and the
    ``f"prefix.{action}"`` topics with the actions their helpers are called with."""
    root = Path(__file__).resolve().parents[2]
    topics: set[str] = set()
    for package in ("exchange", "search", "workers", "bots"):
        for path in (root / package).rglob("*.py"):
            src = path.read_text(encoding="utf-8")
            topics.update(re.findall(r'emit\(\s*session,\s*"([a-z_]+\.[a-z_]+)"', src))
            topics.update(re.findall(r'emit\(\s*session,\s*"[a-z_.]+" if \w+ else "([a-z_]+\.[a-z_]+)"', src))
            topics.update(re.findall(r'"topic": "([a-z_]+\.[a-z_]+)"', src))
            for prefix, name in re.findall(r'emit\(\s*session,\s*f"([a-z_]+)\.\{(\w+)\}"', src):
                helper = "_event" if name == "action" else "_changed"
                topics.update(f"{prefix}.{a}" for a in re.findall(helper + r'\(session, actor, \w+, "([a-z_]+)"', src))
                if re.search(helper + r"\(session, actor, \w+, \w+\.status\.value", src):
                    topics.update(f"{prefix}.{s}" for s in DECIDED_STATES.get(prefix, ()))
    return topics


DECIDED_STATES = {"training": ("approved", "refused")}


def test_every_emitted_topic_is_planned_or_deliberately_not():
    topics = _emitted_topics()
    assert {"layoff.submitted", "forecast.submitted", "training.approved", "webhook.disabled", "vacancy.published"} <= topics
    unaccounted = sorted(t for t in topics if t not in PLANNERS and t not in NOT_PLANNED)
    assert unaccounted == [], "add a planner (recipients.py) or a reason (NOT_PLANNED) for these topics"
    assert not set(PLANNERS) & set(NOT_PLANNED)


@pytest.mark.parametrize("topic", ["layoff.submitted", "layoff.withdrawn", "forecast.submitted", "forecast.withdrawn",
                                   "training.submitted", "training.withdrawn", "training.approved", "training.refused"])
def test_new_filing_topics_have_planners(topic):
    assert topic in PLANNERS
