"""Every notification type renders in Kazakh, Russian and English, for every channel."""

from __future__ import annotations

import pytest
from markupsafe import escape

from bots.render import render
from exchange.notifications.catalogue import EVENT_TYPES

CONTEXT = {
    "vacancy": "Бухгалтер", "seeker": "Серікбаева Айгерім", "organisation": "ТОО «Алма»", "deadline": "05.03.2025 23:59",
    "status": "interview", "resume": "Водитель", "search": "бухгалтер", "count": 3,
    "items": [{"title": "Бухгалтер", "path": "/vacancies/1"}], "employed": 4, "deregistered": 2, "created": 10,
    "updated": 1, "rejected": 0, "minutes": 60, "message": "Сәлеметсіз бе! Сұхбатқа шақырамыз.", "path": "/cabinet",
    "subscription_id": 7, "unsubscribe_path": "/subscriptions/unsubscribe/x",
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
