"""Notification centre: what to tell whom (events → recipients), the inbox, preferences, Telegram links."""
