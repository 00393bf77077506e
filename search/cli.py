"""``exchange search reindex|check [--fix]``."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from search import documents

KIND_CHOICE = click.Choice(["all", *documents.KINDS])


def _kinds(kind: str) -> tuple[str, ...]:
    return documents.KINDS if kind == "all" else (kind,)


@click.group("search")
def search_group() -> None:
    """Search index: rebuild from the database, check and repair."""


@search_group.command("reindex")
@click.option("--kind", type=KIND_CHOICE, default="all", show_default=True)
@click.option("--force", is_flag=True, help="Swap even when the new index is less than half the old one.")
@with_appcontext
def reindex_command(kind: str, force: bool) -> None:
    """Rebuild the index into a new one and switch readers over (zero downtime)."""
    from search import maintenance

    failed = False
    for report in maintenance.reindex(current_app._get_current_object(), _kinds(kind), force=force):
        click.echo(json.dumps(report, ensure_ascii=False))
        failed |= not report["swapped"]
    if failed:
        raise click.ClickException("a new index had a suspicious count and was not switched to (use --force)")


@search_group.command("check")
@click.option("--kind", type=KIND_CHOICE, default="all", show_default=True)
@click.option("--fix", is_flag=True, help="Re-sync missing, stale and orphan documents.")
@with_appcontext
def check_command(kind: str, fix: bool) -> None:
    """List documents missing from the index, stale, or left over (orphans)."""
    from search import maintenance

    problems = False
    for r in maintenance.check(current_app._get_current_object(), _kinds(kind), fix=fix):
        click.echo(f"{r.kind}: expected {r.expected}, indexed {r.indexed}, missing {len(r.missing)}, "
                   f"stale {len(r.stale)}, orphans {len(r.orphans)}{' (fixed)' if fix and not r.ok else ''}")
        for label, ids in (("missing", r.missing), ("stale", r.stale), ("orphans", r.orphans)):
            if ids:
                click.echo(f"  {label}: {' '.join(map(str, ids[:50]))}{' …' if len(ids) > 50 else ''}")
        problems |= not r.ok
    if problems and not fix:
        raise SystemExit(1)


def demo_hook(app, progress: bool) -> None:
    """After `exchange demo load`: rebuild the index so the demo is searchable at once."""
    from search import maintenance

    for report in maintenance.reindex(app, force=True):
        if progress:
            click.echo(f"search index {report['kind']:8} {report['indexed']:8d} documents in {report['seconds']} s")
