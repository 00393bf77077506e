"""The menu and the dashboard panels each role sees; features add their entries here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import url_for

from exchange.accounts.models import AccountRole
from exchange.i18n import lazy_gettext as _l

S, E, A, C, ADM = AccountRole.SEEKER, AccountRole.EMPLOYER, AccountRole.AGENCY, AccountRole.CENTRE, AccountRole.ADMIN


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: Any
    roles: tuple[AccountRole, ...]


NAV: list[NavEntry] = [
    NavEntry("resumes.mine", _l("My resumes"), (S,)),
    NavEntry("vacancies.mine", _l("Our vacancies"), (E, A, C)),
    NavEntry("seekers.centre_register", _l("Registered seekers"), (C,)),
    NavEntry("organisations.profile", _l("Organisation"), (E, A, C)),
    NavEntry("api_cabinet.api_keys", _l("Integrations"), (E, A)),
    NavEntry("search_ui.candidates", _l("Candidates"), (E, A, C)),
    NavEntry("subscriptions.mine", _l("Saved searches"), (S, E, A, C)),
    NavEntry("notifications.inbox", _l("Notifications"), (S, E, A, C)),
]


@dataclass(frozen=True)
class Panel:
    """A dashboard block: a template and a function giving its context (or None to skip)."""

    template: str
    roles: tuple[AccountRole, ...]
    context: Callable[[Any], dict[str, Any] | None]
    order: int = 50


PANELS: list[Panel] = []


def nav_items(actor) -> list[dict[str, Any]]:
    if actor is None or actor.user is None:
        return []
    role = actor.role
    return [
        {"url": url_for(e.endpoint), "label": e.label}
        for e in NAV
        if role in e.roles or (role == ADM and e.endpoint.startswith("admin."))
    ]


def panels_for(actor) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for panel in sorted(PANELS, key=lambda p: p.order):
        if actor.role in panel.roles or actor.role == ADM:
            context = panel.context(actor)
            if context is not None:
                out.append((panel.template, context))
    return out
