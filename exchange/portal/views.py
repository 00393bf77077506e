from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, session, url_for
from flask_babel import format_decimal
from flask_login import current_user, login_required

from exchange import labels
from exchange.classifiers import operations as classifiers
from exchange.i18n import LOCALES, get_locale, gettext
from exchange.portal.nav import nav_items, panels_for
from exchange.vacancies import operations as vacancy_ops
from exchange.vacancies.models import VacancyStatus
from exchange.web import current_actor, db_session, safe_next

blueprint = Blueprint("portal", __name__)
PAGE_SIZE = 20


@blueprint.app_context_processor
def _helpers():
    locale = str(get_locale() or "ru")

    def code_label(scheme: str, code: str | None) -> str:
        return classifiers.label(db_session(), scheme, code, locale)

    def money(value: int | None) -> str:
        return "" if value is None else f"{format_decimal(value)} ₸"

    def salary(vacancy) -> str:
        if vacancy.salary_from and vacancy.salary_from == vacancy.salary_to:
            return money(vacancy.salary_from)
        if vacancy.salary_from and vacancy.salary_to:
            return f"{money(vacancy.salary_from)} – {money(vacancy.salary_to)}"
        if vacancy.salary_from:
            return gettext("from %(amount)s", amount=money(vacancy.salary_from))
        if vacancy.salary_to:
            return gettext("up to %(amount)s", amount=money(vacancy.salary_to))
        return ""

    return {
        "code_label": code_label,
        "label": labels.label,
        "money": money,
        "salary": salary,
        "nav_items": lambda: nav_items(current_actor() if current_user.is_authenticated else None),
    }


@blueprint.route("/")
def home():
    vacancies, total = vacancy_ops.public_vacancies(db_session(), limit=6)
    return render_template("portal/home.html", vacancies=vacancies, total=total)


@blueprint.route("/vacancies")
def vacancies():
    # The search page (filters, facets, typeahead, cursor paging) lives with the search UI.
    from exchange.search_ui.views import vacancy_search_page

    return vacancy_search_page()


@blueprint.route("/vacancies/<int:vacancy_id>")
def vacancy(vacancy_id: int):
    s = db_session()
    item = vacancy_ops.get_vacancy(s, vacancy_id)
    actor = current_actor() if current_user.is_authenticated else None
    if not vacancy_ops.can_view(s, actor, item):
        abort(404)
    if item.status == VacancyStatus.PUBLISHED and not (actor and vacancy_ops.can_edit(s, actor, item)):
        vacancy_ops.record_view(s, item)
    return render_template("portal/vacancy.html", vacancy=item, can_edit=bool(actor and vacancy_ops.can_edit(s, actor, item)))


@blueprint.route("/language/<lang>")
def set_language(lang: str):
    if lang not in LOCALES:
        abort(404)
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user._get_current_object().locale = lang
    target = safe_next(url_for("portal.home"))
    return redirect(target.rstrip("?"))


@blueprint.route("/cabinet")
@login_required
def dashboard():
    actor = current_actor()
    return render_template("portal/dashboard.html", panels=panels_for(actor))
