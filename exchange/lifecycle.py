"""Request lifecycle: one database session per request, one commit, rollback on error.

Views call operations and never commit. After the view returns, a successful
response (status < 400) commits; anything else rolls back, so a refused form leaves
nothing half-written. Domain errors become a page or a JSON error of one shape.
"""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request, session
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from exchange.auth import Actor, user_organisations
from exchange.errors import DomainError

log = logging.getLogger(__name__)


def db_session() -> Session:
    if "db_session" not in g:
        from exchange.app import state

        g.db_session = state().db.new_session()
    return g.db_session


def current_actor() -> Actor:
    """The signed-in person acting for their chosen organisation (if any)."""
    if "actor" in g:
        return g.actor
    user = current_user if current_user and current_user.is_authenticated else None
    organisation = None
    if user is not None:
        organisations = user_organisations(db_session(), user)
        chosen = session.get("org_id")
        organisation = next((o for o in organisations if o.id == chosen), organisations[0] if organisations else None)
        g.organisations = organisations
    g.actor = Actor(user=user, organisation=organisation, via="web", ip=request.remote_addr)
    return g.actor


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


# Per-request state kept in ``g``. An app context can outlive a request (a test or a
# CLI command pushes one and requests reuse it), so each request starts clean.
REQUEST_STATE = ("_login_user", "_flask_babel", "actor", "organisations", "db_session", "current_user_locale")


def init_lifecycle(app: Flask) -> None:
    @app.before_request
    def _fresh_request_state():
        for key in REQUEST_STATE:
            stale = g.pop(key, None)
            if key == "db_session" and stale is not None:
                stale.close()

    @app.before_request
    def _user_locale():
        if current_user and current_user.is_authenticated:
            g.current_user_locale = current_user.locale

    @app.after_request
    def _commit(response):
        db = g.pop("db_session", None)
        if db is None:
            return response
        try:
            if response.status_code < 400:
                db.commit()
            else:
                db.rollback()
        finally:
            db.close()
        return response

    @app.teardown_request
    def _cleanup(exc):
        db = g.pop("db_session", None)
        if db is not None:
            db.rollback()
            db.close()

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        if wants_json():
            return jsonify({"error": error.as_dict()}), error.status
        return render_template("error.html", error=error), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if wants_json():
            body = {"error": {"code": error.name.lower().replace(" ", "_"), "message": error.description, "fields": {}}}
            response = jsonify(body)
            response.status_code = error.code or 500
            if error.code == 429 and error.response is not None and "Retry-After" in error.response.headers:
                response.headers["Retry-After"] = error.response.headers["Retry-After"]
            return response
        return render_template("error.html", error=error), error.code

    @app.context_processor
    def _template_globals():
        from exchange import i18n

        actor = current_actor() if current_user and current_user.is_authenticated else None
        return {
            "actor": actor,
            "organisations": g.get("organisations", []),
            "LOCALES": i18n.LOCALES,
            "LOCALE_NAMES": i18n.LOCALE_NAMES,
            "current_locale": str(i18n.get_locale() or "ru"),
        }
