"""``exchange pension import FILE`` / ``fetch`` / ``reconcile [--json]``."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from exchange.app import state
from exchange.auth import Actor
from exchange.errors import DomainError


@click.group("pension")
def pension_group() -> None:
    """Pension-contribution feeds and the weekly reconciliation."""


def _print_import(report: dict, as_json: bool) -> None:
    from exchange.pension.feed import reason

    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    if report["already_imported"]:
        click.echo(f"already imported as feed {report['feed_id']}; nothing loaded")
        return
    click.echo(
        f"feed {report['feed_id']}: {report['rows_total']} rows, {report['rows_loaded']} loaded, "
        f"{report['rows_duplicate']} already known, {report['rows_rejected']} rejected"
    )
    for error in report["errors"][:50]:
        click.echo(f"  line {error['line']}: {error['field']}: {reason(error['code'])} {error.get('value') or ''}".rstrip())


@pension_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def pension_import(path: str, as_json: bool) -> None:
    """Load a feed file (CSV or JSON lines); bad rows are reported with their line numbers."""
    from exchange.pension import jobs

    try:
        report = jobs.import_file(current_app._get_current_object(), path, Actor.system("cli"))
    except DomainError as error:
        raise click.ClickException(json.dumps(error.as_dict(), ensure_ascii=False)) from None
    _print_import(report, as_json)


@pension_group.command("fetch")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def pension_fetch(as_json: bool) -> None:
    """Download and load the feed from PENSION_FEED_URL."""
    from exchange.pension import jobs
    from exchange.pension.sources import HttpFeed

    url = state().settings.PENSION_FEED_URL
    if not url:
        raise click.ClickException("PENSION_FEED_URL is not set")
    _print_import(jobs.import_source(current_app._get_current_object(), HttpFeed(url), Actor.system("cli")), as_json)


@pension_group.command("reconcile")
@click.option("--json", "as_json", is_flag=True, help="Print the run's report as JSON.")
@with_appcontext
def pension_reconcile(as_json: bool) -> None:
    """Reconcile now: contributions after registration end the registration."""
    from exchange.pension import jobs

    report = jobs.run_reconciliation(current_app._get_current_object(), trigger="cli", actor=Actor.system("cli"))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    for key in ("run_id", "feeds", "rows_read", "rows_rejected", "matched", "seekers_deregistered",
                "employments_created", "through_platform", "resumes_archived", "applications_closed", "duration_ms"):
        click.echo(f"{key:22} {report[key]}")
