"""Domain errors raised by operations and mapped to HTTP answers at the edges.

Messages are lazy translations so the page, the API and the bot each show them in
their user's language.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every expected failure; carries a user-facing message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: Any = None, fields: dict[str, list[Any]] | None = None) -> None:
        super().__init__(str(message) if message is not None else self.code)
        self.message = message if message is not None else self.code
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {name: [str(m) for m in msgs] for name, msgs in self.fields.items()},
        }


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"

    def __init__(self, fields: dict[str, list[Any]], message: Any = None) -> None:
        from exchange.i18n import lazy_gettext as _l

        super().__init__(message or _l("Some fields need attention."), fields)


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


def field_error(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed({field: [message]})
