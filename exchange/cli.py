"""The ``exchange`` command: a Flask click group over the same operations as the portal."""

from __future__ import annotations

import gc
import json
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from exchange.app import state


def _create_app() -> Flask:
    from exchange.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """Birzha — the labour exchange. Commands act on the configured database and services."""


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(classifiers_group)
    app.cli.add_command(demo_group)
    app.cli.add_command(run_command)
    app.cli.add_command(users_group)
    app.cli.add_command(i18n_group)
    from bots.cli import bot_group, notifications_group

    app.cli.add_command(bot_group)
    app.cli.add_command(notifications_group)
    from search.cli import search_group

    app.cli.add_command(search_group)
    from workers.cli import COMMANDS as worker_commands

    for command in worker_commands:  # worker, scheduler, jobs
        app.cli.add_command(command)
    from exchange.pension.cli import pension_group

    app.cli.add_command(pension_group)
    from exchange.indicators.cli import indicators_group

    app.cli.add_command(indicators_group)


# --- database -----------------------------------------------------------------

@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from exchange import migrate

    migrate.upgrade(state().db.url, revision=revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.option("--revision", required=True)
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    from exchange import migrate

    migrate.downgrade(state().db.url, revision=revision)
    click.echo(f"database at {revision}")


# --- classifiers ----------------------------------------------------------------

@click.group("classifiers")
def classifiers_group() -> None:
    """Classifiers (KATO, ISCO-08, education, languages, licences)."""


@classifiers_group.command("load")
@with_appcontext
def classifiers_load() -> None:
    """Insert or update every classifier from the data files."""
    from exchange.classifiers.operations import load_classifiers

    with state().db.unit_of_work() as session:
        counts = load_classifiers(session)
    for scheme, count in counts.items():
        click.echo(f"{scheme:15} {count:6d}")


# --- demo data -----------------------------------------------------------------

@click.group("demo")
def demo_group() -> None:
    """Synthetic demo data."""


@demo_group.command("load")
@click.option("--vacancies", "n_vacancies", default=2000, show_default=True, type=click.IntRange(0, 5_000_000))
@click.option("--resumes", "n_resumes", default=2000, show_default=True, type=click.IntRange(0, 5_000_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
def demo_load(n_vacancies: int, n_resumes: int, seed: int, as_json: bool) -> None:
    """Load deterministic, realistic kk/ru demo data (same seed into an empty database → same data)."""
    from exchange import demo

    summary = demo.load(current_app, vacancies=n_vacancies, resumes=n_resumes, seed=seed, progress=not as_json)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        for key, value in summary.items():
            click.echo(f"{key:22} {value}")


# --- users ---------------------------------------------------------------------

@click.group("users")
def users_group() -> None:
    """Accounts."""


@users_group.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", "full_name", default="Administrator", show_default=True)
@click.password_option()
@with_appcontext
def create_admin(email: str, full_name: str, password: str) -> None:
    """Create an administrator account."""
    from exchange.accounts import operations as accounts
    from exchange.auth import Actor
    from exchange.errors import DomainError

    try:
        with state().db.unit_of_work() as session:
            accounts.create_staff_account(
                session, Actor.system("cli"),
                {"email": email, "password": password, "full_name": full_name, "role": "admin"},
            )
    except DomainError as error:
        raise click.ClickException(json.dumps(error.as_dict()["fields"], ensure_ascii=False)) from None
    click.echo(f"administrator {email} created")


# --- translations --------------------------------------------------------------

@click.group("i18n")
def i18n_group() -> None:
    """Translation catalogues (kk, ru)."""


@i18n_group.command("update")
@click.argument("folders", nargs=-1)
def i18n_update(folders: tuple[str, ...]) -> None:
    """Extract messages into the catalogues of FOLDERS (default: all), keeping translations."""
    from pathlib import Path

    from exchange import i18n_tools

    all_domains = i18n_tools.domains()
    wanted = {Path(f).resolve() for f in folders}
    for domain in all_domains:
        if wanted and domain.folder not in wanted:
            continue
        domain.translations.mkdir(parents=True, exist_ok=True)
        missing = i18n_tools.update(domain, all_domains)
        click.echo(f"{domain.translations.relative_to(i18n_tools.ROOT)}: untranslated {missing}")


@i18n_group.command("compile")
def i18n_compile() -> None:
    """Compile every .po catalogue to .mo."""
    from exchange import i18n_tools

    click.echo(f"compiled {i18n_tools.compile_all()} catalogues")


@i18n_group.command("check")
def i18n_check() -> None:
    """Fail when a visible string lacks a kk or ru translation, or a .mo is stale."""
    from exchange import i18n_tools

    problems = i18n_tools.untranslated()
    for key, ids in problems.items():
        click.echo(f"{key}: {len(ids)} untranslated, e.g. {ids[:3]}")
    stale = i18n_tools.stale_mo_files()
    for path in stale:
        click.echo(f"stale: {path}")
    if problems or stale:
        raise SystemExit(1)
    click.echo("all strings translated")


# --- run -----------------------------------------------------------------------

@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-demo", is_flag=True, help="Do not load demo data into an empty database.")
@with_appcontext
def run_command(host: str, port: int, no_demo: bool) -> None:
    """Serve the portal: migrate, load classifiers and (first time) demo data, then run."""
    import sqlalchemy as sa

    from exchange import demo, migrate
    from exchange.accounts.models import User
    from exchange.classifiers.operations import load_classifiers

    app = current_app._get_current_object()
    st = state()
    migrate.upgrade(st.db.url)
    with st.db.unit_of_work() as session:
        load_classifiers(session)
        empty = session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    if empty and st.settings.DEMO_ON_FIRST_RUN and not no_demo:
        click.echo("empty database: loading demo data (once)…")
        demo.load(app, vacancies=1500, resumes=1500, seed=1, progress=True)
    if empty or not no_demo:
        click.echo(f"demo accounts (password: {demo.DEMO_PASSWORD}):")
        for email in demo.DEMO_ACCOUNTS:
            click.echo(f"  {email}")
    click.echo(f"Birzha is at http://{host}:{port}/  (Ctrl+C stops it)")
    from workers import ticker

    ticker.start(app)  # embedded default: periodic jobs in-process (no-op on RQ)
    gc.collect()  # then freeze the start-up objects (~190k: app, models, classifiers) out of the collector's scans:
    gc.freeze()  # a full collection mid-request took ~150 ms, now ~15 ms (the board's p95; docs/benchmarks.md)
    try:
        from waitress import serve
    except ImportError:  # waitress is a declared dependency; fall back to Werkzeug if absent
        app.run(host=host, port=port, debug=False, use_reloader=False)
    else:
        serve(app, host=host, port=port, threads=8)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
