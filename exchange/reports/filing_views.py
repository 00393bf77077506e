"""The save-then-maybe-submit step that layoff notices, forecasts and training applications share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request

from exchange.errors import DomainError, ValidationFailed
from exchange.web import refused


def save_filing(
    save: Callable[[], Any],
    submit: Callable[[Any], Any],
    *,
    rerender: Callable[[ValidationFailed], Any],
    show_url: Callable[[Any], str],
    refused_url: str,
    saved_message: str,
    submitted_message: str,
):
    """Create or update a filing, then submit it when the person pressed "submit" on a draft.

    A field error re-renders the form (422, nothing kept); any other refusal is rolled back
    and explained on the page the person is sent to.
    """
    wants_submit = request.form.get("action") == "submit"
    try:
        filing = save()
        submitting = wants_submit and getattr(filing.status, "value", filing.status) == "draft"
        if submitting:
            submit(filing)
    except ValidationFailed as error:
        return rerender(error)
    except DomainError as error:
        refused(error)
        return redirect(refused_url)
    flash(submitted_message if submitting else saved_message, "success")
    return redirect(show_url(filing))
