"""Reading the pension fund's feed: CSV or JSON lines, validated row by row.

Columns (CSV header / JSON keys): ``iin,employer_bin,employer_name,period,amount,paid_on``;
``period`` is ``YYYY-MM``, ``amount`` KZT with a dot before the decimals, ``paid_on``
an ISO date. A bad row never stops the file: it is reported with its line number,
field and reason, and the good rows load. Only a file whose header lacks a column is
refused as a whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from exchange.errors import field_error
from exchange.i18n import lazy_gettext as _l
from exchange.timeutil import local_today
from exchange.validators import iin_birth_date, is_valid_bin, is_valid_iin

COLUMNS: tuple[str, ...] = ("iin", "employer_bin", "employer_name", "period", "amount", "paid_on")
MAX_AMOUNT = Decimal("100000000000")  # 10^11 KZT: anything larger is a typo
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Reasons, by code: the code is stored, the text is shown in the reader's language.
REASONS: dict[str, Any] = {
    "iin_invalid": _l("Not a valid IIN (12 digits with a correct control digit)."),
    "bin_invalid": _l("Not a valid BIN (12 digits with a correct control digit)."),
    "name_missing": _l("The employer name is empty."),
    "name_too_long": _l("The employer name is longer than 300 characters."),
    "period_invalid": _l("The period must be a month written YYYY-MM."),
    "period_future": _l("The period is in the future."),
    "amount_invalid": _l("The amount must be a number with a dot before at most two decimals."),
    "amount_not_positive": _l("The amount must be greater than zero."),
    "amount_too_large": _l("The amount is implausibly large."),
    "date_invalid": _l("The payment date must be an ISO date (YYYY-MM-DD)."),
    "date_future": _l("The payment date is in the future."),
    "paid_before_period": _l("The payment date is before the month it pays for."),
    "not_an_object": _l("The line is not a JSON object."),
    "not_json": _l("The line is not valid JSON."),
    "duplicate_row": _l("The same contribution appears earlier in the file."),
    "column_missing": _l("A column is missing in this line."),
}


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    code: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "code": self.code, "value": self.value[:60]}


def reason(code: str) -> str:
    return str(REASONS.get(code, code))


@dataclass(frozen=True)
class Contribution:
    line: int
    iin: str
    employer_bin: str
    employer_name: str
    period: dt.date
    amount: Decimal
    paid_on: dt.date

    def key(self) -> tuple:
        return (self.iin, self.employer_bin, self.period, self.paid_on, self.amount)


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    return str(raw).strip()


def validate(line: int, raw: dict[str, Any], today: dt.date) -> tuple[Contribution | None, list[RowError]]:
    """One row in, a clean contribution or the list of what is wrong with it."""
    errors: list[RowError] = []
    iin, bin_, name = _text(raw.get("iin")), _text(raw.get("employer_bin")), _text(raw.get("employer_name"))
    if not is_valid_iin(iin):
        errors.append(RowError(line, "iin", "iin_invalid", iin))
    if not is_valid_bin(bin_):
        errors.append(RowError(line, "employer_bin", "bin_invalid", bin_))
    if not name:
        errors.append(RowError(line, "employer_name", "name_missing"))
    elif len(name) > 300:
        errors.append(RowError(line, "employer_name", "name_too_long", name))

    period = None
    period_raw = _text(raw.get("period"))
    match = _PERIOD.match(period_raw)
    if not match:
        errors.append(RowError(line, "period", "period_invalid", period_raw))
    else:
        period = dt.date(int(match.group(1)), int(match.group(2)), 1)
        if period > today.replace(day=1):
            errors.append(RowError(line, "period", "period_future", period_raw))
            period = None  # one reason per problem: no "paid before the period" on top

    amount = None
    amount_raw = raw.get("amount")
    if isinstance(amount_raw, bool):  # JSON true/false is not an amount
        amount_text = str(amount_raw).lower()
    elif isinstance(amount_raw, (int, float)):  # JSON numbers: their shortest text form
        amount_text = repr(amount_raw)
    else:
        amount_text = _text(amount_raw)
    if amount_text.startswith("-") and _AMOUNT.match(amount_text[1:]):
        errors.append(RowError(line, "amount", "amount_not_positive", amount_text))
    elif not _AMOUNT.match(amount_text):
        errors.append(RowError(line, "amount", "amount_invalid", amount_text))
    else:
        try:
            amount = Decimal(amount_text).quantize(Decimal("0.01"))
        except InvalidOperation:
            errors.append(RowError(line, "amount", "amount_invalid", amount_text))
        else:
            if amount <= 0:
                errors.append(RowError(line, "amount", "amount_not_positive", amount_text))
                amount = None
            elif amount >= MAX_AMOUNT:
                errors.append(RowError(line, "amount", "amount_too_large", amount_text))
                amount = None

    paid_on = None
    paid_raw = _text(raw.get("paid_on"))
    try:
        if not _DATE.match(paid_raw):
            raise ValueError
        paid_on = dt.date.fromisoformat(paid_raw)
    except ValueError:
        errors.append(RowError(line, "paid_on", "date_invalid", paid_raw))
    else:
        if paid_on > today:
            errors.append(RowError(line, "paid_on", "date_future", paid_raw))
        elif period is not None and paid_on < period:
            errors.append(RowError(line, "paid_on", "paid_before_period", paid_raw))

    if errors:
        return None, errors
    assert period is not None and amount is not None and paid_on is not None
    return Contribution(line, iin, bin_, name, period, amount, paid_on), []


_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_ASCII_ZERO_SUM = ord("0") * 66  # both weight sets sum to 66
_CACHE_LIMIT = 100_000
_CENT = Decimal("0.01")


class RowChecker:
    """:func:`validate` for a whole file, fast on the rows that are good.

    A feed repeats a few thousand employers, a few dozen months and a few weeks of
    payment dates, so their checks are remembered per file; the IIN control digit is
    computed from the ASCII bytes. The fast path only ever *accepts* a row: whatever it
    is not sure of (any doubt at all) goes to :func:`validate`, which alone produces
    errors, so reasons, fields and order are exactly those of the row-by-row check.
    """

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.month = today.replace(day=1)
        self._bins: dict[str, bool] = {}
        self._births: dict[str, bool] = {}
        self._periods: dict[str, dt.date | None] = {}
        self._dates: dict[str, dt.date | None] = {}

    @staticmethod
    def _remember(cache: dict, key: str, value: Any) -> Any:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = value
        return value

    def _iin_ok(self, iin: str) -> bool:
        if len(iin) != 12 or not iin.isascii() or not iin.isdigit():
            return False
        digits = iin.encode()
        check = (sum(map(operator.mul, _WEIGHTS_1, digits[:11])) - _ASCII_ZERO_SUM) % 11
        if check == 10:
            check = (sum(map(operator.mul, _WEIGHTS_2, digits[:11])) - _ASCII_ZERO_SUM) % 11
            if check == 10:
                return False
        if check != digits[11] - 48:
            return False
        birth = self._births.get(iin[:7])
        if birth is None:
            birth = self._remember(self._births, iin[:7], iin_birth_date(iin) is not None)
        return birth

    def _bin_ok(self, bin_: str) -> bool:
        known = self._bins.get(bin_)
        if known is None:
            known = self._remember(self._bins, bin_, is_valid_bin(bin_))
        return known

    def _period(self, text: str) -> dt.date | None:
        if text in self._periods:
            return self._periods[text]
        match = _PERIOD.match(text)
        period = dt.date(int(match.group(1)), int(match.group(2)), 1) if match else None
        if period is not None and period > self.month:
            period = None
        return self._remember(self._periods, text, period)

    def _date(self, text: str) -> dt.date | None:
        if text in self._dates:
            return self._dates[text]
        day = None
        if _DATE.match(text):
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                day = None
        if day is not None and day > self.today:
            day = None
        return self._remember(self._dates, text, day)

    def _fast(self, line: int, raw: dict[str, Any]) -> Contribution | None:
        try:
            iin, bin_, name = raw["iin"], raw["employer_bin"], raw["employer_name"]
            period_text, amount_text, paid_text = raw["period"], raw["amount"], raw["paid_on"]
        except KeyError:
            return None
        if not (type(iin) is type(bin_) is type(name) is type(period_text) is type(amount_text)
                is type(paid_text) is str):
            return None
        iin, bin_, name = iin.strip(), bin_.strip(), name.strip()
        if not name or len(name) > 300 or not self._iin_ok(iin) or not self._bin_ok(bin_):
            return None
        period = self._period(period_text.strip())
        paid_on = self._date(paid_text.strip())
        if period is None or paid_on is None or paid_on < period:
            return None
        amount_text = amount_text.strip()
        if not _AMOUNT.match(amount_text):
            return None
        try:
            amount = Decimal(amount_text).quantize(_CENT)
        except InvalidOperation:
            return None
        if not 0 < amount < MAX_AMOUNT:
            return None
        return Contribution(line, iin, bin_, name, period, amount, paid_on)

    def check(self, line: int, raw: dict[str, Any]) -> tuple[Contribution | None, list[RowError]]:
        contribution = self._fast(line, raw)
        if contribution is not None:
            return contribution, []
        return validate(line, raw, self.today)


def detect_format(name: str, head: bytes) -> str:
    lowered = name.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith(".csv"):
        return "csv"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


def _csv_rows(text: IO[str]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    reader = csv.reader(text)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise field_error("file", _l("The file is empty.")) from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise field_error("file", _l("The header lacks the column(s): %(columns)s.", columns=", ".join(missing)))
    pick = operator.itemgetter(*(header.index(c) for c in COLUMNS))
    width = len(header)
    for values in reader:
        if not values or (not values[0].strip() and all(not v.strip() for v in values)):
            continue
        line = reader.line_num
        if len(values) < width:
            yield line, None, "column_missing"
            continue
        yield line, dict(zip(COLUMNS, pick(values), strict=True)), None


def _jsonl_rows(text: IO[str]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    for line, raw in enumerate(text, start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            yield line, None, "not_json"
            continue
        if not isinstance(value, dict):
            yield line, None, "not_an_object"
            continue
        yield line, value, None


def read(stream: IO[bytes], name: str, today: dt.date | None = None) -> Iterator[Contribution | list[RowError]]:
    """Yield each good row as a :class:`Contribution`, each bad one as its list of errors.

    Streams: memory stays flat however large the feed is.
    """
    checker = RowChecker(today or local_today())
    head = stream.read(64)
    stream.seek(0)
    fmt = detect_format(name, head)
    # Undecodable bytes become U+FFFD and fail validation of their row, not the whole file.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="" if fmt == "csv" else None)
    try:
        rows = _jsonl_rows(text) if fmt == "jsonl" else _csv_rows(text)
        for line, raw, problem in rows:
            if problem is not None:
                yield [RowError(line, "line", problem)]
                continue
            assert raw is not None
            contribution, errors = checker.check(line, raw)
            yield contribution if contribution is not None else errors
    finally:
        text.detach()  # the caller owns the binary stream
