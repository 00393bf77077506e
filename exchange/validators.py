"""Validators for identifiers and contact data used at every edge.

IIN (individual) and BIN (business) numbers share one control-digit algorithm: the
sum of the first 11 digits weighted 1..11, mod 11; when that gives 10, weights
3..11,1,2 are used instead; a second 10 means the number cannot be valid.
"""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers

_TWELVE_DIGITS = re.compile(r"^\d{12}$")
_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def control_digit(first_eleven: str) -> int | None:
    """The control digit for 11 digits, or None when no valid one exists."""
    digits = [int(c) for c in first_eleven]
    check = sum(w * d for w, d in zip(_WEIGHTS_1, digits, strict=True)) % 11
    if check == 10:
        check = sum(w * d for w, d in zip(_WEIGHTS_2, digits, strict=True)) % 11
        if check == 10:
            return None
    return check


def _has_valid_control_digit(value: str) -> bool:
    if not isinstance(value, str) or not _TWELVE_DIGITS.match(value):
        return False
    expected = control_digit(value[:11])
    return expected is not None and expected == int(value[11])


def iin_birth_date(value: str) -> dt.date | None:
    """Birth date encoded in an IIN (YYMMDD + century/sex digit), or None if impossible."""
    if not isinstance(value, str) or not _TWELVE_DIGITS.match(value):
        return None
    century_digit = int(value[6])
    centuries = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}
    if century_digit not in centuries:
        return None
    try:
        return dt.date(centuries[century_digit] + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        return None


def is_valid_iin(value: str) -> bool:
    """True for a 12-digit IIN with a correct control digit and a real birth date."""
    return _has_valid_control_digit(value) and iin_birth_date(value) is not None


def is_valid_bin(value: str) -> bool:
    """True for a 12-digit BIN with a correct control digit and entity-type digit 4, 5 or 6."""
    if not _has_valid_control_digit(value):
        return False
    # Positions 1-4 are the registration year and month; position 5 is the entity type.
    month = int(value[2:4])
    return 1 <= month <= 12 and value[4] in "456"


def make_iin(first_eleven: str) -> str | None:
    """Complete 11 digits with their control digit (used by demo data and tests)."""
    check = control_digit(first_eleven)
    return None if check is None else first_eleven + str(check)


def normalize_phone(value: str, region: str = "KZ") -> str | None:
    """The number in E.164 (+7…), or None when it is not a valid phone number."""
    if not value or not isinstance(value, str) or len(value) > 32:
        return None
    try:
        parsed = phonenumbers.parse(value.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
