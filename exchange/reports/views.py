"""Centre and agency reports: a page with the table, and CSV / XLSX exports (centre staff and admins only)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from exchange import labels
from exchange.accounts.models import AccountRole
from exchange.errors import ValidationFailed
from exchange.i18n import get_locale
from exchange.i18n import lazy_gettext as _l
from exchange.portal.nav import NAV, NavEntry
from exchange.reports import export
from exchange.reports import operations as ops
from exchange.timeutil import local_today
from exchange.web import current_actor, db_session, render_form, role_required

blueprint = Blueprint("reports", __name__, url_prefix="/cabinet/reports", template_folder="templates")
CENTRE = AccountRole.CENTRE
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _params() -> dict:
    today = local_today()
    first = today.replace(day=1)
    actor = current_actor()
    return {
        "period_start": request.args.get("period_start") or first.isoformat(),
        "period_end": request.args.get("period_end") or today.isoformat(),
        "area": (request.args.get("area") or None) if actor.is_admin else None,
        "group": request.args.get("group") or "district",
        "occupation_code": request.args.get("occupation_code") or None,
    }


def _page(params: dict, report=None, error: ValidationFailed | None = None):
    return render_form("reports/index.html", error, values=params, report=report, groups=labels.choices("report_group"),
                       export_args={k: v for k, v in params.items() if v})


@blueprint.route("/")
@role_required(CENTRE, org_kinds=("centre",))
def index():
    params = _params()
    try:
        report = ops.build_report(db_session(), current_actor(), params)
    except ValidationFailed as error:
        return _page(params, error=error)
    return _page(params, report)


def _download(content: bytes, mimetype: str, name: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"  # figures are not public: keep them out of caches
    return response


@blueprint.route("/export.<fmt>")
@role_required(CENTRE, org_kinds=("centre",))
def download(fmt: str):
    if fmt not in ("csv", "xlsx", "agencies.csv"):
        return _page(_params(), error=ValidationFailed({"format": [_l("Choose CSV or XLSX.")]}))
    actor, s, params = current_actor(), db_session(), _params()
    try:
        report = ops.build_report(s, actor, params)
    except ValidationFailed as error:
        return _page(params, error=error)
    ops.record_export(s, actor, report, fmt)
    locale = str(get_locale() or "ru")
    stem = f"birzha-report-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}"
    if fmt == "xlsx":
        return _download(export.to_xlsx(s, report, locale), XLSX, f"{stem}.xlsx")
    if fmt == "agencies.csv":
        return _download(export.agencies_csv(report), "text/csv; charset=utf-8", f"{stem}-agencies.csv")
    return _download(export.to_csv(s, report, locale), "text/csv; charset=utf-8", f"{stem}.csv")


NAV.append(NavEntry("reports.index", _l("Reports"), (CENTRE, AccountRole.ADMIN)))
