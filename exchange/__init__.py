"""Birzha — the labour exchange portal and its domain.

Nothing happens at import: build the application with :func:`exchange.app.create_app`.
"""
