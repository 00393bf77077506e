"""Marshmallow field builders with translated messages, shared by operations and the API.

Operations validate their input with these schemas (the single source of truth);
the JSON API documents itself from the same schemas; HTML forms hand their data to
the operations and show the field errors that come back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from exchange.errors import ValidationFailed
from exchange.i18n import lazy_gettext as _l
from exchange.validators import is_valid_bin, is_valid_iin, normalize_phone

__all__ = [
    "EXCLUDE",
    "InputSchema",
    "Schema",
    "ValidationError",
    "boolean",
    "code",
    "code_list",
    "date",
    "email",
    "enum",
    "integer",
    "load",
    "number",
    "phone",
    "text",
    "validates_schema",
]


def _messages() -> dict[str, Any]:
    return {
        "required": _l("This field is required."),
        "null": _l("This field is required."),
        "invalid": _l("Not a valid value."),
        "type": _l("Not a valid value."),
    }


class InputSchema(Schema):
    """Base for operation input: unknown keys are ignored, blanks become None."""

    class Meta:
        unknown = EXCLUDE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        # Every field gets translated messages, whatever type it is.
        field_obj.error_messages = {**field_obj.error_messages, **_messages()}


class _BlankIsNone:
    def deserialize(self, value, attr=None, data=None, **kwargs):
        if isinstance(value, str) and value.strip() == "":
            value = None
        return super().deserialize(value, attr, data, **kwargs)


class Text(_BlankIsNone, fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Integer(_BlankIsNone, fields.Integer):
    pass


class Number(_BlankIsNone, fields.Float):
    pass


class Date(_BlankIsNone, fields.Date):
    pass


class Boolean(fields.Boolean):
    truthy = {True, "true", "True", "1", "on", "yes", "y"}
    falsy = {False, "false", "False", "0", "off", "no", "n", "", None}


class EnumField(_BlankIsNone, fields.String):
    def __init__(self, enum: type[StrEnum], **kwargs):
        self.enum = enum
        super().__init__(
            validate=validate.OneOf(
                [m.value for m in enum], error=_l("Choose one of: {choices}.")
            ),
            metadata={"enum": [m.value for m in enum]},
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs)


class Phone(_BlankIsNone, fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        normalised = normalize_phone(raw)
        if normalised is None:
            raise ValidationError(_l("Enter a valid phone number, e.g. +7 701 234 5678."))
        return normalised


class Iin(_BlankIsNone, fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs).strip().replace(" ", "")
        if not is_valid_iin(raw):
            raise ValidationError(_l("This is not a valid IIN: 12 digits with a correct control digit."))
        return raw


class Bin(_BlankIsNone, fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs).strip().replace(" ", "")
        if not is_valid_bin(raw):
            raise ValidationError(_l("This is not a valid BIN: 12 digits with a correct control digit."))
        return raw


class CodeList(fields.List):
    """A list of short codes; a comma-separated string is accepted too (HTML forms)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or value == "":
            return []
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


def text(*, required: bool = False, max_len: int = 200, min_len: int = 0, **kw) -> fields.Field:
    checks = [validate.Length(min=min_len or None, max=max_len, error=_l("Use {min} to {max} characters."))]
    if not min_len:
        checks = [validate.Length(max=max_len, error=_l("Use at most {max} characters."))]
    return Text(required=required, allow_none=not required, validate=checks, **kw)


def integer(*, required: bool = False, minimum: int | None = None, maximum: int | None = None, **kw) -> fields.Field:
    check = validate.Range(min=minimum, max=maximum, error=_l("Enter a number from {min} to {max}."))
    return Integer(required=required, allow_none=not required, validate=check, strict=False, **kw)


def number(*, required: bool = False, minimum: float | None = None, maximum: float | None = None, **kw) -> fields.Field:
    check = validate.Range(min=minimum, max=maximum, error=_l("Enter a number from {min} to {max}."))
    return Number(required=required, allow_none=not required, validate=check, **kw)


def date(*, required: bool = False, **kw) -> fields.Field:
    return Date(required=required, allow_none=not required, **kw)


def boolean(**kw) -> fields.Field:
    kw.setdefault("load_default", False)
    return Boolean(**kw)


def enum(enum_cls: type[StrEnum], *, required: bool = False, **kw) -> fields.Field:
    return EnumField(enum_cls, required=required, allow_none=not required, **kw)


def code(*, required: bool = False, max_len: int = 20, **kw) -> fields.Field:
    return text(required=required, max_len=max_len, **kw)


def code_list(*, max_items: int = 20, **kw) -> fields.Field:
    return CodeList(
        Text(validate=validate.Length(max=20)),
        load_default=list,
        validate=validate.Length(max=max_items, error=_l("At most {max} items.")),
        **kw,
    )


def phone(*, required: bool = False, **kw) -> fields.Field:
    return Phone(required=required, allow_none=not required, **kw)


def email(*, required: bool = False, **kw) -> fields.Field:
    return Text(
        required=required,
        allow_none=not required,
        validate=[
            validate.Length(max=254, error=_l("Use at most {max} characters.")),
            validate.Email(error=_l("Enter a valid e-mail address.")),
        ],
        **kw,
    )


def iin(*, required: bool = False, **kw) -> fields.Field:
    return Iin(required=required, allow_none=not required, **kw)


def bin_(*, required: bool = False, **kw) -> fields.Field:
    return Bin(required=required, allow_none=not required, **kw)


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_schema"
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list) and all(not isinstance(m, (dict, list)) for m in messages):
        out[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for item in messages:
            for k, v in _flatten(item, prefix).items():
                out.setdefault(k, []).extend(v)
    else:
        out[prefix or "_schema"] = [messages]
    return out


def load(schema: Schema, data: Mapping[str, Any] | None, *, partial: bool = False) -> dict[str, Any]:
    """Validate ``data`` with ``schema``; raise :class:`ValidationFailed` with per-field messages."""
    try:
        return schema.load(dict(data or {}), partial=partial)
    except ValidationError as exc:
        raise ValidationFailed(_flatten(exc.messages)) from None


def load_checked(schema: Schema, data: Mapping[str, Any] | None, check) -> dict[str, Any]:
    """Validate with ``schema`` and then ``check(values)``, reporting both kinds of errors at once.

    When some fields fail the schema, ``check`` still runs on the fields that passed, so
    a person sees every problem in one round trip rather than one layer at a time.
    """
    try:
        values = schema.load(dict(data or {}))
    except ValidationError as exc:
        errors = _flatten(exc.messages)
        partial = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        try:
            check(dict(partial))
        except ValidationFailed as more:
            for name, messages in more.fields.items():
                errors.setdefault(name, messages)
        raise ValidationFailed(errors) from None
    return check(values)


def today() -> dt.date:
    return dt.date.today()
