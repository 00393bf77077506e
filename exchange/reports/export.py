"""CSV and XLSX files of a report, in the fixed column layout documented in docs/reports.md.

The CSV is for machines: UTF-8 with a byte-order mark (so spreadsheet programs read
Cyrillic), comma-separated, one header line of stable column keys, one line per
area and occupation, no totals. The XLSX is for people: sheet "report" with the same
columns under translated headings and a totals line, sheet "agencies" with the
agencies' reported figures beside the platform's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.i18n import lazy_gettext as _l
from exchange.reports.operations import REASONS, AgencyRow, Report, ReportRow

Getter = Callable[[ReportRow], Any]

_REASON_TITLES = {
    "employed": _l("Deregistered: employed"),
    "pension_contributions": _l("Deregistered: pension contributions found"),
    "moved_away": _l("Deregistered: moved away"),
    "refused_suitable_work": _l("Deregistered: refused suitable work"),
    "own_request": _l("Deregistered: at own request"),
    "training": _l("Deregistered: sent to training"),
    "pension_age": _l("Deregistered: pension age"),
    "failed_to_appear": _l("Deregistered: did not appear"),
    "false_information": _l("Deregistered: false information"),
    "death": _l("Deregistered: death"),
}


def _reason(reason: str) -> Getter:
    return lambda row: row.deregistered[reason]


# (key, heading, value); the order is the file layout — append new columns at the end only.
COLUMNS: list[tuple[str, Any, Getter | None]] = [
    ("period_start", _l("Period start"), None),
    ("period_end", _l("Period end"), None),
    ("area_code", _l("KATO code"), lambda r: r.area_code),
    ("area_name", _l("District or region"), None),
    ("occupation_code", _l("Occupation code"), lambda r: r.occupation_code),
    ("occupation_name", _l("Occupation"), None),
    ("registered", _l("Applied to the centre (registered)"), lambda r: r.registered),
    ("responses", _l("Applied to vacancies on the platform"), lambda r: r.responses),
    ("referred", _l("Referred by the centre"), lambda r: r.referred),
    ("employed_total", _l("Employed, total"), lambda r: r.employed_total),
    ("employed_platform", _l("Employed through the platform"), lambda r: r.employed_platform),
    ("employed_other", _l("Employed otherwise"), lambda r: r.employed_other),
    ("deregistered_total", _l("Deregistered, total"), lambda r: r.deregistered_total),
    *[(f"deregistered_{reason}", _REASON_TITLES.get(reason, reason), _reason(reason)) for reason in REASONS],
    ("agency_applied", _l("Agencies: applied (reported)"), lambda r: r.agency_applied),
    ("agency_employed", _l("Agencies: employed (reported)"), lambda r: r.agency_employed),
]
COLUMN_KEYS = [key for key, _, _ in COLUMNS]

AGENCY_COLUMNS: list[tuple[str, Any, Callable[[AgencyRow], Any]]] = [
    ("organisation_id", _l("Agency no."), lambda a: a.organisation_id),
    ("agency_name", _l("Agency"), lambda a: a.name),
    ("area_code", _l("KATO code"), lambda a: a.area_code),
    ("reported_applied", _l("Applied (reported by the agency)"), lambda a: a.reported_applied),
    ("reported_employed", _l("Employed (reported by the agency)"), lambda a: a.reported_employed),
    ("platform_responses", _l("Applications to its vacancies on the platform"), lambda a: a.platform_responses),
    ("platform_hired", _l("Hires confirmed on the platform"), lambda a: a.platform_hired),
]


def _values(session: Session, report: Report, row: ReportRow, locale: str) -> list[Any]:
    names = {
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "area_name": classifiers.label(session, Scheme.KATO, row.area_code, locale) if row.area_code else "",
        "occupation_name": (classifiers.label(session, Scheme.ISCO, row.occupation_code, locale)
                            if row.occupation_code else str(_l("Not specified"))),
    }
    return [names[key] if getter is None else getter(row) for key, _, getter in COLUMNS]


def to_csv(session: Session, report: Report, locale: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMN_KEYS)
    for row in report.rows:
        writer.writerow(_values(session, report, row, locale))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def agencies_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["period_start", "period_end", *[key for key, _, _ in AGENCY_COLUMNS]])
    for agency in report.agencies:
        writer.writerow([report.period_start.isoformat(), report.period_end.isoformat(),
                         *[get(agency) for _, _, get in AGENCY_COLUMNS]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(session: Session, report: Report, locale: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "report"
    bold = Font(bold=True)
    sheet.append([str(heading) for _, heading, _ in COLUMNS])
    for row in report.rows:
        sheet.append(_values(session, report, row, locale))
    totals = _values(session, report, report.totals, locale)
    totals[COLUMN_KEYS.index("area_name")] = str(_l("Total"))
    totals[COLUMN_KEYS.index("occupation_name")] = ""
    sheet.append(totals)
    for cell in (*sheet[1], *sheet[sheet.max_row]):
        cell.font = bold
    sheet.freeze_panes = "A2"
    agencies = book.create_sheet("agencies")
    agencies.append([str(_l("Period start")), str(_l("Period end")), *[str(h) for _, h, _ in AGENCY_COLUMNS]])
    for agency in report.agencies:
        agencies.append([report.period_start.isoformat(), report.period_end.isoformat(),
                         *[get(agency) for _, _, get in AGENCY_COLUMNS]])
    for cell in agencies[1]:
        cell.font = bold
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
