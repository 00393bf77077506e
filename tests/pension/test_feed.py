"""Feed parsing and import: good rows, every kind of bad row, duplicates, the same file twice."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from exchange.auth import Actor
from exchange.errors import PermissionDenied, ValidationFailed
from exchange.pension import feed as feed_format
from exchange.pension import operations as ops
from exchange.pension.models import PensionContribution
from tests import factories as f

TODAY = dt.date(2025, 6, 15)


def good(**overrides) -> dict:
    row = {"iin": f.iin(), "employer_bin": f.bin_(), "employer_name": "ТОО «Алатау Құрылыс»",
           "period": "2025-05", "amount": "25000.50", "paid_on": "2025-06-10"}
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict], header: str = "iin,employer_bin,employer_name,period,amount,paid_on") -> bytes:
    lines = [header] + [",".join(str(r[c]) for c in feed_format.COLUMNS) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def do_import(db, data: bytes, name: str = "week.csv", actor=None):
    return ops.import_feed(db, actor or Actor.system("test"), io.BytesIO(data), name, today=TODAY)


BAD_ROWS = [
    ({"iin": "123456789012"}, "iin", "iin_invalid"),
    ({"employer_bin": "12345"}, "employer_bin", "bin_invalid"),
    ({"employer_name": " "}, "employer_name", "name_missing"),
    ({"employer_name": "Ж" * 301}, "employer_name", "name_too_long"),
    ({"period": "2025-13"}, "period", "period_invalid"),
    ({"period": "05.2025"}, "period", "period_invalid"),
    ({"period": "2025-07", "paid_on": "2025-06-10"}, "period", "period_future"),
    ({"amount": "25 000"}, "amount", "amount_invalid"),
    ({"amount": "25000,50"}, "amount", "amount_invalid"),
    ({"amount": "1.005"}, "amount", "amount_invalid"),
    ({"amount": "0"}, "amount", "amount_not_positive"),
    ({"amount": "-100"}, "amount", "amount_not_positive"),
    ({"amount": "100000000000"}, "amount", "amount_too_large"),
    ({"paid_on": "10.06.2025"}, "paid_on", "date_invalid"),
    ({"paid_on": "2025-02-30"}, "paid_on", "date_invalid"),
    ({"paid_on": "2025-06-16"}, "paid_on", "date_future"),
    ({"paid_on": "2025-04-30"}, "paid_on", "paid_before_period"),
]


@pytest.mark.parametrize(("change", "field", "code"), BAD_ROWS)
def test_each_kind_of_bad_row_is_named(change, field, code):
    contribution, errors = feed_format.validate(3, good(**change), TODAY)
    assert contribution is None
    assert [(e.line, e.field, e.code) for e in errors] == [(3, field, code)]
    assert feed_format.reason(code) != code  # a sentence, not the code


def test_a_good_row_is_cleaned():
    row = good(amount="1500", iin=" " + f.iin() + " ")
    contribution, errors = feed_format.validate(2, row, TODAY)
    assert errors == []
    assert contribution.amount == Decimal("1500.00")
    assert contribution.period == dt.date(2025, 5, 1)
    assert contribution.iin == row["iin"].strip()


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_load(db):
    rows = [good(), good(iin="000000000000"), good(), good(amount="abc", paid_on="soon"), good()]
    result = do_import(db, csv_bytes(rows))
    feed = result.feed
    assert (feed.rows_total, feed.rows_loaded, feed.rows_rejected, feed.rows_duplicate) == (5, 3, 2, 0)
    assert [(e["line"], e["field"], e["code"]) for e in feed.errors] == [
        (3, "iin", "iin_invalid"), (5, "amount", "amount_invalid"), (5, "paid_on", "date_invalid"),
    ]
    loaded = db.scalars(sa.select(PensionContribution.line_no).where(PensionContribution.feed_id == feed.id)
                        .order_by(PensionContribution.line_no)).all()
    assert loaded == [2, 4, 6]


def test_duplicates_inside_a_file_and_across_files(db):
    first, repeated = good(), good()
    result = do_import(db, csv_bytes([first, repeated, dict(repeated), good()]), "a.csv")
    assert (result.feed.rows_loaded, result.feed.rows_rejected) == (3, 1)
    assert result.feed.errors == [{"line": 4, "field": "line", "code": "duplicate_row", "value": "= 3"}]
    # Another file repeating a payment already loaded: recognised, not loaded twice.
    again = do_import(db, csv_bytes([first, good()]), "b.csv")
    assert (again.already_imported, again.feed.rows_loaded, again.feed.rows_duplicate) == (False, 1, 1)


def test_the_same_file_twice_is_recognised(db):
    data = csv_bytes([good(), good()])
    first = do_import(db, data, "week-23.csv")
    second = do_import(db, data, "renamed.csv")
    assert second.already_imported and second.feed.id == first.feed.id
    assert db.scalar(sa.select(sa.func.count()).select_from(PensionContribution)
                     .where(PensionContribution.feed_id == first.feed.id)) == 2


def test_json_lines_with_numbers_and_bad_lines(db):
    lines = [
        json.dumps({**good(), "amount": 31000.5}, ensure_ascii=False),
        "",
        "{not json",
        json.dumps(["a list"]),
        json.dumps({**good(), "amount": True}),
        json.dumps(good(), ensure_ascii=False),
    ]
    result = do_import(db, ("\n".join(lines) + "\n").encode(), "week.jsonl")
    feed = result.feed
    assert (feed.rows_total, feed.rows_loaded, feed.rows_rejected) == (5, 2, 3)
    assert [(e["line"], e["code"]) for e in feed.errors] == [(3, "not_json"), (4, "not_an_object"), (5, "amount_invalid")]
    amounts = sorted(db.scalars(sa.select(PensionContribution.amount).where(PensionContribution.feed_id == feed.id)))
    assert Decimal("31000.50") in amounts


def test_header_with_bom_and_other_column_order(db):
    row = good()
    data = ("\ufeffpaid_on,period,amount,employer_name,employer_bin,iin\n"
            f"{row['paid_on']},{row['period']},{row['amount']},\"{row['employer_name']}\",{row['employer_bin']},{row['iin']}\n")
    assert do_import(db, data.encode(), "x.csv").feed.rows_loaded == 1


def test_a_short_line_and_a_missing_column(db):
    data = csv_bytes([good()]) + b"870412300123,010140001234\n"
    result = do_import(db, data)
    assert result.feed.errors[-1]["code"] == "column_missing"
    with pytest.raises(ValidationFailed) as refused:
        do_import(db, b"iin,employer_bin,period,amount,paid_on\n")
    assert "file" in refused.value.fields


def test_only_administrators_import(db):
    _centre, centre_actor = f.centre(db)
    with pytest.raises(PermissionDenied):
        do_import(db, csv_bytes([good()]), actor=centre_actor)


def _variants() -> list[dict]:
    """Good rows and near misses: every BAD_ROWS change, plus edge cases of each fast check."""
    rows = [good(), good(amount="1500"), good(amount=" 7.5 "), good(iin=" " + f.iin() + " ")]
    rows += [good(**change) for change, _field, _code in BAD_ROWS]
    iin = f.iin()
    wrong_digit = iin[:11] + str((int(iin[11]) + 1) % 10)
    rows += [
        good(iin=wrong_digit), good(iin="٨٠٠١٠١٣٠٠٠١٧"), good(iin=iin[:11]), good(iin="991399300012"),
        good(iin=f.iin(birth="000229", century=5)), good(iin=f.iin(birth="010229", century=5)),
        good(employer_bin=iin), good(employer_bin=" " + f.bin_()), good(employer_name="Ж" * 300),
        good(employer_name=""), good(period=" 2025-06 "), good(period="2025-6"), good(period="2025-05\n"),
        good(amount="0.00"), good(amount="99999999999.99"), good(amount="100000000000.00"), good(amount="٥٠٠"),
        good(amount="+5"), good(amount=".5"), good(amount="5."), good(paid_on="2025-05-01"),
        good(paid_on="2025-06-15"), good(paid_on="2025-6-1"), good(paid_on="20250601"),
        {k: v for k, v in good().items() if k != "amount"}, good(amount=31000.5), good(amount=True),
        good(iin=None), good(paid_on=dt.date(2025, 6, 1)),
    ]
    return rows


def test_the_fast_checker_agrees_with_the_row_by_row_check():
    """Whatever the per-file fast path accepts or rejects, the result is exactly validate()'s."""
    checker = feed_format.RowChecker(TODAY)
    for attempt in range(2):  # the second pass runs on warm caches
        for line, row in enumerate(_variants(), start=2):
            expected = feed_format.validate(line, row, TODAY)
            assert checker.check(line, row) == expected, (attempt, row)
