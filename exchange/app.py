"""Application factory: a fixed initialisation order, test overrides, validation first.

Order: settings (validated) → instance folder and secret → database → job dispatch →
i18n → security (login, CSRF, rate limits) → request lifecycle → blueprints → CLI.
"""

from __future__ import annotations

import importlib
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from config import Settings, load_settings
from exchange.db import Database

# Feature modules with a ``views`` module exposing ``blueprint`` (and optionally
# ``register(app)``); listed explicitly so start-up does no discovery magic.
BLUEPRINT_MODULES: tuple[str, ...] = (
    "exchange.portal.views",
    "exchange.accounts.views",
    "exchange.organisations.views",
    "exchange.seekers.views",
    "exchange.resumes.views",
    "exchange.vacancies.views",
    "exchange.classifiers.views",
    "exchange.admin.views",
    "exchange.applications.views",
    "exchange.centre.views",
    "exchange.notifications.views",
    "exchange.subscriptions.views",
    "exchange.search_ui.views",
    "exchange.pension.views",
    "exchange.indicators.views",
    "exchange.layoffs.views",
    "exchange.forecasts.views",
    "exchange.training.views",
    "exchange.reports.views",
    "workers.views",
)

# Modules added by later features; each exposes ``register(app)``.
EXTENSION_MODULES: tuple[str, ...] = (
    "exchange.api.views",
)


@dataclass
class AppState:
    """What the app holds besides Flask config: settings, database, pluggable services."""

    settings: Settings
    db: Database
    services: dict[str, Any] = field(default_factory=dict)


def state(app: Flask | None = None) -> AppState:
    from flask import current_app

    return (app or current_app).extensions["birzha"]


def _secret_key(settings: Settings) -> str:
    if settings.SECRET_KEY:
        return settings.SECRET_KEY
    path = settings.instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    settings = load_settings(overrides)
    logging.basicConfig(level=settings.LOG_LEVEL, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    app = Flask("exchange", instance_path=str(settings.instance_path))
    app.config.update(
        BIRZHA=settings,
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.SESSION_COOKIE_SECURE or settings.PUBLIC_URL.startswith("https://"),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.SESSION_COOKIE_SECURE or settings.PUBLIC_URL.startswith("https://"),
        WTF_CSRF_ENABLED=settings.WTF_CSRF_ENABLED,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead, so long forms do not fail
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    db = Database(settings.database_url, echo=settings.DATABASE_ECHO)
    app.extensions["birzha"] = AppState(settings=settings, db=db)

    from exchange import dispatch, i18n, lifecycle, security

    dispatch.init_dispatch(app)
    i18n.init_i18n(app)
    security.init_security(app)
    lifecycle.init_lifecycle(app)

    for module_name in BLUEPRINT_MODULES:
        module = importlib.import_module(module_name)
        app.register_blueprint(module.blueprint)
    for module_name in EXTENSION_MODULES:
        importlib.import_module(module_name).register(app)

    from exchange.cli import register_cli

    register_cli(app)
    return app
