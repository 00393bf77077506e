"""The public statistics page (charts, table by region, programme targets) and its CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from flask import Blueprint, Response, render_template, request

from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.errors import ValidationFailed
from exchange.i18n import get_locale
from exchange.i18n import gettext as _
from exchange.i18n import lazy_gettext as _l
from exchange.indicators import queries
from exchange.indicators.models import UNKNOWN_REGION
from exchange.timeutil import local_today
from exchange.web import db_session

blueprint = Blueprint("indicators", __name__, template_folder="templates")
CHART_DAYS = 90
MAX_EXPORT_DAYS = 366 * 5


def _region_name(code: str) -> str:
    if code == UNKNOWN_REGION:
        return _("Region not given")
    return classifiers.label(db_session(), Scheme.KATO, code, str(get_locale() or "ru"))


@blueprint.route("/statistics")
def statistics():
    s = db_session()
    day = queries.latest_day(s)
    if day is None:
        return render_template("indicators/statistics.html", day=None)
    regions = queries.regions_on(s, day)
    series = queries.national_series(s, day - dt.timedelta(days=CHART_DAYS - 1), day)
    totals = series[-1] if series else None
    names = {r.region_code: _region_name(r.region_code) for r in regions}
    trend = {
        "labels": [t.day.isoformat() for t in series],
        "datasets": [
            {"label": str(_l("Registered job seekers")), "data": [t.registered_seekers for t in series]},
            {"label": str(_l("On a centre's register")), "data": [t.on_register for t in series]},
            {"label": str(_l("Registered employers")), "data": [t.registered_employers for t in series]},
        ],
    }
    shown = [r for r in regions if r.region_code != UNKNOWN_REGION]
    share = {
        "labels": [names[r.region_code] for r in shown],
        "datasets": [{"label": str(_l("Employed through the platform, per cent")),
                      "data": [r.share_through_platform if r.share_through_platform is not None else 0 for r in shown]}],
    }
    target = queries.PROGRAMME_TARGETS.get(day.year) or queries.PROGRAMME_TARGETS[max(queries.PROGRAMME_TARGETS)]
    return render_template(
        "indicators/statistics.html", day=day, regions=regions, names=names, totals=totals,
        trend_json=json.dumps(trend, ensure_ascii=False), share_json=json.dumps(share, ensure_ascii=False),
        targets=sorted(queries.PROGRAMME_TARGETS.items()), current_target=target,
    )


def _date_arg(name: str, default: dt.date) -> dt.date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({name: [_l("Use a date written YYYY-MM-DD.")]}) from None


@blueprint.route("/statistics.csv")
def statistics_csv():
    s = db_session()
    latest = queries.latest_day(s) or local_today()
    end = _date_arg("to", latest)
    start = _date_arg("from", end - dt.timedelta(days=CHART_DAYS - 1))
    if start > end:
        raise ValidationFailed({"from": [_l("The start is after the end.")]})
    if (end - start).days > MAX_EXPORT_DAYS:
        raise ValidationFailed({"from": [_l("Export at most five years at a time.")]})
    region = request.args.get("region") or None
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "region_code", "region_name", "registered_seekers", "on_register", "registered_employers",
                     "employed_ytd", "employed_through_platform_ytd", "share_through_platform_percent"])
    names: dict[str, str] = {}
    for row in queries.rows_between(s, start, end, region):
        if row.region_code not in names:
            names[row.region_code] = _region_name(row.region_code)
        writer.writerow([row.day.isoformat(), row.region_code, names[row.region_code], row.registered_seekers,
                         row.on_register, row.registered_employers, row.employed_ytd, row.employed_through_platform_ytd,
                         "" if row.share_through_platform is None else f"{row.share_through_platform:.1f}"])
    filename = f"birzha-indicators-{start.isoformat()}-{end.isoformat()}.csv"
    # A byte-order mark lets spreadsheet programs read the Cyrillic names as UTF-8.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
