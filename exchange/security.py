"""Sign-in sessions, CSRF protection, rate limits and security headers."""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from exchange.i18n import lazy_gettext as _l

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


@login_manager.user_loader
def _load_user(session_id: str):
    from exchange.accounts.operations import load_user_from_session_id
    from exchange.lifecycle import db_session

    return load_user_from_session_id(db_session(), session_id)


def init_security(app: Flask) -> None:
    settings = app.config["BIRZHA"]
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.init_app(app)
    csrf.init_app(app)
    # Shared across processes when Redis is there, so limits hold behind several workers.
    app.config["RATELIMIT_STORAGE_URI"] = settings.REDIS_URL or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = f"{settings.RQ_QUEUE_PREFIX}:ratelimit"
    limiter.init_app(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if not request.path.startswith("/api/v1/docs"):
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'",
            )
        return response
