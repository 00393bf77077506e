"""``exchange bot …``: run the Telegram bot by polling, or register the portal's webhook."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("bot")
def bot_group() -> None:
    """Telegram bot."""


def _runner():
    from bots import channels

    runner = channels.bot_runner(current_app._get_current_object())
    if runner is None:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set")
    return runner


@bot_group.command("poll")
@click.option("--timeout", default=25, show_default=True, type=click.IntRange(0, 50), help="Long-poll seconds.")
@with_appcontext
def poll_command(timeout: int) -> None:
    """Answer updates by long polling (local use; stops with Ctrl+C)."""
    from bots.telegram.polling import poll

    click.echo("polling the Bot API; Ctrl+C stops")
    try:
        poll(current_app._get_current_object(), _runner(), timeout=timeout)
    except KeyboardInterrupt:
        click.echo("stopped")


@bot_group.command("set-webhook")
@with_appcontext
def set_webhook_command() -> None:
    """Point Telegram at this portal's webhook (PUBLIC_URL), with the secret-token header."""
    from bots.telegram.polling import set_webhook

    settings = current_app.config["BIRZHA"]
    if not settings.TELEGRAM_WEBHOOK_SECRET:
        raise click.ClickException("TELEGRAM_WEBHOOK_SECRET is not set")
    url = settings.PUBLIC_URL.rstrip("/") + "/notifications/telegram/webhook"
    set_webhook(_runner(), url, settings.TELEGRAM_WEBHOOK_SECRET)
    click.echo(f"webhook set to {url}")


@click.group("notifications")
def notifications_group() -> None:
    """Notification deliveries."""


@notifications_group.command("send-due")
@with_appcontext
def send_due_command() -> None:
    """Send deliveries whose retry or quiet-hours delay is over."""
    from exchange.notifications.sending import send_due

    click.echo(send_due(current_app._get_current_object()))
