"""Small helpers for portal views: form data in, operation called, errors shown."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from exchange.accounts.models import AccountRole
from exchange.errors import ValidationFailed
from exchange.lifecycle import current_actor, db_session

__all__ = ["current_actor", "db_session", "form_data", "render_form", "role_required", "safe_next"]


def form_data(*list_fields: str) -> dict[str, Any]:
    """``request.form`` as a dict; fields in ``list_fields`` keep every value."""
    data: dict[str, Any] = {k: v for k, v in request.form.items() if k != "csrf_token"}
    for name in list_fields:
        data[name] = [v for v in request.form.getlist(name) if v]
    return data


def render_form(template: str, error: ValidationFailed | None = None, status: int | None = None, **context: Any):
    """Render a form page; with an error, answer 422 and show each field's messages."""
    errors = {k: [str(m) for m in v] for k, v in (error.fields if error else {}).items()}
    return render_template(template, errors=errors, **context), status or (422 if error else 200)


def role_required(*roles: AccountRole, org_kinds: tuple[str, ...] = ()) -> Callable:
    """Sign-in plus one of the roles (admins pass); ``org_kinds`` also needs an organisation of that kind."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.sign_in", next=request.full_path))
            actor = current_actor()
            if actor.is_admin:
                return view(*args, **kwargs)
            if roles and actor.role not in roles:
                abort(403)
            if org_kinds and (actor.organisation is None or actor.organisation.kind not in org_kinds):
                if actor.role in (AccountRole.EMPLOYER, AccountRole.AGENCY):
                    return redirect(url_for("organisations.create"))
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def safe_next(default: str) -> str:
    """Only local paths are followed after sign-in (no open redirect)."""
    target = request.args.get("next") or request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def refused(error, category: str = "error") -> None:
    """An operation refused: undo anything it did, and tell the person why (before a redirect)."""
    from flask import flash

    db_session().rollback()
    messages = [str(m) for msgs in getattr(error, "fields", {}).values() for m in msgs]
    flash(" ".join(messages) or str(getattr(error, "message", error)), category)
