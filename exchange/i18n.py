"""Interface languages (kk, ru, en) and the translation helpers every module uses.

Each feature keeps its own catalogue in ``exchange/<feature>/translations`` (or the
shared one in ``exchange/translations``); Flask-Babel merges them, so modules are
translated side by side without one giant catalogue.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, force_locale, get_locale, gettext, lazy_gettext, ngettext

LOCALES = ("kk", "ru", "en")
LOCALE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

__all__ = [
    "LOCALES",
    "LOCALE_NAMES",
    "force_locale",
    "get_locale",
    "gettext",
    "init_i18n",
    "lazy_gettext",
    "ngettext",
    "translation_directories",
]


def translation_directories() -> list[str]:
    repo = Path(__file__).resolve().parent.parent
    root = repo / "exchange"
    dirs = [root / "translations"]
    for package in ("exchange", "search", "bots", "workers"):
        dirs.extend(p for p in sorted((repo / package).glob("**/translations")) if p != root / "translations")
    return [str(d) for d in dirs if d.is_dir()]


def select_locale() -> str:
    if not has_request_context():
        return getattr(g, "locale_override", None) or "ru"
    chosen = request.args.get("lang")
    if chosen in LOCALES:
        session["lang"] = chosen
        return chosen
    user = getattr(g, "current_user_locale", None)
    if user in LOCALES:
        return user
    if session.get("lang") in LOCALES:
        return session["lang"]
    from flask import current_app

    return request.accept_languages.best_match(LOCALES) or current_app.config["BIRZHA"].DEFAULT_LOCALE


def init_i18n(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories())
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["BIRZHA"].DEFAULT_LOCALE
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["BIRZHA"].TIMEZONE
    Babel(app, locale_selector=select_locale, timezone_selector=lambda: app.config["BIRZHA"].TIMEZONE)
