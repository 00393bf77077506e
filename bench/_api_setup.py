"""Set-up shared by the API benchmarks: an app on its own PostgreSQL schema with classifiers, an employer and a key."""

from __future__ import annotations

from typing import Any


def api_bench_app(database_url: str, schema: str, *, keep_consumers: bool = False):
    from bench._common import bench_app
    from exchange.app import state
    from exchange.classifiers.operations import load_classifiers

    app = bench_app(database_url, schema)
    if keep_consumers:
        from exchange import dispatch

        st = state(app)
        st.db.after_commit_hooks.append(lambda ids: dispatch.run_inline(app, ids))
    with state(app).db.unit_of_work() as session:
        load_classifiers(session)
    return app


def employer_with_key(app, scopes=("vacancies:read", "vacancies:write", "resumes:read"), kind: str = "employer") -> tuple[int, str, Any]:
    """(organisation id, API token, owner actor) for a fresh employer (or ``kind="agency"``); the key has no practical rate limit."""
    from exchange.accounts import operations as accounts
    from exchange.api import keys
    from exchange.app import state
    from exchange.auth import Actor
    from exchange.organisations import operations as organisations
    from tests import factories

    with state(app).db.unit_of_work() as session:
        user = accounts.sign_up(session, {"email": f"bench-{factories.bin_()}@example.kz", "password": "correct-horse-42",
                                          "full_name": "Бенчмарк", "role": kind})
        data = {"kind": kind, "name": "ТОО Бенчмарк", "bin": factories.bin_(), "kato_code": "751210000"}
        if kind == "agency":
            data["registry_number"] = f"ЖЖА-{factories.bin_()}"
        org = organisations.create_organisation(session, Actor(user=user), data)
        session.flush()
        actor = Actor(user=user, organisation=org)
        _key, token = keys.issue_key(session, actor, {"name": "bench", "scopes": list(scopes), "rate_limit": "999999 per minute"})
        return org.id, token, actor
