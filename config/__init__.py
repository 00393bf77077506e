"""Birzha settings: declared once in :mod:`config.settings`, loaded and validated by :func:`load_settings`."""

from config.settings import SETTINGS, Setting, Settings, SettingsError, load_settings

__all__ = ["SETTINGS", "Setting", "Settings", "SettingsError", "load_settings"]
